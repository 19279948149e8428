"""The UI's page frame and tabs: the event names clients call, the store views refreshed together, and
UI search showing what the API's search finds."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.api.app import create_app
from assistant.settings import Settings
from tests.api_support import sse_events
from tests.servers import serving
from ui.tabs.common import ALL_YEARS, ask_filters

pytest_plugins = ["tests.api_support"]  # the store fixtures


def _never_called() -> Any:
    raise AssertionError("building the page must not need the runtime")


def test_the_page_keeps_the_event_names_clients_call() -> None:
    from ui.blocks import build_blocks

    demo = build_blocks(_never_called)
    names = {fn.api_name for fn in demo.fns.values()}
    # tests/unit/test_api_access.py and tests/browser call these by name.
    called = {"on_load", "refresh_store_views", "upload", "confirm_delete", "evaluate"}
    assert called <= names
    assert {"respond", "search", "show_tree", "ask_delete"} <= names


def test_uploads_and_deletions_refresh_every_view_of_the_store() -> None:
    from ui.blocks import build_blocks

    demo = build_blocks(_never_called)
    by_name = {fn.api_name: fn for fn in demo.fns.values()}
    after_upload, after_delete = by_name["refresh_store_views"], by_name["refresh_store_views_1"]
    refreshed = [block._id for block in after_upload.outputs]
    assert refreshed == [block._id for block in after_delete.outputs]
    # The page load fills the same views (and the key row, and the controls that follow the role).
    assert set(refreshed) < {block._id for block in by_name["on_load"].outputs}
    elem_ids = {getattr(block, "elem_id", None) for block in after_upload.outputs}
    assert {"vk-documents", "vk-selected-document"} <= elem_ids
    # The filters of Hỏi đáp and Tra cứu (four each) and the three example questions.
    kinds = [type(block).__name__ for block in after_upload.outputs]
    assert kinds.count("Dropdown") == 2 * 4 + 1 and kinds.count("Button") == 3


def test_the_filters_of_the_page_are_the_api_search_filters() -> None:
    from vectorstore.retriever import RetrievalFilters

    chosen = ask_filters(["bao-cao"], ["Hòa Bình"], "2023", ["Báo cáo"]).to_retrieval()
    # GET /api/search?document=bao-cao&locality=Hòa Bình&year_from=2023&year_to=2023&doc_type=Báo cáo
    assert chosen == RetrievalFilters(
        doc_ids=("bao-cao",), localities=("Hòa Bình",), doc_types=("Báo cáo",), year_from=2023, year_to=2023
    )
    assert ask_filters(None, None, ALL_YEARS, None).to_retrieval() == RetrievalFilters()


@pytest.mark.integration
@pytest.mark.parametrize("query", ["thu ngân sách", "diện tích lúa", "thu nhập bình quân"])
def test_ui_search_ranks_what_the_api_search_ranks(built_store: Path, query: str) -> None:
    """The Tra cứu tab's cards are the search service's hits: the same sections in the same order."""
    with (
        serving(create_app(Settings(data_dir=built_store))) as url,
        httpx.Client(base_url=url, timeout=60) as http,
    ):
        api = http.get("/api/search", params={"q": query, "page_size": 5})
        assert api.status_code == 200, api.text
        expected = [(hit["doc_id"], hit["section_id"]) for hit in api.json()["results"]]
        assert expected
        started = http.post("/gradio_api/call/search", json={"data": [query, [], [], ALL_YEARS, [], 5]})
        assert started.status_code == 200, started.text
        events = sse_events(http.get(f"/gradio_api/call/search/{started.json()['event_id']}").text)
        name, payload = events[-1]
        assert name == "complete", payload
        (html,) = json.loads(payload)
        shown = re.findall(
            r'<details class="vk-card vk-result" data-doc="([^"]+)" data-section="([^"]+)"', html
        )
        assert shown == expected
        assert '<mark class="vk-match">' in html
