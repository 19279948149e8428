"""Query understanding against a catalog: localities, years, terms, document numbers and types, abbreviations."""

from __future__ import annotations

import pytest

from ingestion.model import DocumentMetadata
from vectorstore.query import CatalogEntry, analyze, canonical_number, expand_abbreviations

CATALOG = [
    CatalogEntry(
        "bao-cao-tieu-can",
        DocumentMetadata(number="250/BC-UBND", doc_type="Báo cáo", locality="Tiểu Cần", year=2022),
    ),
    CatalogEntry(
        "nghi-quyet-btu",
        DocumentMetadata(
            number="09-NQ/HU", doc_type="Nghị quyết", locality="Bắc Tân Uyên", period="2020-2025", year=2020
        ),
    ),
    CatalogEntry(
        "nghi-dinh",
        DocumentMetadata(number="61/2018/NĐ-CP", doc_type="Nghị định", year=2018),
    ),
    CatalogEntry("khong-so", DocumentMetadata(doc_type="Báo cáo", locality="Nhơn Trạch")),
]


@pytest.mark.parametrize(
    ("number", "canonical"),
    [
        ("Số 09 -NQ/HU", "9-NQ/HU"),
        ("9-nq/hu", "9-NQ/HU"),
        ("09-NQ/HU", "9-NQ/HU"),
        ("Số: 250/BC-UBND", "250/BC-UBND"),
        ("61/2018/NĐ-CP", "61/2018/ND-CP"),
        ("100/BC-UBND", "100/BC-UBND"),  # zeros inside a number stay
    ],
)
def test_canonical_number(number: str, canonical: str) -> None:
    assert canonical_number(number) == canonical


@pytest.mark.parametrize(
    "question",
    ["Tỷ lệ hộ nghèo ở Tiểu Cần?", "ty le ho ngheo o tieu can", "TIỂU CẦN năm nay", "huyện tiểu cần"],
)
def test_locality_with_and_without_diacritics(question: str) -> None:
    assert analyze(question, CATALOG).localities == ("Tiểu Cần",)


def test_locality_needs_whole_words_and_a_catalog_entry() -> None:
    assert analyze("Tiểu Cầnx và Cần Thơ", CATALOG).localities == ()
    assert analyze("Tiểu Cần", []).localities == ()
    assert analyze("Tiểu Cần và Bắc Tân Uyên", CATALOG).localities == ("Bắc Tân Uyên", "Tiểu Cần")


def test_years_and_term() -> None:
    analysis = analyze("Kết quả năm 2022 so với năm 2021?", CATALOG)
    assert analysis.years == (2021, 2022)
    assert analysis.period is None

    term = analyze("Mục tiêu nhiệm kỳ 2020–2025 của Bắc Tân Uyên", CATALOG)
    assert term.period == (2020, 2025)
    assert term.years == (2020, 2025)
    assert analyze("giai đoạn 2021 - 2025", CATALOG).period == (2021, 2025)


def test_numbers_that_are_not_years() -> None:
    analysis = analyze("Thu 7.687 tỷ đồng, 12025 hộ, 182 công trình", CATALOG)
    assert analysis.years == ()
    assert analysis.period is None


@pytest.mark.parametrize(
    ("question", "doc_id"),
    [
        ("Báo cáo 250/BC-UBND nói gì về hộ nghèo?", "bao-cao-tieu-can"),
        ("Số 09 -NQ/HU đề ra chỉ tiêu gì?", "nghi-quyet-btu"),
        ("báo cáo 250/bc-ubnd", "bao-cao-tieu-can"),
        ("Nghị quyết 09-NQ/HU", "nghi-quyet-btu"),
        ("Nghị quyết 09 đề ra gì?", "nghi-quyet-btu"),
        ("Nghị quyết số 9 đề ra gì?", "nghi-quyet-btu"),
        ("nghi quyet 09 de ra gi", "nghi-quyet-btu"),
        ("Theo Nghị định 61/2018/NĐ-CP", "nghi-dinh"),
    ],
)
def test_document_number_names_the_document(question: str, doc_id: str) -> None:
    assert analyze(question, CATALOG).doc_ids == (doc_id,)


@pytest.mark.parametrize(
    "question",
    [
        "Báo cáo 09 nói gì?",  # the number belongs to a Nghị quyết, not a Báo cáo
        "Nghị quyết 250 đề ra gì?",
        "Nghị quyết 09,5% chỉ tiêu",  # a figure, not a number
        "Số 250/BC-HU",
        "Tỷ lệ hộ nghèo",
    ],
)
def test_no_document_named(question: str) -> None:
    assert analyze(question, CATALOG).doc_ids == ()


def test_document_types() -> None:
    assert analyze("Báo cáo tình hình kinh tế", CATALOG).doc_types == ("Báo cáo",)
    assert analyze("nghị quyết và kế hoạch", CATALOG).doc_types == ("Nghị quyết", "Kế hoạch")
    assert analyze("Tỷ lệ hộ nghèo", CATALOG).doc_types == ()


def test_abbreviation_expanded() -> None:
    expanded = expand_abbreviations("Thu NSNN năm 2021")
    assert expanded.startswith("Thu NSNN năm 2021")
    assert "ngân sách nhà nước" in expanded

    both = expand_abbreviations("Số THT và HTX thành lập mới")
    assert "tổ hợp tác" in both
    assert "hợp tác xã" in both


def test_expansion_abbreviated() -> None:
    assert "NSNN" in expand_abbreviations("Tổng thu ngân sách nhà nước")
    assert "NSNN" in expand_abbreviations("TỔNG THU NGÂN SÁCH NHÀ NƯỚC")
    assert "HTX" in expand_abbreviations("số hợp tác xã")


def test_abbreviations_need_whole_words() -> None:
    assert expand_abbreviations("Tỷ lệ hộ nghèo giảm") == "Tỷ lệ hộ nghèo giảm"
    assert expand_abbreviations("mã NSNNX") == "mã NSNNX"


def test_analysis_carries_the_expanded_lexical_query() -> None:
    analysis = analyze("Thu NSNN ở Tiểu Cần", CATALOG)
    assert analysis.question == "Thu NSNN ở Tiểu Cần"
    assert "ngân sách nhà nước" in analysis.lexical_query
