"""Prometheus metrics (request counts and latencies, ask stages, documents and chunks)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from assistant.api.deps import MetricsDep

router = APIRouter(tags=["Trạng thái"])


@router.get("/metrics", summary="Chỉ số Prometheus", response_class=Response)
def metrics(metrics: MetricsDep) -> Response:
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
