"""Every error code the lower layers raise has its English message (the API's ``message_en``)."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.services.messages import english_message

ROOT = Path(__file__).resolve().parents[2]
# `IngestError("code", …`, `StoreError(\n    "code", …`, `limits.error("code"` and the like.
_RAISED = re.compile(r"\b(?:IngestError|StoreError|EmbeddingError)\(\s*\"([a-z_]+)\"")
_FALLBACK = english_message("no-such-code")


def _raised_codes() -> set[str]:
    codes: set[str] = set()
    for package in ("ingestion", "vectorstore", "assistant"):
        for source in (ROOT / package).rglob("*.py"):
            codes.update(_RAISED.findall(source.read_text(encoding="utf-8")))
    return codes


def test_the_scan_finds_the_codes_it_should() -> None:
    codes = _raised_codes()
    assert {"corrupt_file", "store_busy", "too_large_uncompressed"} <= codes, sorted(codes)


def test_every_raised_code_has_an_english_message() -> None:
    missing = sorted(code for code in _raised_codes() if english_message(code) == _FALLBACK)
    assert not missing, f"no English message for: {missing}"
