"""JSON logs (VANKIEN_LOG_FORMAT=json): the formatter, and a real ``vankien serve`` whose every line parses."""

from __future__ import annotations

import json
import logging
import os
import subprocess
from pathlib import Path

import httpx
import pytest

from assistant.logs import JsonFormatter
from tests.servers import console_script, free_port, wait_until_up


def test_a_record_becomes_one_json_object_with_its_extra_fields_and_traceback() -> None:
    try:
        raise ValueError("hỏng")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "vankien.test", logging.ERROR, __file__, 1, "nạp %s", ("a.txt",), sys.exc_info()
        )
    record.doc_id = "bao-cao-1"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "error" and entry["logger"] == "vankien.test"
    assert entry["message"] == "nạp a.txt"
    assert entry["doc_id"] == "bao-cao-1"
    assert "ValueError: hỏng" in entry["exception"]
    assert "args" not in entry and "msg" not in entry


@pytest.mark.integration
def test_the_server_logs_json_lines_access_log_included(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VANKIEN_")}
    env.update(
        {
            "VANKIEN_DATA_DIR": str(tmp_path / "store"),
            "VANKIEN_LOG_FORMAT": "json",
            "VANKIEN_API__UI": "false",
        }
    )
    process = subprocess.Popen(
        [console_script("vankien"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_up(
            f"http://127.0.0.1:{port}/healthz", lambda: process.poll() is None, 120, "vankien serve"
        )
        assert httpx.get(f"http://127.0.0.1:{port}/api/khong-co", timeout=10).status_code == 404
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    lines = [line for line in stderr.splitlines() if line.startswith("{")]
    entries = [json.loads(line) for line in lines]
    assert entries, stderr
    assert any(e["logger"] == "uvicorn.access" and "/api/khong-co" in e["message"] for e in entries), stderr
    assert any(e["logger"] == "uvicorn.error" for e in entries)
    # Every log line is JSON (the start-up banner goes to stdout).
    assert not [line for line in stderr.splitlines() if line.strip() and not line.startswith("{")], stderr
