"""The API's side of keys and roles: :func:`authorize` turns the access service's refusals
(:mod:`assistant.services.access`, shared with the UI) into the API's errors; the start-up checks of
keys sent over plain HTTP.
"""

from __future__ import annotations

import ipaddress

from assistant.api.errors import ApiError
from assistant.services.access import AccessRefused, FailedAuthLimiter, KeyRing, Role, check_access
from ingestion.errors import CodedError


def authorize(
    keys: KeyRing, key: str | None, needed: Role, *, limiter: FailedAuthLimiter, client: str
) -> Role:
    """The caller's role, or the :class:`ApiError` of :func:`~assistant.services.access.check_access`'s
    refusal (401, 403 or 429, with its headers)."""
    try:
        return check_access(keys, key, needed, limiter=limiter, client=client)
    except AccessRefused as refused:
        raise ApiError(
            refused.status, refused.code, refused.message, refused.message_en, refused.headers
        ) from refused


def is_loopback_host(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1 (brackets allowed): addresses only this machine can reach."""
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class PlainHttpWithKeysError(CodedError):
    """Keys configured, plain HTTP on an address other machines reach, and the settings say refuse."""

    def __init__(self, host: str) -> None:
        super().__init__(
            "plain_http_with_keys",
            f"Không khởi động: khoá API sẽ đi qua HTTP không mã hoá trên địa chỉ {host}, ai nghe lén "
            "mạng cũng đọc được. Hãy đặt máy chủ sau một proxy TLS (HTTPS) và cho máy chủ lắng nghe "
            "127.0.0.1, hoặc đặt VANKIEN_API__PLAIN_HTTP_WITH_KEYS=warn nếu chấp nhận rủi ro.",
        )


def plain_http_warning(host: str) -> str:
    """The start-up warning when keys will travel over plain HTTP to ``host``."""
    return (
        f"Khoá API sẽ đi qua HTTP không mã hoá trên địa chỉ {host}: ai nghe lén mạng cũng đọc được. "
        "Hãy đặt máy chủ sau một proxy TLS (HTTPS) và cho máy chủ lắng nghe 127.0.0.1 "
        "(VANKIEN_API__PLAIN_HTTP_WITH_KEYS=refuse để không khởi động trong trường hợp này)."
    )
