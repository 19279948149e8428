"""The Đánh giá tab: run a test set through the running assistant (admin), show its metrics and plots,
offer its HTML report.

The run goes through the one evaluation service (:mod:`assistant.services.evaluation`), as ``vankien eval
run`` and ``POST /api/evals`` do: the app's own answering chain, the run folder where the API keeps runs
(``<data_dir>/evals/runs/<run id>/``), the run labelled ``source: ui`` with the answerer the runtime uses.
"""

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.services.access import Role
from assistant.services.evaluation import (
    EvaluationError,
    available_testsets,
    configured_documents_dir,
    execute_evaluation,
    metric_rows,
    new_run_dir,
    plots_html,
    prepare_evaluation,
)
from assistant.services.runtime import Runtime, RuntimeGetter
from ui.render import escape_markdown
from ui.tabs.common import Guard, TabParts

METRIC_COLUMNS = ["Chỉ số", "Ý nghĩa", "Giá trị", "Ghi chú"]


def counts_text(summary: Mapping[str, Any]) -> str:
    counts = summary["counts"]
    return (
        f"{counts['items']} câu · đạt {counts['passed']}, không đạt {counts['failed']}, lỗi {counts['errors']}, "
        f"từ chối {counts['abstained']} · {summary['duration_s']} s"
    )


class EvaluationTab:
    def __init__(self, get_runtime: RuntimeGetter, guard: Guard) -> None:
        self._get_runtime = get_runtime
        self._guard = guard
        gr.Markdown(
            "Chạy một bộ câu hỏi qua trợ lý và chấm điểm (chỉ quản trị viên). "
            "Định dạng bộ câu hỏi: xem `evals/README.md`."
        )
        with gr.Row():
            self.choice = gr.Dropdown(label="Bộ câu hỏi có sẵn", choices=[], scale=2)
            self.upload = gr.File(
                label="… hoặc tải lên (.jsonl, .csv)", file_types=[".jsonl", ".csv"], type="filepath", scale=2
            )
            self.run_button = gr.Button("Chạy đánh giá", variant="primary", scale=1)
        self.status = gr.Markdown()
        self.metrics = gr.Dataframe(
            headers=METRIC_COLUMNS, interactive=False, wrap=True, label="Chỉ số", elem_id="vk-metrics"
        )
        self.plots = gr.HTML()
        self.report = gr.File(label="Báo cáo HTML", interactive=False)

    def wire(self) -> None:
        self.run_button.click(
            self.evaluate,
            inputs=[self.choice, self.upload],
            outputs=[self.status, self.metrics, self.plots, self.report],
        )

    def evaluate(
        self,
        chosen: str | None,
        uploaded: str | None,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - how Gradio injects a progress bar
    ) -> tuple[str, list[list[str]], str, str]:
        self._guard.check(request, "admin")
        runtime = self._get_runtime()
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
            prepared = prepare_evaluation(
                testset_path,
                new_run_dir(runtime.store.data_dir),
                source="ui",
                documents_dir=configured_documents_dir(runtime.settings.api),
            )
        except EvaluationError as error:
            raise gr.Error(error.message) from None
        run = execute_evaluation(
            prepared,
            runtime,
            on_progress=lambda fraction, _stage: progress(fraction, desc="Đang chạy bộ câu hỏi"),
        )
        warnings = "".join(f"\n- {escape_markdown(w)}" for w in run.summary.get("warnings", []))
        status = f"**{counts_text(run.summary)}**{warnings}"
        plots = plots_html(run.summary, run.records, css_class="vk-plots")
        return status, metric_rows(run.summary), plots, str(run.report_path)

    def show_role(self, role: Role, runtime: Runtime) -> list[Any]:
        folder = runtime.settings.api.testsets_dir
        testsets = [str(folder / name) for name in available_testsets(folder)]
        return [
            # Files go to the server as soon as they are chosen: only admins get the picker.
            gr.update(interactive=role == "admin"),
            gr.update(choices=[(Path(p).name, p) for p in testsets], value=testsets[0] if testsets else None),
        ]


def build_evaluation_tab(get_runtime: RuntimeGetter, guard: Guard) -> TabParts:
    """The Đánh giá tab, inside the page's ``gr.Tabs``; its file picker and test sets follow the role."""
    with gr.Tab("Đánh giá", id="evaluate"):
        tab = EvaluationTab(get_runtime, guard)
    tab.wire()
    return TabParts(role_outputs=[tab.upload, tab.choice], show_role=tab.show_role)
