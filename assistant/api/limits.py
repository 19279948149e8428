"""The request body cap, enforced while the body is read (a missing or false Content-Length does not help)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.errors import error_response


class _BodyTooLarge(HTTPException):
    """An HTTPException, so that FastAPI's body parsing passes it on instead of turning it into a 400."""

    def __init__(self) -> None:
        super().__init__(413)


@dataclass(frozen=True)
class BodyLimit:
    """The most bytes a request body may have. ``upload_bytes``: the body carries one uploaded file of at
    most that size (the rest is multipart framing), and going over is ``upload_too_large``, the same code
    the upload route gives a file just over its limit."""

    max_bytes: int
    upload_bytes: int | None = None


class BodyLimitMiddleware:
    """Answers 413 (``request_too_large``, or ``upload_too_large`` for an upload) when a request body
    exceeds ``limit_for(scope)``."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[Scope], BodyLimit]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body_limit = self.limit_for(scope)
        limit = body_limit.max_bytes
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _reject(body_limit, scope, receive, send)
            return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if response_started:
                raise
            await _reject(body_limit, scope, receive, send)


def size_text(limit: int) -> str:
    """A byte limit as people read it: "20.0 MB", or "512 KB" under 1 MB ("0.0 MB" would say nothing)."""
    megabytes = limit / (1024 * 1024)
    return f"{megabytes:.1f} MB" if megabytes >= 1 else f"{limit // 1024} KB"


async def _reject(body_limit: BodyLimit, scope: Scope, receive: Receive, send: Send) -> None:
    if body_limit.upload_bytes is not None:
        size = size_text(body_limit.upload_bytes)
        response = error_response(
            413,
            "upload_too_large",
            f"Tệp quá lớn (tối đa {size}).",
            f"The file is too large (at most {size}).",
        )
    else:
        size = size_text(body_limit.max_bytes)
        response = error_response(
            413,
            "request_too_large",
            f"Nội dung yêu cầu quá lớn (tối đa {size}).",
            f"The request body is too large (at most {size}).",
        )
    await response(scope, receive, send)
