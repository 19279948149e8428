"""Matching rules and metrics against hand-computed cases."""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path

import pytest

from evals.documents import DocumentTexts, fold_with_offsets
from evals.metrics import (
    METRIC_KEYS,
    NOTE_NO_ANSWERS,
    ItemScores,
    aggregate,
    aggregate_by_type,
    evaluate_item,
    facts_found,
    item_passed,
    ndcg,
    passage_matches,
    percentile,
    spans_overlap_enough,
)
from evals.protocol import Passage, SystemAnswer
from evals.testset import GoldSource, TestItem
from ingestion.textnorm import fold

QUOTE = "Tổng mức bán lẻ hàng hoá và doanh thu dịch vụ ước thực hiện đến năm 2025 là 7.347 tỷ đồng."
DOC = "000.txt"


def _passage(text: str, start: int | None = None, end: int | None = None, document: str = DOC) -> Passage:
    return Passage(
        document=document, section_path=("1.3. Thương mại",), text=text, source_start=start, source_end=end
    )


def test_containment_is_tolerant_of_nfd_case_whitespace_and_tone_placement() -> None:
    source = GoldSource(document=DOC, section="1.3", quote=QUOTE)
    variant = unicodedata.normalize("NFD", QUOTE.upper().replace("hoá", "hóa").replace(" ", "  \n"))
    assert passage_matches(_passage("Mở đầu. " + variant + " Tiếp theo."), source)
    assert not passage_matches(_passage("Mở đầu. " + variant, document="other.txt"), source)
    assert not passage_matches(_passage(QUOTE[:-10]), source)


def test_same_document_ignores_folders() -> None:
    assert passage_matches(
        _passage(QUOTE, document="corpus/000.txt"), GoldSource(document=DOC, section="", quote=QUOTE)
    )


def test_span_overlap_needs_half_of_the_quote() -> None:
    quote_span = (100, 200)
    assert spans_overlap_enough((150, 400), quote_span)  # exactly half
    assert not spans_overlap_enough((151, 400), quote_span)
    assert spans_overlap_enough((0, 1000), quote_span)
    assert not spans_overlap_enough((200, 300), quote_span)  # touching is no overlap
    source = GoldSource(document=DOC, section="", quote=QUOTE)
    cleaned = "một đoạn đã được làm sạch, không còn chứa nguyên văn trích dẫn"
    assert passage_matches(_passage(cleaned, 120, 260), source, [quote_span])
    assert not passage_matches(_passage(cleaned, 160, 260), source, [quote_span])
    assert not passage_matches(_passage(cleaned), source, [quote_span])  # no span: containment only


def test_quote_spans_map_back_to_the_file_text(tmp_path: Path) -> None:
    body = "Phần mở đầu.\n\n1.3. Thương mại\n" + QUOTE.replace("hoá", "hóa") + "\nHết."
    raw = unicodedata.normalize("NFD", body)
    (tmp_path / DOC).write_text(raw, encoding="utf-8")
    documents = DocumentTexts(tmp_path)
    spans = documents.quote_spans(DOC, QUOTE)
    assert len(spans) == 1
    start, end = spans[0]
    assert fold(raw[start:end]) == fold(QUOTE)
    assert raw[start:end] == unicodedata.normalize("NFD", QUOTE.replace("hoá", "hóa"))
    assert documents.quote_spans("missing.txt", QUOTE) == []
    assert documents.error("missing.txt") == "missing"


def test_fold_with_offsets_equals_fold() -> None:
    text = "  Hoà   BÌNH\n\tthuỷ lợi, 7.347 tỷ  "
    for variant in (text, unicodedata.normalize("NFD", text)):
        folded = fold_with_offsets(variant)
        assert folded.text == fold(variant)
        start, end = folded.find_all("bình thủy")[0]
        assert fold(variant[start:end]) == "bình thủy"


def test_facts_found_by_folded_substring() -> None:
    answer = unicodedata.normalize("NFD", "Hiện có 07 CHỢ, 05 cửa hàng tiện ích và 3.274 cơ sở.")
    assert facts_found(["07 chợ", "05 cửa hàng tiện ích", "3.274", "7 chợ x"], answer) == (
        True,
        True,
        True,
        False,
    )
    assert facts_found(["7.347 tỷ"], "") == (False,)


def test_ndcg_hand_computed() -> None:
    # Two gold sources; ranks 2 and 4 bring new sources, rank 3 repeats source 0.
    value = ndcg([(), (0,), (0,), (1,)], sources_total=2)
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert value == pytest.approx(expected)
    assert ndcg([(0, 1)], sources_total=2) == pytest.approx(1 / (1 + 1 / math.log2(3)))
    assert ndcg([], sources_total=1) == 0.0


def test_percentile_linear() -> None:
    assert percentile([10.0, 20.0, 30.0], 50) == 20.0
    assert percentile([10.0, 20.0, 30.0], 95) == pytest.approx(29.0)
    assert percentile([5.0], 95) == 5.0


def _item(item_id: str, *, answerable: bool = True, facts: tuple[str, ...] = ("7.347 tỷ",)) -> TestItem:
    return TestItem(
        id=item_id,
        question="Tổng mức bán lẻ năm 2025 là bao nhiêu?",
        answer="7.347 tỷ đồng",
        must_include=facts if answerable else (),
        sources=(GoldSource(document=DOC, section="1.3", quote=QUOTE),) if answerable else (),
        type="numeric" if answerable else "unanswerable",
        answerable=answerable,
        line=1,
    )


def _answer(answer: str | None, *, abstained: bool = False, cite: bool = True) -> SystemAnswer:
    gold = _passage(QUOTE, 0, len(QUOTE))
    other = _passage("Một đoạn khác không liên quan.", 500, 530)
    return SystemAnswer(
        answer=answer,
        abstained=abstained,
        citations=(gold,) if cite else (),
        retrieved=(other, gold),
        latency_ms=12.0,
    )


def test_evaluate_item_counts() -> None:
    evaluation = evaluate_item(_item("a"), _answer("Ước 7.347 tỷ đồng, năm 2025 [1]. Tăng 9%."))
    s = evaluation.scores
    assert evaluation.retrieved_matches == ((), (0,))
    assert (s.hit_rank, s.sources_top5, s.facts_found, s.facts_total) == (2, 1, 1, 1)
    assert (s.citations_total, s.citations_matched, s.citation_sources_matched) == (1, 1, 1)
    assert [(m.text, ok) for m, ok in evaluation.numbers] == [
        ("7.347 tỷ", True),
        ("2025", True),
        ("9", False),
    ]
    assert (s.numbers_total, s.numbers_grounded) == (3, 2)


def test_empty_answer_finds_nothing_and_has_no_numbers() -> None:
    s = evaluate_item(_item("a"), _answer("", cite=False)).scores
    assert s.answered and not s.abstained
    assert (s.facts_found, s.answer_chars, s.numbers_total, s.citations_total) == (0, 0, 0, 0)
    metrics, notes = aggregate([s])
    assert metrics["answer.key_fact_recall"] == 0.0
    assert metrics["answer.median_chars"] == 0.0
    assert metrics["grounding.numeric"] is None and "grounding.numeric" in notes
    assert metrics["citation.precision"] is None and "citation.precision" in notes


def test_abstention_states_no_facts_even_if_worded_with_them() -> None:
    s = evaluate_item(_item("a"), _answer("Không tìm thấy 7.347 tỷ", abstained=True, cite=False)).scores
    assert (s.abstained, s.facts_found, s.numbers_total, s.answer_chars) == (True, 0, 0, None)


def _scores(**overrides: object) -> ItemScores:
    base: dict[str, object] = {
        "id": "x",
        "type": "numeric",
        "answerable": True,
        "error": False,
        "answered": True,
        "abstained": False,
        "hit_rank": 1,
        "sources_total": 1,
        "sources_top5": 1,
        "ndcg10": 1.0,
        "facts_total": 2,
        "facts_found": 2,
        "answer_chars": 40,
        "citations_total": 1,
        "citations_matched": 1,
        "citation_sources_matched": 1,
        "numbers_total": 2,
        "numbers_grounded": 2,
        "latency_ms": 100.0,
    }
    base.update(overrides)
    return ItemScores(**base)  # type: ignore[arg-type]


def test_aggregate_hand_computed() -> None:
    scores = [
        _scores(id="a"),
        _scores(
            id="b",
            hit_rank=3,
            ndcg10=0.5,
            facts_found=1,
            citations_total=2,
            citations_matched=0,
            citation_sources_matched=0,
            numbers_grounded=0,
            answer_chars=60,
            latency_ms=300.0,
        ),
        _scores(
            id="c",
            hit_rank=None,
            sources_top5=0,
            ndcg10=0.0,
            abstained=True,
            facts_found=0,
            answer_chars=None,
            citations_total=0,
            citations_matched=0,
            citation_sources_matched=0,
            numbers_total=0,
            numbers_grounded=0,
            latency_ms=200.0,
        ),
        _scores(
            id="u",
            type="unanswerable",
            answerable=False,
            abstained=True,
            hit_rank=None,
            sources_total=0,
            sources_top5=0,
            ndcg10=0.0,
            facts_total=0,
            facts_found=0,
            answer_chars=None,
            citations_total=0,
            citations_matched=0,
            citation_sources_matched=0,
            numbers_total=0,
            numbers_grounded=0,
            latency_ms=400.0,
        ),
        _scores(
            id="v",
            type="unanswerable",
            answerable=False,
            hit_rank=None,
            sources_total=0,
            sources_top5=0,
            ndcg10=0.0,
            facts_total=0,
            facts_found=0,
            answer_chars=20,
            citations_total=1,
            citations_matched=0,
            citation_sources_matched=0,
            numbers_total=1,
            numbers_grounded=1,
            latency_ms=500.0,
        ),
    ]
    metrics, notes = aggregate(scores)
    assert set(metrics) == set(METRIC_KEYS)
    expected = {
        "retrieval.hit@1": 1 / 3,
        "retrieval.hit@3": 2 / 3,
        "retrieval.hit@5": 2 / 3,
        "retrieval.recall@5": 2 / 3,
        "retrieval.mrr@10": (1 + 1 / 3) / 3,
        "retrieval.ndcg@10": 0.5,
        "answer.key_fact_recall": (1 + 0.5 + 0) / 3,
        "answer.exact_all_facts": 1 / 3,
        "answer.median_chars": 50.0,
        "citation.precision": 1 / 4,
        "citation.recall": 1 / 3,
        "grounding.numeric": 3 / 5,
        "abstention.recall": 1 / 2,
        "abstention.precision": 1 / 2,
        "abstention.over_refusal": 1 / 3,
        "latency.p50_ms": 300.0,
        "latency.p95_ms": 480.0,
    }
    for key, value in expected.items():
        assert metrics[key] == pytest.approx(value), key
    assert notes == {}
    by_type = aggregate_by_type(scores)
    assert list(by_type) == ["numeric", "unanswerable"]
    assert by_type["unanswerable"]["items"] == 2
    assert by_type["unanswerable"]["metrics"]["retrieval.hit@5"] is None
    assert "retrieval.hit@5" in by_type["unanswerable"]["notes"]


def test_retrieval_only_run_has_null_answer_metrics_with_reasons() -> None:
    scores = [
        _scores(id="a", answered=False, answer_chars=None),
        _scores(id="u", answerable=False, answered=False),
    ]
    metrics, notes = aggregate(scores)
    answer_keys = [k for k in METRIC_KEYS if not k.startswith(("retrieval.", "latency."))]
    for key in answer_keys:
        assert metrics[key] is None
        assert notes[key] == NOTE_NO_ANSWERS
    assert metrics["retrieval.hit@1"] == 1.0
    assert all(v is None or not math.isnan(v) for v in metrics.values())


def test_no_abstentions_and_no_items() -> None:
    metrics, notes = aggregate([_scores()])
    assert metrics["abstention.precision"] is None and "abstention.precision" in notes
    assert metrics["abstention.recall"] is None and "abstention.recall" in notes
    assert metrics["abstention.over_refusal"] == 0.0
    metrics, notes = aggregate([])
    assert all(v is None for v in metrics.values())
    assert set(notes) == set(METRIC_KEYS)


def test_item_passed() -> None:
    assert item_passed(_scores(hit_rank=5), "retrieval") is True
    assert item_passed(_scores(hit_rank=6), "retrieval") is False
    assert item_passed(_scores(answerable=False), "retrieval") is None
    assert item_passed(_scores(), "answer") is True
    assert item_passed(_scores(facts_found=1), "answer") is False
    assert item_passed(_scores(abstained=True), "answer") is False
    assert item_passed(_scores(answerable=False, abstained=True), "answer") is True
    assert item_passed(_scores(answerable=False), "answer") is False
    assert item_passed(_scores(error=True, answered=False), "answer") is False
