"""Text decoding and legacy Vietnamese encodings: bytes built from known Unicode text must come back as it."""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

import pytest

from ingestion.encoding import decode_text_bytes, detect_legacy, is_vietnamese_syllable
from ingestion.model import IngestError
from tests.docbuilders import encode_tcvn3, encode_vni, encode_windows1258

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "data" / "samples").glob("*.txt"))

# Body paragraphs in the style of the corpus (no upper-case toned letters, which TCVN3 cannot hold).
PARAGRAPHS = [
    "Năm 2021, tổng giá trị sản xuất công nghiệp trên địa bàn huyện ước đạt 45.210 tỷ đồng, tăng 14,2% so "
    "với cùng kỳ; thu hút thêm 37 dự án đầu tư trực tiếp nước ngoài với tổng vốn đăng ký 1,2 tỷ đô la Mỹ.",
    "Công tác xây dựng Đảng được chú trọng, chất lượng sinh hoạt chi bộ từng bước được nâng lên; đã kết nạp "
    "412 đảng viên mới, đạt 103% chỉ tiêu nghị quyết đề ra. Việc kiểm tra, giám sát được thực hiện thường xuyên.",
    "Tỷ lệ hộ nghèo giảm còn 0,5%; 100% xã đạt chuẩn nông thôn mới, trong đó 4 xã đạt chuẩn nông thôn mới "
    "nâng cao. Hệ thống giao thông, thủy lợi, điện, trường học, trạm y tế được đầu tư đồng bộ.",
    "Tiếp tục đẩy mạnh cải cách hành chính, nâng cao chỉ số hài lòng của người dân; giải quyết dứt điểm các "
    "vụ việc khiếu nại, tố cáo tồn đọng, kéo dài, không để phát sinh điểm nóng về an ninh trật tự.",
]
TEXT = "\n".join(PARAGRAPHS)
# With upper-case toned letters and every VNI mark family, ẳ and ẵ included.
MIXED_CASE = (
    "ỦY BAN NHÂN DÂN HUYỆN BẮC TÂN UYÊN\nỞ Ấp Ông Ếch, Ủy ban đã thẳng thắn nhận định: sẵn sàng ứng phó, "
    "bình đẳng, tiết kiệm. Điều 5. Nghị quyết này có hiệu lực từ ngày ký. Khỏe, hòa, thủy, quý, giữ gìn."
)


def _decoded(data: bytes) -> tuple[str, str]:
    result = decode_text_bytes(data)
    return result.text, result.encoding


def test_tcvn3_bytes_are_detected_and_converted() -> None:
    assert _decoded(encode_tcvn3(TEXT)) == (TEXT, "tcvn3")


def test_tcvn3_headings_typed_for_the_uppercase_font_come_back_in_capitals() -> None:
    text, encoding = _decoded(encode_tcvn3(MIXED_CASE, uppercase_toned="lowercase"))
    assert encoding == "tcvn3"
    # Upper-case toned letters are not in TCVN3 (the .VnTimeH font draws the lower-case codes as capitals):
    # a word of capitals gets its toned letters back in capitals; title-case words are left alone.
    assert text.lower() == MIXED_CASE.lower()
    assert text.startswith("ỦY BAN NHÂN DÂN HUYỆN BẮC TÂN UYÊN")


def test_vni_bytes_are_detected_and_converted() -> None:
    assert _decoded(encode_vni(TEXT)) == (TEXT, "vni")
    assert _decoded(encode_vni(MIXED_CASE)) == (MIXED_CASE, "vni")


def test_windows_1258_bytes_decode_to_the_same_text() -> None:
    text, encoding = _decoded(encode_windows1258(TEXT + "\n" + MIXED_CASE))
    assert encoding == "windows-1258"
    assert unicodedata.normalize("NFC", text) == TEXT + "\n" + MIXED_CASE


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("utf-16"), "utf-16"),  # with BOM, native order
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
        ((TEXT + " Report 2021 ok").encode("utf-16-le"), "utf-16"),  # no BOM: NUL bytes give it away
        ((TEXT + " Report 2021 ok").encode("utf-16-be"), "utf-16"),
    ],
)
def test_unicode_encodings(data: bytes, encoding: str) -> None:
    text, detected = _decoded(data)
    assert detected == encoding
    assert text.startswith(PARAGRAPHS[0])
    assert "\ufeff" not in text


def test_line_endings_become_newlines() -> None:
    assert _decoded(TEXT.replace("\n", "\r\n").encode("utf-8"))[0] == TEXT
    assert _decoded(encode_vni(TEXT.replace("\n", "\r\n")))[0] == TEXT


def test_legacy_code_points_in_a_unicode_file_are_converted() -> None:
    # Text typed in a .VnTime / VNI-Times font, then saved as UTF-8.
    tcvn3_as_unicode = encode_tcvn3(TEXT).decode("cp1252")
    vni_as_unicode = encode_vni(TEXT).decode("cp1252")
    assert _decoded(tcvn3_as_unicode.encode("utf-8")) == (TEXT, "tcvn3")
    assert _decoded(vni_as_unicode.encode("utf-16")) == (TEXT, "vni")
    assert detect_legacy(tcvn3_as_unicode) == "tcvn3"
    assert detect_legacy(vni_as_unicode) == "vni"


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_plain_unicode_is_left_alone(sample: Path) -> None:
    text = sample.read_text("utf-8-sig")
    assert detect_legacy(text) is None
    assert _decoded(sample.read_bytes()) == (text, "utf-8")


def test_unicode_text_with_a_few_foreign_symbols_is_not_converted() -> None:
    text = TEXT + " Nhiệt độ 25°C, diện tích 12 m², giá trị © 2021, µg/l, café, naïve."
    assert _decoded(text.encode("utf-8")) == (text, "utf-8")


def test_detection_is_deterministic() -> None:
    data = encode_vni(TEXT)
    assert {decode_text_bytes(data) for _ in range(5)} == {decode_text_bytes(data)}


@pytest.mark.parametrize(
    "data",
    [
        "Привет, это текст на русском языке в кодировке Windows-1251, а не вьетнамский.".encode("cp1251"),
        bytes(range(128, 256)) * 20,
        "Ελληνικό κείμενο σε κωδικοποίηση ISO-8859-7, όχι βιετναμέζικο κείμενο.".encode("iso-8859-7"),
    ],
    ids=["cp1251", "high-bytes", "greek"],
)
def test_undeterminable_bytes_are_refused_not_returned_as_mojibake(data: bytes) -> None:
    with pytest.raises(IngestError) as caught:
        decode_text_bytes(data)
    assert caught.value.code == "unknown_encoding"
    assert "bảng mã" in caught.value.message


@pytest.mark.parametrize(
    "word",
    ["người", "nghiêng", "khuya", "quyết", "hòa", "hoà", "thủy", "thuỷ", "gìn", "ĐẢNG", "Đắk", "xoong"],
)
def test_vietnamese_syllables(word: str) -> None:
    assert is_vietnamese_syllable(word)


@pytest.mark.parametrize("word", ["B¸o", "Ngöôøi", "hơị", "chầo", "tụềng", "café", "strength"])
def test_not_vietnamese_syllables(word: str) -> None:
    assert not is_vietnamese_syllable(word)
