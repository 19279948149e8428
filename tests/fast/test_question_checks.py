"""One question check, one limit (``api.max_question_chars``), one message: the check itself (the endpoints
that use it are tested in tests/unit/test_questions.py)."""

from __future__ import annotations

import pytest

from assistant.questions import QuestionError, check_query, check_question
from assistant.settings import ApiSettings, Settings
from tests.api_support import FIGURE_QUESTION

LIMIT = 120


def settings_with(limit: int) -> Settings:
    return Settings(api=ApiSettings(max_question_chars=limit))


def test_a_question_is_trimmed_and_kept() -> None:
    assert check_question(f"  {FIGURE_QUESTION}\n", settings_with(LIMIT)) == FIGURE_QUESTION


@pytest.mark.parametrize("question", ["", "   ", "\n\t", None, "\x00\x00", "\u200b \ufeff", "\u202e\x1b"])
def test_an_empty_question_is_refused(question: str | None) -> None:
    with pytest.raises(QuestionError) as refused:
        check_question(question, settings_with(LIMIT))
    assert refused.value.code == "empty_question"
    assert refused.value.message == "Câu hỏi trống: hãy nhập câu hỏi."
    assert refused.value.message_en == "The question is empty."


def test_invisible_characters_inside_a_question_are_dropped() -> None:
    assert check_question("Ai\u200b ký\x00 báo cáo?", settings_with(LIMIT)) == "Ai ký báo cáo?"


def test_the_limit_is_the_setting_and_counts_the_trimmed_question() -> None:
    assert check_question("a" * LIMIT + "   ", settings_with(LIMIT)) == "a" * LIMIT
    with pytest.raises(QuestionError) as refused:
        check_question("a" * (LIMIT + 1), settings_with(LIMIT))
    assert refused.value.code == "question_too_long"
    assert refused.value.message == f"Câu hỏi quá dài ({LIMIT + 1} ký tự; tối đa {LIMIT} ký tự)."
    assert f"at most {LIMIT}" in refused.value.message_en


def test_a_query_has_the_same_limit_and_its_own_codes() -> None:
    with pytest.raises(QuestionError) as empty:
        check_query("  ", settings_with(LIMIT))
    assert empty.value.code == "empty_query"
    with pytest.raises(QuestionError) as long:
        check_query("a" * (LIMIT + 1), settings_with(LIMIT))
    assert long.value.code == "query_too_long" and f"tối đa {LIMIT} ký tự" in long.value.message
