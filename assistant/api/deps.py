"""Typed dependencies: the runtime and job manager on ``app.state``, the caller's role, settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from assistant.api.metrics import ApiMetrics
from assistant.api.security import authorize
from assistant.runtime import Runtime
from assistant.services.access import FailedAuthLimiter, KeyRing, Role, client_address, presented_key
from assistant.services.jobs import JobManager
from assistant.settings import Settings

# auto_error=False: a missing key is reported by authorize() with the API's own error body.
_bearer = HTTPBearer(auto_error=False, description="Khoá API: Authorization: Bearer <khoá>")
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="Khoá API")


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_jobs(request: Request) -> JobManager:
    jobs: JobManager = request.app.state.jobs
    return jobs


def get_metrics(request: Request) -> ApiMetrics:
    metrics: ApiMetrics = request.app.state.metrics
    return metrics


def _presented(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key_header)],
) -> str | None:
    return presented_key(f"Bearer {bearer.credentials}" if bearer else None, api_key)


def _authorize(request: Request, key: str | None, needed: Role) -> Role:
    keys: KeyRing = request.app.state.keys
    limiter: FailedAuthLimiter = request.app.state.auth_limiter
    return authorize(keys, key, needed, limiter=limiter, client=client_address(request.scope))


def require_reader(request: Request, key: Annotated[str | None, Depends(_presented)]) -> Role:
    return _authorize(request, key, "reader")


def require_admin(request: Request, key: Annotated[str | None, Depends(_presented)]) -> Role:
    return _authorize(request, key, "admin")


SettingsDep = Annotated[Settings, Depends(get_settings)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
JobsDep = Annotated[JobManager, Depends(get_jobs)]
MetricsDep = Annotated[ApiMetrics, Depends(get_metrics)]
ReaderDep = Annotated[Role, Depends(require_reader)]
AdminDep = Annotated[Role, Depends(require_admin)]
