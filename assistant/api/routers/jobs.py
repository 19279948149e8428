"""Background jobs: progress and result of an upload or an evaluation run; cancelling one."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import AdminDep, JobsDep, ReaderDep
from assistant.api.errors import ApiError, ErrorResponse, not_found
from assistant.services.jobs import Job

router = APIRouter(prefix="/api/jobs", tags=["Tác vụ"])

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorResponse},
    404: {"model": ErrorResponse},
}


def _job_not_found(job_id: str) -> ApiError:
    return not_found("job_not_found", f"Không có tác vụ '{job_id}'.", f"No job '{job_id}'.")


@router.get("", response_model=list[Job], summary="Các tác vụ gần đây")
def list_jobs(jobs: JobsDep, _role: ReaderDep) -> list[Job]:
    return jobs.list()


@router.get("/{job_id}", response_model=Job, summary="Tiến độ và kết quả một tác vụ", responses=_ERRORS)
def get_job(job_id: str, jobs: JobsDep, _role: ReaderDep) -> Job:
    job = jobs.get(job_id)
    if job is None:
        raise _job_not_found(job_id)
    return job


@router.delete(
    "/{job_id}",
    response_model=Job,
    summary="Huỷ một tác vụ đang chờ hoặc đang chạy",
    responses={**_ERRORS, 403: {"model": ErrorResponse}, 409: {"model": ErrorResponse}},
)
def cancel_job(job_id: str, jobs: JobsDep, _role: AdminDep) -> Job:
    """Tác vụ đang chờ bị huỷ ngay (`cancelled`). Tác vụ đang chạy dừng ở bước tiếp theo (với việc nạp
    văn bản: sau lô nhúng vectơ tiếp theo, trước khi ghi gì vào kho), trong lúc đó `stage` là
    `cancelling`; theo dõi ở `GET /api/jobs/{id}` cho đến khi `status` là `cancelled`. Kho văn bản giữ
    nguyên như trước. Tác vụ đã xong thì không huỷ được (409)."""
    job = jobs.cancel(job_id)
    if job is None:
        raise _job_not_found(job_id)
    if job.status in ("succeeded", "failed", "interrupted"):
        raise ApiError(
            409,
            "job_finished",
            f"Tác vụ đã kết thúc ({job.status}), không huỷ được.",
            f"The job has already finished ({job.status}); it cannot be cancelled.",
        )
    return job
