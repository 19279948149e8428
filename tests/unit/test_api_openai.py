"""The OpenAI-compatible chat API through TestClient: messages to a question, footnotes, streaming chunks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.routers.openai_compat import (
    ChatCompletionRequest,
    _MarkerRewriter,
    to_ask_request,
    with_footnote_markers,
)
from tests.api_support import FIGURE_QUESTION, api_settings, assert_error, sse_events

pytest_plugins = ["tests.api_support"]  # the store fixtures


@pytest.fixture(scope="module")
def client(built_store: Path) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(built_store, model_name="vankien-test"))) as test_client:
        yield test_client


def chat(question: str, **extra: object) -> dict[str, object]:
    return {"model": "vankien-test", "messages": [{"role": "user", "content": question}], **extra}


def test_models(client: TestClient) -> None:
    body = client.get("/v1/models").json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["vankien-test"]


def test_completion_carries_footnotes_and_structured_citations(client: TestClient) -> None:
    body = client.post("/v1/chat/completions", json=chat(FIGURE_QUESTION, temperature=0.2)).json()
    assert body["object"] == "chat.completion"
    content = body["choices"][0]["message"]["content"]
    assert body["choices"][0]["finish_reason"] == "stop"
    assert "1.250 tỷ đồng" in content and "[^1]" in content
    assert (
        "\n[^1]: Báo cáo 12/BC-UBND, ngày 2023-12-05 — I. KẾT QUẢ ĐẠT ĐƯỢC › 1. Kinh tế: “Giá trị" in content
    )
    assert body["vankien_citations"][0]["file_name"] == "bao-cao-hoa-binh.txt"
    assert body["vankien_abstained"] is False


def test_streamed_completion(client: TestClient) -> None:
    response = client.post("/v1/chat/completions", json=chat(FIGURE_QUESTION, stream=True))
    assert response.headers["content-type"].startswith("text/event-stream")
    # OpenAI's framing: "data: <one line of JSON>", a blank line, LF line ends; no event names.
    assert response.text.startswith('data: {"id": "chatcmpl-') and response.text.endswith(
        "\n\ndata: [DONE]\n\n"
    )
    assert "\r" not in response.text and "event:" not in response.text
    events = [data for _, data in sse_events(response.text)]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(data) for data in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    plain = client.post("/v1/chat/completions", json=chat(FIGURE_QUESTION)).json()
    assert content == plain["choices"][0]["message"]["content"]
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["vankien_citations"] == plain["vankien_citations"]


def test_conversation_becomes_question_and_history() -> None:
    request = ChatCompletionRequest.model_validate(
        {
            "model": "m",
            "messages": [
                {"role": "system", "content": "Trả lời ngắn gọn."},
                {"role": "user", "content": "Tổng thu ngân sách năm 2021?"},
                {"role": "assistant", "content": "420 tỷ đồng [1]"},
                {"role": "user", "content": [{"type": "text", "text": "Còn năm 2022 thì sao?"}]},
            ],
        }
    )
    ask = to_ask_request(request)
    assert ask.question == "Còn năm 2022 thì sao?"
    assert [(t.question, t.answer) for t in ask.history] == [
        ("Tổng thu ngân sách năm 2021?", "420 tỷ đồng [1]")
    ]


def test_no_user_message_is_422(client: TestClient) -> None:
    body = {"model": "m", "messages": [{"role": "system", "content": "x"}]}
    assert_error(client.post("/v1/chat/completions", json=body), 422, "no_user_message")
    assert_error(
        client.post("/v1/chat/completions", json={"model": "m", "messages": []}), 422, "invalid_request"
    )


def test_markers_split_across_pieces_become_footnote_references() -> None:
    rewriter = _MarkerRewriter()
    pieces = ["đạt 7.687 tỷ đồng ", "[", "1", "]", " và 12,37% [2", "]."]
    out = "".join(rewriter.feed(p) for p in pieces) + rewriter.flush()
    assert out == "đạt 7.687 tỷ đồng [^1] và 12,37% [^2]."
    assert with_footnote_markers("a [1], b [12]") == "a [^1], b [^12]"


def user_turns(content: object) -> dict[str, object]:
    return {"model": "m", "messages": [{"role": "user", "content": content}]}


@pytest.mark.parametrize("content", ["", "   \n\t", None])
def test_empty_content_is_422_empty_question(client: TestClient, content: object) -> None:
    assert_error(client.post("/v1/chat/completions", json=user_turns(content)), 422, "empty_question")


def test_missing_content_is_422_empty_question(client: TestClient) -> None:
    body = {"model": "m", "messages": [{"role": "user"}]}
    assert_error(client.post("/v1/chat/completions", json=body), 422, "empty_question")


def test_content_over_the_limit_is_422_with_the_limit(client: TestClient) -> None:
    limit = client.app.state.settings.api.max_question_chars  # type: ignore[attr-defined]
    response = client.post("/v1/chat/completions", json=user_turns("a" * (limit + 1)))
    error = assert_error(response, 422, "question_too_long")
    assert f"tối đa {limit} ký tự" in error["message"]
    assert f"at most {limit}" in error["message_en"]
    streamed = client.post("/v1/chat/completions", json={**user_turns("a" * (limit + 1)), "stream": True})
    assert_error(streamed, 422, "question_too_long")


def test_content_far_over_the_limit_is_422_not_500(client: TestClient) -> None:
    # Longer than any limit the settings allow (their ceiling is 2000): still the coded error.
    assert_error(client.post("/v1/chat/completions", json=user_turns("á" * 5000)), 422, "question_too_long")


def test_text_content_parts_are_the_question(client: TestClient) -> None:
    parts = [
        {"type": "text", "text": "Giá trị sản xuất công nghiệp năm 2023"},
        {"type": "text", "text": "là bao nhiêu?"},
    ]
    body = client.post("/v1/chat/completions", json=user_turns(parts)).json()
    assert "1.250 tỷ đồng" in body["choices"][0]["message"]["content"]


def test_text_parts_that_hold_no_text_are_an_empty_question(client: TestClient) -> None:
    assert_error(client.post("/v1/chat/completions", json=user_turns([])), 422, "empty_question")
    parts = [{"type": "text", "text": "  "}]
    assert_error(client.post("/v1/chat/completions", json=user_turns(parts)), 422, "empty_question")


def test_non_text_content_parts_are_refused_with_a_code(client: TestClient) -> None:
    parts = [
        {"type": "text", "text": "Ảnh này nói gì?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
    ]
    error = assert_error(
        client.post("/v1/chat/completions", json=user_turns(parts)), 422, "unsupported_content_part"
    )
    assert "image_url" in error["message"] and "image_url" in error["message_en"]


def test_malformed_content_parts_are_coded_errors(client: TestClient) -> None:
    no_text = [{"type": "text"}]
    assert_error(client.post("/v1/chat/completions", json=user_turns(no_text)), 422, "invalid_content_part")
    for content in ([{"text": "không có type"}], ["chuỗi trần"], 42, {"type": "text", "text": "x"}):
        assert_error(client.post("/v1/chat/completions", json=user_turns(content)), 422, "invalid_request")


def test_unknown_role_is_422(client: TestClient) -> None:
    body = {"model": "m", "messages": [{"role": "robot", "content": "Xin chào"}]}
    error = assert_error(client.post("/v1/chat/completions", json=body), 422, "invalid_request")
    assert "role" in error["message"]


def test_only_assistant_and_system_messages_is_no_user_message(client: TestClient) -> None:
    body = {
        "model": "m",
        "messages": [{"role": "system", "content": "x"}, {"role": "assistant", "content": "Chào bạn"}],
    }
    assert_error(client.post("/v1/chat/completions", json=body), 422, "no_user_message")


def test_empty_earlier_turns_do_not_break_the_answer(client: TestClient) -> None:
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": None},
            {"role": "assistant", "content": ""},
            {"role": "user", "content": FIGURE_QUESTION},
        ],
    }
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200, response.text
    assert "1.250 tỷ đồng" in response.json()["choices"][0]["message"]["content"]


def test_body_that_is_not_json_is_422(client: TestClient) -> None:
    response = client.post(
        "/v1/chat/completions", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 422, "invalid_request")
