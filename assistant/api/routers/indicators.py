"""Indicator records: every figure of the documents, filtered and paginated, each with its citation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from assistant.api.deps import ReaderDep, RuntimeDep
from assistant.api.errors import ApiError, ErrorResponse
from assistant.services.indicators import IndicatorPage, indicator_query, list_indicators
from assistant.services.messages import english_message
from ingestion.errors import CodedError

router = APIRouter(prefix="/api", tags=["Chỉ tiêu"])


@router.get(
    "/indicators",
    response_model=IndicatorPage,
    summary="Số liệu (chỉ tiêu, kết quả) trích từ văn bản",
    responses={
        401: {"model": ErrorResponse},
        404: {"model": ErrorResponse, "description": "Không có văn bản này"},
        422: {"model": ErrorResponse},
    },
)
def indicators(
    runtime: RuntimeDep,
    _role: ReaderDep,
    search: Annotated[
        str,
        Query(max_length=200, description="Từ trong tên chỉ tiêu (có dấu hoặc không)", examples=["hộ nghèo"]),
    ] = "",
    locality: Annotated[list[str] | None, Query(description="Địa bàn", examples=["Bắc Tân Uyên"])] = None,
    year: Annotated[
        int | None, Query(ge=1900, le=2200, description="Số liệu của năm này (hoặc kỳ kết thúc năm này)")
    ] = None,
    kind: Annotated[
        list[str] | None,
        Query(
            description="Loại số liệu: result, estimate, target, growth, share_of_plan", examples=["target"]
        ),
    ] = None,
    document: Annotated[list[str] | None, Query(description="Văn bản: mã, tên tệp hoặc số hiệu")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> IndicatorPage:
    """Các bản ghi xếp theo chỉ tiêu (khoá nhóm), kỳ, văn bản; mỗi bản ghi kèm câu nguồn và vị trí."""
    try:
        query = indicator_query(
            runtime.store,
            search=search,
            localities=locality or (),
            year=year,
            kinds=kind or (),
            documents=document or (),
        )
    except CodedError as error:
        status = 404 if error.code == "document_not_found" else 422
        raise ApiError(status, error.code, str(error), english_message(error.code)) from None
    return list_indicators(runtime.store, query, page=page, page_size=page_size)
