"""Folding Vietnamese text for matching: NFC, one tone placement, case, whitespace, diacritics."""

from __future__ import annotations

import unicodedata

import pytest

from ingestion.textnorm import canonical_tones, fold, strip_diacritics


@pytest.mark.parametrize(
    ("old_style", "new_style"),
    [("hoà", "hòa"), ("thuỷ", "thủy"), ("khoẻ", "khỏe"), ("Hoá", "Hóa"), ("toà", "tòa")],
)
def test_tone_placement_conventions_fold_alike(old_style: str, new_style: str) -> None:
    assert fold(old_style) == fold(new_style)
    assert canonical_tones(old_style) == canonical_tones(new_style)


@pytest.mark.parametrize(
    "word", ["quốc", "giữa", "người", "thuở", "khuya", "hoàng", "chuyển", "Nguyễn", "Tiểu", "Cần"]
)
def test_canonical_tones_keeps_correctly_placed_words(word: str) -> None:
    assert canonical_tones(word) == word


def test_canonical_tones_places_tone_after_modified_vowel_and_on_closed_syllables() -> None:
    # Modifier wins ("ườ" not "ừơ"); closed two-vowel nucleus takes the tone on the second vowel.
    assert canonical_tones(unicodedata.normalize("NFC", "ngu\u0300\u031bo\u031bi")) == "người"
    assert canonical_tones("hòang") == "hoàng"
    assert canonical_tones("qúy") == "quý"


def test_fold_normalises_nfd_case_and_whitespace() -> None:
    decomposed = unicodedata.normalize("NFD", "  TIỂU   Cần\n\tTrà Vinh ")
    assert fold(decomposed) == "tiểu cần trà vinh"
    assert unicodedata.is_normalized("NFC", fold(decomposed))


def test_fold_leaves_non_vietnamese_tokens_alone() -> None:
    assert fold("61/2018/NĐ-CP, 12,37%") == "61/2018/nđ-cp, 12,37%"
    assert fold("") == ""


def test_strip_diacritics() -> None:
    assert strip_diacritics("Tiểu Cần") == "tieu can"
    assert strip_diacritics("ĐẢNG BỘ Đồng Nai") == "dang bo dong nai"
    assert strip_diacritics(unicodedata.normalize("NFD", "Hoà Bình")) == strip_diacritics("Hòa Bình")
    assert strip_diacritics("tieu can") == "tieu can"
