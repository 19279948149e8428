"""The indicator tables and files: the pivot of hand-made records (periods, slots, places, estimates), the
chart data of one indicator, and the Excel workbook read back with openpyxl."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl

from assistant.services.indicator_export import (
    EXPORT_COLUMNS,
    NO_PERIOD,
    PIVOT_LABEL_HEADERS,
    XLSX_PIVOT_SHEET,
    XLSX_RECORDS_SHEET,
    indicator_chart,
    indicator_pivot,
    indicators_csv,
    indicators_xlsx,
)
from assistant.services.indicators import KIND_LABELS, IndicatorCitation, IndicatorRow
from ingestion.indicators import IndicatorKind

REPORT_LABEL = "Báo cáo số 118/BC-UBND ngày 05/12/2023"


def row(
    key: str,
    value: float | None,
    value_text: str,
    kind: IndicatorKind,
    period: str | None,
    *,
    locality: str | None = "Hòa An",
    unit: str = "tỷ đồng",
    indicator: str | None = None,
    document: str = REPORT_LABEL,
    **shape: Any,
) -> IndicatorRow:
    """A record as the service gives it; ``year`` from the period's last year."""
    year = int(period[-4:]) if period and period[-4:].isdigit() else None
    sentence = f"{indicator or key} đạt {value_text}."
    return IndicatorRow(
        indicator=indicator or key.capitalize(),
        key=key,
        value_text=value_text,
        value=value,
        unit=unit,
        bound=None,
        period=period,
        year=year,
        kind=kind,
        kind_label=KIND_LABELS[kind],
        locality=locality,
        citation=IndicatorCitation(
            doc_id="bao-cao-118",
            document=document,
            doc_number="118/BC-UBND",
            date=None,
            issuer="UBND huyện Hòa An",
            section_id="1.2",
            section_path=["I. KẾT QUẢ", "2. Thu ngân sách"],
            sentence=sentence,
            sentence_start=100,
            sentence_end=100 + len(sentence),
            value_start=100 + sentence.index(value_text),
            value_end=100 + sentence.index(value_text) + len(value_text),
        ),
        **shape,
    )


BUDGET = "thu ngan sach"


def test_a_period_shows_result_target_share_and_growth_side_by_side() -> None:
    records = [
        row(BUDGET, 612, "612 tỷ đồng", "result", "2023"),
        row(BUDGET, 104.5, "104,5%", "share_of_plan", "2023", unit="%"),
        row(BUDGET, 9.8, "9,8%", "growth", "2023", unit="%"),
        row(BUDGET, 650, "650 tỷ đồng", "target", "2024"),
        row(BUDGET, 580, "580 tỷ đồng", "target", "2023"),
    ]
    pivot = indicator_pivot(records)
    assert pivot.record_count == 5
    assert pivot.headers() == [
        *PIVOT_LABEL_HEADERS,
        "2023 · kết quả",
        "2023 · chỉ tiêu",
        "2023 · tỷ lệ đạt",
        "2023 · tăng/giảm",
        "2024 · chỉ tiêu",  # no result, share or growth in 2024: those columns are left out
    ]
    assert pivot.table() == [
        ["Thu ngan sach", "Hòa An", "612 tỷ đồng", "580 tỷ đồng", "104,5%", "9,8%", "650 tỷ đồng"]
    ]


def test_an_estimate_stands_for_the_result_only_when_there_is_no_result() -> None:
    records = [
        row(BUDGET, 600, "600 tỷ đồng", "estimate", "2023"),
        row(BUDGET, 612, "612 tỷ đồng", "result", "2023"),
        row(BUDGET, 700, "700 tỷ đồng", "estimate", "2024"),
    ]
    pivot = indicator_pivot(records)
    assert pivot.headers()[2:] == ["2023 · kết quả", "2024 · kết quả"]
    assert pivot.table()[0][2:] == ["612 tỷ đồng", "700 tỷ đồng"]


def test_places_of_one_indicator_are_adjacent_and_in_reading_order() -> None:
    records = [
        row("dien tich lua", 12400, "12.400 ha", "result", "2023", unit="ha", locality="Hòa An"),
        row(BUDGET, 612, "612 tỷ đồng", "result", "2023", locality="Hòa An"),
        row(BUDGET, 300, "300 tỷ đồng", "result", "2023", locality="Đông Hải"),
        row(BUDGET, 250, "250 tỷ đồng", "result", "2023", locality="Bình Minh"),
        # No locality: the document names the row.
        row(BUDGET, 99, "99 tỷ đồng", "result", "2023", locality=None, document="Báo cáo số 7/BC-UBND"),
    ]
    table = indicator_pivot(records).table()
    assert [line[:2] for line in table] == [
        ["Dien tich lua", "Hòa An"],
        ["Thu ngan sach", "Báo cáo số 7/BC-UBND"],
        ["Thu ngan sach", "Bình Minh"],
        ["Thu ngan sach", "Đông Hải"],  # "Đ" reads as "D", before "H", not after "Z"
        ["Thu ngan sach", "Hòa An"],
    ]


def test_periods_run_in_time_order_and_records_without_a_period_come_last() -> None:
    records = [
        row(BUDGET, 1, "1 tỷ đồng", "target", "2020-2025"),
        row(BUDGET, 2, "2 tỷ đồng", "result", None),
        row(BUDGET, 3, "3 tỷ đồng", "target", "2025"),
        row(BUDGET, 4, "4 tỷ đồng", "result", "2021"),
    ]
    periods = [column.period for column in indicator_pivot(records).columns]
    assert periods == ["2021", "2025", "2020-2025", NO_PERIOD]


def test_a_cell_holds_every_record_behind_it_and_a_label_cell_the_whole_row() -> None:
    first = row(BUDGET, 612, "612 tỷ đồng", "result", "2023", document="Báo cáo A")
    again = row(BUDGET, 612, "612 tỷ đồng", "result", "2023", document="Báo cáo B")
    other = row(BUDGET, 615, "615 tỷ đồng", "result", "2023", document="Báo cáo C")
    target = row(BUDGET, 580, "580 tỷ đồng", "target", "2023")
    pivot = indicator_pivot([first, again, other, target])
    # The same figure from two documents shows once; a different one beside it.
    assert pivot.table()[0][2] == "612 tỷ đồng; 615 tỷ đồng"
    assert pivot.records_at(0, 2) == [first, again, other]
    assert pivot.records_at(0, 3) == [target]
    assert sorted(r.value or 0 for r in pivot.records_at(0, 0)) == [580, 612, 612, 615]
    assert pivot.records_at(1, 2) == [] and pivot.records_at(0, 99) == []


def test_the_most_used_phrase_names_the_indicator() -> None:
    records = [
        row(BUDGET, 1, "1 tỷ đồng", "result", "2021", indicator="Tổng thu ngân sách nhà nước trên địa bàn"),
        row(BUDGET, 2, "2 tỷ đồng", "result", "2022", indicator="Thu ngân sách"),
        row(BUDGET, 3, "3 tỷ đồng", "result", "2023", indicator="Thu ngân sách"),
    ]
    assert indicator_pivot(records).rows[0].indicator == "Thu ngân sách"


def test_the_chart_follows_periods_in_the_unit_of_results_and_targets() -> None:
    records = [
        row(BUDGET, 612, "612 tỷ đồng", "result", "2023"),
        row(BUDGET, 9.8, "9,8%", "growth", "2023", unit="%"),
        row(BUDGET, 650, "650 tỷ đồng", "target", "2024"),
        row(BUDGET, 700, "700 tỷ đồng", "result", "2024"),
        row(BUDGET, None, "5 - 7 tỷ đồng", "target", "2025", low=5, high=7),  # a range is not a point
    ]
    chart = indicator_chart(indicator_pivot(records), BUDGET)
    assert chart is not None
    assert (chart.unit, chart.by_place, chart.x_order) == ("tỷ đồng", False, ("2023", "2024"))
    assert [(p.x, p.series, p.value) for p in chart.points] == [
        ("2023", "kết quả", 612),
        ("2024", "kết quả", 700),
        ("2024", "chỉ tiêu", 650),
    ]


def test_rates_do_not_outvote_the_results_unit() -> None:
    records = [
        row(BUDGET, 518.4, "518 tỷ 359 triệu đồng", "result", "2021"),
        row(BUDGET, 94, "94%", "share_of_plan", "2021", unit="%"),
        row(BUDGET, 39, "39%", "growth", "2021", unit="%"),
        row(BUDGET, 116, "116%", "share_of_plan", "2020-2025", unit="%"),
    ]
    chart = indicator_chart(indicator_pivot(records), BUDGET)
    assert chart is not None and chart.unit == "tỷ đồng"
    assert [(p.x, p.value) for p in chart.points] == [("2021", 518.4)]
    only_rates = indicator_chart(indicator_pivot(records[1:]), BUDGET)
    assert only_rates is not None and only_rates.unit == "%" and len(only_rates.points) == 3


def test_one_period_in_several_places_charts_the_places() -> None:
    records = [
        row(BUDGET, 612, "612 tỷ đồng", "result", "2023", locality="Hòa An"),
        row(BUDGET, 300, "300 tỷ đồng", "result", "2023", locality="Bình Minh"),
    ]
    chart = indicator_chart(indicator_pivot(records), BUDGET)
    assert chart is not None and chart.by_place
    assert [(p.x, p.series, p.value) for p in chart.points] == [
        ("Bình Minh", "kết quả", 300),
        ("Hòa An", "kết quả", 612),
    ]
    assert indicator_chart(indicator_pivot(records), "khong co") is None


def test_the_workbook_holds_every_record_with_numbers_as_numbers_and_the_pivot() -> None:
    records = [
        row(BUDGET, 612, "612 tỷ đồng", "result", "2023"),
        row(BUDGET, 650, "650 tỷ đồng", "target", "2024"),
        row("ty le ho ngheo", None, "08/08 xã", "result", "2023", unit="xã", numerator=8, denominator=8),
        # A sentence a spreadsheet would take for a formula stays text.
        row(BUDGET, 1, "=1+1 tỷ đồng", "result", "2022", indicator="=SUM(A1:A2)"),
    ]
    book = openpyxl.load_workbook(io.BytesIO(indicators_xlsx(records)))
    assert book.sheetnames == [XLSX_RECORDS_SHEET, XLSX_PIVOT_SHEET]

    sheet = book[XLSX_RECORDS_SHEET]
    lines = [list(line) for line in sheet.iter_rows(values_only=True)]
    assert lines[0] == [header for header, _ in EXPORT_COLUMNS]
    assert len(lines) == 1 + len(records)
    column = {header: position for position, (header, _) in enumerate(EXPORT_COLUMNS)}
    assert lines[1][column["Giá trị"]] == 612 and isinstance(lines[1][column["Giá trị"]], int | float)
    assert lines[1][column["Giá trị (như văn bản)"]] == "612 tỷ đồng"
    assert lines[1][column["Văn bản"]] == REPORT_LABEL
    assert lines[1][column["Mục"]] == "I. KẾT QUẢ › 2. Thu ngân sách"
    assert (lines[3][column["Tử số"]], lines[3][column["Mẫu số"]]) == (8, 8)
    assert lines[3][column["Giá trị"]] is None
    assert lines[4][column["Chỉ tiêu"]] == "=SUM(A1:A2)"
    assert sheet.cell(row=2, column=column["Chỉ tiêu"] + 1).data_type == "s"
    # Readable widths: a sentence column wider than a number column, none wider than the cap.
    widths = {letter: dimension.width for letter, dimension in sheet.column_dimensions.items()}
    assert widths["N"] > widths["C"] >= 8 and max(widths.values()) <= 60

    pivot = book[XLSX_PIVOT_SHEET]
    pivot_lines = [list(line) for line in pivot.iter_rows(values_only=True)]
    assert pivot_lines[0][:3] == [*PIVOT_LABEL_HEADERS, "2022"]
    assert pivot_lines[1][2] == "kết quả"
    flat = [cell for line in pivot_lines for cell in line]
    assert {"612 tỷ đồng", "650 tỷ đồng", "08/08 xã", "2023", "2024"} <= set(flat)
    assert len(pivot_lines) == 2 + len(indicator_pivot(records).rows)


def test_an_empty_selection_still_gives_a_workbook_with_headers() -> None:
    book = openpyxl.load_workbook(io.BytesIO(indicators_xlsx([])))
    lines = list(book[XLSX_RECORDS_SHEET].iter_rows(values_only=True))
    assert list(lines[0]) == [header for header, _ in EXPORT_COLUMNS] and len(lines) == 1
    assert next(book[XLSX_PIVOT_SHEET].iter_rows(values_only=True)) == PIVOT_LABEL_HEADERS


def test_the_csv_has_the_same_columns() -> None:
    text = indicators_csv([row(BUDGET, 612, "612 tỷ đồng", "result", "2023")])
    header, line = list(csv.reader(io.StringIO(text)))
    assert header == [name for name, _ in EXPORT_COLUMNS]
    assert line[header.index("Giá trị")] == "612.0"


def test_the_tabs_source_card_shows_document_text_as_text_with_the_figure_marked() -> None:
    from ui.tabs.indicators import sources_html

    record = row(BUDGET, 612, "612 tỷ đồng", "result", "2023", indicator="Thu <script>x()</script>")
    # No document to open (deleted since): the card falls back to the sentence itself.
    html = sources_html([record], lambda _doc_id: None)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<mark class="vk-match">612 tỷ đồng</mark>' in html
    assert REPORT_LABEL in html and "I. KẾT QUẢ › 2. Thu ngân sách" in html
    assert "không có số liệu" in sources_html([], lambda _doc_id: None)
