"""Evaluation runs over the open runtime: a test set asked through the same answering chain the API uses.

Runs are written under ``<data_dir>/evals/runs/<run id>/`` (the run folder of ``vankien eval run``).
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

from assistant.answering import AskRequest, AskResponse, QuestionAnswering
from assistant.services.jobs import ProgressReporter
from evals.protocol import AskFn, Passage, SystemAnswer
from evals.testset import TestSet

EVALS_DIR = "evals"
RUNS_DIR = "runs"
TESTSET_SUFFIXES = (".jsonl", ".csv")
_RUN_ID = re.compile(r"^[0-9a-f]{32}$")


def system_answer(response: AskResponse, latency_ms: float) -> SystemAnswer:
    """An answer of the chain as the evaluation runner sees it (passages located in their files)."""
    retrieved = tuple(
        Passage(
            document=p.file_name,
            section_path=tuple(p.section_path),
            text=p.text,
            source_start=p.source_start,
            source_end=p.source_end,
            score=p.score,
            section_id=p.section_id,
        )
        for p in response.retrieved
    )
    spans = {(p.doc_id, p.section_id, p.text): (p.source_start, p.source_end) for p in response.retrieved}
    citations = []
    for c in response.citations:
        start, end = spans.get((c.doc_id, c.section_id, c.passage), (None, None))
        citations.append(
            Passage(
                document=c.file_name,
                section_path=tuple(c.section_path),
                text=c.passage,
                source_start=start,
                source_end=end,
                section_id=c.section_id,
            )
        )
    return SystemAnswer(
        answer=response.answer,
        abstained=response.abstained,
        citations=tuple(citations),
        retrieved=retrieved,
        latency_ms=latency_ms,
    )


def counting_ask_fn(answering: QuestionAnswering, total: int, report: ProgressReporter) -> AskFn:
    """An AskFn over ``answering`` that reports progress after each of ``total`` questions."""
    asked = 0
    lock = threading.Lock()

    def ask(question: str) -> SystemAnswer:
        nonlocal asked
        started = time.perf_counter()
        response = answering.ask(AskRequest(question=question))
        answer = system_answer(response, (time.perf_counter() - started) * 1000)
        with lock:
            asked += 1
            report(0.95 * asked / max(total, 1), f"question {asked}/{total}")
        return answer

    return ask


def runs_dir(data_dir: Path) -> Path:
    return data_dir / EVALS_DIR / RUNS_DIR


def run_dir(data_dir: Path, run_id: str) -> Path | None:
    """The folder of a run, or None for an id that is not one (ids are checked: they become paths)."""
    if not _RUN_ID.match(run_id):
        return None
    folder = runs_dir(data_dir) / run_id
    return folder if folder.is_dir() else None


def available_testsets(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_file() and p.suffix.lower() in TESTSET_SUFFIXES)


def run_testset(
    answering: QuestionAnswering,
    testset: TestSet,
    out_dir: Path,
    documents_dir: Path | None,
    report: ProgressReporter,
) -> dict[str, Any]:
    """Run ``testset`` through ``answering`` into ``out_dir``; returns the summary."""
    from evals.documents import DocumentTexts
    from evals.runner import run_evaluation

    report(0.0, "running")
    documents = DocumentTexts(documents_dir) if documents_dir else None
    ask = counting_ask_fn(answering, len(testset.items), report)
    summary = run_evaluation(
        testset,
        ask,
        out_dir,
        documents=documents,
        configuration={"source": "api", "answerer": "extractive"},
        show_progress=False,
    )
    return summary
