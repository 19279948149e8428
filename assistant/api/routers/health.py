"""Liveness and readiness probes (no key needed: they reveal nothing about the documents)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

router = APIRouter(tags=["Trạng thái"])


class Health(BaseModel):
    status: str


@router.get("/healthz", summary="Máy chủ còn chạy", response_model=Health)
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="Sẵn sàng trả lời (kho và mô hình đã mở)",
    response_model=Health,
    responses={503: {"model": Health}},
)
def readyz(request: Request) -> JSONResponse:
    ready = getattr(request.app.state, "ready", False)
    return JSONResponse({"status": "ready" if ready else "starting"}, status_code=200 if ready else 503)
