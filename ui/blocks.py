"""The Gradio Blocks: Hỏi đáp, Tra cứu, Văn bản, Đánh giá. Vietnamese throughout.

Handlers call the services of the running :class:`~assistant.runtime.Runtime` in-process (never
HTTP to the app itself). The runtime is looked up at call time, because the app's lifespan opens it
after the UI is mounted.
"""

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answering import AskFilters, Turn
from assistant.api.security import Role
from ingestion.model import DocumentRecord
from ui.access import LOGOUT_PATH, ROLE_LABELS, AccessDenied, keys_required, require, role_of_request
from ui.render import (
    document_label,
    escape_markdown,
    format_date,
    search_results_html,
    section_tree_html,
)

if TYPE_CHECKING:
    import gradio as gr

    from assistant.runtime import Runtime

RuntimeGetter = Callable[[], "Runtime"]

DOCUMENT_COLUMNS = ["Mã", "Tệp", "Loại", "Số hiệu", "Ngày", "Cơ quan ban hành", "Địa bàn", "Mục", "Đoạn"]
UPLOAD_COLUMNS = ["Tệp", "Kết quả", "Mã", "Số đoạn", "Ghi chú"]
METRIC_COLUMNS = ["Chỉ số", "Ý nghĩa", "Giá trị", "Ghi chú"]
UPLOAD_TYPES = [".txt", ".md", ".docx", ".pdf"]
ALL_YEARS = "Tất cả"
_STATUS_LABELS = {
    "added": "đã nạp",
    "replaced": "đã cập nhật",
    "unchanged": "không đổi",
    "duplicate": "không nạp (trùng)",
    "failed": "lỗi",
}
EXAMPLE_COUNT = 3


def document_rows(records: list[DocumentRecord]) -> list[list[Any]]:
    rows = []
    for record in sorted(records, key=lambda r: r.doc_id):
        meta = record.metadata
        rows.append(
            [
                record.doc_id,
                record.file_name,
                meta.doc_type or "",
                meta.number or "",
                format_date(meta.date),
                " / ".join(meta.issuers),
                meta.locality or "",
                len(record.sections),
                record.chunk_count,
            ]
        )
    return rows


def filter_choices(records: list[DocumentRecord]) -> dict[str, list[Any]]:
    """The choices of the filter controls, from the documents in the store."""
    return {
        "documents": [
            (f"{document_label(r)} ({r.doc_id})", r.doc_id) for r in sorted(records, key=lambda r: r.doc_id)
        ],
        "localities": sorted({r.metadata.locality for r in records if r.metadata.locality}),
        "years": [
            ALL_YEARS,
            *(str(y) for y in sorted({r.metadata.year for r in records if r.metadata.year})),
        ],
        "types": sorted({r.metadata.doc_type for r in records if r.metadata.doc_type}),
    }


def ask_filters(
    documents: list[str] | None, localities: list[str] | None, year: str | None, types: list[str] | None
) -> AskFilters:
    chosen_year = int(year) if year and year != ALL_YEARS else None
    return AskFilters(
        documents=list(documents or []),
        localities=list(localities or []),
        doc_types=list(types or []),
        year_from=chosen_year,
        year_to=chosen_year,
    )


def example_questions(records: list[DocumentRecord]) -> list[str]:
    """Questions built from what the store holds, so they fit whatever corpus is loaded."""
    questions: list[str] = []
    for record in sorted(records, key=lambda r: (-(r.metadata.year or 0), r.doc_id)):
        meta = record.metadata
        if meta.locality and meta.year:
            questions.append(f"Tốc độ tăng trưởng kinh tế của {meta.locality} năm {meta.year} là bao nhiêu?")
        if meta.doc_type and meta.number:
            questions.append(f"{meta.doc_type} số {meta.number} đề ra những chỉ tiêu chủ yếu nào?")
    if not questions:
        questions = ["Tổng thu ngân sách trên địa bàn năm nay là bao nhiêu?"]
    unique = list(dict.fromkeys(questions))
    return unique[:EXAMPLE_COUNT]


def _filter_controls() -> tuple[Any, Any, Any, Any]:
    """The filters the Hỏi đáp and Tra cứu tabs share: documents, localities, year, document types."""
    import gradio as gr

    gr.Markdown("### Bộ lọc")
    return (
        gr.Dropdown(label="Văn bản", multiselect=True, choices=[]),
        gr.Dropdown(label="Địa bàn", multiselect=True, choices=[]),
        gr.Dropdown(label="Năm", choices=[ALL_YEARS], value=ALL_YEARS),
        gr.Dropdown(label="Loại văn bản", multiselect=True, choices=[]),
    )


def build_blocks(get_runtime: RuntimeGetter) -> "gr.Blocks":
    """The whole UI. ``get_runtime`` returns the app's runtime when a handler runs."""
    import gradio as gr

    from assistant.questions import QuestionError, check_question
    from assistant.services.evaluation import available_testsets
    from ui.chat import stream_chat
    from ui.evaluation import EvaluationError, counts_text, metric_rows, plots_html, run_testset_file

    def role_of(request: gr.Request | None) -> Role | None:
        # From the request itself (its key header or the session cookie), never from page state.
        from assistant.api.security import KeyRing

        keys = KeyRing.from_settings(get_runtime().settings.api)
        if request is None:
            return "admin" if keys.open_access else None
        return role_of_request(keys, request.headers, dict(request.cookies))

    def checked(request: gr.Request | None, needed: Role) -> Role:
        role = role_of(request)
        try:
            require(role, needed)
        except AccessDenied as denied:
            raise gr.Error(denied.message) from None
        assert role is not None
        return role

    def lookup(doc_id: str) -> DocumentRecord | None:
        return get_runtime().store.get(doc_id)

    with gr.Blocks(title="Văn Kiện QA — Hỏi đáp văn kiện") as demo:
        turns_state = gr.State([])
        pending_delete = gr.State(None)

        gr.Markdown(
            "# Văn Kiện QA\nHỏi đáp trên các văn kiện, báo cáo, nghị quyết đã nạp. "
            "Mọi câu trả lời đều dẫn nguồn: văn bản, số hiệu, ngày và mục.",
            elem_id="vk-header",
        )
        with gr.Row(visible=False, elem_id="vk-key-row") as key_row:
            key_status = gr.Markdown(elem_id="vk-key-status")
            # A plain form: the key lives in an HttpOnly cookie that only the server can clear.
            gr.HTML(
                f'<form method="post" action="{LOGOUT_PATH.lstrip("/")}">'
                '<button type="submit" class="vk-change-key">Đổi khoá</button></form>',
                elem_id="vk-change-key",
            )

        with gr.Tabs():
            # ----------------------------------------------------------------------------- Hỏi đáp
            with gr.Tab("Hỏi đáp", id="ask"), gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(
                        label="Hội thoại",
                        height=600,
                        latex_delimiters=[],
                        feedback_options=None,
                        buttons=["copy"],
                        placeholder="Đặt câu hỏi về các văn bản đã nạp. Bấm vào một nguồn trích dẫn để xem cả mục.",
                        elem_id="vk-chat",
                    )
                    with gr.Row():
                        question_box = gr.Textbox(
                            placeholder="Ví dụ: Giá trị sản xuất công nghiệp năm 2025 là bao nhiêu?",
                            show_label=False,
                            scale=6,
                            elem_id="vk-question",
                        )
                        send_button = gr.Button("Gửi", variant="primary", scale=1, elem_id="vk-send")
                    with gr.Row(elem_id="vk-examples"):
                        gr.Markdown("Câu hỏi mẫu:")
                        example_buttons = [
                            gr.Button("", size="sm", visible=False, elem_classes="vk-example")
                            for _ in range(EXAMPLE_COUNT)
                        ]
                    clear_button = gr.Button("Xoá hội thoại", size="sm")
                with gr.Column(scale=1, min_width=260):
                    ask_documents, ask_localities, ask_year, ask_types = _filter_controls()

            # ----------------------------------------------------------------------------- Tra cứu
            with gr.Tab("Tra cứu", id="search"), gr.Row():
                with gr.Column(scale=3):
                    with gr.Row():
                        search_box = gr.Textbox(
                            placeholder="Từ khoá hoặc câu hỏi, ví dụ: thu ngân sách",
                            show_label=False,
                            scale=6,
                            elem_id="vk-search-query",
                        )
                        search_button = gr.Button("Tìm", variant="primary", scale=1, elem_id="vk-search")
                    search_results = gr.HTML(elem_id="vk-search-results")
                with gr.Column(scale=1, min_width=260):
                    search_documents, search_localities, search_year, search_types = _filter_controls()
                    search_limit = gr.Slider(label="Số kết quả", minimum=1, maximum=50, step=1, value=10)

            # ----------------------------------------------------------------------------- Văn bản
            with gr.Tab("Văn bản", id="documents"):
                documents_table = gr.Dataframe(
                    headers=DOCUMENT_COLUMNS,
                    datatype=["str", "str", "str", "str", "str", "str", "str", "number", "number"],
                    interactive=False,
                    wrap=True,
                    label="Văn bản trong kho (bấm một dòng để xem cây mục)",
                    elem_id="vk-documents",
                )
                with gr.Row():
                    with gr.Column():
                        gr.Markdown(
                            "### Nạp văn bản\nTệp .txt, .md, .docx, .pdf; nạp lại một tệp đã có sẽ cập nhật nó."
                        )
                        upload_files = gr.File(
                            label="Chọn tệp",
                            file_count="multiple",
                            file_types=UPLOAD_TYPES,
                            type="filepath",
                            elem_id="vk-upload",
                        )
                        upload_button = gr.Button(
                            "Nạp vào kho", variant="primary", elem_id="vk-upload-button"
                        )
                        upload_results = gr.Dataframe(
                            headers=UPLOAD_COLUMNS,
                            interactive=False,
                            wrap=True,
                            label="Kết quả nạp",
                            elem_id="vk-upload-results",
                        )
                    with gr.Column():
                        gr.Markdown("### Xem và xoá")
                        selected_document = gr.Dropdown(
                            label="Văn bản", choices=[], elem_id="vk-selected-document"
                        )
                        delete_button = gr.Button("Xoá văn bản này", variant="stop", size="sm")
                        with gr.Group(visible=False) as confirm_group:
                            confirm_text = gr.Markdown()
                            with gr.Row():
                                confirm_button = gr.Button(
                                    "Xác nhận xoá", variant="stop", elem_id="vk-confirm-delete"
                                )
                                cancel_button = gr.Button("Huỷ")
                        delete_status = gr.Markdown()
                section_tree = gr.HTML(elem_id="vk-tree")

            # ----------------------------------------------------------------------------- Đánh giá
            with gr.Tab("Đánh giá", id="evaluate"):
                gr.Markdown(
                    "Chạy một bộ câu hỏi qua trợ lý và chấm điểm (chỉ quản trị viên). "
                    "Định dạng bộ câu hỏi: xem `evals/README.md`."
                )
                with gr.Row():
                    testset_choice = gr.Dropdown(label="Bộ câu hỏi có sẵn", choices=[], scale=2)
                    testset_upload = gr.File(
                        label="… hoặc tải lên (.jsonl, .csv)",
                        file_types=[".jsonl", ".csv"],
                        type="filepath",
                        scale=2,
                    )
                    run_button = gr.Button("Chạy đánh giá", variant="primary", scale=1)
                run_status = gr.Markdown()
                metrics_table = gr.Dataframe(
                    headers=METRIC_COLUMNS, interactive=False, wrap=True, label="Chỉ số", elem_id="vk-metrics"
                )
                plots = gr.HTML()
                report_file = gr.File(label="Báo cáo HTML", interactive=False)

        # ================================================================================ handlers

        filter_outputs = [
            ask_documents, ask_localities, ask_year, ask_types,
            search_documents, search_localities, search_year, search_types,
        ]  # fmt: skip

        def refresh_store_views(request: gr.Request) -> list[Any]:
            checked(request, "reader")
            records = get_runtime().store.list_documents()
            choices = filter_choices(records)
            filters = [
                gr.update(choices=choices["documents"]),
                gr.update(choices=choices["localities"]),
                gr.update(choices=choices["years"]),
                gr.update(choices=choices["types"]),
            ]
            examples = example_questions(records)
            buttons = [
                gr.update(value=examples[i], visible=True) if i < len(examples) else gr.update(visible=False)
                for i in range(EXAMPLE_COUNT)
            ]
            return [
                document_rows(records),
                gr.update(choices=choices["documents"]),
                *filters,
                *filters,
                *buttons,
            ]

        store_view_outputs = [documents_table, selected_document, *filter_outputs, *example_buttons]

        def on_load(request: gr.Request) -> list[Any]:
            role = checked(request, "reader")
            runtime = get_runtime()
            folder = runtime.settings.api.testsets_dir
            testsets = [str(folder / name) for name in available_testsets(folder)]
            admin = role == "admin"
            status = f"Đã xác nhận: quyền {ROLE_LABELS[role]}."
            if not admin:
                status += " Nạp, xoá văn bản và Đánh giá cần khoá quản trị."
            return [
                gr.update(visible=keys_required(runtime.settings)),
                status,
                # Files go to the server as soon as they are chosen: only admins get the pickers.
                gr.update(interactive=admin),
                gr.update(interactive=admin),
                gr.update(
                    choices=[(Path(p).name, p) for p in testsets], value=testsets[0] if testsets else None
                ),
                *refresh_store_views(request),
            ]

        demo.load(
            on_load,
            outputs=[key_row, key_status, upload_files, testset_upload, testset_choice, *store_view_outputs],
        )

        # --- Hỏi đáp
        def respond(
            question: str,
            messages: list[dict[str, Any]],
            turns: list[Turn],
            documents: list[str] | None,
            localities: list[str] | None,
            year: str | None,
            types: list[str] | None,
            request: gr.Request,
        ) -> Iterator[tuple[Any, Any, Any]]:
            checked(request, "reader")
            runtime = get_runtime()
            try:
                question = check_question(question, runtime.settings)
            except QuestionError as error:
                raise gr.Error(error.message) from None
            filters = ask_filters(documents, localities, year, types)
            for shown, response in stream_chat(runtime.answering, lookup, question, turns, filters, messages):
                if response is None:
                    yield shown, turns, ""
                else:
                    answer = None if response.abstained else response.answer
                    yield shown, [*turns, Turn(question=question, answer=answer)], ""

        ask_inputs = [
            question_box,
            chatbot,
            turns_state,
            ask_documents,
            ask_localities,
            ask_year,
            ask_types,
        ]
        send_button.click(respond, inputs=ask_inputs, outputs=[chatbot, turns_state, question_box])
        question_box.submit(respond, inputs=ask_inputs, outputs=[chatbot, turns_state, question_box])
        for button in example_buttons:
            button.click(lambda text: text, inputs=[button], outputs=[question_box])
        clear_button.click(lambda: ([], []), outputs=[chatbot, turns_state])

        # --- Tra cứu
        def search(
            query: str,
            documents: list[str] | None,
            localities: list[str] | None,
            year: str | None,
            types: list[str] | None,
            limit: float,
            request: gr.Request,
        ) -> str:
            checked(request, "reader")
            query = (query or "").strip()
            if not query:
                raise gr.Error("Hãy nhập từ khoá.")
            runtime = get_runtime()
            filters = ask_filters(documents, localities, year, types).to_retrieval()
            passages = runtime.retriever.search(query, k=int(limit), filters=filters)
            return search_results_html(passages, query, lookup)

        search_inputs = [
            search_box,
            search_documents,
            search_localities,
            search_year,
            search_types,
            search_limit,
        ]
        search_button.click(search, inputs=search_inputs, outputs=[search_results])
        search_box.submit(search, inputs=search_inputs, outputs=[search_results])

        # --- Văn bản
        def show_tree(doc_id: str | None, request: gr.Request) -> str:
            if not doc_id:
                return ""
            checked(request, "reader")
            record = lookup(doc_id)
            return section_tree_html(record) if record else '<p class="vk-empty">Không còn văn bản này.</p>'

        selected_document.change(show_tree, inputs=[selected_document], outputs=[section_tree])

        def select_row(event: gr.SelectData) -> Any:
            row = event.row_value
            return gr.update(value=row[0]) if row else gr.update()

        documents_table.select(select_row, outputs=[selected_document])

        def upload(
            files: list[str] | None,
            request: gr.Request,
            progress: gr.Progress = gr.Progress(),  # noqa: B008 - how Gradio injects a progress bar
        ) -> list[list[Any]]:
            from assistant.services.documents import ingest_staged, stage_upload
            from ingestion.model import IngestError

            checked(request, "admin")
            if not files:
                raise gr.Error("Hãy chọn ít nhất một tệp.")
            runtime = get_runtime()
            cap = runtime.settings.api.max_upload_bytes
            rows: list[list[Any]] = []
            for position, name in enumerate(files):
                path = Path(name)

                def report(fraction: float, _stage: str, position: int = position, path: Path = path) -> None:
                    done = (position + fraction) / len(files)
                    progress(done, desc=f"Đang nạp {path.name} ({position + 1}/{len(files)})")

                report(0.0, "start")
                try:
                    if path.stat().st_size > cap:
                        raise IngestError("file_too_large", f"Tệp lớn quá {cap // (1024 * 1024)} MB.")
                    # The same checks as the API: type from the content, a clean file name.
                    staged = stage_upload(runtime.store.data_dir, path.name, path.read_bytes())
                    result = ingest_staged(runtime.pipeline, staged, report)
                except IngestError as error:
                    rows.append([path.name, _STATUS_LABELS["failed"], "", 0, error.message])
                    continue
                document = result["document"]
                if result["status"] == "duplicate":
                    # Not stored: the document named is the one that already holds this content.
                    note = f"trùng nội dung với {document['file_name']} ({document['id']})"
                    rows.append([path.name, _STATUS_LABELS["duplicate"], "", 0, note])
                    continue
                rows.append(
                    [
                        path.name,
                        _STATUS_LABELS[result["status"]],
                        document["id"],
                        document["chunks"],
                        "",
                    ]
                )
            progress(1.0, desc="Xong")
            return rows

        upload_button.click(upload, inputs=[upload_files], outputs=[upload_results]).then(
            refresh_store_views, outputs=store_view_outputs
        )

        def ask_delete(doc_id: str | None, request: gr.Request) -> tuple[Any, Any, Any]:
            checked(request, "admin")
            record = lookup(doc_id) if doc_id else None
            if record is None:
                raise gr.Error("Hãy chọn một văn bản.")
            text = f"Xoá vĩnh viễn **{escape_markdown(document_label(record))}** ({escape_markdown(record.file_name)}) khỏi kho?"
            return doc_id, gr.update(visible=True), text

        delete_button.click(
            ask_delete,
            inputs=[selected_document],
            outputs=[pending_delete, confirm_group, confirm_text],
        )

        def confirm_delete(doc_id: str | None, request: gr.Request) -> tuple[Any, Any, str]:
            checked(request, "admin")
            from assistant.services.documents import delete_document

            runtime = get_runtime()
            removed = (
                bool(doc_id)
                and delete_document(runtime.store, runtime.store.data_dir, doc_id or "") is not None
            )
            message = f"Đã xoá văn bản {doc_id}." if removed else "Văn bản không còn trong kho."
            return None, gr.update(visible=False), message

        confirm_button.click(
            confirm_delete,
            inputs=[pending_delete],
            outputs=[pending_delete, confirm_group, delete_status],
        ).then(refresh_store_views, outputs=store_view_outputs).then(lambda: "", outputs=[section_tree])
        cancel_button.click(lambda: (None, gr.update(visible=False)), outputs=[pending_delete, confirm_group])

        # --- Đánh giá
        def evaluate(
            chosen: str | None,
            uploaded: str | None,
            request: gr.Request,
            progress: gr.Progress = gr.Progress(),  # noqa: B008 - how Gradio injects a progress bar
        ) -> tuple[str, list[list[str]], str, str]:
            checked(request, "admin")
            runtime = get_runtime()
            source = uploaded or chosen
            if not source:
                raise gr.Error("Hãy chọn hoặc tải lên một bộ câu hỏi.")
            testset_path = Path(source)
            if uploaded:
                # Gradio keeps uploads under a hashed folder; the run records the file's own name.
                staging = Path(tempfile.mkdtemp(prefix="vankien-testset-"))
                testset_path = Path(shutil.copy(uploaded, staging / Path(uploaded).name))
            progress(0.0, desc="Đang chuẩn bị")
            try:
                run = run_testset_file(
                    runtime.answering,
                    testset_path,
                    runtime.store.data_dir,
                    documents_dir=runtime.settings.api.eval_documents_dir,
                    report=lambda fraction, _stage: progress(fraction, desc="Đang chạy bộ câu hỏi"),
                )
            except EvaluationError as error:
                raise gr.Error(error.message) from None
            warnings = "".join(f"\n- {escape_markdown(w)}" for w in run.summary.get("warnings", []))
            status = f"**{counts_text(run.summary)}**{warnings}"
            return (
                status,
                metric_rows(run.summary),
                plots_html(run.summary, run.records),
                str(run.report_path),
            )

        run_button.click(
            evaluate,
            inputs=[testset_choice, testset_upload],
            outputs=[run_status, metrics_table, plots, report_file],
        )

    return demo
