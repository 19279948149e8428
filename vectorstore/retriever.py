"""Hybrid retrieval: dense (Chroma) + lexical (BM25), fused by reciprocal rank, steered by the question.

Explicit filters (from the caller, or a document number named in the question) restrict the candidates;
a locality, year or term recognised in the question boosts the passages of the documents it matches.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from ingestion.model import DocumentMetadata, DocumentRecord
from ingestion.textnorm import fold, strip_diacritics
from vectorstore.lexical import LexicalIndex, has_no_diacritics
from vectorstore.passages import Passage
from vectorstore.query import CatalogEntry, QueryAnalysis, analyze, section_names_years
from vectorstore.store import DocumentStore, StoredChunk

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetrievalFilters:
    """Restrictions a caller puts on retrieval; empty means no restriction."""

    doc_ids: tuple[str, ...] = ()
    issuer: str | None = None  # matched as a substring of any issuer, folded
    doc_types: tuple[str, ...] = ()
    localities: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None

    def admits(self, record: DocumentRecord) -> bool:
        meta = record.metadata
        if self.doc_ids and record.doc_id not in self.doc_ids:
            return False
        if self.issuer and not any(fold(self.issuer) in fold(i) for i in meta.issuers):
            return False
        if self.doc_types and fold(meta.doc_type or "") not in {fold(t) for t in self.doc_types}:
            return False
        if self.localities and fold(meta.locality or "") not in {fold(x) for x in self.localities}:
            return False
        if self.year_from is not None and (meta.year is None or meta.year < self.year_from):
            return False
        return not (self.year_to is not None and (meta.year is None or meta.year > self.year_to))


@dataclass(frozen=True)
class FusionWeights:
    # Tuned on the dev set (BENCHMARKS.md): lexical evidence counts double, a gentler RRF constant than the
    # usual 60 lets a strong single-list hit (an exact phrase, an expanded abbreviation) reach the top.
    dense: float = 1.0
    lexical: float = 2.0
    rrf_k: int = 30
    locality_boost: float = 0.5
    year_boost: float = 0.25
    candidates: int = 50
    bare_query_dense: float = 0.25
    # A section whose heading names other years than the question ("NHIỆM VỤ NĂM 2023" for "năm 2022").
    section_year_penalty: float = 0.8  # dense weight factor for a query typed without diacritics


@dataclass
class _Snapshot:
    generation: int
    chunks: list[StoredChunk]
    records: dict[str, DocumentRecord]
    position: dict[str, int]
    lexical: LexicalIndex
    catalog: list[CatalogEntry] = field(default_factory=list)


def _covers(meta: DocumentMetadata, years: Sequence[int], period: tuple[int, int] | None) -> bool:
    """Does the document speak of one of these years or of this term?"""
    span: tuple[int, int] | None = None
    if meta.period:
        parts = [int(p) for p in meta.period.replace("–", "-").split("-") if p.strip().isdigit()]
        if parts:
            span = (min(parts), max(parts))
    if period is not None:
        return span == period or (
            meta.year is not None and period[0] <= meta.year <= period[1] and span is None
        )
    return any(meta.year == year or (span is not None and span[0] <= year <= span[1]) for year in years)


def _without(text: str, name: str) -> str:
    """``text`` with every mention of ``name`` (any case, with or without diacritics typed) removed."""
    return re.sub(rf"(?i)(?<!\w)(?:{re.escape(name)}|{re.escape(strip_diacritics(name))})(?!\w)", " ", text)


def _section_year_fit(path: Sequence[str], years: Sequence[int], penalty: float) -> float:
    """Down-weight a section whose headings name years, none of them the question's."""
    return penalty if years and section_names_years(path, years) is False else 1.0


class HybridRetriever:
    """Dense + lexical retrieval over a :class:`DocumentStore`, kept in step with the store's generation."""

    def __init__(self, store: DocumentStore, cache_dir: Path, weights: FusionWeights | None = None) -> None:
        self._store = store
        self._cache_dir = cache_dir
        self.weights = weights or FusionWeights()
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()

    @property
    def store(self) -> DocumentStore:
        return self._store

    def _current(self) -> _Snapshot:
        generation = self._store.generation
        snapshot = self._snapshot
        if snapshot is not None and snapshot.generation == generation:
            return snapshot
        with self._lock:
            if self._snapshot is not None and self._snapshot.generation == generation:
                return self._snapshot
            chunks = self._store.chunks()
            records = {r.doc_id: r for r in self._store.list_documents()}
            cache = self._cache_dir / f"lexical-{generation}"
            lexical = LexicalIndex.load(cache)
            if lexical is None or lexical.size != len(chunks):
                lexical = LexicalIndex.build([c.embed_text for c in chunks])
                lexical.save(cache)
                for stale in self._cache_dir.glob("lexical-*"):
                    if stale != cache:
                        import shutil

                        shutil.rmtree(stale, ignore_errors=True)
            self._snapshot = _Snapshot(
                generation=generation,
                chunks=chunks,
                records=records,
                position={c.id: i for i, c in enumerate(chunks)},
                lexical=lexical,
                catalog=[CatalogEntry(r.doc_id, r.metadata) for r in records.values()],
            )
            return self._snapshot

    def catalog(self) -> list[CatalogEntry]:
        return self._current().catalog

    def analyze(self, question: str) -> QueryAnalysis:
        return analyze(question, self._current().catalog)

    def search(
        self,
        question: str,
        k: int = 10,
        filters: RetrievalFilters | None = None,
        analysis: QueryAnalysis | None = None,
    ) -> list[Passage]:
        snapshot = self._current()
        if not snapshot.chunks:
            return []
        analysis = analysis or analyze(question, snapshot.catalog)
        filters = filters or RetrievalFilters()
        if analysis.doc_ids and not filters.doc_ids:
            # A document named by its number is an explicit filter.
            filters = RetrievalFilters(**{**filters.__dict__, "doc_ids": analysis.doc_ids})
        allowed_docs = {d for d, r in snapshot.records.items() if filters.admits(r)}
        if not allowed_docs:
            return []
        weights = self.weights
        n = weights.candidates

        where = (
            {"doc_id": {"$in": sorted(allowed_docs)}} if len(allowed_docs) < len(snapshot.records) else None
        )
        dense_query, lexical_query = question, analysis.lexical_query
        if filters.localities:
            # Restricted to some localities (one side of a comparison): other places named in the
            # question only pull towards their own documents' wording.
            wanted = {fold(x) for x in filters.localities}
            for entry in snapshot.catalog:
                other = entry.metadata.locality
                if other and fold(other) not in wanted:
                    dense_query = _without(dense_query, other)
                    lexical_query = _without(lexical_query, other)
        dense_hits = self._store.dense_search(dense_query, k=n, where=where)
        dense_rank = {chunk.id: rank for rank, (chunk, _score) in enumerate(dense_hits)}

        mask = np.fromiter(
            (c.doc_id in allowed_docs for c in snapshot.chunks), dtype=bool, count=len(snapshot.chunks)
        )
        lexical_scores = snapshot.lexical.scores(lexical_query)
        lexical_scores = np.where(mask, lexical_scores, 0.0)
        order = np.argsort(-lexical_scores, kind="stable")[:n]
        lexical_rank = {snapshot.chunks[i].id: rank for rank, i in enumerate(order) if lexical_scores[i] > 0}

        # Embeddings of text typed without diacritics are poor; the lexical index has a view for it.
        dense_weight = weights.dense * (weights.bare_query_dense if has_no_diacritics(question) else 1.0)
        fused: dict[str, float] = {}
        for chunk_id, rank in dense_rank.items():
            fused[chunk_id] = fused.get(chunk_id, 0.0) + dense_weight / (weights.rrf_k + rank + 1)
        for chunk_id, rank in lexical_rank.items():
            fused[chunk_id] = fused.get(chunk_id, 0.0) + weights.lexical / (weights.rrf_k + rank + 1)

        localities = {fold(x) for x in analysis.localities}
        passages = []
        for chunk_id, score in fused.items():
            position = snapshot.position.get(chunk_id)
            if position is None:
                continue  # not current any more (a concurrent re-ingest)
            chunk = snapshot.chunks[position]
            record = snapshot.records[chunk.doc_id]
            boost = self._boost(chunk, record, analysis, localities)
            ranks = (dense_rank.get(chunk_id), lexical_rank.get(chunk_id))
            passages.append(Passage(chunk.id, chunk.chunk, record, score * boost, *ranks))
        passages.sort(key=lambda p: -p.score)
        return passages[:k]

    def _boost(
        self, chunk: StoredChunk, record: DocumentRecord, analysis: QueryAnalysis, localities: set[str]
    ) -> float:
        """How much what the question names favours a passage: its document's locality (``localities``,
        folded) and period, and its section's years."""
        weights = self.weights
        boost = 1.0
        if localities and fold(record.metadata.locality or "") in localities:
            boost += weights.locality_boost
        if (analysis.years or analysis.period) and _covers(record.metadata, analysis.years, analysis.period):
            boost += weights.year_boost
        return boost * _section_year_fit(chunk.section_path, analysis.years, weights.section_year_penalty)

    def passage_showing(self, doc_id: str, text: str) -> Passage | None:
        """The passage of a document that shows ``text`` (its signature block, say), or None: for an answer
        drawn from document metadata read at ingest, which must cite the passage it stands in."""
        snapshot = self._current()
        record = snapshot.records.get(doc_id)
        if record is None:
            return None
        chunk = next((c for c in snapshot.chunks if c.doc_id == doc_id and text in c.text), None)
        return Passage(chunk.id, chunk.chunk, record, 0.0) if chunk is not None else None


class SectionRetriever(BaseRetriever):
    """The hybrid retriever behind LangChain's ``BaseRetriever`` interface."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    hybrid: Any
    k: int = 10
    filters: RetrievalFilters | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[Document]:
        # ``invoke(query, k=3)``: LangChain's retrievers take the number of results per call too.
        count = self.k if k is None else k
        passages: list[Passage] = self.hybrid.search(query, k=count, filters=self.filters)
        return [
            Document(
                page_content=p.text,
                id=p.chunk_id,
                metadata={
                    "doc_id": p.doc_id,
                    "file_name": p.file_name,
                    "section_id": p.section_id,
                    "section_path": " › ".join(p.section_path),
                    "score": p.score,
                    "number": p.metadata.number,
                    "doc_type": p.metadata.doc_type,
                    "date": p.metadata.date.isoformat() if p.metadata.date else None,
                },
            )
            for p in passages
        ]
