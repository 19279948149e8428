"""Computed figures: a comparison that asks a gap or a ratio gets it computed from the two cited figures,
written out and marked as computed; verification accepts the result only when the operation is right and
its operands stand in the cited passages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.extractive import ExtractiveAnswerer, _cited_lines
from assistant.intent import analyse_intent
from assistant.sentences import passage_evidence
from assistant.verify import verify_answer
from ingestion.indicators import IndicatorRecord, extract_indicators
from ingestion.model import Chunk, DocumentMetadata, DocumentRecord
from ingestion.numbers import arithmetic_statements, format_vietnamese_number, grounded_numbers
from vectorstore.passages import Passage
from vectorstore.query import CatalogEntry, analyze


@pytest.mark.parametrize(
    ("text", "holds"),
    [
        ("4.731 tỷ đồng − 4.290 tỷ đồng = 441 tỷ đồng", True),
        ("4.731 tỷ đồng − 4.290 tỷ đồng = 442 tỷ đồng", False),
        ("12,5% − 10% = 2,5 điểm phần trăm", True),
        ("10.964 tỷ 145 triệu đồng − 9.000 tỷ đồng = 1.964,145 tỷ đồng", True),
        ("92 : 46 ≈ 2 lần", True),
        ("4.731 : 4.762 ≈ 99,3%", True),
        ("4.731 : 4.762 ≈ 99,9%", False),
        ("1.200 hộ + 300 hộ = 1.500 hộ", True),
    ],
)
def test_a_written_out_operation_is_checked_to_the_precision_of_its_result(text: str, holds: bool) -> None:
    (step,) = arithmetic_statements(text)
    assert step.holds is holds


def test_numbers_that_only_stand_side_by_side_are_no_operation() -> None:
    assert arithmetic_statements("Tỷ lệ 13% - 15%; năm 2021: 4.731 tỷ đồng") == []


def test_a_computed_result_is_grounded_only_when_right_and_its_operands_are_in_the_evidence() -> None:
    answer = "Chênh lệch: 4.731 tỷ đồng − 4.290 tỷ đồng = 441 tỷ đồng"
    assert all(ok for _m, ok in grounded_numbers(answer, ["đạt 4.731 tỷ đồng", "đạt 4.290 tỷ đồng"]))
    # An operand the evidence lacks: neither it nor the result is grounded.
    checks = grounded_numbers(answer, ["đạt 4.731 tỷ đồng"])
    assert [ok for _m, ok in checks] == [True, False, False]
    wrong = "Chênh lệch: 4.731 tỷ đồng − 4.290 tỷ đồng = 450 tỷ đồng"
    assert [ok for _m, ok in grounded_numbers(wrong, ["4.731 tỷ đồng", "4.290 tỷ đồng"])] == [
        True,
        True,
        False,
    ]


def test_vietnamese_number_formatting() -> None:
    assert format_vietnamese_number(Decimal("1964.145"), 3) == "1.964,145"
    assert format_vietnamese_number(4731) == "4.731"
    assert format_vietnamese_number(0.917, 3) == "0,917"


def _document(doc_id: str, locality: str, text: str) -> tuple[Passage, list[IndicatorRecord]]:
    meta = DocumentMetadata(doc_type="Báo cáo", locality=locality, period="2023", year=2023)
    record = DocumentRecord(doc_id, f"{doc_id}.txt", "", "txt", "utf-8", meta, (), text)
    path = ("2. Chỉ tiêu về xã hội",)
    chunk = Chunk(0, "2", path, path[0], text, text, 0, len(text), 0, len(text))
    return Passage(f"{doc_id}@v#0", chunk, record, 1.0), extract_indicators(text)


def _ask(question: str, first: str, second: str) -> tuple[str, str]:
    """The answer to a two-place question over one report per place, and what verification keeps of it."""
    a, a_records = _document("a", "Hòa Bình", first)
    b, b_records = _document("b", "Tân Phú", second)
    records = {"a": a_records, "b": b_records}
    catalog = [CatalogEntry("a", a.metadata), CatalogEntry("b", b.metadata)]
    analysis = analyze(question, catalog)
    answer = ExtractiveAnswerer(records=lambda doc_id: records[doc_id]).answer(
        analysis, analyse_intent(question, analysis), [a, b]
    )
    assert answer is not None
    passages = [a, b]
    verified = verify_answer(answer.text, [passage_evidence(passages[i]) for i in answer.cited], question)
    assert not verified.dropped, verified.dropped
    return answer.text, verified.text


def test_a_gap_asked_between_two_places_is_computed_cited_to_both_and_kept_by_verification() -> None:
    text, kept = _ask(
        "Tỷ lệ hộ sử dụng điện của Hòa Bình cao hơn của Tân Phú bao nhiêu?",
        "Tỷ lệ hộ sử dụng điện đạt 99,6%.\n",
        "Tỷ lệ hộ sử dụng điện đạt 97,2%.\n",
    )
    assert "Số liệu tính toán" in text
    assert "Hòa Bình cao hơn Tân Phú: 99,6% − 97,2% = 2,4 điểm phần trăm [1] [2]" in text
    assert kept == text


def test_a_ratio_asked_is_computed_from_the_two_figures() -> None:
    text, _kept = _ask(
        "Thu ngân sách của Tân Phú gấp mấy lần của Hòa Bình?",
        "Tổng thu ngân sách đạt 350 tỷ đồng.\n",
        "Tổng thu ngân sách đạt 700 tỷ đồng.\n",
    )
    assert "700 tỷ đồng : 350 tỷ đồng ≈ 2 lần" in text


def test_figures_of_different_indicators_are_not_computed_against_each_other() -> None:
    text, _kept = _ask(
        "Tỷ lệ của Hòa Bình cao hơn của Tân Phú bao nhiêu?",
        "Tỷ lệ hộ sử dụng điện đạt 99,6%.\n",
        "Tỷ lệ trường đạt chuẩn quốc gia đạt 60%.\n",
    )
    assert "Số liệu tính toán" not in text


def test_a_sentence_that_states_the_gap_answers_alone() -> None:
    text, _kept = _ask(
        "Tỷ lệ hộ sử dụng điện của Hòa Bình cao hơn của Tân Phú bao nhiêu?",
        "Tỷ lệ hộ sử dụng điện đạt 99,6%, cao hơn 2,4% so với huyện Tân Phú.\n",
        "Tỷ lệ hộ sử dụng điện đạt 97,2%.\n",
    )
    assert "Số liệu tính toán" not in text
    assert "cao hơn 2,4%" in text and "97,2" not in text


def test_a_comparison_without_a_computation_asked_computes_nothing() -> None:
    text, _kept = _ask(
        "Tỷ lệ hộ sử dụng điện của Hòa Bình và của Tân Phú là bao nhiêu?",
        "Tỷ lệ hộ sử dụng điện đạt 99,6%.\n",
        "Tỷ lệ hộ sử dụng điện đạt 97,2%.\n",
    )
    assert "99,6%" in text and "97,2%" in text and "Số liệu tính toán" not in text


def test_every_item_line_of_a_quote_carries_the_marker_but_a_wrapped_line_does_not() -> None:
    assert _cited_lines("Giảm 35% hộ nghèo.\n- Tỷ lệ thất nghiệp dưới 2%.", 2) == (
        "Giảm 35% hộ nghèo. [2]\n- Tỷ lệ thất nghiệp dưới 2%. [2]"
    )
    assert _cited_lines("năm 1901, hỗn hợp O\n2 nén.", 1) == "năm 1901, hỗn hợp O\n2 nén. [1]"
