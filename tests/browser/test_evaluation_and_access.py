"""The UI in a real browser: the Đánh giá tab end to end, and what each access key opens."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import REPORT, RESOLUTION, SCREENSHOTS
from tests.servers import serving

pytestmark = pytest.mark.integration

TIMEOUT = 60_000
READER_KEY = "khoa-doc-3f9a"
ADMIN_KEY = "khoa-quan-tri-7c21"
ADMIN_REQUIRED = "cần khoá quản trị"

# Two answerable questions over the conftest's documents (file names as the fixture writes them) and
# one the documents cannot answer, in the schema of data/testsets/dev.jsonl.
TESTSET_ITEMS: list[dict[str, Any]] = [
    {
        "id": "t-001",
        "question": "Giá trị sản xuất công nghiệp của huyện Hòa An năm 2023 ước đạt bao nhiêu?",
        "answer": "Ước đạt 4.215 tỷ đồng, tăng 9,8% so với năm 2022.",
        "must_include": ["4.215 tỷ đồng"],
        "sources": [
            {
                "document": "bao-cao-118.txt",
                "section": "1. Công nghiệp",
                "quote": "Giá trị sản xuất công nghiệp năm 2023 ước đạt 4.215 tỷ đồng, tăng 9,8% so với năm 2022.",
            }
        ],
        "type": "numeric",
        "answerable": True,
    },
    {
        "id": "t-002",
        "question": "Nghị quyết của Huyện ủy Hòa An đặt mục tiêu diện tích lúa gieo trồng năm 2024 là bao nhiêu?",
        "answer": "12.400 ha, năng suất bình quân 6,1 tấn/ha.",
        "must_include": ["12.400 ha"],
        "sources": [
            {
                "document": "nghi-quyet-21.txt",
                "section": "1. Mục tiêu",
                "quote": "Diện tích lúa gieo trồng năm 2024 đạt 12.400 ha, năng suất bình quân 6,1 tấn/ha.",
            }
        ],
        "type": "numeric",
        "answerable": True,
    },
    {
        "id": "t-003",
        "question": "Huyện Hòa An đã phóng bao nhiêu tàu vũ trụ trong năm 2023?",
        "answer": "Không có thông tin trong tài liệu.",
        "must_include": [],
        "sources": [],
        "type": "unanswerable",
        "answerable": False,
    },
]
# Tags whose src/href/data the browser fetches.
RESOURCE_TAGS = frozenset(
    {"script", "img", "iframe", "link", "source", "video", "audio", "embed", "object", "image"}
)


class _ResourceFinder(HTMLParser):
    """Collects what a page would fetch: src/href/data of resource tags and url(...) in style attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.resources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if tag in RESOURCE_TAGS and name in ("src", "href", "xlink:href", "data", "srcset"):
                self.resources.append(value)
            elif name == "style":
                self.resources.extend(re.findall(r"url\(\s*['\"]?([^'\")]+)", value))


def fetched_resources(html: str) -> list[str]:
    """Everything the page would load from elsewhere (data: URIs and in-page anchors are its own)."""
    finder = _ResourceFinder()
    finder.feed(html)
    for style in re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.DOTALL | re.IGNORECASE):
        finder.resources.extend(re.findall(r"url\(\s*['\"]?([^'\")]+)", style))
        finder.resources.extend(re.findall(r"@import\s+['\"]?([^'\"; ]+)", style))
    return [r.strip() for r in finder.resources if not r.strip().startswith(("data:", "#"))]


def _write_testset(folder: Path) -> Path:
    path = folder / "hoa-an-mini.jsonl"
    path.write_text(
        "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in TESTSET_ITEMS), encoding="utf-8"
    )
    return path


def _ask(page: Any, question: str) -> None:
    page.locator("#vk-question textarea").fill(question)
    page.locator("#vk-send").click()


def _open_tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def _expect_error(page: Any, message: str) -> None:
    """An error toast says ``message``; then every toast is closed, so the next check starts clean."""
    toast = page.locator(".toast-item").filter(has_text=message).first
    toast.wait_for(state="visible", timeout=TIMEOUT)
    # The close buttons are inert while a toast animates in, so click them from the page itself.
    page.evaluate("document.querySelectorAll('.toast-close').forEach((button) => button.click())")
    expect(page.locator(".toast-item")).to_have_count(0, timeout=TIMEOUT)


def _enter_key(page: Any, key: str) -> None:
    """Types ``key`` on the key page and submits it (the page reloads: the UI, or the key page again)."""
    page.locator("#vk-key input").fill(key)
    page.get_by_role("button", name="Xác nhận khoá").click()
    page.wait_for_load_state()


def _change_key(page: Any) -> None:
    page.get_by_role("button", name="Đổi khoá").click()
    page.locator("#vk-key input").wait_for(state="visible", timeout=TIMEOUT)


def _run_evaluation(page: Any, testset: Path) -> None:
    _open_tab(page, "Đánh giá")
    # The Đánh giá components carry no elem_id; their labels find them.
    upload = page.locator(".block", has_text="hoặc tải lên")
    upload.locator("input[type=file]").set_input_files(str(testset))
    upload.get_by_text(testset.name).first.wait_for(timeout=TIMEOUT)
    page.get_by_role("button", name="Chạy đánh giá").click()


def _evaluation_status(page: Any) -> Any:
    return page.get_by_text(re.compile(r"\d+ câu · đạt")).first


def _metric_value(page: Any, key: str) -> str:
    # Gradio's Dataframe is a virtualised ARIA grid, not a <table>.
    row = page.locator("#vk-metrics [role=row]", has_text=key).first
    row.wait_for(state="visible", timeout=TIMEOUT)
    cells = row.locator("[role=gridcell]").all_inner_texts()
    return str(cells[2]).strip()


@pytest.fixture(scope="module")
def keyed_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same two documents, served with one reader key and one admin key configured."""
    from pydantic import SecretStr

    from assistant.runtime import open_runtime
    from assistant.settings import ApiSettings, Settings

    root = tmp_path_factory.mktemp("browser-keys")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "bao-cao-118.txt").write_text(REPORT, encoding="utf-8")
    (corpus / "nghi-quyet-21.txt").write_text(RESOLUTION, encoding="utf-8")
    settings = Settings(
        data_dir=root / "store",
        api=ApiSettings(
            testsets_dir=root / "testsets",
            eval_documents_dir=corpus,
            reader_keys=[SecretStr(READER_KEY)],
            admin_keys=[SecretStr(ADMIN_KEY)],
        ),
    )
    with open_runtime(settings) as runtime:
        failed = [o for o in runtime.pipeline.ingest_all([corpus]) if o.status == "failed"]
    assert not failed, failed
    from assistant.api.app import create_app

    with serving(create_app(settings)) as url:
        yield url


@pytest.fixture
def keyed_page(browser_context: Any, keyed_server_url: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A tab on the keyed server with no key yet (the browser's cookies cleared): the key page."""
    browser_context.clear_cookies()
    tab = browser_context.new_page()
    tab.goto(keyed_server_url + "/")
    tab.locator("#vk-key input").wait_for(state="visible", timeout=TIMEOUT)
    try:
        yield tab
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
        tab.close()
        browser_context.clear_cookies()


def test_evaluation_runs_an_uploaded_testset_and_offers_a_self_contained_report(
    page: Any, tmp_path: Path
) -> None:
    testset = _write_testset(tmp_path)
    _run_evaluation(page, testset)

    status = _evaluation_status(page)
    expect(status).to_contain_text("3 câu", timeout=TIMEOUT)
    expect(status).to_contain_text("lỗi 0")
    # The progress ended: no progress bar is left on the tab.
    expect(page.locator(".progress-text")).to_have_count(0)

    hit_at_5 = _metric_value(page, "retrieval.hit@5")
    assert re.fullmatch(r"\d+([.,]\d+)?\s*%?", hit_at_5), hit_at_5
    assert _metric_value(page, "answer.key_fact_recall") not in ("", "—")
    assert page.locator(".vk-plots svg").count() >= 1

    link = page.locator(".block", has_text="Báo cáo HTML").locator("a[download='report.html']").first
    link.wait_for(state="visible", timeout=TIMEOUT)
    with page.expect_download(timeout=TIMEOUT) as download_info:
        link.click()
    report_path = tmp_path / "report.html"
    download_info.value.save_as(report_path)
    html = report_path.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "retrieval.hit@5" in html
    assert "t-001" in html
    assert fetched_resources(html) == []
    assert not re.search(r"https?://", html), "the report refers to something on the network"


def test_without_a_key_the_page_is_only_the_key_prompt(keyed_page: Any, keyed_server_url: str) -> None:
    page = keyed_page
    expect(page.locator("#vk-key-row")).to_contain_text("Khoá truy cập")
    html = page.content()
    for shown in ("118/BC-UBND", "21-NQ/HU", "bao-cao-118", "gradio_config"):
        assert shown not in html, shown
    assert page.locator("#vk-question").count() == 0
    assert page.get_by_role("tab").count() == 0
    # The UI's own API answers nothing without a key either, even from this same page.
    response = page.request.post(keyed_server_url + "/gradio_api/call/refresh_store_views", data={"data": []})
    assert response.status == 401
    assert response.json()["error"]["code"] == "missing_api_key"

    _enter_key(page, "khoa-sai")
    expect(page.locator("#vk-key-status")).to_contain_text("Khoá không đúng.", timeout=TIMEOUT)
    assert "21-NQ/HU" not in page.content()


def test_a_reader_key_asks_but_cannot_upload_delete_or_evaluate(
    keyed_page: Any, keyed_server_url: str, tmp_path: Path
) -> None:
    page = keyed_page
    _enter_key(page, READER_KEY)
    key_row = page.locator("#vk-key-row")
    expect(key_row).to_contain_text("quyền đọc", timeout=TIMEOUT)
    _ask(page, "Giá trị sản xuất công nghiệp của huyện Hòa An năm 2023 là bao nhiêu?")
    expect(page.locator("#vk-chat")).to_contain_text("4.215 tỷ đồng", timeout=TIMEOUT)

    _open_tab(page, "Văn bản")
    table = page.locator("#vk-documents")
    expect(table).to_contain_text("21-NQ/HU", timeout=TIMEOUT)
    # No file picker for a reader, and the server refuses a reader's file even when sent by hand.
    assert page.locator("#vk-upload input[type=file]").count() == 0
    refused = page.request.post(
        keyed_server_url + "/gradio_api/upload",
        multipart={"files": {"name": "x.txt", "mimeType": "text/plain", "buffer": "Nội dung.".encode()}},
    )
    assert refused.status == 403
    assert refused.json()["error"]["code"] == "admin_required"
    page.locator("#vk-upload-button").click()
    _expect_error(page, ADMIN_REQUIRED)

    table.get_by_text("21-NQ/HU", exact=True).filter(visible=True).first.click()
    expect(page.locator("#vk-tree")).to_contain_text("Mục tiêu", timeout=TIMEOUT)
    page.get_by_role("button", name="Xoá văn bản này").click()
    _expect_error(page, ADMIN_REQUIRED)
    expect(page.locator("#vk-confirm-delete")).to_be_hidden()

    _open_tab(page, "Đánh giá")
    page.get_by_role("button", name="Chạy đánh giá").click()
    _expect_error(page, ADMIN_REQUIRED)
    assert "retrieval.hit@5" not in page.locator("#vk-metrics").inner_text()


def test_an_admin_key_uploads_deletes_and_evaluates(keyed_page: Any, tmp_path: Path) -> None:
    page = keyed_page
    _enter_key(page, READER_KEY)
    expect(page.locator("#vk-key-row")).to_contain_text("quyền đọc", timeout=TIMEOUT)
    _change_key(page)
    _enter_key(page, ADMIN_KEY)
    expect(page.locator("#vk-key-row")).to_contain_text("quyền quản trị", timeout=TIMEOUT)

    upload = tmp_path / "thong-bao-77.txt"
    upload.write_text(
        "ỦY BAN NHÂN DÂN HUYỆN HÒA AN\n\nSố: 77/TB-UBND\n\nTHÔNG BÁO\nvề lịch trực Tết\n\n"
        "1. Lịch trực\nCơ quan trực Tết từ ngày 08 đến ngày 14 tháng 02 năm 2024.\n",
        encoding="utf-8",
    )
    _open_tab(page, "Văn bản")
    page.locator("#vk-upload input[type=file]").set_input_files(str(upload))
    page.locator("#vk-upload").get_by_text(upload.name).first.wait_for(timeout=TIMEOUT)
    page.locator("#vk-upload-button").click()
    expect(page.locator("#vk-upload-results")).to_contain_text("đã nạp", timeout=TIMEOUT)
    table = page.locator("#vk-documents")
    expect(table).to_contain_text("77/TB-UBND", timeout=TIMEOUT)

    table.get_by_text("77/TB-UBND", exact=True).filter(visible=True).first.click()
    expect(page.locator("#vk-tree")).to_contain_text("Lịch trực", timeout=TIMEOUT)
    page.get_by_role("button", name="Xoá văn bản này").click()
    page.locator("#vk-confirm-delete").click()
    expect(page.get_by_text("Đã xoá văn bản", exact=False).first).to_be_visible(timeout=TIMEOUT)
    expect(table).not_to_contain_text("77/TB-UBND", timeout=TIMEOUT)
    expect(table).to_contain_text("21-NQ/HU")

    _run_evaluation(page, _write_testset(tmp_path))
    expect(_evaluation_status(page)).to_contain_text("3 câu", timeout=TIMEOUT)
    assert _metric_value(page, "retrieval.hit@5") not in ("", "—")
