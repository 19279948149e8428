"""The document manifest: SQLite, the store's source of truth.

It holds every document (identity, content hash, current version, metadata, section tree, normalised
text) and every current chunk (text, spans, section), so that a lexical index can be rebuilt and a
passage shown without Chroma. A Chroma vector counts only while its id is a current chunk row here:
a document's version is swapped in one SQLite transaction.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast

from ingestion.indicators import IndicatorRecord
from ingestion.model import Chunk, DocumentMetadata, DocumentRecord, FileFormat, Section
from vectorstore.indicator_table import (
    EXTRACTOR_META_KEY,
    INDICATOR_SCHEMA,
    IndicatorQuery,
    StoredIndicator,
    select_indicators,
    write_indicators,
)

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    file_name TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    version TEXT NOT NULL,
    file_format TEXT NOT NULL,
    encoding TEXT,
    metadata TEXT NOT NULL,
    sections TEXT NOT NULL,
    text TEXT NOT NULL,
    chunk_count INTEGER NOT NULL,
    ingested_at TEXT NOT NULL,
    extra TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_by_file ON documents (file_name);
CREATE INDEX IF NOT EXISTS documents_by_hash ON documents (content_hash);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents (doc_id) ON DELETE CASCADE,
    version TEXT NOT NULL,
    idx INTEGER NOT NULL,
    section_id TEXT NOT NULL,
    section_path TEXT NOT NULL,
    heading TEXT NOT NULL,
    text TEXT NOT NULL,
    embed_text TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    source_start INTEGER NOT NULL,
    source_end INTEGER NOT NULL,
    page INTEGER
);
CREATE INDEX IF NOT EXISTS chunks_by_document ON chunks (doc_id, idx);
CREATE TABLE IF NOT EXISTS pending (
    doc_id TEXT NOT NULL,
    version TEXT NOT NULL,
    started_at REAL NOT NULL,
    PRIMARY KEY (doc_id, version)
);
"""

_DOCUMENT_COLUMNS = (
    "doc_id, file_name, content_hash, version, file_format, encoding, metadata, sections, text, "
    "chunk_count, ingested_at, extra"
)
_CHUNK_COLUMNS = (
    'c.id, c.doc_id, c.version, c.idx, c.section_id, c.section_path, c.heading, c.text, c.embed_text, c.start, c."end", '
    "c.source_start, c.source_end, c.page"
)


# ------------------------------------------------------------------------------------- (de)serialising


def metadata_to_json(metadata: DocumentMetadata) -> str:
    return json.dumps(
        {
            "issuers": list(metadata.issuers),
            "number": metadata.number,
            "doc_type": metadata.doc_type,
            "title": metadata.title,
            "place": metadata.place,
            "date": metadata.date.isoformat() if metadata.date else None,
            "locality": metadata.locality,
            "period": metadata.period,
            "year": metadata.year,
            "signer": metadata.signer,
            "signer_title": metadata.signer_title,
        },
        ensure_ascii=False,
    )


def metadata_from_json(raw: str) -> DocumentMetadata:
    data = json.loads(raw)
    return DocumentMetadata(
        issuers=tuple(data.get("issuers") or ()),
        number=data.get("number"),
        doc_type=data.get("doc_type"),
        title=data.get("title"),
        place=data.get("place"),
        date=date.fromisoformat(data["date"]) if data.get("date") else None,
        locality=data.get("locality"),
        period=data.get("period"),
        year=data.get("year"),
        # Records written before pipeline version 4 have no signature keys.
        signer=data.get("signer"),
        signer_title=data.get("signer_title"),
    )


def sections_to_json(sections: Sequence[Section]) -> str:
    return json.dumps(
        [
            {
                "id": s.id,
                "parent_id": s.parent_id,
                "level": s.level,
                "number": s.number,
                "heading": s.heading,
                "path": list(s.path),
                "start": s.start,
                "body_start": s.body_start,
                "end": s.end,
                "page": s.page,
            }
            for s in sections
        ],
        ensure_ascii=False,
    )


def sections_from_json(raw: str) -> tuple[Section, ...]:
    return tuple(
        Section(
            id=s["id"],
            parent_id=s["parent_id"],
            level=s["level"],
            number=s["number"],
            heading=s["heading"],
            path=tuple(s["path"]),
            start=s["start"],
            body_start=s["body_start"],
            end=s["end"],
            page=s.get("page"),
        )
        for s in json.loads(raw)
    )


# ------------------------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class ChunkRow:
    """A current chunk as the manifest holds it."""

    id: str
    doc_id: str
    version: str
    chunk: Chunk


def _record_from_row(row: sqlite3.Row) -> DocumentRecord:
    return DocumentRecord(
        doc_id=row["doc_id"],
        file_name=row["file_name"],
        content_hash=row["content_hash"],
        file_format=cast(FileFormat, row["file_format"]),
        encoding=row["encoding"],
        metadata=metadata_from_json(row["metadata"]),
        sections=sections_from_json(row["sections"]),
        text=row["text"],
        chunk_count=row["chunk_count"],
        ingested_at=row["ingested_at"],
        extra=json.loads(row["extra"]),
    )


def _chunk_from_row(row: sqlite3.Row) -> ChunkRow:
    chunk = Chunk(
        index=row["idx"],
        section_id=row["section_id"],
        section_path=tuple(json.loads(row["section_path"])),
        heading=row["heading"],
        text=row["text"],
        embed_text=row["embed_text"],
        start=row["start"],
        end=row["end"],
        source_start=row["source_start"],
        source_end=row["source_end"],
        page=row["page"],
    )
    return ChunkRow(row["id"], row["doc_id"], row["version"], chunk)


@dataclass(frozen=True)
class PendingWrite:
    """A version a writer announced and has not committed (or abandoned) yet."""

    doc_id: str
    version: str
    started_at: float


class Manifest:
    """The SQLite manifest. One connection, serialised by a lock (usable from several threads).

    ``writable=False`` opens it for reading only: no schema is created, nothing is written, and a file
    (or folder) this process may not write is opened read-only, so a read-only data dir can be read.
    """

    def __init__(self, path: Path, *, writable: bool = True) -> None:
        self._lock = threading.RLock()
        self.path = path
        self.read_only = not writable
        if writable:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        else:
            self._db = _connect_for_reading(path)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA busy_timeout = 10000")
        if not writable:
            return
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.execute("PRAGMA foreign_keys = ON")
        self._create_schema()

    @classmethod
    def empty(cls) -> Manifest:
        """An empty manifest in memory: what a store that does not exist yet reads as (nothing is created)."""
        manifest = cls.__new__(cls)
        manifest._lock = threading.RLock()
        manifest.path = Path(":memory:")
        manifest.read_only = True
        manifest._db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        manifest._db.row_factory = sqlite3.Row
        manifest._create_schema()
        return manifest

    def _create_schema(self) -> None:
        with self.transaction() as db:
            for statement in filter(str.strip, (_SCHEMA + ";" + INDICATOR_SCHEMA).split(";")):
                db.execute(statement)
            db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
            )
            db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', ?)", (uuid.uuid4().hex,))
            db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', '0')")

    def backup_to(self, target: Path) -> None:
        """A consistent copy of the whole database at ``target`` (SQLite's online backup), as one file."""
        with self._lock:
            copy = sqlite3.connect(target)
            try:
                self._db.backup(copy)
                # The copy stands alone: no -wal file to carry along.
                copy.execute("PRAGMA journal_mode = DELETE")
            finally:
                copy.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT, rolled back on any exception)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # ------------------------------------------------------------------------------------ meta

    def meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    @property
    def store_id(self) -> str:
        return self.meta("store_id") or ""

    @property
    def generation(self) -> int:
        return int(self.meta("generation") or 0)

    @staticmethod
    def _bump_generation(db: sqlite3.Connection) -> None:
        db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")

    # ------------------------------------------------------------------------------- documents

    def get(self, doc_id: str) -> DocumentRecord | None:
        rows = self._query(f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE doc_id = ?", (doc_id,))
        return _record_from_row(rows[0]) if rows else None

    def find_by_file(self, file_name: str) -> DocumentRecord | None:
        rows = self._query(
            f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE file_name = ? ORDER BY doc_id LIMIT 1",
            (file_name,),
        )
        return _record_from_row(rows[0]) if rows else None

    def find_by_source(self, file_name: str, source_path: str | None) -> DocumentRecord | None:
        """The document with this file name ingested from ``source_path`` (``extra["source_path"]``);
        with None, one stored before source paths were recorded."""
        rows = self._query(
            f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE file_name = ? "
            "AND json_extract(extra, '$.source_path') IS ? ORDER BY doc_id LIMIT 1",
            (file_name, source_path),
        )
        return _record_from_row(rows[0]) if rows else None

    def find_by_content(self, content_hash: str) -> DocumentRecord | None:
        """A document stored with exactly this content hash (the first by id), or None."""
        rows = self._query(
            f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE content_hash = ? ORDER BY doc_id LIMIT 1",
            (content_hash,),
        )
        return _record_from_row(rows[0]) if rows else None

    def list_documents(self) -> list[DocumentRecord]:
        rows = self._query(f"SELECT {_DOCUMENT_COLUMNS} FROM documents ORDER BY doc_id")
        return [_record_from_row(row) for row in rows]

    def content_hash(self, doc_id: str) -> str | None:
        rows = self._query("SELECT content_hash FROM documents WHERE doc_id = ?", (doc_id,))
        return str(rows[0]["content_hash"]) if rows else None

    def version(self, doc_id: str) -> str | None:
        rows = self._query("SELECT version FROM documents WHERE doc_id = ?", (doc_id,))
        return str(rows[0]["version"]) if rows else None

    def document_count(self) -> int:
        return int(self._query("SELECT COUNT(*) AS n FROM documents")[0]["n"])

    def document_heads(self) -> dict[str, tuple[str, DocumentMetadata]]:
        """File name and metadata of every document, without the heavy columns."""
        rows = self._query("SELECT doc_id, file_name, metadata FROM documents")
        return {row["doc_id"]: (row["file_name"], metadata_from_json(row["metadata"])) for row in rows}

    # ------------------------------------------------------------------------------ writing

    def begin_version(self, doc_id: str, version: str) -> None:
        """Announce a version whose vectors are being written, so that a concurrent reconcile spares them."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO pending (doc_id, version, started_at) VALUES (?, ?, ?)",
                (doc_id, version, time.time()),
            )

    def abandon_version(self, doc_id: str, version: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM pending WHERE doc_id = ? AND version = ?", (doc_id, version))

    def forget_pending(self) -> int:
        """Forget every announced version (their writers are gone: the caller holds the writer lock)."""
        with self.transaction() as db:
            return int(db.execute("DELETE FROM pending").rowcount)

    def pending_writes(self) -> list[PendingWrite]:
        """Versions announced and not yet committed or abandoned, oldest first."""
        rows = self._query("SELECT doc_id, version, started_at FROM pending ORDER BY started_at")
        return [PendingWrite(row["doc_id"], row["version"], float(row["started_at"])) for row in rows]

    def swap_document(
        self,
        record: DocumentRecord,
        version: str,
        chunks: Sequence[tuple[str, Chunk]],
        indicators: Sequence[IndicatorRecord] = (),
    ) -> None:
        """Make ``version`` (with these chunk ids and indicator records) the document's current version,
        in one transaction."""
        document_row = (
            record.doc_id,
            record.file_name,
            record.content_hash,
            version,
            record.file_format,
            record.encoding,
            metadata_to_json(record.metadata),
            sections_to_json(record.sections),
            record.text,
            len(chunks),
            record.ingested_at,
            json.dumps(record.extra, ensure_ascii=False),
        )
        chunk_rows = [
            (
                chunk_id,
                record.doc_id,
                version,
                c.index,
                c.section_id,
                json.dumps(list(c.section_path), ensure_ascii=False),
                c.heading,
                c.text,
                c.embed_text,
                c.start,
                c.end,
                c.source_start,
                c.source_end,
                c.page,
            )
            for chunk_id, c in chunks
        ]
        with self.transaction() as db:
            db.execute("DELETE FROM chunks WHERE doc_id = ?", (record.doc_id,))
            db.execute(
                f"INSERT OR REPLACE INTO documents ({_DOCUMENT_COLUMNS}) VALUES ({', '.join('?' * 12)})",
                document_row,
            )
            db.executemany(f"INSERT INTO chunks VALUES ({', '.join('?' * 14)})", chunk_rows)
            write_indicators(db, record, indicators)
            db.execute("DELETE FROM pending WHERE doc_id = ? AND version = ?", (record.doc_id, version))
            self._bump_generation(db)

    def delete_document(self, doc_id: str) -> list[str]:
        """Remove a document and its chunks; returns the removed chunk ids (empty if it was not there)."""
        with self.transaction() as db:
            ids = [row["id"] for row in db.execute("SELECT id FROM chunks WHERE doc_id = ?", (doc_id,))]
            removed = db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,)).rowcount
            if removed:
                db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
                db.execute("DELETE FROM indicators WHERE doc_id = ?", (doc_id,))
                self._bump_generation(db)
                return ids
            return []

    # ------------------------------------------------------------------------------ indicators

    def indicators(
        self, query: IndicatorQuery, *, limit: int | None = None, offset: int = 0
    ) -> tuple[list[StoredIndicator], int]:
        """Indicator records matching ``query`` (a page of them with ``limit``), and the number matching.

        A store written before indicators were extracted, opened read-only, has no table yet: no records.
        """
        with self._lock:
            try:
                return select_indicators(self._db, query, limit=limit, offset=offset)
            except sqlite3.OperationalError as error:
                if "no such table" not in str(error):
                    raise
                return [], 0

    def replace_indicators(self, document: DocumentRecord, records: Sequence[IndicatorRecord]) -> None:
        """Replace one stored document's indicator records (re-extraction after an extractor change)."""
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM documents WHERE doc_id = ?", (document.doc_id,)).fetchone():
                write_indicators(db, document, records)

    @property
    def extractor_version(self) -> str | None:
        """The indicator extractor version the stored records were made with."""
        return self.meta(EXTRACTOR_META_KEY)

    # ---------------------------------------------------------------------------------- chunks

    def chunk_owners(self, doc_id: str | None = None) -> dict[str, tuple[str, str]]:
        """Current chunk id -> (doc_id, version), of all documents or of one."""
        if doc_id is None:
            rows = self._query("SELECT id, doc_id, version FROM chunks")
        else:
            rows = self._query("SELECT id, doc_id, version FROM chunks WHERE doc_id = ?", (doc_id,))
        return {row["id"]: (row["doc_id"], row["version"]) for row in rows}

    def chunks(self, doc_ids: Collection[str] | None = None) -> list[ChunkRow]:
        """Current chunks in document order, of all documents or of ``doc_ids``."""
        sql = f"SELECT {_CHUNK_COLUMNS} FROM chunks AS c"
        params: list[str] = []
        if doc_ids is not None:
            wanted = list(doc_ids)
            if not wanted:
                return []
            sql += f" WHERE c.doc_id IN ({', '.join('?' * len(wanted))})"
            params = wanted
        sql += " ORDER BY c.doc_id, c.idx"
        return [_chunk_from_row(row) for row in self._query(sql, params)]

    def chunks_by_id(self, ids: Sequence[str]) -> dict[str, ChunkRow]:
        """The current chunks among ``ids`` (ids of superseded or unknown chunks are absent)."""
        found: dict[str, ChunkRow] = {}
        # SQLite caps the number of bound parameters; 500 is well under every build's limit.
        for start in range(0, len(ids), 500):
            batch = list(ids[start : start + 500])
            rows = self._query(
                f"SELECT {_CHUNK_COLUMNS} FROM chunks AS c WHERE c.id IN ({', '.join('?' * len(batch))})",
                batch,
            )
            found.update((row["id"], _chunk_from_row(row)) for row in rows)
        return found

    def drop_versions(self, versions: dict[str, str]) -> list[str]:
        """Forget documents (doc_id -> version) whose vectors are gone, if that version is still current.

        Returns the doc ids dropped; they will be ingested again as new files.
        """
        dropped: list[str] = []
        with self.transaction() as db:
            for doc_id, version in versions.items():
                if db.execute(
                    "DELETE FROM documents WHERE doc_id = ? AND version = ?", (doc_id, version)
                ).rowcount:
                    db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
                    db.execute("DELETE FROM indicators WHERE doc_id = ?", (doc_id,))
                    dropped.append(doc_id)
            if dropped:
                self._bump_generation(db)
        return dropped

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _connect_for_reading(path: Path) -> sqlite3.Connection:
    """A connection that never writes the database; read-only when this process may not write it.

    A WAL database in a folder we may not write: with a ``-wal`` file (a writer is open, or died)
    SQLite reads it in ``mode=ro``; without one (every writer closed cleanly) ``mode=ro`` would still
    need to create the ``-shm`` file, and ``immutable=1`` reads the file as it is.
    """
    if not path.is_file():
        raise FileNotFoundError(path)
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    if writable:
        return sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    wal = path.with_name(path.name + "-wal")
    flag = "mode=ro" if wal.exists() else "immutable=1"
    uri = f"{path.resolve().as_uri()}?{flag}"
    return sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
