"""The system under evaluation: the assistant opened on a store, asked through the same path the API uses."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from evals.protocol import AskFn, Passage, SystemAnswer

if TYPE_CHECKING:
    from assistant.answering import AskResponse, QuestionAnswering


def system_answer(response: AskResponse, latency_ms: float) -> SystemAnswer:
    """An answer of the chain as the evaluation runner sees it (passages located in their files)."""
    retrieved = tuple(
        Passage(
            document=p.file_name,
            section_path=tuple(p.section_path),
            text=p.text,
            source_start=p.source_start,
            source_end=p.source_end,
            score=p.score,
            section_id=p.section_id,
        )
        for p in response.retrieved
    )
    spans = {(p.doc_id, p.section_id, p.text): (p.source_start, p.source_end) for p in response.retrieved}
    citations = []
    for c in response.citations:
        start, end = spans.get((c.doc_id, c.section_id, c.passage), (None, None))
        citations.append(
            Passage(
                document=c.file_name,
                section_path=tuple(c.section_path),
                text=c.passage,
                source_start=start,
                source_end=end,
                section_id=c.section_id,
            )
        )
    return SystemAnswer(
        answer=response.answer,
        abstained=response.abstained,
        citations=tuple(citations),
        retrieved=retrieved,
        latency_ms=latency_ms,
    )


def answering_ask_fn(answering: QuestionAnswering) -> AskFn:
    """Ask each question through the answering chain, as the API does, and time it."""
    from assistant.answering import AskRequest

    def ask(question: str) -> SystemAnswer:
        started = time.perf_counter()
        response = answering.ask(AskRequest(question=question))
        return system_answer(response, (time.perf_counter() - started) * 1000)

    return ask


@contextmanager
def open_system(corpus: Path | None, data_dir: Path | None) -> Iterator[AskFn]:
    """With ``corpus``, ingest it into a fresh temporary store first; else use ``data_dir`` or the configured store."""
    from assistant.runtime import open_runtime
    from assistant.settings import get_settings
    from ingestion.model import IngestError

    settings = get_settings()
    with tempfile.TemporaryDirectory(prefix="vankien-eval-") as scratch:
        store_dir = Path(scratch) if corpus is not None else (data_dir or settings.data_dir)
        with open_runtime(settings, store_dir) as runtime:
            if corpus is not None:
                failed = [o for o in runtime.pipeline.ingest_all([corpus]) if o.status == "failed"]
                if failed:
                    errors = "; ".join(f"{o.path.name}: {o.error}" for o in failed)
                    raise IngestError("corpus_ingest_failed", f"Không nạp được bộ văn bản: {errors}")
            yield answering_ask_fn(runtime.answering)
