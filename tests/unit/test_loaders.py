"""Loaders on real files built in tmp_path: .docx with Word automatic numbering, .pdf with and without a text
layer, legacy-encoded text files, and the four sample documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.loaders import SUPPORTED_SUFFIXES, format_number, load_file
from ingestion.model import IngestError
from tests.docbuilders import (
    NumberingLevel,
    build_docx,
    build_pdf,
    build_scanned_pdf,
    encode_tcvn3,
    encode_vni,
    encode_windows1258,
)

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "data" / "samples").glob("*.txt"))

BODY = [
    "Tổng thu ngân sách nhà nước trên địa bàn giai đoạn 2020-2025 ước đạt 7.687 tỷ đồng, tăng 12,37% so với "
    "cùng kỳ; trong đó thu nội địa đạt 5.123 tỷ đồng, vượt dự toán được giao.",
    "Giá trị sản xuất công nghiệp năm 2025 ước đạt 45.210 tỷ đồng, tăng bình quân 14,2% mỗi năm; thu hút "
    "thêm 37 dự án đầu tư trực tiếp nước ngoài với tổng vốn đăng ký 1,2 tỷ đô la Mỹ.",
    "Công tác xây dựng Đảng được chú trọng, chất lượng sinh hoạt chi bộ từng bước nâng lên; đã kết nạp 412 "
    "đảng viên mới, đạt 103% chỉ tiêu nghị quyết đề ra cho cả nhiệm kỳ.",
    "Tỷ lệ hộ nghèo giảm còn 0,5%; 100% xã đạt chuẩn nông thôn mới, trong đó 4 xã đạt chuẩn nông thôn mới "
    "nâng cao và 1 xã đạt chuẩn nông thôn mới kiểu mẫu theo quy định.",
    "Lĩnh vực giáo dục tiếp tục phát triển, hệ thống trường lớp được đầu tư theo hướng chuẩn hóa, hiện đại "
    "hóa; tỷ lệ trường đạt chuẩn quốc gia đạt 78,6%, vượt mục tiêu đề ra.",
]


def test_supported_suffixes() -> None:
    assert frozenset({".txt", ".md", ".docx", ".pdf"}) == SUPPORTED_SUFFIXES


# --- text files ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_samples_load_as_their_utf8_text(sample: Path) -> None:
    loaded = load_file(sample)
    assert loaded.text == sample.read_text(encoding="utf-8-sig")
    assert loaded.encoding == "utf-8"
    assert loaded.file_format == "txt"
    assert loaded.page_offsets == ()


def test_four_samples_are_present() -> None:
    assert len(SAMPLES) == 4


@pytest.mark.parametrize(
    ("encode", "encoding"),
    [(encode_tcvn3, "tcvn3"), (encode_vni, "vni"), (encode_windows1258, "windows-1258")],
)
@pytest.mark.parametrize("name", ["bao_cao.txt", "NGHI_QUYET_unicode.md", "vni_tcvn3.txt"])
def test_legacy_text_files_are_converted_whatever_their_name(
    tmp_path: Path, encode: object, encoding: str, name: str
) -> None:
    text = "\n".join(BODY)
    path = tmp_path / name
    path.write_bytes(encode(text))  # type: ignore[operator]
    loaded = load_file(path)
    assert loaded.encoding == encoding
    assert loaded.file_format == ("md" if name.endswith(".md") else "txt")
    import unicodedata

    assert unicodedata.normalize("NFC", loaded.text) == text


def test_text_file_in_an_unknown_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cp1251.txt"
    path.write_bytes("Это русский текст, а не вьетнамский документ.".encode("cp1251"))
    with pytest.raises(IngestError) as caught:
        load_file(path)
    assert caught.value.code == "unknown_encoding"


# --- errors ----------------------------------------------------------------------------------------------


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "bang.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(IngestError) as caught:
        load_file(path)
    assert caught.value.code == "unsupported_format"
    assert "không được hỗ trợ" in caught.value.message


@pytest.mark.parametrize("content", [b"", b"  \n\r\n\t "])
@pytest.mark.parametrize("suffix", [".txt", ".md", ".docx", ".pdf"])
def test_empty_files(tmp_path: Path, content: bytes, suffix: str) -> None:
    path = tmp_path / f"rong{suffix}"
    path.write_bytes(content)
    with pytest.raises(IngestError) as caught:
        load_file(path)
    assert caught.value.code == "empty_document"


def test_docx_without_text_is_empty(tmp_path: Path) -> None:
    path = build_docx(tmp_path / "rong.docx", [("", None), ("   ", None)])
    with pytest.raises(IngestError) as caught:
        load_file(path)
    assert caught.value.code == "empty_document"


@pytest.mark.parametrize("suffix", [".docx", ".pdf"])
def test_corrupt_files(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"hong{suffix}"
    path.write_bytes(b"%PDF-1.4\n garbage that is neither a zip nor a pdf body \x00\x01\x02" * 5)
    with pytest.raises(IngestError) as caught:
        load_file(path)
    assert caught.value.code == "corrupt_file"
    assert "hỏng" in caught.value.message


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as caught:
        load_file(tmp_path / "khong_co.txt")
    assert caught.value.code == "corrupt_file"


# --- .docx -----------------------------------------------------------------------------------------------


def test_docx_keeps_automatic_numbering_and_tables(tmp_path: Path) -> None:
    path = build_docx(
        tmp_path / "bao_cao.docx",
        [
            ("BÁO CÁO", None),
            ("Tình hình kinh tế - xã hội năm 2021", None),
            ("Về phát triển kinh tế", 0),
            ("Kết quả đạt được", 1),
            ("Công nghiệp", 2),
            (BODY[1], None),
            ("Tài chính, tín dụng", 2),
            [["Chỉ tiêu", "Năm 2020", "Năm 2021"], ["Thu ngân sách (tỷ đồng)", "1.450", "1.687"]],
            ("Về tài chính", 2),
            (BODY[0], None),
            ("Hạn chế", 1),
            ("Về văn hóa - xã hội", 0),
            ("Giáo dục", 1),
        ],
    )
    loaded = load_file(path)
    assert loaded.file_format == "docx"
    assert loaded.encoding is None
    assert loaded.text.split("\n") == [
        "BÁO CÁO",
        "Tình hình kinh tế - xã hội năm 2021",
        "1. Về phát triển kinh tế",
        "1.1. Kết quả đạt được",
        "1.1.1. Công nghiệp",
        BODY[1],
        "1.1.2. Tài chính, tín dụng",
        "Chỉ tiêu | Năm 2020 | Năm 2021",
        "Thu ngân sách (tỷ đồng) | 1.450 | 1.687",
        "1.1.3. Về tài chính",
        BODY[0],
        "1.2. Hạn chế",
        "2. Về văn hóa - xã hội",
        "2.1. Giáo dục",
    ]


def test_docx_number_formats_starts_and_restart(tmp_path: Path) -> None:
    levels = (
        NumberingLevel("%1.", "upperRoman"),
        NumberingLevel("%2)", "lowerLetter"),
        NumberingLevel("Mục %3:", "upperLetter", start=3),
    )
    path = build_docx(
        tmp_path / "nghi_quyet.docx",
        [
            ("Mục tiêu", 0),
            ("Tổng quát", 1),
            ("Cụ thể", 1),
            ("Chỉ tiêu kinh tế", 2),
            ("Chỉ tiêu xã hội", 2),
            ("Nhiệm vụ", 0),
            ("Giải pháp", 1),
            ("Tổ chức thực hiện", 0),
            ("Phân công", 1),
        ],
        levels=levels,
        restart_at=(7,),
    )
    assert load_file(path).text.split("\n") == [
        "I. Mục tiêu",
        "a) Tổng quát",
        "b) Cụ thể",
        "Mục C: Chỉ tiêu kinh tế",
        "Mục D: Chỉ tiêu xã hội",
        "II. Nhiệm vụ",
        "a) Giải pháp",
        "I. Tổ chức thực hiện",  # the list was restarted here
        "a) Phân công",
    ]


def test_docx_typed_in_a_legacy_font_is_converted(tmp_path: Path) -> None:
    tcvn3_runs = [(encode_tcvn3(paragraph).decode("cp1252"), None) for paragraph in BODY]
    loaded = load_file(build_docx(tmp_path / "cu.docx", tcvn3_runs))
    assert loaded.encoding == "tcvn3"
    assert loaded.text == "\n".join(BODY)


@pytest.mark.parametrize(
    ("number", "num_format", "expected"),
    [
        (4, "upperRoman", "IV"),
        (14, "lowerRoman", "xiv"),
        (1, "upperLetter", "A"),
        (28, "lowerLetter", "bb"),
        (7, "decimalZero", "07"),
        (12, "decimal", "12"),
    ],
)
def test_format_number(number: int, num_format: str, expected: str) -> None:
    assert format_number(number, num_format) == expected


# --- .pdf ------------------------------------------------------------------------------------------------


def test_pdf_paragraphs_without_running_header_and_page_numbers(tmp_path: Path) -> None:
    pages = [
        [
            "BÁO CÁO",
            "Tình hình kinh tế - xã hội năm 2021",
            "1.7. Tài chính, tín dụng",
            BODY[0],
            "1.7.1. Về tài chính",
        ],
        [BODY[1], BODY[2], "a) Thu ngân sách", BODY[3]],
        ["2. Văn hóa - xã hội", BODY[4]],
    ]
    path = build_pdf(
        tmp_path / "bao_cao.pdf",
        pages,
        header="Báo cáo số 250/BC-UBND ngày 02/12/2021",
        footer_page_numbers=True,
    )
    loaded = load_file(path)
    assert loaded.file_format == "pdf"
    paragraphs = [paragraph for page in pages for paragraph in page]
    assert loaded.text.split("\n") == paragraphs
    assert "250/BC-UBND" not in loaded.text
    # Each page starts where its first paragraph starts; page_at maps offsets back to pages.
    assert [loaded.text[offset:].split("\n")[0] for offset in loaded.page_offsets] == [p[0] for p in pages]
    assert loaded.page_at(loaded.text.index("a) Thu ngân sách")) == 2
    assert loaded.page_at(loaded.text.index(BODY[4])) == 3


def test_pdf_rejoins_hyphenated_words_and_sentences_across_pages(tmp_path: Path) -> None:
    lines_page_1 = [
        "1. Kết quả đạt được",
        "",
        "Ngành công nghiệp tiếp tục tăng trưởng khá, giá trị sản xuất năm 2021 ước đạt 45.210 tỷ",
        "đồng, tăng 14,2% so với cùng kỳ; các khu công nghiệp thu hút thêm 37 dự án đầu tư trực tiếp",
        "nước ngoài, tổng vốn đăng ký đạt 1,2 tỷ đô la Mỹ, giải quyết việc làm cho hơn 3.000 lao động tại",
    ]
    lines_page_2 = [
        "địa phương. Chương trình chuyển đổi số được triển khai đồng bộ ở các cơ quan, đơn vị; hạ tầng",
        "viễn thông, công nghệ thông tin được đầu tư, 100% xã có cáp quang, các dịch vụ công trực tuy-",
        "ến mức độ 4 được cung cấp cho người dân và doanh nghiệp.",
        "",
        "2. Hạn chế",
    ]
    path = build_pdf(
        tmp_path / "dai.pdf",
        [lines_page_1, lines_page_2],
        wrap=False,
        header="Dự thảo",
        footer_page_numbers=True,
    )
    loaded = load_file(path)
    paragraphs = loaded.text.split("\n")
    assert paragraphs[0] == "1. Kết quả đạt được"
    assert paragraphs[-1] == "2. Hạn chế"
    assert len(paragraphs) == 3
    assert "tại địa phương. Chương trình" in paragraphs[1]  # a sentence running onto the next page
    assert "dịch vụ công trực tuyến mức độ 4" in paragraphs[1]  # de-hyphenated
    assert loaded.text[loaded.page_offsets[1] :].startswith("địa phương.")
    assert loaded.page_at(loaded.text.index("trực tuyến")) == 2


def test_scanned_pdf_is_refused_with_a_message_saying_so(tmp_path: Path) -> None:
    path = build_scanned_pdf(tmp_path / "ban_quet.pdf", pages=2)
    with pytest.raises(IngestError) as caught:
        load_file(path)
    assert caught.value.code == "scanned_pdf"
    assert "bản quét" in caught.value.message
    assert "OCR" in caught.value.message


def _encrypted_copy(source: Path, target: Path, *, user_password: str, algorithm: str) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password=user_password, owner_password="chu-so-huu", algorithm=algorithm)
    with target.open("wb") as out:
        writer.write(out)
    return target


@pytest.mark.parametrize("algorithm", ["AES-256", "AES-128", "RC4-128"])
def test_pdf_with_only_an_owner_password_is_read(tmp_path: Path, algorithm: str) -> None:
    plain = build_pdf(tmp_path / "ban-ro.pdf", [[BODY[0]], [BODY[1]]])
    locked = _encrypted_copy(plain, tmp_path / "co-mat-khau-chu.pdf", user_password="", algorithm=algorithm)
    from pypdf import PdfReader

    assert PdfReader(locked).is_encrypted
    loaded = load_file(locked)
    assert loaded.text == load_file(plain).text
    assert "7.687 tỷ đồng" in loaded.text and len(loaded.page_offsets) == 2


def test_pdf_that_needs_a_password_to_open_is_refused_with_a_message_saying_so(tmp_path: Path) -> None:
    plain = build_pdf(tmp_path / "ban-ro.pdf", [[BODY[0]]])
    locked = _encrypted_copy(plain, tmp_path / "khoa.pdf", user_password="bi-mat", algorithm="AES-256")
    with pytest.raises(IngestError) as caught:
        load_file(locked)
    assert caught.value.code == "encrypted_pdf"
    assert "mật khẩu" in caught.value.message
