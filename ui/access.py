"""Who may do what in the UI: the API's keys and roles, entered once per browser session.

With no key configured (the server then listens on 127.0.0.1 only) every session is admin, as every
API request is. With keys configured, the page asks for one: a reader key opens Hỏi đáp, Tra cứu and
the document list; an admin key also opens upload, delete and Đánh giá. The role lives in the
session's server-side state, and every handler checks it again.
"""

from __future__ import annotations

from assistant.api.security import KeyRing, Role
from assistant.settings import Settings

ROLE_LABELS: dict[Role, str] = {"reader": "đọc", "admin": "quản trị"}


class AccessDenied(Exception):
    """An action the session's role does not allow. ``code`` is stable; ``message`` is Vietnamese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def keys_required(settings: Settings) -> bool:
    return not KeyRing.from_settings(settings.api).open_access


def initial_role(settings: Settings) -> Role | None:
    """The role a new session starts with: admin when the server is open, else none until a key is given."""
    return "admin" if not keys_required(settings) else None


def role_for_key(settings: Settings, key: str) -> Role | None:
    keys = KeyRing.from_settings(settings.api)
    if keys.open_access:
        return "admin"
    return keys.role_of(key.strip()) if key.strip() else None


def require(role: Role | None, needed: Role) -> None:
    """Raise :class:`AccessDenied` unless ``role`` allows what needs ``needed``."""
    if role is None:
        raise AccessDenied("key_required", "Hãy nhập khoá truy cập ở đầu trang trước.")
    if needed == "admin" and role != "admin":
        raise AccessDenied("admin_required", "Thao tác này cần khoá quản trị (admin).")
