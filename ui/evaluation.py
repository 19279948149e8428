"""The Đánh giá tab's logic: run a test set through the running assistant, summarise it for the page.

The run goes through the same service as ``POST /api/evals`` (:mod:`assistant.services.evaluation`): the
app's own answering chain, and run folders under ``<data_dir>/evals/runs/<run id>/``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from assistant.answering import QuestionAnswering
from assistant.services.evaluation import TESTSET_SUFFIXES, run_testset, runs_dir
from ingestion.errors import CodedError

ProgressFn = Callable[[float, str], None]


class EvaluationError(CodedError):
    """A test set that cannot be run. ``code`` is stable; ``message`` is Vietnamese."""


@dataclass(frozen=True)
class EvaluationRun:
    summary: dict[str, Any]
    records: list[dict[str, Any]]
    out_dir: Path

    @property
    def report_path(self) -> Path:
        from evals.runner import REPORT_HTML

        return self.out_dir / REPORT_HTML


def run_testset_file(
    answering: QuestionAnswering,
    testset_path: Path,
    data_dir: Path,
    *,
    documents_dir: Path | None = None,
    report: ProgressFn | None = None,
) -> EvaluationRun:
    """Validate and run a test set file; the run folder goes where the API keeps runs (same run ids)."""
    from evals.documents import DocumentTexts
    from evals.runner import load_run
    from evals.testset import check_quotes, load_testset

    if testset_path.suffix.lower() not in TESTSET_SUFFIXES:
        raise EvaluationError("testset_type", "Bộ câu hỏi phải là tệp .jsonl hoặc .csv.")
    try:
        testset = load_testset(testset_path)
    except OSError as error:
        raise EvaluationError("testset_unreadable", f"Không đọc được bộ câu hỏi: {error}") from None
    if documents_dir is not None and documents_dir.is_dir():
        quote_issues = check_quotes(testset, DocumentTexts(documents_dir))
        testset = replace(testset, issues=(*testset.issues, *quote_issues))
    else:
        documents_dir = None
    if not testset.is_valid():
        first = "; ".join(issue.render(testset_path.name) for issue in testset.errors[:3])
        raise EvaluationError("testset_invalid", f"Bộ câu hỏi không hợp lệ: {first}")

    out_dir = runs_dir(data_dir) / uuid.uuid4().hex
    run_testset(answering, testset, out_dir, documents_dir, report or (lambda _fraction, _message: None))
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
