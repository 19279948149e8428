"""Section search: ranked passages with the query's words marked, paginated."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from assistant.api.deps import ReaderDep, RuntimeDep, SettingsDep
from assistant.api.errors import ErrorResponse
from assistant.questions import check_query
from assistant.services.search import SearchPage, search_sections
from vectorstore.retriever import RetrievalFilters

router = APIRouter(prefix="/api", tags=["Tra cứu"])


@router.get(
    "/search",
    response_model=SearchPage,
    summary="Tìm các mục văn bản liên quan",
    responses={401: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
def search(
    runtime: RuntimeDep,
    settings: SettingsDep,
    _role: ReaderDep,
    q: Annotated[str, Query(description="Từ khoá hoặc câu hỏi", examples=["thu ngân sách"])],
    document: Annotated[list[str] | None, Query(description="Chỉ tìm trong văn bản này (mã)")] = None,
    issuer: Annotated[str | None, Query(description="Cơ quan ban hành", examples=["Huyện ủy"])] = None,
    doc_type: Annotated[list[str] | None, Query(description="Loại văn bản", examples=["Báo cáo"])] = None,
    locality: Annotated[list[str] | None, Query(description="Địa bàn", examples=["Bắc Tân Uyên"])] = None,
    year_from: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    year_to: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    page: Annotated[int, Query(ge=1, le=100)] = 1,
    page_size: Annotated[int, Query(ge=1, le=50)] = 10,
) -> SearchPage:
    """Các mục xếp theo mức độ phù hợp; `highlights` là vị trí các từ của truy vấn trong `text`."""
    q = check_query(q, settings)
    filters = RetrievalFilters(
        doc_ids=tuple(document or ()),
        issuer=issuer,
        doc_types=tuple(doc_type or ()),
        localities=tuple(locality or ()),
        year_from=year_from,
        year_to=year_to,
    )
    return search_sections(runtime.retriever, q, filters, page, page_size)
