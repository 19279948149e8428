"""Verification of an answer against the passages it cites (any answerer, extractive or LLM).

A marker must name a passage the system retrieved and cited; every number in a sentence must occur in
a passage that sentence cites (or in the question), same value in Vietnamese formats. A sentence that
fails is dropped, and the response says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ingestion.numbers import grounded_numbers
from prompts import templates

_MARKER = re.compile(r"\[(\d+)\]")
# An answer sentence ends after its markers ("… 12,37% [1]. Next …") or at a line break.
_SENTENCE = re.compile(r"[^\n]+?(?:\[\d+\](?:[ \t]*\[\d+\])*[.;]?[ \t]*|(?=\n)|$)\n?")


@dataclass(frozen=True)
class VerifiedAnswer:
    text: str
    dropped: tuple[str, ...] = ()
    notices: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.text.strip()


def answer_sentences(answer: str) -> list[str]:
    """The sentences of an answer, each with its markers and line break, in order."""
    return [m.group(0) for m in _SENTENCE.finditer(answer) if m.group(0).strip()]


def verify_answer(answer: str, cited_passages: Sequence[str], question: str = "") -> VerifiedAnswer:
    kept: list[str] = []
    dropped: list[str] = []
    for sentence in answer_sentences(answer):
        markers = [int(m) for m in _MARKER.findall(sentence)]
        if any(not 1 <= m <= len(cited_passages) for m in markers):
            dropped.append(sentence)
            continue
        # A sentence citing nothing may only repeat the question's own figures (a period it asks about).
        evidence = [cited_passages[m - 1] for m in markers] if markers else []
        checks = grounded_numbers(_MARKER.sub(" ", sentence), [*evidence, question])
        if any(not ok for _mention, ok in checks):
            dropped.append(sentence)
            continue
        kept.append(sentence)
    notices = [templates.NO_EVIDENCE_FOR_NUMBER] if dropped else []
    return VerifiedAnswer("".join(kept).strip(), tuple(dropped), notices)
