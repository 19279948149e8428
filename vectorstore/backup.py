"""Backup and restore of a data dir (``vankien backup``, ``vankien restore``).

A backup is taken under the writer lock, so no write is half done in it, while readers (a server
answering questions) go on. It is a data dir of its own: ``manifest.sqlite`` (SQLite's online
backup), ``chroma/`` (a fresh embedded Chroma holding the current vectors: Chroma's files are not
copied, an open Chroma may be writing them), every other file the data dir holds (uploaded originals,
other SQLite files through the online backup), and ``backup.json`` describing it. The lexical index
cache, the lock file and staged uploads are left out: they are rebuilt or belong to a running process.

Only an embedded Chroma can be backed up this way: a Chroma server holds the vectors of a store whose
data dir has only the manifest, and must be backed up by its own means.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vectorstore.errors import StoreError
from vectorstore.lock import LOCK_FILE
from vectorstore.settings import ChromaSettings
from vectorstore.store import CHROMA_DIR, MANIFEST_FILE, DocumentStore, check_data_dir

BACKUP_INFO = "backup.json"
BACKUP_FORMAT = 1
# Not copied: caches rebuilt on use, the lock, the store's own parts (copied their own way).
_LEFT_OUT = {LOCK_FILE, "lexical", CHROMA_DIR, MANIFEST_FILE, BACKUP_INFO}
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
_STAGING = ".incoming"  # uploads/.incoming: uploads a running server is ingesting


@dataclass(frozen=True)
class BackupInfo:
    """What a backup holds (``backup.json``)."""

    created_at: str
    source: str
    store_id: str
    generation: int
    documents: int
    chunks: int
    vectors: int
    missing_vectors: int

    def to_json(self) -> dict[str, Any]:
        return {"format": BACKUP_FORMAT, **self.__dict__}


def refuse_chroma_server(chroma: ChromaSettings) -> None:
    """Backups and restores cover an embedded Chroma only."""
    if chroma.mode == "http":
        raise StoreError(
            "backup_chroma_server",
            "Kho dùng máy chủ Chroma (VANKIEN_CHROMA__MODE=http): vectơ nằm trên máy chủ đó, hãy sao lưu "
            "máy chủ Chroma bằng công cụ của nó; lệnh này chỉ sao lưu và khôi phục kho Chroma nhúng.",
            detail=f"{chroma.host}:{chroma.port}",
        )


def _require_empty(directory: Path, code: str) -> None:
    check_data_dir(directory, writable=False)
    if directory.exists() and any(directory.iterdir()):
        raise StoreError(code, "Thư mục đích phải trống hoặc chưa tồn tại.", detail=str(directory))


def backup(store: DocumentStore, out_dir: Path, *, lock_timeout: float | None = None) -> BackupInfo:
    """Back the store up into ``out_dir`` (empty or new), holding the writer lock while copying.

    A read-only store (a read-only data dir: nobody can write it) is copied without the lock.
    """
    out_dir = Path(out_dir)
    _require_empty(out_dir, "backup_target_not_empty")
    if out_dir.resolve().is_relative_to(store.data_dir.resolve()):
        raise StoreError(
            "backup_target_inside_store",
            "Không thể sao lưu vào một thư mục nằm trong thư mục dữ liệu.",
            detail=str(out_dir),
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = out_dir.with_name(f".{out_dir.name}.partial-{uuid.uuid4().hex[:8]}")
    try:
        if store.writable:
            with store.writing(lock_timeout):
                state = store.export_to(work)
                _copy_extras(store.data_dir, work)
                generation = store.generation
        else:
            state = store.export_to(work)
            _copy_extras(store.data_dir, work)
            generation = store.generation
        info = BackupInfo(
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            source=str(store.data_dir.resolve()),
            store_id=store.store_id,
            generation=generation,
            documents=state.documents,
            chunks=state.chunks,
            vectors=state.vectors,
            missing_vectors=sum(state.missing.values()),
        )
        (work / BACKUP_INFO).write_text(json.dumps(info.to_json(), ensure_ascii=False, indent=2))
        _move_into_place(work, out_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return info


def read_backup_info(backup_dir: Path) -> BackupInfo:
    """The ``backup.json`` of a backup; ``backup_invalid`` when ``backup_dir`` is not one."""
    backup_dir = Path(backup_dir)
    try:
        raw = json.loads((backup_dir / BACKUP_INFO).read_text())
        version = raw.pop("format")
        if version != BACKUP_FORMAT:
            raise ValueError(f"format {version}")
        info = BackupInfo(**raw)
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise StoreError(
            "backup_invalid",
            "Thư mục này không phải bản sao lưu của Văn Kiện QA (thiếu hoặc hỏng backup.json).",
            detail=f"{backup_dir}: {error}",
        ) from error
    if not (backup_dir / MANIFEST_FILE).is_file() or not (backup_dir / CHROMA_DIR).is_dir():
        raise StoreError(
            "backup_invalid",
            "Bản sao lưu thiếu danh mục văn bản hoặc thư mục chroma.",
            detail=str(backup_dir),
        )
    return info


def restore(backup_dir: Path, data_dir: Path) -> BackupInfo:
    """Copy a backup into ``data_dir``, which must be empty or not exist; the copy appears at once
    (built beside it, then renamed into place)."""
    backup_dir, data_dir = Path(backup_dir), Path(data_dir)
    info = read_backup_info(backup_dir)
    _require_empty(data_dir, "restore_target_not_empty")
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    work = data_dir.with_name(f".{data_dir.name}.restoring-{uuid.uuid4().hex[:8]}")
    try:
        shutil.copytree(backup_dir, work, ignore=shutil.ignore_patterns(BACKUP_INFO))
        _move_into_place(work, data_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return info


def _move_into_place(work: Path, target: Path) -> None:
    if target.exists():
        target.rmdir()  # checked empty before
    os.replace(work, target)


def _copy_extras(data_dir: Path, target: Path) -> None:
    """Everything in the data dir but the store's own parts, caches, the lock and staged uploads."""
    for entry in sorted(data_dir.iterdir()):
        name = entry.name
        if (
            name in _LEFT_OUT
            or name.endswith(_SQLITE_SIDE_FILES)
            or name.startswith(".")
            or name.endswith(".tmp")
        ):
            continue
        if entry.is_dir():
            shutil.copytree(entry, target / name, ignore=shutil.ignore_patterns(_STAGING, "*.tmp"))
        elif name.endswith(".sqlite"):
            _backup_sqlite(entry, target / name)
        elif entry.is_file():
            shutil.copy2(entry, target / name)


def _backup_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup of a database another process may be writing (jobs, say)."""
    try:
        reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        shutil.copy2(source, target)
        return
    copy = sqlite3.connect(target)
    try:
        reader.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")
    finally:
        copy.close()
        reader.close()
