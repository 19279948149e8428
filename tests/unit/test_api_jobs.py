"""The background job manager: progress, results, failures with codes, order within a kind, cancelling,
jobs kept in a state file across restarts (unfinished ones reported interrupted), shutdown."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.services import jobs as jobs_module
from assistant.services.jobs import FINISHED_STATUSES, JOBS_FILE, Job, JobManager, ProgressReporter
from ingestion.model import IngestError
from tests.api_support import ADMIN_KEY, READER_KEY, api_settings, assert_error, bearer
from vectorstore.settings import EmbeddingSettings

pytest_plugins = ["tests.api_support"]  # the store fixtures


@pytest.fixture
def jobs() -> Iterator[JobManager]:
    manager = JobManager()
    yield manager
    manager.shutdown()


def wait(jobs: JobManager, job_id: str) -> Job:
    deadline = time.monotonic() + 10
    while True:
        job = jobs.get(job_id)
        assert job is not None
        if job.status in ("succeeded", "failed"):
            return job
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_progress_is_visible_while_running(jobs: JobManager) -> None:
    halfway = threading.Event()
    release = threading.Event()

    def work(report: ProgressReporter) -> dict[str, object]:
        report(0.5, "embedding")
        halfway.set()
        release.wait(5)
        return {"answer": 42}

    job = jobs.submit("ingest", work, description="a.txt")
    assert halfway.wait(5)
    running = jobs.get(job.id)
    assert running is not None
    assert (running.status, running.progress, running.stage) == ("running", 0.5, "embedding")
    release.set()
    done = wait(jobs, job.id)
    assert (done.status, done.progress, done.result) == ("succeeded", 1.0, {"answer": 42})
    assert done.finished_at is not None


def test_a_domain_error_keeps_its_code(jobs: JobManager) -> None:
    def work(report: ProgressReporter) -> dict[str, object]:
        raise IngestError("scanned_pdf", "Tệp PDF là bản quét.")

    done = wait(jobs, jobs.submit("ingest", work).id)
    assert done.status == "failed"
    assert done.error is not None
    assert (done.error.code, done.error.message) == ("scanned_pdf", "Tệp PDF là bản quét.")
    assert done.error.message_en


def test_an_unexpected_error_says_nothing_of_its_detail(jobs: JobManager) -> None:
    def work(report: ProgressReporter) -> dict[str, object]:
        raise RuntimeError("secret detail")

    done = wait(jobs, jobs.submit("evaluation", work).id)
    assert done.error is not None and done.error.code == "internal_error"
    assert "secret" not in done.model_dump_json()


def test_jobs_of_one_kind_run_in_order(jobs: JobManager) -> None:
    order: list[int] = []

    def work(n: int) -> object:
        def run(report: ProgressReporter) -> dict[str, object]:
            time.sleep(0.01)
            order.append(n)
            return {}

        return run

    submitted = [jobs.submit("ingest", work(n)) for n in range(5)]  # type: ignore[arg-type]
    for job in submitted:
        wait(jobs, job.id)
    assert order == [0, 1, 2, 3, 4]
    assert [j.id for j in jobs.list("ingest")] == [j.id for j in reversed(submitted)]


def _run_until_cancelled(started: threading.Event, reports: list[float]) -> Callable[[ProgressReporter], Any]:
    """Work that reports progress until it is stopped (as an ingest does after each embedded batch)."""

    def work(report: ProgressReporter) -> dict[str, object]:
        started.set()
        for step in range(10_000):
            try:
                report(step / 10_000, "embedding")
            except Exception:  # the layers a job runs through turn errors into reports; a stop is not one
                raise AssertionError("a stop must not be an Exception") from None
            reports.append(step)
            time.sleep(0.005)
        return {"finished": True}

    return work


def wait_finished(jobs: JobManager, job_id: str) -> Job:
    deadline = time.monotonic() + 10
    while True:
        job = jobs.get(job_id)
        assert job is not None
        if job.status in FINISHED_STATUSES:
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.01)


def test_a_running_job_stops_at_its_next_report_when_cancelled(jobs: JobManager) -> None:
    started = threading.Event()
    reports: list[float] = []
    job = jobs.submit("ingest", _run_until_cancelled(started, reports))
    assert started.wait(5)
    asked = jobs.cancel(job.id)
    assert asked is not None and asked.status in ("running", "cancelled")
    done = wait_finished(jobs, job.id)
    assert done.status == "cancelled" and done.result is None
    assert done.error is not None and done.error.code == "job_cancelled" and done.error.message_en
    assert len(reports) < 10_000
    count = len(reports)
    time.sleep(0.05)
    assert len(reports) == count  # it really stopped


def test_a_queued_job_is_cancelled_before_it_runs(jobs: JobManager) -> None:
    release = threading.Event()
    ran: list[str] = []

    def blocker(report: ProgressReporter) -> dict[str, object]:
        release.wait(5)
        return {}

    def never(report: ProgressReporter) -> dict[str, object]:
        ran.append("never")
        return {}

    first = jobs.submit("ingest", blocker)
    second = jobs.submit("ingest", never)
    cancelled = jobs.cancel(second.id)
    assert cancelled is not None and cancelled.status == "cancelled"
    release.set()
    assert wait_finished(jobs, first.id).status == "succeeded"
    third = jobs.submit("ingest", lambda report: {"after": True})
    assert wait_finished(jobs, third.id).status == "succeeded"  # the queue went on past the cancelled one
    assert ran == []
    assert jobs.get(second.id).status == "cancelled"  # type: ignore[union-attr]


def test_cancelling_a_finished_or_unknown_job_changes_nothing(jobs: JobManager) -> None:
    job = jobs.submit("evaluation", lambda report: {"done": 1})
    finished = wait_finished(jobs, job.id)
    again = jobs.cancel(job.id)
    assert again is not None and again.model_dump() == finished.model_dump()
    assert jobs.cancel("no-such-job") is None


def test_jobs_are_kept_and_unfinished_ones_are_interrupted_after_a_crash(tmp_path: Path) -> None:
    state = tmp_path / "jobs.sqlite"
    first = JobManager(state)
    release = threading.Event()
    running = threading.Event()

    def blocker(report: ProgressReporter) -> dict[str, object]:
        report(0.4, "embedding")
        running.set()
        release.wait(10)
        return {}

    try:
        done = first.submit("ingest", lambda report: {"document": "a"}, description="a.txt")
        assert wait_finished(first, done.id).status == "succeeded"
        busy = first.submit("ingest", blocker, description="b.txt")
        waiting = first.submit("ingest", lambda report: {}, description="c.txt")
        assert running.wait(5)
        # The process dies here (no shutdown): a new manager reads what the first one wrote.
        second = JobManager(state)
        restored = {job.id: job for job in second.list()}
        assert restored[done.id].status == "succeeded"
        assert restored[done.id].result == {"document": "a"}
        assert restored[done.id].description == "a.txt"
        for job_id in (busy.id, waiting.id):
            job = restored[job_id]
            assert job.status == "interrupted" and job.finished_at is not None
            assert job.error is not None and job.error.code == "job_interrupted"
            assert "máy chủ" in job.error.message and job.error.message_en
        assert restored[busy.id].progress == 0.4
        assert [job.id for job in second.list()] == [waiting.id, busy.id, done.id]  # newest first
        second.shutdown()
    finally:
        release.set()
        first.shutdown()


def test_shutdown_interrupts_running_and_queued_jobs_and_does_not_wait_for_a_stuck_one(
    tmp_path: Path,
) -> None:
    state = tmp_path / "jobs.sqlite"
    manager = JobManager(state)
    started = threading.Event()
    stuck = threading.Event()
    reports: list[float] = []
    stopping = manager.submit("ingest", _run_until_cancelled(started, reports))
    queued = manager.submit("ingest", lambda report: {})

    def never_reports(report: ProgressReporter) -> dict[str, object]:
        stuck.wait(60)
        return {}

    hanging = manager.submit("evaluation", never_reports)
    assert started.wait(5)
    manager.shutdown(timeout=0.5)
    try:
        for job in (stopping, queued, hanging):
            shown = manager.get(job.id)
            assert shown is not None and shown.status == "interrupted", shown
        after = {job.id: job.status for job in JobManager(state).list()}
        assert after == {stopping.id: "interrupted", queued.id: "interrupted", hanging.id: "interrupted"}
        with pytest.raises(RuntimeError):
            manager.submit("ingest", lambda report: {})
    finally:
        stuck.set()
    # The stuck job's late result is not taken: it was reported interrupted.
    time.sleep(0.05)
    assert manager.get(hanging.id).status == "interrupted"  # type: ignore[union-attr]


def _numbered(n: int, report: ProgressReporter) -> dict[str, object]:
    return {"n": n}


def test_finished_jobs_beyond_the_bound_are_forgotten_in_the_file_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs_module, "MAX_KEPT_JOBS", 3)
    state = tmp_path / "jobs.sqlite"
    manager = JobManager(state)
    submitted = []
    for n in range(5):
        job = manager.submit("ingest", partial(_numbered, n))
        wait_finished(manager, job.id)
        submitted.append(job.id)
    manager.shutdown()
    kept = [job.id for job in JobManager(state).list()]
    assert kept == list(reversed(submitted[-3:]))


def test_an_unusable_state_file_leaves_jobs_in_memory(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-dir"
    folder.write_text("a file where the data dir should be")
    manager = JobManager(folder / "jobs.sqlite")
    job = manager.submit("ingest", lambda report: {"ok": True})
    assert wait_finished(manager, job.id).status == "succeeded"
    manager.shutdown()


# ------------------------------------------------------------------------------------ over the API


def long_report(sections: int = 40) -> str:
    """A report long enough to take many embedding batches: one chunk-sized article per section."""
    articles = []
    for n in range(1, sections + 1):
        body = " ".join(
            f"Nội dung thứ {n}.{k}: xã đã triển khai kế hoạch số {n * 7 + k}/KH-UBND về phát triển "
            f"kinh tế, giảm nghèo bền vững và xây dựng nông thôn mới tại ấp {k}."
            for k in range(1, 9)
        )
        articles.append(f"Điều {n}. Nhiệm vụ thứ {n}\n{body}")
    return (
        "ỦY BAN NHÂN DÂN\nXÃ AN BÌNH\n\nBÁO CÁO\nKết quả thực hiện nhiệm vụ\n\n" + "\n".join(articles) + "\n"
    )


@pytest.fixture
def slow_writer(store_copy: Path) -> Iterator[TestClient]:
    """An app whose embeddings go two chunks at a time, so that an upload stays running for a while."""
    settings = api_settings(store_copy, keys=True)
    settings = settings.model_copy(update={"embedding": EmbeddingSettings(batch_size=2)})
    with TestClient(create_app(settings)) as client:
        yield client


def _poll(client: TestClient, job_id: str, until: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}", headers=bearer(ADMIN_KEY)).json()
        if until(job):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def test_delete_cancels_a_running_upload_and_leaves_the_store_as_it_was(
    slow_writer: TestClient, store_copy: Path
) -> None:
    admin = bearer(ADMIN_KEY)
    before = slow_writer.get("/api/documents", headers=admin).json()
    upload = slow_writer.post(
        "/api/documents", files={"file": ("bao-cao-dai.txt", long_report().encode())}, headers=admin
    )
    assert upload.status_code == 202, upload.text
    job_id = upload.json()["id"]
    embedding = _poll(slow_writer, job_id, lambda job: job["stage"] == "embedding")
    assert embedding["status"] == "running" and embedding["progress"] < 0.9

    assert_error(slow_writer.delete(f"/api/jobs/{job_id}", headers=bearer(READER_KEY)), 403, "admin_required")
    asked = slow_writer.delete(f"/api/jobs/{job_id}", headers=admin)
    assert asked.status_code == 200, asked.text
    assert asked.json()["status"] in ("running", "cancelled")

    done = _poll(slow_writer, job_id, lambda job: job["status"] in FINISHED_STATUSES)
    assert done["status"] == "cancelled", done
    assert done["error"]["code"] == "job_cancelled" and done["result"] is None
    assert slow_writer.get("/api/documents", headers=admin).json() == before
    assert not (store_copy / "uploads" / "bao-cao-dai.txt").exists()
    # Cancelling it again is harmless; a finished job cannot be cancelled; an unknown one is 404.
    assert slow_writer.delete(f"/api/jobs/{job_id}", headers=admin).json()["status"] == "cancelled"
    assert_error(slow_writer.delete("/api/jobs/nope", headers=admin), 404, "job_not_found")


def test_a_finished_job_cannot_be_cancelled(slow_writer: TestClient) -> None:
    admin = bearer(ADMIN_KEY)
    upload = slow_writer.post(
        "/api/documents", files={"file": ("ngan.txt", "Báo cáo ngắn.\n".encode())}, headers=admin
    )
    job_id = upload.json()["id"]
    assert _poll(slow_writer, job_id, lambda job: job["status"] in FINISHED_STATUSES)["status"] == "succeeded"
    assert_error(slow_writer.delete(f"/api/jobs/{job_id}", headers=admin), 409, "job_finished")


def test_jobs_of_an_earlier_server_are_answered_after_a_restart(store_copy: Path) -> None:
    settings = api_settings(store_copy)
    with TestClient(create_app(settings)) as client:
        upload = client.post("/api/documents", files={"file": ("ngan.txt", "Báo cáo ngắn.\n".encode())})
        job_id = upload.json()["id"]
        first = _poll(client, job_id, lambda job: job["status"] in FINISHED_STATUSES)
        assert first["status"] == "succeeded", first
    assert (store_copy / JOBS_FILE).is_file()
    with TestClient(create_app(settings)) as client:
        again = client.get(f"/api/jobs/{job_id}")
        assert again.status_code == 200
        assert again.json() == first
