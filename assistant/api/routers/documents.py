"""Documents: list, metadata and section tree, section text, upload (a background job), delete."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile, status
from pydantic import BaseModel

from assistant.api.deps import AdminDep, JobsDep, ReaderDep, RuntimeDep, SettingsDep
from assistant.api.errors import ApiError, ErrorResponse, not_found
from assistant.api.limits import size_text
from assistant.runtime import Runtime
from assistant.services.documents import (
    DocumentDetail,
    DocumentSummary,
    SectionText,
    delete_document,
    document_detail,
    document_summary,
    ingest_staged,
    section_text,
    stage_upload,
)
from assistant.services.jobs import Job
from ingestion.model import DocumentRecord

router = APIRouter(prefix="/api/documents", tags=["Văn bản"])

_READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Thiếu hoặc sai khoá API"},
    404: {"model": ErrorResponse, "description": "Không có văn bản hoặc mục này"},
}
_ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    **_READ_ERRORS,
    403: {"model": ErrorResponse, "description": "Cần khoá quản trị"},
}


class DeletedDocument(BaseModel):
    deleted: DocumentSummary


def _record(runtime: Runtime, doc_id: str) -> DocumentRecord:
    record = runtime.store.get(doc_id)
    if record is None:
        raise not_found(
            "document_not_found",
            f"Không tìm thấy văn bản '{doc_id}' trong kho.",
            f"No document '{doc_id}' in the store.",
        )
    return record


@router.get("", response_model=list[DocumentSummary], summary="Danh sách văn bản", responses=_READ_ERRORS)
def list_documents(runtime: RuntimeDep, _role: ReaderDep) -> list[DocumentSummary]:
    return [document_summary(r) for r in runtime.store.list_documents()]


@router.get(
    "/{doc_id}",
    response_model=DocumentDetail,
    summary="Thông tin và cây mục của văn bản",
    responses=_READ_ERRORS,
)
def get_document(doc_id: str, runtime: RuntimeDep, _role: ReaderDep) -> DocumentDetail:
    return document_detail(_record(runtime, doc_id))


@router.get(
    "/{doc_id}/sections/{section_id}",
    response_model=SectionText,
    summary="Toàn văn một mục (để mở từ trích dẫn)",
    responses=_READ_ERRORS,
)
def get_section(doc_id: str, section_id: str, runtime: RuntimeDep, _role: ReaderDep) -> SectionText:
    section = section_text(_record(runtime, doc_id), section_id)
    if section is None:
        raise not_found(
            "section_not_found",
            f"Văn bản '{doc_id}' không có mục '{section_id}'.",
            f"Document '{doc_id}' has no section '{section_id}'.",
        )
    return section


async def _read_capped(upload: UploadFile, limit: int) -> bytes:
    data = await upload.read(limit + 1)
    if len(data) > limit:
        size = size_text(limit)
        raise ApiError(
            413,
            "upload_too_large",
            f"Tệp quá lớn (tối đa {size}).",
            f"The file is too large (at most {size}).",
        )
    return data


@router.post(
    "",
    response_model=Job,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Nạp một văn bản (chạy nền; theo dõi ở /api/jobs/{id})",
    responses={
        **_ADMIN_ERRORS,
        413: {"model": ErrorResponse, "description": "Tệp quá lớn"},
        415: {"model": ErrorResponse, "description": "Nội dung không phải .txt/.md/.docx/.pdf"},
    },
)
async def upload_document(
    request: Request,
    runtime: RuntimeDep,
    settings: SettingsDep,
    jobs: JobsDep,
    _role: AdminDep,
    file: Annotated[
        UploadFile, File(description="Tệp .txt, .md, .docx hoặc .pdf (kiểu xác định theo nội dung)")
    ],
) -> Job:
    """Tệp được kiểm tra theo nội dung, lưu vào `uploads/` với tên đã làm sạch, rồi nạp ở chế độ nền.
    Tệp cùng tên với một văn bản đã có thay thế văn bản đó."""
    data = await _read_capped(file, settings.api.max_upload_bytes)
    data_dir: Path = request.app.state.data_dir
    staged = stage_upload(data_dir, file.filename or "van-ban", data)
    return jobs.submit(
        "ingest",
        lambda report: ingest_staged(runtime.pipeline, staged, report),
        description=staged.name,
    )


@router.delete(
    "/{doc_id}", response_model=DeletedDocument, summary="Xoá một văn bản khỏi kho", responses=_ADMIN_ERRORS
)
def remove_document(doc_id: str, request: Request, runtime: RuntimeDep, _role: AdminDep) -> DeletedDocument:
    record = delete_document(runtime.store, request.app.state.data_dir, doc_id)
    if record is None:
        raise not_found(
            "document_not_found",
            f"Không tìm thấy văn bản '{doc_id}' trong kho.",
            f"No document '{doc_id}' in the store.",
        )
    return DeletedDocument(deleted=document_summary(record))
