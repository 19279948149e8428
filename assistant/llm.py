"""The language-model answerer, by configuration: chat models, prompts, and grounding of what they write.

A model never owns a citation. It reads the top passages numbered [1]..[n] and answers with markers;
then every sentence is checked (markers in 1..n, every figure in a cited passage), the markers still
standing are renumbered 1..k in the order they appear, and each is mapped back to the passage the
system gave under that number, with the passage sentence that best supports the answer sentence.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import SecretStr

from assistant.sentences import passage_evidence, passage_label, sentence_spans
from assistant.settings import LLMSettings
from assistant.verify import answer_sentences, verify_answer
from ingestion.errors import CodedError
from ingestion.textnorm import fold, strip_diacritics
from prompts import llm as prompts
from prompts import templates
from vectorstore.lexical import syllables
from vectorstore.passages import Passage

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

logger = logging.getLogger(__name__)

# The extra that installs each mode's client package.
_EXTRA = {"openai": "llm", "ollama": "llm", "llamacpp": "llamacpp"}


class LLMError(CodedError):
    """A language model that cannot be set up. ``code`` is stable; ``message`` is Vietnamese."""


def _missing_package(mode: str, error: ImportError) -> LLMError:
    extra = _EXTRA[mode]
    return LLMError(
        "llm_package_missing",
        f"Chế độ mô hình ngôn ngữ '{mode}' cần gói bổ sung: cài bằng pip install 'vankien[{extra}]'.",
        detail=str(error),
    )


def _require_model(settings: LLMSettings) -> str:
    if not settings.model:
        raise LLMError(
            "llm_model_missing",
            f"Chế độ '{settings.mode}' cần tên mô hình: đặt VANKIEN_LLM__MODEL.",
        )
    return settings.model


def check_llm_settings(settings: LLMSettings) -> None:
    """Raise LLMError when the configured mode lacks what it needs (a model name, a GGUF file, a package).
    Nothing is loaded or contacted: a server checks this before it starts."""
    if settings.mode in ("openai", "ollama"):
        _require_model(settings)
        package = "langchain_openai" if settings.mode == "openai" else "langchain_ollama"
        try:
            importlib.import_module(package)
        except ImportError as error:
            raise _missing_package(settings.mode, error) from error
    elif settings.mode == "llamacpp":
        if settings.model_path is None or not settings.model_path.is_file():
            raise LLMError(
                "llm_model_path_missing",
                "Chế độ 'llamacpp' cần đường dẫn tới tệp GGUF: đặt VANKIEN_LLM__MODEL_PATH.",
                detail=str(settings.model_path) if settings.model_path else None,
            )
        try:
            importlib.import_module("llama_cpp")  # ChatLlamaCpp imports it only when the model loads
            importlib.import_module("langchain_community.chat_models")
        except ImportError as error:
            raise _missing_package("llamacpp", error) from error
    elif settings.mode != "none":
        raise LLMError("llm_mode_unknown", f"Chế độ mô hình ngôn ngữ không hợp lệ: {settings.mode}")


def build_chat_model(settings: LLMSettings) -> BaseChatModel | None:
    """The configured chat model, or None in mode ``none``. Servers are not contacted here; a local GGUF loads."""
    check_llm_settings(settings)
    if settings.mode == "openai":
        from langchain_openai import ChatOpenAI

        # A local server takes any key, but the client insists on one; OpenAI itself reads the usual variable.
        api_key = settings.api_key or SecretStr(os.environ.get("OPENAI_API_KEY", "none"))
        return ChatOpenAI(
            model=_require_model(settings),
            base_url=settings.base_url,
            temperature=settings.temperature,
            max_completion_tokens=settings.max_tokens,
            timeout=settings.timeout_s,
            max_retries=1,
            streaming=True,
            api_key=api_key,
            # The client sends the length limit as max_completion_tokens; OpenAI-compatible servers such as
            # llama.cpp's read only the older max_tokens, and without it generate until the context is full.
            extra_body={"max_tokens": settings.max_tokens} if settings.base_url else None,
        )
    if settings.mode == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(
            model=_require_model(settings),
            base_url=settings.base_url,
            temperature=settings.temperature,
            num_predict=settings.max_tokens,
            client_kwargs={"timeout": settings.timeout_s},
        )
    if settings.mode == "llamacpp":
        from langchain_community.chat_models import ChatLlamaCpp

        return ChatLlamaCpp(
            model_path=str(settings.model_path),
            n_ctx=settings.context_window,
            temperature=settings.temperature,
            max_tokens=settings.max_tokens,
            streaming=True,
            verbose=False,
        )
    return None


def says_no_information(answer: str) -> bool:
    """The model said the passages do not answer ("Không có thông tin …")."""
    folded = strip_diacritics(fold(answer))
    return any(
        strip_diacritics(fold(phrase)) in folded
        for phrase in (prompts.NO_INFORMATION, templates.ABSTAIN.rstrip("."))
    )


_MARKER = re.compile(r"\[(\d+)\]")
_MARKER_LIST = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)+)\s*\]")
_ECHOED_HEADING = re.compile(
    r"\s*\[\d+\][^\n]*" + r"\s*".join(re.escape(word) for word in prompts.SECTION_SEPARATOR.split())
)
_LEADING_MARKER = re.compile(r"\s*\[\d+\]\s*")
_REPEATED_MARKER = re.compile(r"(\[\d+\])(?:\s*\1)+")
_FIGURE = re.compile(r"\d+(?:[.,/]\d+)*")


@dataclass(frozen=True)
class GroundedAnswer:
    """An LLM answer after verification: markers renumbered 1..k, each mapped to a passage given."""

    text: str
    cited: tuple[int, ...]  # indices into the passages given; marker [i] is cited[i - 1]
    supporting: tuple[tuple[int, int, int], ...]  # (passage index, start, end) per cited passage
    dropped: tuple[str, ...] = ()
    notices: list[str] = field(default_factory=list)


def supporting_span(passage_text: str, claims: Sequence[str]) -> tuple[int, int]:
    """The passage sentence that best matches the answer sentences citing it: shared figures first,
    then shared syllables."""
    claim_words = {w for claim in claims for w in syllables(_MARKER.sub(" ", claim))}
    claim_figures = {f for claim in claims for f in _FIGURE.findall(_MARKER.sub(" ", claim))}
    spans = sentence_spans(passage_text)
    if not spans:
        return 0, len(passage_text)

    def score(span: tuple[int, int]) -> tuple[int, int]:
        sentence = passage_text[span[0] : span[1]]
        figures = len(claim_figures & set(_FIGURE.findall(sentence)))
        return figures, len(claim_words & set(syllables(sentence)))

    start, end = max(spans, key=score)
    # Offsets of the stripped sentence, so that the span is the sentence itself.
    sentence = passage_text[start:end]
    return start + (len(sentence) - len(sentence.lstrip())), end - (len(sentence) - len(sentence.rstrip()))


def _squeezed(text: str) -> str:
    return " ".join(fold(text).split())


def _echoes_heading(line: str, headings: Sequence[str]) -> bool:
    """A line that copies a passage's heading from the prompt ("[2] Báo cáo … — Mục: …"), whole or cut
    short by the token limit."""
    if _ECHOED_HEADING.match(line):
        return True
    marked = _LEADING_MARKER.match(line)
    if marked is None:
        return False
    rest = _squeezed(line[marked.end() :])
    return bool(rest) and any(heading.startswith(rest) for heading in headings)


def ground_answer(answer: str, passages: Sequence[Passage], question: str = "") -> GroundedAnswer:
    """Verify an LLM answer against the passages it was given and map its markers to them.

    A sentence whose marker names no passage given, or whose figure no cited passage holds, is
    dropped (assistant/verify.py), and so is a sentence that cites nothing. The markers left are renumbered 1..k in order of first use.
    """
    # A line that copies a passage's heading ("[2] Báo cáo … — Mục: …") restates the prompt, not an answer.
    headings = [
        _squeezed(f"{passage_label(p)}{prompts.SECTION_SEPARATOR}{' › '.join(p.section_path)}")
        for p in passages
    ]
    answer = "\n".join(line for line in answer.splitlines() if not _echoes_heading(line, headings))
    # "[1, 2]" cites two passages: written as "[1][2]" it reads as two markers.
    answer = _MARKER_LIST.sub(lambda m: "".join(f"[{n}]" for n in re.findall(r"\d+", m.group(1))), answer)
    verified = verify_answer(answer.strip(), [passage_evidence(p) for p in passages], question)
    # A model's sentence that cites nothing is a claim no passage supports.
    cited_sentences: list[str] = []
    uncited: list[str] = []
    for sentence in answer_sentences(verified.text):
        (cited_sentences if _MARKER.search(sentence) else uncited).append(sentence)
    order: list[int] = []  # passage indices in order of first citation
    claims: dict[int, list[str]] = {}
    for sentence in cited_sentences:
        for marker in _MARKER.findall(sentence):
            index = int(marker) - 1
            if index not in order:
                order.append(index)
            claims.setdefault(index, []).append(sentence)
    text = "".join(cited_sentences).strip()
    renumbered = _MARKER.sub(lambda m: f"[{order.index(int(m.group(1)) - 1) + 1}]", text)
    renumbered = _REPEATED_MARKER.sub(r"\1", renumbered)
    supporting = tuple((i, *supporting_span(passages[i].text, claims[i])) for i in order)
    notices = [*verified.notices, *([prompts.UNCITED_DROPPED] if uncited else [])]
    return GroundedAnswer(renumbered, tuple(order), supporting, (*verified.dropped, *uncited), notices)


def _chunk_text(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part if isinstance(part, str) else str(part.get("text", "")) if isinstance(part, dict) else ""
            for part in content
        )
    return ""


class LLMAnswerer:
    """Prompts a chat model with numbered passages (answers) or with the history (follow-ups)."""

    def __init__(self, chat_model: BaseChatModel, context_passages: int = 5, history_turns: int = 3) -> None:
        self.chat_model = chat_model
        self.context_passages = context_passages
        self.history_turns = history_turns

    def messages(self, question: str, passages: Sequence[Passage]) -> list[BaseMessage]:
        from langchain_core.messages import HumanMessage, SystemMessage

        block = prompts.passages_block(
            [(passage_label(p), " › ".join(p.section_path), p.text) for p in passages]
        )
        return [
            SystemMessage(prompts.ANSWER_SYSTEM),
            HumanMessage(prompts.ANSWER_USER.format(passages=block, question=question)),
        ]

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        """The answer's text deltas as the model produces them. Errors of the model server propagate."""
        for chunk in self.chat_model.stream(self.messages(question, passages)):
            text = _chunk_text(chunk.content)
            if text:
                yield text

    def condense(self, question: str, history: Sequence[tuple[str, str | None]]) -> str:
        """The follow-up rewritten as a standalone question (first line of the model's reply)."""
        from langchain_core.messages import HumanMessage, SystemMessage

        recent = list(history)[-self.history_turns :]
        reply = self.chat_model.invoke(
            [
                SystemMessage(prompts.CONDENSE_SYSTEM),
                HumanMessage(
                    prompts.CONDENSE_USER.format(history=prompts.history_block(recent), question=question)
                ),
            ]
        )
        text = _chunk_text(reply.content).strip()
        first_line = next((line for line in text.splitlines() if line.strip()), "")
        return first_line.strip().strip("\"“”'*").strip()
