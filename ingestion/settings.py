"""Settings of the ingestion layer: what one input file may become (see :mod:`ingestion.limits`).

A plain pydantic model: it never reads the environment. The assistant's root settings nest it as
``ingest`` (``VANKIEN_INGEST__*``).
"""

from __future__ import annotations

from pydantic import BaseModel, Field


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
