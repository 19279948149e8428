"""The LLM answerer over a real small store, driven by LangChain's own fake chat models.

The fakes stand in for the model server only: prompts, streaming, verification, marker mapping,
replacement and fallback all run for real.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from assistant.answering import AskRequest, QuestionAnswering, StreamEvent, Turn
from assistant.llm import LLMError, build_chat_model, ground_answer, says_no_information
from assistant.runtime import Runtime, open_runtime
from assistant.settings import LLMSettings, Settings
from prompts import llm as llm_prompts
from prompts import templates
from vectorstore.passages import Passage

REPORT = """ỦY BAN NHÂN DÂN
HUYỆN TIỂU CẦN
Số: 12/BC-UBND
Tiểu Cần, ngày 15 tháng 12 năm 2022
BÁO CÁO
Kết quả thực hiện nhiệm vụ năm 2022
I. KẾT QUẢ ĐẠT ĐƯỢC
1. Lĩnh vực kinh tế
Tổng thu ngân sách 713,275 tỷ đồng, đạt 146,36% chỉ tiêu. Tổng chi ngân sách địa phương 544,118 tỷ đồng, \
đạt 112,08% dự toán.
2. Về văn hóa - xã hội
Điều tra, rà soát hộ nghèo, hộ cận nghèo. Kết quả còn 233 hộ nghèo, tỷ lệ hộ nghèo 0,79%; hộ cận nghèo \
1.067 hộ, tỷ lệ 3,62%.
Số người tham gia bảo hiểm y tế 95.899/108.808 người, đạt 88,14%.
3. Quốc phòng - an ninh
Tai nạn giao thông xảy ra 05 vụ làm chết 03 người.
"""

POVERTY = "Tỷ lệ hộ nghèo của Tiểu Cần năm 2022 là bao nhiêu?"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    root = tmp_path_factory.mktemp("llm-store")
    document = root / "bc-tieu-can-2022.txt"
    document.write_text(REPORT, encoding="utf-8")
    with open_runtime(Settings(data_dir=root / "store")) as opened:
        outcome = opened.pipeline.ingest(document)
        assert outcome.status == "added", outcome.error
        yield opened


def passages_for(runtime: Runtime, question: str) -> list[Passage]:
    """The passages the chain will retrieve for ``question`` (same retriever, same defaults)."""
    return runtime.retriever.search(question, k=AskRequest(question=question).top_k)


def number_of(passages: list[Passage], needle: str) -> int:
    """The 1-based number under which the passage holding ``needle`` is shown to the model."""
    return next(i for i, p in enumerate(passages, start=1) if needle in p.text)


def chain(runtime: Runtime, model: object, context_passages: int = 4) -> QuestionAnswering:
    return QuestionAnswering(runtime.retriever, chat_model=model, context_passages=context_passages)  # type: ignore[arg-type]


# --- the chat-model factory -------------------------------------------------------------------------


def test_mode_none_builds_no_model() -> None:
    assert build_chat_model(LLMSettings()) is None


def test_openai_mode_builds_a_streaming_client_for_the_configured_server() -> None:
    from langchain_openai import ChatOpenAI

    model = build_chat_model(
        LLMSettings(mode="openai", base_url="http://127.0.0.1:9/v1", model="gemma", max_tokens=64)
    )
    assert isinstance(model, ChatOpenAI)
    assert model.model_name == "gemma"
    assert model.openai_api_base == "http://127.0.0.1:9/v1"
    assert model.streaming
    # llama.cpp's server reads only the older length field.
    assert model.extra_body == {"max_tokens": 64}


def test_ollama_mode_builds_chat_ollama() -> None:
    from langchain_ollama import ChatOllama

    model = build_chat_model(LLMSettings(mode="ollama", model="qwen2.5:3b", base_url="http://127.0.0.1:9"))
    assert isinstance(model, ChatOllama)
    assert model.model == "qwen2.5:3b"


def test_settings_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VANKIEN_LLM__MODE", "openai")
    monkeypatch.setenv("VANKIEN_LLM__BASE_URL", "http://127.0.0.1:8080/v1")
    monkeypatch.setenv("VANKIEN_LLM__CONTEXT_PASSAGES", "3")
    settings = Settings()
    assert settings.llm.mode == "openai"
    assert settings.llm.base_url == "http://127.0.0.1:8080/v1"
    assert settings.llm.context_passages == 3


def test_model_name_required_for_a_server() -> None:
    with pytest.raises(LLMError) as caught:
        build_chat_model(LLMSettings(mode="openai", base_url="http://127.0.0.1:9/v1"))
    assert caught.value.code == "llm_model_missing"


def test_llamacpp_needs_an_existing_gguf(tmp_path: Path) -> None:
    with pytest.raises(LLMError) as caught:
        build_chat_model(LLMSettings(mode="llamacpp", model_path=tmp_path / "absent.gguf"))
    assert caught.value.code == "llm_model_path_missing"


def test_missing_package_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "langchain_ollama", None)  # import fails as if not installed
    with pytest.raises(LLMError) as caught:
        build_chat_model(LLMSettings(mode="ollama", model="m"))
    assert caught.value.code == "llm_package_missing"
    assert "vankien[llm]" in caught.value.message


# --- grounding of a model's answer ------------------------------------------------------------------


def test_prompt_numbers_the_passages_and_carries_the_rules(runtime: Runtime) -> None:
    qa = chain(runtime, FakeListChatModel(responses=["x"]))
    assert qa.llm is not None
    passages = passages_for(runtime, POVERTY)[:3]
    system, user = qa.llm.messages(POVERTY, passages)
    assert isinstance(system, SystemMessage) and isinstance(user, HumanMessage)
    assert "Chỉ trả lời dựa trên" in system.text and "Không có thông tin" in system.text
    for number, passage in enumerate(passages, start=1):
        assert f"[{number}] Báo cáo số 12/BC-UBND ngày 15/12/2022" in user.text
        assert passage.text.strip() in user.text
    assert user.text.rstrip().endswith("Trả lời (mỗi câu kèm [số đoạn trích]):")
    assert POVERTY in user.text


def test_injected_ungrounded_number_is_dropped(runtime: Runtime) -> None:
    passages = passages_for(runtime, POVERTY)
    n = number_of(passages, "0,79%")
    answer = f"Tỷ lệ hộ nghèo là 0,79% [{n}]. Số hộ nghèo giảm 41 hộ [{n}]."
    grounded = ground_answer(answer, passages, POVERTY)
    assert grounded.text == "Tỷ lệ hộ nghèo là 0,79% [1]."
    assert [s.strip() for s in grounded.dropped] == [f"Số hộ nghèo giảm 41 hộ [{n}]."]
    assert grounded.notices == [templates.NO_EVIDENCE_FOR_NUMBER]


def test_citation_to_a_passage_not_given_is_dropped(runtime: Runtime) -> None:
    passages = passages_for(runtime, POVERTY)[:3]
    n = number_of(passages, "0,79%")
    grounded = ground_answer(f"Tỷ lệ hộ nghèo là 0,79% [{n}]. Tỷ lệ cận nghèo 3,62% [7].", passages, POVERTY)
    assert grounded.text == "Tỷ lệ hộ nghèo là 0,79% [1]."
    assert grounded.cited == (n - 1,)


def test_markers_are_renumbered_in_order_of_use_and_mapped_to_the_passages_given(runtime: Runtime) -> None:
    question = "Tỷ lệ hộ nghèo và tổng thu ngân sách năm 2022?"
    passages = passages_for(runtime, question)
    poverty, budget = number_of(passages, "0,79%"), number_of(passages, "713,275")
    answer = f"Tổng thu ngân sách 713,275 tỷ đồng [{budget}]. Tỷ lệ hộ nghèo 0,79% [{poverty}, {budget}]."
    grounded = ground_answer(answer, passages, question)
    assert grounded.text == "Tổng thu ngân sách 713,275 tỷ đồng [1]. Tỷ lệ hộ nghèo 0,79% [2][1]."
    assert grounded.cited == (budget - 1, poverty - 1)
    budget_passage = passages[budget - 1]
    (index, start, end) = grounded.supporting[0]
    assert index == budget - 1
    assert budget_passage.text[start:end] == "Tổng thu ngân sách 713,275 tỷ đồng, đạt 146,36% chỉ tiêu."


def test_a_copied_passage_heading_is_not_an_answer(runtime: Runtime) -> None:
    passages = passages_for(runtime, POVERTY)
    heading = f"[1] Báo cáo số 12/BC-UBND ngày 15/12/2022 — Mục: {' › '.join(passages[0].section_path)}"
    assert ground_answer(heading, passages, POVERTY).cited == ()


def test_a_copied_heading_and_the_passage_lines_after_it_are_dropped(runtime: Runtime) -> None:
    passages = passages_for(runtime, POVERTY)
    answer = "\n\n[2] Báo cáo số 12/BC-UBND ngày 15 tháng 12/2022 — Mục:\nỦY BAN NHÂN DÂN\nHUYỆN TIỂU"
    grounded = ground_answer(answer, passages, POVERTY)
    assert grounded.text == "" and grounded.cited == ()


def test_a_heading_cut_short_by_the_token_limit_is_not_an_answer(runtime: Runtime) -> None:
    passages = passages_for(runtime, POVERTY)
    grounded = ground_answer("[1] Báo cáo số 12/BC-UBND ngày", passages, POVERTY)
    assert grounded.cited == ()


def test_a_sentence_citing_nothing_is_dropped_with_a_notice(runtime: Runtime) -> None:
    passages = passages_for(runtime, POVERTY)
    n = number_of(passages, "0,79%")
    answer = f"Huyện đã làm rất tốt công tác giảm nghèo.\nTỷ lệ hộ nghèo là 0,79% [{n}]."
    grounded = ground_answer(answer, passages, POVERTY)
    assert grounded.text == "Tỷ lệ hộ nghèo là 0,79% [1]."
    assert grounded.notices == [llm_prompts.UNCITED_DROPPED]


def test_no_information_is_recognised_with_or_without_diacritics() -> None:
    assert says_no_information("Không có thông tin.")
    assert says_no_information("khong co thong tin ve chi tieu nay")
    assert not says_no_information("Tỷ lệ hộ nghèo là 0,79% [1].")


# --- the chain with a model ---------------------------------------------------------------------------


def test_llm_answer_kept_with_citations_to_system_passages(runtime: Runtime) -> None:
    passages = passages_for(runtime, POVERTY)
    n = number_of(passages, "0,79%")
    model = FakeListChatModel(responses=[f"Năm 2022, tỷ lệ hộ nghèo của Tiểu Cần là 0,79% [{n}]."])
    response = chain(runtime, model).ask(AskRequest(question=POVERTY))
    assert response.answerer == "llm"
    assert response.answer == "Năm 2022, tỷ lệ hộ nghèo của Tiểu Cần là 0,79% [1]."
    assert not response.abstained and response.notices == []
    (citation,) = response.citations
    assert citation.number == 1
    assert "0,79%" in citation.passage
    assert citation.supporting_sentence.startswith("Kết quả còn 233 hộ nghèo, tỷ lệ hộ nghèo 0,79%")
    assert citation.doc_number == "12/BC-UBND"
    assert "llm" in response.timings_ms


def test_everything_dropped_gives_the_extractive_answer_with_a_notice(runtime: Runtime) -> None:
    model = FakeListChatModel(responses=["Tỷ lệ hộ nghèo là 5,5% [1]. Theo văn bản [9]."])
    response = chain(runtime, model).ask(AskRequest(question=POVERTY))
    assert response.answerer == "extractive"
    assert "0,79%" in response.answer
    assert templates.LLM_REPLACED in response.notices
    assert response.citations and "0,79%" in response.citations[0].supporting_sentence


def test_model_saying_no_information_is_replaced_when_the_system_has_an_answer(runtime: Runtime) -> None:
    model = FakeListChatModel(responses=["Không có thông tin."])
    response = chain(runtime, model).ask(AskRequest(question=POVERTY))
    assert response.answerer == "extractive"
    assert "0,79%" in response.answer
    assert response.notices[0] == templates.LLM_REPLACED


def _unreachable() -> Iterator[str]:
    raise httpx.ConnectError("Connection refused")
    yield ""  # a generator: the error comes when the model is called, as from a real client


def test_server_error_falls_back_to_the_extractive_answer(runtime: Runtime) -> None:
    model = GenericFakeChatModel(messages=_unreachable())
    response = chain(runtime, model).ask(AskRequest(question=POVERTY))
    assert response.answerer == "extractive"
    assert "0,79%" in response.answer
    assert templates.LLM_UNAVAILABLE in response.notices


def test_abstention_stays_the_systems_decision(runtime: Runtime) -> None:
    model = FakeListChatModel(responses=["Diện tích rừng trồng mới là 120 ha [1]."])
    response = chain(runtime, model).ask(AskRequest(question="Diện tích rừng trồng mới là bao nhiêu?"))
    assert response.abstained
    assert response.answer == templates.ABSTAIN
    assert model.i == 0  # the model was not asked


# --- streaming ----------------------------------------------------------------------------------------


def test_stream_yields_the_models_tokens_then_citations_then_done(runtime: Runtime) -> None:
    passages = passages_for(runtime, POVERTY)
    n = number_of(passages, "0,79%")
    raw = f"Tỷ lệ hộ nghèo là 0,79% [{n}]."
    events = list(chain(runtime, FakeListChatModel(responses=[raw])).stream(AskRequest(question=POVERTY)))
    kinds = [e.kind for e in events]
    assert kinds[-2:] == ["citations", "done"] and set(kinds[:-2]) == {"token"}
    assert len(kinds) - 2 == len(raw)  # the fake streams one character per chunk, as produced
    assert "".join(e.text for e in events[:-2]) == raw
    done = events[-1].response
    assert done is not None and done.answerer == "llm"
    assert done.answer == "Tỷ lệ hộ nghèo là 0,79% [1]."
    assert events[-2].citations == done.citations


def test_stream_falls_back_when_the_server_fails_mid_answer(runtime: Runtime) -> None:
    model = FakeListChatModel(responses=["Tỷ lệ hộ nghèo là 0,79% [1]."], error_on_chunk_number=5)
    events: list[StreamEvent] = list(chain(runtime, model).stream(AskRequest(question=POVERTY)))
    assert [e.kind for e in events[:5]] == ["token"] * 5
    done = events[-1].response
    assert done is not None and done.answerer == "extractive"
    assert templates.LLM_UNAVAILABLE in done.notices


# --- follow-ups ---------------------------------------------------------------------------------------

HISTORY = [
    Turn(question="Tổng thu ngân sách của Tiểu Cần năm 2022 là bao nhiêu?", answer="713,275 tỷ đồng [1].")
]


def test_follow_up_is_condensed_by_the_model(runtime: Runtime) -> None:
    condensed = "Tỷ lệ hộ nghèo của Tiểu Cần năm 2022 là bao nhiêu?"
    n = number_of(passages_for(runtime, condensed), "0,79%")
    model = GenericFakeChatModel(
        messages=iter([AIMessage(f"“{condensed}”\n"), AIMessage(f"Tỷ lệ hộ nghèo là 0,79% [{n}].")])
    )
    response = chain(runtime, model).ask(AskRequest(question="Còn tỷ lệ hộ nghèo?", history=HISTORY))
    assert response.resolved_question == condensed
    assert response.answerer == "llm"
    assert "condense" in response.timings_ms


def test_condensation_that_loses_the_asked_year_falls_back_to_carry_over(runtime: Runtime) -> None:
    model = FakeListChatModel(
        responses=["Tổng thu ngân sách của Tiểu Cần là bao nhiêu?", "Không có thông tin."]
    )
    response = chain(runtime, model).ask(AskRequest(question="Còn năm 2021 thì sao?", history=HISTORY))
    assert response.resolved_question == "Tổng thu ngân sách của Tiểu Cần năm 2021 là bao nhiêu?"


def test_condensation_failure_falls_back_to_carry_over(runtime: Runtime) -> None:
    model = GenericFakeChatModel(messages=_unreachable())
    response = chain(runtime, model).ask(AskRequest(question="Còn năm 2021 thì sao?", history=HISTORY))
    assert response.resolved_question == "Tổng thu ngân sách của Tiểu Cần năm 2021 là bao nhiêu?"


def _recording_analyses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the retriever analyses from now on (its ``analyze`` method and its searches)."""
    import vectorstore.retriever as retriever_module

    analysed: list[str] = []
    original = retriever_module.analyze

    def recording(question: str, catalog: object) -> object:
        analysed.append(question)
        return original(question, catalog)  # type: ignore[arg-type]

    monkeypatch.setattr(retriever_module, "analyze", recording)
    return analysed


def test_a_question_is_analysed_once_per_ask(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    analysed = _recording_analyses(monkeypatch)
    response = QuestionAnswering(runtime.retriever).ask(AskRequest(question=POVERTY))
    assert "0,79%" in response.answer
    assert analysed == [POVERTY]


def test_a_follow_up_analyses_each_text_once(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    # The model's rewrite loses the asked year, so the carry-over resolves: the question asked, the
    # rewrite, the previous question and the resolved one are each read once (the asked one was read
    # twice, and the resolved one re-read, before).
    rewrite = "Tổng thu ngân sách của Tiểu Cần là bao nhiêu?"
    model = FakeListChatModel(responses=[rewrite, "Không có thông tin."])
    analysed = _recording_analyses(monkeypatch)
    response = chain(runtime, model).ask(AskRequest(question="Còn năm 2021 thì sao?", history=HISTORY))
    assert analysed == [
        "Còn năm 2021 thì sao?",
        rewrite,
        HISTORY[0].question,
        response.resolved_question,
    ]


def test_an_accepted_rewrite_is_not_analysed_again(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    condensed = "Tỷ lệ hộ nghèo của Tiểu Cần năm 2022 là bao nhiêu?"
    model = FakeListChatModel(responses=[condensed, "Tỷ lệ hộ nghèo là 0,79% [1]."])
    analysed = _recording_analyses(monkeypatch)
    response = chain(runtime, model).ask(AskRequest(question="Còn tỷ lệ hộ nghèo?", history=HISTORY))
    assert response.resolved_question == condensed
    assert analysed == ["Còn tỷ lệ hộ nghèo?", condensed]


# --- the chat model built when first needed -----------------------------------------------------------


def test_the_chat_model_is_built_on_the_first_question_and_only_once(runtime: Runtime) -> None:
    number = number_of(passages_for(runtime, POVERTY)[:4], "0,79%")
    built: list[FakeListChatModel] = []

    def factory() -> FakeListChatModel:
        built.append(FakeListChatModel(responses=[f"Tỷ lệ hộ nghèo là 0,79% [{number}]."]))
        return built[-1]

    qa = QuestionAnswering(runtime.retriever, chat_model_factory=factory, context_passages=4)
    assert built == []  # making the chain builds nothing
    first, second = (qa.ask(AskRequest(question=POVERTY)) for _ in range(2))
    assert first.answerer == second.answerer == "llm"
    assert "0,79%" in first.answer
    assert len(built) == 1


def test_build_model_builds_it_before_the_first_question(runtime: Runtime) -> None:
    built: list[FakeListChatModel] = []

    def factory() -> FakeListChatModel:
        built.append(FakeListChatModel(responses=["x"]))
        return built[-1]

    qa = QuestionAnswering(runtime.retriever, chat_model_factory=factory, context_passages=4)
    qa.build_model()
    qa.build_model()
    assert len(built) == 1 and qa.llm is not None


def test_a_runtime_with_a_missing_model_file_opens_ingests_and_searches(tmp_path: Path) -> None:
    # llamacpp mode loads its GGUF when the model is built: opening the runtime for ingest or search
    # must not, so a missing file fails the first question only, with its code.
    document = tmp_path / "bc-tieu-can-2022.txt"
    document.write_text(REPORT, encoding="utf-8")
    settings = Settings(
        data_dir=tmp_path / "store", llm=LLMSettings(mode="llamacpp", model_path=tmp_path / "absent.gguf")
    )
    with open_runtime(settings) as opened:
        assert opened.pipeline.ingest(document).status == "added"
        assert any("0,79%" in p.text for p in opened.retriever.search(POVERTY, k=3))
        with pytest.raises(LLMError) as caught:
            opened.answering.ask(AskRequest(question=POVERTY))
    assert caught.value.code == "llm_model_path_missing"
