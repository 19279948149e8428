"""Asking a question of the answering chain: the one question check, then the answer's events.

The chain's request and response types are named here for callers that import only services (the UI).
The question check is :mod:`assistant.questions` (also for search queries: ``check_query``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from assistant.answering import (
    AskFilters,
    AskRequest,
    AskResponse,
    Citation,
    QuestionAnswering,
    RetrievedPassage,
    StreamEvent,
    Turn,
)
from assistant.questions import QuestionError, check_query, check_question
from assistant.settings import Settings
from prompts.templates import ABSTAIN_CLOSEST

__all__ = [
    "ABSTAIN_CLOSEST",
    "AskFilters",
    "AskResponse",
    "Citation",
    "QuestionAnswering",
    "QuestionError",
    "RetrievedPassage",
    "StreamEvent",
    "Turn",
    "check_query",
    "check_question",
    "stream_answer",
]


def stream_answer(
    answering: QuestionAnswering,
    settings: Settings,
    question: str,
    history: Sequence[Turn],
    filters: AskFilters,
) -> tuple[str, Iterator[StreamEvent]]:
    """The question as checked and the events of its answer.

    The check runs now, before anything is retrieved: ``QuestionError`` (``empty_question``,
    ``question_too_long``) is raised by this call, not by the first event.
    """
    checked = check_question(question, settings)
    request = AskRequest(question=checked, history=list(history), filters=filters)
    return checked, answering.stream(request)
