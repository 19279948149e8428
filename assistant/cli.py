"""The ``vankien`` command line: ingest, list and inspect documents, delete.

Every command takes ``--data-dir`` (default: ``VANKIEN_DATA_DIR``, else ``data/store``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.tree import Tree

from assistant.eval_cli import eval_app
from assistant.settings import get_settings
from assistant.terminal import dumps, json_safe, markup
from ingestion.model import DocumentRecord, Section
from ingestion.pipeline import IngestOutcome

if TYPE_CHECKING:
    from assistant.services.indicators import IndicatorRow

app = typer.Typer(
    name="vankien",
    help="Văn Kiện QA: hỏi đáp văn kiện hành chính tiếng Việt, chạy offline.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(eval_app, name="eval", help="Đánh giá chất lượng trả lời trên bộ câu hỏi kiểm thử.")
console = Console()
err_console = Console(stderr=True)

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Thư mục dữ liệu (mặc định: VANKIEN_DATA_DIR hoặc data/store)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")]

_STATUS_LABELS = {
    "added": "[green]đã nạp[/]",
    "replaced": "[cyan]đã cập nhật[/]",
    "unchanged": "[dim]không đổi[/]",
    "duplicate": "[yellow]trùng nội dung[/]",
    "failed": "[red]lỗi[/]",
}


def _documents_table(records: list[DocumentRecord]) -> Table:
    from assistant.services.documents import document_summary

    table = Table(title=f"Văn bản trong kho ({len(records)})", show_lines=False)
    for column in ("Mã", "Tệp", "Loại", "Số hiệu", "Ngày", "Cơ quan ban hành", "Địa bàn", "Mục", "Đoạn"):
        table.add_column(column, overflow="fold")
    for record in records:
        row = document_summary(record)
        cells = (
            row.id,
            row.file_name,
            row.doc_type or "—",
            row.number or "—",
            row.date or (str(row.year) if row.year else "—"),
            row.issuers[-1] if row.issuers else "—",
            row.locality or "—",
            str(row.sections),
            str(row.chunks),
        )
        table.add_row(*(markup(cell) for cell in cells))
    return table


def _resolve_document(records: list[DocumentRecord], key: str) -> DocumentRecord:
    for record in records:
        if key in (record.doc_id, record.file_name, Path(record.file_name).stem):
            return record
    err_console.print(
        f"[red]Lỗi[/] \\[document_not_found] Không tìm thấy văn bản “{markup(key)}” trong kho. "
        "Xem danh sách bằng: vankien documents"
    )
    raise typer.Exit(code=4)


def _outcome_row(outcome: IngestOutcome) -> dict[str, Any]:
    return {
        "file": outcome.path.name,
        "source_path": outcome.source_path,
        "status": outcome.status,
        "id": outcome.doc_id,
        "duplicate_of": outcome.duplicate_of,
        "chunks": outcome.chunk_count if outcome.doc_id and outcome.record else None,
        "sections": len(outcome.record.sections) if outcome.doc_id and outcome.record else None,
        "error_code": outcome.error.code if outcome.error else None,
        "error": str(outcome.error) if outcome.error else None,
    }


def _duplicate_note(outcome: IngestOutcome) -> str:
    if outcome.duplicate_of is None or outcome.record is None:
        return ""
    return f"trùng nội dung với {outcome.record.file_name} ({outcome.duplicate_of})"


def _outcomes_table(outcomes: list[IngestOutcome]) -> Table:
    table = Table(title="Kết quả nạp")
    for column in ("Tệp", "Trạng thái", "Mã", "Loại", "Số hiệu", "Mục", "Đoạn", "Ghi chú"):
        table.add_column(column, overflow="fold")
    for outcome in outcomes:
        # A duplicate's record is the document that already holds its content, not its own.
        record = outcome.record if outcome.doc_id else None
        table.add_row(
            markup(outcome.source_path or outcome.path.name),
            _STATUS_LABELS[outcome.status],
            markup(outcome.doc_id or "—"),
            markup((record.metadata.doc_type if record else None) or "—"),
            markup((record.metadata.number if record else None) or "—"),
            str(len(record.sections)) if record else "—",
            str(outcome.chunk_count) if record else "—",
            outcome.error.code if outcome.error else markup(_duplicate_note(outcome)),
        )
    return table


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Tệp hoặc thư mục (.txt, .md, .docx, .pdf).")],
    data_dir: DataDirOption = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Chỉ nạp khi kho chưa có văn bản nào.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Nạp văn bản vào kho: tệp không đổi được bỏ qua, tệp đã sửa thay thế bản cũ, tệp trùng nội dung với
    văn bản đã có không được lưu lại (tệp trong thư mục được nhận diện theo đường dẫn tương đối)."""
    from assistant.runtime import open_runtime
    from ingestion.pipeline import discover

    settings = get_settings()
    with open_runtime(settings, data_dir) as runtime:
        if if_empty and runtime.store.list_documents():
            console.print("Kho đã có văn bản; bỏ qua bước nạp mẫu.")
            return
        files = discover(paths)
        if not files:
            err_console.print(
                "[red]Lỗi[/] \\[no_supported_files] Không có tệp nào để nạp (hỗ trợ .txt, .md, .docx, .pdf)."
            )
            raise typer.Exit(code=2)
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        outcomes = []
        with progress:
            task = progress.add_task("Đang nạp", total=len(files))
            for path, source_path in files:
                progress.update(task, description=f"Đang nạp {markup(path.name)}")
                outcomes.append(runtime.pipeline.ingest(path, source_path=source_path))
                progress.advance(task)
        if as_json:
            typer.echo(dumps([_outcome_row(o) for o in outcomes]))
        else:
            console.print(_outcomes_table(outcomes))
    failed = [outcome for outcome in outcomes if outcome.status == "failed"]
    for outcome in failed:
        assert outcome.error is not None
        detail = markup(f"{outcome.path}: [{outcome.error.code}] {outcome.error}")
        err_console.print(f"[red]Lỗi[/] {detail}", soft_wrap=True)
    if failed:
        err_console.print(f"[red]{len(failed)}/{len(outcomes)} tệp không nạp được.[/]")
        raise typer.Exit(code=1)


@app.command()
def documents(data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """Liệt kê văn bản trong kho."""
    from contextlib import closing

    from vectorstore.store import open_catalog

    # The manifest alone, read-only: no model, no Chroma, works on a read-only data dir.
    with closing(open_catalog(data_dir or get_settings().data_dir)) as catalog:
        records = catalog.list_documents()
    if as_json:
        from assistant.services.documents import document_summary

        # The same document summary the API returns (GET /api/documents).
        typer.echo(dumps([document_summary(r).model_dump(mode="json") for r in records]))
    else:
        console.print(_documents_table(records))


def _section_row(section: Section) -> dict[str, Any]:
    return {
        "id": section.id,
        "parent_id": section.parent_id,
        "level": section.level,
        "number": section.number,
        "heading": section.heading,
        "path": list(section.path),
        "start": section.start,
        "end": section.end,
        "page": section.page,
    }


@app.command()
def sections(
    document: Annotated[str, typer.Argument(help="Mã văn bản hoặc tên tệp.")],
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cây mục của một văn bản, với mã mục và đường dẫn."""
    from contextlib import closing

    from vectorstore.store import open_catalog

    with closing(open_catalog(data_dir or get_settings().data_dir)) as catalog:
        record = _resolve_document(catalog.list_documents(), document)
    if as_json:
        typer.echo(dumps([_section_row(s) for s in record.sections]))
        return
    root = Tree(f"[bold]{markup(record.metadata.title or record.file_name)}[/] ({markup(record.doc_id)})")
    nodes: dict[str | None, Tree] = {None: root}
    for section in record.sections:
        parent = nodes.get(section.parent_id, root)
        label = f"[dim]{markup(section.id)}[/] {markup(section.heading)}"
        if section.page:
            label += f" [dim](tr. {section.page})[/]"
        nodes[section.id] = parent.add(label)
    console.print(root)


@app.command()
def delete(
    document: Annotated[str, typer.Argument(help="Mã văn bản hoặc tên tệp.")],
    data_dir: DataDirOption = None,
) -> None:
    """Xoá một văn bản khỏi kho."""
    from assistant.runtime import open_runtime

    with open_runtime(get_settings(), data_dir) as runtime:
        record = _resolve_document(runtime.store.list_documents(), document)
        runtime.store.delete_document(record.doc_id)
    console.print(f"Đã xoá văn bản {markup(record.doc_id)} ({markup(record.file_name)}).")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Câu hỏi, bằng tiếng Việt.")],
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
    document: Annotated[
        list[str] | None, typer.Option("--document", help="Chỉ tìm trong văn bản này (mã).")
    ] = None,
    locality: Annotated[
        list[str] | None, typer.Option("--locality", help="Chỉ tìm văn bản về địa bàn này.")
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="Chỉ tìm văn bản của năm này.")] = None,
) -> None:
    """Hỏi một câu: câu trả lời kèm trích dẫn (văn bản, số hiệu, ngày, mục, câu làm căn cứ)."""
    from assistant.answering import AskFilters, AskRequest
    from assistant.questions import check_question
    from assistant.runtime import open_runtime

    settings = get_settings()
    # Before the store is opened: an empty or too long question ends with its message, exit code 2.
    question = check_question(question, settings)
    filters = AskFilters(documents=document or [], localities=locality or [], year_from=year, year_to=year)
    with open_runtime(settings, data_dir, mode="read") as runtime:
        response = runtime.answering.ask(AskRequest(question=question, filters=filters))
    if as_json:
        typer.echo(json_safe(response.model_dump_json(indent=2)))
        return
    console.print(markup(response.answer, multiline=True))
    for notice in response.notices:
        console.print(f"[yellow]{markup(notice, multiline=True)}[/]")
    if response.abstained and response.retrieved:
        console.print("\n[dim]Các mục gần nhất:[/]")
        for passage in response.retrieved[:3]:
            console.print(f"  • {markup(passage.file_name)}: {markup(' › '.join(passage.section_path))}")
    for citation in response.citations:
        identity = " ".join(x for x in (citation.doc_type, citation.doc_number, citation.date) if x)
        console.print(f"\n[bold][{citation.number}][/] {markup(identity or citation.file_name)}")
        console.print(f"    [dim]{markup(' › '.join(citation.section_path))}[/]")
        console.print(f"    “{markup(citation.supporting_sentence, multiline=True)}”")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Từ khoá hoặc câu hỏi.")],
    data_dir: DataDirOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=50, help="Số kết quả.")] = 5,
    as_json: JsonOption = False,
) -> None:
    """Tìm các mục liên quan, xếp theo mức độ phù hợp."""
    from assistant.questions import check_query
    from assistant.runtime import open_runtime
    from vectorstore.lexical import syllables

    settings = get_settings()
    query = check_query(query, settings)  # before the store is opened, like ask
    with open_runtime(settings, data_dir, mode="read") as runtime:
        passages = runtime.retriever.search(query, k=limit)
    if as_json:
        rows = [
            {
                "doc_id": p.doc_id,
                "file": p.file_name,
                "section_id": p.section_id,
                "section_path": list(p.section_path),
                "score": p.score,
                "text": p.text,
            }
            for p in passages
        ]
        typer.echo(dumps(rows))
        return
    if not passages:
        console.print("Không tìm thấy mục nào phù hợp.")
        return
    from ingestion.textnorm import fold

    wanted = set(syllables(query))
    for rank, passage in enumerate(passages, start=1):
        console.print(
            f"[bold]{rank}.[/] {markup(passage.file_name)} — {markup(' › '.join(passage.section_path))}"
        )
        words = [
            f"[reverse]{markup(word)}[/]" if fold(word).strip(".,;:()") in wanted else markup(word)
            for word in passage.text[:400].split()
        ]
        console.print("   " + " ".join(words))


@app.command()
def indicators(
    search: Annotated[
        str, typer.Option("--search", help='Từ trong tên chỉ tiêu (có dấu hoặc không), ví dụ: "hộ nghèo".')
    ] = "",
    locality: Annotated[list[str] | None, typer.Option("--locality", help="Địa bàn (lặp lại được).")] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", min=1900, max=2200, help="Số liệu của năm này (hoặc kỳ kết thúc năm này)."),
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            help="Loại số liệu: result (kết quả), estimate (ước thực hiện), target (chỉ tiêu), "
            "growth (tăng/giảm), share_of_plan (tỷ lệ đạt kế hoạch). Lặp lại được.",
        ),
    ] = None,
    document: Annotated[
        list[str] | None, typer.Option("--document", help="Văn bản: mã, tên tệp hoặc số hiệu (lặp lại được).")
    ] = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="In kết quả dạng CSV.")] = False,
) -> None:
    """Liệt kê số liệu (chỉ tiêu, kết quả) trích từ các văn bản trong kho, kèm nguồn."""
    from contextlib import closing

    from assistant.services.indicator_export import indicators_csv
    from assistant.services.indicators import all_indicators, indicator_query
    from vectorstore.store import open_catalog

    if as_json and as_csv:
        err_console.print("[red]Lỗi[/] \\[invalid_option] Chọn một trong --json hoặc --csv.")
        raise typer.Exit(code=2)
    # The manifest alone, read-only: no model, no Chroma.
    with closing(open_catalog(data_dir or get_settings().data_dir)) as catalog:
        query = indicator_query(
            catalog,
            search=search,
            localities=locality or (),
            year=year,
            kinds=kind or (),
            documents=document or (),
        )
        rows = all_indicators(catalog, query)
    if as_json:
        typer.echo(dumps([row.model_dump(mode="json") for row in rows]))
    elif as_csv:
        typer.echo(indicators_csv(rows), nl=False)
    elif not rows:
        console.print("Không có số liệu nào khớp bộ lọc.")
    else:
        console.print(_indicators_table(rows))


def _indicators_table(rows: list[IndicatorRow]) -> Table:
    table = Table(
        "Chỉ tiêu", "Giá trị", "Kỳ", "Loại", "Địa bàn", "Văn bản", "Mục", title=f"{len(rows)} số liệu"
    )
    for row in rows:
        cells = (
            row.indicator,
            row.value_text,
            row.period or "—",
            row.kind_label,
            row.locality or "—",
            row.citation.document,
            " › ".join(row.citation.section_path[-2:]) or "—",
        )
        table.add_row(*(markup(cell) for cell in cells))
    return table


_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


@app.command()
def serve(
    host: Annotated[
        str | None,
        typer.Option("--host", help="Địa chỉ lắng nghe (mặc định: VANKIEN_API__HOST hoặc 127.0.0.1)."),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option("--port", min=1, max=65535, help="Cổng (mặc định: VANKIEN_API__PORT hoặc 8000)."),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Chạy máy chủ: API (/api, /v1 tương thích OpenAI, tài liệu ở /docs) và giao diện web (/)."""
    import uvicorn

    from assistant.api.app import create_app
    from assistant.api.security import PlainHttpWithKeysError, is_loopback_host, plain_http_warning
    from assistant.llm import check_llm_settings
    from assistant.services.access import KeyRing
    from vectorstore.embeddings import build_embeddings
    from vectorstore.store import check_data_dir

    settings = get_settings()
    # Configuration mistakes end here with their message, not inside the server's start-up.
    check_llm_settings(settings.llm)
    build_embeddings(settings.embedding)
    check_data_dir(data_dir or settings.data_dir, writable=True)
    host = host or settings.api.host
    port = port or settings.api.port
    if KeyRing.from_settings(settings.api).open_access:
        # Without keys anyone who reaches the port is admin: only this machine may reach it.
        if host not in _LOOPBACK_HOSTS:
            err_console.print(f"[yellow]Bỏ qua --host {markup(host)}:[/] chưa cấu hình khoá API.")
        host = "127.0.0.1"
        console.print(
            "[yellow]Chưa cấu hình khoá API[/] (VANKIEN_API__READER_KEYS, VANKIEN_API__ADMIN_KEYS): "
            "máy chủ chỉ nhận kết nối từ chính máy này (127.0.0.1)."
        )
    elif not is_loopback_host(host):
        # uvicorn serves plain HTTP: keys sent to a reachable address travel readable. A TLS proxy in
        # front (the server on 127.0.0.1 behind it) is the fix; "refuse" makes this a start-up error.
        if settings.api.plain_http_with_keys == "refuse":
            raise PlainHttpWithKeysError(host)
        warning = markup(f"[plain_http_with_keys] {plain_http_warning(host)}")
        err_console.print(f"[yellow]Cảnh báo[/] {warning}")
    shown = f"[{host}]" if ":" in host else host
    console.print(f"Văn Kiện QA: http://{shown}:{port}/  (tài liệu API: http://{shown}:{port}/docs)")
    if settings.log_format == "json":
        from assistant.logs import configure_logging

        configure_logging("json")
        # log_config=None: uvicorn keeps the JSON handlers instead of installing its own.
        uvicorn.run(create_app(settings, data_dir), host=host, port=port, log_level="info", log_config=None)
    else:
        uvicorn.run(create_app(settings, data_dir), host=host, port=port, log_level="info")


_DOCTOR_STATUS = {"ok": "[green]ổn[/]", "problem": "[red]lỗi[/]", "info": "[cyan]lưu ý[/]"}


@app.command()
def doctor(
    data_dir: DataDirOption = None,
    repair: Annotated[
        bool, typer.Option("--repair", help="Sửa các lỗi tìm thấy (giữ khoá ghi của kho trong lúc sửa).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Kiểm tra kho: thư mục dữ liệu, danh mục so với Chroma, lượt ghi dở, khoá ghi, chỉ mục từ khoá,
    tệp tải lên bị bỏ dở. Mã thoát 0 khi kho ổn, 1 khi còn lỗi."""
    from assistant.maintenance import run_doctor

    report = run_doctor(get_settings(), data_dir, repair=repair)
    if as_json:
        typer.echo(dumps(report.to_json()))
    else:
        table = Table(title=f"Kiểm tra kho {markup(report.data_dir)}")
        for column in ("Mục kiểm tra", "Kết quả", "Chi tiết"):
            table.add_column(column, overflow="fold")
        for finding in report.findings:
            status = "[green]đã sửa[/]" if finding.repaired else _DOCTOR_STATUS[finding.status]
            detail = markup(finding.message) + (
                f"\n[dim]{markup(finding.detail)}[/]" if finding.detail else ""
            )
            table.add_row(finding.check, status, detail)
        console.print(table)
        if report.healthy:
            console.print("[green]Kho ổn.[/]")
        else:
            hint = "" if repair else " Chạy lại với --repair để sửa."
            err_console.print(f"[red]Kho có lỗi.[/]{hint}")
    if not report.healthy:
        raise typer.Exit(code=1)


@app.command()
def backup(
    out_dir: Annotated[Path, typer.Argument(help="Thư mục chứa bản sao lưu (trống hoặc chưa tồn tại).")],
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sao lưu kho (danh mục, vectơ Chroma nhúng, tệp đã tải lên) trong khi kho vẫn phục vụ: giữ khoá ghi
    để không lượt ghi nào dở dang trong bản sao."""
    import os

    from vectorstore.backup import backup as backup_store
    from vectorstore.backup import refuse_chroma_server
    from vectorstore.embeddings import build_embeddings
    from vectorstore.store import DocumentStore, StoreMode

    settings = get_settings()
    refuse_chroma_server(settings.chroma)
    directory = data_dir or settings.data_dir
    # A read-only data dir cannot be written by anyone: it is copied without the lock.
    mode: StoreMode = "write" if not directory.is_dir() or os.access(directory, os.W_OK) else "read"
    with DocumentStore.open(
        directory, build_embeddings(settings.embedding), settings.chroma, mode=mode
    ) as store:
        info = backup_store(store, out_dir)
    if as_json:
        typer.echo(dumps(info.to_json()))
        return
    console.print(
        f"Đã sao lưu {info.documents} văn bản ({info.chunks} đoạn, {info.vectors} vectơ) vào {markup(str(out_dir))}."
    )
    if info.missing_vectors:
        err_console.print(
            f"[yellow]{info.missing_vectors} đoạn không có vectơ trong kho gốc;[/] chạy vankien doctor để kiểm tra."
        )


@app.command()
def restore(
    backup_dir: Annotated[Path, typer.Argument(help="Thư mục bản sao lưu (do vankien backup tạo).")],
    data_dir: Annotated[
        Path,
        typer.Option("--data-dir", help="Thư mục dữ liệu mới để khôi phục vào (trống hoặc chưa tồn tại)."),
    ],
    as_json: JsonOption = False,
) -> None:
    """Khôi phục một bản sao lưu vào thư mục dữ liệu trống, rồi kiểm tra kho vừa khôi phục."""
    from assistant.maintenance import run_doctor
    from vectorstore.backup import refuse_chroma_server
    from vectorstore.backup import restore as restore_store

    settings = get_settings()
    refuse_chroma_server(settings.chroma)
    info = restore_store(backup_dir, data_dir)
    report = run_doctor(settings, data_dir)
    if as_json:
        typer.echo(dumps({"backup": info.to_json(), "doctor": report.to_json()}))
    else:
        console.print(
            f"Đã khôi phục {info.documents} văn bản ({info.chunks} đoạn) từ bản sao lưu lúc {markup(info.created_at)} "
            f"vào {markup(str(data_dir))}."
        )
        if not report.healthy:
            err_console.print("[red]Kho khôi phục có lỗi:[/] chạy vankien doctor --data-dir để xem.")
    if not report.healthy:
        raise typer.Exit(code=1)


def main() -> None:
    """The console script: user-facing failures (configuration, model servers, the store) end with their
    Vietnamese message and stable code, exit code 2, never a traceback."""
    from pydantic import ValidationError

    from ingestion.errors import CodedError

    try:
        app()
    except CodedError as error:
        err_console.print(f"[red]Lỗi[/] {markup(f'[{error.code}] {error}')}", soft_wrap=True)
        raise SystemExit(2) from None
    except ValidationError as error:
        err_console.print(
            f"[red]Cấu hình không hợp lệ[/] (biến môi trường VANKIEN_*):\n{markup(str(error), multiline=True)}"
        )
        raise SystemExit(2) from None
