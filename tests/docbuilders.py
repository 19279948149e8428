"""Builders for real test documents: .docx with Word automatic numbering, .pdf with and without a text
layer, and legacy-encoded Vietnamese bytes (TCVN3/ABC, VNI, Windows-1258) made from known Unicode text.

The legacy encoders are written from the published code charts, independently of the decoder in
``ingestion.encoding``, so a round trip through both checks the decoder's tables rather than echoing them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

# ---------------------------------------------------------------------------------------------------------
# Legacy Vietnamese encodings
# ---------------------------------------------------------------------------------------------------------

# Combining tone marks: huyền, sắc, hỏi, ngã, nặng.
_GRAVE, _ACUTE, _HOOK, _TILDE, _DOT = "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"
_TONES = (_GRAVE, _ACUTE, _HOOK, _TILDE, _DOT)

# TCVN3 (TCVN 5712:1993, VN3 — the ".Vn" fonts). Code points 0xA1-0xFE; the tone order of each row
# below is huyền, sắc, hỏi, ngã, nặng.
_TCVN3_BASES = {"ă": 0xA8, "â": 0xA9, "ê": 0xAA, "ô": 0xAB, "ơ": 0xAC, "ư": 0xAD, "đ": 0xAE}
_TCVN3_UPPER_BASES = {"Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7}
_TCVN3_TONED = {
    "a": (0xB5, 0xB8, 0xB6, 0xB7, 0xB9),
    "ă": (0xBB, 0xBE, 0xBC, 0xBD, 0xC6),
    "â": (0xC7, 0xCA, 0xC8, 0xC9, 0xCB),
    "e": (0xCC, 0xD0, 0xCE, 0xCF, 0xD1),
    "ê": (0xD2, 0xD5, 0xD3, 0xD4, 0xD6),
    "i": (0xD7, 0xDD, 0xD8, 0xDC, 0xDE),
    "o": (0xDF, 0xE3, 0xE1, 0xE2, 0xE4),
    "ô": (0xE5, 0xE8, 0xE6, 0xE7, 0xE9),
    "ơ": (0xEA, 0xED, 0xEB, 0xEC, 0xEE),
    "u": (0xEF, 0xF3, 0xF1, 0xF2, 0xF4),
    "ư": (0xF5, 0xF8, 0xF6, 0xF7, 0xF9),
    "y": (0xFA, 0xFD, 0xFB, 0xFC, 0xFE),
}

# VNI-Windows: a letter is a Latin base plus mark characters (Windows-1252). Tone marks after a plain
# base (a e o u y ơ ư), in the order huyền, sắc, hỏi, ngã, nặng:
_VNI_TONE = ("ø", "ù", "û", "õ", "ï")
# After a circumflex base (â ê ô) the circumflex mark itself is replaced by one of these:
_VNI_CIRCUMFLEX_TONE = ("à", "á", "å", "ã", "ä")
# After a breve base (ă):
_VNI_BREVE_TONE = ("è", "é", "ú", "ü", "ë")
# The i family is single characters.
_VNI_I = ("ì", "í", "æ", "ó", "ò")
_VNI_BASES = {"ă": "aê", "â": "aâ", "ê": "eâ", "ô": "oâ", "ơ": "ô", "ư": "ö", "đ": "ñ"}


def _split_tone(char: str) -> tuple[str, int | None]:
    """One NFC letter -> (the letter without its tone mark, index of the tone in _TONES or None)."""
    decomposed = unicodedata.normalize("NFD", char)
    tone = next((i for i, mark in enumerate(_TONES) if mark in decomposed), None)
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
    return bare, tone


def _unencodable(encoding: str, char: str, text: str) -> ValueError:
    return ValueError(f"{encoding} cannot encode {char!r} (U+{ord(char):04X}) in {text[:40]!r}")


def _cp1252_punctuation(char: str) -> int | None:
    """The Windows-1252 byte of punctuation such as – “ ” … (0x80-0x9F) and no-break space, which the .Vn fonts keep."""
    try:
        byte = char.encode("cp1252")[0]
    except UnicodeEncodeError:
        return None
    return byte if 0x80 <= byte <= 0xA0 else None


def encode_tcvn3(text: str, *, uppercase_toned: Literal["error", "lowercase"] = "error") -> bytes:
    """Encode Unicode Vietnamese as TCVN3 (ABC) bytes, as a ``.VnTime`` document stores them.

    TCVN3 has no upper-case toned letters (headings were typed in lower case and drawn upper case by the
    ``.VnTimeH`` font). ``uppercase_toned="lowercase"`` writes them the way such documents do, so the
    decoded text comes back with those letters in lower case; the default refuses them.
    """
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        if ord(char) < 0x80:
            out.append(ord(char))
            continue
        if char in _TCVN3_UPPER_BASES:
            out.append(_TCVN3_UPPER_BASES[char])
            continue
        bare, tone = _split_tone(char)
        if bare != bare.lower():
            if tone is None or uppercase_toned == "error":
                raise _unencodable("TCVN3", char, text)
            bare = bare.lower()
        if tone is None and bare in _TCVN3_BASES:
            out.append(_TCVN3_BASES[bare])
        elif tone is not None and bare in _TCVN3_TONED:
            out.append(_TCVN3_TONED[bare][tone])
        elif (punctuation := _cp1252_punctuation(char)) is not None:
            out.append(punctuation)
        else:
            raise _unencodable("TCVN3", char, text)
    return bytes(out)


def _vni_letter(bare: str, tone: int | None) -> str:
    """VNI surface characters for one lower-case letter."""
    if bare == "i":
        return "i" if tone is None else _VNI_I[tone]
    if tone is None:
        return _VNI_BASES.get(bare, bare)
    if bare in "âêô":
        return {"â": "a", "ê": "e", "ô": "o"}[bare] + _VNI_CIRCUMFLEX_TONE[tone]
    if bare == "ă":
        return "a" + _VNI_BREVE_TONE[tone]
    if bare in "aeouyơư":
        return _VNI_BASES.get(bare, bare) + _VNI_TONE[tone]
    raise KeyError(bare)


def encode_vni(text: str) -> bytes:
    """Encode Unicode Vietnamese as VNI-Windows bytes, as a ``VNI-Times`` document stores them."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if ord(char) < 0x80:
            out.append(char)
            continue
        bare, tone = _split_tone(char)
        lower = bare.lower()
        try:
            surface = _vni_letter(lower, tone)
        except KeyError:
            raise _unencodable("VNI", char, text) from None
        # Upper-case letters use the upper-case base and upper-case marks (0x20 below the lower ones).
        out.append(surface.upper() if bare != lower else surface)
    return "".join(out).encode("cp1252")


def encode_windows1258(text: str) -> bytes:
    """Encode Unicode Vietnamese as Windows-1258: precomposed base letters, tone marks as combining bytes."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            bare, tone = _split_tone(char)
            if tone is None:
                raise _unencodable("Windows-1258", char, text) from None
            out += (bare + _TONES[tone]).encode("cp1258")
    return bytes(out)


# ---------------------------------------------------------------------------------------------------------
# .docx with Word automatic numbering
# ---------------------------------------------------------------------------------------------------------

NumberFormat = Literal["decimal", "upperRoman", "lowerRoman", "upperLetter", "lowerLetter", "bullet"]


@dataclass(frozen=True)
class NumberingLevel:
    """One ``w:lvl`` of an abstract numbering definition."""

    lvl_text: str  # e.g. "%1.", "%1.%2.", "%2)"
    num_format: NumberFormat = "decimal"
    start: int = 1


# "1.", "1.1.", "1.1.1." — the outline numbering of the sample reports.
DECIMAL_OUTLINE: tuple[NumberingLevel, ...] = (
    NumberingLevel("%1."),
    NumberingLevel("%1.%2."),
    NumberingLevel("%1.%2.%3."),
)

# A table: rows of cell texts.
DocxTable = list[list[str]]
# A paragraph: (text, numbering level or None); or a table.
DocxBlock = tuple[str, int | None] | DocxTable


def build_docx(
    path: Path,
    blocks: Sequence[DocxBlock],
    *,
    levels: Sequence[NumberingLevel] = DECIMAL_OUTLINE,
    restart_at: Sequence[int] = (),
) -> Path:
    """Write a .docx whose numbered paragraphs get their numbers from ``numbering.xml`` only.

    ``blocks`` are paragraphs ``(text, level)`` — ``level`` indexes ``levels`` (0-based), ``None`` for an
    unnumbered paragraph — or tables (a list of rows of cell texts). ``restart_at`` lists indexes into
    ``blocks`` where the list restarts (a new ``w:num`` with a ``startOverride``, as Word's "Restart at 1"
    writes it).
    """
    from docx import Document
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = Document()
    numbering = document.part.numbering_part.element
    abstract_id = 90
    level_xml = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="{level.start}"/><w:numFmt w:val="{level.num_format}"/>'
        f'<w:lvlText w:val="{level.lvl_text}"/><w:lvlJc w:val="left"/></w:lvl>'
        for i, level in enumerate(levels)
    )
    # abstractNum elements must precede num elements in numbering.xml.
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">{level_xml}</w:abstractNum>'
        ),
    )

    def add_num(num_id: int, restart: bool) -> None:
        override = (
            f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{levels[0].start}"/></w:lvlOverride>'
            if restart
            else ""
        )
        numbering.append(
            parse_xml(
                f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>'
                f"{override}</w:num>"
            )
        )

    num_id = 7
    add_num(num_id, restart=False)
    for index, block in enumerate(blocks):
        if index in restart_at:
            num_id += 1
            add_num(num_id, restart=True)
        if isinstance(block, list):
            columns = max((len(row) for row in block), default=1)
            table = document.add_table(rows=len(block), cols=columns)
            for row_cells, row in zip(table.rows, block, strict=True):
                for cell, cell_text in zip(row_cells.cells, row, strict=False):
                    cell.text = cell_text
            continue
        text, level = block
        paragraph = document.add_paragraph(text)
        if level is not None:
            paragraph._p.get_or_add_pPr().append(
                parse_xml(
                    f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'
                )
            )
    document.save(str(path))
    return path


# ---------------------------------------------------------------------------------------------------------
# .pdf with and without a text layer
# ---------------------------------------------------------------------------------------------------------


def vietnamese_font_path() -> Path:
    """A TrueType font with full Vietnamese coverage, shipped by a PyPI package (font-source-sans-pro)."""
    font = resources.files("font_source_sans_pro") / "files" / "SourceSansPro-Regular.ttf"
    return Path(str(font))


def build_pdf(
    path: Path,
    pages: Sequence[Sequence[str]],
    *,
    header: str | None = None,
    footer_page_numbers: bool = False,
    font_size: float = 12,
    wrap: bool = True,
) -> Path:
    """Write a PDF with a real text layer: each page's paragraphs flow as wrapped lines.

    ``header`` is a running header printed at the top of every page; ``footer_page_numbers`` prints the
    page number at the bottom. Long paragraphs wrap across lines (fpdf2 breaks at spaces), so the loader
    must re-join them. With ``wrap=False`` every string is exactly one line and ``""`` is the space between
    two paragraphs, so a test controls line ends (a hyphenated word, a sentence running onto the next page).
    """
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.add_font("Viet", fname=str(vietnamese_font_path()))
    for page_number, paragraphs in enumerate(pages, start=1):
        pdf.add_page()
        if header is not None:
            pdf.set_font("Viet", size=9)
            pdf.set_xy(20, 10)
            pdf.cell(text=header)
        pdf.set_font("Viet", size=font_size)
        pdf.set_xy(20, 25)
        for paragraph in paragraphs:
            pdf.set_x(20)
            if not wrap:
                if paragraph:
                    pdf.cell(text=paragraph)
                pdf.ln(font_size * (0.5 if paragraph else 0.35))
                continue
            pdf.multi_cell(w=170, h=font_size * 0.5, text=paragraph, align="L")
            pdf.ln(font_size * 0.35)
        if footer_page_numbers:
            pdf.set_font("Viet", size=10)
            pdf.set_xy(100, 280)
            pdf.cell(text=str(page_number))
    pdf.output(str(path))
    return path


def build_scanned_pdf(path: Path, pages: int = 1) -> Path:
    """Write a PDF whose pages are only images (like a scan): no text layer at all."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    pdf = FPDF(format="A4")
    for page in range(pages):
        image = Image.new("L", (600, 850), color=255)
        draw = ImageDraw.Draw(image)
        for line in range(20):
            # Dark bars where a scan would show lines of print.
            draw.rectangle((60, 80 + line * 35, 540 - (line * 37 + page * 11) % 200, 95 + line * 35), fill=30)
        pdf.add_page()
        pdf.image(image, x=0, y=0, w=210, h=297)
    pdf.output(str(path))
    return path
