"""Follow-up questions ("Còn năm 2021 thì sao?") resolved against the previous turn."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.answering import Turn, resolve_follow_up
from ingestion.model import DocumentMetadata
from vectorstore.query import CatalogEntry, QueryAnalysis, analyze

CATALOG = [
    CatalogEntry("000", DocumentMetadata(doc_type="Báo cáo", locality="Bắc Tân Uyên", period="2020-2025")),
    CatalogEntry(
        "002",
        DocumentMetadata(
            doc_type="Báo cáo",
            number="250/BC-UBND",
            date=date(2021, 12, 2),
            locality="Bắc Tân Uyên",
            year=2021,
        ),
    ),
    CatalogEntry("003", DocumentMetadata(doc_type="Báo cáo", locality="Tiểu Cần", period="2022", year=2022)),
    CatalogEntry(
        "004",
        DocumentMetadata(doc_type="Nghị quyết", number="09-NQ/HU", locality="Nhơn Trạch", year=2024),
    ),
]
PREVIOUS = "Tổng vốn đầu tư toàn xã hội của huyện Tiểu Cần năm 2022 đạt bao nhiêu?"


def analyzer(question: str) -> QueryAnalysis:
    return analyze(question, CATALOG)


def resolve(question: str, previous: str = PREVIOUS) -> str:
    return resolve_follow_up(analyzer(question), [Turn(question=previous, answer="… [1]")], analyzer)


def test_new_year_replaces_the_previous_year() -> None:
    assert resolve("Còn năm 2021 thì sao?") == (
        "Tổng vốn đầu tư toàn xã hội của huyện Tiểu Cần năm 2021 đạt bao nhiêu?"
    )


def test_new_locality_replaces_the_previous_locality() -> None:
    assert resolve("Huyện Bắc Tân Uyên thì sao?") == (
        "Tổng vốn đầu tư toàn xã hội của huyện Bắc Tân Uyên năm 2022 đạt bao nhiêu?"
    )


def test_locality_and_year_both_replaced() -> None:
    resolved = resolve("Vậy còn Nhơn Trạch năm 2024?")
    assert resolved == "Tổng vốn đầu tư toàn xã hội của huyện Nhơn Trạch năm 2024 đạt bao nhiêu?"


def test_year_added_when_the_previous_question_had_none() -> None:
    previous = "Huyện Bắc Tân Uyên hiện có bao nhiêu chợ?"
    assert resolve("Còn năm 2021 thì sao?", previous) == "Huyện Bắc Tân Uyên hiện có bao nhiêu chợ năm 2021?"


def test_locality_added_when_the_previous_question_had_none() -> None:
    previous = "Tỷ lệ dân số tham gia bảo hiểm y tế năm 2024 là bao nhiêu?"
    assert resolve("Còn Nhơn Trạch thì sao?", previous) == (
        "Tỷ lệ dân số tham gia bảo hiểm y tế năm 2024 là bao nhiêu của Nhơn Trạch?"
    )


@pytest.mark.parametrize(
    "question",
    [
        "Huyện Tiểu Cần có bao nhiêu sản phẩm OCOP năm 2022?",
        "Tổng thu ngân sách của huyện Tiểu Cần năm 2021 là bao nhiêu?",
    ],
)
def test_a_question_that_is_not_a_follow_up_is_unchanged(question: str) -> None:
    assert resolve(question) == question


def test_follow_up_that_names_no_year_or_locality_is_not_replaced_by_the_previous_question() -> None:
    # It changes the topic, not the place or time: answering the previous question would be wrong.
    assert resolve("Còn tổng thu ngân sách thì sao?") == "Còn tổng thu ngân sách thì sao?"


def test_without_history_a_follow_up_is_unchanged() -> None:
    assert resolve_follow_up(analyzer("Còn năm 2021 thì sao?"), [], analyzer) == "Còn năm 2021 thì sao?"


def test_resolves_against_the_latest_turn() -> None:
    history = [
        Turn(question="Huyện Nhơn Trạch có bao nhiêu doanh nghiệp năm 2024?"),
        Turn(question=PREVIOUS),
    ]
    resolved = resolve_follow_up(analyzer("Còn năm 2023 thì sao?"), history, analyzer)
    assert resolved == "Tổng vốn đầu tư toàn xã hội của huyện Tiểu Cần năm 2023 đạt bao nhiêu?"


def test_only_the_previous_question_is_analysed_by_the_resolution() -> None:
    # The question asked comes analysed; resolving a follow-up reads the previous turn, nothing else.
    analysed: list[str] = []

    def recording(question: str) -> QueryAnalysis:
        analysed.append(question)
        return analyzer(question)

    asked = analyzer("Còn năm 2021 thì sao?")
    resolve_follow_up(asked, [Turn(question=PREVIOUS)], recording)
    assert analysed == [PREVIOUS]
    analysed.clear()
    resolve_follow_up(analyzer("Còn tổng thu ngân sách thì sao?"), [Turn(question=PREVIOUS)], recording)
    assert analysed == []  # a new topic: the previous question is not needed
