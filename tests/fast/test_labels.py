"""Documents are named by what they are (assistant.services.labels), never by a file name the text can replace."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.services.labels import document_name, issuer_name
from ingestion.model import DocumentMetadata


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("ỦY BAN NHÂN DÂN HUYỆN CẦU KÈ", "UBND huyện Cầu Kè"),
        ("HỘI ĐỒNG NHÂN DÂN TỈNH SÓC TRĂNG", "HĐND tỉnh Sóc Trăng"),
        ("HUYỆN ỦY CHÂU THÀNH", "Huyện ủy Châu Thành"),
        ("ĐẢNG BỘ TỈNH LONG AN", "Đảng bộ tỉnh Long An"),
        ("ỦY BAN NHÂN DÂN THỊ XÃ DĨ AN", "UBND thị xã Dĩ An"),
        ("BỘ TƯ PHÁP", "Bộ Tư pháp"),
        ("UBND phường 3", "UBND phường 3"),
    ],
)
def test_issuer_lines_in_capitals_read_as_people_write_them(written: str, read: str) -> None:
    assert issuer_name(written) == read


def test_a_numbered_dated_document_is_named_by_number_date_and_issuer() -> None:
    meta = DocumentMetadata(
        doc_type="Báo cáo",
        number="31/BC-UBND",
        date=date(2022, 3, 4),
        issuers=("ỦY BAN NHÂN DÂN HUYỆN CẦU KÈ",),
    )
    assert document_name(meta, "x.txt") == "Báo cáo số 31/BC-UBND ngày 04/03/2022 của UBND huyện Cầu Kè"


def test_without_number_or_date_the_issuer_or_locality_and_the_period_name_it() -> None:
    term = DocumentMetadata(
        doc_type="Báo cáo", issuers=("HUYỆN ỦY CHÂU THÀNH",), period="2020-2025", year=2025
    )
    assert document_name(term, "000_ab12.txt") == "Báo cáo Huyện ủy Châu Thành nhiệm kỳ 2020-2025"
    year = DocumentMetadata(doc_type="Báo cáo", locality="Cầu Kè", period="2022", year=2022)
    assert document_name(year, "003_ed75.txt") == "Báo cáo về Cầu Kè năm 2022"


def test_the_file_name_only_when_the_text_says_nothing() -> None:
    assert document_name(DocumentMetadata(), "ghi-chu.txt") == "Văn bản ghi-chu.txt"
    assert (
        document_name(DocumentMetadata(title="Danh sách đại biểu"), "x.txt") == "Văn bản “Danh sách đại biểu”"
    )
