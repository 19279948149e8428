"""Document files as the runner sees them: decoded text, folded text with offsets, quote spans.

Gold quotes are located in the document *file's* text (decoded the way the project's loader decodes
it), because that is what :attr:`evals.protocol.Passage.source_start` refers to. Quotes are searched in
the folded text (:func:`ingestion.textnorm.fold`), so NFC/NFD and tone-mark placement differences
between a test set and a file do not matter, and the match is mapped back to file offsets.

A quote may start or end inside a word ("…các loạ" of "các loại"). Folding places the tone mark of
such a partial syllable as if it were a whole one ("loạ" -> "lọa", "toà" of "toàn" -> "tòa", "ho" of
"hoà" stays "ho" while the document folds to "hòa"), so the folded quote is not a substring of the
folded document. :meth:`FoldedText.find_quote` therefore searches with tone marks removed, requires
every whole word of the quote to equal the document's (folded, so placement-independent), and accepts
a partial first or last word when it is, letter by letter with all its marks, the matching piece of
the document's word as the file writes it or in either tone-placement convention ("hòa" / "hoà").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from ingestion.textnorm import canonical_tones, fold

# Words (letters with their combining marks), whitespace runs, or any other single character.
_TOKEN = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+|\s+|.", re.DOTALL)
# One character of a word, as ``ingestion.textnorm`` segments words.
_WORD_CHAR = re.compile(r"[^\W\d_]|[\u0300-\u036f]")
_WORD = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")
# Combining tone marks: grave, acute, hook above, tilde, dot below (as in ingestion.textnorm).
_TONES = frozenset("\u0300\u0301\u0309\u0303\u0323")
_VOWELS = frozenset("aeiouy")
# Open syllables whose tone the two conventions place differently: hòa/hoà, khỏe/khoẻ, thủy/thuỷ.
_SHIFTING_ENDINGS = ("oa", "oe", "uy")

Span = tuple[int, int]
Letters = tuple[str, ...]  # a word as letters, each its base and combining marks (NFD, lower case)


def _is_word_char(char: str) -> bool:
    return _WORD_CHAR.fullmatch(char) is not None


@lru_cache(maxsize=4096)
def _toneless_char(char: str) -> str:
    """The character without its tone mark, when that is still one character (else unchanged)."""
    if char.isascii():
        return char
    bare = unicodedata.normalize(
        "NFC", "".join(c for c in unicodedata.normalize("NFD", char) if c not in _TONES)
    )
    return bare if len(bare) == 1 else char


def toneless(text: str) -> str:
    """``text`` without tone marks, character for character (same length, same offsets)."""
    return "".join(_toneless_char(c) for c in text)


def _letters(word: str) -> Letters:
    """A word as letters: each base character with the combining marks that follow it."""
    letters: list[str] = []
    for char in unicodedata.normalize("NFD", word.lower()):
        if unicodedata.combining(char) and letters:
            letters[-1] += char
        else:
            letters.append(char)
    return tuple(letters)


def _spellings(*words: str) -> set[Letters]:
    """The words as letters, plus each one with its tone moved to the other placement convention.

    Only open syllables ending in "oa", "oe" or "uy" (after a consonant, or alone) are written both
    ways: the traditional convention marks the first vowel ("hòa", "thủy"), the new one the second
    ("hoà", "thuỷ"). Every other syllable has one placement in both conventions.
    """
    spellings: set[Letters] = set()
    for word in words:
        letters = _letters(word)
        spellings.add(letters)
        bases = "".join(letter[0] for letter in letters)
        if (
            not bases.endswith(_SHIFTING_ENDINGS)
            or (len(bases) > 2 and bases[-3] in _VOWELS)
            or bases.endswith("quy")  # the u of "qu" is a consonant: "quý" only
        ):
            continue
        first, second = letters[-2], letters[-1]
        tones = [c for c in first + second if c in _TONES]
        if len(tones) != 1:
            continue
        bare_first = "".join(c for c in first if c not in _TONES)
        bare_second = "".join(c for c in second if c not in _TONES)
        for moved in (
            (bare_first + tones[0], bare_second),
            (bare_first, bare_second + tones[0]),
        ):
            spellings.add(
                letters[:-2]
                + tuple(unicodedata.normalize("NFD", unicodedata.normalize("NFC", m)) for m in moved)
            )
    return spellings


@dataclass(frozen=True)
class FoldedText:
    """``fold(original)`` with, for every folded character, the span of the original it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    original: str = ""  # the text that was folded (for the spelling of a word a quote is cut inside)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that the folded span [start, end) came from (end > start)."""
        return self.starts[start], self.ends[end - 1]

    def find_all(self, needle_folded: str) -> list[tuple[int, int]]:
        """Original spans of every non-overlapping occurrence of an already folded needle."""
        spans: list[tuple[int, int]] = []
        if not needle_folded:
            return spans
        position = self.text.find(needle_folded)
        while position >= 0:
            spans.append(self.original_span(position, position + len(needle_folded)))
            position = self.text.find(needle_folded, position + len(needle_folded))
        return spans

    @cached_property
    def toneless(self) -> str:
        """:attr:`text` without tone marks, same length (used to find quotes cut inside a word)."""
        return toneless(self.text)

    def find_quote(self, quote: str) -> list[Span]:
        """Original spans of every non-overlapping occurrence of a quote (raw, not folded).

        Like :meth:`find_all` on ``fold(quote)``, and also when the quote's first or last word is
        cut inside a word of the text (see the module docstring).
        """
        needle = folded(quote)
        if not needle:
            return []
        size = len(needle)
        bare = toneless(needle)
        # Interior [head, tail) of the needle: everything but a word at its very start or end.
        head = next((i for i, c in enumerate(needle) if not _is_word_char(c)), size)
        tail = size - next((i for i, c in enumerate(reversed(needle)) if not _is_word_char(c)), size)
        edge_words = [m.group(0) for m in _WORD.finditer(unicodedata.normalize("NFD", quote))]
        first_word = edge_words[0] if edge_words and head > 0 else ""
        last_word = edge_words[-1] if edge_words and tail < size else ""
        spans: list[Span] = []
        position = self.toneless.find(bare)
        while position >= 0:
            end = position + size
            if self.text[position:end] == needle:
                found = True
            elif head > tail:  # a quote of one word
                found = self._edge_matches(position, end, first_word, needle)
            else:
                found = (
                    self.text[position + head : position + tail] == needle[head:tail]
                    and self._edge_matches(position, position + head, first_word, needle[:head])
                    and self._edge_matches(position + tail, end, last_word, needle[tail:])
                )
            if found:
                spans.append(self.original_span(position, end))
            position = self.toneless.find(bare, end if found else position + 1)
        return spans

    def _edge_matches(self, start: int, end: int, quote_word: str, quote_word_folded: str) -> bool:
        """Whether the quote's edge word (raw) matches the text at [start, end) (toneless-equal).

        A whole word must fold the same; a piece of a word must be that piece, letters and marks,
        of the text's word as the original writes it or in either placement convention.
        """
        if start == end:
            return True
        word_start, word_end = start, end
        while word_start > 0 and _is_word_char(self.text[word_start - 1]):
            word_start -= 1
        while word_end < len(self.text) and _is_word_char(self.text[word_end]):
            word_end += 1
        if (word_start, word_end) == (start, end):
            return self.text[start:end] == quote_word_folded
        original_start, original_end = self.original_span(word_start, word_end)
        offset = len(_letters(self.text[word_start:start]))
        piece = _letters(quote_word)
        spellings = _spellings(self.text[word_start:word_end], self.original[original_start:original_end])
        return any(spelling[offset : offset + len(piece)] == piece for spelling in spellings)


def _cluster_spans(token: str, begin: int) -> list[Span]:
    """Spans of the token's letters (a base character and the combining marks after it)."""
    spans: list[Span] = []
    for i, char in enumerate(token, start=begin):
        if unicodedata.combining(char) and spans:
            spans[-1] = (spans[-1][0], i + 1)
        else:
            spans.append((i, i + 1))
    return spans


def fold_with_offsets(original: str) -> FoldedText:
    """Fold ``original`` token by token, keeping offsets. The text equals ``fold(original)``."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for match in _TOKEN.finditer(original):
        token = match.group(0)
        begin, finish = match.span()
        if token.isspace():
            # Runs collapse to one space; leading spaces are dropped (fold strips).
            if chars and chars[-1] != " ":
                chars.append(" ")
                starts.append(begin)
                ends.append(finish)
            continue
        folded = canonical_tones(token).lower() if token[0].isalpha() else unicodedata.normalize("NFC", token)
        if len(folded) == len(token):
            for i, char in enumerate(folded):
                chars.append(char)
                starts.append(begin + i)
                ends.append(begin + i + 1)
        else:  # composition changed the length: map letters (base + marks) to letters
            clusters = _cluster_spans(token, begin)
            whole = len(clusters) != len(folded)  # e.g. a letter with two tone marks: the token
            for i, char in enumerate(folded):
                chars.append(char)
                starts.append(begin if whole else clusters[i][0])
                ends.append(finish if whole else clusters[i][1])
    if chars and chars[-1] == " ":
        chars.pop()
        starts.pop()
        ends.pop()
    return FoldedText("".join(chars), tuple(starts), tuple(ends), original)


@lru_cache(maxsize=65536)
def folded(text: str) -> str:
    """Cached :func:`fold` (passages and quotes are compared many times in one run)."""
    return fold(text)


def decode_document(path: Path) -> str:
    """The text of a document file as the project's loader decodes it.

    Uses ``ingestion.loaders.load_file`` when it is available (legacy encodings, .docx, .pdf);
    otherwise reads .txt and .md as UTF-8. Raises OSError, UnicodeDecodeError, ValueError or the
    loader's own error when the file cannot be read.
    """
    try:
        from ingestion.loaders import load_file
    except ImportError:
        if path.suffix.lower() not in {".txt", ".md"}:
            raise ValueError(f"no loader for {path.suffix} files") from None
        return path.read_bytes().decode("utf-8-sig")
    return str(load_file(path).text)


class DocumentTexts:
    """Lazily decoded document files of one corpus folder, by file name."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._texts: dict[str, str | None] = {}
        self._errors: dict[str, str] = {}
        self._folded: dict[str, FoldedText] = {}
        self._by_name: dict[str, Path] | None = None

    def _index(self) -> dict[str, Path]:
        if self._by_name is None:
            self._by_name = {
                unicodedata.normalize("NFC", p.name): p
                for p in sorted(self.folder.rglob("*"))
                if p.is_file() and not p.name.startswith(".")
            }
        return self._by_name

    def path(self, document: str) -> Path | None:
        return self._index().get(unicodedata.normalize("NFC", Path(document).name))

    def text(self, document: str) -> str | None:
        """The decoded text, or None when the file is missing or unreadable (see :meth:`error`)."""
        if document not in self._texts:
            path = self.path(document)
            if path is None:
                self._texts[document] = None
                self._errors[document] = "missing"
            else:
                try:
                    self._texts[document] = decode_document(path)
                except Exception as error:  # any loader failure makes the file unusable for matching
                    self._texts[document] = None
                    self._errors[document] = f"unreadable: {error}"
        return self._texts[document]

    def error(self, document: str) -> str | None:
        """Why :meth:`text` returned None ("missing" or "unreadable: …"), else None."""
        self.text(document)
        return self._errors.get(document)

    def folded(self, document: str) -> FoldedText | None:
        text = self.text(document)
        if text is None:
            return None
        if document not in self._folded:
            self._folded[document] = fold_with_offsets(text)
        return self._folded[document]

    def quote_spans(self, document: str, quote: str) -> list[tuple[int, int]]:
        """Every span of the file text where the quote occurs (after folding, see
        :meth:`FoldedText.find_quote`: also when it starts or ends inside a word); [] if none or unreadable."""
        folded_document = self.folded(document)
        if folded_document is None:
            return []
        return folded_document.find_quote(quote)


@lru_cache(maxsize=4096)
def _folded_with_offsets(text: str) -> FoldedText:
    return fold_with_offsets(text)


def quote_in(text: str, quote: str) -> bool:
    """Whether ``quote`` occurs in ``text`` by the rule of :meth:`FoldedText.find_quote`."""
    needle, haystack = folded(quote), folded(text)
    if needle in haystack:
        return True
    if toneless(needle) not in toneless(haystack):  # cheap: most passages do not hold the quote
        return False
    return bool(_folded_with_offsets(text).find_quote(quote))
