"""Question answering: where a question goes.

    question ─▶ resolve follow-up ─▶ analyse ─▶ retrieve (hybrid) ─▶ answer (extractive | LLM) ─▶ verify ─▶ AskResponse

With a language model configured, follow-ups are condensed by the model (carry-over of the recognised
entities is the fallback), the model answers from the top passages, and what it writes is verified;
when nothing of it stands, or the model server fails, the extractive answer is given, with a notice.

The system owns the citations: markers in the answer index the passages retrieval chose, and the
response carries, for each marker, the document identity, the section and the supporting sentence.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field

from assistant.extractive import ExtractiveAnswer, ExtractiveAnswerer
from assistant.intent import analyse_intent
from assistant.llm import LLMAnswerer, ground_answer, says_no_information
from assistant.sentences import passage_evidence
from assistant.verify import verify_answer
from prompts import templates
from vectorstore.passages import Passage, PassageView
from vectorstore.query import QueryAnalysis
from vectorstore.retriever import HybridRetriever, RetrievalFilters

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

logger = logging.getLogger(__name__)


class Turn(BaseModel):
    question: str
    answer: str | None = None


class AskFilters(BaseModel):
    documents: list[str] = Field(default_factory=list, description="Mã văn bản (doc id)")
    issuer: str | None = None
    doc_types: list[str] = Field(default_factory=list)
    localities: list[str] = Field(default_factory=list)
    # The same bounds as the search endpoint's: a year outside them is a mistake, not a filter.
    year_from: int | None = Field(default=None, ge=1900, le=2200)
    year_to: int | None = Field(default=None, ge=1900, le=2200)

    def to_retrieval(self) -> RetrievalFilters:
        return RetrievalFilters(
            doc_ids=tuple(self.documents),
            issuer=self.issuer,
            doc_types=tuple(self.doc_types),
            localities=tuple(self.localities),
            year_from=self.year_from,
            year_to=self.year_to,
        )


# A rewritten follow-up longer than the questions it combines by more than this has wandered off.
CONDENSE_SLACK_CHARS = 200


class AskRequest(BaseModel):
    # Checked at every entry point by assistant.questions.check_question (one limit, coded errors).
    question: str
    history: list[Turn] = Field(default_factory=list)
    filters: AskFilters = Field(default_factory=AskFilters)
    top_k: int = Field(default=10, ge=1, le=50)


def iso_date(value: object) -> object:
    """A document's date as the API shows it: ISO 8601 text ("2021-12-02")."""
    return value.isoformat() if isinstance(value, date) else value


# A date read from a passage's ``date`` attribute (a ``datetime.date``), shown as ISO text.
IsoDate = Annotated[str | None, BeforeValidator(iso_date)]
# A chat model, or None for none; built when the first question needs it, not when the chain is made.
ChatModelFactory = Callable[[], "BaseChatModel | None"]


# Built from a Passage by its attributes (no docstring: it would show in the OpenAPI schema).
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


# Built from a PassageView: the passage's attributes and the citation's own values.
class Citation(BaseModel):
    number: int
    file_name: str
    doc_id: str
    title: str | None
    doc_type: str | None
    doc_number: str | None
    date: IsoDate
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


def resolve_follow_up(
    asked: QueryAnalysis, history: Sequence[Turn], analyze: Callable[[str], QueryAnalysis]
) -> str:
    """A follow-up ("Còn năm 2022 thì sao?") becomes the previous question with the new entities in it.

    ``asked`` is the analysis of the question asked; ``analyze`` reads the previous question."""
    question = asked.question
    if not history or not _FOLLOW_UP.search(question.strip()):
        return question
    if not asked.years and not asked.localities:
        # A new topic ("Còn tổng thu ngân sách thì sao?"), not a new place or time: keep its own words.
        return question
    previous = history[-1].question
    before = analyze(previous)
    resolved = previous
    for old, new in zip(before.years, asked.years, strict=False):
        resolved = resolved.replace(str(old), str(new))
    if asked.years and not before.years:
        resolved = f"{resolved.rstrip('?')} năm {asked.years[0]}?"
    for old_loc, new_loc in zip(before.localities, asked.localities, strict=False):
        resolved = resolved.replace(old_loc, new_loc)
    if asked.localities and not before.localities:
        resolved = f"{resolved.rstrip('?')} của {asked.localities[0]}?"
    return resolved


def _retrieved(passage: Passage) -> RetrievedPassage:
    return RetrievedPassage.model_validate(passage, from_attributes=True)


def _citation(number: int, passage: Passage, start: int, end: int) -> Citation:
    """Citation ``number`` of ``passage``, supported by its sentence at ``start:end`` (offsets in its text)."""
    cited = PassageView(
        passage,
        number=number,
        passage=passage.text,
        supporting_sentence=passage.text[start:end].strip(),
        supporting_start=passage.start + start,
        supporting_end=passage.start + end,
    )
    return Citation.model_validate(cited, from_attributes=True)


@dataclass
class _Prepared:
    """A question resolved, retrieved and answered extractively: what either answerer starts from."""

    request: AskRequest
    question: str
    passages: list[Passage]
    extractive: ExtractiveAnswer | None
    timings: dict[str, float]
    started: float


def _words(text: str) -> Iterator[StreamEvent]:
    for piece in re.findall(r"\S+\s*", text):
        yield StreamEvent(kind="token", text=piece)


class QuestionAnswering:
    """The answering chain. ``ask`` is the one entry point for the CLI, the API, the UI and the evaluator.

    With a chat model (``settings.llm.mode`` other than ``none``) the model writes the answer from the
    top passages, and verification decides what of it stands; the extractive answer stays the
    fallback, and abstention stays the system's decision (no passages, or no sentence that covers
    the question).
    """

    def __init__(
        self,
        retriever: HybridRetriever,
        extractive: ExtractiveAnswerer | None = None,
        chat_model: BaseChatModel | None = None,
        context_passages: int = 5,
        *,
        chat_model_factory: ChatModelFactory | None = None,
    ) -> None:
        """``chat_model`` is a model already built; ``chat_model_factory`` builds one on the first question
        (loading a local model file, say), so that a chain that is never asked never builds it."""
        self.retriever = retriever
        # The stored indicator records tell each figure's kind (result, target…) as extraction read it.
        self.extractive = extractive or ExtractiveAnswerer(records=retriever.store.document_indicators)
        self._chat_model_factory: ChatModelFactory = chat_model_factory or (lambda: chat_model)
        self._context_passages = context_passages
        self._llm: LLMAnswerer | None = None
        self._llm_built = False
        self._llm_lock = threading.Lock()

    @property
    def llm(self) -> LLMAnswerer | None:
        """The model answerer (None without a chat model), built on first use, once for all threads."""
        if not self._llm_built:
            with self._llm_lock:
                if not self._llm_built:
                    model = self._chat_model_factory()
                    self._llm = LLMAnswerer(model, self._context_passages) if model is not None else None
                    self._llm_built = True
        return self._llm

    def build_model(self) -> None:
        """Build the chat model now rather than on the first question (a server warms up with it)."""
        _ = self.llm

    def _comparison_passages(
        self, question: str, analysis: QueryAnalysis, filters: RetrievalFilters, top_k: int
    ) -> list[Passage]:
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
        merged: list[Passage] = []
        seen: set[str] = set()
        for rank in range(top_k):
            for side in per_side:
                if rank < len(side) and side[rank].chunk_id not in seen:
                    merged.append(side[rank])
                    seen.add(side[rank].chunk_id)
        return merged[:top_k]

    def _with_signature(self, passages: list[Passage], analysis: QueryAnalysis) -> list[Passage]:
        """ "Ai ký …": the passage showing the signature block of the document asked about (named by its
        number, else the best retrieved one) joins the passages, first."""
        doc_id = analysis.doc_ids[0] if analysis.doc_ids else passages[0].doc_id
        signer = next((p.metadata.signer for p in passages if p.doc_id == doc_id), None)
        shown = self.retriever.passage_showing(doc_id, signer) if signer else None
        if shown is None or any(p.chunk_id == shown.chunk_id for p in passages):
            return passages
        return [shown, *passages[:-1]]

    def _condensed(self, request: AskRequest, asked: QueryAnalysis) -> tuple[str, QueryAnalysis] | None:
        """The follow-up rewritten by the model, with its analysis; None when the model fails or loses what
        the question itself names (its years and localities: ``asked``)."""
        assert self.llm is not None
        try:
            condensed = self.llm.condense(request.question, [(t.question, t.answer) for t in request.history])
        except Exception as error:  # any model-server failure: the carry-over resolves instead
            logger.warning("question condensation failed: %s", error)
            return None
        asked_chars = len(request.question) + sum(len(t.question) for t in request.history)
        if not condensed or len(condensed) > asked_chars + CONDENSE_SLACK_CHARS:
            return None
        kept = self.retriever.analyze(condensed)
        if not set(asked.years) <= set(kept.years) or not set(asked.localities) <= set(kept.localities):
            return None
        return condensed, kept

    def _resolve(self, request: AskRequest, timings: dict[str, float]) -> tuple[str, QueryAnalysis]:
        """The question to answer (a follow-up made standalone) and its analysis. Each text is analysed
        once: the question asked, the model's rewrite, the previous question, the carried-over one."""
        asked = self.retriever.analyze(request.question)
        if self.llm is not None and request.history:
            mark = time.perf_counter()
            condensed = self._condensed(request, asked)
            timings["condense"] = (time.perf_counter() - mark) * 1000
            if condensed is not None:
                return condensed
        resolved = resolve_follow_up(asked, request.history, self.retriever.analyze)
        if resolved == request.question:
            return resolved, asked
        return resolved, self.retriever.analyze(resolved)

    def _prepare(self, request: AskRequest) -> _Prepared:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        question, analysis = self._resolve(request, timings)
        intent = analyse_intent(question, analysis)
        filters = request.filters.to_retrieval()
        # The model's rewriting of a follow-up is timed on its own.
        timings["analyse"] = (time.perf_counter() - started) * 1000 - timings.get("condense", 0.0)

        mark = time.perf_counter()
        if len(analysis.localities) >= 2 and not filters.localities:  # one retrieval per place compared
            passages = self._comparison_passages(question, analysis, filters, request.top_k)
        else:
            passages = self.retriever.search(question, k=request.top_k, filters=filters, analysis=analysis)
        if passages and intent.signer:
            passages = self._with_signature(passages, analysis)
        timings["retrieve"] = (time.perf_counter() - mark) * 1000

        mark = time.perf_counter()
        result = self.extractive.answer(analysis, intent, passages) if passages else None
        timings["answer"] = (time.perf_counter() - mark) * 1000
        return _Prepared(request, question, passages, result, timings, started)

    def _extractive_response(self, prepared: _Prepared, notices: Sequence[str] = ()) -> AskResponse:
        request, question, passages, result = (
            prepared.request,
            prepared.question,
            prepared.passages,
            prepared.extractive,
        )
        timings = prepared.timings
        retrieved = [_retrieved(p) for p in passages]
        if result is None:
            timings["total"] = (time.perf_counter() - prepared.started) * 1000
            answer = templates.ABSTAIN if passages or self.retriever.catalog() else templates.NO_DOCUMENTS
            return AskResponse(
                question=request.question,
                resolved_question=question,
                answer=answer,
                abstained=True,
                citations=[],
                retrieved=retrieved,
                notices=list(notices),
                timings_ms=timings,
            )

        mark = time.perf_counter()
        citations = []
        for number, passage_index in enumerate(result.cited, start=1):
            start, end = next((s, e) for i, s, e in result.supporting if i == passage_index)
            citations.append(_citation(number, passages[passage_index], start, end))
        evidence = [passage_evidence(passages[i]) for i in result.cited]
        verified = verify_answer(result.text, evidence, question)
        timings["verify"] = (time.perf_counter() - mark) * 1000
        timings["total"] = (time.perf_counter() - prepared.started) * 1000
        if verified.empty or result.other_period:
            # Nothing stands, or the figure found is for another period than asked: the question is not
            # answered; an answer about another period is still shown, with its citation, marked as such.
            shown = not verified.empty
            return AskResponse(
                question=request.question,
                resolved_question=question,
                answer=verified.text if shown else templates.ABSTAIN,
                abstained=True,
                citations=citations if shown else [],
                retrieved=retrieved,
                notices=[*notices, *verified.notices],
                timings_ms=timings,
            )
        return AskResponse(
            question=request.question,
            resolved_question=question,
            answer=verified.text,
            abstained=False,
            citations=citations,
            retrieved=retrieved,
            notices=[*notices, *verified.notices],
            timings_ms=timings,
        )

    def _llm_passages(self, prepared: _Prepared) -> list[Passage]:
        assert self.llm is not None
        return prepared.passages[: self.llm.context_passages]

    def _llm_response(self, prepared: _Prepared, text: str) -> AskResponse:
        """The model's answer as far as verification lets it stand; else the extractive answer, saying so."""
        mark = time.perf_counter()
        given = self._llm_passages(prepared)
        grounded = ground_answer(text, given, prepared.question)
        prepared.timings["verify"] = (time.perf_counter() - mark) * 1000
        if says_no_information(text) or not grounded.cited:
            # Nothing cited survives, or the model saw nothing where the system found an answer.
            logger.info("LLM answer replaced by the extractive answer: %r", text[:300])
            return self._extractive_response(prepared, [templates.LLM_REPLACED])
        citations = [
            _citation(number, given[index], start, end)
            for number, (index, start, end) in enumerate(grounded.supporting, start=1)
        ]
        prepared.timings["total"] = (time.perf_counter() - prepared.started) * 1000
        return AskResponse(
            question=prepared.request.question,
            resolved_question=prepared.question,
            answer=grounded.text,
            abstained=False,
            citations=citations,
            retrieved=[_retrieved(p) for p in prepared.passages],
            notices=grounded.notices,
            answerer="llm",
            timings_ms=prepared.timings,
        )

    def _unavailable(self, prepared: _Prepared, error: Exception) -> AskResponse:
        logger.warning("language model unavailable, answering extractively: %s", error)
        return self._extractive_response(prepared, [templates.LLM_UNAVAILABLE])

    def ask(self, request: AskRequest) -> AskResponse:
        prepared = self._prepare(request)
        if self.llm is None or prepared.extractive is None:
            return self._extractive_response(prepared)
        mark = time.perf_counter()
        try:
            text = "".join(self.llm.stream(prepared.question, self._llm_passages(prepared)))
        except Exception as error:  # any model-server failure (unreachable, timeout, HTTP error)
            return self._unavailable(prepared, error)
        finally:
            prepared.timings["llm"] = (time.perf_counter() - mark) * 1000
        return self._llm_response(prepared, text)

    def stream(self, request: AskRequest) -> Iterator[StreamEvent]:
        """The answer as events: tokens as the model produces them (the extractive answer, known at once,
        a few words at a time), then the verified citations, then the whole response. What was streamed
        is the model's raw text; the ``done`` response is the verified answer."""
        prepared = self._prepare(request)
        if self.llm is None or prepared.extractive is None:
            response = self._extractive_response(prepared)
            yield from _words(response.answer)
        else:
            mark = time.perf_counter()
            parts: list[str] = []
            try:
                for delta in self.llm.stream(prepared.question, self._llm_passages(prepared)):
                    parts.append(delta)
                    yield StreamEvent(kind="token", text=delta)
            except Exception as error:  # any model-server failure (unreachable, timeout, HTTP error)
                prepared.timings["llm"] = (time.perf_counter() - mark) * 1000
                response = self._unavailable(prepared, error)
                if not parts:
                    yield from _words(response.answer)
            else:
                prepared.timings["llm"] = (time.perf_counter() - mark) * 1000
                response = self._llm_response(prepared, "".join(parts))
        yield StreamEvent(kind="citations", citations=response.citations)
        yield StreamEvent(kind="done", response=response)
