"""Operations on a data dir beyond the store itself: the doctor's check of staged uploads, and the doctor.

The store's own checks live in :mod:`vectorstore.doctor`; uploads are the assistant's (the API stages
them in ``uploads/.incoming/`` while a job ingests them).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from assistant.services.documents import _INCOMING_DIR, UPLOADS_DIR
from assistant.settings import Settings
from vectorstore.doctor import DoctorReport, examine, remove_paths
from vectorstore.embeddings import build_embeddings
from vectorstore.errors import StoreError
from vectorstore.lock import WriterLock

logger = logging.getLogger(__name__)

# An upload is staged only while its job runs (a parse and an embedding: minutes). One staged for an
# hour belongs to a server that died.
STALE_UPLOAD_SECONDS = 3600.0


def stale_staged_uploads(data_dir: Path, *, older_than: float = STALE_UPLOAD_SECONDS) -> list[Path]:
    """Staging folders in ``uploads/.incoming/`` untouched for ``older_than`` seconds."""
    staging = Path(data_dir) / UPLOADS_DIR / _INCOMING_DIR
    if not staging.is_dir():
        return []
    cutoff = time.time() - older_than
    stale = []
    for entry in sorted(staging.iterdir()):
        touched = [entry, *entry.rglob("*")] if entry.is_dir() else [entry]
        if max(path.lstat().st_mtime for path in touched) < cutoff:
            stale.append(entry)
    return stale


def discard_stale_uploads(data_dir: Path) -> int:
    """Remove staged uploads a dead server left (see :func:`stale_staged_uploads`); returns how many.

    Called when the server starts; a failure to remove one is logged, never fatal."""
    stale = stale_staged_uploads(data_dir)
    try:
        removed = remove_paths(stale)
    except OSError:
        logger.warning("could not remove stale staged uploads in %s", data_dir, exc_info=True)
        return 0
    if stale:
        logger.info("removed %d of %d stale staged uploads", removed, len(stale))
    return removed


def run_doctor(settings: Settings, data_dir: Path | None = None, *, repair: bool = False) -> DoctorReport:
    """Check (and with ``repair``, fix under the writer lock) the data dir: the store and staged uploads."""
    directory = Path(data_dir or settings.data_dir)
    report = examine(directory, build_embeddings(settings.embedding), settings.chroma, repair=repair)
    if not directory.is_dir():
        return report
    stale = stale_staged_uploads(directory)
    if not stale:
        report.add("staged_uploads", "ok", "Không có tệp tải lên nào bị bỏ dở.")
        return report
    finding = report.add(
        "staged_uploads",
        "problem",
        f"{len(stale)} tệp tải lên bị bỏ dở hơn một giờ trong {UPLOADS_DIR}/{_INCOMING_DIR}/ "
        "(máy chủ đã dừng khi đang nạp).",
        ", ".join(path.name for path in stale[:5]),
    )
    if repair:
        try:
            with WriterLock(directory).hold():
                finding.repaired = remove_paths(stale) == len(stale)
        except StoreError as error:
            report.add(
                "repair",
                "problem",
                f"Không xoá được: {error.message}",
                f"[{error.code}] {error.detail or ''}",
            )
    return report
