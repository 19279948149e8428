"""Health checks of a store's data dir (``vankien doctor``), and their repair.

Checked: the data dir itself, the manifest against Chroma (current chunks without a vector, vectors
that are no current chunk, versions announced and never committed), who holds the writer lock, and the
lexical index cache. Checking writes nothing (the store is opened read-only); repairing takes the
writer lock, so it never mistakes another process's write in progress for damage.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
from langchain_core.embeddings import Embeddings

from vectorstore.errors import StoreError
from vectorstore.lexical import LexicalIndex
from vectorstore.lock import DEFAULT_LOCK_TIMEOUT, LockOwner, WriterLock
from vectorstore.settings import ChromaSettings
from vectorstore.store import MANIFEST_FILE, Consistency, DocumentStore, check_data_dir

LEXICAL_DIR = "lexical"  # where the retriever caches its lexical index (runtime: store.cache_dir / "lexical")
_SHOWN = 5  # ids shown in a finding's detail

CheckStatus = Literal["ok", "problem", "info"]


@dataclass
class Finding:
    """One check's result. ``check`` is a stable key; ``message`` is Vietnamese."""

    check: str
    status: CheckStatus
    message: str
    detail: str = ""
    repaired: bool = False


@dataclass
class DoctorReport:
    """Every finding about one data dir; healthy when no problem is left unrepaired."""

    data_dir: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return all(f.status != "problem" or f.repaired for f in self.findings)

    def add(self, check: str, status: CheckStatus, message: str, detail: str = "") -> Finding:
        finding = Finding(check, status, message, detail)
        self.findings.append(finding)
        return finding

    def to_json(self) -> dict[str, Any]:
        return {
            "data_dir": self.data_dir,
            "healthy": self.healthy,
            "findings": [asdict(f) for f in self.findings],
        }


def examine(
    data_dir: Path,
    embeddings: Embeddings,
    chroma: ChromaSettings,
    *,
    repair: bool = False,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> DoctorReport:
    """Check the store in ``data_dir``; with ``repair``, fix what is wrong under the writer lock.

    A repair waits up to ``lock_timeout`` seconds for another process's write to finish.
    """
    data_dir = Path(data_dir)
    report = DoctorReport(str(data_dir))
    try:
        check_data_dir(data_dir, writable=False)
    except StoreError as error:
        report.add("data_dir", "problem", error.message, error.detail or "")
        return report
    if not (data_dir / MANIFEST_FILE).is_file():
        report.add("data_dir", "problem", "Thư mục dữ liệu chưa có kho văn bản (không có manifest.sqlite).")
        return report
    writable = os.access(data_dir, os.W_OK)
    if writable:
        report.add("data_dir", "ok", "Thư mục dữ liệu đọc và ghi được.")
    else:
        report.add("data_dir", "info", "Thư mục dữ liệu chỉ đọc: đọc được, nhưng không sửa được.")

    holder = WriterLock(data_dir).holder()
    if holder is None:
        report.add("writer_lock", "ok", "Không có tiến trình nào đang ghi vào kho.")
    else:
        report.add("writer_lock", "info", "Một tiến trình đang ghi vào kho.", holder.describe())

    try:
        with DocumentStore.open(data_dir, embeddings, chroma, mode="read") as store:
            state = store.consistency()
            generation, texts = store.generation, [c.embed_text for c in store.chunks()]
    except StoreError as error:
        report.add(
            "store", "problem", f"Không mở được kho: {error.message}", f"[{error.code}] {error.detail or ''}"
        )
        return report
    store_findings = _consistency_findings(report, state, holder)
    lexical_finding, stale_caches = _lexical_finding(report, data_dir / LEXICAL_DIR, generation, texts)

    if not repair or (report.healthy and not stale_caches):
        return report
    if not writable:
        report.add("repair", "problem", "Không sửa được: thư mục dữ liệu chỉ đọc.")
        return report
    try:
        store = DocumentStore.open(data_dir, embeddings, chroma, lock_timeout=lock_timeout)
        with store, store.writing():
            store.reconcile()
            after = store.consistency()
            remove_paths(stale_caches)
    except StoreError as error:
        report.add(
            "repair", "problem", f"Không sửa được: {error.message}", f"[{error.code}] {error.detail or ''}"
        )
        return report
    fixed = {
        "vectors_missing": not after.missing,
        "orphan_vectors": not after.orphans,
        "pending_writes": not after.pending,
    }
    for finding in store_findings:
        finding.repaired = finding.status == "problem" and fixed.get(finding.check, False)
    if stale_caches:
        lexical_finding.repaired = not any(path.exists() for path in stale_caches)
    return report


def _consistency_findings(
    report: DoctorReport, state: Consistency, holder: LockOwner | None
) -> list[Finding]:
    """Findings for the manifest against Chroma; a write in progress explains orphans and pending rows."""
    findings = []
    summary = f"{state.documents} văn bản, {state.chunks} đoạn, {state.vectors} vectơ"
    if state.missing:
        missing = sum(state.missing.values())
        shown = ", ".join(f"{doc_id} ({n})" for doc_id, n in list(state.missing.items())[:_SHOWN])
        findings.append(
            report.add(
                "vectors_missing",
                "problem",
                f"{len(state.missing)} văn bản thiếu {missing} vectơ: sửa sẽ gỡ các văn bản này khỏi kho "
                "để nạp lại.",
                shown,
            )
        )
    else:
        findings.append(report.add("vectors_missing", "ok", f"Mọi đoạn đều có vectơ ({summary})."))
    in_progress = holder is not None
    if state.orphans:
        message = f"{len(state.orphans)} vectơ không thuộc đoạn nào trong danh mục"
        findings.append(
            report.add(
                "orphan_vectors",
                "info" if in_progress else "problem",
                message
                + (" (có thể của lượt ghi đang chạy)." if in_progress else " (do một lượt ghi bị ngắt)."),
                ", ".join(state.orphans[:_SHOWN]),
            )
        )
    else:
        findings.append(report.add("orphan_vectors", "ok", "Không có vectơ thừa."))
    if state.pending:
        shown = ", ".join(
            f"{p.doc_id}@{p.version} ({datetime.fromtimestamp(p.started_at, UTC).isoformat(timespec='seconds')})"
            for p in state.pending[:_SHOWN]
        )
        findings.append(
            report.add(
                "pending_writes",
                "info" if in_progress else "problem",
                f"{len(state.pending)} lượt ghi chưa hoàn tất"
                + (" (đang chạy)." if in_progress else " (tiến trình ghi đã dừng giữa chừng)."),
                shown,
            )
        )
    else:
        findings.append(report.add("pending_writes", "ok", "Không có lượt ghi dở dang."))
    return findings


def _lexical_finding(
    report: DoctorReport, cache_dir: Path, generation: int, texts: list[str]
) -> tuple[Finding, list[Path]]:
    """The lexical index cache. The retriever trusts ``lexical-<generation>`` when it loads and holds one
    entry per current chunk, and replaces older generations when it builds a new one; so older entries
    (and ``.tmp`` leftovers) are only waiting to be replaced, while a current one that does not load, or
    scores differently from an index built afresh from the chunks, is damage it would not notice.
    Returns the finding and the paths a repair removes."""
    if not cache_dir.is_dir():
        return report.add("lexical_cache", "ok", "Chưa có chỉ mục từ khoá lưu sẵn (sẽ tạo khi hỏi)."), []
    current = cache_dir / f"lexical-{generation}"
    older = sorted(path for path in cache_dir.iterdir() if path != current)
    if current.exists() and not _matches_chunks(current, texts):
        finding = report.add(
            "lexical_cache",
            "problem",
            "Chỉ mục từ khoá lưu sẵn của lần ghi mới nhất bị hỏng hoặc không khớp các đoạn trong danh mục "
            "(sửa sẽ xoá để tạo lại).",
            current.name,
        )
        return finding, [current, *older]
    state = "hợp lệ" if current.exists() else "chưa có bản cho lần ghi mới nhất (sẽ tạo khi hỏi)"
    if not older:
        return report.add("lexical_cache", "ok", f"Chỉ mục từ khoá lưu sẵn {state}."), []
    finding = report.add(
        "lexical_cache",
        "info",
        f"Chỉ mục từ khoá lưu sẵn {state}; {len(older)} bản cũ chờ được thay (sửa sẽ xoá).",
        ", ".join(path.name for path in older[:_SHOWN]),
    )
    return finding, older


def _matches_chunks(cache: Path, texts: list[str]) -> bool:
    """Does the saved index load, hold one entry per chunk, and score like one built from the chunks?"""
    saved = LexicalIndex.load(cache)
    if saved is None or saved.size != len(texts):
        return False
    if not texts:
        return True
    fresh = LexicalIndex.build(texts)
    step = max(1, len(texts) // _SHOWN)
    probes = [" ".join(texts[i].split()[:12]) for i in range(0, len(texts), step)][:_SHOWN]
    return all(np.allclose(saved.scores(probe), fresh.scores(probe), atol=1e-4) for probe in probes)


def remove_paths(paths: list[Path]) -> int:
    """Remove files or folders; returns how many are gone afterwards."""
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return sum(not path.exists() for path in paths)
