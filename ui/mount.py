"""Mount the Gradio UI on the FastAPI app at ``/``, behind the same keys and roles as the API."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from assistant.settings import Settings

UI_PATH = "/"
# The page is in Vietnamese: screen readers, spell checkers and hyphenation read ``lang`` (Gradio sets "en").
PAGE_LANGUAGE_JS = "() => { document.documentElement.lang = 'vi'; }"


def mount_ui(app: FastAPI, settings: Settings) -> None:
    """Mount the UI at ``/``. Handlers use ``app.state.runtime``, which the app's lifespan opens.

    Call it last in the app factory: the UI's catch-all route must come after the API's routes.
    ``settings`` (the app's) caps the size of uploaded files. Every request to the UI goes through
    :class:`~ui.access.UiAccessGate` with the app's key ring and failed-key limiter
    (``app.state.keys``, ``app.state.auth_limiter``).
    """
    import gradio as gr
    from starlette.routing import Mount

    from assistant.services.access import FailedAuthLimiter, KeyRing
    from ui.access import UiAccessGate, install_session_routes
    from ui.blocks import build_blocks

    keys: KeyRing = app.state.keys
    limiter: FailedAuthLimiter = app.state.auth_limiter
    install_session_routes(app, keys, limiter)

    css = resources.files("ui").joinpath("style.css").read_text(encoding="utf-8")
    gr.mount_gradio_app(
        app,
        # Read on every event: the lifespan opens the runtime after mounting and closes it at shutdown.
        build_blocks(lambda: app.state.runtime),
        path=UI_PATH,
        css=css,
        max_file_size=settings.api.max_upload_bytes,
        # No footer: Gradio's own settings panel is in English and has nothing an official needs.
        footer_links=[],
        show_error=True,
        js=PAGE_LANGUAGE_JS,
    )
    mount = app.router.routes[-1]
    assert isinstance(mount, Mount), "mount_gradio_app did not add a Mount last"
    mount.app = UiAccessGate(mount.app, keys, limiter)
