"""The Đánh giá tab's logic: run a test set through the running assistant, summarise it for the page.

The runner asks through the app's own :class:`QuestionAnswering` (the same path the API uses), so the
evaluation measures exactly what users get, without opening a second store.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.answering import AskRequest, QuestionAnswering
from evals.protocol import AskFn, Passage, SystemAnswer

TESTSET_SUFFIXES = (".jsonl", ".csv")
ProgressFn = Callable[[int, int], None]


class EvaluationError(Exception):
    """A test set that cannot be run. ``code`` is stable; ``message`` is Vietnamese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def answering_ask_fn(answering: QuestionAnswering) -> AskFn:
    """The evaluation protocol over an answering chain: a question in, the answer and its passages out."""

    def ask(question: str) -> SystemAnswer:
        started = time.perf_counter()
        response = answering.ask(AskRequest(question=question))
        latency = (time.perf_counter() - started) * 1000
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
        by_passage = {(p.doc_id, p.section_id, p.text): p for p in response.retrieved}
        citations = []
        for c in response.citations:
            source = by_passage.get((c.doc_id, c.section_id, c.passage))
            citations.append(
                Passage(
                    document=c.file_name,
                    section_path=tuple(c.section_path),
                    text=c.passage,
                    source_start=source.source_start if source else None,
                    source_end=source.source_end if source else None,
                    section_id=c.section_id,
                )
            )
        return SystemAnswer(
            answer=response.answer,
            abstained=response.abstained,
            citations=tuple(citations),
            retrieved=retrieved,
            latency_ms=latency,
        )

    return ask


def list_testsets(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in TESTSET_SUFFIXES)


@dataclass(frozen=True)
class EvaluationRun:
    summary: dict[str, Any]
    records: list[dict[str, Any]]
    out_dir: Path

    @property
    def report_path(self) -> Path:
        from evals.runner import REPORT_HTML

        return self.out_dir / REPORT_HTML


def run_testset(
    answering: QuestionAnswering,
    testset_path: Path,
    runs_dir: Path,
    *,
    documents_dir: Path | None = None,
    on_progress: ProgressFn | None = None,
) -> EvaluationRun:
    """Validate and run a test set; the run folder (report.html, summary.json…) goes under ``runs_dir``."""
    from dataclasses import replace

    from evals.documents import DocumentTexts
    from evals.runner import load_run, run_evaluation
    from evals.testset import check_quotes, load_testset

    if testset_path.suffix.lower() not in TESTSET_SUFFIXES:
        raise EvaluationError("testset_type", "Bộ câu hỏi phải là tệp .jsonl hoặc .csv.")
    try:
        testset = load_testset(testset_path)
    except OSError as error:
        raise EvaluationError("testset_unreadable", f"Không đọc được bộ câu hỏi: {error}") from None
    documents = DocumentTexts(documents_dir) if documents_dir and documents_dir.is_dir() else None
    if documents is not None:
        testset = replace(testset, issues=(*testset.issues, *check_quotes(testset, documents)))
    if not testset.is_valid():
        first = "; ".join(issue.render(testset_path.name) for issue in testset.errors[:3])
        raise EvaluationError("testset_invalid", f"Bộ câu hỏi không hợp lệ: {first}")

    ask = answering_ask_fn(answering)
    total = len(testset.items)
    done = 0

    def ask_counting(question: str) -> SystemAnswer:
        nonlocal done
        try:
            return ask(question)
        finally:
            done += 1
            if on_progress:
                on_progress(done, total)

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    out_dir = runs_dir / f"{stamp}-{testset_path.stem}"
    out_dir.mkdir(parents=True, exist_ok=True)
    run_evaluation(
        testset,
        ask_counting,
        out_dir,
        documents=documents,
        configuration={"testset": testset_path.name, "source": "ui"},
        show_progress=False,
    )
    summary, records = load_run(out_dir)
    return EvaluationRun(summary, records, out_dir)


def metric_rows(summary: Mapping[str, Any]) -> list[list[str]]:
    """Rows of the metric table: key, Vietnamese label, value, note."""
    from evals.metrics import METRIC_KEYS
    from evals.report import METRIC_LABELS, format_metric

    return [
        [
            key,
            METRIC_LABELS.get(key, key),
            format_metric(key, summary["metrics"].get(key)),
            summary["notes"].get(key, ""),
        ]
        for key in METRIC_KEYS
    ]


def plots_html(summary: Mapping[str, Any], records: Sequence[Mapping[str, Any]]) -> str:
    """The report's plots (inline SVG, every label escaped by the report module)."""
    from evals.report import TYPE_METRICS, svg_grouped_bars, svg_histogram

    series = [
        k for k in TYPE_METRICS if any(g["metrics"].get(k) is not None for g in summary["by_type"].values())
    ]
    latencies = [r["latency_ms"] for r in records if r.get("latency_ms") is not None and not r.get("error")]
    bars = svg_grouped_bars(
        {name: group["metrics"] for name, group in summary["by_type"].items()}, series, "Chỉ số theo loại"
    )
    histogram = svg_histogram(
        latencies,
        "Phân bố thời gian trả lời",
        "ms",
        {"p50": summary["metrics"].get("latency.p50_ms"), "p95": summary["metrics"].get("latency.p95_ms")},
    )
    return f'<div class="vk-plots"><div>{bars}</div><div>{histogram}</div></div>'


def counts_text(summary: Mapping[str, Any]) -> str:
    counts = summary["counts"]
    return (
        f"{counts['items']} câu · đạt {counts['passed']}, không đạt {counts['failed']}, lỗi {counts['errors']}, "
        f"từ chối {counts['abstained']} · {summary['duration_s']} s"
    )
