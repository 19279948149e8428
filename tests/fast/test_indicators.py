"""Figure statements become typed records (ingestion.indicators): pure, no store."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.indicators import Fraction, IndicatorRecord, Range, extract_indicators, indicator_key
from ingestion.model import DocumentMetadata
from ingestion.normalize import normalize
from ingestion.parser import parse_document

ROOT = Path(__file__).resolve().parents[2]


def only(text: str) -> IndicatorRecord:
    records = extract_indicators(text)
    assert len(records) == 1, records
    return records[0]


def test_result_growth_and_share_of_plan_in_one_sentence() -> None:
    text = "Giá trị sản xuất ngành thủy sản thực hiện được 1.250 tỷ đồng, tăng 6,5% so với năm 2022 và đạt 101,2% kế hoạch năm."
    first, growth, share = extract_indicators(text)
    assert (first.indicator, first.value, first.unit, first.kind) == (
        "Giá trị sản xuất ngành thủy sản",
        1250.0,
        "tỷ đồng",
        "result",
    )
    assert (growth.value, growth.unit, growth.kind, growth.indicator) == (6.5, "%", "growth", first.indicator)
    assert (share.value, share.kind, share.key) == (101.2, "share_of_plan", first.key)
    assert text[share.value_start : share.value_end] == "101,2%"
    assert text[first.start : first.end] == "Giá trị sản xuất ngành thủy sản thực hiện được 1.250 tỷ đồng"


def test_estimate_with_year_and_comparison_year_not_taken_as_period() -> None:
    text = "Ước tổng mức bán lẻ hàng hóa năm 2023 là 5.120 tỷ đồng, tăng 9,1% so với năm 2022."
    estimate, growth = extract_indicators(text)
    assert estimate.kind == "estimate" and estimate.indicator == "tổng mức bán lẻ hàng hóa"
    assert estimate.period == "2023" and growth.period == "2023"


def test_target_with_until_year_and_above_bound() -> None:
    record = only("Phấn đấu đến năm 2030, tỷ lệ trường học đạt chuẩn quốc gia trên 90%.")
    assert (record.kind, record.value, record.unit, record.bound, record.period) == (
        "target",
        90.0,
        "%",
        "above",
        "đến 2030",
    )
    assert record.indicator == "tỷ lệ trường học đạt chuẩn quốc gia"


def test_plan_sentence_is_a_target() -> None:
    record = only("Chỉ tiêu giao năm 2024: thu ngân sách nhà nước kế hoạch năm 2024 là 640 tỷ đồng.")
    assert record.kind == "target" and record.period == "2024" and record.value == 640.0


def test_ranges_with_dashes() -> None:
    growth = only("Giá trị sản xuất công nghiệp tăng bình quân hằng năm: 11% - 13%.")
    assert (growth.value, growth.unit, growth.kind) == (Range(11.0, 13.0), "%", "growth")
    assert growth.indicator == "Giá trị sản xuất công nghiệp"
    en_dash = only("Thu ngân sách tăng bình quân hằng năm 13–15%.")
    assert en_dash.value == Range(13.0, 15.0)
    assert only("Số xã đạt nông thôn mới kiểu mẫu phấn đấu từ 03 - 05 xã.").value == Range(3.0, 5.0)


def test_bounds_below_and_at_least() -> None:
    assert only("Tỷ lệ hộ nghèo dưới 1,5%.").bound == "below"
    assert only("Tỷ lệ đảng viên hoàn thành tốt nhiệm vụ từ 90% trở lên.").bound == "at_least"


def test_fractions() -> None:
    record = only("Tỷ lệ xã đạt chuẩn nông thôn mới nâng cao 09/09 xã.")
    assert (record.value, record.unit, record.value_text) == (Fraction(9.0, 9.0), "xã", "09/09 xã")
    assert only("Kết quả có 18/18 chỉ tiêu đạt và vượt nghị quyết.").value == Fraction(18.0, 18.0)


def test_billions_and_millions_are_one_value() -> None:
    record = only("Tổng chi ngân sách ước thực hiện là 2.345 tỷ 678 triệu đồng.")
    assert (record.value, record.unit, record.kind) == (2345.678, "tỷ đồng", "estimate")
    assert record.value_text == "2.345 tỷ 678 triệu đồng"
    assert only("Hỗ trợ kinh phí 250 triệu đồng.").unit == "triệu đồng"


def test_two_shares_of_two_plans_and_a_term_period() -> None:
    text = "Tổng thu ngân sách giai đoạn 2020-2025 là 9.000 tỷ đồng, đạt 120% dự toán Tỉnh giao và 105% dự toán HĐND thông qua."
    total, province, council = extract_indicators(text)
    assert total.period == province.period == council.period == "2020-2025"
    assert [r.kind for r in (total, province, council)] == ["result", "share_of_plan", "share_of_plan"]
    assert council.value == 105.0 and council.indicator == "Tổng thu ngân sách"


def test_two_indicators_in_one_sentence() -> None:
    text = "Tỷ lệ hộ sử dụng điện đạt 99,8%; tỷ lệ hộ dân đô thị sử dụng nước sạch 78,5%."
    electricity, water = extract_indicators(text)
    assert electricity.indicator == "Tỷ lệ hộ sử dụng điện" and electricity.value == 99.8
    assert water.indicator == "tỷ lệ hộ dân đô thị sử dụng nước sạch" and water.value == 78.5
    assert electricity.key != water.key


def test_decreasing_to_a_level_is_a_result_not_growth() -> None:
    record = only("Tỷ lệ hộ nghèo giảm còn 0,8% theo chuẩn của Tỉnh.")
    assert (record.kind, record.indicator, record.value) == ("result", "Tỷ lệ hộ nghèo", 0.8)


def test_years_dates_and_bare_counts_are_no_records() -> None:
    assert (
        extract_indicators("Ngày 15/3/2024, Huyện ủy ban hành Nghị quyết số 12-NQ/HU nhiệm kỳ 2020 - 2025.")
        == []
    )
    assert extract_indicators("Quy hoạch chi tiết tỷ lệ 1/500 đã được phê duyệt.") == []


def test_document_period_when_the_sentence_names_none() -> None:
    records = extract_indicators(
        "Số lao động có việc làm mới 1.200 người.", metadata=DocumentMetadata(period="2022")
    )
    assert records[0].period == "2022" and records[0].unit == "người"


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Tổng mức bán lẻ hàng hoá và doanh thu dịch vụ", "tổng mức bán lẻ hàng hóa và doanh thu dịch vụ"),
        ("Giá trị sản xuất ngành công nghiệp", "giá trị sản xuất công nghiệp"),
        ("Ước tổng mức bán lẻ hàng hóa", "tổng mức bán lẻ hàng hóa"),
        ("Tỷ lệ bao phủ bảo hiểm y tế trên địa bàn huyện", "Tỷ lệ bao phủ bảo hiểm y tế"),
        ("tỷ lệ hộ nghèo khoảng", "Tỷ lệ hộ nghèo"),
        ("Thủy sản", "thuỷ sản"),
    ],
)
def test_same_indicator_shares_a_key(left: str, right: str) -> None:
    assert indicator_key(left) == indicator_key(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Giá trị sản xuất công nghiệp", "Giá trị sản xuất nông lâm nghiệp"),
        ("Tỷ lệ hộ nghèo", "Tỷ lệ hộ cận nghèo"),
        ("Tỷ lệ hộ dân nông thôn sử dụng nước hợp vệ sinh", "Tỷ lệ hộ dân đô thị sử dụng nước sạch"),
        ("Thu mới ngân sách", "Tổng thu ngân sách"),
    ],
)
def test_different_indicators_do_not_share_a_key(left: str, right: str) -> None:
    assert indicator_key(left) != indicator_key(right)


def test_records_of_a_real_year_report() -> None:
    """data/samples/002 (Bắc Tân Uyên, report for 2021), sentences checked by hand:

    "Giá trị sản xuất ngành công nghiệp ước thực hiện được 4.731 tỷ đồng, tăng 10,28% so với năm 2020
    và đạt 99,35% kế hoạch năm." and "ước thu mới ngân sách là 518 tỷ 359 triệu đồng, giảm 39% so với
    năm 2020, đạt 94% dự toán tỉnh giao và 88% dự toán HĐND thông qua."
    """
    normalized = normalize((ROOT / "data/samples/002_8960d5a2a2e1878e.txt").read_text(encoding="utf-8"))
    parsed = parse_document(normalized.text, bold_spans=normalized.bold_spans)
    records = extract_indicators(parsed.text, parsed.sections, parsed.metadata)
    found = {(r.indicator, r.value, r.unit, r.kind, r.period) for r in records}
    assert ("Giá trị sản xuất ngành công nghiệp", 4731.0, "tỷ đồng", "estimate", "2021") in found
    assert ("Giá trị sản xuất ngành công nghiệp", 10.28, "%", "growth", "2021") in found
    assert ("Giá trị sản xuất ngành công nghiệp", 99.35, "%", "share_of_plan", "2021") in found
    assert ("Giá trị sản xuất ngành nông nghiệp", 2637.0, "tỷ đồng", "result", "2021") in found
    assert ("thu mới ngân sách", 518.359, "tỷ đồng", "estimate", "2021") in found
    assert ("thu mới ngân sách", -39.0, "%", "growth", "2021") in found  # "giảm 39%"
    assert ("thu mới ngân sách", 88.0, "%", "share_of_plan", "2021") in found
    industry = next(r for r in records if r.value == 4731.0)
    assert parsed.text[industry.value_start : industry.value_end] == "4.731 tỷ đồng"
    assert industry.section_id is not None and industry.section_id != "0"
    by_key = {r.key for r in records if r.indicator.startswith("Giá trị sản xuất ngành công nghiệp")}
    assert by_key == {indicator_key("giá trị sản xuất công nghiệp")}


def test_records_of_a_real_term_report_with_results_and_targets() -> None:
    """data/samples/000 (term report 2020-2025 with the next term's targets), checked by hand:

    "Giá trị sản xuất công nghiệp ước thực hiện năm 2025 là 7.687 tỷ đồng, tăng bình quân hằng năm là 12,37%."
    "Tổng thu NSNN ước thực hiện giai đoạn 2020-2025 là 10.964 tỷ 145 triệu đồng, đạt 156% dự toán Tỉnh giao …"
    "Tỷ lệ hộ dân đô thị sử dụng nước sạch 76,61 %." (results) and, under "A. MỤC TIÊU CHỦ YẾU":
    "Giá trị sản xuất công nghiệp tăng bình quân hằng năm: 13% - 15%." "Tỷ lệ hộ dân đô thị sử dụng nước
    sạch 80%." "Tỷ lệ hộ nghèo theo chuẩn nghèo đa chiều mới dưới 2%." (targets)
    """
    normalized = normalize((ROOT / "data/samples/000_2265b64d677103f7.txt").read_text(encoding="utf-8"))
    parsed = parse_document(normalized.text, bold_spans=normalized.bold_spans)
    records = extract_indicators(parsed.text, parsed.sections, parsed.metadata)
    found = {(r.indicator, r.value, r.unit, r.kind) for r in records}
    assert ("Giá trị sản xuất công nghiệp", 7687.0, "tỷ đồng", "estimate") in found
    assert ("Giá trị sản xuất công nghiệp", 12.37, "%", "growth") in found
    # A growth rate set as a goal under "MỤC TIÊU CHỦ YẾU" is a target, for the next term.
    assert ("Giá trị sản xuất công nghiệp", Range(13.0, 15.0), "%", "target") in found
    planned = next(r for r in records if r.value == Range(13.0, 15.0))
    assert planned.period == "2025-2030"
    assert ("Tổng thu NSNN", 10964.145, "tỷ đồng", "estimate") in found
    assert ("Tổng thu NSNN", 156.0, "%", "share_of_plan") in found
    assert ("Tỷ lệ hộ nghèo theo chuẩn nghèo đa chiều mới", 2.0, "%", "target") in found
    assert any(r.value == Fraction(23.0, 23.0) and r.unit == "chỉ tiêu" for r in records)
    water = [r for r in records if r.indicator == "Tỷ lệ hộ dân đô thị sử dụng nước sạch"]
    assert [(r.value, r.kind) for r in water] == [(76.61, "result"), (80.0, "target")]
    assert len({r.key for r in water}) == 1
    estimate = next(r for r in records if r.value == 7687.0)
    assert estimate.period == "2025"
    total = next(r for r in records if r.value == 10964.145)
    assert (total.period, parsed.text[total.value_start : total.value_end]) == (
        "2020-2025",
        "10.964 tỷ 145 triệu đồng",
    )


def test_words_running_on_from_a_unit_do_not_become_an_indicator() -> None:
    text = "Thủy sản: sản lượng 5.210,5 tấn cá thương phẩm, đạt 103,2% kế hoạch, tăng 1,5% so cùng kỳ."
    output, share, growth = extract_indicators(text)
    assert output.indicator == share.indicator == growth.indicator == "sản lượng"
    assert (share.kind, growth.kind, output.unit) == ("share_of_plan", "growth", "tấn")


def test_a_full_stop_run_on_into_the_next_sentence_still_ends_it() -> None:
    text = "Tỷ lệ người dân được quản lý sức khỏe trên 92%.Tỷ lệ hộ cận nghèo dưới 3%."
    health, near_poor = extract_indicators(text)
    assert near_poor.indicator == "Tỷ lệ hộ cận nghèo" and near_poor.bound == "below"
    assert health.bound == "above"


def test_a_bracket_after_a_figure_speaks_of_its_indicator() -> None:
    text = "Kinh tế có vốn đầu tư nước ngoài là 1.500 tỷ đồng (tăng 8,2%), đạt 97% kế hoạch."
    value, growth, share = extract_indicators(text)
    assert growth.indicator == share.indicator == value.indicator == "Kinh tế có vốn đầu tư nước ngoài"
    assert (growth.kind, share.kind) == ("growth", "share_of_plan")


def test_the_plan_figure_beside_a_result_is_a_target() -> None:
    growth, plan = extract_indicators("Tốc độ tăng trưởng kinh tế tăng 9,5% (NQ 10%).")
    assert (growth.kind, plan.kind, plan.indicator, plan.value) == (
        "growth",
        "target",
        growth.indicator,
        10.0,
    )


def test_a_resolution_sets_targets_unless_it_reports_results() -> None:
    resolution = DocumentMetadata(doc_type="Nghị quyết", period="2024")
    target = extract_indicators("Tỷ lệ dân số tham gia bảo hiểm y tế 95%.", metadata=resolution)[0]
    assert (target.kind, target.period) == ("target", "2024")
    result = extract_indicators("Năm qua đã thực hiện được 120 tỷ đồng thu ngân sách.", metadata=resolution)
    assert [r.kind for r in result] == ["result"]
    report = DocumentMetadata(doc_type="Báo cáo", period="2024")
    assert extract_indicators("Tỷ lệ dân số tham gia bảo hiểm y tế 95%.", metadata=report)[0].kind == "result"


def test_records_of_a_real_resolution() -> None:
    """data/samples/004 (Nghị quyết on the targets for 2024), checked by hand under "I. CÁC CHỈ TIÊU CHỦ YẾU":
    "- Tổng vốn huy động đầu tư phát triển: Đạt 15.577 tỷ đồng"."""
    normalized = normalize((ROOT / "data/samples/004_b15d4e577a10df04.txt").read_text(encoding="utf-8"))
    parsed = parse_document(normalized.text, bold_spans=normalized.bold_spans)
    records = extract_indicators(parsed.text, parsed.sections, parsed.metadata)
    capital = next(r for r in records if r.value == 15577.0)
    assert (capital.indicator, capital.unit, capital.kind, capital.period) == (
        "Tổng vốn huy động đầu tư phát triển",
        "tỷ đồng",
        "target",
        "2024",
    )
