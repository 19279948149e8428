"""``vankien eval``: validate test sets, run them, compare runs, enforce gates.

Runs go through the evaluation service (:mod:`assistant.services.evaluation`), as the API's and the UI's do.
Exit codes: 0 success; 1 a gate failed; 2 a run error (the system could not be opened, a question
raised, an unreadable gate file or baseline); 3 an invalid test set.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from assistant.terminal import markup, visible

if TYPE_CHECKING:
    from assistant.services.evaluation import PreparedEvaluation
    from evals.gate import Gate
    from evals.testset import TestSet

EXIT_GATE_FAILED = 1
EXIT_RUN_ERROR = 2
EXIT_INVALID_TESTSET = 3
# The exit code of each way the evaluation service refuses a run before it starts.
_PREPARE_EXIT_CODES = {
    "testset_type": EXIT_INVALID_TESTSET,
    "testset_unreadable": EXIT_INVALID_TESTSET,
    "testset_invalid": EXIT_INVALID_TESTSET,
    "baseline_unreadable": EXIT_RUN_ERROR,
}

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


def _print_issues(console: Console, testset: TestSet) -> None:
    for issue in testset.issues:
        style = "red" if issue.severity == "error" else "yellow"
        # File names and test-set text are shown as they are: no control character reaches the terminal.
        shown = visible(issue.render(testset.path.name), multiline=True)
        console.print(shown, style=style, markup=False, highlight=False)


def _fail(console: Console, code: int, message: str) -> typer.Exit:
    console.print(visible(message, multiline=True), style="red", markup=False, highlight=False)
    return typer.Exit(code)


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
        raise _fail(console, EXIT_INVALID_TESTSET, f"Không đọc được {file}: {error}") from None
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
    from assistant.services.evaluation import metric_rows

    table = Table(title=f"Kết quả: {markup(summary['testset']['file'])}")
    table.add_column("chỉ số")
    table.add_column("giá trị", justify="right")
    table.add_column("ghi chú", style="dim")
    for key, label, value, note in metric_rows(summary):
        table.add_row(f"{key} ({label})", value, note)
    return table


def _gate_of(
    console: Console,
    gate_file: Path | None,
    minimums: list[str] | None,
    maximums: list[str] | None,
    baseline: Path | None,
    max_drop: float | None,
) -> Gate:
    """The gate file with the command line's bounds and baseline over it (a bad one: exit 2)."""
    from evals.gate import Bound, Gate, GateError, load_gate, parse_bound, with_overrides

    try:
        gate = load_gate(gate_file) if gate_file else Gate()
        bounds: list[Bound] = [parse_bound(s, "min") for s in minimums or []]
        bounds += [parse_bound(s, "max") for s in maximums or []]
        return with_overrides(gate, bounds, baseline=baseline, max_drop=max_drop)
    except GateError as error:
        raise _fail(console, EXIT_RUN_ERROR, f"{error.code}: {error.message}") from None


def _prepare(console: Console, testset_path: Path, out: Path, **options: Any) -> PreparedEvaluation:
    """The run prepared by the evaluation service; a test set it refuses: its issues and exit 3."""
    from assistant.services.evaluation import EvaluationError, prepare_evaluation

    try:
        return prepare_evaluation(testset_path, out, source="cli", **options)
    except EvaluationError as error:
        if error.testset is None:
            raise _fail(console, _PREPARE_EXIT_CODES[error.code], error.message) from None
        _print_issues(console, error.testset)
        raise _fail(console, EXIT_INVALID_TESTSET, f"{testset_path.name}: bộ câu hỏi không hợp lệ.") from None


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
    from assistant.services.evaluation import execute_evaluation, open_evaluation_runtime
    from assistant.settings import get_settings

    console = Console(stderr=True)
    # Everything that can be wrong before the (possibly long) run is checked first.
    gate = _gate_of(console, gate_file, minimums, maximums, baseline, max_drop)
    prepared = _prepare(
        console,
        testset_path,
        out,
        documents_dir=documents_dir,
        corpus=corpus,
        data_dir=data_dir,
        gate=gate,
        strict=strict,
    )
    _print_issues(console, prepared.testset)
    try:
        with open_evaluation_runtime(get_settings(), corpus, data_dir) as runtime:
            result = execute_evaluation(prepared, runtime, show_progress=progress)
    except Exception as error:  # the system under test failed to open or to run: report, exit 2
        message = f"Lỗi khi chạy đánh giá: {type(error).__name__}: {error}"
        raise _fail(console, EXIT_RUN_ERROR, message) from None

    Console().print(_metrics_table(result.summary))
    typer.echo(visible(f"Đã ghi kết quả vào {out} (report.html, summary.json, items.jsonl)."))
    if result.errors:
        message = f"{result.errors} câu hỏi gặp lỗi khi chạy (xem items.jsonl)."
        raise _fail(console, EXIT_RUN_ERROR, message)
    if result.gate is not None:
        for check in result.gate.checks:
            style = {"pass": "green", "fail": "red", "skipped": "yellow"}[check.status]
            console.print(
                visible(f"[{check.status}] {check.message}"), style=style, markup=False, highlight=False
            )
        if not result.gate.passed:
            raise _fail(console, EXIT_GATE_FAILED, "Không đạt ngưỡng chất lượng.")
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
