"""A real server (uvicorn over ``create_app``) on a free port, a store in tmp with two short documents,
and Debian's Chromium driven by Playwright. Screenshots go to ``artifacts/screenshots/``.

Playwright's own browser download does not work offline; ``.ci/run`` installs Debian's ``chromium``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import serving

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

REPORT = """ỦY BAN NHÂN DÂN
HUYỆN HÒA AN

Số: 118/BC-UBND

Hòa An, ngày 05 tháng 12 năm 2023

BÁO CÁO
TÌNH HÌNH KINH TẾ - XÃ HỘI NĂM 2023

I. KẾT QUẢ ĐẠT ĐƯỢC

1. Công nghiệp
Giá trị sản xuất công nghiệp năm 2023 ước đạt 4.215 tỷ đồng, tăng 9,8% so với năm 2022. Toàn huyện có 3 cụm công nghiệp đang hoạt động.

2. Thu ngân sách
Tổng thu ngân sách nhà nước trên địa bàn năm 2023 đạt 612 tỷ đồng, bằng 104,5% dự toán.

II. NHIỆM VỤ NĂM 2024
Phấn đấu tốc độ tăng trưởng kinh tế năm 2024 đạt 8,5%.
"""

RESOLUTION = """HUYỆN ỦY HÒA AN

Số 21-NQ/HU

Hòa An, ngày 10 tháng 01 năm 2024

NGHỊ QUYẾT
về nhiệm vụ phát triển nông nghiệp năm 2024

1. Mục tiêu
Diện tích lúa gieo trồng năm 2024 đạt 12.400 ha, năng suất bình quân 6,1 tấn/ha.

2. Giải pháp
Đẩy mạnh chuyển đổi số trong sản xuất nông nghiệp; xây dựng 2 vùng nguyên liệu tập trung.
"""


def _chromium_missing() -> bool:
    return not CHROMIUM.exists()


@pytest.fixture(scope="package")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app (API + UI) over a fresh store holding REPORT and RESOLUTION, served on a free port."""

    from assistant.api.app import create_app
    from assistant.runtime import open_runtime
    from assistant.settings import ApiSettings, Settings

    root = tmp_path_factory.mktemp("browser")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "bao-cao-118.txt").write_text(REPORT, encoding="utf-8")
    (corpus / "nghi-quyet-21.txt").write_text(RESOLUTION, encoding="utf-8")
    settings = Settings(data_dir=root / "store", api=ApiSettings(testsets_dir=root / "testsets"))
    with open_runtime(settings) as runtime:
        failed = [o for o in runtime.pipeline.ingest_all([corpus]) if o.status == "failed"]
    assert not failed, failed

    with serving(create_app(settings)) as url:
        yield url


# Package scope: Playwright's sync API keeps an event loop running on the main thread until it stops, and
# the async tests that run after the browser suite need the thread free.
@pytest.fixture(scope="package")
def browser_context() -> Iterator[Any]:
    if _chromium_missing():
        pytest.fail(
            "Debian chromium is not installed (/usr/bin/chromium): apt-get install chromium (.ci/run does)"
        )
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="vankien-chromium-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
            locale="vi-VN",
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser_context: Any, server_url: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh tab on the UI, loaded; a screenshot of its last state is kept as a test artefact."""
    tab = browser_context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(server_url + "/")
    tab.locator("#vk-question textarea").wait_for(state="visible", timeout=60_000)
    tab.page_errors = errors
    try:
        yield tab
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
        # The browser keeps the conversation (local storage, shared by the package's tabs): the next test
        # starts without it.
        tab.evaluate("window.localStorage.clear()")
        tab.close()
