"""Screenshots of every tab, light and dark, desktop and phone, kept in ``artifacts/screenshots/tabs/``
(linked from the README). Each shot is taken after the tab shows content (an answer, search results, the
indicator table), and the test checks the page has no horizontal overflow on the phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

TIMEOUT = 60_000
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots" / "tabs"
TABS = {
    "Hỏi đáp": "hoi-dap",
    "Tra cứu": "tra-cuu",
    "Chỉ tiêu": "chi-tieu",
    "Văn bản": "van-ban",
    "Đánh giá": "danh-gia",
}
DEVICES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


def _open(page: Any, name: str) -> None:
    """Click a tab; on a phone the last ones sit in the tab bar's overflow menu."""
    tab = page.get_by_role("tab", name=name)
    if tab.count() == 0:
        page.locator(".overflow-menu > button").click()
        tab = page.locator(".overflow-dropdown button", has_text=name)
    tab.click()


def _fill_tab(page: Any, name: str) -> None:
    """Give the tab something to show, as a user would."""
    if name == "Hỏi đáp":
        page.locator("#vk-question textarea").fill(
            "Giá trị sản xuất công nghiệp của huyện Hòa An năm 2023 là bao nhiêu?"
        )
        page.locator("#vk-send").click()
        page.locator("#vk-chat .thought-group .title").first.wait_for(state="visible", timeout=TIMEOUT)
    elif name == "Tra cứu":
        page.locator("#vk-search-query textarea").fill("thu ngân sách")
        page.locator("#vk-search").click()
        page.locator(".vk-card").first.wait_for(state="visible", timeout=TIMEOUT)
    else:
        page.wait_for_timeout(1500)


@pytest.mark.parametrize("device", sorted(DEVICES))
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_tab_is_photographed_in_both_themes_on_desktop_and_phone(
    page: Any, server_url: str, theme: str, device: str
) -> None:
    size = DEVICES[device]
    page.set_viewport_size(size)
    page.goto(f"{server_url}/?__theme={theme}")
    page.locator("#vk-question textarea").wait_for(state="visible", timeout=TIMEOUT)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, slug in TABS.items():
        _open(page, name)
        _fill_tab(page, name)
        if device == "phone":
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{name}: the page is {overflow}px wider than the phone"
        path = SHOTS / f"{slug}-{theme}-{device}.png"
        page.screenshot(path=str(path), full_page=False)
        assert path.stat().st_size > 10_000
    page.set_viewport_size({"width": 1400, "height": 1000})
