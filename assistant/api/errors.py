"""Errors as the API shows them: ``{"error": {"code", "message", "message_en"}}``, never a stack trace.

``code`` is stable (clients branch on it); ``message`` is Vietnamese, ``message_en`` English. Errors of
the ingestion, the store and the embeddings keep their own codes and Vietnamese messages.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.questions import QuestionError
from assistant.services.messages import english_message
from ingestion.errors import CodedError
from ingestion.model import IngestError
from vectorstore.embeddings import EmbeddingError
from vectorstore.store import StoreError

logger = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    code: str = Field(examples=["document_not_found"])
    message: str = Field(examples=["Không tìm thấy văn bản trong kho."])
    message_en: str = Field(examples=["No such document in the store."])


class ErrorResponse(BaseModel):
    error: ErrorBody


class ApiError(Exception):
    """An error the API reports as it is: an HTTP status, a stable code, a Vietnamese and an English message."""

    def __init__(
        self, status: int, code: str, message: str, message_en: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message_en)
        self.status = status
        self.code = code
        self.message = message
        self.message_en = message_en
        self.headers = headers


def error_response(
    status: int, code: str, message: str, message_en: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(code=code, message=message, message_en=message_en))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


# Failures of a service the API depends on (not of the request): 503, so that clients retry later.
# The service cannot do it now but may soon: 503 (store_busy: another process holds the writer lock).
_UNAVAILABLE = {"chroma_unavailable", "embedding_server_unavailable", "embedding_server_error", "store_busy"}


def _domain_error(error: IngestError | StoreError | EmbeddingError) -> JSONResponse:
    if isinstance(error, IngestError):
        status = 415 if error.code == "unsupported_content" else 422
    elif error.code in _UNAVAILABLE:
        status = 503
    else:
        status = 500
    if error.detail:
        logger.warning("%s: %s (%s)", error.code, error.message, error.detail)
    return error_response(status, error.code, error.message, english_message(error.code))


_HTTP_ERRORS: dict[int, tuple[str, str, str]] = {
    404: ("not_found", "Không có đường dẫn này.", "No such path."),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ ở đường dẫn này.", "Method not allowed here."),
    413: ("request_too_large", "Yêu cầu quá lớn.", "Request too large."),
}


def _validation_message(errors: list[Any]) -> str:
    parts = []
    for error in errors[:5]:
        where = ".".join(str(x) for x in error.get("loc", ()) if x != "body")
        parts.append(f"{where}: {error.get('msg', '')}" if where else str(error.get("msg", "")))
    return "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError) -> JSONResponse:
        return error_response(error.status, error.code, error.message, error.message_en, error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        detail = _validation_message(list(error.errors()))
        return error_response(
            422,
            "invalid_request",
            f"Yêu cầu không hợp lệ: {detail}",
            f"Invalid request: {detail}",
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code, message, english = _HTTP_ERRORS.get(
            error.status_code, ("http_error", "Yêu cầu không thực hiện được.", "The request failed.")
        )
        return error_response(error.status_code, code, message, english, getattr(error, "headers", None))

    @app.exception_handler(IngestError)
    async def ingest_error(request: Request, error: IngestError) -> JSONResponse:
        return _domain_error(error)

    @app.exception_handler(StoreError)
    async def store_error(request: Request, error: StoreError) -> JSONResponse:
        return _domain_error(error)

    @app.exception_handler(EmbeddingError)
    async def embedding_error(request: Request, error: EmbeddingError) -> JSONResponse:
        return _domain_error(error)

    @app.exception_handler(QuestionError)
    async def question_error(request: Request, error: QuestionError) -> JSONResponse:
        return error_response(422, error.code, error.message, error.message_en)

    @app.exception_handler(CodedError)
    async def coded_error(request: Request, error: CodedError) -> JSONResponse:
        # A coded failure no handler above knows: still its code and message, never "internal_error".
        logger.warning("%s on %s %s: %s", error.code, request.method, request.url.path, error)
        return error_response(500, error.code, error.message, english_message(error.code))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        # The trace goes to the log, never to the client.
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(
            500,
            "internal_error",
            "Lỗi nội bộ của máy chủ; chi tiết đã được ghi vào nhật ký.",
            "Internal server error; the details were logged.",
        )


def not_found(code: str, message: str, message_en: str) -> ApiError:
    return ApiError(404, code, message, message_en)


def stream_error_payload(error: Exception) -> dict[str, Any]:
    """The error body for an error that happens after a streamed response has started."""
    if isinstance(error, CodedError):
        english = error.message_en if isinstance(error, QuestionError) else english_message(error.code)
        body = ErrorBody(code=error.code, message=error.message, message_en=english)
    else:
        logger.error("error while streaming", exc_info=error)
        body = ErrorBody(
            code="internal_error",
            message="Lỗi nội bộ của máy chủ; chi tiết đã được ghi vào nhật ký.",
            message_en="Internal server error; the details were logged.",
        )
    return ErrorResponse(error=body).model_dump()
