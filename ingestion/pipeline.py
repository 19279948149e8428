"""The ingest pipeline: file → load → normalise → parse → chunk → one atomic write to the store.

The store is passed in (anything with the :class:`DocumentSink` methods), so ingestion does not depend
on the vector store package; the assistant wires the two together.

Document identity
-----------------
A document is identified by its *source path*: the file's path relative to the ingest root, with ``/``
separators and Unicode in NFC (``vankien ingest DIR`` → relative to DIR, e.g. ``sub1/bao-cao.txt``; a file
named on the command line or uploaded → its file name). The source path is kept in
``DocumentRecord.extra["source_path"]``.

* The id is a readable slug of the file name plus a short hash of the source path
  (:func:`document_id`: ``sub1/Báo cáo.txt`` → ``bao-cao-d46f294f``). Different paths get different ids
  however their names slug (``日本.txt`` and ``中国.txt``, ``a b.txt`` and ``a-b.txt``, the same name in two
  folders, the same stem with two suffixes); the same path always gets the same id. In the improbable case
  that two paths share slug and 8-hex-digit hash, the second takes the longer hash (16, then 64 digits).
* Same source path ⇒ same document: re-ingesting it is ``unchanged`` when its bytes are, ``replaced`` when
  they changed.
* Same bytes under another source path ⇒ ``duplicate``: not stored a second time; the outcome names the
  document that holds them (``duplicate_of``). (Same bytes means the same content hash, which includes
  :data:`PIPELINE_VERSION`.) A stored file changed to another document's bytes is reported the same way,
  and its own document keeps its previous version: nothing is deleted without being asked.
* Stores written before source paths were recorded have ids that are bare slugs (``bao-cao``). A file whose
  path has no document yet takes over the old document with its file name, keeping the old id (one atomic
  write, nothing to delete, links to the id keep working); the rewrite records its source path, so the next
  run says ``unchanged``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Literal, NamedTuple, Protocol

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

IngestStatus = Literal["added", "replaced", "unchanged", "duplicate", "failed"]

# The key of DocumentRecord.extra that holds the path a document was ingested from.
SOURCE_PATH_KEY = "source_path"
# Hex digits of the source-path hash in an id; the longer ones only break a (improbable) tie.
_ID_HASH_LENGTHS = (8, 16, 64)
MAX_SLUG_CHARS = 60


class DocumentSink(Protocol):
    def get(self, doc_id: str) -> DocumentRecord | None: ...

    def find_by_source(self, file_name: str, source_path: str | None) -> DocumentRecord | None:
        """The document with this file name ingested from ``source_path``; with None, one stored before
        source paths were recorded."""
        ...

    def find_by_content(self, content_hash: str) -> DocumentRecord | None: ...

    def replace_document(
        self,
        record: DocumentRecord,
        chunks: Sequence[Chunk],
        *,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None: ...


@dataclass(frozen=True)
class IngestOutcome:
    """What ingesting one file did.

    ``doc_id``/``record`` are the file's document (for ``unchanged``, ``added``, ``replaced``). For a
    ``duplicate`` they are None, ``duplicate_of`` is the id of the document that already holds the same
    bytes and ``record`` is that document."""

    path: Path
    status: IngestStatus
    doc_id: str | None = None
    record: DocumentRecord | None = None
    chunk_count: int = 0
    error: IngestError | None = None
    source_path: str | None = None
    duplicate_of: str | None = None


class SourceFile(NamedTuple):
    """A file to ingest and its source path (its identity, see the module docstring)."""

    path: Path
    source_path: str


def discover(paths: Iterable[Path]) -> list[SourceFile]:
    """Files to ingest: named files as given (source path: the file name), folders searched recursively
    for supported files (source path: relative to the folder)."""
    found: list[SourceFile] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                SourceFile(p, p.relative_to(path).as_posix())
                for p in sorted(path.rglob("*"))
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
            )
        else:
            found.append(SourceFile(path, path.name))
    return found


_NOT_ID = re.compile(r"[^a-z0-9_]+")


def slugify(file_name: str) -> str:
    """A readable id part from a file name: "Báo cáo 250.docx" -> "bao-cao-250" (not unique by itself)."""
    stem = Path(file_name).stem
    slug = _NOT_ID.sub("-", strip_diacritics(stem)).strip("-")
    return slug[:MAX_SLUG_CHARS].strip("-") or "van-ban"


def normalize_source_path(source_path: str) -> str:
    """The canonical form of a source path (``/``-separated, as :func:`discover` makes it): NFC, so that a
    name decomposed by one file system and composed by another is the same document."""
    return unicodedata.normalize("NFC", source_path)


def document_id(source_path: str, hash_chars: int = _ID_HASH_LENGTHS[0]) -> str:
    """The id of the document ingested from ``source_path``: slug of the file name + hash of the path.

    ``document_id("sub1/Báo cáo.txt")`` -> ``"bao-cao-"`` + 8 hex digits."""
    canonical = normalize_source_path(source_path)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:hash_chars]
    return f"{slugify(PurePosixPath(canonical).name)}-{digest}"


def source_path_of(record: DocumentRecord) -> str | None:
    """The source path a stored document came from; None for one stored before paths were recorded."""
    return record.extra.get(SOURCE_PATH_KEY)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(PIPELINE_VERSION.encode() + b"\0" + data).hexdigest()


class IngestPipeline:
    def __init__(self, sink: DocumentSink, chunker: Chunker, *, limits: IngestLimits | None = None) -> None:
        self._sink = sink
        self._chunker = chunker
        self._limits = limits or IngestLimits()

    def _resolve(self, source_path: str, file_name: str) -> tuple[str, DocumentRecord | None]:
        """The id of the document from ``source_path``, and that document if it is stored.

        Looked up in this order: the ids :func:`document_id` gives the path; an old-scheme document
        that already took this path over (it keeps its old id); an old-scheme document with this file
        name that no path has taken over yet. Otherwise a new id: the first of the path's ids that is free.
        """
        free: str | None = None
        for hash_chars in _ID_HASH_LENGTHS:
            candidate = document_id(source_path, hash_chars)
            stored = self._sink.get(candidate)
            if stored is None:
                free = free or candidate
            elif source_path_of(stored) == source_path:
                return candidate, stored
        for owner in (source_path, None):
            stored = self._sink.find_by_source(file_name, owner)
            if stored is not None:
                return stored.doc_id, stored
        if free is None:  # all three taken by other paths: as good as impossible with a 64-digit hash
            raise IngestError("doc_id_conflict", "Không tạo được mã văn bản riêng.", detail=source_path)
        return free, None

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

    def ingest(
        self,
        path: Path,
        on_progress: Callable[[int, int], None] | None = None,
        *,
        source_path: str | None = None,
    ) -> IngestOutcome:
        """Ingest one file; unchanged files are skipped, changed ones replace their old version atomically,
        the same bytes as another document are reported as its duplicate and not stored.

        ``source_path`` is the file's identity (module docstring); by default its file name.
        ``on_progress(done, total)`` follows the embedding of the file's chunks, most of the time it takes."""
        source = normalize_source_path(source_path or path.name)
        try:
            if not path.is_file():
                raise IngestError("file_not_found", "Không tìm thấy tệp.", detail=str(path))
            digest = content_hash(path.read_bytes())
            doc_id, existing = self._resolve(source, path.name)
            # An old-scheme document (no source path) is rewritten even when unchanged, to record its path.
            claimed = existing is not None and source_path_of(existing) == source
            if existing is not None and existing.content_hash == digest and claimed:
                return IngestOutcome(
                    path, "unchanged", doc_id, existing, existing.chunk_count, source_path=source
                )
            if existing is None or existing.content_hash != digest:
                holder = self._sink.find_by_content(digest)
                if holder is not None:
                    return IngestOutcome(
                        path, "duplicate", None, holder, source_path=source, duplicate_of=holder.doc_id
                    )
            record, chunks = self.prepare(path, doc_id, digest)
            record = replace(record, extra={**record.extra, SOURCE_PATH_KEY: source})
            self._sink.replace_document(record, chunks, on_progress=on_progress)
        except IngestError as error:
            return IngestOutcome(path, "failed", error=error, source_path=source)
        except OSError as error:
            failure = IngestError("unreadable_file", "Không đọc được tệp.", detail=f"{path}: {error}")
            return IngestOutcome(path, "failed", error=failure, source_path=source)
        except Exception as error:  # an embedding server or store failure: report it, keep the batch going
            logger.exception("ingest of %s failed", path)
            failure = IngestError(
                "ingest_failed", "Lỗi khi nạp văn bản vào kho.", detail=f"{type(error).__name__}: {error}"
            )
            return IngestOutcome(path, "failed", error=failure, source_path=source)
        status: IngestStatus
        if existing is None:
            status = "added"
        else:
            status = "unchanged" if existing.content_hash == digest else "replaced"
        return IngestOutcome(path, status, doc_id, record, len(chunks), source_path=source)

    def ingest_all(
        self, paths: Iterable[Path], on_file: Callable[[IngestOutcome], None] | None = None
    ) -> list[IngestOutcome]:
        """Ingest every file :func:`discover` finds under ``paths``, each under its source path."""
        outcomes = []
        for found in discover(paths):
            outcome = self.ingest(found.path, source_path=found.source_path)
            if on_file:
                on_file(outcome)
            outcomes.append(outcome)
        return outcomes
