"""The one shape of a user-facing failure, shared by every package: a stable code and a Vietnamese message."""

from __future__ import annotations


class CodedError(Exception):
    """``code`` is stable (API bodies, CLI reports, logs); ``message`` is Vietnamese; ``detail`` says what exactly."""

    def __init__(self, code: str, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.message} ({self.detail})" if self.detail else self.message
