"""Questions: one answer with verified citations, or the same answer streamed as Server-Sent Events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Body
from sse_starlette import EventSourceResponse, ServerSentEvent

from assistant.answering import AskRequest, AskResponse
from assistant.api.deps import MetricsDep, ReaderDep, RuntimeDep, SettingsDep
from assistant.api.errors import ErrorResponse
from assistant.questions import check_question
from assistant.settings import Settings

router = APIRouter(prefix="/api", tags=["Hỏi đáp"])

ASK_EXAMPLES: dict[str, Any] = {
    "so_lieu": {
        "summary": "Hỏi một số liệu",
        "value": {"question": "Giá trị sản xuất công nghiệp của Bắc Tân Uyên năm 2025 là bao nhiêu?"},
    },
    "hoi_tiep": {
        "summary": "Câu hỏi nối tiếp (có lịch sử)",
        "value": {
            "question": "Còn năm 2022 thì sao?",
            "history": [{"question": "Tổng thu ngân sách năm 2021 của huyện là bao nhiêu?"}],
        },
    },
    "loc": {
        "summary": "Giới hạn theo địa bàn và năm",
        "value": {
            "question": "Tỷ lệ hộ nghèo giảm bao nhiêu?",
            "filters": {"localities": ["Tiểu Cần"], "year_from": 2020, "year_to": 2025},
            "top_k": 5,
        },
    },
}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Thiếu hoặc sai khoá API"},
    422: {"model": ErrorResponse, "description": "Yêu cầu không hợp lệ"},
}


def checked_request(request: AskRequest, settings: Settings) -> AskRequest:
    """The request with its question checked (``empty_question``, ``question_too_long``: 422) and trimmed."""
    return request.model_copy(update={"question": check_question(request.question, settings)})


def sse_event(event: str, data: Any) -> ServerSentEvent:
    """An event whose data is one line of JSON (sse-starlette would write ``str(data)``)."""
    return ServerSentEvent(data=json.dumps(data, ensure_ascii=False), event=event)


@router.post("/ask", response_model=AskResponse, summary="Hỏi một câu", responses=ERROR_RESPONSES)
def ask(
    request: Annotated[AskRequest, Body(openapi_examples=ASK_EXAMPLES)],
    runtime: RuntimeDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    _role: ReaderDep,
) -> AskResponse:
    """Câu trả lời, các trích dẫn (văn bản, số hiệu, ngày, đường dẫn mục, câu làm căn cứ), các đoạn đã
    truy xuất và thời gian từng bước. Khi văn bản không nói đến, `abstained` là true."""
    request = checked_request(request, settings)
    response = runtime.answering.ask(request)
    metrics.observe_ask(response.timings_ms)
    return response


@router.post(
    "/ask/stream",
    summary="Hỏi một câu, nhận câu trả lời dạng luồng (SSE)",
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "Các sự kiện `token` (đoạn chữ), rồi `citations`, rồi `done` (toàn bộ câu trả lời"
            " đã kiểm chứng); `error` nếu có lỗi giữa chừng.",
        },
        **ERROR_RESPONSES,
    },
)
def ask_stream(
    request: Annotated[AskRequest, Body(openapi_examples=ASK_EXAMPLES)],
    runtime: RuntimeDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    _role: ReaderDep,
) -> EventSourceResponse:
    request = checked_request(request, settings)

    def events() -> Iterator[ServerSentEvent]:
        from assistant.api.errors import stream_error_payload

        try:
            for event in runtime.answering.stream(request):
                if event.kind == "token":
                    yield sse_event("token", {"text": event.text})
                elif event.kind == "citations":
                    citations = [c.model_dump(mode="json") for c in event.citations]
                    yield sse_event("citations", {"citations": citations})
                else:
                    assert event.response is not None
                    metrics.observe_ask(event.response.timings_ms)
                    yield sse_event("done", event.response.model_dump(mode="json"))
        except Exception as error:
            # The response has started: the error travels as an event, never as a stack trace.
            yield sse_event("error", stream_error_payload(error))

    return EventSourceResponse(events(), ping=15)
