"""Vietnamese numbers in answers and their grounding, against hand-computed cases."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest

from ingestion.numbers import Evidence, extract_numbers, grounded_numbers, parse_vietnamese_number


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("7.687", Decimal(7687)),
        ("12,37", Decimal("12.37")),
        ("1.234.567", Decimal(1234567)),
        ("1.234.567,5", Decimal("1234567.5")),
        ("07", Decimal(7)),
        ("0,94", Decimal("0.94")),
        ("2021", Decimal(2021)),
        ("5.8", None),  # a section number, not a thousands group
        ("1.7.1", None),
        ("12.5", None),
    ],
)
def test_parse_vietnamese_number(literal: str, value: Decimal | None) -> None:
    assert parse_vietnamese_number(literal) == value


def _only(text: str) -> tuple[str, str, object]:
    mentions = extract_numbers(text)
    assert len(mentions) == 1, mentions
    m = mentions[0]
    return m.text, m.kind, m.value


def test_scaled_and_compound_amounts() -> None:
    assert _only("ước 7.347 tỷ đồng") == ("7.347 tỷ", "quantity", Decimal(7347) * 10**9)
    assert _only("đạt 10.964 tỷ 145 triệu đồng") == (
        "10.964 tỷ 145 triệu",
        "quantity",
        Decimal(10964) * 10**9 + Decimal(145) * 10**6,
    )
    assert _only("2,5 nghìn tỷ") == ("2,5 nghìn tỷ", "quantity", Decimal("2.5") * 10**12)


def test_ratios_rates_and_ordinals() -> None:
    assert _only("đạt 23/23 xã") == ("23/23", "ratio", (23, 23))
    assert _only("giảm 1/2 số hộ") == ("1/2", "ratio", (1, 2))
    assert _only("tỷ lệ 0,94%/năm") == ("0,94", "quantity", Decimal("0.94"))
    assert _only("Hiện có 07 chợ") == ("07", "quantity", Decimal(7))


def test_dates_short_and_long() -> None:
    assert _only("ngày 02/12/2021") == ("02/12/2021", "date", (2021, 12, 2))
    assert _only("Bắc Tân Uyên, ngày 02 tháng 12 năm 2021") == (
        "ngày 02 tháng 12 năm 2021",
        "date",
        (2021, 12, 2),
    )
    assert _only("tháng 12/2021") == ("tháng 12/2021", "date", (2021, 12))


def test_document_numbers_are_identifiers() -> None:
    mentions = extract_numbers("Nghị định số 61/2018/NĐ-CP và Quy định 58-QĐ/TW, Số: 250 /BC-UBND")
    assert [(m.text, m.kind, m.value) for m in mentions] == [
        ("61/2018/NĐ-CP", "identifier", None),
        ("58-QĐ/TW", "identifier", None),
        ("250 /BC-UBND", "identifier", None),
    ]


def test_citation_markers_are_not_numbers() -> None:
    assert [m.text for m in extract_numbers("Đạt 95% [1], tăng 3 điểm [2, 3].")] == ["95", "3"]


def test_spans_refer_to_the_nfc_text() -> None:
    text = unicodedata.normalize("NFD", "Tổng mức ước 7.347 tỷ đồng")
    mention = extract_numbers(text)[0]
    assert unicodedata.normalize("NFC", text)[mention.start : mention.end] == "7.347 tỷ"


@pytest.mark.parametrize(
    ("answer", "evidence", "grounded"),
    [
        ("7.347 tỷ đồng", "ước đạt 7.347 tỷ đồng", True),  # same digits and separators
        ("7.347 tỷ đồng", "ước đạt 7347 tỷ đồng", True),  # same value
        ("7.347 tỷ", "bảng: 7.347", True),  # same digits, scale dropped in the source
        ("7,347 nghìn tỷ", "7.347 tỷ", True),  # same value, other scale
        ("07 chợ", "có 7 chợ", True),
        ("12,37%", "tăng 12,37 %", True),
        ("12,37%", "tăng 12,38%", False),
        ("23/23 xã", "đạt 1/1", False),  # ratios are not reduced: 23/23 is a count
        ("ngày 08/02/2022", "ngày 08 tháng 02 năm 2022", True),
        ("ngày 8/2/2022", "08/02/2022", True),
        ("61/2018/NĐ-CP", "Nghị định 61/2018/NĐ-CP", True),
        ("61/2018/NĐ-CP", "số 61 năm 2018", False),  # identifiers need the same identifier
        ("mục 5.8", "5.8. Công tác giải phóng mặt bằng", True),
        ("mục 5.8", "tăng 5,8%", False),  # a label is not the quantity 5,8
        ("năm 2021", "năm 2021", True),
        ("tăng 2.413 hộ", "tăng 2.414 hộ", False),
    ],
)
def test_grounding(answer: str, evidence: str, grounded: bool) -> None:
    result = grounded_numbers(answer, [evidence])
    assert result, answer
    assert all(ok == grounded for _, ok in result), [(m.text, ok) for m, ok in result]


def test_grounding_against_the_question_and_several_passages() -> None:
    result = grounded_numbers(
        "Năm 2021 đạt 4.731 tỷ đồng, tăng 10,28% [1].",
        ["Giá trị ước 4.731 tỷ đồng.", "Câu hỏi về năm 2021?"],
    )
    assert [(m.text, ok) for m, ok in result] == [("2021", True), ("4.731 tỷ", True), ("10,28", False)]


def test_no_numbers_in_empty_text() -> None:
    assert extract_numbers("") == []
    assert grounded_numbers("", ["7.347"]) == []
    assert Evidence.from_texts([]).literals == frozenset()
