"""The long-lived parts of the assistant, opened once: embeddings, the document store, the ingest pipeline.

The CLI opens a runtime per command; the API keeps one on ``app.state`` for its lifetime.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from langchain_core.embeddings import Embeddings

from assistant.answering import QuestionAnswering
from assistant.llm import build_chat_model
from assistant.settings import Settings
from ingestion.chunker import Chunker
from ingestion.limits import IngestLimits
from ingestion.pipeline import IngestPipeline
from vectorstore.embeddings import build_embeddings
from vectorstore.retriever import HybridRetriever
from vectorstore.store import DocumentStore, StoreMode


@dataclass
class Runtime:
    settings: Settings
    embeddings: Embeddings
    store: DocumentStore
    pipeline: IngestPipeline
    retriever: HybridRetriever
    answering: QuestionAnswering


@contextmanager
def open_runtime(
    settings: Settings, data_dir: Path | None = None, *, mode: StoreMode = "write"
) -> Iterator[Runtime]:
    """Open the store in ``data_dir`` (default: the configured one) with the configured embeddings.

    ``mode="read"`` for commands that only read (ask, search): they never repair nor wait for a writer,
    and work on a read-only data dir.
    """
    embeddings = build_embeddings(settings.embedding)
    directory = data_dir or settings.data_dir
    store = DocumentStore.open(directory, embeddings, settings.chroma, mode=mode)
    try:
        chunker = Chunker(embeddings.count_tokens, settings.embedding.max_tokens)
        retriever = HybridRetriever(store, cache_dir=store.cache_dir / "lexical")
        pipeline = IngestPipeline(store, chunker, limits=IngestLimits.from_settings(settings.ingest))
        answering = QuestionAnswering(
            retriever,
            # Built on the first question: a command that never asks never loads a model file.
            chat_model_factory=partial(build_chat_model, settings.llm),
            context_passages=settings.llm.context_passages,
        )
        yield Runtime(settings, embeddings, store, pipeline, retriever, answering)
    finally:
        store.close()
