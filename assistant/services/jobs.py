"""Background jobs (document uploads, evaluation runs) with progress a client can poll, and can cancel.

Jobs of one kind run one at a time, in order: ingestion writes to the store, and two evaluations at
once would only slow each other down on a small machine.

A job stops when asked (:meth:`JobManager.cancel`, or the server shutting down) at its next progress
report: for an ingest that is after the next embedded batch, before anything is written, so the store
stays as it was. A job already past its last report (writing its result) finishes.

With a state file, every change of a job is written to it (SQLite), so a restarted server still
answers for the jobs of the previous one: finished jobs keep their result, and jobs that were queued
or running when it stopped are reported ``interrupted``.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.services.messages import english_message
from ingestion.model import IngestError
from vectorstore.embeddings import EmbeddingError
from vectorstore.store import StoreError

logger = logging.getLogger(__name__)

JobKind = Literal["ingest", "evaluation"]
JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled", "interrupted"]
FINISHED_STATUSES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled", "interrupted"})
ProgressReporter = Callable[[float, str], None]
JobWork = Callable[[ProgressReporter], dict[str, Any]]

# Finished jobs kept for polling; the oldest finished ones are forgotten beyond this.
MAX_KEPT_JOBS = 500
# How long shutdown waits for running jobs to stop before it abandons them (an embedding batch on a
# busy CPU takes a few seconds; the store is left as it was either way).
SHUTDOWN_WAIT_SECONDS = 5.0
JOBS_FILE = "jobs.sqlite"

_KINDS: tuple[JobKind, ...] = ("ingest", "evaluation")
_CANCELLED_MESSAGE = "Tác vụ đã được huỷ theo yêu cầu; kho văn bản giữ nguyên như trước."
_INTERRUPTED_MESSAGE = (
    "Tác vụ bị dừng giữa chừng vì máy chủ dừng hoặc khởi động lại; kho văn bản giữ nguyên. Hãy chạy lại."
)


class JobError(BaseModel):
    code: str
    message: str
    message_en: str


class Job(BaseModel):
    id: str
    kind: JobKind
    status: JobStatus = "queued"
    progress: float = Field(default=0.0, ge=0.0, le=1.0, description="0..1")
    stage: str = Field(default="queued", description="Bước đang làm, ví dụ 'embedding'")
    description: str = ""
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    result: dict[str, Any] | None = None
    error: JobError | None = None


class JobCancelled(BaseException):
    """Raised from a job's progress reporter when the job is to stop.

    A BaseException, like ``asyncio.CancelledError``: the layers a job runs through turn ``Exception``
    into failure reports (the pipeline reports a failed file and goes on), and a stop must not become one.
    """

    def __init__(self, status: Literal["cancelled", "interrupted"]) -> None:
        super().__init__(status)
        self.status = status


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _job_error(error: Exception) -> JobError:
    if isinstance(error, IngestError | StoreError | EmbeddingError):
        return JobError(code=error.code, message=error.message, message_en=english_message(error.code))
    logger.error("job failed", exc_info=error)
    return JobError(
        code="internal_error",
        message="Lỗi nội bộ khi chạy tác vụ; chi tiết đã được ghi vào nhật ký.",
        message_en="Internal error while running the job; the details were logged.",
    )


def _stopped_error(status: Literal["cancelled", "interrupted"]) -> JobError:
    code = f"job_{status}"
    message = _CANCELLED_MESSAGE if status == "cancelled" else _INTERRUPTED_MESSAGE
    return JobError(code=code, message=message, message_en=english_message(code))


class _JobFile:
    """Jobs as JSON rows of a small SQLite database, in the order they were submitted."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=NORMAL")
            self._connection.execute(
                "CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, body TEXT NOT NULL)"
            )
        except sqlite3.Error:
            self._connection.close()
            raise

    def load(self) -> list[Job]:
        rows = self._connection.execute("SELECT body FROM jobs ORDER BY rowid").fetchall()
        jobs = []
        for (body,) in rows:
            try:
                jobs.append(Job.model_validate_json(body))
            except ValueError:
                logger.warning("ignoring an unreadable job row in %s", self.path)
        return jobs

    def save(self, job: Job) -> None:
        self._connection.execute(
            "INSERT INTO jobs (id, body) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body",
            (job.id, job.model_dump_json()),
        )

    def delete(self, job_ids: list[str]) -> None:
        self._connection.executemany("DELETE FROM jobs WHERE id = ?", [(job_id,) for job_id in job_ids])

    def close(self) -> None:
        self._connection.close()


class JobManager:
    """Runs jobs in the background, one kind at a time; keeps them in ``state_file`` when given one."""

    def __init__(self, state_file: Path | None = None) -> None:
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._queues: dict[JobKind, queue.Queue[tuple[str, JobWork] | None]] = {}
        self._workers: dict[JobKind, threading.Thread] = {}
        # Jobs asked to stop, and as what; a running job sees this at its next progress report.
        self._stop_requests: dict[str, Literal["cancelled", "interrupted"]] = {}
        self._closed = False
        self._file: _JobFile | None = None
        if state_file is not None:
            self._open_file(state_file)

    # ------------------------------------------------------------------------------ public

    def submit(self, kind: JobKind, work: JobWork, description: str = "") -> Job:
        """Queue ``work``; it runs after the jobs of its kind submitted before it."""
        job = Job(id=uuid.uuid4().hex, kind=kind, description=description, created_at=_now())
        with self._lock:
            if self._closed:
                raise RuntimeError("the job manager is shut down")
            self._jobs[job.id] = job
            self._persist(job)
            self._forget_old()
            work_queue = self._queue_for(kind)
        work_queue.put((job.id, work))
        return job.model_copy()

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return job.model_copy() if job else None

    def list(self, kind: JobKind | None = None) -> list[Job]:
        with self._lock:
            return [j.model_copy() for j in reversed(self._jobs.values()) if kind is None or j.kind == kind]

    def cancel(self, job_id: str) -> Job | None:
        """Ask a job to stop; returns it as it is now, or None if there is no such job.

        A queued job is cancelled at once. A running one is marked ``cancelling`` and ends ``cancelled``
        at its next progress report. A finished job is returned unchanged.
        """
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if job.status == "queued":
                job = self._set(
                    job_id,
                    status="cancelled",
                    stage="cancelled",
                    finished_at=_now(),
                    error=_stopped_error("cancelled"),
                )
            elif job.status == "running":
                self._stop_requests[job_id] = "cancelled"
                job = self._set(job_id, stage="cancelling")
            return job.model_copy()

    def shutdown(self, timeout: float = SHUTDOWN_WAIT_SECONDS) -> None:
        """Stop: queued jobs and running ones are ``interrupted``; waits at most ``timeout`` seconds.

        A job that does not reach its next progress report in time is abandoned (its thread is a daemon,
        it cannot hold the process); it had not begun writing, or the store's recovery finishes it."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for job in list(self._jobs.values()):
                if job.status == "queued":
                    self._interrupt(job.id)
                elif job.status == "running":
                    self._stop_requests.setdefault(job.id, "interrupted")  # a cancel asked for stays one
            workers = list(self._workers.values())
            for work_queue in self._queues.values():
                work_queue.put(None)
        deadline = time.monotonic() + timeout
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            for job in list(self._jobs.values()):
                if job.status == "running":
                    logger.warning("job %s did not stop within %.0f s; abandoned", job.id, timeout)
                    self._interrupt(job.id)
            if self._file is not None:
                self._file.close()
                self._file = None

    # ------------------------------------------------------------------------------ internals

    def _interrupt(self, job_id: str) -> None:
        """Mark a job that will not run (on) ``interrupted``; the caller holds the lock."""
        self._set(
            job_id,
            status="interrupted",
            stage="interrupted",
            finished_at=_now(),
            error=_stopped_error("interrupted"),
        )

    def _open_file(self, path: Path) -> None:
        try:
            self._file = _JobFile(path)
            stored = self._file.load()
        except sqlite3.Error as error:
            # Not fatal: the server works, only without the jobs of earlier runs.
            logger.warning("jobs are not kept across restarts: cannot use %s (%s)", path, error)
            self._file = None
            return
        for job in stored:
            if job.status in ("queued", "running"):
                job = job.model_copy(
                    update={
                        "status": "interrupted",
                        "stage": "interrupted",
                        "finished_at": _now(),
                        "error": _stopped_error("interrupted"),
                    }
                )
                self._persist(job)
            self._jobs[job.id] = job
        self._forget_old()

    def _queue_for(self, kind: JobKind) -> queue.Queue[tuple[str, JobWork] | None]:
        """The queue of ``kind``, its worker thread started on first use (caller holds the lock)."""
        if kind not in self._queues:
            self._queues[kind] = queue.Queue()
            worker = threading.Thread(
                target=self._work_loop, args=(self._queues[kind],), name=f"vankien-{kind}", daemon=True
            )
            self._workers[kind] = worker
            worker.start()
        return self._queues[kind]

    def _work_loop(self, work_queue: queue.Queue[tuple[str, JobWork] | None]) -> None:
        while (item := work_queue.get()) is not None:
            self._run(*item)

    def _persist(self, job: Job) -> None:
        """Write one job to the state file (caller holds the lock); a failing file is given up, with a log."""
        if self._file is None:
            return
        try:
            self._file.save(job)
        except sqlite3.Error as error:
            logger.warning("jobs are no longer kept across restarts: %s (%s)", self._file.path, error)
            self._file.close()
            self._file = None

    def _set(self, job_id: str, **changes: Any) -> Job:
        """Change a job in memory and in the state file (caller holds the lock)."""
        job = self._jobs[job_id].model_copy(update=changes)
        self._jobs[job_id] = job
        self._persist(job)
        return job

    def _update(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            # After shutdown an abandoned job's late changes are not taken: it was reported interrupted.
            if job_id in self._jobs and not (self._closed and self._jobs[job_id].status in FINISHED_STATUSES):
                self._set(job_id, **changes)

    def _run(self, job_id: str, work: JobWork) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.status != "queued":  # cancelled while it waited
                return
            self._set(job_id, status="running", stage="running", started_at=_now())

        def report(progress: float, stage: str) -> None:
            with self._lock:
                stop = self._stop_requests.get(job_id)
            if stop is not None:
                raise JobCancelled(stop)
            self._update(job_id, progress=min(max(progress, 0.0), 1.0), stage=stage)

        try:
            result = work(report)
        except JobCancelled as stopped:
            self._update(
                job_id,
                status=stopped.status,
                stage=stopped.status,
                finished_at=_now(),
                error=_stopped_error(stopped.status),
            )
        except Exception as error:
            self._update(job_id, status="failed", stage="failed", error=_job_error(error), finished_at=_now())
        else:
            self._update(
                job_id, status="succeeded", stage="done", progress=1.0, result=result, finished_at=_now()
            )
        finally:
            with self._lock:
                self._stop_requests.pop(job_id, None)

    def _forget_old(self) -> None:
        """Drop the oldest finished jobs beyond MAX_KEPT_JOBS (caller holds the lock, or is __init__)."""
        finished = [j.id for j in self._jobs.values() if j.status in FINISHED_STATUSES]
        forgotten = finished[: max(0, len(self._jobs) - MAX_KEPT_JOBS)]
        for job_id in forgotten:
            del self._jobs[job_id]
        if forgotten and self._file is not None:
            try:
                self._file.delete(forgotten)
            except sqlite3.Error as error:
                logger.warning("could not forget old jobs in %s (%s)", self._file.path, error)
