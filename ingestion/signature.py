"""The signature block at the end of a Vietnamese administrative document: who signed it, in what capacity.

A document ends with its signature block, on the right of (or above, or below) the "Nơi nhận:" list::

    TM. ỦY BAN NHÂN DÂN          T/M HUYỆN ỦY          KT. CHỦ TỊCH          CHỦ TỊCH QUỐC HỘI
    CHỦ TỊCH                     BÍ THƯ                PHÓ CHỦ TỊCH
                                                       (Đã ký)
    Thái Thanh Bình              Lê Thành Mỹ           Nguyễn Văn A          Vương Đình Huệ

The rule is structural, not keyed to particular organs: one to four short upper-case *position lines* (no digits,
no numbering, no list bullet), then — past blank lines and at most a few annotations such as ``(Đã ký)`` or
``(ký tên, đóng dấu)`` — a *name line*: two to six capitalised words, not all upper case, of Vietnamese syllable
length, optionally after a rank or degree (``Đại tá``, ``TS.``). The position block must either carry a delegation
prefix (``TM.``, ``T/M``, ``KT.``, ``TL.``, ``TUQ.``, ``Q.``, ``THAY MẶT`` …), and then starts at its first prefixed
line, or name a position (``CHỦ TỊCH``, ``BÍ THƯ``, ``GIÁM ĐỐC``, any ``… TRƯỞNG``, ``CHÁNH …``, ``PHÓ …`` …), and
then starts at the first line that does. Only the end of the document is read (the last
:data:`TAIL_LINES` non-empty lines within the last :data:`TAIL_CHARS` characters); when several blocks qualify,
the last one wins. A ``Người ký: <cơ quan>`` line (a digital-signature stamp) names the signing body, not a
person, and is never taken for the name.

Conversion artefacts are tolerated: ``**bold**`` / ``*italic*`` markers around the lines, and Word tables, which the
``.docx`` loader writes as one row per line with cells joined by ``" | "`` and a cell's paragraphs joined by spaces:
the last cell of a row is the signature column, and a cell that holds the whole block on one line
(``TM. ỦY BAN NHÂN DÂN CHỦ TỊCH (Đã ký) Nguyễn Văn A``) is read as upper-case position words, then the name.

The result keeps the document's own words: :attr:`Signature.title` is the position lines as written (markers
removed, spaces collapsed) joined with ``" – "`` (``TM. ỦY BAN NHÂN DÂN – CHỦ TỊCH``); :attr:`Signature.name` is the
name line as written (``Thái Thanh Bình``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingestion.textnorm import fold

TAIL_CHARS = 2000
TAIL_LINES = 30
TITLE_SEPARATOR = " – "
_MAX_POSITION_LINES = 4
_MAX_POSITION_CHARS = 70
_MAX_POSITION_WORDS = 12
_MAX_ANNOTATIONS = 3  # "(Đã ký)", "(ký tên, đóng dấu)" lines between the position and the name
_MIN_NAME_WORDS, _MAX_NAME_WORDS = 2, 6
_MAX_SYLLABLE_LETTERS = 7  # the longest Vietnamese syllable ("nghiêng")

# Delegation prefixes of the first position line: "TM." (thay mặt), "KT." (ký thay), "TL." (thừa lệnh),
# "TUQ." (thừa ủy quyền), "Q." (quyền), spelled with dots, slashes or in full.
_DELEGATION = re.compile(
    r"^(?:T\s?[./]?\s?M|K\s?[./]?\s?T|T\s?[./]?\s?L|T\.?\s?U\.?\s?Q|THAY\s+MẶT|KÝ\s+THAY|THỪA\s+LỆNH|"
    r"THỪA\s+(?:ỦY|UỶ)\s+QUYỀN|QUYỀN)\b\.?|^Q\s?\.",
)
# Words that make an upper-case line a position (matched on folded whole words).
_POSITION_WORDS = tuple(
    fold(word)
    for word in (
        "CHỦ TỊCH",
        "BÍ THƯ",
        "GIÁM ĐỐC",
        "TRƯỞNG",  # trưởng ban, bộ trưởng, viện trưởng, cục trưởng, hiệu trưởng, kế toán trưởng …
        "THỦ TƯỚNG",
        "CHÁNH",  # chánh văn phòng, chánh án, chánh thanh tra
        "PHÓ",  # every deputy
        "CHỦ NHIỆM",
        "THƯ KÝ",
        "ỦY VIÊN",
        "UỶ VIÊN",
        "TƯ LỆNH",
        "CHÍNH ỦY",
        "CHÍNH UỶ",
        "CHỦ TỌA",
        "CHỦ TOẠ",
        "CHỦ TRÌ",
        "ĐẠI DIỆN",
        "TỔNG KIỂM TOÁN",
        "NGƯỜI LẬP",
        "NGƯỜI KÝ",
    )
)
# A leading rank or degree kept as part of the name line: "Đại tá Nguyễn Văn A", "TS. Trần Thị B".
_HONORIFIC = re.compile(
    r"^(?:(?:Đại|Thượng|Trung|Thiếu)\s+(?:tướng|tá|úy|uý)|(?:[A-Z][A-Za-z]{0,4}\.){1,3})\s+",
)
# A name never starts with these (organs, places, list words): "Ủy Ban …", "Bắc Tân Uyên" after "Huyện".
_NOT_A_SURNAME = frozenset(
    fold(word)
    for word in (
        "Ủy",
        "Uỷ",
        "Ban",
        "Hội",
        "Đảng",
        "Đoàn",
        "Sở",
        "Phòng",
        "Bộ",
        "Cục",
        "Chi",
        "Nơi",
        "Lưu",
        "Kính",
        "Người",
        "Các",
        "Những",
        "Tỉnh",
        "Huyện",
        "Xã",
        "Quận",
        "Phường",
        "Thị",
        "Thành",
        "Trung",
        "Văn",
        "Chủ",
        "Bí",
        "Giám",
        "Phó",
        "Thủ",
        "Chánh",
        "Trưởng",
        "Ông",
        "Bà",
    )
)
# An annotation between the position and the name: "(Đã ký)", "[đã ký và đóng dấu]", "Đã ký", "Ký tên".
_ANNOTATION = re.compile(
    r"^(?:[(\[].{0,60}[)\]]|(?:đã\s+)?ký(?:\s+tên)?(?:\s*,?\s*(?:và\s+)?đóng\s+dấu)?\.?|\(?signed\)?)$",
)
_NUMBERED = re.compile(r"^(?:[IVXLC]+|[A-Z]|\d+)\s*[.)\-–:]\s")
_MARKERS = re.compile(r"\*+|(?:^|(?<=\s))_+|_+(?=\s|$)")
_PUNCTUATION = re.compile(r"[^\w\s]")
_POSITION_FORBIDDEN = frozenset("0123456789()[]:;!?\"“”'’|")


@dataclass(frozen=True)
class Signature:
    """The signature block: the signer's name and position as written, and where the block lies in the text."""

    name: str  # "Thái Thanh Bình"
    title: str  # "TM. ỦY BAN NHÂN DÂN – CHỦ TỊCH": the position lines as written, joined with " – "
    start: int  # start of the first position line in the text that was parsed
    end: int  # end of the name line (exclusive)
    positions: tuple[str, ...] = ()  # the position lines, one per line as written


@dataclass(frozen=True)
class _Cell:
    """The signature column of one line: its cleaned text (None when blank) and its span in the text."""

    text: str | None
    start: int
    end: int


def _clean(raw: str) -> str:
    return " ".join(_MARKERS.sub(" ", raw).split())


def _cells(text: str, start: int) -> list[_Cell]:
    """The last cell of every line of ``text[start:]`` whose start is at or after ``start``."""
    cells: list[_Cell] = []
    offset = 0
    for raw in text.split("\n"):
        line_start, offset = offset, offset + len(raw) + 1
        if line_start < start:
            continue
        cell_offset = raw.rfind("|") + 1  # a Word table row: the last cell is the signature column
        cell = raw[cell_offset:]
        cleaned = _clean(cell)
        if not cleaned:
            cells.append(_Cell(None, line_start + cell_offset, line_start + cell_offset))
            continue
        bare = cell.strip().strip("*_").strip()
        first = line_start + cell_offset + cell.find(bare[0]) if bare else line_start + cell_offset
        last = line_start + cell_offset + cell.rfind(bare[-1]) + 1 if bare else first
        cells.append(_Cell(cleaned, first, last))
    return cells


def _tail_start(text: str, body_start: int) -> int:
    """Where the end of the document starts: the last TAIL_LINES non-empty lines within the last TAIL_CHARS."""
    start = max(body_start, len(text) - TAIL_CHARS)
    line_starts: list[int] = []
    offset = 0
    for raw in text.split("\n"):
        if raw.strip():
            line_starts.append(offset)
        offset += len(raw) + 1
    if len(line_starts) > TAIL_LINES:
        start = max(start, line_starts[-TAIL_LINES])
    return start


def _has_word(folded: str, words: Sequence[str]) -> bool:
    padded = " " + _PUNCTUATION.sub(" ", folded) + " "
    return any(f" {word} " in padded for word in words)


def _is_upper_word(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return bool(letters) and not any(c.islower() for c in letters) and not any(c.isdigit() for c in token)


def _is_position_line(text: str) -> bool:
    """A short upper-case line that could be part of a position block (not a heading, list item or code)."""
    if (
        len(text) > _MAX_POSITION_CHARS
        or not text[0].isalpha()
        or any(c in _POSITION_FORBIDDEN for c in text)
    ):
        return False
    words = text.split()
    if len(words) > _MAX_POSITION_WORDS or (_NUMBERED.match(text) and not _is_delegated(text)):
        return False
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and not any(c.islower() for c in letters)


def _is_delegated(text: str) -> bool:
    return bool(_DELEGATION.match(text))


def _names_position(text: str) -> bool:
    return _has_word(fold(text), _POSITION_WORDS)


def _is_name_word(word: str) -> bool:
    parts = re.split(r"['’]", word)
    if not all(part.isalpha() and len(part) <= _MAX_SYLLABLE_LETTERS for part in parts):
        return False
    if not word[0].isupper():
        return False
    # "Nguyễn", "A", "H'Hen": a capital, then lower case (a part after an apostrophe may be capitalised).
    return all(part[1:].islower() or len(part) == 1 for part in parts)


def _name(text: str) -> str | None:
    """``text`` when it is a person's name line, else None."""
    rest = text
    if match := _HONORIFIC.match(text):
        rest = text[match.end() :]
    words = rest.split()
    if not _MIN_NAME_WORDS <= len(words) <= _MAX_NAME_WORDS:
        return None
    if not all(_is_name_word(word) for word in words):
        return None
    if not any(c.islower() for c in rest) or fold(words[0]) in _NOT_A_SURNAME:
        return None
    return text


def _split_compact(text: str) -> tuple[str, str] | None:
    """(position words, name) of a one-line block: "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH (Đã ký) Nguyễn Văn A"."""
    tokens = text.split()
    count = 0
    while count < len(tokens) and _is_upper_word(tokens[count]):
        count += 1
    if count < 2 or count == len(tokens):
        return None
    position = " ".join(tokens[:count])
    rest = " ".join(tokens[count:])
    if rest.startswith(("(", "[")):
        close = max(rest.find(")"), rest.find("]"))
        if close < 0:
            return None
        rest = rest[close + 1 :].strip()
    name = _name(rest)
    if name is None or not _is_position_line(position):
        return None
    return position, name


def _block(positions: list[tuple[str, int]]) -> list[tuple[str, int]] | None:
    """The position lines (in order) that form the block, or None when they do not name a position."""
    for index, (text, _) in enumerate(positions):
        if _is_delegated(text):
            return positions[index:]
    for index, (text, _) in enumerate(positions):
        if _names_position(text):
            return positions[index:]
    return None


def _positions_above(cells: Sequence[_Cell], index: int) -> list[tuple[str, int]]:
    """The run of position lines ending at ``cells[index]`` (at most one blank line between two of them)."""
    found: list[tuple[str, int]] = []
    blanks = 0
    while index >= 0 and len(found) < _MAX_POSITION_LINES:
        cell = cells[index]
        if cell.text is None:
            blanks += 1
            if blanks > 1 or not found:
                break
        elif _is_position_line(cell.text):
            found.append((cell.text, cell.start))
            blanks = 0
        else:
            break
        index -= 1
    found.reverse()
    return found


def _signature_at(cells: Sequence[_Cell], index: int) -> Signature | None:
    cell = cells[index]
    if cell.text is None:
        return None
    name = _name(cell.text)
    if name is not None:
        above = index - 1
        annotations = 0
        while above >= 0:
            text = cells[above].text
            if text is not None:
                if not _ANNOTATION.match(fold(text)) or annotations >= _MAX_ANNOTATIONS:
                    break
                annotations += 1
            above -= 1
        positions = _positions_above(cells, above)
    elif compact := _split_compact(cell.text):
        position, name = compact
        positions = [*_positions_above(cells, index - 1), (position, cell.start)]
    else:
        return None
    block = _block(positions)
    if not block:
        return None
    titles = tuple(text for text, _ in block)
    return Signature(
        name=name, title=TITLE_SEPARATOR.join(titles), start=block[0][1], end=cell.end, positions=titles
    )


def parse_signature(text: str, *, body_start: int = 0) -> Signature | None:
    """The last signature block in the end of ``text`` (after ``body_start``), or None when there is none."""
    cells = _cells(text, _tail_start(text, body_start))
    for index in range(len(cells) - 1, -1, -1):
        if signature := _signature_at(cells, index):
            return signature
    return None
