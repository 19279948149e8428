"""Indicator rows as tables and files people open in a spreadsheet: the pivot (one row per indicator and
place, columns by period), the chart data of one indicator, CSV (UTF-8 with BOM, so Excel reads the
diacritics) and Excel. One column list for the flat exports, in Vietnamese. Pure functions: no store.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from assistant.services.indicators import IndicatorRow
from ingestion.textnorm import fold, strip_diacritics

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

# (header, cell) in the order shown.
EXPORT_COLUMNS: tuple[tuple[str, Callable[[IndicatorRow], str | float | None]], ...] = (
    ("Chỉ tiêu", lambda r: r.indicator),
    ("Giá trị (như văn bản)", lambda r: r.value_text),
    ("Giá trị", lambda r: r.value),
    ("Cận dưới", lambda r: r.low),
    ("Cận trên", lambda r: r.high),
    ("Tử số", lambda r: r.numerator),
    ("Mẫu số", lambda r: r.denominator),
    ("Đơn vị", lambda r: r.unit),
    ("Kỳ", lambda r: r.period),
    ("Loại số liệu", lambda r: r.kind_label),
    ("Địa bàn", lambda r: r.locality),
    ("Văn bản", lambda r: r.citation.document),
    ("Mục", lambda r: " › ".join(r.citation.section_path)),
    ("Câu trong văn bản", lambda r: r.citation.sentence),
    ("Mã văn bản", lambda r: r.citation.doc_id),
    ("Khoá nhóm", lambda r: r.key),
)


def export_cells(row: IndicatorRow) -> list[str | float | None]:
    return [cell(row) for _, cell in EXPORT_COLUMNS]


def indicators_csv(rows: Sequence[IndicatorRow]) -> str:
    """The rows as CSV text, a header line first; decimals written with a point (machine-readable)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for header, _ in EXPORT_COLUMNS])
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in export_cells(row)])
    return out.getvalue()


# ------------------------------------------------------------------------------------------ pivot

PivotSlot = Literal["result", "target", "share_of_plan", "growth"]
# The columns of one period, side by side: what was done, what was planned, how much of the plan, the change.
PIVOT_SLOTS: tuple[tuple[PivotSlot, str], ...] = (
    ("result", "kết quả"),
    ("target", "chỉ tiêu"),
    ("share_of_plan", "tỷ lệ đạt"),
    ("growth", "tăng/giảm"),
)
PIVOT_LABEL_HEADERS = ("Chỉ tiêu", "Địa bàn / văn bản")
NO_PERIOD = "Không rõ kỳ"


@dataclass(frozen=True)
class PivotColumn:
    period: str
    slot: PivotSlot
    label: str

    @property
    def header(self) -> str:
        return f"{self.period} · {self.label}"


@dataclass(frozen=True)
class PivotRow:
    """One indicator in one place (the locality, else the document): its records by column."""

    key: str
    indicator: str
    place: str
    cells: Mapping[PivotColumn, tuple[IndicatorRow, ...]] = field(default_factory=dict)

    def text(self, column: PivotColumn) -> str:
        """The cell as the documents write it; different figures of one cell joined by "; "."""
        return "; ".join(dict.fromkeys(record.value_text for record in self.cells.get(column, ())))

    def records(self) -> list[IndicatorRow]:
        return [record for records in self.cells.values() for record in records]


@dataclass(frozen=True)
class IndicatorPivot:
    """The records grouped by indicator key, then place; columns are (period, slot), periods in time order,
    a slot shown only when some row fills it. ``record_count``: the records behind the table."""

    columns: tuple[PivotColumn, ...]
    rows: tuple[PivotRow, ...]
    record_count: int

    def headers(self) -> list[str]:
        return [*PIVOT_LABEL_HEADERS, *(column.header for column in self.columns)]

    def table(self) -> list[list[str]]:
        return [[row.indicator, row.place, *(row.text(c) for c in self.columns)] for row in self.rows]

    def records_at(self, row: int, column: int) -> list[IndicatorRow]:
        """The records behind a cell of :meth:`table`; a label cell stands for the whole row."""
        if not 0 <= row < len(self.rows):
            return []
        line = self.rows[row]
        if column < len(PIVOT_LABEL_HEADERS):
            return line.records()
        position = column - len(PIVOT_LABEL_HEADERS)
        return list(line.cells.get(self.columns[position], ())) if position < len(self.columns) else []


def _period_label(record: IndicatorRow) -> str:
    return record.period or NO_PERIOD


def _period_order(period: str, year: int | None) -> tuple[bool, int, int, str]:
    # A year before the term that ends in it ("2025" before "2020-2025"); no period last.
    return (year is None, year or 0, len(period), period)


def _group_order(key: str, place: str) -> tuple[str, str, str]:
    # Places in reading order whatever their diacritics ("Đông Hải" beside "Định Hoà", not after "Z").
    return key, strip_diacritics(fold(place)), place


def _place(record: IndicatorRow) -> str:
    return record.locality or record.citation.document


def _slot_records(by_kind: Mapping[str, list[IndicatorRow]], slot: PivotSlot) -> list[IndicatorRow]:
    """An estimate (ước thực hiện) stands for the result of a period that has no result yet."""
    if slot == "result":
        return by_kind.get("result") or by_kind.get("estimate") or []
    return by_kind.get(slot, [])


def _indicator_name(records: Sequence[IndicatorRow]) -> str:
    """The phrase the documents use most for the key; the shorter one of equally common phrases."""
    counts = Counter(record.indicator for record in records)
    return min(counts, key=lambda phrase: (-counts[phrase], len(phrase), phrase))


def indicator_pivot(records: Sequence[IndicatorRow]) -> IndicatorPivot:
    """The pivot of reports and plans: for each indicator and place, per period, the result (or the
    estimate), the target, the share of plan and the growth side by side; places of one indicator adjacent."""
    periods: dict[str, int | None] = {}
    groups: dict[tuple[str, str], dict[str, dict[str, list[IndicatorRow]]]] = {}
    for record in records:
        period = _period_label(record)
        periods.setdefault(period, record.year)
        by_period = groups.setdefault((record.key, _place(record)), {})
        by_period.setdefault(period, {}).setdefault(record.kind, []).append(record)
    ordered = sorted(periods, key=lambda p: _period_order(p, periods[p]))
    all_columns = [PivotColumn(period, slot, label) for period in ordered for slot, label in PIVOT_SLOTS]
    rows: list[PivotRow] = []
    for (key, place), by_period in sorted(groups.items(), key=lambda item: _group_order(*item[0])):
        cells = {
            column: tuple(found)
            for column in all_columns
            if (found := _slot_records(by_period.get(column.period, {}), column.slot))
        }
        everything = [r for by_kind in by_period.values() for kind in by_kind.values() for r in kind]
        rows.append(PivotRow(key, _indicator_name(everything), place, cells))
    used = [column for column in all_columns if any(column in row.cells for row in rows)]
    return IndicatorPivot(tuple(used), tuple(rows), len(records))


# ------------------------------------------------------------------------------------------ chart


@dataclass(frozen=True)
class ChartPoint:
    x: str  # the period, or the place when the chart compares places in one period
    series: str
    value: float


@dataclass(frozen=True)
class IndicatorChart:
    """One indicator's plain numbers in one unit. ``by_place``: one period, so x is the place."""

    indicator: str
    unit: str
    by_place: bool
    points: tuple[ChartPoint, ...]
    x_order: tuple[str, ...]


def indicator_chart(pivot: IndicatorPivot, key: str) -> IndicatorChart | None:
    """The chart of the indicator ``key`` across periods (or across places when it has one period): the
    cells holding a plain number, in the unit its results and targets use most; None when nothing plots."""
    cells = [
        (row, column, record)
        for row in pivot.rows
        if row.key == key
        for column in pivot.columns
        for record in row.cells.get(column, ())[:1]
        if record.value is not None
    ]
    if not cells:
        return None
    # The unit of the results and targets first: shares of plan and growth rates ("%") only when none.
    main = Counter(record.unit for _, column, record in cells if column.slot in ("result", "target"))
    every = Counter(record.unit for _, _, record in cells)
    unit = min(every, key=lambda u: (-main[u], -every[u], u))
    cells = [cell for cell in cells if cell[2].unit == unit]
    periods = list(dict.fromkeys(column.period for _, column, _ in cells))
    places = list(dict.fromkeys(row.place for row, _, _ in cells))
    by_place = len(periods) == 1 and len(places) > 1
    points = []
    for row, column, record in cells:
        assert record.value is not None
        if by_place:
            points.append(ChartPoint(row.place, column.label, record.value))
        else:
            series = column.label if len(places) == 1 else f"{row.place} · {column.label}"
            points.append(ChartPoint(column.period, series, record.value))
    name = next(row.indicator for row in pivot.rows if row.key == key)
    return IndicatorChart(name, unit, by_place, tuple(points), tuple(places if by_place else periods))


# ------------------------------------------------------------------------------------------ Excel

XLSX_RECORDS_SHEET = "Số liệu"
XLSX_PIVOT_SHEET = "Bảng tổng hợp"
_MIN_WIDTH, _MAX_WIDTH = 8, 60


def indicators_xlsx(rows: Sequence[IndicatorRow]) -> bytes:
    """An Excel workbook: every record under :data:`EXPORT_COLUMNS` (numbers as numbers), then the pivot
    (:func:`indicator_pivot`, periods over their slots, cells as the documents write them)."""
    from openpyxl import Workbook

    book = Workbook()
    records = book.active
    assert records is not None
    records.title = XLSX_RECORDS_SHEET
    _write_rows(records, [[header for header, _ in EXPORT_COLUMNS], *(export_cells(r) for r in rows)])
    records.freeze_panes = "B2"
    if rows:
        records.auto_filter.ref = records.dimensions
    _write_pivot(book.create_sheet(XLSX_PIVOT_SHEET), indicator_pivot(rows))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write_pivot(sheet: Worksheet, pivot: IndicatorPivot) -> None:
    labels = len(PIVOT_LABEL_HEADERS)
    periods = [*PIVOT_LABEL_HEADERS, *(column.period for column in pivot.columns)]
    slots = [""] * labels + [column.label for column in pivot.columns]
    _write_rows(sheet, [periods, slots, *pivot.table()], header_rows=2)
    # One merged period heading over its slots; the label headings span both header rows.
    for position in range(labels):
        sheet.merge_cells(start_row=1, end_row=2, start_column=position + 1, end_column=position + 1)
    start = labels
    while start < len(periods):
        end = start
        while end + 1 < len(periods) and periods[end + 1] == periods[start]:
            end += 1
        if end > start:
            sheet.merge_cells(start_row=1, end_row=1, start_column=start + 1, end_column=end + 1)
        start = end + 1
    sheet.freeze_panes = sheet.cell(row=3, column=labels + 1)


def _write_rows(sheet: Worksheet, rows: Sequence[Sequence[str | float | None]], header_rows: int = 1) -> None:
    """``rows`` into ``sheet``: header rows bold, text always text (a sentence starting with "=" is not a
    formula), each column as wide as its longest cell within bounds."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    bold, top = Font(bold=True), Alignment(vertical="top", wrap_text=True)
    for row_number, values in enumerate(rows, start=1):
        for column_number, value in enumerate(values, start=1):
            cell = sheet.cell(row=row_number, column=column_number)
            if isinstance(value, str):
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.data_type = "s"
            else:
                cell.value = value
            cell.alignment = top
            if row_number <= header_rows:
                cell.font = bold
            shown = len(str(value)) if value is not None else 0
            widths[column_number] = max(widths.get(column_number, 0), shown)
    for column_number, width in widths.items():
        letter = get_column_letter(column_number)
        sheet.column_dimensions[letter].width = max(_MIN_WIDTH, min(_MAX_WIDTH, width + 2))
