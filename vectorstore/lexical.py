"""Vietnamese lexical index: BM25 (bm25s) over folded syllables plus syllable bigrams.

Two views of the same texts are indexed: with diacritics (folded: NFC, one tone convention, lower case)
and without (for queries typed without diacritics, "ty le ho ngheo Tieu Can"). A query that carries no
Vietnamese diacritics at all is looked up in the diacritics-free view.

The index is derived from the store's chunk table and cached on disk under the store's generation, so it
is always exactly as current as the manifest that ingest and delete update atomically.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ingestion.textnorm import fold, strip_diacritics

logger = logging.getLogger(__name__)

# Numbers keep their separators ("7.687", "12,37", "23/23", "61/2018/nđ-cp" parts) as one token.
_TOKEN = re.compile(r"\d+(?:[.,/]\d+)*|[^\W\d_]+")
_DIACRITIC_FREE = re.compile(r"^[\x00-\x7f]*$")


def syllables(text: str) -> list[str]:
    """Folded syllables and numbers of a text."""
    return _TOKEN.findall(fold(text))


def _with_bigrams(tokens: Sequence[str]) -> list[str]:
    return [*tokens, *(f"{a}_{b}" for a, b in itertools.pairwise(tokens))]


def index_terms(text: str, *, diacritics: bool = True) -> list[str]:
    tokens = syllables(text)
    if not diacritics:
        tokens = [strip_diacritics(t) for t in tokens]
    return _with_bigrams(tokens)


def has_no_diacritics(text: str) -> bool:
    """True for text typed without Vietnamese diacritics (plain ASCII)."""
    return bool(_DIACRITIC_FREE.match(text))


class LexicalIndex:
    """BM25 over a fixed list of texts; results are positions in that list."""

    def __init__(self, size: int, folded: object, bare: object) -> None:
        self.size = size
        self._folded = folded
        self._bare = bare

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        import bm25s

        folded = bm25s.BM25()
        bare = bm25s.BM25()
        if texts:
            folded.index([index_terms(t) for t in texts], show_progress=False)
            bare.index([index_terms(t, diacritics=False) for t in texts], show_progress=False)
        return cls(len(texts), folded, bare)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every text for the query (zeros when nothing matches)."""
        if self.size == 0:
            return np.zeros(0, dtype=np.float32)
        bare_query = has_no_diacritics(query)
        model = self._bare if bare_query else self._folded
        terms = index_terms(query, diacritics=not bare_query)
        ids = model.get_tokens_ids(terms)  # type: ignore[attr-defined]
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(model.get_scores_from_ids(ids), dtype=np.float32)  # type: ignore[attr-defined]

    def save(self, directory: Path) -> None:
        """Write the index atomically: a temporary folder renamed into place."""
        tmp = directory.with_name(directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        (tmp / "meta.json").write_text(json.dumps({"size": self.size}))
        if self.size:
            self._folded.save(tmp / "folded", show_progress=False)  # type: ignore[attr-defined]
            self._bare.save(tmp / "bare", show_progress=False)  # type: ignore[attr-defined]
        shutil.rmtree(directory, ignore_errors=True)
        tmp.rename(directory)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex | None:
        """The saved index, or None when it is missing or unreadable (the caller rebuilds it)."""
        import bm25s

        try:
            size = int(json.loads((directory / "meta.json").read_text())["size"])
            if size == 0:
                return cls(0, bm25s.BM25(), bm25s.BM25())
            folded = bm25s.BM25.load(directory / "folded", show_progress=False)
            bare = bm25s.BM25.load(directory / "bare", show_progress=False)
        except (OSError, ValueError, KeyError) as error:
            logger.info("lexical index at %s not usable (%s); rebuilding", directory, error)
            return None
        return cls(size, folded, bare)
