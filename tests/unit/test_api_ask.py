"""POST /api/ask and /api/ask/stream over a real store; limits and error bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from ingestion.pipeline import document_id
from tests.api_support import FIGURE_QUESTION, api_settings, assert_error, sse_events
from vectorstore.embeddings import EmbeddingError
from vectorstore.store import StoreError

REPORT_ID = document_id("bao-cao-hoa-binh.txt")
RESOLUTION_ID = document_id("nghi-quyet-an-phu.txt")

pytest_plugins = ["tests.api_support"]  # the store fixtures


@pytest.fixture(scope="module")
def client(built_store: Path) -> Iterator[TestClient]:
    settings = api_settings(built_store, max_question_chars=200, max_body_bytes=4096)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_ask_answers_with_a_verified_citation(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": FIGURE_QUESTION})
    assert response.status_code == 200
    body = response.json()
    assert not body["abstained"]
    assert "1.250 tỷ đồng" in body["answer"]
    [citation] = body["citations"]
    assert citation["doc_id"] == REPORT_ID
    assert citation["doc_number"] == "12/BC-UBND"
    assert citation["section_path"][-1] == "1. Kinh tế"
    assert "1.250 tỷ đồng" in citation["supporting_sentence"]
    assert body["retrieved"] and set(body["timings_ms"]) >= {"retrieve", "total"}


def test_ask_with_filters_and_history(client: TestClient) -> None:
    response = client.post(
        "/api/ask",
        json={
            "question": "Thu nhập bình quân đầu người đạt bao nhiêu?",
            "history": [
                {"question": "Diện tích lúa chất lượng cao đạt bao nhiêu?", "answer": "3.500 ha [1]"}
            ],
            "filters": {"documents": [RESOLUTION_ID]},
            "top_k": 3,
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert {p["doc_id"] for p in body["retrieved"]} == {RESOLUTION_ID}
    assert len(body["retrieved"]) <= 3


def test_question_length_is_capped(client: TestClient) -> None:
    error = assert_error(client.post("/api/ask", json={"question": "a" * 201}), 422, "question_too_long")
    assert "200" in error["message"]


def test_blank_question_is_refused(client: TestClient) -> None:
    assert_error(client.post("/api/ask", json={"question": "   "}), 422, "empty_question")


def test_malformed_request_is_422_with_the_field(client: TestClient) -> None:
    error = assert_error(client.post("/api/ask", json={"top_k": 5}), 422, "invalid_request")
    assert "question" in error["message"]
    assert_error(client.post("/api/ask", json={"question": "x", "top_k": 500}), 422, "invalid_request")


def test_body_over_the_cap_is_413(client: TestClient) -> None:
    history = [{"question": "câu hỏi trước " * 20}] * 30
    response = client.post("/api/ask", json={"question": FIGURE_QUESTION, "history": history})
    assert_error(response, 413, "request_too_large")


def test_body_over_the_cap_without_content_length_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "x", "history": ['
        for _ in range(100):
            yield b'{"question": "' + b"y" * 100 + b'"},'
        yield b'{"question": "z"}]}'

    response = client.post("/api/ask", content=chunks(), headers={"Content-Type": "application/json"})
    assert_error(response, 413, "request_too_large")


def test_stream_sends_tokens_then_citations_then_done(client: TestClient) -> None:
    response = client.post("/api/ask/stream", json={"question": FIGURE_QUESTION})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    kinds = [name for name, _ in events]
    assert kinds[-2:] == ["citations", "done"]
    assert set(kinds[:-2]) == {"token"} and len(kinds) > 4
    streamed = "".join(json.loads(data)["text"] for name, data in events if name == "token")
    done = json.loads(events[-1][1])
    assert streamed == done["answer"]
    assert json.loads(events[-2][1])["citations"] == done["citations"]
    assert done["citations"][0]["doc_id"] == REPORT_ID


def test_stream_checks_the_question_before_streaming(client: TestClient) -> None:
    assert_error(client.post("/api/ask/stream", json={"question": "a" * 201}), 422, "question_too_long")


def test_unknown_path_and_method_have_error_bodies(client: TestClient) -> None:
    assert_error(client.get("/api/nothing-here"), 404, "not_found")
    assert_error(client.get("/api/ask"), 405, "method_not_allowed")


@pytest.fixture
def fragile_client(built_store: Path) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(built_store)), raise_server_exceptions=False) as test_client:
        yield test_client


def test_unexpected_error_is_500_without_a_trace(
    fragile_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = fragile_client.app.state.runtime  # type: ignore[attr-defined]

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal detail")

    def broken_stream(*args: object, **kwargs: object) -> Iterator[object]:
        raise RuntimeError("secret internal detail")
        yield

    monkeypatch.setattr(runtime.answering, "ask", broken)
    monkeypatch.setattr(runtime.answering, "stream", broken_stream)
    response = fragile_client.post("/api/ask", json={"question": FIGURE_QUESTION})
    assert_error(response, 500, "internal_error")
    assert "secret" not in response.text and "Traceback" not in response.text

    stream = fragile_client.post("/api/ask/stream", json={"question": FIGURE_QUESTION})
    [(name, data)] = sse_events(stream.text)
    assert name == "error" and json.loads(data)["error"]["code"] == "internal_error"
    assert "secret" not in stream.text


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (StoreError("search_failed", "Lỗi khi tìm kiếm."), 500),
        (EmbeddingError("embedding_server_unavailable", "Không kết nối được máy chủ embedding."), 503),
    ],
)
def test_store_and_embedding_errors_keep_their_codes(
    fragile_client: TestClient, monkeypatch: pytest.MonkeyPatch, error: Exception, status: int
) -> None:
    runtime = fragile_client.app.state.runtime  # type: ignore[attr-defined]

    def failing(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(runtime.retriever, "search", failing)
    body = assert_error(fragile_client.get("/api/search", params={"q": "ngân sách"}), status, error.code)  # type: ignore[attr-defined]
    assert body["message"] == error.message  # type: ignore[attr-defined]


def test_a_follow_up_about_a_year_the_documents_do_not_report_says_so_and_gives_the_year_they_do(
    client: TestClient,
) -> None:
    response = client.post(
        "/api/ask",
        json={
            "question": "Còn năm 2021 thì bao nhiêu?",
            "history": [
                {
                    "question": FIGURE_QUESTION,
                    "answer": "Giá trị sản xuất công nghiệp năm 2023 đạt 1.250 tỷ đồng [1]",
                }
            ],
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert "2021" in body["resolved_question"]
    # Not an answer to the question asked: declined, but the figure of the year reported is shown, marked.
    assert body["abstained"]
    assert body["answer"].startswith("Không có số liệu năm 2021")
    assert "năm 2023" in body["answer"] and "1.250 tỷ đồng" in body["answer"]
    # The figure found is cited first; the indicator's statements for other periods follow, cited too.
    assert {c["doc_id"] for c in body["citations"]} == {REPORT_ID}
    assert "1.250 tỷ đồng" in body["citations"][0]["supporting_sentence"]


def test_who_signed_a_report_is_read_from_its_signature_block(client: TestClient) -> None:
    body = client.post("/api/ask", json={"question": "Ai ký báo cáo 12/BC-UBND?"}).json()
    assert not body["abstained"]
    assert body["answer"].startswith("Nguyễn Văn An (TM. ỦY BAN NHÂN DÂN – CHỦ TỊCH)")
    [citation] = body["citations"]
    assert "Nguyễn Văn An" in citation["supporting_sentence"]
