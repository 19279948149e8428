"""The document store: Chroma vectors plus the SQLite manifest, written atomically per document.

Writing a document (:meth:`DocumentStore.replace_document`):

1. embed all its chunks (a failure here changes nothing);
2. add the vectors to Chroma under ids that carry a fresh version;
3. swap the manifest's document row and chunk rows in one SQLite transaction;
4. delete the previous version's vectors.

The manifest is the source of truth: a Chroma hit counts only while its id is a current chunk row.
A crash between steps leaves either unreferenced new vectors or stale old ones; both are deleted the
next time a writer opens the store (:meth:`DocumentStore.reconcile`).

Steps 2-4 run under the data dir's writer lock (:mod:`vectorstore.lock`), which orders writers of all
processes; reconciliation repairs only when it can take that lock at once, so it never mistakes another
process's write in progress for a crash leftover. A store opened with ``mode="read"`` never writes:
no schema, no repair, and a read-only data dir can be read (the embedded Chroma from a private copy,
since Chroma cannot open a folder it may not write).
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from langchain_core.embeddings import Embeddings

from ingestion.indicators import EXTRACTOR_VERSION, IndicatorRecord, extract_indicators
from ingestion.model import Chunk, ChunkAttributes, DocumentMetadata, DocumentRecord
from vectorstore.chroma import STORE_ID_KEY, StoreEmbeddingFunction, open_client, open_collection
from vectorstore.embeddings import EmbeddingError
from vectorstore.errors import StoreError as StoreError
from vectorstore.indicator_table import EXTRACTOR_META_KEY, IndicatorQuery, StoredIndicator
from vectorstore.lock import DEFAULT_LOCK_TIMEOUT, LOCK_FILE, WriterLock
from vectorstore.manifest import Manifest, PendingWrite
from vectorstore.settings import ChromaSettings

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection as ChromaCollection

logger = logging.getLogger(__name__)

PATH_SEPARATOR = " › "
MANIFEST_FILE = "manifest.sqlite"
CHROMA_DIR = "chroma"

ProgressCallback = Callable[[int, int], None]
MetadataValue = str | int | float | bool
# "write": may ingest, delete and repair (takes the writer lock for each write); "read": never writes.
StoreMode = Literal["write", "read"]


@dataclass(frozen=True)
class RepairReport:
    """What a reconciliation fixed."""

    dropped_documents: tuple[str, ...] = ()  # documents whose vectors were lost (to be ingested again)
    removed_vectors: int = 0  # vectors that were no current chunk (an interrupted write's)
    forgotten_pending: int = 0  # versions announced by writers that died

    @property
    def changed(self) -> bool:
        return bool(self.dropped_documents or self.removed_vectors or self.forgotten_pending)


@dataclass(frozen=True)
class Consistency:
    """The manifest against Chroma, as read now (nothing fixed)."""

    documents: int
    chunks: int
    vectors: int
    missing: dict[str, int] = field(default_factory=dict)  # doc_id -> current chunks without a vector
    orphans: tuple[str, ...] = ()  # vector ids that are no current chunk
    pending: tuple[PendingWrite, ...] = ()

    @property
    def healthy(self) -> bool:
        return not (self.missing or self.orphans or self.pending)


@dataclass(frozen=True)
class StoredChunk(ChunkAttributes):
    """A current chunk with the identity and metadata of its document."""

    id: str  # the Chroma id: "{doc_id}@{version}#{index}"
    doc_id: str
    file_name: str
    version: str
    chunk: Chunk
    document: DocumentMetadata


def embedding_identity(embeddings: Embeddings) -> str:
    """The vector space ``embeddings`` produce: their ``identity`` if they have one, else their class."""
    identity = getattr(embeddings, "identity", None)
    if isinstance(identity, str) and identity:
        return identity
    return f"{type(embeddings).__module__}.{type(embeddings).__qualname__}"


def chunk_id(doc_id: str, version: str, index: int) -> str:
    return f"{doc_id}@{version}#{index}"


def chunk_metadata(record: DocumentRecord, version: str, chunk: Chunk) -> dict[str, MetadataValue]:
    """The Chroma metadata of one chunk: scalars only, None and empty values left out."""
    meta = record.metadata
    values: dict[str, MetadataValue | None] = {
        "doc_id": record.doc_id,
        "file_name": record.file_name,
        "version": version,
        "title": meta.title,
        "doc_type": meta.doc_type,
        "number": meta.number,
        # The last issuer is the body that issued the document; the first ones are its superiors.
        "issuer": meta.issuers[-1] if meta.issuers else None,
        "issuers": " | ".join(meta.issuers),
        "date": meta.date.isoformat() if meta.date else None,
        "year": meta.year,
        "place": meta.place,
        "locality": meta.locality,
        "period": meta.period,
        "section_id": chunk.section_id,
        "section_path": PATH_SEPARATOR.join(chunk.section_path),
        "heading": chunk.heading,
        "chunk_index": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
        "source_start": chunk.source_start,
        "source_end": chunk.source_end,
        "page": chunk.page,
    }
    return {key: value for key, value in values.items() if value is not None and value != ""}


class DocumentStore:
    """Documents, their chunks and the chunks' vectors, in ``data_dir`` (and a Chroma server if configured)."""

    def __init__(
        self,
        data_dir: Path,
        manifest: Manifest,
        client: ClientAPI,
        collection: ChromaCollection,
        embeddings: Embeddings,
        batch_size: int,
        *,
        shared_collection: bool,
        writer: WriterLock | None = None,
        scratch_dir: Path | None = None,
    ) -> None:
        self._data_dir = data_dir
        self._manifest = manifest
        self._client = client
        self._collection = collection
        self._embeddings = embeddings
        self._batch_size = batch_size
        self._shared_collection = shared_collection
        self._max_write_batch = max(1, client.get_max_batch_size())
        # Threads of this process queue here; processes queue on the writer lock (None: read-only).
        self._write_lock = threading.RLock()
        self._writer = writer
        self._scratch_dir = scratch_dir
        # doc_id -> (generation read at, records): the answerer reads a few documents' records per question.
        self._indicator_cache: dict[str, tuple[int, list[IndicatorRecord]]] = {}

    # ------------------------------------------------------------------------------- opening

    @classmethod
    def open(
        cls,
        data_dir: Path,
        embeddings: Embeddings,
        chroma: ChromaSettings,
        *,
        mode: StoreMode = "write",
        batch_size: int | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> DocumentStore:
        """Open (or create) the store in ``data_dir``.

        ``mode="write"`` (ingest, delete, serve) needs a writable data dir, and cleans up what an
        interrupted write left if no other process is writing. ``mode="read"`` (ask, search) writes
        nothing and works on a read-only data dir; a store that does not exist yet is created, if the
        data dir may be written. ``lock_timeout``: how long a write waits for another process's write.
        ``batch_size`` (chunks per embedding call) defaults to the embeddings' own ``batch_size``.
        """
        data_dir = Path(data_dir)
        manifest_path = data_dir / MANIFEST_FILE
        check_data_dir(data_dir, writable=mode == "write")
        if mode == "read" and not manifest_path.is_file():
            if not _creatable(data_dir):
                raise StoreError(
                    "store_not_found",
                    "Thư mục dữ liệu chưa có kho văn bản, và không ghi được để tạo kho mới.",
                    detail=str(data_dir),
                )
            check_data_dir(data_dir, writable=True)
            mode = "write"  # nothing to read yet: create the store, as a writer would
        writable = mode == "write"
        manifest = _open_manifest(manifest_path, writable=writable)
        scratch: Path | None = None
        try:
            identity = embedding_identity(embeddings)
            _check_embedding_identity(manifest, identity, adopt=writable)
            chroma_path = data_dir / CHROMA_DIR
            if chroma.mode == "embedded" and not writable and not _writable_tree(chroma_path):
                # Chroma cannot open a folder it may not write, even to read: read a private copy.
                scratch = Path(tempfile.mkdtemp(prefix="vankien-readonly-"))
                if chroma_path.is_dir():
                    _private_copy(chroma_path, scratch / CHROMA_DIR)
                chroma_path = scratch / CHROMA_DIR
            try:
                client = open_client(chroma, chroma_path)
            except Exception as error:
                raise StoreError(
                    "chroma_unavailable",
                    "Không kết nối được Chroma.",
                    detail=f"{chroma.mode} {chroma.host}:{chroma.port}: {error}"
                    if chroma.mode == "http"
                    else str(error),
                ) from error
            try:
                function = StoreEmbeddingFunction.bind(identity, embeddings)
                collection = open_collection(client, chroma.collection, function)
                _claim_collection(collection, manifest.store_id, shared=chroma.mode == "http", adopt=writable)
            except BaseException:
                _close_client(client)
                raise
        except BaseException:
            manifest.close()
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
            raise
        size = batch_size or int(getattr(embeddings, "batch_size", 16))
        store = cls(
            data_dir,
            manifest,
            client,
            collection,
            embeddings,
            size,
            shared_collection=chroma.mode == "http",
            writer=WriterLock(data_dir, timeout=lock_timeout) if writable else None,
            scratch_dir=scratch,
        )
        if writable:
            try:
                store.reconcile()
            except BaseException:
                store.close()
                raise
        return store

    def close(self) -> None:
        with self._write_lock:
            self._manifest.close()
            _close_client(self._client)
            if self._scratch_dir is not None:
                shutil.rmtree(self._scratch_dir, ignore_errors=True)

    def __enter__(self) -> DocumentStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def writable(self) -> bool:
        """False for a store opened with ``mode="read"``: every write raises ``store_read_only``."""
        return self._writer is not None

    @property
    def cache_dir(self) -> Path:
        """Where caches derived from the store may be written: the data dir, or a private folder when
        the data dir is read-only (removed on :meth:`close`)."""
        if self._scratch_dir is not None or not os.access(self._data_dir, os.W_OK):
            if self._scratch_dir is None:
                self._scratch_dir = Path(tempfile.mkdtemp(prefix="vankien-readonly-"))
            return self._scratch_dir
        return self._data_dir

    @contextmanager
    def writing(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the writer lock (this process's threads and every other process wait): no write of anyone
        is half done inside. Waits up to ``timeout`` seconds (default: the store's) for another writer."""
        writer = self._require_writer()
        with self._write_lock, writer.hold(timeout):
            yield

    def _require_writer(self) -> WriterLock:
        if self._writer is None:
            raise StoreError(
                "store_read_only",
                "Kho đang được mở chỉ để đọc; lệnh này không ghi được.",
                detail=str(self._data_dir),
            )
        return self._writer

    # ------------------------------------------------------------------------------- reading

    @property
    def generation(self) -> int:
        """A counter that changes with every write; a cache key for indexes built from :meth:`chunks`."""
        return self._manifest.generation

    @property
    def embeddings(self) -> Embeddings:
        return self._embeddings

    @property
    def data_dir(self) -> Path:
        """The directory holding the manifest (and the embedded Chroma); caches derived from the store go here."""
        return self._data_dir

    @property
    def store_id(self) -> str:
        """A random id fixed when the store was created; with :attr:`generation`, a cache key across stores."""
        return self._manifest.store_id

    def get(self, doc_id: str) -> DocumentRecord | None:
        return self._manifest.get(doc_id)

    def find_by_file(self, file_name: str) -> DocumentRecord | None:
        return self._manifest.find_by_file(file_name)

    def find_by_source(self, file_name: str, source_path: str | None) -> DocumentRecord | None:
        return self._manifest.find_by_source(file_name, source_path)

    def find_by_content(self, content_hash: str) -> DocumentRecord | None:
        return self._manifest.find_by_content(content_hash)

    def list_documents(self) -> list[DocumentRecord]:
        return self._manifest.list_documents()

    def is_current(self, doc_id: str, content_hash: str) -> bool:
        """True when the document is stored with exactly this content hash (re-ingesting would change nothing)."""
        return self._manifest.content_hash(doc_id) == content_hash

    def chunks(self, doc_ids: Collection[str] | None = None) -> list[StoredChunk]:
        """The current chunks (of all documents, or of ``doc_ids``), in document and chunk order."""
        heads = self._manifest.document_heads()
        result = []
        for row in self._manifest.chunks(doc_ids):
            file_name, metadata = heads[row.doc_id]
            result.append(StoredChunk(row.id, row.doc_id, file_name, row.version, row.chunk, metadata))
        return result

    def vector_count(self) -> int:
        """Vectors in the Chroma collection (equal to the current chunks unless a write is under way)."""
        return int(self._collection.count())

    def dense_search(
        self, query: str, k: int, where: Mapping[str, Any] | None = None
    ) -> list[tuple[StoredChunk, float]]:
        """The ``k`` current chunks nearest to ``query``, with cosine similarity, best first.

        ``where`` is a Chroma metadata filter over the keys of :func:`chunk_metadata`, e.g.
        ``{"locality": "Tiểu Cần"}`` or ``{"$and": [{"year": {"$gte": 2020}}, {"doc_type": "Báo cáo"}]}``.
        """
        try:
            vector = self._embeddings.embed_query(query)
        except EmbeddingError:
            raise
        except Exception as error:
            raise EmbeddingError(
                "embedding_failed", "Lỗi khi tính vectơ nhúng cho câu hỏi.", detail=str(error)
            ) from error
        return self.dense_search_vector(vector, k, where)

    def dense_search_vector(
        self, vector: Sequence[float], k: int, where: Mapping[str, Any] | None = None
    ) -> list[tuple[StoredChunk, float]]:
        """:meth:`dense_search` with the query already embedded."""
        if k <= 0:
            return []
        # Ask for a few more than k: vectors of a version being replaced or deleted are skipped.
        wanted = k + 8
        while True:
            try:
                result = self._collection.query(
                    query_embeddings=np.asarray([vector], dtype=np.float32),
                    n_results=wanted,
                    where=dict(where) if where else None,
                    include=["distances"],
                )
            except Exception as error:  # a bad filter, or the Chroma server gone
                raise StoreError(
                    "search_failed", "Lỗi khi tìm kiếm trong Chroma.", detail=str(error)
                ) from error
            ids = result["ids"][0]
            distances = (result["distances"] or [[]])[0]
            rows = self._manifest.chunks_by_id(ids)
            current = [
                (chunk_id, distance)
                for chunk_id, distance in zip(ids, distances, strict=True)
                if chunk_id in rows
            ]
            if len(current) >= k or len(ids) < wanted:
                break
            wanted *= 4
        heads = self._manifest.document_heads()
        hits = []
        for chunk_id_, distance in current[:k]:
            row = rows[chunk_id_]
            file_name, metadata = heads[row.doc_id]
            stored = StoredChunk(row.id, row.doc_id, file_name, row.version, row.chunk, metadata)
            hits.append((stored, 1.0 - float(distance)))
        return hits

    # ------------------------------------------------------------------------------- writing

    def replace_document(
        self,
        record: DocumentRecord,
        chunks: Sequence[Chunk],
        *,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        """Store ``record`` with ``chunks`` as the document's only version, atomically.

        On any error the store is left as it was: the previous version (if any) stays current.
        ``on_progress(done, total)`` is called after each embedded batch of chunks. The writer lock is
        taken after embedding (the long part), for the Chroma write and the manifest swap.
        """
        if not record.doc_id:
            raise ValueError("a document needs a doc_id")
        if [c.index for c in chunks] != list(range(len(chunks))):
            raise ValueError("chunk indexes must be 0..n-1 in order")
        writer = self._require_writer()
        # Outside both locks: embedding is most of the time, and closing the store (a server shutting
        # down) must not wait for it; the write below then fails on the closed store and changes nothing.
        vectors = self._embed([c.embed_text for c in chunks], on_progress)
        indicators = timed_extraction(record)
        with self._write_lock:
            version = f"{record.content_hash[:12]}-{uuid.uuid4().hex[:8]}"
            ids = [chunk_id(record.doc_id, version, c.index) for c in chunks]
            stored = replace(
                record,
                chunk_count=len(chunks),
                ingested_at=record.ingested_at or datetime.now(UTC).isoformat(timespec="seconds"),
            )
            with writer.hold():
                # Read under the lock: another process may have replaced the document meanwhile.
                previous = list(self._manifest.chunk_owners(record.doc_id))
                self._manifest.begin_version(record.doc_id, version)
                try:
                    self._add_vectors(
                        ids, vectors, [chunk_metadata(stored, version, c) for c in chunks], chunks
                    )
                except Exception as error:
                    self._discard_version(record.doc_id, version, ids)
                    raise StoreError(
                        "vector_write_failed",
                        "Lỗi khi ghi vectơ vào Chroma; kho giữ nguyên.",
                        detail=str(error),
                    ) from error
                try:
                    self._manifest.swap_document(
                        stored, version, list(zip(ids, chunks, strict=True)), indicators
                    )
                except Exception as error:
                    self._discard_version(record.doc_id, version, ids)
                    raise StoreError(
                        "manifest_write_failed",
                        "Lỗi khi ghi danh mục văn bản; kho giữ nguyên.",
                        detail=str(error),
                    ) from error
                self._delete_vectors_quietly(previous)

    def delete_document(self, doc_id: str) -> bool:
        """Remove a document and its chunks; False if there was no such document."""
        with self.writing():
            if self._manifest.version(doc_id) is None:
                return False
            removed_ids = self._manifest.delete_document(doc_id)
            self._delete_vectors_quietly(removed_ids)
            return True

    def reconcile(self) -> RepairReport | None:
        """Bring Chroma in line with the manifest after an interrupted write, if no one is writing.

        Repairs only when the writer lock can be taken at once (or is already held by this process):
        then no write of any process is under way, and every announced version, every vector that is no
        current chunk, is a crash leftover. Deletes those vectors, and forgets documents whose current
        vectors are missing, so that ingesting them again restores them. Returns what was fixed, or
        None when it did not run (another process is writing, or the store is read-only).
        """
        if self._writer is None:
            return None
        with self._write_lock, self._writer.hold_if_free() as free:
            if not free:
                logger.info("another process is writing to %s; reconciliation skipped", self._data_dir)
                return None
            return self._repair()

    def _repair(self) -> RepairReport:
        owners = self._manifest.chunk_owners()
        in_chroma = self._all_vector_ids()
        missing = {owners[i] for i in owners.keys() - in_chroma}
        dropped: list[str] = []
        if missing:
            dropped = self._manifest.drop_versions(dict(missing))
            if dropped:
                logger.warning("vectors missing for %s; these documents must be ingested again", dropped)
                # Their remaining vectors are orphans now.
                owners = {i: owner for i, owner in owners.items() if owner[0] not in dropped}
        forgotten = self._manifest.forget_pending()
        if self._manifest.extractor_version != EXTRACTOR_VERSION:
            self._refresh_indicators()
        orphans = sorted(in_chroma - owners.keys())
        if orphans:
            logger.info("removing %d vectors left by an interrupted write", len(orphans))
            self._delete_vectors(orphans)
        return RepairReport(tuple(dropped), len(orphans), forgotten)

    def _refresh_indicators(self) -> None:
        """Re-extract every document's indicator records from its stored text (the extractor changed), one
        document's text in memory at a time: an archive's texts together would not fit."""
        doc_ids = list(self._manifest.document_heads())
        for doc_id in doc_ids:
            record = self._manifest.get(doc_id)
            if record is not None:
                self._manifest.replace_indicators(record, timed_extraction(record))
        self._manifest.set_meta(EXTRACTOR_META_KEY, EXTRACTOR_VERSION)
        if doc_ids:
            logger.info("indicator records re-extracted for %d documents", len(doc_ids))

    def document_indicators(self, doc_id: str) -> list[IndicatorRecord]:
        """One document's indicator records in text order, cached until the next write."""
        generation = self.generation
        cached = self._indicator_cache.get(doc_id)
        if cached is not None and cached[0] == generation:
            return cached[1]
        found, _ = self._manifest.indicators(IndicatorQuery(doc_ids=(doc_id,)))
        records = sorted((s.record for s in found), key=lambda r: r.value_start)
        if len(self._indicator_cache) > 256:
            self._indicator_cache.clear()
        self._indicator_cache[doc_id] = (generation, records)
        return records

    def document_heads(self) -> dict[str, tuple[str, DocumentMetadata]]:
        """File name and metadata of every document (no text, no sections)."""
        return self._manifest.document_heads()

    def indicators(
        self, query: IndicatorQuery, *, limit: int | None = None, offset: int = 0
    ) -> tuple[list[StoredIndicator], int]:
        """Stored indicator records matching ``query`` (see :class:`IndicatorQuery`) and their number."""
        return self._manifest.indicators(query, limit=limit, offset=offset)

    def consistency(self) -> Consistency:
        """The manifest against Chroma as read now; fixes nothing.

        Read while another process writes, a write in progress shows as orphans and a pending write.
        """
        with self._write_lock:
            pending = tuple(self._manifest.pending_writes())
            owners = self._manifest.chunk_owners()
            in_chroma = self._all_vector_ids()
            missing: dict[str, int] = {}
            for vector_id in owners.keys() - in_chroma:
                doc_id = owners[vector_id][0]
                missing[doc_id] = missing.get(doc_id, 0) + 1
            # Re-read: rows committed after the first read are not orphans.
            extra = sorted(in_chroma - owners.keys())
            current = self._manifest.chunks_by_id(extra)
            orphans = tuple(i for i in extra if i not in current)
            return Consistency(
                documents=self._manifest.document_count(),
                chunks=len(owners),
                vectors=len(in_chroma),
                missing=dict(sorted(missing.items())),
                orphans=orphans,
                pending=pending,
            )

    def vector_ids(self) -> set[str]:
        """The ids of every vector in the collection (current chunks, and leftovers of unfinished writes)."""
        return self._all_vector_ids()

    def export_to(self, directory: Path) -> Consistency:
        """Write a consistent copy of the store into ``directory``: ``manifest.sqlite`` (SQLite's online
        backup) and ``chroma/`` (a new embedded Chroma holding the vectors of the current chunks).

        Chroma's files are not copied: an open Chroma may be writing them. Call it inside
        :meth:`writing` (or on a read-only store) so that no write is half done. Returns the state
        copied (``missing``: current chunks without a vector; a restore will drop their documents).
        """
        with self._write_lock:
            directory.mkdir(parents=True, exist_ok=True)
            self._manifest.backup_to(directory / MANIFEST_FILE)
            owners = self._manifest.chunk_owners()
            identity = self._manifest.meta("embedding_identity") or embedding_identity(self._embeddings)
            target = open_client(ChromaSettings(mode="embedded"), directory / CHROMA_DIR)
            try:
                function = StoreEmbeddingFunction.bind(identity, self._embeddings)
                collection = open_collection(target, self._collection.name, function)
                collection.modify(metadata={**(collection.metadata or {}), STORE_ID_KEY: self.store_id})
                ids = sorted(owners)
                copied = 0
                step = min(self._max_write_batch, 1000)
                for start in range(0, len(ids), step):
                    batch = self._collection.get(
                        ids=ids[start : start + step], include=["embeddings", "metadatas", "documents"]
                    )
                    if not batch["ids"]:
                        continue
                    collection.add(
                        ids=batch["ids"],
                        embeddings=np.asarray(batch["embeddings"], dtype=np.float32),
                        metadatas=batch["metadatas"],
                        documents=batch["documents"],
                    )
                    copied += len(batch["ids"])
                missing: dict[str, int] = {}
                if copied != len(ids):
                    for vector_id in set(ids) - self._all_vector_ids():
                        missing[owners[vector_id][0]] = missing.get(owners[vector_id][0], 0) + 1
            finally:
                _close_client(target)
            return Consistency(
                documents=self._manifest.document_count(),
                chunks=len(ids),
                vectors=copied,
                missing=missing,
            )

    # ------------------------------------------------------------------------------- internals

    def _embed(self, texts: Sequence[str], on_progress: ProgressCallback | None) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            batch = list(texts[start : start + self._batch_size])
            try:
                embedded = self._embeddings.embed_documents(batch)
            except EmbeddingError:
                raise
            except Exception as error:
                raise EmbeddingError(
                    "embedding_failed", "Lỗi khi tính vectơ nhúng.", detail=str(error)
                ) from error
            if len(embedded) != len(batch):
                raise EmbeddingError(
                    "embedding_failed",
                    "Mô hình nhúng trả về số vectơ không khớp.",
                    detail=f"{len(embedded)} != {len(batch)}",
                )
            vectors.extend(embedded)
            if on_progress is not None:
                on_progress(len(vectors), len(texts))
        return vectors

    def _add_vectors(
        self,
        ids: Sequence[str],
        vectors: Sequence[Sequence[float]],
        metadatas: Sequence[dict[str, MetadataValue]],
        chunks: Sequence[Chunk],
    ) -> None:
        step = self._max_write_batch
        for start in range(0, len(ids), step):
            end = start + step
            self._collection.add(
                ids=list(ids[start:end]),
                embeddings=np.asarray(vectors[start:end], dtype=np.float32),
                metadatas=list(metadatas[start:end]),
                documents=[c.text for c in chunks[start:end]],
            )

    def _all_vector_ids(self) -> set[str]:
        ids: set[str] = set()
        page = 10_000
        offset = 0
        while True:
            batch = self._collection.get(include=[], limit=page, offset=offset)["ids"]
            ids.update(batch)
            if len(batch) < page:
                return ids
            offset += page

    def _delete_vectors(self, ids: Sequence[str]) -> None:
        step = self._max_write_batch
        for start in range(0, len(ids), step):
            self._collection.delete(ids=list(ids[start : start + step]))

    def _delete_vectors_quietly(self, ids: Sequence[str]) -> None:
        """Delete superseded vectors; if that fails they are orphans, ignored now and removed on next open."""
        try:
            self._delete_vectors(ids)
        except Exception:
            logger.warning(
                "could not delete %d superseded vectors; they will be removed later", len(ids), exc_info=True
            )

    def _discard_version(self, doc_id: str, version: str, ids: Sequence[str]) -> None:
        self._delete_vectors_quietly(ids)
        try:
            self._manifest.abandon_version(doc_id, version)
        except Exception:
            logger.warning("could not clear pending version %s of %s", version, doc_id, exc_info=True)


def timed_extraction(record: DocumentRecord) -> list[IndicatorRecord]:
    """The document's indicator records; the time it took is logged (ingest reports it per document)."""
    started = time.perf_counter()
    records = extract_indicators(record.text, record.sections, record.metadata)
    logger.debug(
        "indicators of %s: %d records in %.1f ms",
        record.doc_id,
        len(records),
        (time.perf_counter() - started) * 1000,
    )
    return records


def _close_client(client: ClientAPI) -> None:
    # Releases the embedded database's files; ClientAPI does not declare close(), the clients have it.
    close = getattr(client, "close", None)
    if callable(close):
        close()


def _version_of(vector_id: str) -> str:
    """The version part of a chunk id "{doc_id}@{version}#{index}" ("" if it is not one of ours)."""
    head, _, _ = vector_id.rpartition("#")
    _, _, version = head.rpartition("@")
    return version


def _check_embedding_identity(manifest: Manifest, identity: str, *, adopt: bool) -> None:
    """Refuse to mix vectors of two models in one store; an empty store adopts the current model
    (when ``adopt``: a read-only open records nothing)."""
    recorded = manifest.meta("embedding_identity")
    if recorded == identity:
        return
    if recorded is not None and manifest.document_count() > 0:
        raise StoreError(
            "embedding_model_changed",
            "Kho dữ liệu này được tạo bằng một mô hình nhúng khác; hãy dùng lại mô hình cũ, "
            "hoặc dùng thư mục dữ liệu mới rồi nạp lại văn bản.",
            detail=f"kho: {recorded}; cấu hình: {identity}",
        )
    if adopt:
        manifest.set_meta("embedding_identity", identity)


def _claim_collection(collection: ChromaCollection, store_id: str, *, shared: bool, adopt: bool) -> None:
    """Make sure the collection belongs to this store (a Chroma server may hold other stores' collections);
    mark it ours if it is not marked yet (when ``adopt``: a read-only open marks nothing)."""
    metadata = dict(collection.metadata or {})
    owner = metadata.get(STORE_ID_KEY)
    if owner == store_id:
        return
    if owner is not None and shared:
        raise StoreError(
            "chroma_collection_taken",
            "Bộ sưu tập Chroma này thuộc về một kho dữ liệu khác; hãy đặt tên bộ sưu tập khác "
            "(VANKIEN_CHROMA__COLLECTION).",
            detail=f"{collection.name}: {owner}",
        )
    if owner is None and shared and collection.count() > 0:
        raise StoreError(
            "chroma_collection_taken",
            "Bộ sưu tập Chroma này đã có dữ liệu không do Văn Kiện QA tạo; hãy đặt tên bộ sưu tập khác "
            "(VANKIEN_CHROMA__COLLECTION).",
            detail=collection.name,
        )
    if not adopt:
        return
    # Embedded Chroma lives inside the data directory: it is ours even if the manifest was recreated.
    metadata[STORE_ID_KEY] = store_id
    collection.modify(metadata=metadata)


# ------------------------------------------------------------------------------------- the data dir


def check_data_dir(data_dir: Path, *, writable: bool) -> None:
    """Fail with a coded error, before anything is opened, when ``data_dir`` cannot hold a store.

    ``data_dir_invalid``: it (or a parent) is a file. ``data_dir_read_only`` (when ``writable``): it
    cannot be created, or written (probed by opening the writer lock file, the first thing a writer
    writes, and the manifest). A directory that does not exist yet is fine when it can be created.
    """
    data_dir = Path(data_dir)
    for path in (data_dir, *data_dir.parents):
        if path.exists():
            if not path.is_dir():
                raise StoreError(
                    "data_dir_invalid",
                    "Đường dẫn thư mục dữ liệu không phải là một thư mục (đã có một tệp trùng tên).",
                    detail=str(path),
                )
            break
    if not writable:
        return
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with open(data_dir / LOCK_FILE, "a"):
            pass
        manifest = data_dir / MANIFEST_FILE
        if manifest.exists():
            os.close(os.open(manifest, os.O_WRONLY | os.O_APPEND))
    except (FileExistsError, NotADirectoryError) as error:
        raise StoreError(
            "data_dir_invalid",
            "Đường dẫn thư mục dữ liệu không phải là một thư mục (đã có một tệp trùng tên).",
            detail=f"{data_dir}: {error}",
        ) from error
    except OSError as error:
        raise StoreError(
            "data_dir_read_only",
            "Không ghi được vào thư mục dữ liệu (chỉ đọc hoặc không có quyền ghi); lệnh này cần ghi vào kho.",
            detail=f"{data_dir}: {error}",
        ) from error


def open_catalog(data_dir: Path) -> Manifest:
    """The manifest alone, read-only: what listing documents and their sections needs (no Chroma, no
    model). A store that does not exist yet reads as empty, and nothing is created. Close it after use."""
    data_dir = Path(data_dir)
    check_data_dir(data_dir, writable=False)
    path = data_dir / MANIFEST_FILE
    if not path.is_file():
        return Manifest.empty()
    return _open_manifest(path, writable=False)


def _open_manifest(path: Path, *, writable: bool) -> Manifest:
    try:
        return Manifest(path, writable=writable)
    except sqlite3.Error as error:
        raise StoreError(
            "manifest_unreadable",
            "Không mở được danh mục văn bản (manifest.sqlite) trong thư mục dữ liệu.",
            detail=f"{path}: {error}",
        ) from error


def _creatable(data_dir: Path) -> bool:
    """Could ``data_dir`` (or the store files in it) be created by this process?"""
    for path in (data_dir, *data_dir.parents):
        if path.exists():
            return os.access(path, os.W_OK | os.X_OK)
    return False


def _private_copy(source: Path, target: Path) -> None:
    """Copy a folder this process may not write to one it may (the copy's modes made writable)."""
    shutil.copytree(source, target, copy_function=shutil.copyfile)
    for folder, _, files in os.walk(target):
        os.chmod(folder, 0o700)
        for name in files:
            os.chmod(Path(folder) / name, 0o600)


def _writable_tree(path: Path) -> bool:
    """May this process write ``path`` and every folder and file under it? (False if it does not exist.)"""
    if not path.is_dir():
        return os.access(path.parent, os.W_OK) if not path.exists() else False
    for folder, _, files in os.walk(path):
        if not os.access(folder, os.W_OK):
            return False
        if not all(os.access(Path(folder) / name, os.W_OK) for name in files):
            return False
    return True
