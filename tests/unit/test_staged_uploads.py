"""Uploads staged by a server that died mid-ingest are removed when the server starts again."""

from __future__ import annotations

import os
import time
from pathlib import Path

from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.maintenance import STALE_UPLOAD_SECONDS
from assistant.services.documents import _INCOMING_DIR, UPLOADS_DIR
from tests.api_support import api_settings

pytest_plugins = ["tests.api_support"]  # the store fixtures


def _staged(data_dir: Path, name: str, age_seconds: float) -> Path:
    folder = data_dir / UPLOADS_DIR / _INCOMING_DIR / name
    folder.mkdir(parents=True)
    upload = folder / "bao-cao.txt"
    upload.write_text("Báo cáo", encoding="utf-8")
    then = time.time() - age_seconds
    for path in (upload, folder):
        os.utime(path, (then, then))
    return folder


def test_the_server_start_removes_stale_staged_uploads_and_keeps_fresh_ones(store_copy: Path) -> None:
    stale = _staged(store_copy, "dead-server", STALE_UPLOAD_SECONDS + 60)
    fresh = _staged(store_copy, "running-job", 5)
    with TestClient(create_app(api_settings(store_copy))) as client:
        assert client.get("/readyz").status_code == 200
    assert not stale.exists()
    assert fresh.exists()
