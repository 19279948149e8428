"""The BM25 lexical index over folded Vietnamese text, with and without diacritics."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np

from vectorstore.lexical import LexicalIndex, has_no_diacritics, index_terms, syllables

TEXTS = [
    "Tỷ lệ hộ nghèo huyện Tiểu Cần giảm còn 1,2%.",
    "Xã Hòa Lợi đạt chuẩn nông thôn mới; công trình thủy lợi được nâng cấp.",
    "Khu công nghiệp thu hút 7.687 tỷ đồng vốn đầu tư.",
    "Tổng thu ngân sách nhà nước trên địa bàn huyện.",
]


def best(index: LexicalIndex, query: str) -> int:
    scores = index.scores(query)
    assert scores.shape == (len(TEXTS),)
    assert scores.max() > 0, query
    return int(np.argmax(scores))


def test_terms_are_folded_syllables_numbers_and_bigrams() -> None:
    assert syllables("Hộ NGHÈO 7.687 tỷ, 12,37%") == ["hộ", "nghèo", "7.687", "tỷ", "12,37"]
    assert index_terms("Hộ nghèo Tiểu Cần") == [
        "hộ",
        "nghèo",
        "tiểu",
        "cần",
        "hộ_nghèo",
        "nghèo_tiểu",
        "tiểu_cần",
    ]
    assert index_terms("Hộ nghèo", diacritics=False) == ["ho", "ngheo", "ho_ngheo"]
    assert index_terms("") == []


def test_has_no_diacritics() -> None:
    assert has_no_diacritics("ty le ho ngheo tieu can 2022?")
    assert not has_no_diacritics("tỷ lệ hộ nghèo")
    assert not has_no_diacritics("đ")


def test_finds_the_right_text() -> None:
    index = LexicalIndex.build(TEXTS)
    assert best(index, "hộ nghèo Tiểu Cần") == 0
    assert best(index, "vốn đầu tư khu công nghiệp") == 2
    assert best(index, "7.687 tỷ") == 2
    assert best(index, "ngân sách nhà nước") == 3


def test_nfd_query_scores_like_nfc() -> None:
    index = LexicalIndex.build(TEXTS)
    query = "hộ nghèo Tiểu Cần"
    nfd = unicodedata.normalize("NFD", query)
    assert nfd != query
    np.testing.assert_array_equal(index.scores(nfd), index.scores(query))


def test_nfd_texts_are_indexed_like_nfc() -> None:
    index = LexicalIndex.build([unicodedata.normalize("NFD", t) for t in TEXTS])
    assert best(index, "hộ nghèo Tiểu Cần") == 0


def test_old_and_new_tone_placement_match() -> None:
    index = LexicalIndex.build(TEXTS)
    assert best(index, "xã Hoà Lợi") == 1  # text says "Hòa"
    assert best(index, "thuỷ lợi") == 1  # text says "thủy"
    np.testing.assert_array_equal(index.scores("hoà"), index.scores("hòa"))
    old_style = LexicalIndex.build(["Xã Hoà Lợi", "Xã Tân Lợi"])
    assert int(np.argmax(old_style.scores("hòa lợi"))) == 0


def test_query_without_diacritics_finds_the_text() -> None:
    index = LexicalIndex.build(TEXTS)
    assert best(index, "ty le ho ngheo tieu can") == 0
    assert best(index, "ngan sach nha nuoc") == 3
    assert best(index, "hoa loi") == 1


def test_unknown_terms_score_zero() -> None:
    index = LexicalIndex.build(TEXTS)
    scores = index.scores("xyzzy quux")
    assert scores.shape == (len(TEXTS),)
    assert not scores.any()
    assert not index.scores("").any()


def test_empty_index() -> None:
    index = LexicalIndex.build([])
    assert index.size == 0
    assert index.scores("hộ nghèo").shape == (0,)


def test_save_load_round_trip(tmp_path: Path) -> None:
    index = LexicalIndex.build(TEXTS)
    index.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical")
    assert loaded is not None
    assert loaded.size == len(TEXTS)
    for query in ["hộ nghèo Tiểu Cần", "ngan sach nha nuoc", "thuỷ lợi", "7.687 tỷ", "xyzzy"]:
        np.testing.assert_array_equal(loaded.scores(query), index.scores(query))
    assert not (tmp_path / "lexical.tmp").exists()


def test_save_replaces_an_existing_index(tmp_path: Path) -> None:
    LexicalIndex.build(TEXTS).save(tmp_path / "lexical")
    LexicalIndex.build(["Bảo hiểm y tế"]).save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical")
    assert loaded is not None
    assert loaded.size == 1
    assert loaded.scores("bảo hiểm").tolist()[0] > 0


def test_empty_index_round_trip(tmp_path: Path) -> None:
    LexicalIndex.build([]).save(tmp_path / "empty")
    loaded = LexicalIndex.load(tmp_path / "empty")
    assert loaded is not None
    assert loaded.size == 0
    assert loaded.scores("hộ nghèo").shape == (0,)


def test_missing_or_corrupt_cache_loads_as_none(tmp_path: Path) -> None:
    assert LexicalIndex.load(tmp_path / "missing") is None

    garbled = tmp_path / "garbled"
    garbled.mkdir()
    (garbled / "meta.json").write_text("{not json")
    assert LexicalIndex.load(garbled) is None

    no_size = tmp_path / "no-size"
    no_size.mkdir()
    (no_size / "meta.json").write_text('{"other": 1}')
    assert LexicalIndex.load(no_size) is None

    truncated = tmp_path / "truncated"
    LexicalIndex.build(TEXTS).save(truncated)
    for path in (truncated / "folded").iterdir():
        path.write_bytes(b"\x00garbage")
    assert LexicalIndex.load(truncated) is None
