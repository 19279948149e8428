"""Display normalisation: NFC, artefacts, whitespace, re-joined lines, and the offset map back to the source."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from ingestion.model import NormalizedText
from ingestion.normalize import normalize

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def assert_offsets_point_at_source(source: str, result: NormalizedText) -> None:
    """Every normalised character comes from a source character that composes or spaces to it."""
    assert len(result.source_offsets) == len(result.text) + 1
    assert result.source_offsets[-1] <= len(source)
    assert list(result.source_offsets) == sorted(result.source_offsets)
    for char, offset in zip(result.text, result.source_offsets, strict=False):
        origin = source[offset]
        if char == " ":
            assert origin.isspace() or origin == " "
        elif char == "\n":
            assert origin in "\n\r\f"
        else:
            assert unicodedata.normalize("NFD", origin)[0] == unicodedata.normalize("NFD", char)[0]


def test_decomposed_diacritics_are_composed() -> None:
    source = "Nâng cao hie\u0302\u0323u qua\u0309 co\u0302ng ta\u0301c"
    result = normalize(source)
    assert result.text == "Nâng cao hiệu quả công tác"
    assert unicodedata.is_normalized("NFC", result.text)
    assert_offsets_point_at_source(source, result)
    start = result.text.index("quả")
    assert result.source_span(start, start + 3) == (source.index("qua"), source.index("qua") + 4)


@pytest.mark.parametrize(
    "source",
    [
        "e\u0301\u0323 vie\u0323\u0302t",  # marks in non-canonical order
        "x\u212bx \u2126",  # singletons (Angstrom, Ohm signs)
        "\u1100\u1161\u11a8 \u1100\u1161",  # Hangul jamo compose without combining marks
    ],
)
def test_everything_becomes_nfc(source: str) -> None:
    result = normalize(source)
    assert result.text == unicodedata.normalize("NFC", source)
    assert len(result.source_offsets) == len(result.text) + 1
    assert list(result.source_offsets) == sorted(result.source_offsets)


def test_tone_mark_placement_is_kept_as_written() -> None:
    result = normalize("hoà bình và hòa bình; thuỷ lợi và thủy lợi")
    assert result.text == "hoà bình và hòa bình; thuỷ lợi và thủy lợi"


def test_conversion_artefacts_are_removed() -> None:
    source = (
        "[bookmark: _GoBack]Bắc Tân Uyên, ngày 02 tháng 12 năm 2021\n"
        "*\n"
        "-----\n"
        "- *Về đầu tư công:* thường xuyên theo dõi.\n"
        "- **Trên lĩnh vực Kinh tế:** Giá trị sản xuất tăng.\n"
        "[bookmark: _Hlk119309693]Giá trị sản xuất nông lâm nghiệp tăng 4,22%.\n"
        "_____________________\n"
        "- 3 -\n"
        "1\\. Kết quả đạt được\n"
    )
    result = normalize(source)
    assert result.text == (
        "Bắc Tân Uyên, ngày 02 tháng 12 năm 2021\n\n"
        "- Về đầu tư công: thường xuyên theo dõi.\n"
        "- Trên lĩnh vực Kinh tế: Giá trị sản xuất tăng.\n"
        "Giá trị sản xuất nông lâm nghiệp tăng 4,22%.\n\n"
        "1. Kết quả đạt được"
    )
    assert_offsets_point_at_source(source, result)


def test_whitespace_is_cleaned() -> None:
    source = "\ufeff\t ĐẢNG BỘ\u00a0TỈNH  BÌNH DƯƠNG  \r\n\r\n\r\n\r\nBắc Tân Uyên, ngày     tháng    năm 2025\u200b\f"
    result = normalize(source)
    assert result.text == "ĐẢNG BỘ TỈNH BÌNH DƯƠNG\n\nBắc Tân Uyên, ngày tháng năm 2025"
    assert_offsets_point_at_source(source, result)


def test_bold_lines_are_reported_as_spans() -> None:
    source = "**ỦY BAN NHÂN DÂN\nHUYỆN BẮC TÂN UYÊN**\n\n## Phần mở đầu\n\nVăn bản **có chữ đậm** ở giữa."
    result = normalize(source)
    assert result.text == "ỦY BAN NHÂN DÂN\nHUYỆN BẮC TÂN UYÊN\n\nPhần mở đầu\n\nVăn bản có chữ đậm ở giữa."
    spans = [result.text[start:end] for start, end in result.bold_spans]
    assert spans == ["ỦY BAN NHÂN DÂN\nHUYỆN BẮC TÂN UYÊN", "Phần mở đầu", "có chữ đậm"]


def test_sentences_broken_across_lines_and_page_breaks_are_rejoined() -> None:
    source = (
        "Trong phân công nhiệm vụ luôn bảo đảm tăng cường kỷ\n\n"
        "luật, kỷ cương trong thực hiện nhiệm vụ.\n"
        "Đây là câu mới.\n"
        "về chỉ tiêu, nhiệm vụ năm 2024\n"
    )
    result = normalize(source)
    assert result.text == (
        "Trong phân công nhiệm vụ luôn bảo đảm tăng cường kỷ luật, kỷ cương trong thực hiện nhiệm vụ.\n"
        "Đây là câu mới.\n"
        "về chỉ tiêu, nhiệm vụ năm 2024"
    )
    joined_at = result.text.index(" luật")
    assert source[result.source_offsets[joined_at]] == "\n"
    assert_offsets_point_at_source(source, result)


@pytest.mark.parametrize(
    "source",
    [
        "Các nội dung gồm\na) nội dung thứ nhất;\nb) nội dung thứ hai.",  # list items stay on their lines
        "Kết quả như sau:\nthu ngân sách đạt 100%.",  # a colon ends the lead-in
        "Tổng thu ngân sách đạt 58,5 tỷ đồng.\nthu chi cân đối.",  # the first line ends a sentence
        "1.2. Công nghiệp\nHuyện có 04 khu công nghiệp.",  # next line starts in upper case
        "- Lưu: VT, CVTH\n- UBND các xã",  # dash bullets
    ],
)
def test_lines_that_are_not_broken_sentences_stay_apart(source: str) -> None:
    assert normalize(source).text == source


def test_empty_and_blank_text() -> None:
    assert normalize("").text == ""
    assert normalize("").source_offsets == (0,)
    blank = normalize(" \n\t\n ")
    assert blank.text == ""
    assert len(blank.source_offsets) == 1


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.txt")))
def test_samples_normalise_cleanly_and_idempotently(name: str) -> None:
    source = (SAMPLES / name).read_text(encoding="utf-8")
    result = normalize(source)
    assert unicodedata.is_normalized("NFC", result.text)
    for artefact in ("**", "[bookmark", "\t", "\u00a0", "  ", "\n\n\n"):
        assert artefact not in result.text
    assert all(line == line.strip() for line in result.text.split("\n"))
    assert_offsets_point_at_source(source, result)
    assert normalize(result.text).text == result.text


def test_nul_and_other_control_characters_are_dropped_and_offsets_still_point_at_the_source() -> None:
    source = "Ủy\x00 ban\x01\x02 nhân\x7f dân\x1b[31m\tHUYỆN\x0cXÃ\x9b\r\nSố:\x00 12/BC-UBND\x00\x00"
    result = normalize(source)
    assert result.text == "Ủy ban nhân dân[31m HUYỆN\nXÃ\nSố: 12/BC-UBND"
    assert not any(unicodedata.category(char) == "Cc" and char != "\n" for char in result.text)
    assert_offsets_point_at_source(source, result)
    start = result.text.index("nhân")
    # The span ends where the next kept character starts: the dropped DEL is inside it.
    assert source[slice(*result.source_span(start, start + 4))] == "nhân\x7f"
    number = result.text.index("12/BC")
    assert result.source_offsets[number] == source.index("12/BC")


def test_a_text_that_is_only_control_characters_is_empty() -> None:
    assert normalize("\x00\x01\x02\x00").text == ""
