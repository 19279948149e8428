"""Background jobs: progress and result of an upload or an evaluation run."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import JobsDep, ReaderDep
from assistant.api.errors import ErrorResponse, not_found
from assistant.services.jobs import Job

router = APIRouter(prefix="/api/jobs", tags=["Tác vụ"])


@router.get("", response_model=list[Job], summary="Các tác vụ gần đây")
def list_jobs(jobs: JobsDep, _role: ReaderDep) -> list[Job]:
    return jobs.list()


@router.get(
    "/{job_id}",
    response_model=Job,
    summary="Tiến độ và kết quả một tác vụ",
    responses={404: {"model": ErrorResponse}, 401: {"model": ErrorResponse}},
)
def get_job(job_id: str, jobs: JobsDep, _role: ReaderDep) -> Job:
    job = jobs.get(job_id)
    if job is None:
        raise not_found("job_not_found", f"Không có tác vụ '{job_id}'.", f"No job '{job_id}'.")
    return job
