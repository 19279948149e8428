"""One question check, one limit (``api.max_question_chars``), one message: the same code and message from
``/api/ask``, ``/api/ask/stream``, ``/v1/chat/completions`` and ``/api/search`` (the check itself is tested in
tests/fast/test_question_checks.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from tests.api_support import FIGURE_QUESTION, api_settings, assert_error

pytest_plugins = ["tests.api_support"]  # the store fixtures

LIMIT = 120


@pytest.fixture(scope="module")
def client(built_store: Path) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(built_store, max_question_chars=LIMIT))) as test_client:
        yield test_client


def chat(content: object, stream: bool = False) -> dict[str, object]:
    return {"model": "m", "messages": [{"role": "user", "content": content}], "stream": stream}


def test_every_endpoint_refuses_a_long_question_with_the_same_error(client: TestClient) -> None:
    long = "á" * (LIMIT + 1)
    responses = [
        client.post("/api/ask", json={"question": long}),
        client.post("/api/ask/stream", json={"question": long}),
        client.post("/v1/chat/completions", json=chat(long)),
        client.post("/v1/chat/completions", json=chat(long, stream=True)),
        client.post("/v1/chat/completions", json=chat([{"type": "text", "text": long}])),
    ]
    errors = [assert_error(response, 422, "question_too_long") for response in responses]
    assert all(error == errors[0] for error in errors)
    assert errors[0]["message"] == f"Câu hỏi quá dài ({LIMIT + 1} ký tự; tối đa {LIMIT} ký tự)."


def test_every_endpoint_refuses_an_empty_question_with_the_same_error(client: TestClient) -> None:
    responses = [
        client.post("/api/ask", json={"question": ""}),
        client.post("/api/ask/stream", json={"question": " \n "}),
        client.post("/v1/chat/completions", json=chat("")),
        client.post("/v1/chat/completions", json=chat(None, stream=True)),
    ]
    errors = [assert_error(response, 422, "empty_question") for response in responses]
    assert all(error == errors[0] for error in errors)


def test_a_question_over_any_configurable_limit_is_still_the_coded_error(client: TestClient) -> None:
    # No hidden second limit in the request model: 5,000 characters is question_too_long, not invalid_request.
    assert_error(client.post("/api/ask", json={"question": "a" * 5000}), 422, "question_too_long")


def test_a_question_at_the_limit_is_answered(client: TestClient) -> None:
    question = (FIGURE_QUESTION + " Xin trả lời ngắn gọn." * 10)[:LIMIT]
    assert len(question) == LIMIT
    response = client.post("/api/ask", json={"question": f"  {question}  "})
    assert response.status_code == 200, response.text
    assert response.json()["question"] == question


def test_search_checks_its_query_with_the_same_limit(client: TestClient) -> None:
    assert_error(client.get("/api/search", params={"q": "   "}), 422, "empty_query")
    error = assert_error(client.get("/api/search", params={"q": "a" * (LIMIT + 1)}), 422, "query_too_long")
    assert f"tối đa {LIMIT} ký tự" in error["message"]
    assert client.get("/api/search", params={"q": " sản xuất "}).status_code == 200
