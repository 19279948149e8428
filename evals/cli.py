"""``vankien eval``: validate test sets, run them, compare runs, enforce gates.

Exit codes: 0 success; 1 a gate failed; 2 a run error (the system could not be opened, a question
raised, an unreadable gate file or baseline); 3 an invalid test set.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from assistant.terminal import markup, visible

EXIT_GATE_FAILED = 1
EXIT_RUN_ERROR = 2
EXIT_INVALID_TESTSET = 3

eval_app = typer.Typer(
    name="eval",
    help="Đánh giá chất lượng trả lời: kiểm tra bộ câu hỏi, chạy, so sánh hai lần chạy, ngưỡng chất lượng.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

CorpusOption = Annotated[
    Path | None,
    typer.Option("--corpus", help="Thư mục văn bản: nạp vào một kho tạm mới rồi chạy trên kho đó."),
]
StrictOption = Annotated[bool, typer.Option("--strict", help="Coi cảnh báo là lỗi.")]


def _print_issues(console: Console, testset: Any) -> None:
    for issue in testset.issues:
        style = "red" if issue.severity == "error" else "yellow"
        # File names and test-set text are shown as they are: no control character reaches the terminal.
        shown = visible(issue.render(testset.path.name), multiline=True)
        console.print(shown, style=style, markup=False, highlight=False)


@eval_app.command("validate")
def validate(
    file: Annotated[Path, typer.Argument(help="Bộ câu hỏi (.jsonl hoặc .csv).")],
    corpus: Annotated[
        Path | None,
        typer.Option("--corpus", help="Thư mục văn bản: kiểm tra mọi trích dẫn có trong văn bản."),
    ] = None,
    strict: StrictOption = False,
) -> None:
    """Kiểm tra một bộ câu hỏi theo lược đồ (và trích dẫn, khi có --corpus). Mã thoát 3 nếu không hợp lệ."""
    from evals.testset import validate_testset

    console = Console(stderr=True)
    try:
        testset = validate_testset(file, corpus)
    except OSError as error:
        console.print(visible(f"Không đọc được {file}: {error}"), style="red", markup=False)
        raise typer.Exit(EXIT_INVALID_TESTSET) from None
    _print_issues(console, testset)
    valid = testset.is_valid(strict=strict)
    verdict = "hợp lệ" if valid else "KHÔNG hợp lệ"
    typer.echo(
        visible(
            f"{file.name}: {len(testset.items)} câu, {len(testset.errors)} lỗi, "
            f"{len(testset.warnings)} cảnh báo — {verdict}."
        )
    )
    if not valid:
        raise typer.Exit(EXIT_INVALID_TESTSET)


def _metrics_table(summary: dict[str, Any]) -> Table:
    from evals.metrics import METRIC_KEYS
    from evals.report import METRIC_LABELS, format_metric

    table = Table(title=f"Kết quả: {markup(summary['testset']['file'])}")
    table.add_column("chỉ số")
    table.add_column("giá trị", justify="right")
    table.add_column("ghi chú", style="dim")
    for key in METRIC_KEYS:
        value = summary["metrics"][key]
        table.add_row(
            f"{key} ({METRIC_LABELS[key]})", format_metric(key, value), summary["notes"].get(key, "")
        )
    return table


@eval_app.command("run")
def run(
    testset_path: Annotated[Path, typer.Option("--testset", help="Bộ câu hỏi (.jsonl hoặc .csv).")],
    out: Annotated[Path, typer.Option("--out", help="Thư mục ghi kết quả lần chạy.")],
    corpus: CorpusOption = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Kho dữ liệu dùng khi không có --corpus.")
    ] = None,
    documents_dir: Annotated[
        Path | None,
        typer.Option(
            "--documents",
            help="Thư mục tệp văn bản để so khớp theo vị trí khi không có --corpus (mặc định: --corpus).",
        ),
    ] = None,
    gate_file: Annotated[Path | None, typer.Option("--gate", help="Tệp ngưỡng (YAML).")] = None,
    minimums: Annotated[
        list[str] | None, typer.Option("--min", help="Ngưỡng dưới CHỈ_SỐ=GIÁ_TRỊ (lặp lại được).")
    ] = None,
    maximums: Annotated[
        list[str] | None, typer.Option("--max", help="Ngưỡng trên CHỈ_SỐ=GIÁ_TRỊ (lặp lại được).")
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="Lần chạy gốc: không chỉ số nào được giảm quá --max-drop."),
    ] = None,
    max_drop: Annotated[
        float | None, typer.Option("--max-drop", help="Mức giảm tối đa so với lần chạy gốc (mặc định 0).")
    ] = None,
    strict: StrictOption = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Thanh tiến trình.")] = True,
) -> None:
    """Chạy một bộ câu hỏi qua hệ thống, ghi items.jsonl/csv, summary.json/md, report.html.

    Mã thoát: 1 không đạt ngưỡng, 2 lỗi khi chạy, 3 bộ câu hỏi không hợp lệ.
    """
    from evals.documents import DocumentTexts
    from evals.gate import Bound, Gate, GateError, check_gate, load_gate, parse_bound, with_overrides
    from evals.runner import load_run, run_evaluation
    from evals.testset import check_quotes, load_testset

    console = Console(stderr=True)

    def fail(code: int, message: str) -> typer.Exit:
        console.print(visible(message, multiline=True), style="red", markup=False, highlight=False)
        return typer.Exit(code)

    # Everything that can be wrong before the (possibly long) run is checked first.
    try:
        gate = load_gate(gate_file) if gate_file else Gate()
        bounds: list[Bound] = [parse_bound(s, "min") for s in minimums or []]
        bounds += [parse_bound(s, "max") for s in maximums or []]
        gate = with_overrides(gate, bounds, baseline=baseline, max_drop=max_drop)
    except GateError as error:
        raise fail(EXIT_RUN_ERROR, f"{error.code}: {error.message}") from None
    baseline_metrics = None
    if gate.baseline is not None:
        try:
            baseline_metrics = load_run(gate.baseline)[0]["metrics"]
        except (OSError, ValueError, KeyError) as error:
            raise fail(EXIT_RUN_ERROR, f"Không đọc được lần chạy gốc {gate.baseline}: {error}") from None

    try:
        testset = load_testset(testset_path)
    except OSError as error:
        raise fail(EXIT_INVALID_TESTSET, f"Không đọc được {testset_path}: {error}") from None
    folder = documents_dir or corpus
    documents = DocumentTexts(folder) if folder else None
    if documents is not None:
        quote_issues = check_quotes(testset, documents)
        testset = replace(testset, issues=(*testset.issues, *quote_issues))
    _print_issues(console, testset)
    if not testset.is_valid(strict=strict):
        raise fail(EXIT_INVALID_TESTSET, f"{testset_path.name}: bộ câu hỏi không hợp lệ.")

    configuration: dict[str, Any] = {
        "testset": str(testset_path),
        "corpus": str(corpus) if corpus else None,
        "data_dir": str(data_dir) if data_dir else None,
        "documents": str(folder) if folder else None,
    }
    (out / "gate.json").unlink(missing_ok=True)  # never leave an earlier run's verdict beside this one
    try:
        from assistant.settings import get_settings
        from evals.system import open_system

        configuration["settings"] = get_settings().model_dump(mode="json")
        with open_system(corpus, data_dir) as ask:
            summary = run_evaluation(
                testset,
                ask,
                out,
                documents=documents,
                configuration=configuration,
                show_progress=progress,
            )
    except Exception as error:  # the system under test failed to open or to run: report, exit 2
        raise fail(EXIT_RUN_ERROR, f"Lỗi khi chạy đánh giá: {type(error).__name__}: {error}") from None

    Console().print(_metrics_table(summary))
    typer.echo(visible(f"Đã ghi kết quả vào {out} (report.html, summary.json, items.jsonl)."))
    if summary["counts"]["errors"]:
        raise fail(
            EXIT_RUN_ERROR, f"{summary['counts']['errors']} câu hỏi gặp lỗi khi chạy (xem items.jsonl)."
        )
    if gate.bounds or baseline_metrics is not None:
        result = check_gate(gate, summary["metrics"], baseline_metrics)
        (out / "gate.json").write_text(
            json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        for check in result.checks:
            style = {"pass": "green", "fail": "red", "skipped": "yellow"}[check.status]
            shown = visible(f"[{check.status}] {check.message}")
            console.print(shown, style=style, markup=False, highlight=False)
        if not result.passed:
            raise fail(EXIT_GATE_FAILED, "Không đạt ngưỡng chất lượng.")
        typer.echo("Đạt ngưỡng chất lượng.")


@eval_app.command("compare")
def compare(
    run_a: Annotated[Path, typer.Argument(help="Thư mục lần chạy A (trước).")],
    run_b: Annotated[Path, typer.Argument(help="Thư mục lần chạy B (sau).")],
    html: Annotated[Path | None, typer.Option("--html", help="Ghi thêm báo cáo HTML.")] = None,
    resamples: Annotated[int, typer.Option("--resamples", min=100, help="Số lần lấy mẫu bootstrap.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Hạt giống ngẫu nhiên (kết quả tất định).")] = 0,
) -> None:
    """So sánh hai lần chạy: chênh lệch chỉ số (khoảng tin cậy bootstrap) và các câu đổi đạt/không đạt."""
    from evals.compare import compare_runs, render_comparison_html, render_comparison_md
    from evals.runner import load_run

    runs = []
    for run_dir in (run_a, run_b):
        try:
            runs.append(load_run(run_dir))
        except (OSError, ValueError) as error:
            Console(stderr=True).print(
                visible(f"Không đọc được lần chạy {run_dir}: {error}"), style="red", markup=False
            )
            raise typer.Exit(EXIT_RUN_ERROR) from None
    (summary_a, records_a), (summary_b, records_b) = runs
    comparison = compare_runs(
        summary_a,
        records_a,
        summary_b,
        records_b,
        label_a=run_a.name or str(run_a),
        label_b=run_b.name or str(run_b),
        resamples=resamples,
        seed=seed,
    )
    typer.echo(visible(render_comparison_md(comparison), multiline=True))
    if html is not None:
        html.write_text(render_comparison_html(comparison), encoding="utf-8")
