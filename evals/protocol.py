"""The boundary between the evaluation runner and the system under test.

The runner only sees an :data:`AskFn`: a question goes in, a :class:`SystemAnswer` comes out. How the
system is built (ingestion, store, retrieval, answering) is the system's business: the assistant's adapter
is in ``assistant/services/evaluation.py``; ``evals/`` never imports the assistant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Passage:
    """A retrieved or cited passage, located in its document file."""

    document: str  # file name as ingested, e.g. "000_2265b64d677103f7.txt"
    section_path: tuple[str, ...]
    text: str  # the passage as shown
    # Character span of the passage in the document FILE's text (as decoded by the loader); None if unknown.
    source_start: int | None
    source_end: int | None
    score: float | None = None
    section_id: str | None = None


@dataclass(frozen=True)
class SystemAnswer:
    answer: str | None  # None when the system only retrieves (answering not built yet)
    abstained: bool
    citations: tuple[Passage, ...]  # passages the answer cites, in marker order ([1] = citations[0])
    retrieved: tuple[Passage, ...]  # ranked, best first (at least top 10)
    latency_ms: float


AskFn = Callable[[str], SystemAnswer]
