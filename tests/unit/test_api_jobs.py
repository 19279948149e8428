"""The background job manager: progress, results, failures with codes, order within a kind."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from assistant.services.jobs import Job, JobManager, ProgressReporter
from ingestion.model import IngestError


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
