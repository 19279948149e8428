"""The evaluation runner: ask every question of a test set, score it, write the run folder.

A run folder holds ``items.jsonl`` / ``items.csv`` (one record per item), ``summary.json``,
``summary.md`` and ``report.html``. The runner takes an :data:`evals.protocol.AskFn`, so it works
for any system, any test set with the schema and any corpus.
"""

from __future__ import annotations

import csv
import json
import time
import traceback
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from evals.documents import DocumentTexts
from evals.metrics import (
    RETRIEVAL_DEPTH,
    ItemEvaluation,
    ItemScores,
    aggregate,
    aggregate_by_type,
    evaluate_item,
    item_passed,
    run_quality,
)
from evals.protocol import AskFn, Passage, SystemAnswer
from evals.testset import GoldSource, TestItem, TestSet

ITEMS_JSONL = "items.jsonl"
ITEMS_CSV = "items.csv"
SUMMARY_JSON = "summary.json"
SUMMARY_MD = "summary.md"
REPORT_HTML = "report.html"
GATE_JSON = "gate.json"  # written beside the run when a gate is checked


def product_version() -> str:
    try:
        return metadata.version("vankien")
    except metadata.PackageNotFoundError:
        return "unknown"


def _passage_record(rank: int, passage: Passage, matches: Sequence[int]) -> dict[str, Any]:
    return {
        "rank": rank,
        "document": passage.document,
        "section_path": list(passage.section_path),
        "section_id": passage.section_id,
        "source_start": passage.source_start,
        "source_end": passage.source_end,
        "score": passage.score,
        "matches": list(matches),
        "text": passage.text,
    }


def item_record(
    item: TestItem, result: SystemAnswer | None, evaluation: ItemEvaluation, error: str | None
) -> dict[str, Any]:
    """The items.jsonl record of one item."""
    scores = evaluation.scores
    return {
        "id": item.id,
        "type": item.type,
        "answerable": item.answerable,
        "question": item.question,
        "reference_answer": item.answer,
        "gold_sources": [
            {
                "document": source.document,
                "section": source.section,
                "quote": source.quote,
                "quote_spans": [list(span) for span in evaluation.quote_spans[i]],
            }
            for i, source in enumerate(item.sources)
        ],
        "answer": result.answer if result else None,
        "abstained": bool(result and result.abstained),
        "latency_ms": result.latency_ms if result else None,
        "error": error,
        "citations": [
            _passage_record(i, p, evaluation.citation_matches[i - 1])
            for i, p in enumerate(result.citations if result else (), start=1)
        ],
        "retrieved": [
            _passage_record(i, p, evaluation.retrieved_matches[i - 1])
            for i, p in enumerate(result.retrieved[:RETRIEVAL_DEPTH] if result else (), start=1)
        ],
        "gold_matched_top5": sorted({i for m in evaluation.retrieved_matches[:5] for i in m}),
        "gold_matched_cited": sorted({i for m in evaluation.citation_matches for i in m}),
        "facts": [
            {"fact": fact, "found": found}
            for fact, found in zip(item.must_include, evaluation.facts, strict=True)
        ],
        "numbers": [
            {"text": m.text, "kind": m.kind, "start": m.start, "end": m.end, "grounded": grounded}
            for m, grounded in evaluation.numbers
        ],
        "passed": item_passed(scores, "answer" if scores.answered else "retrieval"),
        "scores": scores.to_dict(),
    }


def run_items(
    testset: TestSet,
    ask: AskFn,
    *,
    documents: DocumentTexts | None = None,
    show_progress: bool = True,
) -> list[dict[str, Any]]:
    """Ask every question (with a progress bar on stderr) and return the item records, in set order.

    A question whose ask raises is recorded with its error and scored as retrieving nothing.
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    def quote_spans(source: GoldSource) -> list[tuple[int, int]]:
        return documents.quote_spans(source.document, source.quote) if documents else []

    records: list[dict[str, Any]] = []
    progress = Progress(
        TextColumn("[bold]Đánh giá[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[item]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not show_progress,
    )
    with progress:
        task = progress.add_task("eval", total=len(testset.items), item="")
        for item in testset.items:
            progress.update(task, item=item.id)
            result: SystemAnswer | None
            error: str | None = None
            try:
                result = ask(item.question)
            except Exception as exc:  # one failing question must not lose the whole run
                result = None
                error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            evaluation = evaluate_item(item, result, quote_spans, error=error is not None)
            records.append(item_record(item, result, evaluation, error))
            progress.advance(task)
    return records


def build_summary(
    testset: TestSet,
    records: Sequence[Mapping[str, Any]],
    *,
    configuration: Mapping[str, Any],
    started_at: datetime,
    finished_at: datetime,
    warnings: Sequence[str] = (),
) -> dict[str, Any]:
    scores = [ItemScores.from_dict(r["scores"]) for r in records]
    metrics, notes = aggregate(scores)
    quality = run_quality(scores)
    if quality == "retrieval":
        notes.setdefault("run", "Chạy chỉ truy hồi: câu hỏi đạt khi có nguồn chuẩn trong top 5.")
    type_counts: dict[str, int] = {}
    for s in scores:
        type_counts[s.type] = type_counts.get(s.type, 0) + 1
    passes = [r["passed"] for r in records]
    return {
        "testset": {
            "file": testset.path.name,
            "path": str(testset.path),
            "sha256": testset.sha256,
            "items": len(testset.items),
        },
        "product": {"name": "vankien", "version": product_version()},
        "configuration": dict(configuration),
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": finished_at.isoformat(timespec="seconds"),
        "duration_s": round((finished_at - started_at).total_seconds(), 3),
        "quality": quality,
        "counts": {
            "items": len(scores),
            "answerable": sum(1 for s in scores if s.answerable),
            "unanswerable": sum(1 for s in scores if not s.answerable),
            "answered": sum(1 for s in scores if s.answered),
            "abstained": sum(1 for s in scores if s.abstained),
            "errors": sum(1 for s in scores if s.error),
            "passed": sum(1 for p in passes if p is True),
            "failed": sum(1 for p in passes if p is False),
            "by_type": type_counts,
        },
        "metrics": metrics,
        "notes": notes,
        "by_type": aggregate_by_type(scores),
        "warnings": list(warnings),
    }


_CSV_COLUMNS = (
    "id",
    "type",
    "answerable",
    "passed",
    "question",
    "answer",
    "abstained",
    "latency_ms",
    "error",
    "hit_rank",
    "gold_matched_top5",
    "facts_found",
    "facts_total",
    "missing_facts",
    "citations",
    "citations_matched",
    "numbers_total",
    "numbers_grounded",
    "ungrounded_numbers",
    "retrieved",
)


def _csv_row(record: Mapping[str, Any]) -> dict[str, Any]:
    scores = record["scores"]

    def as_json(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    return {
        "id": record["id"],
        "type": record["type"],
        "answerable": record["answerable"],
        "passed": "" if record["passed"] is None else record["passed"],
        "question": record["question"],
        "answer": "" if record["answer"] is None else record["answer"],
        "abstained": record["abstained"],
        "latency_ms": "" if record["latency_ms"] is None else round(record["latency_ms"], 1),
        "error": record["error"] or "",
        "hit_rank": "" if scores["hit_rank"] is None else scores["hit_rank"],
        "gold_matched_top5": as_json(record["gold_matched_top5"]),
        "facts_found": scores["facts_found"],
        "facts_total": scores["facts_total"],
        "missing_facts": as_json([f["fact"] for f in record["facts"] if not f["found"]]),
        "citations": scores["citations_total"],
        "citations_matched": scores["citations_matched"],
        "numbers_total": scores["numbers_total"],
        "numbers_grounded": scores["numbers_grounded"],
        "ungrounded_numbers": as_json([n["text"] for n in record["numbers"] if not n["grounded"]]),
        "retrieved": as_json(
            [f"{p['document']} › {' › '.join(p['section_path'])}" for p in record["retrieved"]]
        ),
    }


def write_run(out_dir: Path, summary: Mapping[str, Any], records: Sequence[Mapping[str, Any]]) -> None:
    """Write every file of a run folder."""
    from evals.report import render_report_html, render_summary_md

    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / ITEMS_JSONL).open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    with (out_dir / ITEMS_CSV).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=_CSV_COLUMNS)
        writer.writeheader()
        for record in records:
            writer.writerow(_csv_row(record))
    (out_dir / SUMMARY_JSON).write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out_dir / SUMMARY_MD).write_text(render_summary_md(summary, records), encoding="utf-8")
    (out_dir / REPORT_HTML).write_text(render_report_html(summary, records), encoding="utf-8")


def run_evaluation(
    testset: TestSet,
    ask: AskFn,
    out_dir: Path,
    *,
    documents: DocumentTexts | None = None,
    configuration: Mapping[str, Any] | None = None,
    show_progress: bool = True,
) -> dict[str, Any]:
    """Run a test set through ``ask``, write the run folder, return the summary.

    ``documents`` (the corpus files) enables the span-overlap matching rule; without it passages
    match gold sources by quote containment only, and the summary says so.
    """
    warnings: list[str] = []
    if documents is None:
        warnings.append(
            "Không có thư mục văn bản: chỉ so khớp theo trích dẫn nằm trong đoạn, không theo vị trí (span)."
        )
    else:
        unreadable = sorted(
            {
                source.document
                for item in testset.items
                for source in item.sources
                if documents.error(source.document) is not None
            }
        )
        if unreadable:
            warnings.append("Không đọc được văn bản (bỏ qua so khớp theo vị trí): " + ", ".join(unreadable))
    started_at = datetime.now(UTC)
    clock = time.perf_counter()
    records = run_items(testset, ask, documents=documents, show_progress=show_progress)
    # Pass/fail is judged at the run's quality: by the answer when the system answers, else by retrieval.
    quality = run_quality([ItemScores.from_dict(r["scores"]) for r in records])
    for record in records:
        record["passed"] = item_passed(ItemScores.from_dict(record["scores"]), quality)
    finished_at = datetime.now(UTC)
    summary = build_summary(
        testset,
        records,
        configuration=configuration or {},
        started_at=started_at,
        finished_at=finished_at,
        warnings=warnings,
    )
    summary["duration_s"] = round(time.perf_counter() - clock, 3)
    write_run(out_dir, summary, records)
    return summary


def load_run(run_dir: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The summary and item records of a run folder. Raises OSError or ValueError."""
    summary = json.loads((run_dir / SUMMARY_JSON).read_text(encoding="utf-8"))
    records = [
        json.loads(line)
        for line in (run_dir / ITEMS_JSONL).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return summary, records
