"""The store's coded error, shared by the store, its writer lock and its doctor."""

from __future__ import annotations

from ingestion.errors import CodedError


class StoreError(CodedError):
    """The store cannot do what was asked. ``code`` is stable; ``message`` is Vietnamese."""
