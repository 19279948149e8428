"""Loaders: a file -> :class:`LoadedText` (Unicode text, not yet normalised).

- ``.txt``/``.md``: encoding detected from the bytes (:mod:`ingestion.encoding`).
- ``.docx``: python-docx for the package, our own walk of the body for paragraphs and tables in document
  order, and the numbers Word's automatic numbering draws (``numbering.xml``) put back in front of the
  paragraph text — they are not in the text runs, and without them "1.7.1." is lost.
- ``.pdf``: pypdf's text layer with positions; lines grouped per page, running headers/footers and page
  numbers dropped, hyphenated words and wrapped lines re-joined into paragraphs; ``page_offsets`` filled.

Text from docx/pdf typed in a legacy font (TCVN3/VNI code points) is converted to Unicode as well.

Every loader applies :class:`~ingestion.limits.IngestLimits` before the expensive step: a .docx's zip is
inspected (and inflated through a capped stream) before python-docx opens it, a PDF's pages are counted
before their text is extracted, and loaded text far over the text limit is refused before normalisation.
"""

from __future__ import annotations

import itertools
import re
import statistics
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingestion.encoding import convert_legacy, decode_text_bytes, detect_legacy
from ingestion.limits import COMPRESSION_RATIO_FLOOR_BYTES, MAX_COMPRESSION_RATIO, IngestLimits
from ingestion.model import FileFormat, IngestError, LoadedText
from ingestion.numerals import to_roman

if TYPE_CHECKING:
    from lxml.etree import _Element

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".docx", ".pdf"})

# Loaded text is refused before normalisation (which keeps an offset per character) when it is this many
# times over the text limit; normalisation only removes characters, rarely more than a few percent.
_LOADED_TEXT_SLACK = 2
# Inflating a zip member to check its real size: read this much at a time.
_INFLATE_BLOCK = 1024 * 1024


def load_file(path: Path, limits: IngestLimits | None = None) -> LoadedText:
    """Load one file. Raises :class:`IngestError` (unsupported_format, corrupt_file, unknown_encoding,
    scanned_pdf, encrypted_pdf, empty_document, and the limit codes of :mod:`ingestion.limits`) with a
    Vietnamese message."""
    limits = limits or IngestLimits()
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(
            "unsupported_format",
            f"Định dạng tệp '{suffix or '(không có đuôi)'}' không được hỗ trợ. "
            "Chỉ nạp được tệp .txt, .md, .docx và .pdf.",
            detail=path.name,
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError("corrupt_file", "Không đọc được tệp.", detail=f"{path.name}: {exc}") from exc
    if not data.strip():
        raise _empty(path)
    if suffix in (".txt", ".md"):
        decoded = decode_text_bytes(data)
        loaded = LoadedText(
            text=decoded.text, file_format="txt" if suffix == ".txt" else "md", encoding=decoded.encoding
        )
    elif suffix == ".docx":
        loaded = _load_docx(path, limits)
    else:
        loaded = _load_pdf(path, limits)
    _check_loaded_length(len(loaded.text), path, limits)
    if not loaded.text.strip():
        raise _empty(path)
    return loaded


def _check_loaded_length(length: int, path: Path, limits: IngestLimits) -> None:
    """Refuse text so far over the limit that normalising it would only waste memory and time."""
    if length > _LOADED_TEXT_SLACK * limits.max_text_chars:
        limits.check_text_length(length, path.name)


def _empty(path: Path) -> IngestError:
    return IngestError("empty_document", "Tệp không có nội dung văn bản.", detail=path.name)


def _corrupt(path: Path, what: str, exc: Exception) -> IngestError:
    return IngestError(
        "corrupt_file",
        f"Tệp {what} bị hỏng hoặc không đọc được.",
        detail=f"{path.name}: {type(exc).__name__}: {exc}",
    )


def _repair_legacy(text: str, file_format: FileFormat, page_offsets: tuple[int, ...] = ()) -> LoadedText:
    """Convert docx/pdf text typed in a TCVN3/VNI font; the encoding is recorded only when converted."""
    legacy = detect_legacy(text)
    if legacy is None:
        return LoadedText(text=text, file_format=file_format, page_offsets=page_offsets)
    if page_offsets:
        # Conversion can change lengths (VNI letters are two characters): convert page by page.
        bounds = [*page_offsets, len(text)]
        pages = [convert_legacy(text[a:b], legacy) for a, b in itertools.pairwise(bounds)]
        offsets, position = [], 0
        for page in pages:
            offsets.append(position)
            position += len(page)
        return LoadedText("".join(pages), file_format, encoding=legacy, page_offsets=tuple(offsets))
    return LoadedText(convert_legacy(text, legacy), file_format, encoding=legacy)


# ---------------------------------------------------------------------------------------------------------
# .docx
# ---------------------------------------------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


def _letters(number: int) -> str:
    """Word's letter numbering: a..z, then aa..zz, aaa.. (repeated letter, not base 26)."""
    if number <= 0:
        return ""
    repeat, index = divmod(number - 1, 26)
    return chr(ord("a") + index) * (repeat + 1)


def format_number(number: int, num_format: str) -> str:
    """One level's counter in a ``w:numFmt`` style."""
    if num_format in ("upperRoman", "lowerRoman"):
        roman = to_roman(number)
        return roman if num_format == "upperRoman" else roman.lower()
    if num_format in ("upperLetter", "lowerLetter"):
        letters = _letters(number)
        return letters.upper() if num_format == "upperLetter" else letters
    if num_format == "decimalZero":
        return f"{number:02d}"
    if num_format == "none":
        return ""
    return str(number)  # decimal and the formats we do not render specially


@dataclass
class _Level:
    start: int = 1
    num_format: str = "decimal"
    lvl_text: str = ""
    restart_after: int | None = None  # w:lvlRestart: restart after this (0-based) level; None = any higher
    legal: bool = False  # w:isLgl: show every level as decimal


@dataclass
class _Numbering:
    """numbering.xml resolved: abstract definitions, list instances, and running counters."""

    abstract_levels: dict[str, dict[int, _Level]] = field(default_factory=dict)
    num_to_abstract: dict[str, str] = field(default_factory=dict)
    start_overrides: dict[str, dict[int, int]] = field(default_factory=dict)
    # Style id -> (numId, ilvl) for styles that carry numbering (e.g. Heading 1 linked to an outline list).
    style_numbering: dict[str, tuple[str | None, int | None]] = field(default_factory=dict)
    style_parent: dict[str, str] = field(default_factory=dict)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)
    overrides_applied: set[str] = field(default_factory=set)

    def label(self, num_id: str, ilvl: int) -> str | None:
        """Advance the counters of list ``num_id`` at level ``ilvl`` and return the number Word would draw."""
        abstract_id = self.num_to_abstract.get(num_id)
        if abstract_id is None:
            return None
        levels = self.abstract_levels.get(abstract_id, {})
        if ilvl not in levels:
            return None
        # Word continues numbering across list instances of one abstract definition, unless an instance
        # overrides the start ("Restart numbering"), which resets the counter when that instance begins.
        counters = self.counters.setdefault(abstract_id, {})
        if num_id not in self.overrides_applied:
            self.overrides_applied.add(num_id)
            for level_index, start in self.start_overrides.get(num_id, {}).items():
                counters[level_index] = start - 1
                for deeper in [k for k in counters if k > level_index]:
                    del counters[deeper]
        level = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper, deeper_level in levels.items():
            if deeper > ilvl and deeper in counters:
                restart = deeper_level.restart_after
                if restart is None or restart >= ilvl:
                    del counters[deeper]
        if level.num_format == "bullet":
            return _bullet_text(level.lvl_text)

        def substitute(match: re.Match[str]) -> str:
            ref = int(match.group(1)) - 1
            ref_level = levels.get(ref, _Level())
            value = counters.get(ref, ref_level.start)
            return format_number(value, "decimal" if level.legal else ref_level.num_format)

        return re.sub(r"%(\d)", substitute, level.lvl_text)


def _bullet_text(lvl_text: str) -> str:
    """A bullet's symbol when it is ordinary text (``-``, ``+``, ``•``); ``-`` for symbol-font glyphs."""
    symbol = lvl_text.strip()
    if len(symbol) == 1 and not ("\ue000" <= symbol <= "\uf8ff") and unicodedata.category(symbol)[0] in "PS":
        return symbol
    return "-"


def _int_attr(element: _Element | None, default: int | None = None) -> int | None:
    if element is None:
        return default
    value = element.get(_w("val"))
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _read_numbering(document: Any) -> _Numbering:
    numbering = _Numbering()
    part = document.part
    try:
        numbering_root = part.numbering_part.element if _has_part(part, "numbering") else None
    except (KeyError, NotImplementedError):
        numbering_root = None
    if numbering_root is not None:
        for abstract in numbering_root.iterchildren(_w("abstractNum")):
            levels: dict[int, _Level] = {}
            for lvl in abstract.iterchildren(_w("lvl")):
                ilvl = _int_attr_raw(lvl, "ilvl")
                if ilvl is None:
                    continue
                num_fmt = lvl.find(_w("numFmt"))
                lvl_text = lvl.find(_w("lvlText"))
                restart = _int_attr(lvl.find(_w("lvlRestart")))
                levels[ilvl] = _Level(
                    start=_int_attr(lvl.find(_w("start")), 1) or 0,
                    num_format=(num_fmt.get(_w("val")) or "decimal") if num_fmt is not None else "decimal",
                    lvl_text=(lvl_text.get(_w("val")) or "") if lvl_text is not None else "",
                    restart_after=None if restart is None else restart - 1,
                    legal=lvl.find(_w("isLgl")) is not None,
                )
            numbering.abstract_levels[abstract.get(_w("abstractNumId")) or ""] = levels
        for num in numbering_root.iterchildren(_w("num")):
            num_id = num.get(_w("numId")) or ""
            abstract_ref = num.find(_w("abstractNumId"))
            if abstract_ref is not None:
                numbering.num_to_abstract[num_id] = abstract_ref.get(_w("val")) or ""
            for override in num.iterchildren(_w("lvlOverride")):
                ilvl = _int_attr_raw(override, "ilvl")
                start = _int_attr(override.find(_w("startOverride")))
                if ilvl is not None and start is not None:
                    numbering.start_overrides.setdefault(num_id, {})[ilvl] = start
    styles_root = document.styles.element
    for style in styles_root.iterchildren(_w("style")):
        style_id = style.get(_w("styleId")) or ""
        based_on = style.find(_w("basedOn"))
        if based_on is not None:
            numbering.style_parent[style_id] = based_on.get(_w("val")) or ""
        num_pr = style.find(f"{_w('pPr')}/{_w('numPr')}")
        if num_pr is not None:
            num_id_el = num_pr.find(_w("numId"))
            numbering.style_numbering[style_id] = (
                num_id_el.get(_w("val")) if num_id_el is not None else None,
                _int_attr(num_pr.find(_w("ilvl"))),
            )
    return numbering


def _has_part(part: Any, name: str) -> bool:
    """Whether the document has the part (python-docx would create an empty one on access)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    reltype = {"numbering": RT.NUMBERING}[name]
    return any(rel.reltype == reltype for rel in part.rels.values())


def _int_attr_raw(element: _Element, name: str) -> int | None:
    value = element.get(_w(name))
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _paragraph_numbering(p: _Element, numbering: _Numbering) -> tuple[str, int] | None:
    """(numId, ilvl) of a paragraph: its own numPr, else its style's (following basedOn)."""
    num_id: str | None = None
    ilvl: int | None = None
    num_pr = p.find(f"{_w('pPr')}/{_w('numPr')}")
    if num_pr is not None:
        num_id_el = num_pr.find(_w("numId"))
        num_id = num_id_el.get(_w("val")) if num_id_el is not None else None
        ilvl = _int_attr(num_pr.find(_w("ilvl")))
    style_el = p.find(f"{_w('pPr')}/{_w('pStyle')}")
    style_id = style_el.get(_w("val")) if style_el is not None else None
    seen: set[str] = set()
    while style_id and style_id not in seen and (num_id is None or ilvl is None):
        seen.add(style_id)
        style_num_id, style_ilvl = numbering.style_numbering.get(style_id, (None, None))
        num_id = num_id if num_id is not None else style_num_id
        ilvl = ilvl if ilvl is not None else style_ilvl
        style_id = numbering.style_parent.get(style_id)
    if num_id is None or num_id == "0":  # numId 0 switches numbering off
        return None
    return num_id, ilvl or 0


def _paragraph_text(p: _Element) -> str:
    """The visible text of a paragraph: runs, hyperlinks, fields' results; tabs and breaks kept."""
    parts: list[str] = []
    for element in p.iter(_w("t"), _w("tab"), _w("br"), _w("cr"), _w("noBreakHyphen"), _w("delText")):
        tag = element.tag
        if tag == _w("t"):
            parts.append(element.text or "")
        elif tag == _w("tab"):
            # A w:tab inside pPr/tabs is a tab stop definition, not a character.
            parent = element.getparent()
            if parent is not None and parent.tag == _w("tabs"):
                continue
            parts.append("\t")
        elif tag in (_w("br"), _w("cr")):
            parts.append("\n")
        elif tag == _w("noBreakHyphen"):
            parts.append("-")
        # delText is deleted text in tracked changes: not shown
    return "".join(parts)


def _iter_blocks(container: _Element) -> Iterator[_Element]:
    """w:p and w:tbl elements of a body in document order, looking inside content controls (w:sdt)."""
    for child in container.iterchildren():
        if child.tag in (_w("p"), _w("tbl")):
            yield child
        elif child.tag == _w("sdt"):
            content = child.find(_w("sdtContent"))
            if content is not None:
                yield from _iter_blocks(content)


def _table_rows(tbl: _Element, numbering: _Numbering) -> Iterator[str]:
    for tr in tbl.iterchildren(_w("tr")):
        cells: list[str] = []
        for tc in tr.iterchildren(_w("tc")):
            paragraphs = [_numbered_text(p, numbering) for p in tc.iter(_w("p"))]
            cells.append(" ".join(text.strip() for text in paragraphs if text.strip()))
        if any(cells):
            yield " | ".join(cells)


def _numbered_text(p: _Element, numbering: _Numbering) -> str:
    text = _paragraph_text(p)
    numbered = _paragraph_numbering(p, numbering)
    if numbered is None or not text.strip():
        return text
    label = numbering.label(*numbered)
    return f"{label} {text.lstrip()}" if label else text


def _check_docx_archive(path: Path, limits: IngestLimits) -> None:
    """Refuse a .docx whose zip would inflate past the limits, before python-docx inflates it.

    The central directory is checked first: member count, the sum of declared sizes, and each member's
    compression ratio measured against the bytes it really occupies in the file (up to the next member),
    which a lying directory cannot shrink. Then every member is inflated through a stream that stops at
    the cap (``zipfile`` itself never returns more than a member's declared size, and checks that size and
    the CRC at the member's end: data that does not match its directory is refused as damaged).
    """
    cap = limits.max_uncompressed_bytes
    file_size = max(path.stat().st_size, 1)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > limits.max_archive_members:
                raise IngestError(
                    "too_many_archive_members",
                    f"Tệp .docx có {len(members):,} thành phần nén, vượt giới hạn "
                    f"{limits.max_archive_members:,} (VANKIEN_INGEST__MAX_ARCHIVE_MEMBERS); không nạp.",
                    detail=f"{path.name}: {len(members)} > {limits.max_archive_members} members",
                )
            declared = sum(member.file_size for member in members)
            if declared > cap:
                raise limits.too_large_uncompressed(path.name, f"declared {declared} > {cap} bytes")
            starts = sorted({member.header_offset for member in members} | {file_size})
            for member in members:
                following = next((s for s in starts if s > member.header_offset), file_size)
                occupied = max(following - member.header_offset, 1)
                if (
                    member.file_size > COMPRESSION_RATIO_FLOOR_BYTES
                    and member.file_size > MAX_COMPRESSION_RATIO * occupied
                ):
                    raise limits.too_large_uncompressed(
                        path.name,
                        f"{member.filename}: {occupied} bytes inflate to {member.file_size} "
                        f"(more than {MAX_COMPRESSION_RATIO} times)",
                    )
            inflated = 0
            for member in members:
                with archive.open(member) as stream:
                    while block := stream.read(_INFLATE_BLOCK):
                        inflated += len(block)
                        if inflated > cap:
                            raise limits.too_large_uncompressed(
                                path.name, f"{member.filename}: inflates past {cap} bytes"
                            )
    except IngestError:
        raise
    except Exception as exc:  # BadZipFile, a bad CRC, an unsupported compression, zlib errors
        raise _corrupt(path, ".docx", exc) from exc


_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the compound-file header of Word 97-2003 (.doc) files


def _load_docx(path: Path, limits: IngestLimits) -> LoadedText:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    with path.open("rb") as head:
        if head.read(4) == _OLE_MAGIC:
            # A Word 97-2003 file renamed .docx: say what it is rather than "damaged".
            raise IngestError(
                "unsupported_format",
                "Tệp Word 97-2003 (.doc) chưa được hỗ trợ: hãy lưu lại thành .docx rồi nạp.",
                detail=path.name,
            )
    _check_docx_archive(path, limits)
    try:
        document = Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise _corrupt(path, ".docx", exc) from exc
    except Exception as exc:  # zipfile.BadZipFile, lxml XMLSyntaxError: a damaged package
        raise _corrupt(path, ".docx", exc) from exc
    numbering = _read_numbering(document)
    lines: list[str] = []
    for block in _iter_blocks(document.element.body):
        if block.tag == _w("tbl"):
            lines.extend(_table_rows(block, numbering))
        else:
            lines.append(_numbered_text(block, numbering))
    return _repair_legacy("\n".join(lines), "docx")


# ---------------------------------------------------------------------------------------------------------
# .pdf
# ---------------------------------------------------------------------------------------------------------

# An edge line that is only a page number: "3", "- 3 -", "Trang 3", "3/12".
_PAGE_NUMBER = re.compile(
    r"^\s*(?:trang\s*)?[-–—(]?\s*\d{1,4}\s*[-–—)]?\s*(?:/\s*\d{1,4})?\s*$", re.IGNORECASE
)
# A line that starts a new block: numbering (I., 1., 1.1., a), Điều 5.), bullets, Chương/Mục/Phần.
_BLOCK_START = re.compile(
    r"^(?:[IVXLC]+[.\-)]\s|\d+(?:\.\d+)*[.)]?\s|[a-zđ][)]\s|[-–•+*]\s|(?:Điều|Chương|Mục|Phần|PHẦN|CHƯƠNG)\s)"
)
_SENTENCE_END = re.compile(r"[.:;!?…)\"”]$")
_SPACES = re.compile(r"[ \t\u00a0]{2,}")


@dataclass
class _Line:
    text: str
    x: float
    y: float
    size: float


def _page_lines(page: Any) -> list[_Line]:
    """Text lines of a page in content-stream (reading) order, with their start position and font size."""
    lines: list[_Line] = []
    current: _Line | None = None

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, font_size: float) -> None:
        nonlocal current
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        size = abs(font_size * (tm[3] or tm[0] or 1) * (cm[3] or cm[0] or 1)) or 1.0
        pieces = text.split("\n")
        for index, piece in enumerate(pieces):
            new_line = index > 0 or current is None
            if not new_line and piece.strip() and current is not None and current.text.strip():
                new_line = abs(y - current.y) > 0.5 * max(size, current.size)
            if new_line:
                current = _Line("", x, y, size)
                lines.append(current)
            assert current is not None
            if piece and not current.text.strip():
                current.x, current.y = x, y
            current.text += piece
            current.size = max(current.size, size) if piece.strip() else current.size

    page.extract_text(visitor_text=visit)
    cleaned = []
    for line in lines:
        text = _SPACES.sub(" ", line.text).strip()
        if text:
            cleaned.append(_Line(text, line.x, line.y, line.size))
    return cleaned


def _edge_key(text: str) -> str:
    """Running headers differ only in their page numbers: compare them with digits masked."""
    return re.sub(r"\d+", "#", text.lower())


def _drop_running_lines(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Remove page numbers and lines repeated at the top or bottom of most pages."""
    edge = 2  # lines considered at each edge of a page

    def edges(lines: list[_Line]) -> list[_Line]:
        by_height = sorted(lines, key=lambda line: -line.y)
        return by_height[:edge] + by_height[-edge:]

    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_edge_key(line.text) for line in edges(lines)})
    pages_with_text = sum(1 for lines in pages if lines)
    repeated = {
        key for key, n in counts.items() if pages_with_text >= 2 and n >= max(2, 0.5 * pages_with_text)
    }
    result = []
    for lines in pages:
        edge_ids = {id(line) for line in edges(lines)}
        result.append(
            [
                line
                for line in lines
                if id(line) not in edge_ids
                or not (_PAGE_NUMBER.match(line.text) or _edge_key(line.text) in repeated)
            ]
        )
    return result


def _join(previous: str, following: str) -> str:
    """Join a wrapped line to the paragraph; a word hyphenated at the line end is re-joined."""
    if previous.endswith("-") and len(previous) > 1 and previous[-2].isalpha() and following[:1].islower():
        return previous[:-1] + following
    return f"{previous} {following}"


def _is_paragraph_break(before: _Line, after: _Line, gap: float, full_length: float, margin: float) -> bool:
    short = len(before.text) < 0.8 * full_length
    if _BLOCK_START.match(after.text) and (short or _SENTENCE_END.search(before.text)):
        return True  # a numbered or bulleted item after a finished line
    if after.text[:1].islower():
        return False  # a line starting in lower case continues a sentence
    if gap > 0 and (before.y - after.y) > 1.4 * gap:
        return True  # extra vertical space between paragraphs
    if abs(after.size - before.size) > 0.5:
        return True  # a heading in another size
    if after.x > margin + 0.8 * after.size and after.x > before.x + 1:
        return True  # first-line indent
    return short and not before.text.endswith(",")


def _paragraphs(pages: list[list[_Line]]) -> tuple[str, tuple[int, ...]]:
    """Re-join each page's lines into paragraphs; a paragraph may continue onto the next page."""
    all_lines = [line for lines in pages for line in lines]
    if not all_lines:
        return "", tuple(0 for _ in pages)
    full_length = sorted(len(line.text) for line in all_lines)[int(0.9 * (len(all_lines) - 1))]
    margin = min(statistics.median(line.x for line in all_lines), min(line.x for line in all_lines) + 5)
    paragraphs: list[str] = []
    page_offsets: list[int] = []
    previous: _Line | None = None
    length = 0  # length of "\n".join(paragraphs)
    # Line spacing inside a paragraph is the smallest common gap between successive lines (the lower
    # quartile: robust to the wider gaps between paragraphs, which can be as frequent on short pages).
    gaps = sorted(
        a.y - b.y
        for lines in pages
        for a, b in itertools.pairwise(lines)
        if 0.5 * a.size < a.y - b.y < 3 * a.size
    )
    gap = gaps[len(gaps) // 4] if gaps else 0.0
    for lines in pages:
        page_start: int | None = None
        for index, line in enumerate(lines):
            same_page = index > 0
            continues = previous is not None and (
                not _is_paragraph_break(previous, line, gap, full_length, margin)
                if same_page
                else (
                    line.text[:1].islower()
                    and not _SENTENCE_END.search(previous.text)
                    and len(previous.text) >= 0.8 * full_length
                )
            )
            if continues:
                joined = _join(paragraphs[-1], line.text)
                if page_start is None:
                    # The page starts inside a paragraph: at the first character of this line.
                    page_start = length - len(paragraphs[-1]) + len(joined) - len(line.text)
                length += len(joined) - len(paragraphs[-1])
                paragraphs[-1] = joined
            else:
                length += len(line.text) + (1 if paragraphs else 0)
                paragraphs.append(line.text)
                if page_start is None:
                    page_start = length - len(line.text)
            previous = line
        page_offsets.append(page_start if page_start is not None else length)
    return "\n".join(paragraphs), tuple(page_offsets)


def _load_pdf(path: Path, limits: IngestLimits) -> LoadedText:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    try:
        reader = PdfReader(str(path))
        # A PDF with only an owner password (restrictions on printing, copying) opens with the empty
        # user password; AES-encrypted ones need the `cryptography` package for that.
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(
                "encrypted_pdf",
                "Tệp PDF được bảo vệ bằng mật khẩu mở tệp, không đọc được. "
                "Hãy gỡ mật khẩu (lưu lại bản không mật khẩu) rồi nạp lại.",
                detail=path.name,
            )
        limits.check_pdf_pages(len(reader.pages), path.name)
        pages: list[list[_Line]] = []
        extracted = 0
        for page in reader.pages:
            pages.append(_page_lines(page))
            extracted += sum(len(line.text) + 1 for line in pages[-1])
            _check_loaded_length(extracted, path, limits)
    except IngestError:
        raise
    except DependencyError as exc:
        raise IngestError(
            "encrypted_pdf",
            "Tệp PDF được mã hoá theo cách cần thư viện 'cryptography' để mở; hãy cài thư viện này.",
            detail=f"{path.name}: {exc}",
        ) from exc
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise _corrupt(path, "PDF", exc) from exc
    except Exception as exc:  # pypdf raises assorted errors on damaged streams
        raise _corrupt(path, "PDF", exc) from exc
    if not pages:
        raise _empty(path)
    if not any(any(c.isalnum() for line in lines for c in line.text) for lines in pages):
        raise IngestError(
            "scanned_pdf",
            "Tệp PDF là bản quét (chỉ có hình ảnh), không có lớp văn bản. "
            "Cần nhận dạng ký tự (OCR) trước khi nạp.",
            detail=f"{path.name}: {len(pages)} trang, không có văn bản",
        )
    text, page_offsets = _paragraphs(_drop_running_lines(pages))
    return _repair_legacy(text, "pdf", page_offsets)
