"""The one check of a question, before anything is retrieved: the API, ``/v1``, the CLI and the UI use it.

One limit, ``settings.api.max_question_chars``; one message per failure, Vietnamese (``message``) with its
English twin in :mod:`assistant.services.messages`.
"""

from __future__ import annotations

import re
import unicodedata

from assistant.settings import Settings
from ingestion.errors import CodedError
from ingestion.textnorm import without_invisible

# Bidi marks and overrides print nothing either; besides them, a question loses what documents lose.
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2061-\u2064]")


def _visible(text: str | None) -> str:
    """``text`` in NFC without invisible characters and surrounding whitespace."""
    return _BIDI.sub("", without_invisible(unicodedata.normalize("NFC", text or ""))).strip()


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


def _checked(text: str | None, settings: Settings, *, what: str, what_en: str, kind: str) -> str:
    """``text`` cleaned, or ``QuestionError`` ``empty_<kind>`` / ``<kind>_too_long`` (one limit for both kinds)."""
    cleaned = _visible(text)
    if not cleaned:
        raise QuestionError(f"empty_{kind}", _EMPTY[kind], f"The {what_en} is empty.")
    limit = question_limit(settings)
    if len(cleaned) > limit:
        raise QuestionError(
            f"{kind}_too_long",
            f"{what} quá dài ({len(cleaned)} ký tự; tối đa {limit} ký tự).",
            f"The {what_en} is too long ({len(cleaned)} characters; at most {limit}).",
        )
    return cleaned


_EMPTY = {"question": "Câu hỏi trống: hãy nhập câu hỏi.", "query": "Truy vấn trống: hãy nhập từ khoá."}


def check_question(question: str | None, settings: Settings) -> str:
    """The question without invisible characters and surrounding whitespace; ``QuestionError`` when it is
    empty (nothing visible: spaces, NUL, zero-width characters) or too long."""
    return _checked(question, settings, what="Câu hỏi", what_en="question", kind="question")


def check_query(query: str | None, settings: Settings) -> str:
    """A search query, checked like a question (the same limit): ``empty_query``, ``query_too_long``."""
    return _checked(query, settings, what="Truy vấn", what_en="query", kind="query")
