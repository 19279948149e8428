"""The Chỉ tiêu tab: the figures the documents state, as a table by indicator and place with periods side by
side (:func:`~assistant.services.indicator_export.indicator_pivot`), a chart of one indicator, every cell
opening the sentence it comes from, and the filtered records as Excel or CSV.

The records come from the indicator service, as ``GET /api/indicators`` and ``vankien indicators`` give
them. The filter choices come from the records themselves and are read again each time the tab opens, so
documents added or removed anywhere (the Văn bản tab, the API, the CLI) show up.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from assistant.services.indicator_export import (
    PIVOT_LABEL_HEADERS,
    IndicatorChart,
    IndicatorPivot,
    indicator_chart,
    indicator_pivot,
    indicators_csv,
    indicators_xlsx,
)
from assistant.services.indicators import (
    KIND_LABELS,
    IndicatorRow,
    all_indicators,
    indicator_query,
    list_indicators,
)
from assistant.services.runtime import Runtime, RuntimeGetter
from ui.render import (
    PATH_SEPARATOR,
    RecordLookup,
    escape_html,
    escape_markdown,
    highlight_span,
    section_view,
)
from ui.tabs.common import ALL_YEARS, Guard, TabParts, input_row

# A row's label cell opens all its records; past this many the panel says how many more there are.
MAX_SOURCES_SHOWN = 12
MAX_SEARCH_CHARS = 200
# Export files live here, one folder per content, and go after an hour (Gradio serves its own copy).
EXPORT_DIR = Path(tempfile.gettempdir()) / "vankien-indicator-exports"
EXPORT_MAX_AGE_S = 3600
EXPORT_NAME = "chi-tieu"
X_PERIOD, X_PLACE, Y_VALUE, SERIES = "Kỳ", "Địa bàn / văn bản", "Giá trị", "Số liệu"
KIND_CHOICES = [(label[:1].upper() + label[1:], kind) for kind, label in KIND_LABELS.items()]
NO_RECORDS = "Không có số liệu nào khớp bộ lọc."
LABEL_WIDTH, PLACE_WIDTH, CELL_WIDTH = "280px", "150px", "130px"


def count_text(pivot: IndicatorPivot, in_store: bool = True) -> str:
    """How many records and indicator rows the table shows, or why it shows none."""
    if not pivot.rows:
        return NO_RECORDS if in_store else "Kho chưa có số liệu chỉ tiêu nào: hãy nạp văn bản ở tab Văn bản."
    return f"**{pivot.record_count}** bản ghi số liệu · **{len(pivot.rows)}** dòng chỉ tiêu"


def _quoted_sentence(record: IndicatorRow) -> str:
    """The record's sentence escaped, its figure marked: shown first, since a long section may hold the
    sentence far below its start."""
    citation = record.citation
    sentence = citation.sentence
    start, end = citation.value_start - citation.sentence_start, citation.value_end - citation.sentence_start
    if not 0 <= start < end <= len(sentence):
        return escape_html(sentence)
    return (
        f'{escape_html(sentence[:start])}<mark class="vk-match">{escape_html(sentence[start:end])}</mark>'
        f"{escape_html(sentence[end:])}"
    )


def _source_card(record: IndicatorRow, lookup: RecordLookup) -> str:
    """One record's source: the document and section, and the section text with the sentence marked."""
    citation = record.citation
    span = (citation.sentence_start, citation.sentence_end)
    document = lookup(citation.doc_id)
    view = None
    # The offsets hold only for the text the record was extracted from: check the sentence is still there.
    if document is not None and citation.section_id and document.text[span[0] : span[1]] == citation.sentence:
        view = section_view(document, citation.section_id, must_cover=span)
    if view is None:
        body = highlight_span(citation.sentence, 0, len(citation.sentence))
    else:
        body = highlight_span(view.text, span[0] - view.offset, span[1] - view.offset)
    period = f" · {record.period}" if record.period else ""
    quoted = _quoted_sentence(record)
    return (
        f'<div class="vk-card vk-indicator-source" data-doc="{escape_html(citation.doc_id)}">'
        f"<strong>{escape_html(citation.document)}</strong>"
        f'<div class="vk-path">{escape_html(PATH_SEPARATOR.join(citation.section_path))}</div>'
        f'<div class="vk-snippet">{escape_html(record.indicator)}: <strong>{escape_html(record.value_text)}'
        f"</strong> ({escape_html(record.kind_label)}{escape_html(period)})</div>"
        f'<blockquote class="vk-snippet vk-indicator-sentence">{quoted}</blockquote>'
        f'<div class="vk-section-text">{body}</div></div>'
    )


def sources_html(records: Sequence[IndicatorRow], lookup: RecordLookup) -> str:
    """The sources of a selected cell, each as a card (:func:`_source_card`)."""
    if not records:
        return '<p class="vk-empty">Ô này không có số liệu.</p>'
    cards = [_source_card(record, lookup) for record in records[:MAX_SOURCES_SHOWN]]
    if len(records) > MAX_SOURCES_SHOWN:
        more = len(records) - MAX_SOURCES_SHOWN
        cards.append(f'<p class="vk-empty">… và {more} bản ghi khác (bấm từng ô để xem).</p>')
    return f'<div class="vk-results">{"".join(cards)}</div>'


def chart_frame(chart: IndicatorChart) -> tuple[pd.DataFrame, str, bool]:
    """The chart's points under Vietnamese column names (the axes and the tooltip show them), the x
    column, and whether to draw a line (several periods) rather than bars (one period)."""
    as_line = not chart.by_place and len(chart.x_order) > 1
    x_column = X_PLACE if chart.by_place else X_PERIOD
    one_series = len({p.series for p in chart.points}) == 1
    # Bars sharing an x would stack (a result on top of its target): each series gets its own bar.
    x = [p.x if as_line or one_series else f"{p.x} · {p.series}" for p in chart.points]
    values, series = [p.value for p in chart.points], [p.series for p in chart.points]
    return pd.DataFrame({x_column: x, Y_VALUE: values, SERIES: series}), x_column, as_line


def best_chart_key(pivot: IndicatorPivot) -> str | None:
    """The indicator charted first: the one with the most plain numbers across the table's cells."""
    numbers: dict[str, int] = {}
    for row in pivot.rows:
        plotted = sum(1 for records in row.cells.values() if records[0].value is not None)
        numbers[row.key] = numbers.get(row.key, 0) + plotted
    return max(numbers, key=lambda key: numbers[key]) if numbers else None


def _prune_exports(now: float) -> None:
    if not EXPORT_DIR.is_dir():
        return
    for folder in EXPORT_DIR.iterdir():
        try:
            if now - folder.stat().st_mtime > EXPORT_MAX_AGE_S:
                for file in folder.iterdir():
                    file.unlink(missing_ok=True)
                folder.rmdir()
        except OSError:
            continue  # another server removed it first


def export_files(rows: Sequence[IndicatorRow]) -> tuple[str, str]:
    """The rows as ``chi-tieu.xlsx`` and ``chi-tieu.csv``; the same rows give the same files."""
    xlsx, csv_bytes = indicators_xlsx(rows), ("\ufeff" + indicators_csv(rows)).encode("utf-8")
    now = time.time()
    _prune_exports(now)
    folder = EXPORT_DIR / hashlib.sha256(xlsx + csv_bytes).hexdigest()[:20]
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / f"{EXPORT_NAME}.xlsx", folder / f"{EXPORT_NAME}.csv"
    for path, content in zip(paths, (xlsx, csv_bytes), strict=True):
        if not path.exists():
            path.write_bytes(content)
    return str(paths[0]), str(paths[1])


def filter_choices(rows: Sequence[IndicatorRow]) -> dict[str, list[Any]]:
    """The choices of the filters, from the records in the store: only what would find something."""
    labels: dict[str, str] = {}
    for row in rows:
        labels.setdefault(row.citation.doc_id, row.citation.document)
    repeated = {label for label in labels.values() if list(labels.values()).count(label) > 1}
    documents = [
        (f"{label} ({doc_id})" if label in repeated else label, doc_id)
        for doc_id, label in sorted(labels.items(), key=lambda item: (item[1], item[0]))
    ]
    return {
        "localities": sorted({row.locality for row in rows if row.locality}),
        "years": [ALL_YEARS, *(str(y) for y in sorted({row.year for row in rows if row.year}))],
        "documents": documents,
    }


def _kept(chosen: Sequence[str] | None, choices: Sequence[Any]) -> list[str]:
    """The chosen values that are still choices (a document deleted since is dropped)."""
    allowed = {choice[1] if isinstance(choice, tuple) else choice for choice in choices}
    return [value for value in chosen or [] if value in allowed]


def _year(value: str | None) -> int | None:
    return int(value) if value and value != ALL_YEARS and value.isdigit() else None


class IndicatorsTab:
    def __init__(self, get_runtime: RuntimeGetter, guard: Guard) -> None:
        self._get_runtime = get_runtime
        self._guard = guard
        self.pivot = gr.State(None)
        self.records = gr.State([])  # the filtered records in the store's order, for the downloads
        with gr.Row():
            with gr.Column(scale=3):
                self.search, self.apply = input_row(
                    "Tìm chỉ tiêu",
                    "Tên chỉ tiêu, ví dụ: thu ngân sách",
                    "vk-indicator-search",
                    "Lọc",
                    "vk-indicator-filter",
                )
                self.count = gr.Markdown(elem_id="vk-indicator-count")
                self.table = gr.Dataframe(
                    headers=list(PIVOT_LABEL_HEADERS),
                    interactive=False,
                    wrap=True,
                    max_height=600,
                    label="Bảng chỉ tiêu theo kỳ (bấm một ô để xem câu trong văn bản)",
                    elem_id="vk-indicator-table",
                )
                self.sources = gr.HTML(elem_id="vk-indicator-sources")
            with gr.Column(scale=1, min_width=260):
                self._filters()
        self._chart()

    def _filters(self) -> None:
        gr.Markdown("### Bộ lọc")
        self.localities = gr.Dropdown(label="Địa bàn", multiselect=True, choices=[])
        self.year = gr.Dropdown(label="Năm", choices=[ALL_YEARS], value=ALL_YEARS)
        self.kinds = gr.Dropdown(label="Loại số liệu", multiselect=True, choices=KIND_CHOICES)
        self.documents = gr.Dropdown(label="Văn bản", multiselect=True, choices=[])
        gr.Markdown("### Tải về (theo bộ lọc)")
        self.xlsx = gr.DownloadButton("Tải Excel (.xlsx)", interactive=False, elem_id="vk-indicator-xlsx")
        self.csv = gr.DownloadButton("Tải CSV", interactive=False, elem_id="vk-indicator-csv")

    def _chart(self) -> None:
        gr.Markdown("### Biểu đồ một chỉ tiêu")
        self.chart_key = gr.Dropdown(label="Chỉ tiêu", choices=[], elem_id="vk-indicator-chart-choice")
        self.chart_note = gr.Markdown(elem_id="vk-indicator-chart-note")
        self.line = gr.LinePlot(
            x=X_PERIOD,
            y=Y_VALUE,
            color=SERIES,
            x_title="Kỳ",
            color_title="Số liệu",
            elem_id="vk-indicator-line",
        )
        self.bar = gr.BarPlot(
            x=X_PLACE,
            y=Y_VALUE,
            color=SERIES,
            x_title="Địa bàn / văn bản",
            color_title="Số liệu",
            visible=False,
            elem_id="vk-indicator-bar",
        )

    @property
    def filter_inputs(self) -> list[Any]:
        return [self.search, self.localities, self.year, self.kinds, self.documents, self.chart_key]

    @property
    def view_outputs(self) -> list[Any]:
        return [
            self.pivot,
            self.records,
            self.count,
            self.table,
            self.sources,
            self.xlsx,
            self.csv,
            self.chart_key,
        ]

    def wire(self, tab: gr.Tab) -> None:
        chart_outputs = [self.line, self.bar, self.chart_note]
        choice_outputs = [self.localities, self.year, self.documents]
        shown = [
            event(self.show_indicators, inputs=self.filter_inputs, outputs=self.view_outputs)
            for event in (self.apply.click, self.search.submit, *(c.input for c in self._dropdowns))
        ]
        shown.append(
            tab.select(
                self.open_indicators, inputs=self.filter_inputs, outputs=[*choice_outputs, *self.view_outputs]
            )
        )
        for event in shown:
            # The table first; the chart, then the files (a large selection takes seconds to write) after it.
            event.then(
                self.draw_indicator_chart, inputs=[self.pivot, self.chart_key], outputs=chart_outputs
            ).then(self.prepare_indicator_files, inputs=[self.records], outputs=[self.xlsx, self.csv])
        self.table.select(
            self.select_indicator_cell, inputs=[self.pivot], outputs=[self.sources, self.chart_key]
        ).then(self.draw_indicator_chart, inputs=[self.pivot, self.chart_key], outputs=chart_outputs)
        self.chart_key.input(
            self.draw_indicator_chart, inputs=[self.pivot, self.chart_key], outputs=chart_outputs
        )

    @property
    def _dropdowns(self) -> list[gr.Dropdown]:
        return [self.localities, self.year, self.kinds, self.documents]

    def _rows(
        self,
        runtime: Runtime,
        search: str,
        localities: list[str] | None,
        year: str | None,
        kinds: list[str] | None,
        documents: list[str] | None,
    ) -> list[IndicatorRow]:
        heads = runtime.store.document_heads()
        query = indicator_query(
            runtime.store,
            search=(search or "")[:MAX_SEARCH_CHARS],
            localities=list(localities or []),
            year=_year(year),
            kinds=[kind for kind in kinds or [] if kind in KIND_LABELS],
            documents=[doc_id for doc_id in documents or [] if doc_id in heads],
        )
        return all_indicators(runtime.store, query)

    def _views(self, runtime: Runtime, rows: list[IndicatorRow], chart_key: str | None) -> list[Any]:
        """The updates of :attr:`view_outputs` for the filtered ``rows``."""
        pivot = indicator_pivot(rows)
        in_store = (
            bool(rows)
            or list_indicators(runtime.store, indicator_query(runtime.store), page_size=1).total > 0
        )
        table = pd.DataFrame(pivot.table(), columns=pivot.headers())
        # No file of the previous selection while this one's is written (:meth:`prepare_indicator_files`).
        downloads = [gr.update(value=None, interactive=False), gr.update(value=None, interactive=False)]
        keys = list(dict.fromkeys((row.key, row.indicator) for row in pivot.rows))
        choices = [(indicator, key) for key, indicator in keys]
        chosen = chart_key if any(key == chart_key for key, _ in keys) else best_chart_key(pivot)
        # The labels wide enough to read, the periods' cells narrow: a table of many periods scrolls sideways.
        widths = [LABEL_WIDTH, PLACE_WIDTH, *([CELL_WIDTH] * len(pivot.columns))]
        return [
            pivot,
            rows,
            count_text(pivot, in_store),
            gr.update(value=table, column_widths=widths),
            "",
            *downloads,
            gr.update(choices=choices, value=chosen),
        ]

    def show_indicators(
        self,
        search: str,
        localities: list[str] | None,
        year: str | None,
        kinds: list[str] | None,
        documents: list[str] | None,
        chart_key: str | None,
        request: gr.Request,
    ) -> list[Any]:
        self._guard.check(request, "reader")
        runtime = self._get_runtime()
        return self._views(
            runtime, self._rows(runtime, search, localities, year, kinds, documents), chart_key
        )

    def open_indicators(
        self,
        search: str,
        localities: list[str] | None,
        year: str | None,
        kinds: list[str] | None,
        documents: list[str] | None,
        chart_key: str | None,
        request: gr.Request,
    ) -> list[Any]:
        """The tab opened: the filter choices from what the store holds now, then the filtered views."""
        self._guard.check(request, "reader")
        runtime = self._get_runtime()
        every = all_indicators(runtime.store, indicator_query(runtime.store))
        choices = filter_choices(every)
        localities = _kept(localities, choices["localities"])
        documents = _kept(documents, choices["documents"])
        year = year if year in choices["years"] else ALL_YEARS
        unfiltered = not ((search or "").strip() or localities or _year(year) or kinds or documents)
        # The first opening has no filter: the records read for the choices are the rows (read once).
        rows = every if unfiltered else self._rows(runtime, search, localities, year, kinds, documents)
        return [
            gr.update(choices=choices["localities"], value=localities),
            gr.update(choices=choices["years"], value=year),
            gr.update(choices=choices["documents"], value=documents),
            *self._views(runtime, rows, chart_key),
        ]

    def select_indicator_cell(
        self, pivot: IndicatorPivot | None, event: gr.SelectData, request: gr.Request
    ) -> tuple[str, Any]:
        """A cell's sources; its indicator becomes the chart's."""
        self._guard.check(request, "reader")
        if pivot is None or not isinstance(event.index, list | tuple) or len(event.index) != 2:
            return "", gr.update()
        row, column = int(event.index[0]), int(event.index[1])
        records = pivot.records_at(row, column)
        chart_key = gr.update(value=pivot.rows[row].key) if 0 <= row < len(pivot.rows) else gr.update()
        return sources_html(records, self._get_runtime().store.get), chart_key

    def prepare_indicator_files(self, records: list[IndicatorRow] | None, request: gr.Request) -> list[Any]:
        """The Excel and CSV files of the filtered records; nothing to download when there are none."""
        self._guard.check(request, "reader")
        if not records:
            return [gr.update(value=None, interactive=False), gr.update(value=None, interactive=False)]
        xlsx, csv_path = export_files(records)
        return [gr.update(value=xlsx, interactive=True), gr.update(value=csv_path, interactive=True)]

    def draw_indicator_chart(
        self, pivot: IndicatorPivot | None, key: str | None, request: gr.Request
    ) -> list[Any]:
        self._guard.check(request, "reader")
        chart = indicator_chart(pivot, key) if pivot is not None and key else None
        if chart is None:
            note = (
                "Chỉ tiêu này không có số liệu dạng số để vẽ." if key else "Không có số liệu để vẽ biểu đồ."
            )
            return [gr.update(visible=False), gr.update(visible=False), note]
        frame, x_column, as_line = chart_frame(chart)
        y_title = f"Giá trị ({chart.unit})" if chart.unit else "Giá trị"
        note = f"**{escape_markdown(chart.indicator)}** · đơn vị: {escape_markdown(chart.unit or 'không có')}"
        if as_line:
            line = gr.update(value=frame, visible=True, y_title=y_title, sort=list(chart.x_order))
            return [line, gr.update(visible=False), note]
        bar = gr.update(value=frame, visible=True, x=x_column, x_title=x_column, y_title=y_title)
        return [gr.update(visible=False), bar, note]


def build_indicators_tab(get_runtime: RuntimeGetter, guard: Guard) -> TabParts:
    """The Chỉ tiêu tab, inside the page's ``gr.Tabs``. It reads the store each time it opens (its own
    ``select`` event), so the page frame refreshes nothing in it."""
    with gr.Tab("Chỉ tiêu", id="indicators") as tab_block:
        tab = IndicatorsTab(get_runtime, guard)
    tab.wire(tab_block)
    return TabParts()
