"""What every response and every browser request goes through: security headers, the same-origin rule,
and the API documentation served from the app itself.

* :class:`SecurityHeadersMiddleware` adds ``nosniff``, a Content-Security-Policy that forbids framing,
  ``X-Frame-Options`` and ``Referrer-Policy`` to every response (API, UI, docs, errors).
* :class:`SameOriginMiddleware` protects what a browser can be tricked into doing. In open mode (no
  key configured: whoever reaches the port is admin) a page on another site must not post to the
  service, and a page whose host name was re-pointed at 127.0.0.1 (DNS rebinding) must not read it.
  With keys, the same cross-site rule protects requests that carry the UI's session cookie.
* :func:`install_local_docs` serves Swagger UI and ReDoc with their files from the ``fastapi-offline``
  package (Swagger UI 5, which renders OpenAPI 3.1), so ``/docs`` works without the internet.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.errors import error_response
from assistant.api.security import is_loopback_host
from assistant.services.access import SESSION_COOKIE

# Gradio's page needs inline scripts and styles (its config and theme are inlined), eval for the
# small functions it compiles, blob:/data: for uploaded previews and downloads. Nothing is loaded
# from another origin, and no other site may frame any page.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "media-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "frame-src 'self' blob: data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Headers only a browser sends on its own: their presence says a web page is behind the request.
_BROWSER_HEADERS = ("origin", "referer", "sec-fetch-site", "sec-fetch-mode")
_DEFAULT_PORTS = {"http": "80", "https": "443"}

DOCS_ASSETS_PATH = "/docs/assets"


class SecurityHeadersMiddleware:
    """Adds :data:`SECURITY_HEADERS` to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in SECURITY_HEADERS if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _split_host(netloc: str, scheme: str = "http") -> tuple[str, str]:
    """(host name, port) of a Host header or a URL's netloc; the scheme's default port when none."""
    netloc = netloc.strip().lower()
    if netloc.startswith("["):  # [::1]:8000
        name, _, rest = netloc[1:].partition("]")
        port = rest.removeprefix(":")
    else:
        name, _, port = netloc.partition(":")
    return name, port or _DEFAULT_PORTS.get(scheme, "")


def _same_origin(url: str, host: str) -> bool:
    """``url`` (an Origin or a Referer) names the host and port the request was sent to."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return False  # "null" (a sandboxed frame, a file: page) or garbage
    return _split_host(parts.netloc, parts.scheme) == _split_host(host, parts.scheme)


def cross_site(headers: Headers) -> bool:
    """A web page on another origin made this request (judged by Origin, else Referer, else Sec-Fetch-Site)."""
    host = headers.get("host", "")
    origin = headers.get("origin")
    if origin is not None:
        return not _same_origin(origin, host)
    referer = headers.get("referer")
    if referer is not None:
        return not _same_origin(referer, host)
    return headers.get("sec-fetch-site") in ("cross-site", "same-site")


class SameOriginMiddleware:
    """403 ``cross_site_request`` / ``host_not_allowed`` for what a web page elsewhere must not do.

    * Open mode, or a request carrying the UI's session cookie: a state-changing request
      (POST/PUT/PATCH/DELETE) from a page on another origin is refused.
    * Open mode: a request a browser made to a host name that is neither a loopback name nor one of
      ``allowed_hosts`` is refused (DNS rebinding). Clients outside a browser choose their own Host
      header, so checking theirs would protect nothing; they are not affected.

    Same-origin browser use (the UI, /docs) and clients without browser headers (curl, the openai
    library) pass.
    """

    def __init__(self, app: ASGIApp, *, open_access: bool, allowed_hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.open_access = open_access
        self.allowed_hosts = frozenset(h.strip("[]").lower() for h in allowed_hosts if h)

    def _host_allowed(self, host: str) -> bool:
        name, _port = _split_host(host)
        return is_loopback_host(name) or name in self.allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        from_browser = any(name in headers for name in _BROWSER_HEADERS)
        if self.open_access and from_browser and not self._host_allowed(headers.get("host", "")):
            response = error_response(
                403,
                "host_not_allowed",
                "Máy chủ chưa cấu hình khoá API chỉ phục vụ trang mở bằng địa chỉ của chính máy này "
                "(localhost, 127.0.0.1).",
                "Without API keys the server only serves pages opened at this machine's own address "
                "(localhost, 127.0.0.1).",
            )
            await response(scope, receive, send)
            return
        guarded = self.open_access or SESSION_COOKIE in headers.get("cookie", "")
        if guarded and scope["method"] not in _SAFE_METHODS and cross_site(headers):
            response = error_response(
                403,
                "cross_site_request",
                "Yêu cầu thay đổi dữ liệu đến từ một trang web khác; máy chủ từ chối.",
                "A state-changing request came from another web site; refused.",
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def install_local_docs(app: FastAPI, title: str) -> None:
    """``/docs`` (Swagger UI) and ``/redoc`` with their scripts and styles served by the app itself.

    The app must be created with ``docs_url=None, redoc_url=None``; call this before mounting the UI.
    """
    assets = resources.files("fastapi_offline") / "static"
    app.mount(DOCS_ASSETS_PATH, StaticFiles(directory=str(assets)), name="docs-assets")
    oauth2_redirect = "/docs/oauth2-redirect"

    def root(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        base = root(request)
        return get_swagger_ui_html(
            openapi_url=f"{base}{app.openapi_url}",
            title=f"{title} — API",
            swagger_js_url=f"{base}{DOCS_ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{base}{DOCS_ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{base}{DOCS_ASSETS_PATH}/favicon.png",
            oauth2_redirect_url=f"{base}{oauth2_redirect}",
        )

    @app.get(oauth2_redirect, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        base = root(request)
        return get_redoc_html(
            openapi_url=f"{base}{app.openapi_url}",
            title=f"{title} — API",
            redoc_js_url=f"{base}{DOCS_ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{base}{DOCS_ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )
