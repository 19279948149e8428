"""The fast layer's stand-in model behaves as the tests built on it assume."""

from __future__ import annotations

import math

from tests.fast.fakes import DIMENSIONS, SyllableHashEmbeddings

PASSAGES = [
    "Tổng thu ngân sách nhà nước trên địa bàn đạt 7.687 tỷ đồng.",
    "Tỷ lệ hộ nghèo giảm còn 1,2% theo chuẩn nghèo đa chiều.",
    "Bảo hiểm y tế bao phủ 93% dân số trong huyện.",
]


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_vectors_are_unit_length_and_the_same_in_every_instance() -> None:
    first, second = SyllableHashEmbeddings(), SyllableHashEmbeddings()
    vectors = first.embed_documents([*PASSAGES, ""])
    assert vectors == second.embed_documents([*PASSAGES, ""])
    assert all(len(v) == DIMENSIONS and math.isclose(math.fsum(x * x for x in v), 1.0) for v in vectors)


def test_vectors_do_not_depend_on_the_process() -> None:
    # Pinned: a keyed hash, not Python's per-process ``hash``, so stores built in two runs agree.
    vector = SyllableHashEmbeddings().embed_query("hộ nghèo")
    assert [i for i, x in enumerate(vector) if x] == [4, 6, 21]


def test_texts_sharing_words_are_nearest() -> None:
    embeddings = SyllableHashEmbeddings()
    passages = embeddings.embed_documents(PASSAGES)
    for question, expected in (("Tỷ lệ hộ nghèo còn bao nhiêu?", 1), ("Bảo hiểm y tế bao phủ bao nhiêu?", 2)):
        query = embeddings.embed_query(question)
        assert max(range(len(PASSAGES)), key=lambda i: cosine(query, passages[i])) == expected


def test_tokens_are_syllables_plus_two() -> None:
    assert SyllableHashEmbeddings().count_tokens("Tỷ lệ hộ nghèo 1,2%") == 7
