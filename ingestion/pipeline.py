"""The ingest pipeline: file → load → normalise → parse → chunk → one atomic write to the store.

The store is passed in (anything with the :class:`DocumentSink` methods), so ingestion does not depend
on the vector store package; the assistant wires the two together.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

from ingestion.chunker import Chunker
from ingestion.limits import IngestLimits
from ingestion.loaders import SUPPORTED_SUFFIXES, load_file
from ingestion.model import Chunk, DocumentRecord, IngestError
from ingestion.normalize import normalize
from ingestion.parser import parse_document
from ingestion.textnorm import strip_diacritics

logger = logging.getLogger(__name__)

# Part of every content hash: bump it when loading, normalising, parsing or chunking changes what is
# stored, so that re-ingesting an unchanged file picks up the improvement.
PIPELINE_VERSION = "4"

IngestStatus = Literal["added", "replaced", "unchanged", "failed"]


class DocumentSink(Protocol):
    def get(self, doc_id: str) -> DocumentRecord | None: ...

    def find_by_file(self, file_name: str) -> DocumentRecord | None: ...

    def replace_document(
        self,
        record: DocumentRecord,
        chunks: Sequence[Chunk],
        *,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None: ...


@dataclass(frozen=True)
class IngestOutcome:
    path: Path
    status: IngestStatus
    doc_id: str | None = None
    record: DocumentRecord | None = None
    chunk_count: int = 0
    error: IngestError | None = None


def discover(paths: Iterable[Path]) -> list[Path]:
    """Files to ingest: named files as given, folders searched recursively for supported files."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
            )
        else:
            found.append(path)
    return found


_NOT_ID = re.compile(r"[^a-z0-9_]+")


def slugify(file_name: str) -> str:
    """A readable id from a file name: "Báo cáo 250.docx" -> "bao-cao-250"."""
    stem = Path(file_name).stem
    slug = _NOT_ID.sub("-", strip_diacritics(stem)).strip("-")
    return slug or "van-ban"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(PIPELINE_VERSION.encode() + b"\0" + data).hexdigest()


class IngestPipeline:
    def __init__(self, sink: DocumentSink, chunker: Chunker, *, limits: IngestLimits | None = None) -> None:
        self._sink = sink
        self._chunker = chunker
        self._limits = limits or IngestLimits()

    def _doc_id(self, file_name: str) -> str:
        existing = self._sink.find_by_file(file_name)
        if existing is not None:
            return existing.doc_id
        doc_id = slugify(file_name)
        # Two files with the same stem ("a.txt", "a.docx") must not share an id.
        taken = self._sink.get(doc_id)
        if taken is not None and taken.file_name != file_name:
            doc_id = f"{doc_id}-{Path(file_name).suffix.lstrip('.').lower() or 'file'}"
        return doc_id

    def prepare(self, path: Path, doc_id: str, digest: str) -> tuple[DocumentRecord, list[Chunk]]:
        """Everything but the write: load, normalise, parse, chunk. Raises IngestError."""
        loaded = load_file(path, self._limits)
        normalized = normalize(loaded.text)
        if not normalized.text.strip():
            raise IngestError(
                "empty_document", "Văn bản không có nội dung văn bản nào để nạp.", detail=path.name
            )
        self._limits.check_text_length(len(normalized.text), path.name)

        def page_of(offset: int) -> int | None:
            return loaded.page_at(normalized.source_offsets[min(offset, len(normalized.text))])

        parsed = parse_document(
            normalized.text,
            page_of=page_of if loaded.page_offsets else None,
            bold_spans=normalized.bold_spans,
        )
        chunks = self._chunker.chunk(
            parsed, normalized, path.name, page_of=page_of if loaded.page_offsets else None
        )
        # Before any embedding: the chunk count is what embedding time grows with.
        self._limits.check_chunk_count(len(chunks), path.name)
        record = DocumentRecord(
            doc_id=doc_id,
            file_name=path.name,
            content_hash=digest,
            file_format=loaded.file_format,
            encoding=loaded.encoding,
            metadata=parsed.metadata,
            sections=parsed.sections,
            text=parsed.text,
            chunk_count=len(chunks),
            ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        return record, chunks

    def ingest(self, path: Path, on_progress: Callable[[int, int], None] | None = None) -> IngestOutcome:
        """Ingest one file; unchanged files are skipped, changed ones replace their old version atomically.

        ``on_progress(done, total)`` follows the embedding of the file's chunks, most of the time it takes."""
        try:
            if not path.is_file():
                raise IngestError("file_not_found", "Không tìm thấy tệp.", detail=str(path))
            digest = content_hash(path.read_bytes())
            doc_id = self._doc_id(path.name)
            existing = self._sink.get(doc_id)
            if existing is not None and existing.content_hash == digest:
                return IngestOutcome(path, "unchanged", doc_id, existing, existing.chunk_count)
            record, chunks = self.prepare(path, doc_id, digest)
            self._sink.replace_document(record, chunks, on_progress=on_progress)
        except IngestError as error:
            return IngestOutcome(path, "failed", error=error)
        except OSError as error:
            failure = IngestError("unreadable_file", "Không đọc được tệp.", detail=f"{path}: {error}")
            return IngestOutcome(path, "failed", error=failure)
        except Exception as error:  # an embedding server or store failure: report it, keep the batch going
            logger.exception("ingest of %s failed", path)
            failure = IngestError(
                "ingest_failed", "Lỗi khi nạp văn bản vào kho.", detail=f"{type(error).__name__}: {error}"
            )
            return IngestOutcome(path, "failed", error=failure)
        status: IngestStatus = "replaced" if existing is not None else "added"
        return IngestOutcome(path, status, doc_id, record, len(chunks))

    def ingest_all(
        self, paths: Iterable[Path], on_file: Callable[[IngestOutcome], None] | None = None
    ) -> list[IngestOutcome]:
        outcomes = []
        for path in discover(paths):
            outcome = self.ingest(path)
            if on_file:
                on_file(outcome)
            outcomes.append(outcome)
        return outcomes
