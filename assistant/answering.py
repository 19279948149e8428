"""Question answering: where a question goes.

    question ─▶ resolve follow-up ─▶ analyse ─▶ retrieve (hybrid) ─▶ answer (extractive) ─▶ verify ─▶ AskResponse

The system owns the citations: markers in the answer index the passages retrieval chose, and the
response carries, for each marker, the document identity, the section and the supporting sentence.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Literal

from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import BaseModel, Field

from assistant.extractive import ExtractiveAnswerer
from assistant.verify import verify_answer
from prompts import templates
from vectorstore.query import QueryAnalysis
from vectorstore.retriever import HybridRetriever, RetrievalFilters, ScoredPassage


class Turn(BaseModel):
    question: str
    answer: str | None = None


class AskFilters(BaseModel):
    documents: list[str] = Field(default_factory=list, description="Mã văn bản (doc id)")
    issuer: str | None = None
    doc_types: list[str] = Field(default_factory=list)
    localities: list[str] = Field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None

    def to_retrieval(self) -> RetrievalFilters:
        return RetrievalFilters(
            doc_ids=tuple(self.documents),
            issuer=self.issuer,
            doc_types=tuple(self.doc_types),
            localities=tuple(self.localities),
            year_from=self.year_from,
            year_to=self.year_to,
        )


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    history: list[Turn] = Field(default_factory=list)
    filters: AskFilters = Field(default_factory=AskFilters)
    top_k: int = Field(default=10, ge=1, le=50)


class RetrievedPassage(BaseModel):
    chunk_id: str
    doc_id: str
    file_name: str
    section_id: str
    section_path: list[str]
    text: str
    score: float
    start: int
    end: int
    source_start: int
    source_end: int
    page: int | None = None


class Citation(BaseModel):
    number: int
    file_name: str
    doc_id: str
    title: str | None
    doc_type: str | None
    doc_number: str | None
    date: str | None
    issuer: str | None
    section_id: str
    section_path: list[str]
    passage: str
    supporting_sentence: str
    # The supporting sentence's span in the document's normalised text.
    supporting_start: int
    supporting_end: int
    page: int | None = None


class AskResponse(BaseModel):
    question: str
    resolved_question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    retrieved: list[RetrievedPassage]
    notices: list[str] = Field(default_factory=list)
    answerer: str = "extractive"
    timings_ms: dict[str, float] = Field(default_factory=dict)


class StreamEvent(BaseModel):
    """One event of a streamed answer: answer text as it forms, then the verified citations, then the end.

    ``token`` events carry text deltas; ``citations`` carries the citations of the final answer; ``done``
    carries the whole verified response (its ``answer`` is authoritative: verification may have changed
    what was streamed, and says so in ``notices``).
    """

    kind: Literal["token", "citations", "done"]
    text: str = ""
    citations: list[Citation] = Field(default_factory=list)
    response: AskResponse | None = None


_FOLLOW_UP = re.compile(r"^(còn|thế còn|vậy còn)\b|thì sao\s*\??$", re.IGNORECASE)


def resolve_follow_up(question: str, history: Sequence[Turn], analyze: object) -> str:
    """A follow-up ("Còn năm 2022 thì sao?") becomes the previous question with the new entities in it."""
    if not history or not _FOLLOW_UP.search(question.strip()):
        return question
    from vectorstore.query import QueryAnalysis as _QA

    assert callable(analyze)
    previous = history[-1].question
    now: _QA = analyze(question)
    if not now.years and not now.localities:
        # A new topic ("Còn tổng thu ngân sách thì sao?"), not a new place or time: keep its own words.
        return question
    before: _QA = analyze(previous)
    resolved = previous
    for old, new in zip(before.years, now.years, strict=False):
        resolved = resolved.replace(str(old), str(new))
    if now.years and not before.years:
        resolved = f"{resolved.rstrip('?')} năm {now.years[0]}?"
    for old_loc, new_loc in zip(before.localities, now.localities, strict=False):
        resolved = resolved.replace(old_loc, new_loc)
    if now.localities and not before.localities:
        resolved = f"{resolved.rstrip('?')} của {now.localities[0]}?"
    return resolved


def _retrieved(p: ScoredPassage) -> RetrievedPassage:
    return RetrievedPassage(
        chunk_id=p.chunk_id,
        doc_id=p.doc_id,
        file_name=p.file_name,
        section_id=p.section_id,
        section_path=list(p.section_path),
        text=p.text,
        score=p.score,
        start=p.start,
        end=p.end,
        source_start=p.source_start,
        source_end=p.source_end,
        page=p.page,
    )


def _document_label(p: ScoredPassage) -> str:
    meta = p.metadata
    date_text = meta.date.strftime("%d/%m/%Y") if meta.date else None
    return templates.document_label(meta.doc_type, meta.number, date_text, meta.title)


def _citation(number: int, p: ScoredPassage, start: int, end: int) -> Citation:
    meta = p.metadata
    return Citation(
        number=number,
        file_name=p.file_name,
        doc_id=p.doc_id,
        title=meta.title,
        doc_type=meta.doc_type,
        doc_number=meta.number,
        date=meta.date.isoformat() if meta.date else None,
        issuer=" / ".join(meta.issuers) if meta.issuers else None,
        section_id=p.section_id,
        section_path=list(p.section_path),
        passage=p.text,
        supporting_sentence=p.text[start:end].strip(),
        supporting_start=p.start + start,
        supporting_end=p.start + end,
        page=p.page,
    )


class QuestionAnswering:
    """The answering chain. ``ask`` is the one entry point for the CLI, the API, the UI and the evaluator."""

    def __init__(self, retriever: HybridRetriever, extractive: ExtractiveAnswerer | None = None) -> None:
        self.retriever = retriever
        self.extractive = extractive or ExtractiveAnswerer()

    def as_runnable(self) -> Runnable[AskRequest, AskResponse]:
        return RunnableLambda(self.ask, name="vankien_ask")

    def _comparison_passages(
        self, question: str, analysis: QueryAnalysis, filters: RetrievalFilters, top_k: int
    ) -> list[ScoredPassage]:
        """One retrieval per side of a comparison (each named locality), interleaved."""
        per_side = [
            self.retriever.search(
                question,
                k=top_k,
                filters=replace(filters, localities=(locality,)),
                analysis=replace(analysis, localities=(locality,)),
            )
            for locality in analysis.localities
        ]
        merged: list[ScoredPassage] = []
        seen: set[str] = set()
        for rank in range(top_k):
            for side in per_side:
                if rank < len(side) and side[rank].chunk_id not in seen:
                    merged.append(side[rank])
                    seen.add(side[rank].chunk_id)
        return merged[:top_k]

    def ask(self, request: AskRequest) -> AskResponse:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        question = resolve_follow_up(request.question, request.history, self.retriever.analyze)
        analysis = self.retriever.analyze(question)
        filters = request.filters.to_retrieval()
        timings["analyse"] = (time.perf_counter() - started) * 1000

        mark = time.perf_counter()
        if len(analysis.localities) >= 2 and not filters.localities:
            passages = self._comparison_passages(question, analysis, filters, request.top_k)
        else:
            passages = self.retriever.search(question, k=request.top_k, filters=filters, analysis=analysis)
        timings["retrieve"] = (time.perf_counter() - mark) * 1000

        mark = time.perf_counter()
        result = self.extractive.answer(question, analysis, passages) if passages else None
        timings["answer"] = (time.perf_counter() - mark) * 1000

        retrieved = [_retrieved(p) for p in passages]
        if result is None:
            timings["total"] = (time.perf_counter() - started) * 1000
            answer = templates.ABSTAIN if passages or self.retriever.catalog() else templates.NO_DOCUMENTS
            return AskResponse(
                question=request.question,
                resolved_question=question,
                answer=answer,
                abstained=True,
                citations=[],
                retrieved=retrieved,
                timings_ms=timings,
            )

        mark = time.perf_counter()
        citations = []
        for number, passage_index in enumerate(result.cited, start=1):
            start, end = next((s, e) for i, s, e in result.supporting if i == passage_index)
            citations.append(_citation(number, passages[passage_index], start, end))
        # The evidence of a citation: its passage, and the document identity and section path the
        # system itself attaches to it (a "where" answer names them).
        evidence = [
            "\n".join((c.passage, _document_label(passages[i]), " › ".join(c.section_path)))
            for c, i in zip(citations, result.cited, strict=True)
        ]
        verified = verify_answer(result.text, evidence, question)
        timings["verify"] = (time.perf_counter() - mark) * 1000
        timings["total"] = (time.perf_counter() - started) * 1000
        if verified.empty:
            return AskResponse(
                question=request.question,
                resolved_question=question,
                answer=templates.ABSTAIN,
                abstained=True,
                citations=[],
                retrieved=retrieved,
                notices=verified.notices,
                timings_ms=timings,
            )
        return AskResponse(
            question=request.question,
            resolved_question=question,
            answer=verified.text,
            abstained=False,
            citations=citations,
            retrieved=retrieved,
            notices=verified.notices,
            timings_ms=timings,
        )

    def stream(self, request: AskRequest) -> Iterator[StreamEvent]:
        """The answer as events. The extractive answer is known at once; it is sent a few words at a time."""
        response = self.ask(request)
        for piece in re.findall(r"\S+\s*", response.answer):
            yield StreamEvent(kind="token", text=piece)
        yield StreamEvent(kind="citations", citations=response.citations)
        yield StreamEvent(kind="done", response=response)
