"""The OpenAI chat API (``/v1/chat/completions``, ``/v1/models``), so that SDKs and chat front-ends work unchanged.

The last user message is the question; earlier user turns (with the assistant replies that followed
them) are its history. The sources travel twice: as Markdown footnotes in the content (what a chat
front-end shows) and as ``vankien_citations`` (what a program reads).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse

from assistant.answering import AskRequest, AskResponse, Citation, StreamEvent, Turn
from assistant.api.deps import MetricsDep, ReaderDep, RuntimeDep, SettingsDep
from assistant.api.errors import ApiError, ErrorResponse, stream_error_payload
from assistant.api.routers.ask import checked_request

router = APIRouter(prefix="/v1", tags=["Tương thích OpenAI"])


class ContentPart(BaseModel):
    """One part of a message's content. Only text parts (``{"type": "text", "text": ...}``) are read."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["text"])
    text: str | None = None


# A part's type is shown back in the error message, cut to this length.
_SHOWN_TYPE_CHARS = 40


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    # A string, or a list of content parts of type "text"; null or missing is no text.
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        """The message's text; ``unsupported_content_part`` (422) for a part that is not text."""
        if self.content is None or isinstance(self.content, str):
            return self.content or ""
        texts = []
        for part in self.content:
            if part.type != "text":
                shown = part.type[:_SHOWN_TYPE_CHARS]
                raise ApiError(
                    422,
                    "unsupported_content_part",
                    f"Chỉ nhận nội dung dạng văn bản (type 'text'), không nhận phần '{shown}'.",
                    f"Only text content parts (type 'text') are accepted, not '{shown}'.",
                )
            if part.text is None:
                raise ApiError(
                    422,
                    "invalid_content_part",
                    "Phần nội dung dạng văn bản thiếu trường 'text'.",
                    "A text content part has no 'text' field.",
                )
            texts.append(part.text)
        return "\n".join(texts)


class ChatCompletionRequest(BaseModel):
    # Sampling options of the OpenAI API (temperature, max_tokens, ...) are accepted and ignored.
    model_config = ConfigDict(extra="allow")

    model: str = Field(examples=["vankien"])
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "vankien"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    vankien_citations: list[Citation] = Field(description="Trích dẫn có cấu trúc, theo số [1], [2], ...")
    vankien_abstained: bool


CHAT_EXAMPLES: dict[str, Any] = {
    "hoi": {
        "summary": "Một câu hỏi",
        "value": {
            "model": "vankien",
            "messages": [
                {
                    "role": "user",
                    "content": "Giá trị sản xuất công nghiệp của Bắc Tân Uyên năm 2025 là bao nhiêu?",
                }
            ],
        },
    },
    "hoi_tiep": {
        "summary": "Hỏi tiếp trong một cuộc trò chuyện",
        "value": {
            "model": "vankien",
            "messages": [
                {"role": "user", "content": "Tổng thu ngân sách năm 2021 của huyện là bao nhiêu?"},
                {"role": "assistant", "content": "Tổng thu ngân sách năm 2021 đạt ... [1]"},
                {"role": "user", "content": "Còn năm 2022 thì sao?"},
            ],
            "stream": True,
        },
    },
}

_MARKER = re.compile(r"\[(\d+)\]")


def to_ask_request(chat: ChatCompletionRequest) -> AskRequest:
    """The last user message is the question; earlier user messages, with their replies, the history."""
    last_user = max((i for i, m in enumerate(chat.messages) if m.role == "user"), default=None)
    if last_user is None:
        raise ApiError(
            422,
            "no_user_message",
            "Không có tin nhắn nào của người dùng (role 'user') để trả lời.",
            "There is no user message to answer.",
        )
    history: list[Turn] = []
    for message in chat.messages[:last_user]:
        if message.role == "user":
            history.append(Turn(question=message.text()))
        elif message.role == "assistant" and history and history[-1].answer is None:
            history[-1] = Turn(question=history[-1].question, answer=message.text())
    return AskRequest(question=chat.messages[last_user].text(), history=history)


def footnote(citation: Citation) -> str:
    identity = " ".join(x for x in (citation.doc_type, citation.doc_number) if x) or citation.file_name
    if citation.date:
        identity += f", ngày {citation.date}"
    path = " › ".join(citation.section_path)
    sentence = " ".join(citation.supporting_sentence.split())
    return f"[^{citation.number}]: {identity} — {path}: “{sentence}”"


def footnotes(citations: list[Citation]) -> str:
    if not citations:
        return ""
    return "\n\n" + "\n".join(footnote(c) for c in citations)


def with_footnote_markers(answer: str) -> str:
    """``[1]`` → ``[^1]``: the answer's markers as Markdown footnote references."""
    return _MARKER.sub(r"[^\1]", answer)


class _MarkerRewriter:
    """Rewrites markers in streamed text whose pieces may split a marker ("[", "1", "]")."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, piece: str) -> str:
        text = self._held + piece
        # Hold back a trailing "[" or "[12" that a later piece may complete.
        cut = re.search(r"\[\d*$", text)
        self._held = text[cut.start() :] if cut else ""
        ready = text[: cut.start()] if cut else text
        return with_footnote_markers(ready)

    def flush(self) -> str:
        held, self._held = self._held, ""
        return held


@dataclass(frozen=True)
class _Chunks:
    """The chunks of one streamed completion: each the data of one event, a ``chat.completion.chunk``
    object as one line of JSON."""

    completion_id: str
    created: int
    model: str

    def event(self, delta: dict[str, Any], finish_reason: str | None = None, **extra: Any) -> str:
        body = {
            "id": self.completion_id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
            **extra,
        }
        return json.dumps(body, ensure_ascii=False)

    def final(self, response: AskResponse, streamed: str, tail: str) -> Iterator[str]:
        """The rest of the content (``tail``: text held back by the marker rewriter), the footnotes, and the
        closing chunk with the structured citations."""
        if streamed.strip() != response.answer.strip():
            # Verification changed the answer after it was streamed: say so, and give the final one.
            notes = "\n".join(response.notices) or "Câu trả lời đã được hiệu chỉnh:"
            tail += f"\n\n{notes}\n\n{with_footnote_markers(response.answer)}"
        tail += footnotes(response.citations)
        if tail:
            yield self.event({"content": tail})
        citations = [c.model_dump(mode="json") for c in response.citations]
        yield self.event({}, "stop", vankien_citations=citations, vankien_abstained=response.abstained)


def completion_stream(
    answer: Iterator[StreamEvent], chunks: _Chunks, observe: Callable[[dict[str, float]], None]
) -> Iterator[str]:
    """The answer's events as OpenAI chunks: the role, the content as it forms (markers as footnote
    references), the final chunk; an error as one data event; then ``[DONE]``."""
    yield chunks.event({"role": "assistant", "content": ""})
    rewriter = _MarkerRewriter()
    streamed: list[str] = []
    try:
        for event in answer:
            if event.kind == "token":
                streamed.append(event.text)
                text = rewriter.feed(event.text)
                if text:
                    yield chunks.event({"content": text})
            elif event.kind == "done":
                assert event.response is not None
                observe(event.response.timings_ms)
                yield from chunks.final(event.response, "".join(streamed), rewriter.flush())
    except Exception as error:  # the response has started: the error travels as data, as OpenAI sends it
        yield json.dumps(stream_error_payload(error), ensure_ascii=False)
    yield "[DONE]"


@router.get("/models", response_model=ModelList, summary="Mô hình hiện có")
def list_models(settings: SettingsDep, _role: ReaderDep) -> ModelList:
    return ModelList(data=[ModelCard(id=settings.api.model_name)])


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    summary="Hỏi đáp theo giao thức chat của OpenAI",
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "JSON, hoặc luồng SSE khi `stream` là true",
        },
        401: {"model": ErrorResponse},
        422: {"model": ErrorResponse},
    },
)
def chat_completions(
    chat: Annotated[ChatCompletionRequest, Body(openapi_examples=CHAT_EXAMPLES)],
    runtime: RuntimeDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    _role: ReaderDep,
) -> ChatCompletion | EventSourceResponse:
    """Câu trả lời kèm chú thích nguồn dạng Markdown (`[^1]: ...`) trong `content`, và trích dẫn có
    cấu trúc trong `vankien_citations`."""
    request = checked_request(to_ask_request(chat), settings)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    model = settings.api.model_name
    if not chat.stream:
        response = runtime.answering.ask(request)
        metrics.observe_ask(response.timings_ms)
        content = with_footnote_markers(response.answer) + footnotes(response.citations)
        return ChatCompletion(
            id=completion_id,
            created=created,
            model=model,
            choices=[Choice(message=AssistantMessage(content=content))],
            vankien_citations=response.citations,
            vankien_abstained=response.abstained,
        )

    chunks = _Chunks(completion_id, created, model)
    stream = completion_stream(runtime.answering.stream(request), chunks, metrics.observe_ask)
    # Each string is one event's data: "data: …" and a blank line, with OpenAI's line ends (not CRLF).
    return EventSourceResponse(stream, sep="\n", ping=15)
