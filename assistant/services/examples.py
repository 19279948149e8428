"""Example questions the assistant answers correctly on the documents loaded.

Questions are written from the documents' own indicator records ("<indicator> của <place> năm <year> là
bao nhiêu?"), then asked: an example is kept only when the answer is given (not declined) and holds the
record's figure. So the first screen never offers a question the system cannot answer, whatever corpus is
loaded. The result is kept per store generation (an ingest or delete asks again).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol

from assistant.answering import AskRequest, QuestionAnswering
from ingestion.indicators import IndicatorRecord
from ingestion.model import DocumentRecord
from ingestion.textnorm import fold

EXAMPLE_COUNT = 3
# At most this many candidate questions are asked per refresh (each ask is ~50 ms warm).
MAX_TRIES = 12
# Indicator phrases that make a question an official would ask: a few words, not a clause.
_MIN_WORDS, _MAX_WORDS = 3, 10
# Kinds of record that answer "là bao nhiêu": what was reached or estimated, or the target.
_ASKED_KINDS = ("result", "estimate", "target")
_REPORTED_UNITS = frozenset({"tỷ đồng", "triệu đồng", "%", "ha", "tấn", "người", "hộ", "lao động"})
# An indicator phrase cut before its end ("Xã qua kiểm tra sơ bộ đã") makes no question.
_DANGLING_WORDS = frozenset(fold(w) for w in ("đã", "của", "là", "và", "được", "có", "với", "cho", "trong"))


def _period_words(record: IndicatorRecord) -> str | None:
    first, last = record.years
    if first and last and first < last:
        return f"giai đoạn {first}–{last}"
    return f"năm {last}" if last else None


def candidate_questions(
    documents: Sequence[DocumentRecord], records_of: Mapping[str, Sequence[IndicatorRecord]]
) -> Iterator[tuple[str, IndicatorRecord]]:
    """Questions from each document's records, newest document first, one indicator per document in turn
    (so the examples cover several documents), each with the record that should answer it."""
    queues: list[list[tuple[str, IndicatorRecord]]] = []
    for document in sorted(documents, key=lambda d: (-(d.metadata.year or 0), d.doc_id)):
        place = document.metadata.locality
        queue, keys = [], set()
        # Amounts an official reports (money, shares, areas, people) before counts of things.
        records = sorted(records_of.get(document.doc_id, ()), key=lambda r: r.unit not in _REPORTED_UNITS)
        for record in records:
            period = _period_words(record)
            words = fold(record.indicator).split()
            if (
                not period
                or record.kind not in _ASKED_KINDS
                or not _MIN_WORDS <= len(words) <= _MAX_WORDS
                or words[-1] in _DANGLING_WORDS
                or "chỉ tiêu" in " ".join(words)
                or record.key in keys
            ):
                continue
            keys.add(record.key)
            subject = record.indicator[0].lower() + record.indicator[1:]
            where = f" của {place}" if place and fold(place) not in fold(subject) else ""
            target = "chỉ tiêu " if record.kind == "target" else ""
            question = f"{target}{subject}{where} {period} là bao nhiêu?"
            queue.append((question[0].upper() + question[1:], record))
        queues.append(queue)
    for rank in range(max((len(q) for q in queues), default=0)):
        for queue in queues:
            if rank < len(queue):
                yield queue[rank]


def _holds(answer: str, record: IndicatorRecord) -> bool:
    """Does the answer hold the record's figure (its digits as written)?"""
    figure = re.search(r"\d[\d.,/]*", record.value_text)
    return figure is not None and figure.group(0) in answer


def verified_examples(
    answering: QuestionAnswering,
    documents: Sequence[DocumentRecord],
    records_of: Mapping[str, Sequence[IndicatorRecord]],
    count: int = EXAMPLE_COUNT,
) -> list[str]:
    """Up to ``count`` questions from the documents' records that the chain answers with their figure."""
    kept: list[str] = []
    for tries, (question, record) in enumerate(candidate_questions(documents, records_of)):
        if len(kept) == count or tries == MAX_TRIES:
            break
        response = answering.ask(AskRequest(question=question))
        if not response.abstained and _holds(response.answer, record):
            kept.append(question)
    return kept


class ExampleSource(Protocol):
    """What the examples are read from: the store's documents, their records and its write counter."""

    @property
    def generation(self) -> int: ...

    def list_documents(self) -> list[DocumentRecord]: ...

    def document_indicators(self, doc_id: str) -> list[IndicatorRecord]: ...


class ExampleQuestions:
    """The verified examples of a store, computed once per store generation, for every page load."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._examples: list[str] = []

    def get(self, answering: QuestionAnswering, store: ExampleSource) -> list[str]:
        with self._lock:
            generation = store.generation
            if self._generation != generation:
                documents = store.list_documents()
                records = {d.doc_id: store.document_indicators(d.doc_id) for d in documents}
                self._examples = verified_examples(answering, documents, records)
                self._generation = generation
            return list(self._examples)
