"""Deterministic metrics: matching passages to gold sources, scoring one item, aggregating a run.

Everything here is a pure function of its inputs. Matching rules (README, "Evaluating"):

- a passage **matches** a gold source when it comes from the same document and either its folded
  text contains the folded quote, or its span in the document file overlaps at least half of the
  quote's span (the quote is located in the file's folded text and mapped back); a quote that
  starts or ends inside a word is found too (:meth:`evals.documents.FoldedText.find_quote`);
- a ``must_include`` fact is **found** when its folded form is a substring of the folded answer;
- a number in an answer is **grounded** when a cited passage or the question has the same digits
  and separators, or the same value (:mod:`ingestion.numbers`).

Per item the runner keeps an :class:`ItemScores` (counts, not ratios), so that metrics over any
subset of items (by type, bootstrap resamples) are recomputed exactly by :func:`aggregate`.
A metric that cannot be computed is ``None`` with a reason in the notes, never NaN.
"""

from __future__ import annotations

import math
import statistics
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import PurePath
from typing import Any, Literal

from evals.documents import folded, quote_in
from evals.protocol import Passage, SystemAnswer
from evals.testset import GoldSource, TestItem
from ingestion.numbers import NumberMention, grounded_numbers

RETRIEVAL_DEPTH = 10

METRIC_KEYS: tuple[str, ...] = (
    "retrieval.hit@1",
    "retrieval.hit@3",
    "retrieval.hit@5",
    "retrieval.recall@5",
    "retrieval.mrr@10",
    "retrieval.ndcg@10",
    "answer.key_fact_recall",
    "answer.exact_all_facts",
    "answer.median_chars",
    "citation.precision",
    "citation.recall",
    "grounding.numeric",
    "abstention.recall",
    "abstention.precision",
    "abstention.over_refusal",
    "latency.p50_ms",
    "latency.p95_ms",
)
# Metrics where lower is better; every other metric is better higher.
LOWER_IS_BETTER = frozenset({"abstention.over_refusal", "latency.p50_ms", "latency.p95_ms"})
# Metrics with a unit (not a share in 0..1); neither better-higher nor -lower for answer length.
UNIT_METRICS = frozenset({"answer.median_chars", "latency.p50_ms", "latency.p95_ms"})

Quality = Literal["answer", "retrieval"]
Span = tuple[int, int]

NOTE_NO_ANSWERS = "Hệ thống chưa trả lời (chỉ truy hồi): không tính được chỉ số về câu trả lời."


def same_document(a: str, b: str) -> bool:
    """File names compared without folders, in NFC."""
    return unicodedata.normalize("NFC", PurePath(a).name) == unicodedata.normalize("NFC", PurePath(b).name)


def spans_overlap_enough(passage: Span, quote: Span) -> bool:
    """The passage span covers at least half of the quote span."""
    overlap = min(passage[1], quote[1]) - max(passage[0], quote[0])
    length = quote[1] - quote[0]
    return overlap > 0 and 2 * overlap >= length


def passage_matches(passage: Passage, source: GoldSource, quote_spans: Sequence[Span] = ()) -> bool:
    """Whether a passage matches a gold source. ``quote_spans``: where the quote is in the file text."""
    if not same_document(passage.document, source.document):
        return False
    if quote_in(passage.text, source.quote):
        return True
    if passage.source_start is None or passage.source_end is None:
        return False
    span = (passage.source_start, passage.source_end)
    return any(spans_overlap_enough(span, quote) for quote in quote_spans)


def match_passages(
    passages: Sequence[Passage], sources: Sequence[GoldSource], quote_spans: Sequence[Sequence[Span]]
) -> tuple[tuple[int, ...], ...]:
    """For each passage, the indexes of the gold sources it matches."""
    return tuple(
        tuple(i for i, source in enumerate(sources) if passage_matches(passage, source, quote_spans[i]))
        for passage in passages
    )


def first_hit_rank(matches: Sequence[Sequence[int]]) -> int | None:
    """1-based rank of the first passage that matches any gold source."""
    return next((rank for rank, m in enumerate(matches, start=1) if m), None)


def ndcg(matches: Sequence[Sequence[int]], sources_total: int, depth: int = RETRIEVAL_DEPTH) -> float:
    """Binary-relevance nDCG@depth.

    A passage gains 1 when it matches a gold source that no higher-ranked passage matched (so that
    overlapping chunks of one source do not count twice); the ideal ranking puts one passage per gold
    source on top. Range 0..1.
    """
    if sources_total <= 0:
        return 0.0
    seen: set[int] = set()
    dcg = 0.0
    for rank, matched in enumerate(matches[:depth], start=1):
        new = set(matched) - seen
        if new:
            dcg += 1.0 / math.log2(rank + 1)
            seen |= new
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(sources_total, depth) + 1))
    return dcg / ideal


def facts_found(facts: Sequence[str], answer: str) -> tuple[bool, ...]:
    """Whether each fact's folded form is a substring of the folded answer."""
    answer_folded = folded(answer)
    return tuple(folded(fact) in answer_folded for fact in facts)


@dataclass(frozen=True)
class ItemScores:
    """The counts one item contributes to every metric."""

    id: str
    type: str
    answerable: bool
    error: bool
    answered: bool  # the system gave an answer or abstained (False: retrieval only, or an error)
    abstained: bool
    hit_rank: int | None  # rank of the first retrieved passage matching a gold source (≤ 10)
    sources_total: int
    sources_top5: int  # gold sources matched by some passage in the top 5
    ndcg10: float
    facts_total: int
    facts_found: int
    answer_chars: int | None
    citations_total: int
    citations_matched: int  # citations that match some gold source
    citation_sources_matched: int  # gold sources matched by some citation
    numbers_total: int
    numbers_grounded: int
    latency_ms: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ItemScores:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class ItemEvaluation:
    """One item's outcome in detail (for items.jsonl and the report) and its scores."""

    quote_spans: tuple[tuple[Span, ...], ...]  # per gold source, where its quote is in the file
    retrieved_matches: tuple[tuple[int, ...], ...]  # per retrieved passage (top 10)
    citation_matches: tuple[tuple[int, ...], ...]  # per citation
    facts: tuple[bool, ...]  # per must_include fact: found
    numbers: tuple[tuple[NumberMention, bool], ...]  # numbers in the answer and whether grounded
    scores: ItemScores


def evaluate_item(
    item: TestItem,
    result: SystemAnswer | None,
    quote_spans: Callable[[GoldSource], Sequence[Span]] | None = None,
    *,
    error: bool = False,
) -> ItemEvaluation:
    """Score one item. ``result`` is None when asking failed (then ``error`` is True)."""
    spans = tuple(tuple(quote_spans(s)) if quote_spans else () for s in item.sources)
    retrieved = result.retrieved[:RETRIEVAL_DEPTH] if result else ()
    citations = result.citations if result else ()
    retrieved_matches = match_passages(retrieved, item.sources, spans)
    citation_matches = match_passages(citations, item.sources, spans)
    answered = result is not None and (result.answer is not None or result.abstained)
    abstained = result is not None and result.abstained
    answer_text = (result.answer or "") if result else ""
    # An abstention states no facts and no figures, whatever its wording.
    speaks = answered and not abstained
    facts = facts_found(item.must_include, answer_text) if speaks else (False,) * len(item.must_include)
    numbers = (
        tuple(grounded_numbers(answer_text, [*(c.text for c in citations), item.question])) if speaks else ()
    )
    top5_sources = {i for matched in retrieved_matches[:5] for i in matched}
    cited_sources = {i for matched in citation_matches for i in matched}
    scores = ItemScores(
        id=item.id,
        type=item.type,
        answerable=item.answerable,
        error=error,
        answered=answered,
        abstained=abstained,
        hit_rank=first_hit_rank(retrieved_matches),
        sources_total=len(item.sources) if item.answerable else 0,
        sources_top5=len(top5_sources) if item.answerable else 0,
        ndcg10=ndcg(retrieved_matches, len(item.sources)) if item.answerable else 0.0,
        facts_total=len(item.must_include) if item.answerable else 0,
        facts_found=sum(facts) if item.answerable else 0,
        answer_chars=len(answer_text) if speaks else None,
        citations_total=len(citations) if speaks else 0,
        citations_matched=sum(1 for m in citation_matches if m) if speaks else 0,
        citation_sources_matched=len(cited_sources) if speaks and item.answerable else 0,
        numbers_total=len(numbers),
        numbers_grounded=sum(1 for _, grounded in numbers if grounded),
        latency_ms=result.latency_ms if result else None,
    )
    return ItemEvaluation(spans, retrieved_matches, citation_matches, facts, numbers, scores)


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default), q in 0..100; values must not be empty."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _mean_of(values: Sequence[float]) -> float | None:
    return _mean(values) if values else None


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


# A metric's value, or None with the note that says why it could not be computed.
MetricRow = tuple[str, float | None, str]


def _retrieval_metrics(scores: Sequence[ItemScores]) -> list[MetricRow]:
    retrieval = [s for s in scores if s.answerable and s.sources_total > 0]
    note = "Không có câu hỏi có đáp án kèm nguồn: không tính được chỉ số truy hồi."
    hits = [
        (
            f"retrieval.hit@{k}",
            [1.0 if s.hit_rank is not None and s.hit_rank <= k else 0.0 for s in retrieval],
        )
        for k in (1, 3, 5)
    ]
    return [
        *((key, _mean_of(values), note) for key, values in hits),
        ("retrieval.recall@5", _mean_of([s.sources_top5 / s.sources_total for s in retrieval]), note),
        ("retrieval.mrr@10", _mean_of([1.0 / s.hit_rank if s.hit_rank else 0.0 for s in retrieval]), note),
        ("retrieval.ndcg@10", _mean_of([s.ndcg10 for s in retrieval]), note),
    ]


def _answer_metrics(answered: Sequence[ItemScores]) -> list[MetricRow]:
    """The answer, citation, grounding and abstention metrics over the items the system answered."""
    with_facts = [s for s in answered if s.answerable and s.facts_total > 0]
    facts_note = "Không có câu hỏi có đáp án kèm must_include đã được trả lời."
    lengths = [s.answer_chars for s in answered if s.answerable and s.answer_chars is not None]
    with_sources = [s for s in answered if s.answerable and s.sources_total > 0]
    positives = [s for s in answered if not s.answerable]
    abstentions = [s for s in answered if s.abstained]
    answerable = [s for s in answered if s.answerable]
    return [
        ("answer.key_fact_recall", _mean_of([s.facts_found / s.facts_total for s in with_facts]), facts_note),
        (
            "answer.exact_all_facts",
            _mean_of([1.0 if s.facts_found == s.facts_total else 0.0 for s in with_facts]),
            facts_note,
        ),
        (
            "answer.median_chars",
            float(statistics.median(lengths)) if lengths else None,
            "Không có câu trả lời (không từ chối) cho câu hỏi có đáp án.",
        ),
        (
            "citation.precision",
            _share(sum(s.citations_matched for s in answered), sum(s.citations_total for s in answered)),
            "Không câu trả lời nào có trích dẫn.",
        ),
        (
            "citation.recall",
            _mean_of([s.citation_sources_matched / s.sources_total for s in with_sources]),
            "Không có câu hỏi có đáp án kèm nguồn đã được trả lời.",
        ),
        (
            "grounding.numeric",
            _share(sum(s.numbers_grounded for s in answered), sum(s.numbers_total for s in answered)),
            "Các câu trả lời không có con số nào.",
        ),
        (
            "abstention.recall",
            _share(sum(1 for s in positives if s.abstained), len(positives)),
            "Không có câu hỏi không có đáp án.",
        ),
        (
            "abstention.precision",
            _share(sum(1 for s in abstentions if not s.answerable), len(abstentions)),
            "Hệ thống không từ chối câu nào.",
        ),
        (
            "abstention.over_refusal",
            _share(sum(1 for s in answerable if s.abstained), len(answerable)),
            "Không có câu hỏi có đáp án đã được trả lời.",
        ),
    ]


def aggregate(scores: Sequence[ItemScores]) -> tuple[dict[str, float | None], dict[str, str]]:
    """Every metric of :data:`METRIC_KEYS` over the given items, and a note for each null metric.

    Denominators: retrieval metrics over answerable items with gold sources; answer metrics over
    items the system answered (abstentions count as answers that contain no fact, no citation, no
    number); citation precision over the citations of non-abstaining answers (citations on
    unanswerable items match nothing); grounding over the numbers of non-abstaining answers;
    latency over items that did not fail.
    """
    answered = [s for s in scores if s.answered]
    if answered:
        answer_rows = _answer_metrics(answered)
    else:
        answer_keys = [
            k for k in METRIC_KEYS if k.split(".")[0] in ("answer", "citation", "grounding", "abstention")
        ]
        answer_rows = [(key, None, NOTE_NO_ANSWERS) for key in answer_keys]
    latencies = [s.latency_ms for s in scores if s.latency_ms is not None and not s.error]
    latency_note = "Không có câu hỏi nào chạy thành công."
    rows = [
        *_retrieval_metrics(scores),
        *answer_rows,
        ("latency.p50_ms", percentile(latencies, 50) if latencies else None, latency_note),
        ("latency.p95_ms", percentile(latencies, 95) if latencies else None, latency_note),
    ]
    metrics: dict[str, float | None] = dict.fromkeys(METRIC_KEYS)
    notes: dict[str, str] = {}
    for key, value, note in rows:
        if value is None:
            notes[key] = note
        else:
            metrics[key] = value
    return metrics, notes


def aggregate_by_type(scores: Sequence[ItemScores]) -> dict[str, dict[str, Any]]:
    """``{type: {"items": n, "metrics": {...}, "notes": {...}}}``, types in first-seen order."""
    by_type: dict[str, list[ItemScores]] = {}
    for s in scores:
        by_type.setdefault(s.type, []).append(s)
    result: dict[str, dict[str, Any]] = {}
    for name, group in by_type.items():
        metrics, notes = aggregate(group)
        result[name] = {"items": len(group), "metrics": metrics, "notes": notes}
    return result


def run_quality(scores: Sequence[ItemScores]) -> Quality:
    """ "answer" when the system answered anything, else "retrieval"."""
    return "answer" if any(s.answered for s in scores) else "retrieval"


def item_passed(s: ItemScores, quality: Quality) -> bool | None:
    """Pass/fail of one item, or None when the item has no pass criterion at that quality.

    retrieval: an answerable item passes when a gold source is in the top 5 (hit@5).
    answer: an answerable item passes when the answer contains every ``must_include`` fact and did
    not abstain; an unanswerable item passes when the system abstained. Failed asks always fail.
    """
    if quality == "retrieval":
        if not s.answerable or s.sources_total == 0:
            return None
        return s.hit_rank is not None and s.hit_rank <= 5
    if s.error:
        return False
    if not s.answered:
        return None
    if s.answerable:
        return not s.abstained and s.facts_found == s.facts_total
    return s.abstained
