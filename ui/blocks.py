"""The page frame of the Gradio UI: the header, the key and role status, the tabs (:mod:`ui.tabs`:
Hỏi đáp, Tra cứu, Chỉ tiêu, Văn bản, Đánh giá) and the page-load event. Vietnamese throughout.

Handlers call the services with the running runtime in-process (never HTTP to the app itself). The
runtime is looked up at call time, because the app's lifespan opens it after the UI is mounted.
"""

from typing import Any

import gradio as gr

from assistant.services.runtime import RuntimeGetter
from ui.access import LOGOUT_PATH, ROLE_LABELS, keys_required
from ui.tabs.ask import build_ask_tab
from ui.tabs.common import Guard, TabParts
from ui.tabs.documents import build_documents_tab
from ui.tabs.evaluation import build_evaluation_tab
from ui.tabs.indicators import build_indicators_tab
from ui.tabs.search import build_search_tab


def _key_status() -> tuple[gr.Row, gr.Markdown]:
    """The row that says which key the session holds, with the button that changes it (keys configured)."""
    with gr.Row(visible=False, elem_id="vk-key-row") as key_row:
        key_status = gr.Markdown(elem_id="vk-key-status")
        # A plain form: the key lives in an HttpOnly cookie that only the server can clear.
        gr.HTML(
            f'<form method="post" action="{LOGOUT_PATH.lstrip("/")}">'
            '<button type="submit" class="vk-change-key">Đổi khoá</button></form>',
            elem_id="vk-change-key",
        )
    return key_row, key_status


def build_blocks(get_runtime: RuntimeGetter) -> gr.Blocks:
    """The whole UI. ``get_runtime`` returns the app's runtime when a handler runs."""
    guard = Guard(get_runtime)
    with gr.Blocks(title="Văn Kiện QA — Hỏi đáp văn kiện") as demo:
        gr.Markdown(
            "# Văn Kiện QA\nHỏi đáp trên các văn kiện, báo cáo, nghị quyết đã nạp. "
            "Mọi câu trả lời đều dẫn nguồn: văn bản, số hiệu, ngày và mục.",
            elem_id="vk-header",
        )
        key_row, key_status = _key_status()
        with gr.Tabs():
            ask = build_ask_tab(get_runtime, guard)
            search = build_search_tab(get_runtime, guard)
            indicators = build_indicators_tab(get_runtime, guard)
            documents, documents_tab = build_documents_tab(get_runtime, guard)
            evaluation = build_evaluation_tab(get_runtime, guard)
        tabs: list[TabParts] = [ask, search, indicators, documents, evaluation]
        store_outputs = [component for tab in tabs for component in tab.store_outputs]

        def refresh_store_views(request: gr.Request) -> list[Any]:
            guard.check(request, "reader")
            records = get_runtime().store.list_documents()
            return [update for tab in tabs for update in tab.show_store(records)]

        documents_tab.wire(refresh_store_views, store_outputs)

        def on_load(request: gr.Request) -> list[Any]:
            role = guard.check(request, "reader")
            runtime = get_runtime()
            status = f"Đã xác nhận: quyền {ROLE_LABELS[role]}."
            if role != "admin":
                status += " Nạp, xoá văn bản và Đánh giá cần khoá quản trị."
            role_updates = [update for tab in tabs for update in tab.show_role(role, runtime)]
            key_row_update = gr.update(visible=keys_required(runtime.settings))
            return [key_row_update, status, *role_updates, *refresh_store_views(request)]

        role_outputs = [component for tab in tabs for component in tab.role_outputs]
        demo.load(on_load, outputs=[key_row, key_status, *role_outputs, *store_outputs])
        for tab in tabs:
            for hook in tab.load_hooks:
                hook(demo)
    return demo
