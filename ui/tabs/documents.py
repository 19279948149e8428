"""The Văn bản tab: the documents in the store, each one's section tree, uploads and deletion (admin).

Uploads and deletions go through :mod:`assistant.services.documents`, with the API's checks (type from
the content, a clean file name). Gradio refuses a file over the upload cap before it reaches a handler
(``max_file_size`` at the mount).
"""

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.components import Component

from assistant.services.access import Role
from assistant.services.documents import (
    DocumentRecord,
    IngestError,
    delete_document,
    ingest_staged,
    stage_upload,
)
from assistant.services.runtime import Runtime, RuntimeGetter
from ui.render import document_label, escape_markdown, format_date, section_tree_html
from ui.tabs.common import Guard, TabParts, filter_choices

DOCUMENT_COLUMNS = ["Mã", "Tệp", "Loại", "Số hiệu", "Ngày", "Cơ quan ban hành", "Địa bàn", "Mục", "Đoạn"]
UPLOAD_COLUMNS = ["Tệp", "Kết quả", "Mã", "Số đoạn", "Ghi chú"]
UPLOAD_TYPES = [".txt", ".md", ".docx", ".pdf"]
_STATUS_LABELS = {
    "added": "đã nạp",
    "replaced": "đã cập nhật",
    "unchanged": "không đổi",
    "duplicate": "không nạp (trùng)",
    "failed": "lỗi",
}
Progress = Callable[..., Any]


def document_rows(records: Sequence[DocumentRecord]) -> list[list[Any]]:
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


def upload_row(file_name: str, result: dict[str, Any]) -> list[Any]:
    """The row of one upload's result (:func:`~assistant.services.documents.ingest_staged`)."""
    document = result["document"]
    if result["status"] == "duplicate":
        # Not stored: the document named is the one that already holds this content.
        note = f"trùng nội dung với {document['file_name']} ({document['id']})"
        return [file_name, _STATUS_LABELS["duplicate"], "", 0, note]
    return [file_name, _STATUS_LABELS[result["status"]], document["id"], document["chunks"], ""]


class DocumentsTab:
    def __init__(self, get_runtime: RuntimeGetter, guard: Guard) -> None:
        self._get_runtime = get_runtime
        self._guard = guard
        self.pending_delete = gr.State(None)
        self.table = gr.Dataframe(
            headers=DOCUMENT_COLUMNS,
            datatype=["str", "str", "str", "str", "str", "str", "str", "number", "number"],
            interactive=False,
            wrap=True,
            label="Văn bản trong kho (bấm một dòng để xem cây mục)",
            elem_id="vk-documents",
        )
        with gr.Row():
            with gr.Column():
                self._upload_controls()
            with gr.Column():
                self._delete_controls()
        self.tree = gr.HTML(elem_id="vk-tree")

    def _upload_controls(self) -> None:
        gr.Markdown("### Nạp văn bản\nTệp .txt, .md, .docx, .pdf; nạp lại một tệp đã có sẽ cập nhật nó.")
        self.files = gr.File(
            label="Chọn tệp",
            file_count="multiple",
            file_types=UPLOAD_TYPES,
            type="filepath",
            elem_id="vk-upload",
        )
        self.upload_button = gr.Button("Nạp vào kho", variant="primary", elem_id="vk-upload-button")
        self.upload_results = gr.Dataframe(
            headers=UPLOAD_COLUMNS,
            interactive=False,
            wrap=True,
            label="Kết quả nạp",
            elem_id="vk-upload-results",
        )

    def _delete_controls(self) -> None:
        gr.Markdown("### Xem và xoá")
        self.selected = gr.Dropdown(label="Văn bản", choices=[], elem_id="vk-selected-document")
        self.delete_button = gr.Button("Xoá văn bản này", variant="stop", size="sm")
        with gr.Group(visible=False) as self.confirm_group:
            self.confirm_text = gr.Markdown()
            with gr.Row():
                self.confirm_button = gr.Button("Xác nhận xoá", variant="stop", elem_id="vk-confirm-delete")
                self.cancel_button = gr.Button("Huỷ")
        self.delete_status = gr.Markdown()

    def wire(self, refresh_store_views: Callable[..., list[Any]], store_outputs: list[Component]) -> None:
        """Every event; after an upload or a deletion, ``refresh_store_views`` updates ``store_outputs``."""
        self.selected.change(self.show_tree, inputs=[self.selected], outputs=[self.tree])
        self.table.select(self.select_row, outputs=[self.selected])
        uploaded = self.upload_button.click(self.upload, inputs=[self.files], outputs=[self.upload_results])
        uploaded.then(refresh_store_views, outputs=store_outputs)
        self.delete_button.click(
            self.ask_delete,
            inputs=[self.selected],
            outputs=[self.pending_delete, self.confirm_group, self.confirm_text],
        )
        deleted = self.confirm_button.click(
            self.confirm_delete,
            inputs=[self.pending_delete],
            outputs=[self.pending_delete, self.confirm_group, self.delete_status],
        )
        deleted.then(refresh_store_views, outputs=store_outputs).then(lambda: "", outputs=[self.tree])
        self.cancel_button.click(
            lambda: (None, gr.update(visible=False)), outputs=[self.pending_delete, self.confirm_group]
        )

    def show_tree(self, doc_id: str | None, request: gr.Request) -> str:
        if not doc_id:
            return ""
        self._guard.check(request, "reader")
        record = self._get_runtime().store.get(doc_id)
        return section_tree_html(record) if record else '<p class="vk-empty">Không còn văn bản này.</p>'

    def select_row(self, event: gr.SelectData) -> Any:
        row = event.row_value
        return gr.update(value=row[0]) if row else gr.update()

    def upload(
        self,
        files: list[str] | None,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - how Gradio injects a progress bar
    ) -> list[list[Any]]:
        self._guard.check(request, "admin")
        if not files:
            raise gr.Error("Hãy chọn ít nhất một tệp.")
        runtime = self._get_runtime()
        rows = [
            self._ingest(runtime, Path(name), (position, len(files)), progress)
            for position, name in enumerate(files)
        ]
        progress(1.0, desc="Xong")
        return rows

    def _ingest(self, runtime: Runtime, path: Path, place: tuple[int, int], progress: Progress) -> list[Any]:
        """One file of an upload, ``place`` = (its position, how many): staged, ingested, its result row."""
        position, count = place

        def report(fraction: float, _stage: str) -> None:
            progress((position + fraction) / count, desc=f"Đang nạp {path.name} ({position + 1}/{count})")

        report(0.0, "start")
        try:
            staged = stage_upload(runtime.store.data_dir, path.name, path.read_bytes())
            result = ingest_staged(runtime.pipeline, staged, report)
        except IngestError as error:
            return [path.name, _STATUS_LABELS["failed"], "", 0, error.message]
        return upload_row(path.name, result)

    def ask_delete(self, doc_id: str | None, request: gr.Request) -> tuple[Any, Any, Any]:
        self._guard.check(request, "admin")
        record = self._get_runtime().store.get(doc_id) if doc_id else None
        if record is None:
            raise gr.Error("Hãy chọn một văn bản.")
        label, file_name = escape_markdown(document_label(record)), escape_markdown(record.file_name)
        return doc_id, gr.update(visible=True), f"Xoá vĩnh viễn **{label}** ({file_name}) khỏi kho?"

    def confirm_delete(self, doc_id: str | None, request: gr.Request) -> tuple[Any, Any, str]:
        self._guard.check(request, "admin")
        runtime = self._get_runtime()
        removed = (
            bool(doc_id) and delete_document(runtime.store, runtime.store.data_dir, doc_id or "") is not None
        )
        message = f"Đã xoá văn bản {doc_id}." if removed else "Văn bản không còn trong kho."
        return None, gr.update(visible=False), message

    def show_store(self, records: Sequence[DocumentRecord]) -> list[Any]:
        return [document_rows(records), gr.update(choices=filter_choices(records)["documents"])]

    def show_role(self, role: Role, _runtime: Runtime) -> list[Any]:
        # Files go to the server as soon as they are chosen: only admins get the picker.
        return [gr.update(interactive=role == "admin")]


def build_documents_tab(get_runtime: RuntimeGetter, guard: Guard) -> tuple[TabParts, DocumentsTab]:
    """The Văn bản tab, inside the page's ``gr.Tabs``. The page wires it (:meth:`DocumentsTab.wire`) once
    every tab is built: its uploads and deletions refresh the other tabs' views of the store."""
    with gr.Tab("Văn bản", id="documents"):
        tab = DocumentsTab(get_runtime, guard)
    parts = TabParts(
        store_outputs=[tab.table, tab.selected],
        show_store=tab.show_store,
        role_outputs=[tab.files],
        show_role=tab.show_role,
    )
    return parts, tab
