"""Gold records of the four samples (ingestion.indicators), each read by hand in its sentence.

Every entry is checked exactly on indicator phrase, value, unit, period, kind, bound, the document's locality
(``metadata.locality or metadata.place``) and the document file. The sentence each entry comes from is
quoted beside it. Also a grouping gold list: indicator phrases that must, and must not, share a key.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from ingestion.indicators import (
    Fraction,
    IndicatorRecord,
    IndicatorValue,
    Range,
    extract_indicators,
    indicator_key,
)
from ingestion.model import ParsedDocument
from ingestion.normalize import normalize
from ingestion.parser import parse_document
from ingestion.textnorm import fold

SAMPLES = Path(__file__).resolve().parents[2] / "data/samples"
TERM_REPORT = "000_2265b64d677103f7.txt"  # Bắc Tân Uyên, term report 2020-2025 with the next term's targets
YEAR_REPORT = "002_8960d5a2a2e1878e.txt"  # Bắc Tân Uyên, UBND report on 2021
RESULTS_AND_PLAN = "003_ed75f5db97ecdb44.txt"  # Tiểu Cần, results of 2022 and targets for 2023
RESOLUTION = "004_b15d4e577a10df04.txt"  # Nhơn Trạch, resolution on the targets for 2024

LOCALITY = {
    TERM_REPORT: "Bắc Tân Uyên",
    YEAR_REPORT: "Bắc Tân Uyên",
    RESULTS_AND_PLAN: "Tiểu Cần",
    RESOLUTION: "Nhơn Trạch",
}

# (document, indicator, value, unit, period, kind, bound) — the sentence in the comment above each group.
GOLD: list[tuple[str, str, IndicatorValue, str, str, str, str | None]] = [
    # "Kết quả đã đạt và vượt 23/23 chỉ tiêu phát triển của cả nhiệm kỳ."
    (
        TERM_REPORT,
        "chỉ tiêu phát triển của cả nhiệm kỳ",
        Fraction(23, 23),
        "chỉ tiêu",
        "2020-2025",
        "result",
        None,
    ),
    # "Giá trị sản xuất nông lâm nghiệp ước thực hiện năm 2025 là 3.128 tỷ đồng, tăng bình quân hằng năm là 4,22%."
    (TERM_REPORT, "Giá trị sản xuất nông lâm nghiệp", 3128.0, "tỷ đồng", "2025", "estimate", None),
    (TERM_REPORT, "Giá trị sản xuất nông lâm nghiệp", 4.22, "%", "2020-2025", "growth", None),
    # "Giá trị sản xuất công nghiệp ước thực hiện năm 2025 là 7.687 tỷ đồng, tăng bình quân hằng năm là 12,37%."
    (TERM_REPORT, "Giá trị sản xuất công nghiệp", 7687.0, "tỷ đồng", "2025", "estimate", None),
    (TERM_REPORT, "Giá trị sản xuất công nghiệp", 12.37, "%", "2020-2025", "growth", None),
    # "Tỷ lệ xã đạt chuẩn nông thôn mới nâng cao 08/08 xã, …"
    (
        TERM_REPORT,
        "Tỷ lệ xã đạt chuẩn nông thôn mới nâng cao",
        Fraction(8, 8),
        "xã",
        "2020-2025",
        "result",
        None,
    ),
    # "Tỷ lệ bác sĩ 5/10.000 dân."
    (TERM_REPORT, "Tỷ lệ bác sĩ", Fraction(5, 10000), "dân", "2020-2025", "result", None),
    # "Tỷ lệ hộ nghèo đa chiều theo tiêu chí của Tỉnh 1,09%/năm."
    (
        TERM_REPORT,
        "Tỷ lệ hộ nghèo đa chiều theo tiêu chí của Tỉnh",
        1.09,
        "%/năm",
        "2020-2025",
        "result",
        None,
    ),
    # "…; tỷ lệ hộ nghèo giảm còn 1,09% theo tiêu chí của Tỉnh."
    (TERM_REPORT, "tỷ lệ hộ nghèo", 1.09, "%", "2020-2025", "result", None),
    # "Tỷ lệ hộ dân đô thị sử dụng nước sạch 76,61 %." (result) … "Tỷ lệ hộ dân đô thị sử dụng nước sạch 80%." (target)
    (TERM_REPORT, "Tỷ lệ hộ dân đô thị sử dụng nước sạch", 76.61, "%", "2020-2025", "result", None),
    (TERM_REPORT, "Tỷ lệ hộ dân đô thị sử dụng nước sạch", 80.0, "%", "2025-2030", "target", None),
    # "Tổng thu NSNN ước thực hiện giai đoạn 2020-2025 là 10.964 tỷ 145 triệu đồng, đạt 156% dự toán Tỉnh giao …"
    (TERM_REPORT, "Tổng thu NSNN", 10964.145, "tỷ đồng", "2020-2025", "estimate", None),
    (TERM_REPORT, "Tổng thu NSNN", 156.0, "%", "2020-2025", "share_of_plan", None),
    # "Tổng chi NSNN ước thực hiện là: 6.896 tỷ 499 triệu đồng, đạt 144% dự toán Tỉnh giao …"
    (TERM_REPORT, "Tổng chi NSNN", 6896.499, "tỷ đồng", "2020-2025", "estimate", None),
    # Under "Phần thứ hai › A. MỤC TIÊU CHỦ YẾU" (the 2025-2030 term, no year in the headings):
    # "Giá trị sản xuất công nghiệp tăng bình quân hằng năm: 13% - 15%." "Thu mới ngân sách tăng bình quân hằng
    # năm 8-11%/năm." "Duy trì 100% xã đạt chuẩn nông thôn mới nâng cao, phấn đấu từ 05 - 07 xã đạt nông thôn mới
    # kiểu mẫu." "… đạt chuẩn quốc gia đạt trên 90%." "Tỷ lệ hộ nghèo theo chuẩn nghèo đa chiều mới dưới 2%."
    (TERM_REPORT, "Giá trị sản xuất công nghiệp", Range(13, 15), "%", "2025-2030", "target", None),
    (TERM_REPORT, "Thu mới ngân sách", Range(8, 11), "%/năm", "2025-2030", "target", None),
    (TERM_REPORT, "xã đạt nông thôn mới kiểu mẫu", Range(5, 7), "xã", "2025-2030", "target", "at_least"),
    (
        TERM_REPORT,
        "Tỷ lệ trường học các cấp đạt chuẩn kiểm định chất lượng giáo dục, đạt chuẩn quốc gia",
        90.0,
        "%",
        "2025-2030",
        "target",
        "above",
    ),
    (TERM_REPORT, "Tỷ lệ hộ nghèo theo chuẩn nghèo đa chiều mới", 2.0, "%", "2025-2030", "target", "below"),
    # "Giá trị sản xuất ngành nông nghiệp thực hiện được 2.637 tỷ đồng, tăng 3,94% so với năm 2020 và đạt 100,23%
    # kế hoạch năm."
    (YEAR_REPORT, "Giá trị sản xuất ngành nông nghiệp", 2637.0, "tỷ đồng", "2021", "result", None),
    (YEAR_REPORT, "Giá trị sản xuất ngành nông nghiệp", 3.94, "%", "2021", "growth", None),
    (YEAR_REPORT, "Giá trị sản xuất ngành nông nghiệp", 100.23, "%", "2021", "share_of_plan", None),
    # "Giá trị sản xuất ngành công nghiệp ước thực hiện được 4.731 tỷ đồng, tăng 10,28% so với năm 2020 và đạt
    # 99,35% kế hoạch năm."
    (YEAR_REPORT, "Giá trị sản xuất ngành công nghiệp", 4731.0, "tỷ đồng", "2021", "estimate", None),
    (YEAR_REPORT, "Giá trị sản xuất ngành công nghiệp", 10.28, "%", "2021", "growth", None),
    (YEAR_REPORT, "Giá trị sản xuất ngành công nghiệp", 99.35, "%", "2021", "share_of_plan", None),
    # "Trong đó, ước thu mới ngân sách là 518 tỷ 359 triệu đồng, giảm 39% so với năm 2020, …": a fall is negative
    (YEAR_REPORT, "thu mới ngân sách", 518.359, "tỷ đồng", "2021", "estimate", None),
    (YEAR_REPORT, "thu mới ngân sách", -39.0, "%", "2021", "growth", None),
    # "… xử lý 179 trường hợp vi phạm, với tổng số tiền là 3 tỷ 998 triệu đồng."
    (YEAR_REPORT, "tổng số tiền", 3.998, "tỷ đồng", "2021", "result", None),
    # "Qua phúc tra rà soát hộ nghèo, hộ cận nghèo cuối năm 2021, kết quả: có 19 hộ nghèo thuộc chi tiêu giảm
    # nghèo, 166 hộ nghèo thuộc diện chính sách bảo trợ xã hội và 131 hộ cận nghèo; …"
    (YEAR_REPORT, "hộ nghèo thuộc chi tiêu giảm nghèo", 19.0, "hộ", "2021", "result", None),
    (YEAR_REPORT, "hộ nghèo thuộc diện chính sách bảo trợ xã hội", 166.0, "hộ", "2021", "result", None),
    (YEAR_REPORT, "hộ cận nghèo", 131.0, "hộ", "2021", "result", None),
    # "Đến nay, tổng số trường đạt chuẩn quốc gia của huyện là 21/26 trường, chiếm tỷ lệ 80,77%; …"
    (
        YEAR_REPORT,
        "tổng số trường đạt chuẩn quốc gia của huyện",
        Fraction(21, 26),
        "trường",
        "2021",
        "result",
        None,
    ),
    # "Tốc độ tăng trưởng tăng 16,02% (NQ12%); tổng giá trị sản xuất (theo giá so sánh 2010) đạt 8.839,9 tỷ đồng,
    # đạt 102,74% (…)."
    (RESULTS_AND_PLAN, "Tốc độ tăng trưởng", 16.02, "%", "2022", "growth", None),
    (RESULTS_AND_PLAN, "tổng giá trị sản xuất", 8839.9, "tỷ đồng", "2022", "result", None),
    (RESULTS_AND_PLAN, "tổng giá trị sản xuất", 102.74, "%", "2022", "share_of_plan", None),
    # "… có 69/69 ấp đạt chuẩn nông thôn mới; …"
    (RESULTS_AND_PLAN, "ấp đạt chuẩn nông thôn mới", Fraction(69, 69), "ấp", "2022", "result", None),
    # "… doanh thu ước đạt 30,539 tỷ đồng, lợi nhuận 939,52 triệu đồng."
    (RESULTS_AND_PLAN, "doanh thu", 30.539, "tỷ đồng", "2022", "estimate", None),
    # "Tổng vốn đầu tư toàn xã hội 2.413/2.000 tỷ đồng, đạt 120,65% so nghị quyết; thu nhập bình quân đầu người
    # 74,510 triệu đồng, vượt 0,13% so nghị quyết." (an excess over the plan is a change: growth)
    (
        RESULTS_AND_PLAN,
        "Tổng vốn đầu tư toàn xã hội",
        Fraction(2413, 2000),
        "tỷ đồng",
        "2022",
        "result",
        None,
    ),
    (RESULTS_AND_PLAN, "Tổng vốn đầu tư toàn xã hội", 120.65, "%", "2022", "share_of_plan", None),
    (RESULTS_AND_PLAN, "thu nhập bình quân đầu người", 74.51, "triệu đồng", "2022", "result", None),
    (RESULTS_AND_PLAN, "thu nhập bình quân đầu người", 0.13, "%", "2022", "growth", None),
    # "Tổng thu ngân sách 713,275 tỷ đồng, đạt 146,36% chỉ tiêu."
    (RESULTS_AND_PLAN, "Tổng thu ngân sách", 713.275, "tỷ đồng", "2022", "result", None),
    (RESULTS_AND_PLAN, "Tổng thu ngân sách", 146.36, "%", "2022", "share_of_plan", None),
    # "…; điều tra, rà soát hộ nghèo, hộ cận nghèo. Kết quả còn 233 hộ, tỷ lệ 0,79%; hộ cận nghèo 1.067 hộ, tỷ lệ
    # 3,62%." (a bare "Kết quả"/"tỷ lệ" takes the phrase of the statement it reports on)
    (RESULTS_AND_PLAN, "điều tra, rà soát hộ nghèo, hộ cận nghèo", 233.0, "hộ", "2022", "result", None),
    (RESULTS_AND_PLAN, "điều tra, rà soát hộ nghèo, hộ cận nghèo", 0.79, "%", "2022", "result", None),
    (RESULTS_AND_PLAN, "hộ cận nghèo", 1067.0, "hộ", "2022", "result", None),
    (RESULTS_AND_PLAN, "hộ cận nghèo", 3.62, "%", "2022", "result", None),
    # Under "B. CÁC CHỈ TIÊU, NHIỆM VỤ, GIẢI PHÁP CHỦ YẾU NĂM 2023 › I- Các chỉ tiêu chủ yếu":
    # "Tốc độ tăng trưởng giá trị sản xuất 12%." "Thu nhập bình quân đầu người đạt 82 triệu đồng." "Tổng vốn đầu tư
    # toàn xã hội đạt 2.650 tỷ đồng." "Giảm tỷ lệ hộ nghèo 0,19% (…)."
    (RESULTS_AND_PLAN, "Tốc độ tăng trưởng giá trị sản xuất", 12.0, "%", "2023", "target", None),
    (RESULTS_AND_PLAN, "Thu nhập bình quân đầu người", 82.0, "triệu đồng", "2023", "target", None),
    (RESULTS_AND_PLAN, "Tổng vốn đầu tư toàn xã hội", 2650.0, "tỷ đồng", "2023", "target", None),
    (RESULTS_AND_PLAN, "Giảm tỷ lệ hộ nghèo", 0.19, "%", "2023", "target", None),
    # "- Tổng vốn huy động đầu tư phát triển: Đạt 15.577 tỷ đồng."
    (RESOLUTION, "Tổng vốn huy động đầu tư phát triển", 15577.0, "tỷ đồng", "2024", "target", None),
    # "- Giảm 35% hộ nghèo A trên tổng số hộ nghèo A." (the indicator is written after the figure)
    (RESOLUTION, "hộ nghèo A trên tổng số hộ nghèo A", 35.0, "%", "2024", "target", None),
    # "- Tỷ lệ trẻ em suy dinh dưỡng về chiều cao theo độ tuổi giảm xuống còn dưới 11%."
    (
        RESOLUTION,
        "Tỷ lệ trẻ em suy dinh dưỡng về chiều cao theo độ tuổi",
        11.0,
        "%",
        "2024",
        "target",
        "below",
    ),
    # "- Tỷ lệ dân số tham gia bảo hiểm y tế 94 %."
    (RESOLUTION, "Tỷ lệ dân số tham gia bảo hiểm y tế", 94.0, "%", "2024", "target", None),
    # "- Tỷ lệ ấp, khu phố văn hóa đạt trên 90%; …"
    (RESOLUTION, "Tỷ lệ ấp, khu phố văn hóa", 90.0, "%", "2024", "target", "above"),
    # "- Trên 80% cơ quan, đơn vị thực hiện tốt dân vận chính quyền."
    (RESOLUTION, "cơ quan, đơn vị thực hiện tốt dân vận chính quyền", 80.0, "%", "2024", "target", "above"),
]


@cache
def parsed(document: str) -> ParsedDocument:
    normalized = normalize((SAMPLES / document).read_text(encoding="utf-8"))
    return parse_document(normalized.text, bold_spans=normalized.bold_spans)


@cache
def records(document: str) -> tuple[IndicatorRecord, ...]:
    document_parsed = parsed(document)
    return tuple(extract_indicators(document_parsed.text, document_parsed.sections, document_parsed.metadata))


def test_the_gold_list_covers_what_it_must() -> None:
    assert len(GOLD) >= 45
    assert {entry[0] for entry in GOLD} == set(LOCALITY)
    kinds = {(entry[0], entry[5]) for entry in GOLD}
    for document in (TERM_REPORT, RESULTS_AND_PLAN):
        assert {(document, kind) for kind in ("result", "target", "estimate")} <= kinds
    assert any(isinstance(entry[2], Range) for entry in GOLD)
    assert any(isinstance(entry[2], Fraction) for entry in GOLD)
    assert {"above", "below"} <= {entry[6] for entry in GOLD}


@pytest.mark.parametrize(("document", "indicator", "value", "unit", "period", "kind", "bound"), GOLD)
def test_gold_record(
    document: str,
    indicator: str,
    value: IndicatorValue,
    unit: str,
    period: str,
    kind: str,
    bound: str | None,
) -> None:
    metadata = parsed(document).metadata
    assert (metadata.locality or metadata.place) == LOCALITY[document]
    same_figure = [r for r in records(document) if r.value == value and r.unit == unit and r.kind == kind]
    found = [(r.indicator, r.period, r.bound) for r in same_figure]
    assert (indicator, period, bound) in found, found


def test_gold_values_are_spans_of_the_text() -> None:
    """The value as written is the document's own text at the record's value span."""
    for document in LOCALITY:
        text = parsed(document).text
        for record in records(document):
            assert text[record.value_start : record.value_end] == record.value_text
            assert record.sentence_start <= record.value_start < record.value_end <= record.sentence_end


@pytest.mark.parametrize("document", list(LOCALITY))
def test_every_poverty_figure_is_found_by_its_words(document: str) -> None:
    """A search for "hộ nghèo" lists the poverty figures of every sample that reports one; in 003 the
    figure "Kết quả còn 233 hộ, tỷ lệ 0,79%" names nothing itself and takes the statement it reports on."""
    poverty = [r for r in records(document) if "hộ nghèo" in fold(r.indicator)]
    expected = {entry[2] for entry in GOLD if entry[0] == document and "hộ nghèo" in fold(entry[1])}
    assert expected and expected <= {r.value for r in poverty}


SAME_KEY = [
    ("Tổng mức bán lẻ hàng hoá và doanh thu dịch vụ", "Tổng mức bán lẻ hàng hóa và doanh thu dịch vụ"),
    ("Ước tổng mức bán lẻ hàng hóa", "tổng mức bán lẻ hàng hóa"),
    ("tỷ lệ hộ nghèo khoảng", "Tỷ lệ hộ nghèo"),
    ("Tỷ lệ bao phủ bảo hiểm y tế trên địa bàn huyện", "Tỷ lệ bao phủ bảo hiểm y tế"),
    ("Tỷ lệ hộ sử dụng điện trên địa bàn tỉnh", "tỷ lệ hộ sử dụng điện"),
    ("TỔNG THU NGÂN SÁCH", "Tổng thu ngân sách"),
    ("Giá trị sản xuất công nghiệp năm 2025", "Giá trị sản xuất công nghiệp"),
    ("Tổng thu NSNN giai đoạn 2020-2025", "Tổng thu NSNN"),
    ("Giá trị sản xuất ngành công nghiệp", "Giá trị sản xuất công nghiệp"),
    ("thu nhập bình quân đầu người", "Thu nhập bình quân đầu người"),
    ("Tỷ lệ dân số tham gia bảo hiểm y tế ước đạt", "Tỷ lệ dân số tham gia bảo hiểm y tế"),
    ("Thủy sản", "thuỷ sản"),
]
DIFFERENT_KEY = [
    ("Tỷ lệ hộ nghèo", "Tỷ lệ hộ cận nghèo"),
    ("Giá trị sản xuất công nghiệp", "Giá trị sản xuất nông lâm nghiệp"),
    ("Thu mới ngân sách", "Tổng thu ngân sách"),
    ("Tổng thu NSNN", "Tổng chi NSNN"),
    ("Tỷ lệ hộ dân nông thôn sử dụng nước hợp vệ sinh", "Tỷ lệ hộ dân đô thị sử dụng nước sạch"),
    (
        "tỷ lệ hộ được sử dụng nước sạch khu vực thành thị",
        "tỷ lệ hộ được sử dụng nước sạch khu vực nông thôn",
    ),
    (
        "Tỷ lệ trẻ em suy dinh dưỡng về cân nặng theo độ tuổi",
        "Tỷ lệ trẻ em suy dinh dưỡng về chiều cao theo độ tuổi",
    ),
    (
        "Tỷ lệ lực lượng lao động trong độ tuổi tham gia bảo hiểm xã hội",
        "Tỷ lệ lực lượng lao động trong độ tuổi tham gia bảo hiểm thất nghiệp",
    ),
]


@pytest.mark.parametrize(("left", "right"), SAME_KEY)
def test_gold_pairs_share_a_key(left: str, right: str) -> None:
    assert indicator_key(left) == indicator_key(right)


@pytest.mark.parametrize(("left", "right"), DIFFERENT_KEY)
def test_gold_pairs_keep_apart(left: str, right: str) -> None:
    assert indicator_key(left) != indicator_key(right)


def test_a_result_and_its_target_share_a_key_across_sections() -> None:
    """003 reports "thu nhập bình quân đầu người 74,510 triệu đồng" for 2022 and sets "Thu nhập bình quân đầu
    người đạt 82 triệu đồng" for 2023: one key, two kinds, two periods."""
    income = [r for r in records(RESULTS_AND_PLAN) if r.value in (74.51, 82.0)]
    assert {(r.kind, r.period) for r in income} == {("result", "2022"), ("target", "2023")}
    assert len({r.key for r in income}) == 1


def test_a_fall_is_negative_and_a_level_after_giam_con_is_not() -> None:
    from ingestion.indicators import extract_indicators

    (fall,) = extract_indicators("Sản lượng lúa giảm 5,2% so cùng kỳ.")
    (level,) = extract_indicators("Tỷ lệ hộ nghèo giảm còn 2%.")
    assert (fall.kind, fall.value, fall.value_text) == ("growth", -5.2, "5,2%")
    assert (level.kind, level.value) == ("result", 2.0)


def test_a_unit_per_person_per_year_and_a_share_after_bang() -> None:
    from ingestion.indicators import extract_indicators

    (income,) = extract_indicators("Thu nhập bình quân đầu người: 84 triệu đồng/người/năm.")
    (share,) = extract_indicators("Tổng thu ngân sách nhà nước trên địa bàn bằng 104,5% dự toán năm.")
    assert (income.unit, income.value) == ("triệu đồng/người/năm", 84.0)
    assert (share.indicator, share.kind) == ("Tổng thu ngân sách nhà nước trên địa bàn", "share_of_plan")
