"""One typed settings object, read from the environment (prefix ``VANKIEN_``, nested with ``__``).

Loaded lazily through :func:`get_settings`; nothing is read at import time. The root :class:`Settings`
composes the settings of each layer, defined where they are used (:mod:`ingestion.settings`,
:mod:`vectorstore.settings`) as plain models that never read the environment; the API's and the
language model's settings live here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingestion.settings import IngestSettings
from vectorstore.settings import ChromaSettings, EmbeddingSettings

LLMMode = Literal["none", "openai", "ollama", "llamacpp"]


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
