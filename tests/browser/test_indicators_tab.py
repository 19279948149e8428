"""The Chỉ tiêu tab in a real browser over the real store of the browser corpus: filter, the table and its
count (the API's count for the same filter), a cell opening its sentence, the chart, the downloads."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from playwright.sync_api import expect

from assistant.services.indicator_export import EXPORT_COLUMNS, XLSX_PIVOT_SHEET, XLSX_RECORDS_SHEET

pytestmark = pytest.mark.integration

TIMEOUT = 60_000


def _filter(page: Any, words: str) -> None:
    page.locator("#vk-indicator-search textarea").fill(words)
    page.locator("#vk-indicator-filter").click()


def _api_total(server_url: str, words: str) -> int:
    found = httpx.get(f"{server_url}/api/indicators", params={"search": words}, timeout=30)
    found.raise_for_status()
    return int(found.json()["total"])


def _download(page: Any, button: str, folder: Path) -> Path:
    # The files are written after the table shows: the button waits for them.
    expect(page.locator(button)).to_be_enabled(timeout=TIMEOUT)
    with page.expect_download(timeout=TIMEOUT) as download:
        page.locator(button).click()
    target = folder / download.value.suggested_filename
    download.value.save_as(target)
    return target


@pytest.fixture
def indicators_page(page: Any) -> Any:
    page.get_by_role("tab", name="Chỉ tiêu").click()
    # Opening the tab shows every record of the store: the report's and the resolution's.
    table = page.locator("#vk-indicator-table")
    expect(table).to_contain_text("4.215 tỷ đồng", timeout=TIMEOUT)
    expect(table).to_contain_text("12.400 ha", timeout=TIMEOUT)
    return page


def test_filter_shows_matching_rows_and_a_cell_opens_its_sentence(
    indicators_page: Any, server_url: str
) -> None:
    page = indicators_page
    _filter(page, "ngân sách")
    table, count = page.locator("#vk-indicator-table"), page.locator("#vk-indicator-count")
    expect(table).not_to_contain_text("4.215 tỷ đồng", timeout=TIMEOUT)
    expect(table).to_contain_text("612 tỷ đồng")
    expect(count).to_contain_text(f"{_api_total(server_url, 'ngân sách')} bản ghi số liệu")
    assert "Tổng thu ngân sách" in table.inner_text()
    assert "2023 · kết quả" in table.inner_text()

    table.get_by_text("612 tỷ đồng", exact=True).filter(visible=True).first.click()
    sources = page.locator("#vk-indicator-sources")
    # The sentence quoted with its figure marked, and the section with the sentence highlighted.
    figure = sources.locator(".vk-indicator-sentence mark.vk-match").first
    figure.wait_for(state="visible", timeout=TIMEOUT)
    assert figure.inner_text() == "612 tỷ đồng"
    marked = sources.locator(".vk-section-text mark.vk-support").first
    marked.wait_for(state="visible", timeout=TIMEOUT)
    assert marked.inner_text().startswith("Tổng thu ngân sách nhà nước")
    assert "612 tỷ đồng" in marked.inner_text()
    text = sources.inner_text()
    assert "Báo cáo số 118/BC-UBND ngày 05/12/2023" in text
    assert "I. KẾT QUẢ ĐẠT ĐƯỢC › 2. Thu ngân sách" in text
    # The section around the sentence: its heading is there, the next section's figures are not.
    assert "Thu ngân sách" in sources.locator(".vk-section-text").first.inner_text()
    assert "4.215" not in text

    # The chart follows the one indicator left: one period and one place, in its unit.
    expect(page.locator("#vk-indicator-chart-note")).to_contain_text("tỷ đồng", timeout=TIMEOUT)
    expect(page.locator("#vk-indicator-bar")).to_be_visible()

    _filter(page, "không có chỉ tiêu nào như thế này")
    expect(count).to_contain_text("Không có số liệu nào khớp bộ lọc.", timeout=TIMEOUT)
    expect(table).not_to_contain_text("612 tỷ đồng")
    # Nothing to download either.
    expect(page.locator("#vk-indicator-xlsx")).to_be_disabled(timeout=TIMEOUT)
    expect(page.locator("#vk-indicator-csv")).to_be_disabled()
    assert page.page_errors == []


def test_the_filtered_records_download_as_excel_and_csv(
    indicators_page: Any, server_url: str, tmp_path: Path
) -> None:
    page = indicators_page
    _filter(page, "ngân sách")
    expect(page.locator("#vk-indicator-table")).not_to_contain_text("4.215 tỷ đồng", timeout=TIMEOUT)
    total = _api_total(server_url, "ngân sách")

    workbook_path = _download(page, "#vk-indicator-xlsx", tmp_path)
    assert workbook_path.suffix == ".xlsx"
    book = openpyxl.load_workbook(workbook_path)
    assert book.sheetnames == [XLSX_RECORDS_SHEET, XLSX_PIVOT_SHEET]
    lines = [list(line) for line in book[XLSX_RECORDS_SHEET].iter_rows(values_only=True)]
    headers = [header for header, _ in EXPORT_COLUMNS]
    assert lines[0] == headers
    assert len(lines) == 1 + total
    budget = next(line for line in lines[1:] if line[headers.index("Giá trị (như văn bản)")] == "612 tỷ đồng")
    assert budget[headers.index("Giá trị")] == 612
    assert "Báo cáo số 118/BC-UBND ngày 05/12/2023" in budget[headers.index("Văn bản")]
    pivot_cells = {cell for line in book[XLSX_PIVOT_SHEET].iter_rows(values_only=True) for cell in line}
    assert {"612 tỷ đồng", "2023", "kết quả"} <= pivot_cells
    assert "4.215 tỷ đồng" not in pivot_cells

    csv_path = _download(page, "#vk-indicator-csv", tmp_path)
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert rows[0] == headers and len(rows) == 1 + total
