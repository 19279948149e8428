"""Deterministic stand-ins for the embedding model, so that the fast layer loads no model.

:class:`SyllableHashEmbeddings` hashes each folded syllable (and each pair of neighbouring syllables) into
a fixed-size vector: texts that share words are near each other, the same text always gives the same
vector, in every process and on every run (a keyed hash, not Python's randomised ``hash``).
"""

from __future__ import annotations

import hashlib
import itertools
import math

from vectorstore.embeddings import TextEmbeddings
from vectorstore.lexical import syllables

DIMENSIONS = 64


def _bucket(term: str) -> int:
    digest = hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % DIMENSIONS


class SyllableHashEmbeddings(TextEmbeddings):
    """Bag of hashed syllables and syllable pairs, L2-normalised (cosine search works as with a model)."""

    identity = "test:syllable-hash-64"

    def __init__(self, batch_size: int = 8) -> None:
        super().__init__(batch_size)
        self.calls = 0

    def vector(self, text: str) -> list[float]:
        tokens = syllables(text)
        vector = [0.0] * DIMENSIONS
        for term in [*tokens, *(f"{a}_{b}" for a, b in itertools.pairwise(tokens))]:
            vector[_bucket(term)] += 1.0
        if not tokens:
            vector[0] = 1.0  # an empty text still has a direction: Chroma cannot rank a zero vector
        norm = math.sqrt(sum(x * x for x in vector))
        return [x / norm for x in vector]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        return [self.vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.vector(text)

    def count_tokens(self, text: str) -> int:
        """One token per syllable, plus the two special tokens a real tokenizer adds."""
        return len(syllables(text)) + 2
