"""GET /api/search: ranked sections, highlights of the query's words, filters, pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.services.search import highlight_spans
from ingestion.pipeline import document_id
from ingestion.textnorm import fold
from tests.api_support import api_settings, assert_error

REPORT_ID = document_id("bao-cao-hoa-binh.txt")
RESOLUTION_ID = document_id("nghi-quyet-an-phu.txt")

pytest_plugins = ["tests.api_support"]  # the store fixtures


@pytest.fixture(scope="module")
def client(built_store: Path) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(built_store))) as test_client:
        yield test_client


def test_search_ranks_the_matching_section_first(client: TestClient) -> None:
    page = client.get("/api/search", params={"q": "thu ngân sách nhà nước"}).json()
    first = page["results"][0]
    assert first["rank"] == 1
    assert first["doc_id"] == REPORT_ID
    assert first["section_path"][-1] == "1. Kinh tế"
    assert first["doc_number"] == "12/BC-UBND"
    marked = {fold(first["text"][h["start"] : h["end"]]) for h in first["highlights"]}
    assert "thu ngân sách nhà nước" in marked


def test_filters_restrict_the_documents(client: TestClient) -> None:
    page = client.get("/api/search", params={"q": "sản xuất", "locality": "An Phú"}).json()
    assert page["results"] and {h["doc_id"] for h in page["results"]} == {RESOLUTION_ID}
    page = client.get("/api/search", params={"q": "sản xuất", "document": REPORT_ID}).json()
    assert {h["doc_id"] for h in page["results"]} == {REPORT_ID}
    assert client.get("/api/search", params={"q": "sản xuất", "year_from": 2030}).json()["results"] == []


def test_pages_continue_the_ranking(client: TestClient) -> None:
    everything = client.get("/api/search", params={"q": "năm", "page_size": 50}).json()
    first = client.get("/api/search", params={"q": "năm", "page_size": 2}).json()
    second = client.get("/api/search", params={"q": "năm", "page_size": 2, "page": 2}).json()
    assert first["total"] == everything["total"] >= 4
    assert [h["rank"] for h in second["results"]] == [3, 4]
    ids = [h["chunk_id"] for h in everything["results"]]
    assert [h["chunk_id"] for h in first["results"] + second["results"]] == ids[:4]


def test_search_needs_a_query(client: TestClient) -> None:
    assert_error(client.get("/api/search"), 422, "invalid_request")
    assert_error(client.get("/api/search", params={"q": "x", "page_size": 0}), 422, "invalid_request")


def test_highlights_skip_question_words_and_merge_neighbours() -> None:
    text = "Tổng thu ngân sách đạt 420 tỷ đồng, bằng 105% dự toán."
    spans = highlight_spans(text, "Tổng thu ngân sách là bao nhiêu?")
    assert [text[h.start : h.end] for h in spans] == ["Tổng thu ngân sách"]
    plain = highlight_spans(text, "tong thu ngan sach")
    assert [text[h.start : h.end] for h in plain] == ["Tổng thu ngân sách"]
    assert [text[h.start : h.end] for h in highlight_spans(text, "420 tỷ")] == ["420 tỷ"]
