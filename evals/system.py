"""The system under evaluation: the assistant opened on a store, asked through the same path the API uses."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evals.protocol import AskFn, Passage, SystemAnswer


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
            retriever = runtime.retriever

            def ask(question: str) -> SystemAnswer:
                started = time.perf_counter()
                passages = retriever.search(question, k=10)
                latency = (time.perf_counter() - started) * 1000
                retrieved = tuple(
                    Passage(
                        document=p.file_name,
                        section_path=p.section_path,
                        text=p.text,
                        source_start=p.source_start,
                        source_end=p.source_end,
                        score=p.score,
                        section_id=p.section_id,
                    )
                    for p in passages
                )
                return SystemAnswer(
                    answer=None, abstained=False, citations=(), retrieved=retrieved, latency_ms=latency
                )

            yield ask
