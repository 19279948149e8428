"""The open runtime as its callers hold it: the UI's handlers look it up when they run.

The runtime is assembled by :mod:`assistant.runtime` (the CLI per command, the app's lifespan once);
the UI, which imports only services, names its type and its getter here.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.runtime import Runtime

# The app's lifespan opens the runtime after the UI is mounted, so handlers ask for it when they run.
RuntimeGetter = Callable[[], Runtime]

__all__ = ["Runtime", "RuntimeGetter"]
