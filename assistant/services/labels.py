"""How a document is named to people: what it is, who issued it (or where), its number and date or year.

"Báo cáo số 250/BC-UBND ngày 02/12/2021 của UBND huyện Bắc Tân Uyên", "Báo cáo Huyện ủy Bắc Tân Uyên
nhiệm kỳ 2020-2025", "Báo cáo về Tiểu Cần năm 2022": never a file name or a hash id while the text says
more (the file name is the last resort).
"""

from __future__ import annotations

import re

from ingestion.model import DocumentMetadata

# Issuer lines are written in capitals; people read them in sentence case with the usual abbreviation.
_ISSUER_WORDS = (
    (re.compile(r"^ỦY BAN NHÂN DÂN\s+", re.IGNORECASE), "UBND "),
    (re.compile(r"^HỘI ĐỒNG NHÂN DÂN\s+", re.IGNORECASE), "HĐND "),
    (re.compile(r"^BAN CHẤP HÀNH\s+", re.IGNORECASE), "BCH "),
)
_LEVEL_WORDS = ("huyện", "tỉnh", "xã", "thị xã", "thành phố", "thị trấn", "phường", "quận")


def issuer_name(issuer: str) -> str:
    """ "ỦY BAN NHÂN DÂN HUYỆN BẮC TÂN UYÊN" → "UBND huyện Bắc Tân Uyên"; "HUYỆN ỦY NHƠN TRẠCH" → "Huyện ủy
    Nhơn Trạch". Serves issuer lines in capitals; a line already in mixed case is kept as written."""
    text = " ".join(issuer.split())
    if text != text.upper():
        return text
    prefix = ""
    for pattern, short in _ISSUER_WORDS:
        match = pattern.match(text)
        if match:
            prefix, text = short, text[match.end() :]
            break
    words = text.lower().split()
    # "HUYỆN ỦY X", "ĐẢNG ỦY X", "TỈNH ỦY X": a body named by its level, then the place.
    if len(words) > 2 and words[1] in ("ủy", "uỷ"):
        return f"{words[0].capitalize()} ủy {place(words[2:])}"
    # "ĐẢNG BỘ TỈNH X", "HUYỆN X": the body's words in sentence case up to the level word, the place after.
    for i, word in enumerate(words[:-1]):
        two = " ".join(words[i : i + 2])
        level = two if two in _LEVEL_WORDS else word if word in _LEVEL_WORDS else None
        if level:
            body = " ".join(words[:i] + level.split())
            rest = words[i + len(level.split()) :]
            named = f"{prefix}{body} {place(rest)}" if prefix else f"{body.capitalize()} {place(rest)}"
            return named.strip()
    # A body with no level word ("BỘ TÀI CHÍNH"): its first two words capitalised, as usually written.
    return prefix + " ".join([w.capitalize() for w in words[:2]] + words[2:])


def place(words: list[str]) -> str:
    """A place name written in capitals, word by word capitalised: "bắc tân uyên" → "Bắc Tân Uyên"."""
    return " ".join(w.capitalize() for w in words)


def document_name(metadata: DocumentMetadata, file_name: str) -> str:
    """A readable name for a document (see the module docstring)."""
    parts = [metadata.doc_type or "Văn bản"]
    issuer = issuer_name(metadata.issuers[-1]) if metadata.issuers else None
    if metadata.number:
        parts.append(f"số {metadata.number}")
    if metadata.date:
        parts.append(f"ngày {metadata.date.strftime('%d/%m/%Y')}")
    if issuer:
        parts.append(f"của {issuer}" if metadata.number or metadata.date else issuer)
    elif metadata.locality:
        parts.append(f"về {metadata.locality}")
    if not metadata.date and (metadata.period or metadata.year):
        period = metadata.period or str(metadata.year)
        parts.append(f"nhiệm kỳ {period}" if "-" in period else f"năm {period}")
    if len(parts) == 1:
        parts.append(f"“{metadata.title}”" if metadata.title else file_name)
    return " ".join(parts)
