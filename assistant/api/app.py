"""The FastAPI app: factory, lifespan (the runtime opened once, kept on ``app.state``), middleware, routers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from starlette.routing import Route
from starlette.types import Scope

from assistant.api.errors import ApiError, install_error_handlers
from assistant.api.hardening import SameOriginMiddleware, SecurityHeadersMiddleware, install_local_docs
from assistant.api.limits import BodyLimit, BodyLimitMiddleware
from assistant.api.metrics import ApiMetrics, MetricsMiddleware
from assistant.services.access import FailedAuthLimiter, KeyRing
from assistant.settings import Settings

logger = logging.getLogger(__name__)

# Multipart framing around an uploaded file (boundaries, part headers, other form fields).
_MULTIPART_OVERHEAD = 64 * 1024
# Paths that take an uploaded file; the UI (mounted outside /api and /v1) does its own uploads too.
_UPLOAD_PATHS = ("/api/documents", "/api/evals")

DESCRIPTION = """
Hỏi đáp văn kiện hành chính tiếng Việt, kèm trích dẫn đến từng mục của văn bản.

* **Hỏi đáp**: `POST /api/ask`, `POST /api/ask/stream` (Server-Sent Events).
* **Tra cứu**: `GET /api/search`.
* **Văn bản**: `GET/POST/DELETE /api/documents`, tiến độ nạp ở `GET /api/jobs/{id}`.
* **Tương thích OpenAI**: `POST /v1/chat/completions`, `GET /v1/models`.
* **Đánh giá** (quản trị): `POST /api/evals`.

Khoá API gửi bằng `Authorization: Bearer <khoá>` hoặc `X-API-Key: <khoá>`. Mọi lỗi trả về
`{"error": {"code", "message", "message_en"}}`.
"""


def _body_limit(settings: Settings) -> Callable[[Scope], BodyLimit]:
    api = settings.api
    upload = BodyLimit(api.max_upload_bytes + _MULTIPART_OVERHEAD, upload_bytes=api.max_upload_bytes)

    def limit_for(scope: Scope) -> BodyLimit:
        path: str = scope.get("path", "")
        if scope.get("method") == "POST" and path.rstrip("/") in _UPLOAD_PATHS:
            return upload
        if path.startswith(("/api/", "/v1/")):
            return BodyLimit(api.max_body_bytes)
        return upload

    return limit_for


def _answer_unknown_api_paths(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """Unknown paths under /api and /v1 get the API's error body, not the page of the UI mounted at /."""
    api_routes = [r for router in routers for r in router.routes if isinstance(r, Route)]

    async def unknown(request: Request) -> None:
        path = request.url.path
        if any(route.path_regex.match(path) for route in api_routes):
            raise ApiError(
                405,
                "method_not_allowed",
                "Phương thức không được hỗ trợ ở đường dẫn này.",
                "Method not allowed here.",
            )
        raise ApiError(404, "not_found", "Không có đường dẫn này.", "No such path.")

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    for prefix in ("/api", "/v1"):
        app.add_api_route(f"{prefix}/{{rest:path}}", unknown, methods=methods, include_in_schema=False)


OPENAPI_TAGS: list[dict[str, str]] = [
    {"name": "Hỏi đáp", "description": "Câu trả lời kèm trích dẫn đã kiểm chứng."},
    {"name": "Tra cứu", "description": "Tìm các mục văn bản liên quan."},
    {"name": "Văn bản", "description": "Danh sách, cây mục, nạp và xoá văn bản."},
    {"name": "Tác vụ", "description": "Tiến độ các tác vụ chạy nền (nạp văn bản, đánh giá)."},
    {
        "name": "Tương thích OpenAI",
        "description": "Dùng được với thư viện openai và các giao diện chat.",
    },
    {"name": "Đánh giá", "description": "Chạy bộ câu hỏi kiểm thử (chỉ quản trị)."},
    {"name": "Trạng thái", "description": "Kiểm tra sống, sẵn sàng, chỉ số."},
]


def _lifespan(settings: Settings, store_dir: Path) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Open the runtime and the job manager when the app starts, keep them on ``app.state``, close at the end."""
    from assistant.maintenance import discard_stale_uploads
    from assistant.runtime import open_runtime
    from assistant.services.jobs import JOBS_FILE, JobManager

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with open_runtime(settings, store_dir) as runtime:
            # Warm up what the first question would otherwise pay for: the models and the lexical index.
            runtime.embeddings.embed_query("khởi động")
            runtime.retriever.catalog()
            runtime.answering.build_model()
            # Jobs of earlier runs are read back from the data dir; unfinished ones are reported interrupted.
            jobs = JobManager(store_dir / JOBS_FILE)
            # Uploads staged by a server that died mid-ingest (older than any running job's) go.
            discard_stale_uploads(store_dir)
            app.state.runtime = runtime
            app.state.jobs = jobs
            app.state.ready = True
            try:
                yield
            finally:
                app.state.ready = False
                jobs.shutdown()
                app.state.runtime = None

    return lifespan


def _install_middleware(app: FastAPI, settings: Settings, metrics: ApiMetrics) -> None:
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, limit_for=_body_limit(settings))
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(
        SameOriginMiddleware, open_access=app.state.keys.open_access, allowed_hosts=[settings.api.host]
    )
    # Outermost: the refusals of the middlewares above carry the headers too.
    app.add_middleware(SecurityHeadersMiddleware)


def _include_routers(app: FastAPI) -> None:
    from assistant.api.routers import ask, documents, evals, health, indicators, jobs, openai_compat, search
    from assistant.api.routers import metrics as metrics_router

    routers = (
        ask.router,
        search.router,
        documents.router,
        indicators.router,
        jobs.router,
        openai_compat.router,
        evals.router,
        health.router,
        metrics_router.router,
    )
    for router in routers:
        app.include_router(router)
    _answer_unknown_api_paths(app, routers)


def create_app(settings: Settings | None = None, data_dir: Path | None = None) -> FastAPI:
    """The app over the store in ``data_dir`` (default: ``settings.data_dir``); opened when the app starts."""
    from assistant.settings import get_settings

    settings = settings or get_settings()
    store_dir = data_dir or settings.data_dir
    app = FastAPI(
        title="Văn Kiện QA",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=_lifespan(settings, store_dir),
        # Served by install_local_docs with local files (the defaults fetch Swagger UI from a CDN).
        docs_url=None,
        redoc_url=None,
        openapi_tags=OPENAPI_TAGS,
    )
    app.state.settings = settings
    app.state.data_dir = store_dir
    app.state.keys = KeyRing.from_settings(settings.api)
    app.state.auth_limiter = FailedAuthLimiter(settings.api.max_failed_auth_per_minute)
    app.state.runtime = None
    app.state.ready = False
    app.state.metrics = ApiMetrics(lambda: app.state.runtime)

    _install_middleware(app, settings, app.state.metrics)
    _include_routers(app)
    install_local_docs(app, "Văn Kiện QA")
    if settings.api.ui:
        # Last: the UI mounted at / must not shadow the API's routes.
        from ui.mount import mount_ui

        mount_ui(app, settings)
    return app
