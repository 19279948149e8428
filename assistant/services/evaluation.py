"""Evaluation runs over the open runtime: a test set asked through the same answering chain the API uses.

Runs are written under ``<data_dir>/evals/runs/<run id>/`` (the run folder of ``vankien eval run``).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from assistant.answering import QuestionAnswering
from assistant.services.jobs import ProgressReporter
from evals.protocol import AskFn, SystemAnswer
from evals.system import answering_ask_fn
from evals.testset import TestSet

EVALS_DIR = "evals"
RUNS_DIR = "runs"
TESTSET_SUFFIXES = (".jsonl", ".csv")
_RUN_ID = re.compile(r"^[0-9a-f]{32}$")


def counting_ask_fn(answering: QuestionAnswering, total: int, report: ProgressReporter) -> AskFn:
    """An AskFn over ``answering`` that reports progress after each of ``total`` questions."""
    asked = 0
    lock = threading.Lock()
    ask_one = answering_ask_fn(answering)

    def ask(question: str) -> SystemAnswer:
        nonlocal asked
        answer = ask_one(question)
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
