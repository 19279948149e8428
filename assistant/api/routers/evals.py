"""Evaluation (admin only): run a test set over the store as a background job; read runs and reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile, status
from fastapi.responses import FileResponse
from pydantic import BaseModel

from assistant.api.deps import AdminDep, JobsDep, RuntimeDep, SettingsDep
from assistant.api.errors import ApiError, ErrorResponse, not_found
from assistant.services.documents import sanitize_file_name
from assistant.services.evaluation import (
    REPORT_HTML,
    SUMMARY_JSON,
    TESTSET_SUFFIXES,
    EvaluationError,
    RunResult,
    available_testsets,
    configured_documents_dir,
    execute_evaluation,
    new_run_dir,
    prepare_evaluation,
    run_dir,
    runs_dir,
)
from assistant.services.jobs import Job

router = APIRouter(prefix="/api/evals", tags=["Đánh giá"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Thiếu hoặc sai khoá API"},
    403: {"model": ErrorResponse, "description": "Cần khoá quản trị"},
}


class RunSummary(BaseModel):
    id: str
    testset: str
    started_at: str | None
    items: int
    metrics: dict[str, Any]


def _run_not_found(run_id: str) -> ApiError:
    return not_found("run_not_found", f"Không có lần đánh giá '{run_id}'.", f"No evaluation run '{run_id}'.")


def _invalid_testset(message: str, message_en: str) -> ApiError:
    return ApiError(422, "invalid_testset", message, message_en)


@router.get("/testsets", response_model=list[str], summary="Các bộ câu hỏi có sẵn", responses=_ERRORS)
def list_testsets(settings: SettingsDep, _role: AdminDep) -> list[str]:
    return available_testsets(settings.api.testsets_dir)


@router.post(
    "",
    response_model=Job,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Chạy một bộ câu hỏi (chạy nền; theo dõi ở /api/jobs/{id})",
    responses={**_ERRORS, 422: {"model": ErrorResponse, "description": "Bộ câu hỏi không hợp lệ"}},
)
async def start_run(
    request: Request,
    runtime: RuntimeDep,
    settings: SettingsDep,
    jobs: JobsDep,
    _role: AdminDep,
    testset_name: Annotated[str | None, Form(description="Tên một bộ có sẵn", examples=["dev.jsonl"])] = None,
    testset: Annotated[UploadFile | None, File(description="Hoặc tải lên một bộ (.jsonl, .csv)")] = None,
) -> Job:
    """Chọn một bộ có sẵn (`testset_name`) hoặc tải lên (`testset`). Khi tác vụ xong,
    `result.run_id` là mã lần chạy: kết quả ở `GET /api/evals/{run_id}`, báo cáo ở `.../report`."""
    out_dir = new_run_dir(request.app.state.data_dir)
    if testset is not None:
        path = await _save_upload(testset, out_dir, settings.api.max_upload_bytes)
    elif testset_name:
        if testset_name not in available_testsets(settings.api.testsets_dir):
            raise not_found(
                "testset_not_found",
                f"Không có bộ câu hỏi '{testset_name}'.",
                f"No test set named '{testset_name}'.",
            )
        path = settings.api.testsets_dir / testset_name
    else:
        raise _invalid_testset(
            "Cần chọn bộ câu hỏi (testset_name) hoặc tải lên một bộ (testset).",
            "Choose a test set (testset_name) or upload one (testset).",
        )
    try:
        prepared = prepare_evaluation(
            path, out_dir, source="api", documents_dir=configured_documents_dir(settings.api)
        )
    except EvaluationError as error:
        raise _invalid_testset(error.message, error.message_en) from None
    job = jobs.submit(
        "evaluation",
        lambda report: _job_result(execute_evaluation(prepared, runtime, on_progress=report)),
        description=path.name,
    )
    return job


async def _save_upload(upload: UploadFile, out_dir: Path, max_bytes: int) -> Path:
    """An uploaded test set, kept in its run's folder under its own (sanitised) name."""
    suffix = Path(upload.filename or "").suffix.lower()
    if suffix not in TESTSET_SUFFIXES:
        raise _invalid_testset(
            "Bộ câu hỏi phải là tệp .jsonl hoặc .csv.", "A test set must be a .jsonl or .csv file."
        )
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ApiError(413, "upload_too_large", "Tệp quá lớn.", "The file is too large.")
    out_dir.mkdir(parents=True)
    path = out_dir / f"{sanitize_file_name(upload.filename or 'testset')}{suffix}"
    path.write_bytes(data)
    return path


def _job_result(result: RunResult) -> dict[str, Any]:
    return {"run_id": result.run_id, "metrics": result.summary["metrics"]}


def _load_summary(folder: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((folder / SUMMARY_JSON).read_text(encoding="utf-8"))
    return loaded


@router.get("", response_model=list[RunSummary], summary="Các lần đánh giá đã chạy", responses=_ERRORS)
def list_runs(request: Request, _role: AdminDep) -> list[RunSummary]:
    folder = runs_dir(request.app.state.data_dir)
    runs = []
    for run in sorted(folder.glob(f"*/{SUMMARY_JSON}")) if folder.is_dir() else []:
        summary = _load_summary(run.parent)
        runs.append(
            RunSummary(
                id=run.parent.name,
                testset=summary["testset"]["file"],
                started_at=summary.get("started_at"),
                items=summary["testset"]["items"],
                metrics=summary.get("metrics", {}),
            )
        )
    runs.sort(key=lambda r: r.started_at or "", reverse=True)
    return runs


@router.get("/{run_id}", summary="Kết quả một lần đánh giá (summary.json)", responses=_ERRORS)
def get_run(run_id: str, request: Request, _role: AdminDep) -> dict[str, Any]:
    folder = run_dir(request.app.state.data_dir, run_id)
    if folder is None or not (folder / SUMMARY_JSON).is_file():
        raise _run_not_found(run_id)
    return _load_summary(folder)


@router.get(
    "/{run_id}/report",
    summary="Báo cáo HTML của một lần đánh giá",
    response_class=FileResponse,
    responses=_ERRORS,
)
def get_report(run_id: str, request: Request, _role: AdminDep) -> FileResponse:
    folder = run_dir(request.app.state.data_dir, run_id)
    if folder is None or not (folder / REPORT_HTML).is_file():
        raise _run_not_found(run_id)
    return FileResponse(folder / REPORT_HTML, media_type="text/html", filename=f"vankien-eval-{run_id}.html")
