"""The Hỏi đáp tab: a chat over the documents, answers streamed with their citations (:mod:`ui.chat`)."""

import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

import gradio as gr

from assistant.services.asking import QuestionError, Turn, stream_answer
from assistant.services.documents import DocumentRecord
from assistant.services.examples import EXAMPLE_COUNT, ExampleQuestions
from assistant.services.runtime import RuntimeGetter
from ui.chat import copy_text, filter_note, stream_chat
from ui.tabs.common import FilterControls, Guard, TabParts, ask_filters, input_row

EMPTY_CONVERSATION: dict[str, list[Any]] = {"messages": [], "turns": [], "transcript": []}


def write_transcript(transcript: Sequence[tuple[str, str]]) -> str:
    """The conversation as a Markdown file (questions, answers and a line per source); returns its path."""
    lines = ["# Hội thoại Văn Kiện QA", ""]
    for number, (question, answer) in enumerate(transcript, start=1):
        answer_lines = answer.splitlines()
        # The answer, then its sources as a list (one per line, as copy_text writes them).
        lines += [f"## {number}. {question}", "", *answer_lines[:1], ""]
        lines += [f"- {line}" for line in answer_lines[1:]]
        lines.append("")
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", suffix=".md", prefix="hoi-thoai-", delete=False
    ) as handle:
        handle.write("\n".join(lines))
    return handle.name


# Runs in the browser: the clean text goes to the clipboard (a click is the user gesture it needs).
COPY_JS = "(text) => { if (text) { navigator.clipboard.writeText(text); } return []; }"


class AskTab:
    """The tab's components and its handler; ``respond`` checks the role, then asks the answering service."""

    def __init__(self, get_runtime: RuntimeGetter, guard: Guard) -> None:
        self._get_runtime = get_runtime
        self._guard = guard
        # Questions the assistant answers on the loaded documents, asked once per store generation.
        self._examples = ExampleQuestions()
        self.turns = gr.State([])
        # The conversation (messages and the turns follow-ups use) kept in the browser across reloads.
        self.saved = gr.BrowserState(dict(EMPTY_CONVERSATION), storage_key="vankien-conversation")
        with gr.Row():
            with gr.Column(scale=3):
                self._conversation()
            with gr.Column(scale=1, min_width=260):
                self.filters = FilterControls.build()

    def _conversation(self) -> None:
        self.chatbot = gr.Chatbot(
            label="Hội thoại",
            height=600,
            latex_delimiters=[],
            feedback_options=None,
            buttons=[],
            placeholder="Đặt câu hỏi về các văn bản đã nạp. Bấm vào một nguồn trích dẫn để xem cả mục.",
            elem_id="vk-chat",
        )
        self.question, self.send = input_row(
            "Câu hỏi",
            "Ví dụ: Giá trị sản xuất công nghiệp năm 2025 là bao nhiêu?",
            "vk-question",
            "Gửi",
            "vk-send",
        )
        with gr.Row(elem_id="vk-examples"):
            gr.Markdown("Câu hỏi mẫu:")
            self.examples = [
                gr.Button("", size="sm", visible=False, elem_classes="vk-example")
                for _ in range(EXAMPLE_COUNT)
            ]
        with gr.Row():
            self.clear = gr.Button("Cuộc hội thoại mới", size="sm", elem_id="vk-new-conversation")
            # The last answer as clean text with a line per source, for the clipboard (Gradio's own copy
            # button would copy the message's markup).
            self.copy = gr.Button("Sao chép câu trả lời", size="sm", elem_id="vk-copy")
            # The whole conversation with its sources, as a Markdown file.
            self.export = gr.DownloadButton(
                "Tải hội thoại (.md)", size="sm", elem_id="vk-export", interactive=False
            )
        self.copy_source = gr.Textbox(visible="hidden", elem_id="vk-copy-source", label="Nội dung sao chép")

    def wire(self) -> None:
        inputs = [self.question, self.chatbot, self.turns, self.saved, *self.filters.components]
        outputs = [self.chatbot, self.turns, self.question, self.copy_source, self.saved, self.export]
        self.send.click(self.respond, inputs=inputs, outputs=outputs)
        self.question.submit(self.respond, inputs=inputs, outputs=outputs)
        for button in self.examples:
            button.click(lambda text: text, inputs=[button], outputs=[self.question])
        # A new conversation clears the screen and the memory the next follow-up would use; so does the
        # chat's own clear icon.
        self.clear.click(
            lambda: ([], [], "", dict(EMPTY_CONVERSATION), gr.update(value=None, interactive=False)),
            outputs=[self.chatbot, self.turns, self.copy_source, self.saved, self.export],
        )
        self.copy.click(None, inputs=[self.copy_source], js=COPY_JS)
        self.chatbot.clear(lambda: ([], dict(EMPTY_CONVERSATION)), outputs=[self.turns, self.saved])

    def restore(self, saved: dict[str, Any] | None) -> tuple[list[Any], list[Turn], Any]:
        """The conversation the browser kept: its messages, the turns a follow-up resolves against, and its
        export."""
        saved = saved or EMPTY_CONVERSATION
        turns = [Turn.model_validate(turn) for turn in saved.get("turns", [])]
        transcript = self._transcript(saved)
        export = (
            gr.update(value=write_transcript(transcript), interactive=True)
            if transcript
            else gr.update(value=None, interactive=False)
        )
        return list(saved.get("messages", [])), turns, export

    def hook_restore(self, demo: gr.Blocks) -> None:
        demo.load(self.restore, inputs=[self.saved], outputs=[self.chatbot, self.turns, self.export])

    def respond(
        self,
        question: str,
        messages: list[dict[str, Any]],
        turns: list[Turn],
        saved: dict[str, Any] | None,
        documents: list[str] | None,
        localities: list[str] | None,
        year: str | None,
        types: list[str] | None,
        request: gr.Request,
    ) -> Iterator[tuple[Any, Any, Any, Any, Any, Any]]:
        self._guard.check(request, "reader")
        runtime = self._get_runtime()
        filters = ask_filters(documents, localities, year, types)
        try:
            question, events = stream_answer(runtime.answering, runtime.settings, question, turns, filters)
        except QuestionError as error:
            raise gr.Error(error.message) from None
        note = filter_note(filters, runtime.store.get)
        for shown, response in stream_chat(question, events, runtime.store.get, messages, note):
            if response is None:
                yield shown, turns, "", gr.update(), gr.update(), gr.update()
            else:
                answer = None if response.abstained else response.answer
                copied = copy_text(response, runtime.store.get)
                now = [*turns, Turn(question=question, answer=answer)]
                transcript = [*self._transcript(saved), (question, copied)]
                kept = {
                    "messages": shown,
                    "turns": [turn.model_dump() for turn in now],
                    "transcript": transcript,
                }
                export = gr.update(value=write_transcript(transcript), interactive=True)
                yield shown, now, "", copied, kept, export

    @staticmethod
    def _transcript(saved: dict[str, Any] | None) -> list[tuple[str, str]]:
        return [(q, a) for q, a in (saved or {}).get("transcript", [])]

    def show_store(self, records: Sequence[DocumentRecord]) -> list[Any]:
        runtime = self._get_runtime()
        examples = self._examples.get(runtime.answering, runtime.store)
        buttons = [
            gr.update(value=examples[i], visible=True) if i < len(examples) else gr.update(visible=False)
            for i in range(EXAMPLE_COUNT)
        ]
        return [*self.filters.show_store(records), *buttons]


def build_ask_tab(get_runtime: RuntimeGetter, guard: Guard) -> TabParts:
    """The Hỏi đáp tab, inside the page's ``gr.Tabs``; its filters and example questions show the store."""
    with gr.Tab("Hỏi đáp", id="ask"):
        tab = AskTab(get_runtime, guard)
    tab.wire()
    return TabParts(
        store_outputs=[*tab.filters.components, *tab.examples],
        show_store=tab.show_store,
        load_hooks=[tab.hook_restore],
    )
