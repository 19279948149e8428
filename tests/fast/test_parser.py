"""Header metadata on synthetic headers, and the parse_document interface."""

from __future__ import annotations

from datetime import date

import pytest

from ingestion.model import DocumentMetadata, ParsedDocument
from ingestion.normalize import normalize
from ingestion.parser import header_end, parse_document

BODY = (
    "Thực hiện chỉ đạo của cấp trên, các cơ quan, đơn vị đã triển khai đồng bộ các nhiệm vụ, giải pháp và đạt "
    "được nhiều kết quả quan trọng trên các lĩnh vực."
)


def parse(source: str) -> ParsedDocument:
    normalized = normalize(source)
    return parse_document(normalized.text, bold_spans=normalized.bold_spans)


def meta(header: str) -> DocumentMetadata:
    return parse(f"{header}\n\n{BODY}\n\nI. KẾT QUẢ\n{BODY}\n").metadata


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("Số: 250 /BC-UBND", "250/BC-UBND"),
        ("Số 09 -NQ/HU", "09-NQ/HU"),
        ("Số: 15/2023/NĐ-CP", "15/2023/NĐ-CP"),
        ("Số:   12-KH/TU", "12-KH/TU"),
        ("Số:      /KH-UBND", None),  # a draft: the number is left blank
    ],
)
def test_document_number(line: str, number: str | None) -> None:
    assert (
        meta(f"ỦY BAN NHÂN DÂN\nHUYỆN BẮC TÂN UYÊN\n{line}\nBÁO CÁO\nTÌNH HÌNH KINH TẾ NĂM 2023").number
        == number
    )


def test_place_and_date() -> None:
    found = meta(
        "HUYỆN ỦY NHƠN TRẠCH\nNhơn Trạch, ngày 15 tháng 01 năm 2024\nNGHỊ QUYẾT\nVỀ NHIỆM VỤ NĂM 2024"
    )
    assert (found.place, found.date, found.year) == ("Nhơn Trạch", date(2024, 1, 15), 2024)


def test_a_date_with_blanks_gives_the_year_only() -> None:
    found = meta(
        "HUYỆN ỦY BẮC TÂN UYÊN\nBắc Tân Uyên, ngày     tháng    năm 2025\nBÁO CÁO\nTỔNG KẾT NHIỆM KỲ"
    )
    assert (found.date, found.year) == (None, 2025)


def test_an_invalid_date_is_not_invented() -> None:
    found = meta("UBND XÃ TÂN HÒA\nTân Hòa, ngày 31 tháng 02 năm 2024\nTHÔNG BÁO\nLỊCH TIẾP CÔNG DÂN")
    assert (found.date, found.year) == (None, 2024)


def test_issuers_two_line_organ_and_motto_on_the_same_line() -> None:
    found = meta(
        "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "TỈNH BÌNH DƯƠNG Độc lập - Tự do - Hạnh phúc\n"
        "Số: 120/KH-UBND Thủ Dầu Một, ngày 05 tháng 3 năm 2023\n"
        "KẾ HOẠCH\n"
        "Triển khai chuyển đổi số năm 2023"
    )
    assert found.issuers == ("ỦY BAN NHÂN DÂN TỈNH BÌNH DƯƠNG",)
    assert found.locality == "Bình Dương"
    assert found.number == "120/KH-UBND"
    assert found.place == "Thủ Dầu Một"
    assert found.doc_type == "Kế hoạch"
    assert found.title == "Triển khai chuyển đổi số năm 2023"
    assert found.period == "2023"


def test_party_committee_under_provincial_party_organisation() -> None:
    found = meta(
        "ĐẢNG BỘ TỈNH ĐỒNG NAI\nHUYỆN ỦY NHƠN TRẠCH\n*\nĐẢNG CỘNG SẢN VIỆT NAM\nSố 09 -NQ/HU\nNGHỊ QUYẾT"
    )
    assert found.issuers == ("ĐẢNG BỘ TỈNH ĐỒNG NAI", "HUYỆN ỦY NHƠN TRẠCH")
    assert found.locality == "Nhơn Trạch"


def test_a_national_issuer_has_no_locality_from_the_header() -> None:
    found = meta(
        "BỘ TÀI CHÍNH\nSố: 45/2023/TT-BTC\nHà Nội, ngày 01 tháng 7 năm 2023\nTHÔNG TƯ\nHướng dẫn quản lý"
    )
    assert found.issuers == ("BỘ TÀI CHÍNH",)
    assert found.doc_type == "Thông tư"
    assert found.locality is None


@pytest.mark.parametrize(
    ("type_line", "doc_type"),
    [
        ("BÁO CÁO", "Báo cáo"),
        ("NGHỊ QUYẾT", "Nghị quyết"),
        ("KẾ HOẠCH", "Kế hoạch"),
        ("QUYẾT ĐỊNH", "Quyết định"),
        ("CHỈ THỊ", "Chỉ thị"),
        ("TỜ TRÌNH", "Tờ trình"),
        ("THÔNG BÁO", "Thông báo"),
        ("KẾT LUẬN", "Kết luận"),
        ("CHƯƠNG TRÌNH", "Chương trình"),
        ("NGHỊ ĐỊNH", "Nghị định"),
        ("ĐỀ ÁN", "Đề án"),
        ("BÁO CÁO CHÍNH TRỊ", "Báo cáo"),
    ],
)
def test_document_types(type_line: str, doc_type: str) -> None:
    found = meta(f"ỦY BAN NHÂN DÂN\nHUYỆN TIỂU CẦN\n{type_line}\nVỀ CÔNG TÁC NĂM 2022")
    assert found.doc_type == doc_type


def test_type_from_the_number_code_and_official_letters() -> None:
    assert meta("HUYỆN ỦY TIỂU CẦN\nSố 31-CT/HU").doc_type == "Chỉ thị"
    letter = meta("ỦY BAN NHÂN DÂN\nHUYỆN TIỂU CẦN\nSố: 512/UBND-KT\nV/v triển khai thu ngân sách năm 2024")
    assert letter.doc_type == "Công văn"
    assert letter.title == "triển khai thu ngân sách năm 2024"


def test_term_period_and_year_from_the_title() -> None:
    found = meta("HUYỆN ỦY BẮC TÂN UYÊN\nCHƯƠNG TRÌNH\nHÀNH ĐỘNG GIAI ĐOẠN 2021 - 2025")
    assert found.period == "2021-2025"
    assert found.year == 2025


def test_locality_from_the_body_when_the_header_is_missing() -> None:
    doc = parse(
        "I. KẾT QUẢ\n"
        "Sản xuất nông nghiệp của huyện Tiểu Cần tiếp tục phát triển; xã Tân Hòa đạt chuẩn nông thôn mới.\n"
        "Thu ngân sách của huyện Tiểu Cần đạt kế hoạch, thị trấn Tiểu Cần được công nhận đô thị loại IV.\n"
    )
    assert doc.metadata.locality == "Tiểu Cần"
    assert doc.metadata.issuers == ()


def test_header_lines_never_become_sections() -> None:
    doc = parse(
        "**ỦY BAN NHÂN DÂN\nHUYỆN BẮC TÂN UYÊN**\n\nSố: 250 /BC-UBND\n\n**BÁO CÁO\nKIỂM ĐIỂM NĂM 2021**\n\n"
        f"Kính gửi: Hội đồng nhân dân huyện.\n\n{BODY}\n\nI. KẾT QUẢ\n{BODY}\n"
    )
    assert [s.path for s in doc.sections] == [(), ("I. KẾT QUẢ",)]
    preamble = doc.sections[0]
    assert doc.text[preamble.start : preamble.end].endswith(BODY)
    assert doc.metadata.title == "KIỂM ĐIỂM NĂM 2021"


def test_header_end() -> None:
    assert header_end("PHẦN A: KẾT QUẢ\nI- Nội dung") == 0
    text = f"HUYỆN ỦY X\nBÁO CÁO\n{BODY}"
    assert header_end(text) == text.index(BODY)
    assert header_end("") == 0


def test_empty_document() -> None:
    doc = parse_document("")
    assert doc.sections == ()
    assert doc.metadata == DocumentMetadata()
