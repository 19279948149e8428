"""The writer lock of a data directory: one writer at a time, across processes.

A writer (an ingest, a delete, a repair, a backup) holds the lock from before it announces a version
until after the manifest swap, so whoever holds the lock knows that no other process is half-way
through a write: what looks unfinished is a crash leftover. Readers never take it.

It is an ``flock`` on ``<data_dir>/writer.lock`` (the :mod:`filelock` library): the kernel releases it
when the holder dies, even by SIGKILL, so a crash never leaves the store locked. The holder writes who
it is into the file, so that ``vankien doctor`` can say who is writing.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from vectorstore.errors import StoreError

LOCK_FILE = "writer.lock"
# One document's write under the lock is its Chroma add and manifest swap (embedding happens before):
# seconds, not minutes. Two minutes of waiting means something is wrong, not merely busy.
DEFAULT_LOCK_TIMEOUT = 120.0


@dataclass(frozen=True)
class LockOwner:
    """Who holds (or last held) the writer lock."""

    pid: int
    host: str
    command: str
    since: str  # ISO time the lock was taken

    def describe(self) -> str:
        return f"pid {self.pid} trên {self.host} từ {self.since}: {self.command}"


def _owner_record() -> bytes:
    command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv and sys.argv[0] else "python"
    return json.dumps(
        {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": command[:300],
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        },
        ensure_ascii=False,
    ).encode()


def _write_owner(fd: int) -> None:
    # Best effort: a lock file opened read-only (a read-only data dir) still locks; it just says nothing.
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, _owner_record(), 0)
    except OSError:
        pass


class WriterLock:
    """The inter-process writer lock of ``data_dir``; re-entrant within the process that holds it.

    Threads of one process are serialised by the store's own lock first; this one orders processes.
    """

    def __init__(self, data_dir: Path, *, timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        self.path = Path(data_dir) / LOCK_FILE
        self.timeout = timeout
        # One flock per process and store; re-entrant for nested holds (a repair inside a backup).
        self._lock = FileLock(
            self.path, thread_local=False, preserve_lock_file=True, on_acquired=_write_owner
        )
        self._guard = threading.RLock()

    @contextmanager
    def hold(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the lock, waiting up to ``timeout`` seconds (default: the lock's) for another writer.

        Raises :class:`StoreError` ``store_busy`` when the other writer does not finish in time, and
        ``data_dir_read_only`` when the lock file cannot be created.
        """
        wait = self.timeout if timeout is None else timeout
        with self._guard:
            started = time.monotonic()
            try:
                self._lock.acquire(timeout=wait)
            except Timeout:
                owner = self.owner()
                raise StoreError(
                    "store_busy",
                    f"Kho dữ liệu đang được một tiến trình khác ghi; đã chờ {time.monotonic() - started:.0f} giây. "
                    "Hãy thử lại sau.",
                    detail=owner.describe() if owner else str(self.path),
                ) from None
            except OSError as error:
                raise _unwritable(self.path.parent, error) from error
            try:
                yield
            finally:
                self._lock.release()

    @contextmanager
    def hold_if_free(self) -> Iterator[bool]:
        """Hold the lock if no other writer does, without waiting; yields whether it is held.

        Yields False also when the lock file cannot be opened (a read-only data dir): nobody can write.
        """
        with self._guard:
            if self._try_acquire() != "held":
                yield False
                return
            try:
                yield True
            finally:
                self._lock.release()

    def _try_acquire(self) -> str:
        """One attempt: "held" (now held by us), "busy" (another process holds it) or "unavailable"."""
        try:
            self._lock.acquire(blocking=False)
        except Timeout:
            return "busy"
        except OSError:
            return "unavailable"
        return "held"

    @property
    def held_here(self) -> bool:
        """True while this process holds the lock (through this object)."""
        return self._lock.is_locked

    def owner(self) -> LockOwner | None:
        """The process recorded in the lock file (the current holder while the lock is held), if any."""
        try:
            raw = json.loads(self.path.read_bytes() or b"null")
            if not isinstance(raw, dict):
                return None
            return LockOwner(int(raw["pid"]), str(raw["host"]), str(raw["command"]), str(raw["since"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def holder(self) -> LockOwner | None:
        """Who holds the lock now, if another process does (None when it is free or held by us).

        A holder whose lock file says nothing (it could not write it) is reported with pid 0.
        """
        if self.held_here:
            return None
        with self._guard:
            attempt = self._try_acquire()
            if attempt == "held":
                self._lock.release()
        if attempt != "busy":
            return None
        return self.owner() or LockOwner(0, "?", "?", "?")


def _unwritable(directory: Path, error: OSError) -> StoreError:
    return StoreError(
        "data_dir_read_only",
        "Không ghi được vào thư mục dữ liệu (chỉ đọc hoặc không có quyền ghi); lệnh này cần ghi vào kho.",
        detail=f"{directory}: {error}",
    )
