"""The section tree of a normalised document.

Three steps:

1. **Candidates.** Every line that starts with a numbering token is a candidate: ``Phần thứ nhất``, ``PHẦN A:``,
   ``A.``, ``I.``/``I-``, ``1.``, ``1)``, ``1.1.``/``1.1`` (any depth), ``a)``, ``(1)``, ``Thứ nhất,``, ``Một là,``,
   and for legal texts ``Chương I``, ``Mục 1``, ``Điều 5.``. ``Nơi nhận:`` and ``MỞ ĐẦU``/``KẾT LUẬN``/``PHỤ LỤC``
   are top-level blocks. A whole line the source marked bold (see ``bold_spans``) is an unnumbered heading. Dash
   bullets (``-``, ``+``, ``•``) are never headings.
2. **Heading or list item.** A candidate is *clear* (no final punctuation, or an upper-case line), *colon*
   (``2.1. Chỉ tiêu kinh tế: Giá trị…``: heading plus body on the same line) or a *sentence* (ends like a sentence).
   Candidates of one style with consecutive ordinals form a run, decided together: in a run that is mostly sentences
   (``1. Nghị quyết này được triển khai…``, ``2. Các cấp ủy…``) the members are list items, unless a clear member has
   a body of its own; otherwise clear and colon members are headings, and a sentence member is a heading when a body
   follows it (``4.1 Tạo sự chuyển biến… của Đảng.`` followed by bullets, next to ``4.2 Công tác dân vận:``). Inside
   an ``Điều``, numbered clauses and lettered points are always sections (``Khoản 1``, ``Điểm a``).
3. **Levels.** No fixed table: a style not open on the current path becomes a level below the current heading; a style
   that is open pops back to it. Decimal numbers nest by prefix (``1.7.1.`` under ``1.7.``, ``2.`` closes ``1.2``).
   A new style whose ordinal continues an open heading of another style is that heading's sibling (``B.`` after
   ``PHẦN A:``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from ingestion.model import Section
from ingestion.numerals import roman_value

HeadingClass = Literal["clear", "colon", "sentence"]

_WORD_ORDINALS = {
    "nhất": 1,
    "một": 1,
    "hai": 2,
    "ba": 3,
    "tư": 4,
    "bốn": 4,
    "năm": 5,
    "sáu": 6,
    "bảy": 7,
    "tám": 8,
    "chín": 9,
    "mười": 10,
}
_ORDINAL_WORDS = "|".join(sorted(_WORD_ORDINALS, key=len, reverse=True))
_UPPER_LETTERS = "ABCDĐEFGHIKLMNOPQRSTUVXY"
_LOWER_LETTERS = "abcdđeghiklmnopqrstuvxy"

# Structural headings: always headings when they match.
_PART = re.compile(
    rf"^(?:PHẦN|Phần)\s+(?:(?:thứ|THỨ|Thứ)\s+(?P<word>{_ORDINAL_WORDS})\b|(?P<roman>[IVXL]+)\b|"
    r"(?P<letter>[A-ZĐ])\b|(?P<num>\d{1,2})\b)(?P<sep>\s*[.:\-–)]?)\s*",
    re.IGNORECASE,
)
_CHAPTER = re.compile(r"^(?:CHƯƠNG|Chương)\s+(?P<roman>[IVXL]+|\d{1,3})\b(?P<sep>\s*[.:\-–]?)\s*")
_LAW_SECTION = re.compile(r"^(?:MỤC|Mục)\s+(?P<roman>[IVXL]+|\d{1,3})\b(?P<sep>\s*[.:\-–]?)\s*")
_ARTICLE = re.compile(r"^(?:ĐIỀU|Điều)\s+(?P<num>\d{1,3}[a-z]?)(?:\s*[.:\-–]\s*|\s*$)")
_CLOSING = re.compile(r"^(?:Nơi nhận|NƠI NHẬN|Nơi gửi|NƠI GỬI)\s*:?", re.IGNORECASE)
_KEYWORD = re.compile(
    r"^(?:PHẦN\s+)?(?:MỞ ĐẦU|KẾT LUẬN|PHỤ LỤC|LỜI MỞ ĐẦU|LỜI NÓI ĐẦU)\b(?P<rest>.*)$", re.IGNORECASE
)
_KEYWORD_REST = re.compile(r"\s*(?:$|[:.\-–]|\d|[IVX]+\b)")
# Numbered items: headings or list items, decided in context.
_UPPER = re.compile(r"^(?P<letter>[A-ZĐ])\s?[.)\-–]\s*(?=\S)")
_ROMAN = re.compile(r"^(?P<roman>[IVX]{1,6})\s?(?:[.)\-–]|/(?!v\b))\s*(?=\S)")  # not "V/v" (subject line)
_DECIMAL = re.compile(r"^(?P<dec>\d{1,3}(?:\.\d{1,2}){1,5})(?!\d)(?P<dot>\.)?(?:\s+|\s*[)\-–:]\s*)(?=\S)")
_NUMBER = re.compile(r"^(?P<num>\d{1,3})(?:\s?(?P<punct>[.)])|(?P<dash>[-–]))(?!\d)\s*(?=\S)")
_LOWER = re.compile(r"^(?P<letter>[a-zđ])\s?[).]\s+(?=\S)")
_PAREN = re.compile(r"^\((?P<num>\d{1,2}|[a-zđ])\)\s*(?=\S)")
_ORDINAL = re.compile(rf"^(?:Thứ|THỨ)\s+(?P<word>{_ORDINAL_WORDS})\s*[,:.\-–]\s*(?=\S)", re.IGNORECASE)
_ENUMERATION = re.compile(rf"^(?P<word>{_ORDINAL_WORDS})\s+là\s*[,:]\s*(?=\S)", re.IGNORECASE)

# Signature blocks: "TM. ỦY BAN NHÂN DÂN", "T/M HUYỆN ỦY", "KT. CHỦ TỊCH".
_SIGNATURE = re.compile(r"^(?:T/?M|K/?T|TL|TUQ|Q)\.?\s", re.IGNORECASE)
_SENTENCE_END = frozenset(".!?;,…")
_CLOSERS = frozenset("\"'”’»)]")
_MAX_CLEAR_HEADING = (
    500  # longer "headings" without final punctuation are paragraphs with a missing full stop
)
_MAX_COLON_TITLE = 150  # "Chỉ tiêu kinh tế: …" — the part before the colon must read as a title
_MAX_BOLD_HEADING = 150


@dataclass
class Candidate:
    """A line that starts with a numbering token (or is a bold line)."""

    line_start: int
    line_end: int
    line: str
    style: str  # numbering family: "part", "chapter", "article", "upper", "roman", "decimal", "dec1)", "lower", …
    number: str  # the token as written: "1.7.1.", "PHẦN A:", "Điều 5."
    token_end: int  # offset in ``line`` where the text after the token starts
    ordinal: int | None = None
    ordinal_kind: str | None = None  # "letter", "roman", "number", "word": for continuation across styles
    components: tuple[int, ...] = ()  # decimal numbers only
    structural: bool = False  # Phần/Chương/Mục/Điều/closing blocks: always headings
    top_level_block: bool = False  # Nơi nhận, Mở đầu, Kết luận: top level, never a parent
    kind: HeadingClass = "clear"
    heading_end: int = 0  # offset in ``line`` where the heading ends (before ": body")
    body_offset: int = 0  # offset in ``line`` where same-line body starts (len(line) when none)
    has_body: bool = False
    is_heading: bool = False

    @property
    def run_key(self) -> tuple[str, tuple[int, ...]]:
        return (self.style, self.components[:-1])


@dataclass
class _Open:
    candidate: Candidate
    section_id: str
    path: tuple[str, ...]
    children: int = 0


@dataclass
class _Draft:
    id: str
    parent_id: str | None
    level: int
    number: str | None
    heading: str
    path: tuple[str, ...]
    start: int
    body_start: int
    end: int = -1


def _letter_value(letter: str) -> int | None:
    alphabet = _UPPER_LETTERS if letter.isupper() else _LOWER_LETTERS
    index = alphabet.find(letter)
    return index + 1 if index >= 0 else None


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip()
    while stripped and stripped[-1] in _CLOSERS:
        stripped = stripped[:-1]
    return bool(stripped) and stripped[-1] in _SENTENCE_END


def _is_upper_line(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def _title_like_rest(rest: str, sep: str) -> bool:
    """After "Phần thứ hai"/"Chương II": nothing, a separator, or an upper-case title — not running prose."""
    return not rest or bool(sep.strip()) or _is_upper_line(rest)


def _structural(line: str) -> Candidate | None:
    if match := _PART.match(line):
        rest = line[match.end() :]
        if not _title_like_rest(rest, match.group("sep")):
            return None
        ordinal: int | None
        if word := match.group("word"):
            ordinal, kind = _WORD_ORDINALS[word.lower()], "part-word"
        elif roman := match.group("roman"):
            ordinal, kind = roman_value(roman), "roman"
        elif letter := match.group("letter"):
            ordinal, kind = _letter_value(letter.upper()), "letter"
        else:
            ordinal, kind = int(match.group("num")), "number"
        return _candidate(line, match.end(), "part", ordinal, kind, structural=True)
    for pattern, style in ((_CHAPTER, "chapter"), (_LAW_SECTION, "law-section")):
        if match := pattern.match(line):
            rest = line[match.end() :]
            if not _title_like_rest(rest, match.group("sep")):
                return None
            token = match.group("roman")
            value = int(token) if token.isdigit() else roman_value(token)
            return _candidate(line, match.end(), style, value, "roman", structural=True)
    if match := _ARTICLE.match(line):
        number = match.group("num")
        ordinal = int(number) if number.isdigit() else None
        return _candidate(line, match.end(), "article", ordinal, "number", structural=True)
    if match := _CLOSING.match(line):
        return _candidate(line, len(line), "closing", None, None, structural=True, top_level_block=True)
    if (
        (match := _KEYWORD.match(line))
        and len(line) <= _MAX_BOLD_HEADING
        and not _ends_sentence(line)
        and (_is_upper_line(line) or _KEYWORD_REST.match(match.group("rest")))
    ):
        return _candidate(line, len(line), "keyword", None, None, structural=True, top_level_block=True)
    return None


def _candidate(
    line: str,
    token_end: int,
    style: str,
    ordinal: int | None,
    ordinal_kind: str | None,
    *,
    components: tuple[int, ...] = (),
    structural: bool = False,
    top_level_block: bool = False,
) -> Candidate:
    return Candidate(
        line_start=0,
        line_end=0,
        line=line,
        style=style,
        number=line[:token_end].strip(),
        token_end=token_end,
        ordinal=ordinal,
        ordinal_kind=ordinal_kind,
        components=components,
        structural=structural,
        top_level_block=top_level_block,
    )


def _numbered(line: str) -> Candidate | None:
    if match := _DECIMAL.match(line):
        components = tuple(int(part) for part in match.group("dec").split("."))
        return _candidate(line, match.end(), "decimal", components[-1], "number", components=components)
    if match := _NUMBER.match(line):
        number_value = int(match.group("num"))
        style = "number)" if match.group("punct") == ")" else "decimal"
        components = (number_value,) if style == "decimal" else ()
        return _candidate(line, match.end(), style, number_value, "number", components=components)
    if match := _ROMAN.match(line):
        numeral = roman_value(match.group("roman"))
        if numeral is not None:
            return _candidate(line, match.end(), "roman", numeral, "roman")
    if match := _UPPER.match(line):
        return _candidate(line, match.end(), "upper", _letter_value(match.group("letter")), "letter")
    if match := _LOWER.match(line):
        return _candidate(line, match.end(), "lower", _letter_value(match.group("letter")), "lower-letter")
    if match := _PAREN.match(line):
        token = match.group("num")
        if token.isdigit():
            return _candidate(line, match.end(), "(number)", int(token), "number")
        return _candidate(line, match.end(), "(lower)", _letter_value(token), "lower-letter")
    if match := _ORDINAL.match(line):
        return _candidate(line, match.end(), "ordinal", _WORD_ORDINALS[match.group("word").lower()], "word")
    if match := _ENUMERATION.match(line):
        return _candidate(
            line, match.end(), "enumeration", _WORD_ORDINALS[match.group("word").lower()], "word"
        )
    return None


def _classify(candidate: Candidate) -> None:
    """Set ``kind``, ``heading_end`` and ``body_offset`` from the text after the token."""
    line = candidate.line
    rest = line[candidate.token_end :]
    candidate.heading_end = len(line)
    candidate.body_offset = len(line)
    if candidate.structural or not rest.strip() or _is_upper_line(line):
        candidate.kind = "clear"
        return
    colon = rest.find(":")
    if 0 < colon <= _MAX_COLON_TITLE and rest[colon + 1 :].strip() and ". " not in rest[:colon]:
        candidate.kind = "colon"
        candidate.heading_end = candidate.token_end + colon
        after = candidate.token_end + colon + 1
        candidate.body_offset = after + (len(line[after:]) - len(line[after:].lstrip()))
        return
    if _ends_sentence(rest) or len(line) > _MAX_CLEAR_HEADING:
        candidate.kind = "sentence"
    else:
        candidate.kind = "clear"


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str


def _lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    start = 0
    for raw in text.split("\n"):
        end = start + len(raw)
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            lines.append(_Line(start + lead, start + lead + len(stripped), stripped))
        start = end + 1
    return lines


def _fully_bold(line: _Line, bold_spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= line.start and line.end <= end for start, end in bold_spans)


def find_candidates(
    text: str, *, body_start: int = 0, bold_spans: Sequence[tuple[int, int]] = ()
) -> list[Candidate]:
    """Heading candidates in reading order, classified and decided (``is_heading``)."""
    lines = _lines(text)
    candidates: list[Candidate] = []
    candidate_at: dict[int, Candidate] = {}
    last_upper_letter = 0
    closed = False  # after "Nơi nhận:" come recipients and the signature block, never headings
    for position, line in enumerate(lines):
        if line.end <= body_start:
            continue
        candidate = _structural(line.text) or _numbered(line.text)
        bold = bool(bold_spans) and _fully_bold(line, bold_spans)
        if candidate is None:
            if (
                bold
                and not closed
                and len(line.text) <= _MAX_BOLD_HEADING
                and line.text[0] not in "-+•–"
                and not _SIGNATURE.match(line.text)
                and not _ends_sentence(line.text)
            ):
                candidate = _candidate(line.text, 0, "bold", None, None)
            else:
                continue
        # "I."/"V."/"X." after "H."/"U."/"W." headings are letters, not roman numerals.
        if candidate.style == "roman" and len(candidate.number.rstrip(".)-–/ ")) == 1:
            letter_value = _letter_value(candidate.number[0])
            if letter_value is not None and last_upper_letter == letter_value - 1:
                candidate.style, candidate.ordinal_kind, candidate.ordinal = "upper", "letter", letter_value
        if candidate.style == "upper" and candidate.ordinal is not None:
            last_upper_letter = candidate.ordinal
        candidate.line_start, candidate.line_end = line.start, line.end
        closed = closed or candidate.style == "closing"
        _classify(candidate)
        if bold and candidate.kind == "sentence":
            candidate.kind = "clear"
        candidates.append(candidate)
        candidate_at[position] = candidate
    # A body of its own: the next non-empty line is not a candidate (text, bullets).
    for position, candidate in candidate_at.items():
        candidate.has_body = position + 1 < len(lines) and (position + 1) not in candidate_at
        if candidate.kind == "colon":
            candidate.has_body = True
    _decide_runs(candidates)
    return candidates


def _decide_runs(candidates: list[Candidate]) -> None:
    runs: list[list[Candidate]] = []
    open_runs: dict[tuple[str, tuple[int, ...]], list[Candidate]] = {}
    for candidate in candidates:
        if candidate.structural or candidate.style == "bold":
            candidate.is_heading = True
            continue
        key = candidate.run_key
        run = open_runs.get(key)
        previous = run[-1].ordinal if run else None
        if run is not None and previous is not None and candidate.ordinal == previous + 1:
            run.append(candidate)
        else:
            run = [candidate]
            open_runs[key] = run
            runs.append(run)
    for run in runs:
        titled = sum(1 for c in run if c.kind in ("clear", "colon"))
        sentences = len(run) - titled
        list_run = sentences > titled
        for candidate in run:
            if list_run:
                candidate.is_heading = candidate.kind == "clear" and candidate.has_body
            else:
                candidate.is_heading = candidate.kind != "sentence" or candidate.has_body


def _pop_index(stack: list[_Open], candidate: Candidate) -> int:
    """How many entries of ``stack`` stay open when ``candidate`` becomes a heading."""
    if candidate.top_level_block:
        return 0
    if candidate.style == "decimal":
        for i in range(len(stack) - 1, -1, -1):
            other = stack[i].candidate
            depth = len(other.components)
            if (
                other.style == "decimal"
                and depth < len(candidate.components)
                and candidate.components[:depth] == other.components
            ):
                return i + 1
        for i, entry in enumerate(stack):
            other = entry.candidate
            if other.style == "decimal" and len(other.components) >= len(candidate.components):
                return i
        return len(stack)
    for i, entry in enumerate(stack):
        if entry.candidate.style == candidate.style:
            return i
    if (
        candidate.ordinal is not None
        and candidate.ordinal > 1
        and candidate.ordinal_kind in ("letter", "roman")
    ):
        for i in range(len(stack) - 1, -1, -1):
            other = stack[i].candidate
            if other.ordinal_kind == candidate.ordinal_kind and other.ordinal == candidate.ordinal - 1:
                return i
    return len(stack)


def _heading_of(candidate: Candidate, in_article: bool) -> tuple[str, int]:
    """The heading text and the offset in the line where the body starts."""
    if in_article and candidate.style in ("decimal", "number)") and len(candidate.components) <= 1:
        return f"Khoản {candidate.ordinal}", candidate.token_end
    if in_article and candidate.style in ("lower", "(lower)"):
        return f"Điểm {candidate.number.strip('().').strip()}", candidate.token_end
    heading = candidate.line[: candidate.heading_end].rstrip()
    return heading, candidate.body_offset


def build_sections(
    text: str,
    candidates: Sequence[Candidate],
    *,
    page_of: Callable[[int], int | None] | None = None,
) -> tuple[Section, ...]:
    """The section tree (pre-order) from decided candidates."""
    drafts: list[_Draft] = []
    stack: list[_Open] = []
    top_level_count = 0
    first_heading_start: int | None = None
    for candidate in candidates:
        in_article = any(entry.candidate.style == "article" for entry in stack)
        law_unit = in_article and (
            (candidate.style in ("decimal", "number)") and len(candidate.components) <= 1)
            or candidate.style in ("lower", "(lower)")
        )
        if not candidate.is_heading and not law_unit:
            continue
        while stack and stack[-1].candidate.top_level_block:
            stack.pop()
        keep = _pop_index(stack, candidate)
        del stack[keep:]
        heading, body_offset = _heading_of(candidate, in_article and law_unit)
        if stack:
            parent = stack[-1]
            parent.children += 1
            section_id = f"{parent.section_id}.{parent.children}"
            parent_id: str | None = parent.section_id
            path = (*parent.path, heading)
        else:
            top_level_count += 1
            section_id = str(top_level_count)
            parent_id = None
            path = (heading,)
        if first_heading_start is None:
            first_heading_start = candidate.line_start
        body_start = candidate.line_start + body_offset
        if body_offset >= len(candidate.line):
            newline = text.find("\n", candidate.line_end)
            body_start = len(text) if newline < 0 else newline + 1
        drafts.append(
            _Draft(
                id=section_id,
                parent_id=parent_id,
                level=len(stack) + 1,
                number=candidate.number or None,
                heading=heading,
                path=path,
                start=candidate.line_start,
                body_start=body_start,
            )
        )
        stack.append(_Open(candidate, section_id, path))
    preamble_end = len(text) if first_heading_start is None else first_heading_start
    if text[:preamble_end].strip():
        drafts.insert(0, _Draft("0", None, 1, None, "", (), 0, 0, _trimmed_end(text, 0, preamble_end)))
    # A section ends where the next section at the same or a shallower level starts.
    open_drafts: list[_Draft] = []
    for draft in drafts:
        if draft.end >= 0:
            continue
        while open_drafts and open_drafts[-1].level >= draft.level:
            _close(text, open_drafts.pop(), draft.start)
        open_drafts.append(draft)
    for draft in open_drafts:
        _close(text, draft, len(text))
    return tuple(
        Section(
            id=d.id,
            parent_id=d.parent_id,
            level=d.level,
            number=d.number,
            heading=d.heading,
            path=d.path,
            start=d.start,
            body_start=d.body_start,
            end=d.end,
            page=page_of(d.start) if page_of is not None else None,
        )
        for d in drafts
    )


def _close(text: str, draft: _Draft, limit: int) -> None:
    draft.end = _trimmed_end(text, draft.start, limit)
    draft.body_start = min(draft.body_start, draft.end)


def _trimmed_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def is_numbered_line(line: str) -> bool:
    """Whether a (stripped) line starts with a numbering token or is a structural heading."""
    return _structural(line) is not None or _numbered(line) is not None
