"""`vankien backup` and `vankien restore`, as an operator runs them: while the server serves and an ingest
writes, with the real CLI and server on real data dirs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.integration.test_store_races import (
    QUESTION,
    VANKIEN,
    assert_complete,
    assert_doctor_clean,
    catch_in_window,
    reported,
    start_ingest,
    store_state,
    vankien,
    write_corpus,
)
from tests.servers import free_port, running_process

pytestmark = pytest.mark.integration


def coded_failure(run: subprocess.CompletedProcess[str]) -> str:
    """The stable code a failed command printed ("Lỗi [code] message"), exit code 2."""
    assert run.returncode == 2, (run.returncode, run.stdout, run.stderr)
    assert "Traceback" not in run.stderr
    return run.stderr.split("[", 1)[1].split("]", 1)[0]


def test_a_backup_taken_while_serving_and_ingesting_restores_to_a_consistent_store(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    baseline = vankien("ingest", str(write_corpus(tmp_path / "c0", "nen", 2)), "--data-dir", str(data_dir))
    assert baseline.returncode == 0, baseline.stderr
    before = store_state(data_dir)
    uploads = data_dir / "uploads"
    (uploads / ".incoming" / "0123").mkdir(parents=True)
    (uploads / ".incoming" / "0123" / "dang-nap.txt").write_text("đang nạp")
    (uploads / "da-tai-len.txt").write_text("Văn bản đã tải lên", encoding="utf-8")

    port = free_port()
    with running_process(
        [VANKIEN, "serve", "--port", str(port), "--data-dir", str(data_dir)],
        f"http://127.0.0.1:{port}/readyz",
        timeout=180,
        output=(tmp_path / "serve.log").open("wb"),
    ):
        writer = start_ingest(write_corpus(tmp_path / "c1", "mot", 4), data_dir)
        # Start the backup while the writer is inside a write: it must wait for that write to end.
        caught = catch_in_window(writer, data_dir, signal.SIGSTOP)
        assert caught is not None, "the writer was never caught inside a write"
        backup_dir = tmp_path / "backup"
        backup = subprocess.Popen(
            [VANKIEN, "backup", str(backup_dir), "--data-dir", str(data_dir), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        asked = httpx.post(f"http://127.0.0.1:{port}/api/ask", json={"question": QUESTION}, timeout=120)
        assert asked.status_code == 200, asked.text  # the server serves all along
        assert backup.poll() is None  # the backup waits for the write to end
        os.kill(writer.pid, signal.SIGCONT)
        stdout, stderr = backup.communicate(timeout=300)
        assert backup.returncode == 0, stderr
        info = json.loads(stdout)
        written = reported(writer)
    assert set(written.values()) == {"added"}
    final = store_state(data_dir)

    assert info["vectors"] == info["chunks"] and info["missing_vectors"] == 0
    # The server's job history comes along (through SQLite's backup too); the lock and caches do not.
    assert sorted(p.name for p in backup_dir.iterdir()) == [
        "backup.json",
        "chroma",
        "jobs.sqlite",
        "manifest.sqlite",
        "uploads",
    ]
    assert sorted(p.name for p in (backup_dir / "uploads").iterdir()) == [
        "da-tai-len.txt"
    ]  # no staged uploads

    restored_dir = tmp_path / "restored"
    restored = vankien("restore", str(backup_dir), "--data-dir", str(restored_dir), "--json")
    assert restored.returncode == 0, restored.stderr
    assert json.loads(restored.stdout)["doctor"]["healthy"]
    state = store_state(restored_dir)
    assert len(state) == info["documents"]
    assert set(before) <= set(state) <= set(final)
    assert_complete(state, set(state))
    for doc_id, entry in state.items():
        assert {k: v for k, v in entry.items() if k != "versions"} == {
            k: v for k, v in final[doc_id].items() if k != "versions"
        }
    assert (restored_dir / "uploads" / "da-tai-len.txt").read_text(encoding="utf-8") == "Văn bản đã tải lên"
    assert_doctor_clean(restored_dir)
    answer = vankien("ask", QUESTION, "--data-dir", str(restored_dir), "--json")
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["citations"]

    # The restored store is a store like any other: it takes new documents.
    more = vankien("ingest", str(write_corpus(tmp_path / "c2", "hai", 1)), "--data-dir", str(restored_dir))
    assert more.returncode == 0, more.stderr
    assert_doctor_clean(restored_dir)


def test_backup_and_restore_refuse_what_they_cannot_do_safely(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    assert (
        vankien(
            "ingest", str(write_corpus(tmp_path / "c0", "nen", 1)), "--data-dir", str(data_dir)
        ).returncode
        == 0
    )
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "something").write_text("x")

    assert (
        coded_failure(vankien("backup", str(occupied), "--data-dir", str(data_dir)))
        == "backup_target_not_empty"
    )
    assert coded_failure(vankien("backup", str(data_dir / "inside"), "--data-dir", str(data_dir))) == (
        "backup_target_inside_store"
    )
    server_mode = {**os.environ, "VANKIEN_CHROMA__MODE": "http"}
    in_http_mode = subprocess.run(
        [VANKIEN, "backup", str(tmp_path / "b"), "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env=server_mode,
        timeout=120,
    )
    assert coded_failure(in_http_mode) == "backup_chroma_server"
    assert "máy chủ Chroma" in in_http_mode.stderr

    backup_dir = tmp_path / "backup"
    assert vankien("backup", str(backup_dir), "--data-dir", str(data_dir)).returncode == 0
    assert coded_failure(vankien("restore", str(backup_dir), "--data-dir", str(occupied))) == (
        "restore_target_not_empty"
    )
    assert (
        coded_failure(vankien("restore", str(data_dir), "--data-dir", str(tmp_path / "new")))
        == "backup_invalid"
    )
    assert not (tmp_path / "new").exists()
    assert (occupied / "something").read_text() == "x"
    # An empty directory is a fine target.
    (tmp_path / "empty").mkdir()
    assert vankien("restore", str(backup_dir), "--data-dir", str(tmp_path / "empty")).returncode == 0
    assert_doctor_clean(tmp_path / "empty")
