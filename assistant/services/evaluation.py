"""The one evaluation service: a test set asked through the assistant's answering chain, for the CLI, the API and
the UI alike.

Two steps. :func:`prepare_evaluation` does everything that can be wrong before a (possibly long) run: it
loads and validates the test set, checks every gold quote against the corpus documents when there are
some, reads the gate's baseline, and builds the run configuration. :func:`execute_evaluation` asks the
questions through an open runtime (reporting progress), writes the run folder, and checks the gate if
one was asked for. A run's configuration records where it was started (``source``) and the answerer the
runtime actually uses.

This module is also the adapter from the evaluation protocol (:mod:`evals.protocol`) to the assistant:
``evals/`` never imports the assistant.

Runs of the API and the UI are written under ``<data_dir>/evals/runs/<run id>/``.
"""

from __future__ import annotations

import json
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from evals.documents import DocumentTexts
from evals.gate import Gate, GateResult, check_gate
from evals.protocol import AskFn, Passage, SystemAnswer
from evals.report import metric_rows, plots_html
from evals.runner import GATE_JSON, REPORT_HTML, SUMMARY_JSON, load_run, run_evaluation
from evals.testset import Issue, TestSet, check_quotes, load_testset
from ingestion.errors import CodedError

if TYPE_CHECKING:
    from assistant.answering import AskResponse, QuestionAnswering
    from assistant.runtime import Runtime
    from assistant.settings import ApiSettings, LLMSettings, Settings

__all__ = [
    "REPORT_HTML",
    "SUMMARY_JSON",
    "TESTSET_SUFFIXES",
    "EvaluationError",
    "Issue",
    "PreparedEvaluation",
    "ProgressFn",
    "RunResult",
    "RunSource",
    "answerer_configuration",
    "available_testsets",
    "configured_documents_dir",
    "execute_evaluation",
    "metric_rows",
    "new_run_dir",
    "open_evaluation_runtime",
    "plots_html",
    "prepare_evaluation",
    "run_dir",
    "runs_dir",
]

EVALS_DIR = "evals"
RUNS_DIR = "runs"
TESTSET_SUFFIXES = (".jsonl", ".csv")
_RUN_ID = re.compile(r"^[0-9a-f]{32}$")

RunSource = Literal["cli", "api", "ui"]
# Progress of a run: the fraction done (0..1) and what is being done.
ProgressFn = Callable[[float, str], None]


class EvaluationError(CodedError):
    """A test set, a baseline or a corpus that stops a run before it starts. ``code`` is stable; ``message`` is
    Vietnamese, ``message_en`` the same in English. ``testset`` is the loaded set when it is the set that is not
    valid (its issues say why)."""

    def __init__(self, code: str, message: str, message_en: str, *, testset: TestSet | None = None) -> None:
        super().__init__(code, message)
        self.message_en = message_en
        self.testset = testset


@dataclass(frozen=True)
class PreparedEvaluation:
    """A run ready to go: a valid test set, the corpus documents for span matching (or None), where the run
    folder goes, the configuration the summary records, and the gate to check afterwards."""

    testset: TestSet
    documents: DocumentTexts | None
    out_dir: Path
    configuration: Mapping[str, Any]
    gate: Gate = field(default_factory=Gate)
    baseline_metrics: Mapping[str, Any] | None = None

    @property
    def gated(self) -> bool:
        return bool(self.gate.bounds) or self.baseline_metrics is not None


@dataclass(frozen=True)
class RunResult:
    """A finished run: its summary and item records as written in ``out_dir``, and the gate's verdict
    (None when no gate was asked for, or when questions raised: a run with errors has no verdict)."""

    summary: dict[str, Any]
    records: list[dict[str, Any]]
    out_dir: Path
    gate: GateResult | None = None

    @property
    def run_id(self) -> str:
        return self.out_dir.name

    @property
    def report_path(self) -> Path:
        return self.out_dir / REPORT_HTML

    @property
    def errors(self) -> int:
        errors: int = self.summary["counts"]["errors"]
        return errors


# ------------------------------------------------------------------------------------------- run folders


def runs_dir(data_dir: Path) -> Path:
    return data_dir / EVALS_DIR / RUNS_DIR


def new_run_dir(data_dir: Path) -> Path:
    """The folder of a new run (not created): its name is the run id."""
    return runs_dir(data_dir) / uuid.uuid4().hex


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


def configured_documents_dir(settings: ApiSettings) -> Path | None:
    """The corpus files the API and the UI match spans and check quotes against, when configured and there."""
    folder = settings.eval_documents_dir
    return folder if folder is not None and folder.is_dir() else None


# ------------------------------------------------------------------------------------------------ prepare


def _load_baseline(gate: Gate) -> Mapping[str, Any] | None:
    if gate.baseline is None:
        return None
    try:
        metrics: Mapping[str, Any] = load_run(gate.baseline)[0]["metrics"]
    except (OSError, ValueError, KeyError) as error:
        message = f"Không đọc được lần chạy gốc {gate.baseline}: {error}"
        message_en = f"The baseline run {gate.baseline} cannot be read: {error}"
        raise EvaluationError("baseline_unreadable", message, message_en) from None
    return metrics


def prepare_evaluation(
    testset_path: Path,
    out_dir: Path,
    *,
    source: RunSource,
    documents_dir: Path | None = None,
    corpus: Path | None = None,
    data_dir: Path | None = None,
    gate: Gate | None = None,
    strict: bool = False,
) -> PreparedEvaluation:
    """Load and check everything a run needs; raises :class:`EvaluationError` (codes ``testset_type``,
    ``testset_unreadable``, ``testset_invalid``, ``baseline_unreadable``) before anything is asked.

    ``documents_dir`` (default: ``corpus``) holds the corpus files: every gold quote must be in them, and
    passages match gold sources by span too. ``corpus`` and ``data_dir`` say which store the run uses
    (see :func:`open_evaluation_runtime`); they are recorded in the configuration.
    """
    gate = gate or Gate()
    baseline_metrics = _load_baseline(gate)
    if testset_path.suffix.lower() not in TESTSET_SUFFIXES:
        raise EvaluationError(
            "testset_type",
            "Bộ câu hỏi phải là tệp .jsonl hoặc .csv.",
            "A test set must be a .jsonl or .csv file.",
        )
    try:
        testset = load_testset(testset_path)
    except OSError as error:
        message, message_en = (
            f"Không đọc được {testset_path}: {error}",
            f"Cannot read {testset_path}: {error}",
        )
        raise EvaluationError("testset_unreadable", message, message_en) from None
    folder = documents_dir or corpus
    documents = DocumentTexts(folder) if folder else None
    if documents is not None:
        testset = replace(testset, issues=(*testset.issues, *check_quotes(testset, documents)))
    if not testset.is_valid(strict=strict):
        shown = testset.errors or testset.warnings  # under --strict a warning is what makes it invalid
        problems = "; ".join(issue.render(testset_path.name) for issue in shown[:5])
        raise EvaluationError(
            "testset_invalid",
            f"Bộ câu hỏi không hợp lệ: {problems}",
            f"The test set is not valid: {problems}",
            testset=testset,
        )
    configuration = {
        "source": source,
        "testset": str(testset_path),
        "corpus": str(corpus) if corpus else None,
        "data_dir": str(data_dir) if data_dir else None,
        "documents": str(folder) if folder else None,
    }
    return PreparedEvaluation(testset, documents, out_dir, configuration, gate, baseline_metrics)


# ------------------------------------------------------------------------------------------------ execute


def answerer_configuration(llm: LLMSettings) -> dict[str, Any]:
    """The answerer a runtime built from these settings uses: the extractive one, or a language model."""
    if llm.mode == "none":
        return {"kind": "extractive"}
    model = llm.model if llm.mode != "llamacpp" else (llm.model_path.name if llm.model_path else None)
    return {"kind": "llm", "mode": llm.mode, "model": model}


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


def answering_ask_fn(answering: QuestionAnswering) -> AskFn:
    """Ask each question through the answering chain, as the API does, and time it."""
    from assistant.answering import AskRequest

    def ask(question: str) -> SystemAnswer:
        started = time.perf_counter()
        response = answering.ask(AskRequest(question=question))
        return system_answer(response, (time.perf_counter() - started) * 1000)

    return ask


def _counting(ask_one: AskFn, total: int, on_progress: ProgressFn) -> AskFn:
    """``ask_one``, reporting progress after each of ``total`` questions."""
    asked = 0
    lock = threading.Lock()

    def ask(question: str) -> SystemAnswer:
        nonlocal asked
        answer = ask_one(question)
        with lock:
            asked += 1
            on_progress(0.95 * asked / max(total, 1), f"question {asked}/{total}")
        return answer

    return ask


def execute_evaluation(
    prepared: PreparedEvaluation,
    runtime: Runtime,
    *,
    on_progress: ProgressFn | None = None,
    show_progress: bool = False,
) -> RunResult:
    """Run the prepared test set through ``runtime``'s answering chain into ``prepared.out_dir``.

    ``on_progress`` is called as questions are answered; ``show_progress`` draws a progress bar on stderr
    (the command line). The gate, if any, is checked when no question raised, its verdict written to
    ``gate.json``. Exceptions of the system under test (it could not open, a question broke the runner)
    propagate; a question that raises is recorded in its item, not raised.
    """
    out_dir = prepared.out_dir
    (out_dir / GATE_JSON).unlink(missing_ok=True)  # never leave an earlier run's verdict beside this one
    configuration = {
        **prepared.configuration,
        "answerer": answerer_configuration(runtime.settings.llm),
        "settings": runtime.settings.model_dump(mode="json"),
    }
    ask = answering_ask_fn(runtime.answering)
    if on_progress is not None:
        on_progress(0.0, "running")
        ask = _counting(ask, len(prepared.testset.items), on_progress)
    run_evaluation(
        prepared.testset,
        ask,
        out_dir,
        documents=prepared.documents,
        configuration=configuration,
        show_progress=show_progress,
    )
    summary, records = load_run(out_dir)
    result = RunResult(summary, records, out_dir)
    if not prepared.gated or result.errors:
        return result
    verdict = check_gate(prepared.gate, summary["metrics"], prepared.baseline_metrics)
    (out_dir / GATE_JSON).write_text(
        json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return replace(result, gate=verdict)


@contextmanager
def open_evaluation_runtime(
    settings: Settings, corpus: Path | None = None, data_dir: Path | None = None
) -> Iterator[Runtime]:
    """The runtime a command-line run asks: with ``corpus``, a fresh temporary store the corpus is ingested
    into first; else the store in ``data_dir`` (default: the configured one)."""
    from assistant.runtime import open_runtime

    with tempfile.TemporaryDirectory(prefix="vankien-eval-") as scratch:
        store_dir = Path(scratch) if corpus is not None else (data_dir or settings.data_dir)
        with open_runtime(settings, store_dir) as runtime:
            if corpus is not None:
                failed = [o for o in runtime.pipeline.ingest_all([corpus]) if o.status == "failed"]
                if failed:
                    errors = "; ".join(f"{o.path.name}: {o.error}" for o in failed)
                    raise EvaluationError(
                        "corpus_ingest_failed",
                        f"Không nạp được bộ văn bản: {errors}",
                        f"The corpus could not be ingested: {errors}",
                    )
            yield runtime
