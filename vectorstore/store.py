"""The document store: Chroma vectors plus the SQLite manifest, written atomically per document.

Writing a document (:meth:`DocumentStore.replace_document`):

1. embed all its chunks (a failure here changes nothing);
2. add the vectors to Chroma under ids that carry a fresh version;
3. swap the manifest's document row and chunk rows in one SQLite transaction;
4. delete the previous version's vectors.

The manifest is the source of truth: a Chroma hit counts only while its id is a current chunk row.
A crash between steps leaves either unreferenced new vectors or stale old ones; both are deleted the
next time the store opens (:meth:`DocumentStore.reconcile`).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.settings import ChromaSettings
from ingestion.errors import CodedError
from ingestion.model import Chunk, DocumentMetadata, DocumentRecord
from vectorstore.chroma import STORE_ID_KEY, StoreEmbeddingFunction, open_client, open_collection
from vectorstore.embeddings import EmbeddingError
from vectorstore.manifest import Manifest

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection as ChromaCollection

logger = logging.getLogger(__name__)

PATH_SEPARATOR = " › "
MANIFEST_FILE = "manifest.sqlite"
CHROMA_DIR = "chroma"
# A version announced longer ago than this by a writer that never finished is a crash leftover.
_PENDING_GRACE_SECONDS = 600.0

ProgressCallback = Callable[[int, int], None]
MetadataValue = str | int | float | bool


class StoreError(CodedError):
    """The store cannot do what was asked. ``code`` is stable; ``message`` is Vietnamese."""


@dataclass(frozen=True)
class StoredChunk:
    """A current chunk with the identity and metadata of its document."""

    id: str  # the Chroma id: "{doc_id}@{version}#{index}"
    doc_id: str
    file_name: str
    version: str
    chunk: Chunk
    document: DocumentMetadata

    @property
    def text(self) -> str:
        return self.chunk.text

    @property
    def section_id(self) -> str:
        return self.chunk.section_id

    @property
    def section_path(self) -> tuple[str, ...]:
        return self.chunk.section_path

    @property
    def heading(self) -> str:
        return self.chunk.heading

    @property
    def index(self) -> int:
        return self.chunk.index

    @property
    def embed_text(self) -> str:
        return self.chunk.embed_text

    @property
    def start(self) -> int:
        return self.chunk.start

    @property
    def end(self) -> int:
        return self.chunk.end

    @property
    def source_start(self) -> int:
        return self.chunk.source_start

    @property
    def source_end(self) -> int:
        return self.chunk.source_end

    @property
    def page(self) -> int | None:
        return self.chunk.page


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
    ) -> None:
        self._data_dir = data_dir
        self._manifest = manifest
        self._client = client
        self._collection = collection
        self._embeddings = embeddings
        self._batch_size = batch_size
        self._shared_collection = shared_collection
        self._max_write_batch = max(1, client.get_max_batch_size())
        self._write_lock = threading.RLock()

    # ------------------------------------------------------------------------------- opening

    @classmethod
    def open(
        cls,
        data_dir: Path,
        embeddings: Embeddings,
        chroma: ChromaSettings,
        *,
        batch_size: int | None = None,
    ) -> DocumentStore:
        """Open (or create) the store in ``data_dir`` and clean up what an interrupted write left.

        ``batch_size`` (chunks per embedding call) defaults to the embeddings' own ``batch_size``.
        """
        data_dir = Path(data_dir)
        manifest = Manifest(data_dir / MANIFEST_FILE)
        try:
            identity = embedding_identity(embeddings)
            _check_embedding_identity(manifest, identity)
            try:
                client = open_client(chroma, data_dir / CHROMA_DIR)
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
                _claim_collection(collection, manifest.store_id, shared=chroma.mode == "http")
            except BaseException:
                _close_client(client)
                raise
        except BaseException:
            manifest.close()
            raise
        size = batch_size or int(getattr(embeddings, "batch_size", 16))
        store = cls(
            data_dir, manifest, client, collection, embeddings, size, shared_collection=chroma.mode == "http"
        )
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

    def __enter__(self) -> DocumentStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

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
        ``on_progress(done, total)`` is called after each embedded batch of chunks.
        """
        if not record.doc_id:
            raise ValueError("a document needs a doc_id")
        if [c.index for c in chunks] != list(range(len(chunks))):
            raise ValueError("chunk indexes must be 0..n-1 in order")
        with self._write_lock:
            vectors = self._embed([c.embed_text for c in chunks], on_progress)
            version = f"{record.content_hash[:12]}-{uuid.uuid4().hex[:8]}"
            ids = [chunk_id(record.doc_id, version, c.index) for c in chunks]
            previous = list(self._manifest.chunk_owners(record.doc_id))
            stored = replace(
                record,
                chunk_count=len(chunks),
                ingested_at=record.ingested_at or datetime.now(UTC).isoformat(timespec="seconds"),
            )
            self._manifest.begin_version(record.doc_id, version)
            try:
                self._add_vectors(ids, vectors, [chunk_metadata(stored, version, c) for c in chunks], chunks)
            except Exception as error:
                self._discard_version(record.doc_id, version, ids)
                raise StoreError(
                    "vector_write_failed", "Lỗi khi ghi vectơ vào Chroma; kho giữ nguyên.", detail=str(error)
                ) from error
            try:
                self._manifest.swap_document(stored, version, list(zip(ids, chunks, strict=True)))
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
        with self._write_lock:
            if self._manifest.version(doc_id) is None:
                return False
            removed_ids = self._manifest.delete_document(doc_id)
            self._delete_vectors_quietly(removed_ids)
            return True

    def reconcile(self) -> None:
        """Bring Chroma in line with the manifest after an interrupted write.

        Deletes vectors that are not current chunks (except those a running writer announced), and
        forgets documents whose current vectors are missing, so that ingesting them again restores them.
        """
        with self._write_lock:
            # Manifest first, then Chroma: a writer adds vectors before it commits their rows, so any
            # row read here already has its vectors (unless they were really lost).
            owners = self._manifest.chunk_owners()
            in_chroma = self._all_vector_ids()
            missing = {owners[i] for i in owners.keys() - in_chroma}
            if missing:
                dropped = self._manifest.drop_versions(dict(missing))
                if dropped:
                    logger.warning("vectors missing for %s; these documents must be ingested again", dropped)
                    # Their remaining vectors are orphans now.
                    owners = {i: owner for i, owner in owners.items() if owner[0] not in dropped}
            # Versions announced by a writer that is still running (another process, when the Chroma
            # server is shared) are spared; older announcements are crash leftovers.
            grace = time.time() - _PENDING_GRACE_SECONDS if self._shared_collection else time.time()
            self._manifest.forget_pending(older_than=grace)
            candidates = in_chroma - owners.keys()
            if not candidates:
                return
            # Re-read after listing Chroma: rows committed meanwhile are not orphans.
            pending = self._manifest.pending_versions(newer_than=grace)
            current = self._manifest.chunks_by_id(sorted(candidates))
            orphans = [i for i in candidates if i not in current and _version_of(i) not in pending]
            if orphans:
                logger.info("removing %d vectors left by an interrupted write", len(orphans))
                self._delete_vectors(orphans)

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


def _check_embedding_identity(manifest: Manifest, identity: str) -> None:
    """Refuse to mix vectors of two models in one store; an empty store adopts the current model."""
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
    manifest.set_meta("embedding_identity", identity)


def _claim_collection(collection: ChromaCollection, store_id: str, *, shared: bool) -> None:
    """Make sure the collection belongs to this store (a Chroma server may hold other stores' collections)."""
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
    # Embedded Chroma lives inside the data directory: it is ours even if the manifest was recreated.
    metadata[STORE_ID_KEY] = store_id
    collection.modify(metadata=metadata)
