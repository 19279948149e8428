"""A real ``vankien serve`` stopped with SIGTERM in the middle of a long upload: it exits within seconds,
the store is as it was, and the restarted server reports the upload's job as interrupted."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api_support import build_store, write_corpus
from tests.servers import free_port, running_process

pytestmark = pytest.mark.integration

# SIGTERM to exit: the running job stops at its next embedding batch (the job manager waits up to 5 s for
# that), then the store closes without waiting for an embedding call in progress (the default batch).
MAX_EXIT_SECONDS = 10.0


def long_report(articles: int = 150) -> str:
    """A report of one chunk-sized article after another: minutes of embedding on a small CPU."""
    body = []
    for n in range(1, articles + 1):
        sentences = " ".join(
            f"Nội dung {n}.{k}: xã triển khai kế hoạch số {n * 7 + k}/KH-UBND về phát triển kinh tế, "
            f"giảm nghèo bền vững và xây dựng nông thôn mới ở thôn Đông Hòa {k}."
            for k in range(1, 9)
        )
        body.append(f"Điều {n}. Nhiệm vụ thứ {n}\n{sentences}")
    return "ỦY BAN NHÂN DÂN\nXÃ AN BÌNH\n\nBÁO CÁO\nKết quả thực hiện nhiệm vụ\n\n" + "\n".join(body) + "\n"


def _documents(data_dir: Path) -> Any:
    listed = subprocess.run(
        [sys.executable, "-m", "assistant", "documents", "--data-dir", str(data_dir), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    return json.loads(listed.stdout)


def _search(url: str, query: str) -> list[str]:
    page = httpx.get(f"{url}/api/search", params={"q": query, "page_size": 50}, timeout=60).json()
    return [hit["file_name"] for hit in page["results"]]


def test_sigterm_during_a_long_ingest_exits_within_seconds_and_leaves_the_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = build_store(write_corpus(tmp_path / "corpus"), tmp_path / "store")
    before = _documents(data_dir)
    monkeypatch.setenv("VANKIEN_API__UI", "false")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "assistant", "serve", "--port", str(port), "--data-dir", str(data_dir)]
    log_path = tmp_path / "server.log"

    with (
        log_path.open("wb") as log,
        running_process(command, f"{url}/readyz", timeout=180, output=log) as server,
    ):
        upload = httpx.post(
            f"{url}/api/documents",
            files={"file": ("bao-cao-dai.txt", long_report().encode())},
            timeout=60,
        )
        assert upload.status_code == 202, upload.text
        job_id = upload.json()["id"]
        deadline = time.monotonic() + 180
        while (job := httpx.get(f"{url}/api/jobs/{job_id}", timeout=30).json())["stage"] != "embedding":
            assert job["status"] in ("queued", "running"), job
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
        assert job["progress"] < 0.5, job  # far from done: minutes of embedding are left

        server.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        server.wait(timeout=60)
        exit_seconds = time.monotonic() - sent

    output = log_path.read_text(encoding="utf-8", errors="replace")
    assert exit_seconds < MAX_EXIT_SECONDS, f"exited {exit_seconds:.1f} s after SIGTERM\n{output}"
    # uvicorn shuts down gracefully, then re-raises the signal it caught: "terminated by SIGTERM".
    assert server.returncode in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output, output
    assert "Traceback" not in output, output
    assert _documents(data_dir) == before

    # The next server answers for the job of the previous one, and searches find nothing of the upload.
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command[command.index("--port") + 1] = str(port)
    with running_process(command, f"{url}/readyz", timeout=180):
        job = httpx.get(f"{url}/api/jobs/{job_id}", timeout=30).json()
        assert job["status"] == "interrupted", job
        assert job["error"]["code"] == "job_interrupted" and "máy chủ" in job["error"]["message"]
        assert "bao-cao-dai.txt" not in _search(url, "kế hoạch giảm nghèo bền vững thôn Đông Hòa")
        assert [d["id"] for d in httpx.get(f"{url}/api/documents", timeout=30).json()] == [
            d["id"] for d in before
        ]
