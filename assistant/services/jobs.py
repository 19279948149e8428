"""Background jobs (document uploads, evaluation runs) with progress a client can poll.

Jobs of one kind run one at a time, in order: ingestion writes to the store, and two evaluations at
once would only slow each other down on a small machine.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.services.messages import english_message
from ingestion.model import IngestError
from vectorstore.embeddings import EmbeddingError
from vectorstore.store import StoreError

logger = logging.getLogger(__name__)

JobKind = Literal["ingest", "evaluation"]
JobStatus = Literal["queued", "running", "succeeded", "failed"]
ProgressReporter = Callable[[float, str], None]
JobWork = Callable[[ProgressReporter], dict[str, Any]]

# Finished jobs kept for polling; the oldest finished ones are forgotten beyond this.
MAX_KEPT_JOBS = 500


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


class JobManager:
    def __init__(self) -> None:
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._executors = {
            kind: ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"vankien-{kind}")
            for kind in ("ingest", "evaluation")
        }

    def submit(self, kind: JobKind, work: JobWork, description: str = "") -> Job:
        job = Job(id=uuid.uuid4().hex, kind=kind, description=description, created_at=_now())
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
        self._executors[kind].submit(self._run, job.id, work)
        return job.model_copy()

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return job.model_copy() if job else None

    def list(self, kind: JobKind | None = None) -> list[Job]:
        with self._lock:
            return [j.model_copy() for j in reversed(self._jobs.values()) if kind is None or j.kind == kind]

    def shutdown(self) -> None:
        for executor in self._executors.values():
            executor.shutdown(wait=True, cancel_futures=True)

    def _update(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            job = self._jobs[job_id]
            self._jobs[job_id] = job.model_copy(update=changes)

    def _run(self, job_id: str, work: JobWork) -> None:
        self._update(job_id, status="running", stage="running", started_at=_now())

        def report(progress: float, stage: str) -> None:
            self._update(job_id, progress=min(max(progress, 0.0), 1.0), stage=stage)

        try:
            result = work(report)
        except Exception as error:
            self._update(job_id, status="failed", stage="failed", error=_job_error(error), finished_at=_now())
            return
        self._update(
            job_id, status="succeeded", stage="done", progress=1.0, result=result, finished_at=_now()
        )

    def _forget_old(self) -> None:
        finished = [j.id for j in self._jobs.values() if j.status in ("succeeded", "failed")]
        for job_id in finished[: max(0, len(self._jobs) - MAX_KEPT_JOBS)]:
            del self._jobs[job_id]
