"""Limits on what one input file may become, so that a small file cannot exhaust memory or time.

Each limit is checked before the work it guards: a .docx's zip directory before anything is inflated
(and every member's real inflation, streamed with a cap, before python-docx reads it), a PDF's page
count before its text is extracted, the text length right after loading and after normalisation, the
chunk count before any chunk is embedded. A refused file gets a coded :class:`IngestError`:

- ``too_large_uncompressed``: a .docx whose members would inflate past ``max_uncompressed_bytes``
  (declared or actual), or one that inflates far more than documents do (a zip bomb);
- ``too_many_archive_members``: a .docx with more than ``max_archive_members`` members;
- ``too_many_pages``: a PDF with more than ``max_pdf_pages`` pages;
- ``too_long_text``: more than ``max_text_chars`` characters of text after normalisation;
- ``too_many_chunks``: more than ``max_chunks_per_document`` chunks to embed.

The limits are the layer's settings (:class:`~ingestion.settings.IngestSettings`, ``VANKIEN_INGEST__*``)
with the checks attached, so the defaults and bounds are written once, there.
"""

from __future__ import annotations

from pydantic import ConfigDict

from ingestion.model import IngestError
from ingestion.settings import IngestSettings

# Deflate shrinks the XML of real documents 5-30 times; a member that inflates more than this, once it
# is large enough to matter, is a decompression bomb rather than a document.
MAX_COMPRESSION_RATIO = 100
COMPRESSION_RATIO_FLOOR_BYTES = 1024 * 1024


class IngestLimits(IngestSettings):
    """Upper bounds for one document; see the module docstring for where each is checked."""

    model_config = ConfigDict(frozen=True)

    @classmethod
    def from_settings(cls, settings: IngestSettings) -> IngestLimits:
        return cls.model_validate(settings.model_dump())

    def check_text_length(self, length: int, file_name: str) -> None:
        """Refuse text longer than ``max_text_chars`` characters."""
        if length > self.max_text_chars:
            raise IngestError(
                "too_long_text",
                f"Văn bản quá dài: {length:,} ký tự, vượt giới hạn {self.max_text_chars:,} ký tự "
                "(VANKIEN_INGEST__MAX_TEXT_CHARS). Hãy tách thành nhiều tệp.",
                detail=f"{file_name}: {length} > {self.max_text_chars} characters",
            )

    def check_chunk_count(self, count: int, file_name: str) -> None:
        """Refuse a document that would need more than ``max_chunks_per_document`` chunks."""
        if count > self.max_chunks_per_document:
            raise IngestError(
                "too_many_chunks",
                f"Văn bản chia thành {count:,} đoạn, vượt giới hạn {self.max_chunks_per_document:,} đoạn "
                "mỗi văn bản (VANKIEN_INGEST__MAX_CHUNKS_PER_DOCUMENT). Hãy tách thành nhiều tệp.",
                detail=f"{file_name}: {count} > {self.max_chunks_per_document} chunks",
            )

    def check_pdf_pages(self, pages: int, file_name: str) -> None:
        """Refuse a PDF with more than ``max_pdf_pages`` pages."""
        if pages > self.max_pdf_pages:
            raise IngestError(
                "too_many_pages",
                f"Tệp PDF có {pages:,} trang, vượt giới hạn {self.max_pdf_pages:,} trang "
                "(VANKIEN_INGEST__MAX_PDF_PAGES). Hãy tách thành nhiều tệp.",
                detail=f"{file_name}: {pages} > {self.max_pdf_pages} pages",
            )

    def too_large_uncompressed(self, file_name: str, detail: str) -> IngestError:
        """The error for an archive that expands too much."""
        cap = self.max_uncompressed_bytes
        shown = f"{cap / (1024 * 1024):,.0f} MB" if cap >= 1024 * 1024 else f"{cap / 1024:,.0f} KB"
        return IngestError(
            "too_large_uncompressed",
            f"Tệp nén (.docx) giải nén ra quá lớn so với giới hạn {shown} "
            "(VANKIEN_INGEST__MAX_UNCOMPRESSED_BYTES) hoặc nở ra bất thường so với kích thước tệp; "
            "không nạp.",
            detail=f"{file_name}: {detail}",
        )
