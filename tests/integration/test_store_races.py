"""Crashes and races across processes, as users cause them: the real `vankien` CLI and server on one data dir.

A writer is paused (SIGSTOP) or killed (SIGKILL) inside its dangerous window: after it announced a
version (a row in the manifest's ``pending`` table, written just before its vectors go to Chroma) and
before its manifest swap commits. The test finds that moment by polling the manifest from outside,
so the product needs no hook. Meanwhile other processes list, ask, ingest and start the server.
Afterwards every document a writer reported "added" is there with all its chunks, each with its
vector, and nothing that was there before is lost.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.settings import Settings
from tests.servers import console_script, free_port, running_process
from vectorstore.embeddings import build_embeddings
from vectorstore.store import DocumentStore

pytestmark = pytest.mark.integration

VANKIEN = console_script("vankien")
QUESTION = "Xã 1 đạt chỉ tiêu 3 với giá trị bao nhiêu?"


def write_corpus(folder: Path, name: str, count: int, sections: int = 8) -> Path:
    """``count`` reports, each of ``sections`` sections (a chunk each), distinct in name and content."""
    folder.mkdir(parents=True)
    for k in range(count):
        lines = [
            "ỦY BAN NHÂN DÂN",
            f"XÃ {name.upper()} {k}",
            f"Số: {k + 10}/BC-UBND",
            "BÁO CÁO",
            f"Tình hình kinh tế - xã hội xã {k} năm 2022 ({name})",
            "I. KẾT QUẢ",
        ]
        for j in range(sections):
            lines.append(f"{j + 1}. Lĩnh vực {j + 1} của xã {k}")
            lines.append(
                f"Trong năm, xã {k} đạt chỉ tiêu {j + 1} với giá trị {k * 100 + j} tỷ đồng ({name}), "
                f"tăng {j}% so cùng kỳ; kế hoạch {name} được triển khai đúng tiến độ."
            )
        (folder / f"{name}-{k}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def vankien(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VANKIEN, *args], capture_output=True, text=True, timeout=timeout)


def start_ingest(folder: Path, data_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [VANKIEN, "ingest", str(folder), "--data-dir", str(data_dir), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def reported(writer: subprocess.Popen[str], timeout: float = 300) -> dict[str, str]:
    """Wait for an ingest; its outcome per document id (it must have succeeded)."""
    stdout, stderr = writer.communicate(timeout=timeout)
    assert writer.returncode == 0, stderr
    return {row["id"]: row["status"] for row in json.loads(stdout)}


def pending_doc_ids(db: sqlite3.Connection) -> list[str]:
    try:
        return [row[0] for row in db.execute("SELECT doc_id FROM pending").fetchall()]
    except sqlite3.OperationalError:  # not created yet, or busy for a moment
        return []


def catch_in_window(writer: subprocess.Popen[str], data_dir: Path, sig: signal.Signals) -> str | None:
    """Send ``sig`` to ``writer`` as soon as it has announced a version it has not committed; return the
    document it was writing if it was still uncommitted once the signal took effect, None if the writer
    finished (or committed) first. A SIGSTOPped writer that missed the window is resumed and watched on."""
    manifest = data_dir / "manifest.sqlite"
    db: sqlite3.Connection | None = None
    try:
        while writer.poll() is None:
            if db is None:
                if not manifest.exists():
                    time.sleep(0.005)
                    continue
                db = sqlite3.connect(f"file:{manifest}?mode=ro", uri=True, timeout=0.2)
            seen = pending_doc_ids(db)
            if not seen:
                time.sleep(0.0005)
                continue
            os.kill(writer.pid, sig)
            if sig == signal.SIGKILL:
                writer.wait()
            else:
                time.sleep(0.05)  # let the stop take effect
            still = [doc_id for doc_id in pending_doc_ids(db) if doc_id in seen]
            if still:
                return still[0]
            if sig == signal.SIGKILL:
                return None
            os.kill(writer.pid, signal.SIGCONT)
        return None
    finally:
        if db is not None:
            db.close()


def open_store(data_dir: Path) -> DocumentStore:
    settings = Settings()
    return DocumentStore.open(data_dir, build_embeddings(settings.embedding), settings.chroma, mode="read")


def store_state(data_dir: Path) -> dict[str, dict[str, Any]]:
    """Per document: its version, chunk count (record), chunk rows, and vectors of its current version."""
    with open_store(data_dir) as store:
        vectors = store.vector_ids()
        state = {}
        for record in store.list_documents():
            chunks = store.chunks([record.doc_id])
            versions = {c.version for c in chunks}
            state[record.doc_id] = {
                "content_hash": record.content_hash,
                "versions": versions,
                "chunk_count": record.chunk_count,
                "chunk_rows": len(chunks),
                "vectors": sum(1 for c in chunks if c.id in vectors),
            }
        return state


def assert_complete(state: dict[str, dict[str, Any]], doc_ids: set[str]) -> None:
    """Each of ``doc_ids`` is stored with all its chunks, one version, and a vector for every chunk."""
    for doc_id in doc_ids:
        assert doc_id in state, f"{doc_id} was reported added and is gone"
        entry = state[doc_id]
        assert len(entry["versions"]) == 1, entry
        assert entry["chunk_count"] == entry["chunk_rows"] == entry["vectors"] > 0, (doc_id, entry)


def assert_doctor_clean(data_dir: Path) -> None:
    run = vankien("doctor", "--data-dir", str(data_dir), "--json")
    report = json.loads(run.stdout)
    assert run.returncode == 0 and report["healthy"], report


@contextmanager
def stopped(writer: subprocess.Popen[str]) -> Iterator[None]:
    try:
        yield
    finally:
        if writer.poll() is None:
            os.kill(writer.pid, signal.SIGCONT)


def test_a_writer_paused_in_its_window_while_others_list_ask_ingest_and_serve(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    baseline = vankien("ingest", str(write_corpus(tmp_path / "c0", "nen", 2)), "--data-dir", str(data_dir))
    assert baseline.returncode == 0, baseline.stderr
    before = store_state(data_dir)

    paused_on = None
    for attempt in range(4):
        writer = start_ingest(write_corpus(tmp_path / f"c1-{attempt}", f"mot{attempt}", 4), data_dir)
        paused_on = catch_in_window(writer, data_dir, signal.SIGSTOP)
        if paused_on is not None:
            break
        first_reports = reported(writer)
        assert set(first_reports.values()) == {"added"}
    assert paused_on is not None, "the writer was never caught between its Chroma write and its commit"

    with stopped(writer):
        # Readers neither wait for the paused writer nor touch its write.
        listed = vankien("documents", "--data-dir", str(data_dir), "--json")
        assert listed.returncode == 0, listed.stderr
        assert set(before) <= {row["id"] for row in json.loads(listed.stdout)}
        asked = vankien("ask", QUESTION, "--data-dir", str(data_dir), "--json")
        assert asked.returncode == 0, asked.stderr
        assert json.loads(asked.stdout)["answer"]

        # A second writer opens the store meanwhile (and would have "repaired" the paused write) and
        # then queues for the lock.
        second = start_ingest(write_corpus(tmp_path / "c2", "hai", 2), data_dir)
        # The server starts, opening the store as a writer does, and answers.
        port = free_port()
        log = (tmp_path / "serve.log").open("wb")
        with running_process(
            [VANKIEN, "serve", "--port", str(port), "--data-dir", str(data_dir)],
            f"http://127.0.0.1:{port}/readyz",
            timeout=180,
            output=log,
        ):
            documents = httpx.get(f"http://127.0.0.1:{port}/api/documents", timeout=30)
            assert documents.status_code == 200
            assert set(before) <= {row["id"] for row in documents.json()}
            assert second.poll() is None  # still waiting for the paused writer
            with open_store(data_dir) as store:
                assert paused_on in {p.doc_id for p in store.consistency().pending}
            os.kill(writer.pid, signal.SIGCONT)
            first = reported(writer)
            second_reports = reported(second)
            answer = httpx.post(f"http://127.0.0.1:{port}/api/ask", json={"question": QUESTION}, timeout=120)
            assert answer.status_code == 200, answer.text

    assert set(first.values()) == {"added"} and len(first) == 4
    assert set(second_reports.values()) == {"added"} and len(second_reports) == 2
    state = store_state(data_dir)
    assert paused_on in state
    assert_complete(state, set(first) | set(second_reports) | set(before))
    for doc_id, entry in before.items():
        assert state[doc_id] == entry  # untouched
    assert_doctor_clean(data_dir)


def test_writers_killed_in_their_window_lose_nothing_that_was_reported(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    baseline = vankien("ingest", str(write_corpus(tmp_path / "c0", "nen", 2)), "--data-dir", str(data_dir))
    assert baseline.returncode == 0, baseline.stderr
    before = store_state(data_dir)

    killed_on: list[str] = []
    corpora = []
    for attempt in range(3):
        corpus = write_corpus(tmp_path / f"k-{attempt}", f"ba{attempt}", 3)
        corpora.append(corpus)
        writer = start_ingest(corpus, data_dir)
        caught = catch_in_window(writer, data_dir, signal.SIGKILL)
        if writer.poll() is None:
            writer.kill()
        writer.wait()
        if caught is not None:
            killed_on.append(caught)
        # A reader right after the crash sees the committed documents and repairs nothing.
        listed = vankien("documents", "--data-dir", str(data_dir), "--json")
        assert listed.returncode == 0, listed.stderr
    assert killed_on, "no writer was killed between its Chroma write and its commit"

    # Two writers at once: one ingests what the killed writers were writing, one something new.
    again = start_ingest(corpora[-1], data_dir)
    fresh = start_ingest(write_corpus(tmp_path / "c4", "bon", 2), data_dir)
    again_reports, fresh_reports = reported(again), reported(fresh)
    assert set(fresh_reports.values()) == {"added"}
    assert set(again_reports.values()) <= {"added", "unchanged"}

    state = store_state(data_dir)
    assert_complete(state, set(again_reports) | set(fresh_reports) | set(before))
    for doc_id, entry in before.items():
        assert state[doc_id] == entry
    # Documents the killed writers committed before dying are whole too; the ones they died writing
    # are absent (never reported) unless written again.
    assert_complete(state, set(state))
    assert_doctor_clean(data_dir)


# ------------------------------------------------------------------------------- the data dir itself


def without_write_permission() -> list[str]:
    """A command prefix under which ``chmod a-w`` really stops writes: root ignores file modes
    (CAP_DAC_OVERRIDE), so as root ``setpriv`` drops the capabilities that let it; others need nothing."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot drop the right to ignore file modes")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search,-fowner,-linux_immutable", "--"]


def test_read_commands_work_on_a_read_only_data_dir_and_writers_are_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    ingested = vankien(
        "ingest", str(write_corpus(tmp_path / "c0", "nen", 2)), "--data-dir", str(data_dir), "--json"
    )
    assert ingested.returncode == 0, ingested.stderr
    doc_id = json.loads(ingested.stdout)[0]["id"]
    listing = sorted((str(p.relative_to(data_dir)), p.stat().st_mtime_ns) for p in data_dir.rglob("*"))
    prefix = without_write_permission()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, VANKIEN, *args, "--data-dir", str(data_dir)], capture_output=True, text=True
        )

    subprocess.run(["chmod", "-R", "a-w", str(data_dir)], check=True)
    try:
        probe = subprocess.run([*prefix, "touch", str(data_dir / "probe")], capture_output=True)
        assert probe.returncode != 0, "the data dir is not read-only to the commands"
        documents = run("documents", "--json")
        assert documents.returncode == 0, documents.stderr
        assert len(json.loads(documents.stdout)) == 2
        sections = run("sections", doc_id, "--json")
        assert sections.returncode == 0, sections.stderr
        assert json.loads(sections.stdout)
        asked = run("ask", QUESTION, "--json")
        assert asked.returncode == 0, asked.stderr
        assert json.loads(asked.stdout)["citations"]
        found = run("search", "chỉ tiêu 3", "--json")
        assert found.returncode == 0, found.stderr
        assert json.loads(found.stdout)
        checked = run("doctor", "--json")
        assert checked.returncode == 0, checked.stdout
        assert {f["check"]: f["status"] for f in json.loads(checked.stdout)["findings"]}["data_dir"] == "info"
        for writer in (
            ("ingest", str(tmp_path / "c0")),
            ("delete", doc_id),
            ("serve", "--port", str(free_port())),
        ):
            refused = run(*writer)
            assert refused.returncode == 2, (writer, refused.stdout, refused.stderr)
            assert "[data_dir_read_only]" in refused.stderr and "Traceback" not in refused.stderr, (
                refused.stderr
            )
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(data_dir)], check=True)
    assert (
        sorted((str(p.relative_to(data_dir)), p.stat().st_mtime_ns) for p in data_dir.rglob("*")) == listing
    )


def test_a_data_dir_that_is_a_file_gets_a_coded_error_from_every_command(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "store"
    not_a_dir.write_text("not a folder")
    corpus = write_corpus(tmp_path / "c0", "nen", 1)
    for args in (
        ("documents",),
        ("sections", "x"),
        ("ask", QUESTION),
        ("search", "chỉ tiêu"),
        ("ingest", str(corpus)),
        ("delete", "x"),
        ("serve", "--port", str(free_port())),
        ("backup", str(tmp_path / "b")),
    ):
        for data_dir in (not_a_dir, not_a_dir / "inside"):
            run = vankien(*args, "--data-dir", str(data_dir))
            assert run.returncode == 2, (args, run.stdout, run.stderr)
            assert "[data_dir_invalid]" in run.stderr and "Traceback" not in run.stderr, (args, run.stderr)
    checked = vankien("doctor", "--data-dir", str(not_a_dir), "--json")
    assert checked.returncode == 1 and not json.loads(checked.stdout)["healthy"]
    assert not_a_dir.read_text() == "not a folder"
