"""The one check of a question, before anything is retrieved: the API, ``/v1``, the CLI and the UI use it.

One limit, ``settings.api.max_question_chars``; one message per failure, Vietnamese (``message``) with its
English twin in :mod:`assistant.services.messages`.
"""

from __future__ import annotations

from assistant.settings import Settings
from ingestion.errors import CodedError


class QuestionError(CodedError):
    """A question (or search query) that cannot be asked: ``empty_question``, ``question_too_long``,
    ``empty_query``, ``query_too_long``.

    ``message_en`` is the English message with the same figures (the API's ``message_en``)."""

    def __init__(self, code: str, message: str, message_en: str) -> None:
        super().__init__(code, message)
        self.message_en = message_en


def question_limit(settings: Settings) -> int:
    """The most characters a question may have (after surrounding spaces are removed)."""
    return settings.api.max_question_chars


def check_question(question: str | None, settings: Settings) -> str:
    """The question without its surrounding whitespace; ``QuestionError`` when it is empty or too long."""
    text = (question or "").strip()
    if not text:
        raise QuestionError("empty_question", "Câu hỏi trống: hãy nhập câu hỏi.", "The question is empty.")
    limit = question_limit(settings)
    if len(text) > limit:
        raise QuestionError(
            "question_too_long",
            f"Câu hỏi quá dài ({len(text)} ký tự; tối đa {limit} ký tự).",
            f"The question is too long ({len(text)} characters; at most {limit}).",
        )
    return text


def check_query(query: str | None, settings: Settings) -> str:
    """A search query, checked like a question (the same limit): ``empty_query``, ``query_too_long``."""
    text = (query or "").strip()
    if not text:
        raise QuestionError("empty_query", "Truy vấn trống: hãy nhập từ khoá.", "The query is empty.")
    limit = question_limit(settings)
    if len(text) > limit:
        raise QuestionError(
            "query_too_long",
            f"Truy vấn quá dài ({len(text)} ký tự; tối đa {limit} ký tự).",
            f"The query is too long ({len(text)} characters; at most {limit}).",
        )
    return text
