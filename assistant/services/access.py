"""API keys and the two roles, as both the API and the UI check them: reader (ask, search, read
documents) and admin (upload, delete, evaluate).

A key travels as ``Authorization: Bearer <key>`` (what the ``openai`` client sends) or ``X-API-Key``;
the web UI keeps it in an HttpOnly cookie (:data:`SESSION_COOKIE`). With no key configured at all the
service is open to everyone who can reach it, which is why ``vankien serve`` then binds to 127.0.0.1
only. Wrong keys are counted per client address (:class:`FailedAuthLimiter`), so keys cannot be
guessed at network speed. A refused key is an :class:`AccessRefused`, carrying the HTTP status and
headers the API and the UI both answer with.
"""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from assistant.settings import ApiSettings
from ingestion.errors import CodedError

Role = Literal["reader", "admin"]

# The cookie that carries the web UI's key: HttpOnly (page scripts cannot read it), SameSite=Strict
# (other sites' pages cannot make the browser send it).
SESSION_COOKIE = "vankien_key"
FAILED_AUTH_WINDOW_S = 60.0


@dataclass(frozen=True)
class KeyRing:
    reader: tuple[str, ...]
    admin: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: ApiSettings) -> KeyRing:
        return cls(
            reader=tuple(k.get_secret_value() for k in settings.reader_keys if k.get_secret_value()),
            admin=tuple(k.get_secret_value() for k in settings.admin_keys if k.get_secret_value()),
        )

    @property
    def open_access(self) -> bool:
        """No key configured: every request acts as admin (the server listens on localhost only)."""
        return not self.reader and not self.admin

    def role_of(self, key: str) -> Role | None:
        # compare_digest on every key, so that the time taken says nothing about which key nearly matched.
        admin = any(hmac.compare_digest(key.encode(), k.encode()) for k in self.admin)
        reader = any(hmac.compare_digest(key.encode(), k.encode()) for k in self.reader)
        if admin:
            return "admin"
        return "reader" if reader else None


def presented_key(authorization: str | None, x_api_key: str | None) -> str | None:
    """The key of an ``X-API-Key`` or ``Authorization: Bearer`` header value, if any."""
    if x_api_key:
        return x_api_key.strip()
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return None


def client_address(scope: Mapping[str, Any]) -> str:
    """The peer's address of an ASGI scope, which failed keys are counted by (behind a proxy: the proxy's)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class FailedAuthLimiter:
    """At most ``per_minute`` wrong keys per client address in any 60 s; then that address waits.

    In memory and thread-safe (the API's handlers run in a thread pool). Bounded: at most
    ``max_clients`` addresses are remembered (the least recently failing are forgotten first) and at
    most ``per_minute`` failure times per address.
    """

    def __init__(
        self, per_minute: int, *, max_clients: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_minute = per_minute
        self.max_clients = max_clients
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int | None:
        """Whole seconds until ``client`` may present a key again, or None when it may now."""
        with self._lock:
            failures = self._failures.get(client)
            if failures is None or len(failures) < self.per_minute:
                return None
            wait = failures[0] + FAILED_AUTH_WINDOW_S - self._clock()
            if wait <= 0:
                return None
            return max(1, math.ceil(wait))

    def record_failure(self, client: str) -> None:
        with self._lock:
            failures = self._failures.pop(client, None)
            if failures is None:
                failures = deque(maxlen=self.per_minute)
            failures.append(self._clock())
            self._failures[client] = failures  # now the most recent
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)


class AccessRefused(CodedError):
    """A request without the key it needs: ``status`` and ``headers`` are what HTTP answers with."""

    def __init__(
        self, status: int, code: str, message: str, message_en: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(code, message)
        self.status = status
        self.message_en = message_en
        self.headers = headers


def too_many_failures(retry_after: int) -> AccessRefused:
    return AccessRefused(
        429,
        "too_many_failed_auth",
        f"Quá nhiều lần nhập sai khoá API từ địa chỉ này; hãy thử lại sau {retry_after} giây.",
        f"Too many wrong API keys from this address; try again in {retry_after} seconds.",
        headers={"Retry-After": str(retry_after)},
    )


def check_access(
    keys: KeyRing,
    key: str | None,
    needed: Role,
    *,
    limiter: FailedAuthLimiter | None = None,
    client: str = "unknown",
) -> Role:
    """The caller's role, or :class:`AccessRefused`: 401 (no or unknown key) / 403 (a reader key where
    admin is needed) / 429 (``client`` presented too many wrong keys in the last minute: no key is even
    looked at)."""
    if keys.open_access:
        return "admin"
    if key is None:
        raise AccessRefused(
            401,
            "missing_api_key",
            "Cần khoá API: gửi tiêu đề 'Authorization: Bearer <khoá>' hoặc 'X-API-Key: <khoá>'.",
            "An API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if limiter is not None and (wait := limiter.retry_after(client)) is not None:
        raise too_many_failures(wait)
    role = keys.role_of(key)
    if role is None:
        if limiter is not None:
            limiter.record_failure(client)
        raise AccessRefused(
            401,
            "invalid_api_key",
            "Khoá API không hợp lệ.",
            "The API key is not valid.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if needed == "admin" and role != "admin":
        raise AccessRefused(
            403,
            "admin_required",
            "Thao tác này cần khoá API quản trị (admin); khoá đang dùng chỉ có quyền đọc.",
            "This operation needs an admin API key; the key used can only read.",
        )
    return role
