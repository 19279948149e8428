"""Question analysis into a typed intent: answer type, unit or thing counted, period, kind, comparison sides.

The questions are written for these tests (not taken from a test set): each kind of question once."""

from __future__ import annotations

import pytest

from assistant.intent import Intent, analyse_intent, asked_unit, counted_noun, time_of
from ingestion.model import DocumentMetadata
from vectorstore.query import CatalogEntry, analyze

CATALOG = [
    CatalogEntry(str(i), DocumentMetadata(locality=name))
    for i, name in enumerate(("Hòa Thành", "Long Điền", "Cái Bè"))
]


def intent(question: str) -> Intent:
    return analyse_intent(question, analyze(question, CATALOG))


@pytest.mark.parametrize(
    ("question", "answer_type"),
    [
        ("Sản lượng lúa của huyện Hòa Thành năm 2022 là bao nhiêu tấn?", "figure"),
        ("Tỷ lệ hộ nghèo của huyện Long Điền cuối năm 2023?", "figure"),
        ("Ai là Chủ tịch UBND huyện Cái Bè?", "person"),
        ("Ai ký nghị quyết này?", "person"),
        ("Đề án được phê duyệt khi nào?", "date"),
        ("Dự án thực hiện theo quyết định nào của UBND tỉnh?", "document"),
        ("Huyện ban hành kế hoạch số mấy để thực hiện chỉ thị?", "document"),
        ("Kết quả giảm nghèo được trình bày ở mục nào?", "section"),
        ("Những xã nào đạt chuẩn nông thôn mới năm 2022?", "list"),
        ("Nghị quyết yêu cầu triển khai 03 chương trình nào?", "list"),
        ("Kinh tế tuần hoàn là gì?", "definition"),
        ("Tên của chương trình mục tiêu quốc gia này là gì?", "name"),
        ("Lý thuyết này còn được gọi là gì?", "name"),
        ("Huyện có đạt chỉ tiêu thu ngân sách không?", "yesno"),
        ("Vì sao tiến độ giải ngân vốn đầu tư công còn chậm?", "reason"),
        ("Đại hội được tổ chức ở đâu?", "place"),
        # "sông nào" is a river asked, not "ông nào" (a man); "điều gì đã xảy ra" asks an event.
        ("Con sông nào chảy qua thị xã?", "general"),
        ("Điều gì đã xảy ra với tốc độ giải ngân năm 2023?", "general"),
        ("Chỉ tiêu giao cho huyện do cơ quan nào giao?", "general"),
        ("Năm 2023 là năm thứ mấy thực hiện nghị quyết đại hội?", "general"),
        # Typed without diacritics: the question words are still read.
        ("ty le ho ngheo o hoa thanh nam 2023 la bao nhieu", "figure"),
    ],
)
def test_answer_type(question: str, answer_type: str) -> None:
    assert intent(question).answer_type == answer_type


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("Tuyến đường có tổng chiều dài bao nhiêu km?", "km"),
        ("Diện tích tự nhiên là bao nhiêu km²?", "km"),
        ("Kim ngạch xuất khẩu đạt bao nhiêu triệu USD?", "triệu"),
        ("Tỷ lệ hộ nghèo giảm bao nhiêu phần trăm?", "%"),
        ("Quy mô là mấy héc-ta?", "ha"),
        ("Huyện có bao nhiêu chợ?", None),
    ],
)
def test_the_unit_a_question_asks_for(question: str, unit: str | None) -> None:
    assert asked_unit(question) == unit


@pytest.mark.parametrize(
    ("question", "counted"),
    [
        ("Huyện có bao nhiêu khu công nghiệp?", "khu công"),
        ("Đã xây dựng mấy trường học?", "trường học"),
        ("Tỷ lệ đạt bao nhiêu trong năm 2022?", None),
        ("Đạt bao nhiêu phần trăm?", None),
        ("Tăng bao nhiêu lần?", None),
    ],
)
def test_the_thing_a_count_question_counts(question: str, counted: str | None) -> None:
    assert counted_noun(question) == counted


def test_a_year_named_outside_a_term_is_the_period_asked() -> None:
    # The term is context: the question asks about 2019.
    time = time_of("Năm 2019 (trước nhiệm kỳ 2020–2025) giá trị sản xuất đạt bao nhiêu?")
    assert time.years == {2019} and not time.terms
    # A year inside the term keeps both.
    time = time_of("Năm 2022 của nhiệm kỳ 2020 - 2025")
    assert time.years == {2022} and time.terms == {(2020, 2025)}
    # The years of a term are its ends, not single years asked.
    assert time_of("nhiệm kỳ 2025–2030").years == frozenset()


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("Chỉ tiêu tỷ lệ hộ nghèo năm 2024 là bao nhiêu?", {"target"}),
        ("Huyện đã đạt được bao nhiêu xã nông thôn mới?", {"result"}),
        ("Tốc độ tăng trưởng kinh tế là bao nhiêu?", {"growth"}),
    ],
)
def test_the_kind_of_figure_asked(question: str, kinds: set[str]) -> None:
    assert set(intent(question).kinds) >= kinds


def test_two_places_make_two_sides_each_with_its_own_period() -> None:
    found = intent(
        "Tỷ lệ hộ dùng điện của huyện Hòa Thành năm 2022 và của huyện Cái Bè năm 2023 là bao nhiêu?"
    )
    assert found.is_comparison
    sides = {side.label: side for side in found.sides}
    assert sides["Hòa Thành"].time.years == {2022}
    assert sides["Cái Bè"].time.years == {2023}


def test_a_result_against_a_target_makes_two_sides() -> None:
    found = intent("Số xã đạt chuẩn đã đạt bao nhiêu trong năm 2022 và chỉ tiêu năm 2023 là bao nhiêu?")
    assert found.is_comparison
    assert [(set(s.kinds), set(s.time.years)) for s in found.sides] == [
        ({"result"}, {2022}),
        ({"target"}, {2023}),
    ]


def test_two_facts_of_one_period_are_not_a_comparison() -> None:
    # Two indicators asked together, one period: no sides.
    found = intent("Năm 2021 có bao nhiêu cơ quan khởi công và bao nhiêu cơ quan đã khánh thành?")
    assert not found.is_comparison
    assert found.counted == "cơ quan"


@pytest.mark.parametrize(
    ("question", "listed"),
    [
        ("Huyện đặt mục tiêu kéo giảm tai nạn trên những tiêu chí nào?", "tiêu chí"),
        ("Nghị quyết yêu cầu triển khai 04 nghị quyết nào?", "nghị quyết"),
        ("Các xã nào đạt chuẩn?", "xã"),
    ],
)
def test_what_a_list_question_lists(question: str, listed: str) -> None:
    assert intent(question).listed == listed


def test_a_number_of_question_counts_the_thing_after_so() -> None:
    assert intent("Số vụ cháy rừng ở huyện Cái Bè năm 2023 là bao nhiêu?").counted == "vụ cháy"
    assert intent("Số lượng doanh nghiệp là bao nhiêu?").counted is None


def test_a_term_named_relative_to_the_document_is_read() -> None:
    past = time_of("Thu ngân sách tăng bình quân bao nhiêu trong 5 năm qua?")
    assert past.relative == "past" and past.label() == "5 năm qua"
    assert time_of("Chỉ tiêu cho nhiệm kỳ tới là bao nhiêu?").relative == "next"
    # A year written wins; both named is a comparison whose sides each have their own.
    assert not time_of("Năm 2023 và 5 năm qua").relative
    both = intent("Tốc độ tăng thu ngân sách đã đạt trong 5 năm qua so với mức phấn đấu cho 5 năm tới?")
    assert not both.time.relative
    assert [side.time.relative for side in both.sides] == ["past", "next"]
