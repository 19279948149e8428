"""Who may do what in the UI: the API's keys and roles, checked on every request that reaches the UI.

With no key configured (the server then listens on 127.0.0.1 only) every request is admin, as every
API request is. With keys configured:

* the browser presents its key once, on the key page (:mod:`ui.login`); ``POST /session`` checks it
  and keeps it in an HttpOnly, SameSite=Strict cookie;
* :class:`UiAccessGate`, in front of everything Gradio serves (the page, ``/gradio_api/*`` events,
  uploads, files), lets through only requests with a valid key (that cookie, or the API's
  ``Authorization``/``X-API-Key`` headers), with the check the API makes
  (:func:`~assistant.services.access.check_access`), failed-key limit included. Without one, the page is the key page and everything else is 401;
  uploads need an admin key;
* each event handler derives the role from its own request again (:func:`role_of_request`), so that
  admin actions never trust what the page says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.services.access import (
    SESSION_COOKIE,
    AccessRefused,
    FailedAuthLimiter,
    KeyRing,
    Role,
    check_access,
    client_address,
    presented_key,
)
from assistant.settings import Settings

ROLE_LABELS: dict[Role, str] = {"reader": "đọc", "admin": "quản trị"}
# Gradio paths that store a file sent by the browser: only admin actions take files.
ADMIN_UPLOAD_PATHS = frozenset({"/gradio_api/upload", "/gradio_api/process_recording"})
PAGE_PATHS = frozenset({"", "/"})
SESSION_PATH = "/session"
LOGOUT_PATH = "/session/logout"


class AccessDenied(Exception):
    """An action the session's role does not allow. ``code`` is stable; ``message`` is Vietnamese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def keys_required(settings: Settings) -> bool:
    return not KeyRing.from_settings(settings.api).open_access


def key_of_request(headers: Mapping[str, str], cookies: Mapping[str, str]) -> str | None:
    """The key a request presents: the API's headers first, else the UI's session cookie."""
    key = presented_key(headers.get("authorization"), headers.get("x-api-key"))
    if key:
        return key
    cookie = (cookies.get(SESSION_COOKIE) or "").strip()
    return cookie or None


def role_of_request(keys: KeyRing, headers: Mapping[str, str], cookies: Mapping[str, str]) -> Role | None:
    """The role of the key the request presents (admin in open mode), None without a valid key."""
    if keys.open_access:
        return "admin"
    key = key_of_request(headers, cookies)
    return keys.role_of(key) if key else None


def require(role: Role | None, needed: Role) -> None:
    """Raise :class:`AccessDenied` unless ``role`` allows what needs ``needed``."""
    if role is None:
        raise AccessDenied("key_required", "Hãy nhập khoá truy cập ở đầu trang trước.")
    if needed == "admin" and role != "admin":
        raise AccessDenied("admin_required", "Thao tác này cần khoá quản trị (admin).")


def _route_path(scope: Scope) -> str:
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _base_url(scope: Scope) -> str:
    """Where the page is, relative to the host (a proxy's root path included)."""
    root: str = scope.get("root_path", "")
    return root.rstrip("/") + "/"


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def key_page(
    scope: Scope, status: int = 200, message: str = "", error: AccessRefused | None = None
) -> Response:
    """The key page (:mod:`ui.login`), with ``message`` under the form."""
    from ui.login import key_page_html

    headers = error.headers if error else None
    response = HTMLResponse(key_page_html(_base_url(scope), message), status_code=status, headers=headers)
    if error is not None and error.code == "invalid_api_key":
        # A key that was valid once (then removed from the configuration) does not stay in the browser.
        response.delete_cookie(SESSION_COOKIE, path=_base_url(scope))
    return _no_store(response)


def _message_for(error: AccessRefused) -> str:
    if error.code == "invalid_api_key":
        return "Khoá không đúng."
    return error.message


def _error_body(error: AccessRefused) -> Response:
    """The refusal as the API reports errors: ``{"error": {"code", "message", "message_en"}}``."""
    body = {"error": {"code": error.code, "message": error.message, "message_en": error.message_en}}
    return JSONResponse(body, status_code=error.status, headers=error.headers)


class UiAccessGate:
    """In front of the mounted Gradio app: with keys configured, nothing Gradio serves is reachable
    without a valid key (see the module docstring). In open mode it lets everything through."""

    def __init__(self, app: ASGIApp, keys: KeyRing, limiter: FailedAuthLimiter) -> None:
        self.app = app
        self.keys = keys
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.keys.open_access:
            await self.app(scope, receive, send)
            return
        path = _route_path(scope)
        needed: Role = "admin" if path.rstrip("/") in ADMIN_UPLOAD_PATHS else "reader"
        request = Request(scope)
        key = key_of_request(request.headers, request.cookies)
        try:
            check_access(self.keys, key, needed, limiter=self.limiter, client=client_address(scope))
        except AccessRefused as error:
            page = scope["method"] in ("GET", "HEAD") and path in PAGE_PATHS
            if page:
                message = "" if error.code == "missing_api_key" else _message_for(error)
                status = 200 if error.code == "missing_api_key" else error.status
                response = key_page(scope, status, message, error)
            else:
                response = _error_body(error)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def install_session_routes(app: Any, keys: KeyRing, limiter: FailedAuthLimiter) -> None:
    """``POST /session`` (form field ``key``: checked, then kept in the cookie) and ``POST /session/logout``.

    Register them before the UI is mounted (the UI's catch-all would shadow them).
    """

    async def open_session(request: Request) -> Response:
        form = await request.form()
        typed = form.get("key")
        key = typed.strip() if isinstance(typed, str) and typed.strip() else None
        if keys.open_access:
            return _no_store(RedirectResponse(_base_url(request.scope), status_code=303))
        try:
            check_access(keys, key, "reader", limiter=limiter, client=client_address(request.scope))
        except AccessRefused as error:
            message = "Hãy nhập khoá truy cập." if error.code == "missing_api_key" else _message_for(error)
            status = 400 if error.code == "missing_api_key" else error.status
            return key_page(request.scope, status, message, error)
        response = RedirectResponse(_base_url(request.scope), status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            key or "",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path=_base_url(request.scope),
        )
        return _no_store(response)

    async def close_session(request: Request) -> Response:
        response = RedirectResponse(_base_url(request.scope), status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=_base_url(request.scope))
        return _no_store(response)

    app.add_route(SESSION_PATH, open_session, methods=["POST"], include_in_schema=False)
    app.add_route(LOGOUT_PATH, close_session, methods=["POST"], include_in_schema=False)
