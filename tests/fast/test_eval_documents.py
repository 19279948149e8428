"""Locating gold quotes in document files when a quote starts or ends inside a word.

Folding places the tone mark of a partial syllable as if it were whole ("loạ" of "loại" folds to
"lọa", "toà" of "toàn" to "tòa", the document's "hoà" to "hòa" while a quote's "ho" stays "ho"), so
a quote cut mid-syllable used to be reported missing. These cases cut real sentences of
data/samples at every letter of the edge words, in both tone-placement conventions.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from evals.documents import DocumentTexts, fold_with_offsets, quote_in
from evals.metrics import passage_matches
from evals.protocol import Passage
from evals.testset import GoldSource
from ingestion.textnorm import fold

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data" / "samples"
DOC_000 = "000_2265b64d677103f7.txt"
DOC_002 = "002_8960d5a2a2e1878e.txt"

# Real sentences of data/samples (traditional tone placement, as the files write them).
LOAI = "lợi thế của Huyện; các loại hình thương mại - dịch vụ chưa thật sự phong phú, đa dạng"
HOA = "Bảo đảm sự phát triển hài hòa giữa kinh tế với văn hóa, giữa kinh tế với quốc phòng"
THUY = "sửa chữa thường xuyên các công trình thủy lợi để phục vụ tốt cho sản xuất nông nghiệp"
KHOE = "công tác chăm sóc sức khỏe cho nhân dân được thực hiện tốt"
HOACH = "tổng quát và các chương trình, kế hoạch thực hiện Nghị quyết"
QUA = "đẩy mạnh thực hiện. Tuy nhiên, trong quá trình triển khai thực hiện còn gặp"

# The same syllables in the new convention (tone on the second vowel); same length in NFC.
NEW_STYLE = {"hòa": "hoà", "hóa": "hoá", "thủy": "thuỷ", "khỏe": "khoẻ"}


def new_style(text: str) -> str:
    for old, new in NEW_STYLE.items():
        text = text.replace(old, new)
    return text


CONVENTIONS = {"traditional": lambda text: text, "new": new_style}


def _cuts_inside(sentence: str, word: str) -> list[int]:
    """Offsets strictly inside ``word`` (its first occurrence in the sentence)."""
    start = sentence.index(word)
    return list(range(start + 1, start + len(word)))


def _write(folder: Path, name: str, text: str) -> DocumentTexts:
    (folder / name).write_text(text, encoding="utf-8")
    return DocumentTexts(folder)


@pytest.mark.parametrize(
    ("document", "sentence", "word"),
    [
        (DOC_000, LOAI, "loại"),
        (DOC_000, HOA, "hòa"),
        (DOC_002, THUY, "thủy"),
        (DOC_000, HOACH, "hoạch"),
        (DOC_000, QUA, "quá"),
    ],
)
def test_quotes_cut_inside_a_word_of_a_sample_are_found_at_their_span(
    document: str, sentence: str, word: str
) -> None:
    documents = DocumentTexts(SAMPLES)
    text = documents.text(document)
    assert text is not None
    base = text.index(sentence)
    word_at = sentence.index(word)
    # A short piece of a sentence may occur elsewhere too: the sentence's own span must be among them.
    for end in _cuts_inside(sentence, word):  # the quote ends inside the word
        quote = sentence[:end]
        assert (base, base + end) in documents.quote_spans(document, quote), quote
    for start in _cuts_inside(sentence, word):  # the quote starts inside the word
        quote = sentence[start:]
        assert (base + start, base + len(sentence)) in documents.quote_spans(document, quote), quote
    # Both ends inside words: from inside the word to inside the sentence's last word.
    last_word_end = len(sentence) - 1
    quote = sentence[word_at + 1 : last_word_end]
    assert (base + word_at + 1, base + last_word_end) in documents.quote_spans(document, quote)


@pytest.mark.parametrize("document_style", CONVENTIONS)
@pytest.mark.parametrize("quote_style", CONVENTIONS)
@pytest.mark.parametrize(("sentence", "word"), [(HOA, "hòa"), (THUY, "thủy"), (KHOE, "khỏe"), (HOA, "hóa")])
def test_quotes_cut_inside_oa_oe_uy_syllables_in_either_convention(
    tmp_path: Path, document_style: str, quote_style: str, sentence: str, word: str
) -> None:
    prefix = "Phần mở đầu.\n"
    document_text = prefix + CONVENTIONS[document_style](sentence) + "\nHết."
    documents = _write(tmp_path, "doc.txt", document_text)
    quoted = CONVENTIONS[quote_style](sentence)
    base = len(prefix)
    for end in _cuts_inside(sentence, word):
        quote = quoted[:end]
        assert documents.quote_spans("doc.txt", quote) == [(base, base + end)], quote
    for start in _cuts_inside(sentence, word):
        quote = quoted[start:]
        assert documents.quote_spans("doc.txt", quote) == [(base + start, base + len(sentence))], quote


def test_the_cases_that_folding_alone_missed() -> None:
    """Partial syllables whose folded form is not a substring of the folded document."""
    cases = [
        ("các loại hình", "các loạ"),  # "loạ" folds to "lọa"
        ("hoàn toàn", "hoàn toà"),  # "toà" folds to "tòa"
        ("kế hoạch", "kế hoạ"),
        ("hài hoà giữa", "hài ho"),  # the document folds to "hòa"
        ("hài hòa giữa", "hài ho"),  # cut from a copy that writes "hoà"
        ("hoà giải", "à giải"),
        ("công trình thuỷ lợi", "ỷ lợi"),
        ("trong quá trình", "uá trình"),  # "uá" folds to "úa"
        ("thông thoại", "thông thoạ"),
    ]
    for document, quote in cases:
        assert fold(quote) not in fold(document)
        assert fold_with_offsets(document).find_quote(quote), (document, quote)


def test_quotes_not_in_the_document_are_still_not_found() -> None:
    document = fold_with_offsets(LOAI + ". " + HOA + ". Hòn đá, quý.")
    for quote in [
        "các lọ",  # the tone on the wrong letter: no spelling of "loại" starts with "lọ"
        "các loà",  # the wrong tone
        "các loại hinh thương",  # a whole word with the wrong tone
        "các loại hình thương mai",  # the last word whole, without its tone
        "ai hòa giữa kinh tế",  # "hài" has its tone on the a, which the quote has bare
        "với quốc phòng. Ho",  # the tone of "hòn" can only be on its o
        "ại hình thương mại - dịch vụ chưa thật sự phong phú, đa dạng hơn",
        "qú",  # "quý" is never written with the tone on the u of "qu"
    ]:
        assert document.find_quote(quote) == [], quote
    assert document.find_quote("với quốc phòng. Hò")
    assert document.find_quote("ài hòa giữa kinh tế")


def test_spans_of_partial_edges_are_the_quoted_letters() -> None:
    assert fold_with_offsets("các loại hình").find_quote("oại hình") == [(5, 13)]
    assert fold_with_offsets("hoà bình").find_quote("òa bình") == [(1, 8)]
    assert fold_with_offsets("Hòa bình").find_quote("HO") == [(0, 2)]


def test_spans_in_an_nfd_file_cover_only_the_quoted_letters(tmp_path: Path) -> None:
    raw = unicodedata.normalize("NFD", "Mở đầu. " + LOAI)
    documents = _write(tmp_path, "nfd.txt", raw)
    for quote in ["các loạ", "ại hình thương", "hình thương mại - dịch vụ chưa thật sự phong phú, đa dạ"]:
        ((start, end),) = documents.quote_spans("nfd.txt", quote)
        assert unicodedata.normalize("NFC", raw[start:end]) == quote


def test_every_occurrence_is_found_and_occurrences_do_not_overlap() -> None:
    text = "các loại hình, các loài vật, các loại cây"
    spans = fold_with_offsets(text).find_quote("các loạ")
    assert [text[a:b] for a, b in spans] == ["các loạ", "các loạ"]


def test_passage_containment_uses_the_same_rule() -> None:
    quote = LOAI[: LOAI.index("loại") + 3]  # ends inside "loại": "… các loạ"
    source = GoldSource(document=DOC_000, section="", quote=quote)
    passage = Passage(DOC_000, (), "Mở đầu. " + LOAI + " Hết.", None, None)
    assert quote_in(passage.text, quote)
    assert passage_matches(passage, source)
    assert not passage_matches(Passage(DOC_000, (), LOAI[5:], None, None), source)
    assert not quote_in(passage.text, quote.replace("loạ", "lọ"))
