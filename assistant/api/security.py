"""API keys and the two roles: reader (ask, search, read documents) and admin (upload, delete, evaluate).

A key travels as ``Authorization: Bearer <key>`` (what the ``openai`` client sends) or ``X-API-Key``.
With no key configured at all the service is open to everyone who can reach it, which is why
``vankien serve`` then binds to 127.0.0.1 only.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Literal

from assistant.api.errors import ApiError
from assistant.settings import ApiSettings

Role = Literal["reader", "admin"]


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
    if x_api_key:
        return x_api_key.strip()
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return None


def authorize(keys: KeyRing, key: str | None, needed: Role) -> Role:
    """The caller's role, or 401 (no or unknown key) / 403 (a reader key where admin is needed)."""
    if keys.open_access:
        return "admin"
    if key is None:
        raise ApiError(
            401,
            "missing_api_key",
            "Cần khoá API: gửi tiêu đề 'Authorization: Bearer <khoá>' hoặc 'X-API-Key: <khoá>'.",
            "An API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    role = keys.role_of(key)
    if role is None:
        raise ApiError(
            401,
            "invalid_api_key",
            "Khoá API không hợp lệ.",
            "The API key is not valid.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if needed == "admin" and role != "admin":
        raise ApiError(
            403,
            "admin_required",
            "Thao tác này cần khoá API quản trị (admin); khoá đang dùng chỉ có quyền đọc.",
            "This operation needs an admin API key; the key used can only read.",
        )
    return role
