"""Document files as the runner sees them: decoded text, folded text with offsets, quote spans.

Gold quotes are located in the document *file's* text (decoded the way the project's loader decodes
it), because that is what :attr:`evals.protocol.Passage.source_start` refers to. Quotes are searched in
the folded text (:func:`ingestion.textnorm.fold`), so NFC/NFD and tone-mark placement differences
between a test set and a file do not matter, and the match is mapped back to file offsets.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ingestion.textnorm import canonical_tones, fold

# Words (letters with their combining marks), whitespace runs, or any other single character.
_TOKEN = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+|\s+|.", re.DOTALL)


@dataclass(frozen=True)
class FoldedText:
    """``fold(original)`` with, for every folded character, the span of the original it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

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
        else:  # composition changed the length: every character maps to the whole token
            for char in folded:
                chars.append(char)
                starts.append(begin)
                ends.append(finish)
    if chars and chars[-1] == " ":
        chars.pop()
        starts.pop()
        ends.pop()
    return FoldedText("".join(chars), tuple(starts), tuple(ends))


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
        """Every span of the file text where the quote occurs (after folding); [] if none or unreadable."""
        folded_document = self.folded(document)
        if folded_document is None:
            return []
        return folded_document.find_all(folded(quote))
