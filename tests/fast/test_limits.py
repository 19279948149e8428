"""Resource limits on small files: each check refuses with its code, on zips of a few kilobytes (and two
megabytes at most). The real bombs (1 GiB members, 10 MB of XML) and the CLI and API paths are in
tests/unit/test_limits.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.limits import IngestLimits
from ingestion.loaders import load_file
from ingestion.model import IngestError
from ingestion.settings import IngestSettings
from tests.zipbuilders import DOCUMENT_XML, MiB, one_long_run, paragraphs, patch_sizes, write_docx


def refusal(path: Path, limits: IngestLimits | None = None) -> IngestError:
    with pytest.raises(IngestError) as refused:
        load_file(path, limits)
    assert refused.value.message
    return refused.value


def test_limits_are_built_from_the_settings() -> None:
    assert IngestLimits.from_settings(IngestSettings()) == IngestLimits()
    custom = IngestSettings(max_pdf_pages=7, max_text_chars=5000)
    assert IngestLimits.from_settings(custom).model_dump() == custom.model_dump()


def test_a_small_docx_over_a_small_uncompressed_limit_names_the_limit(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "nho.docx", paragraphs(1, lambda n: "Báo cáo."))
    assert load_file(path).text == "Báo cáo."
    refused = refusal(path, IngestLimits(max_uncompressed_bytes=4096))
    assert refused.code == "too_large_uncompressed" and "4 KB" in refused.message


def test_a_docx_with_too_many_members_is_refused(tmp_path: Path) -> None:
    extra = [(f"customXml/extra{n}.xml", b"<a/>") for n in range(2001)]
    path = write_docx(tmp_path / "nhieu-phan.docx", paragraphs(1, lambda n: "Báo cáo."), extra)
    assert refusal(path).code == "too_many_archive_members"
    assert load_file(path, IngestLimits(max_archive_members=3000)).text == "Báo cáo."


def test_a_member_that_inflates_like_a_bomb_is_refused_under_the_size_limit(tmp_path: Path) -> None:
    # 2 MiB of one letter deflates about a thousandfold: far under 100 MB, far over what documents do.
    path = write_docx(tmp_path / "no-ra.docx", one_long_run(2 * MiB))
    refused = refusal(path)
    assert refused.code == "too_large_uncompressed" and DOCUMENT_XML in str(refused.detail)


def test_a_member_larger_than_its_directory_says_is_corrupt(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "noi-doi.docx", paragraphs(200, lambda n: f"Đoạn thứ {n} của báo cáo."))
    patch_sizes(path, DOCUMENT_XML, uncompressed=512)
    assert refusal(path).code == "corrupt_file"


def test_text_pages_and_chunks_over_their_limits_are_refused_with_the_setting_named() -> None:
    limits = IngestLimits(max_text_chars=1000, max_pdf_pages=2, max_chunks_per_document=3)
    limits.check_text_length(1000, "a.txt")
    limits.check_pdf_pages(2, "a.pdf")
    limits.check_chunk_count(3, "a.txt")
    for check, over, code, setting in (
        (limits.check_text_length, 1001, "too_long_text", "MAX_TEXT_CHARS"),
        (limits.check_pdf_pages, 3, "too_many_pages", "MAX_PDF_PAGES"),
        (limits.check_chunk_count, 4, "too_many_chunks", "MAX_CHUNKS_PER_DOCUMENT"),
    ):
        with pytest.raises(IngestError) as refused:
            check(over, "tep")
        assert refused.value.code == code
        assert f"VANKIEN_INGEST__{setting}" in refused.value.message
        assert str(refused.value.detail).startswith("tep: ")
