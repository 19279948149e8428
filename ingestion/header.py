"""Document metadata from the header of a Vietnamese administrative document (or, failing that, its body).

The header is the block before the first heading or body paragraph: issuers (``ĐẢNG BỘ TỈNH BÌNH DƯƠNG`` /
``HUYỆN ỦY BẮC TÂN UYÊN``), the national or Party motto, ``Số: 250 /BC-UBND``, ``Bắc Tân Uyên, ngày 02 tháng 12
năm 2021``, the type line (``BÁO CÁO``, ``NGHỊ QUYẾT``) and the title.

Conventions:

- issuers are kept **as written** in the header (usually upper case), one per organ, with a two-line organ name
  joined (``ỦY BAN NHÂN DÂN`` + ``HUYỆN BẮC TÂN UYÊN`` → ``ỦY BAN NHÂN DÂN HUYỆN BẮC TÂN UYÊN``);
- ``doc_type`` is the display form in sentence case (``Báo cáo``, ``Nghị quyết``); ``title`` is as written, on one line;
- ``place`` and ``locality`` are in title case (``Bắc Tân Uyên``); ``number`` has the spaces removed (``250/BC-UBND``);
- ``period`` is a year (``2021``) or a term with a hyphen (``2020-2025``);
- ``signer`` and ``signer_title`` come from the signature block at the *end* of the document
  (:mod:`ingestion.signature`), as written: ``Thái Thanh Bình`` and ``TM. ỦY BAN NHÂN DÂN – CHỦ TỊCH``.

When the header lacks a part, it is inferred from what is there: the type from the number's code (``BC`` → Báo cáo),
from the body's self-references ("Nghị quyết này…") or from headings that evaluate results (a report); the locality
from the most frequent ``huyện X``/``xã X``/``tỉnh X`` mention in the body.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ingestion.model import DocumentMetadata, Section
from ingestion.signature import parse_signature
from ingestion.textnorm import fold

# (folded prefix of the type line, display form); longer prefixes first.
_DOC_TYPES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        (
            (fold(name), display)
            for name, display in (
                ("NGHỊ QUYẾT LIÊN TỊCH", "Nghị quyết liên tịch"),
                ("THÔNG TƯ LIÊN TỊCH", "Thông tư liên tịch"),
                ("NGHỊ QUYẾT", "Nghị quyết"),
                ("BÁO CÁO", "Báo cáo"),
                ("KẾ HOẠCH", "Kế hoạch"),
                ("QUYẾT ĐỊNH", "Quyết định"),
                ("CHỈ THỊ", "Chỉ thị"),
                ("TỜ TRÌNH", "Tờ trình"),
                ("THÔNG BÁO", "Thông báo"),
                ("KẾT LUẬN", "Kết luận"),
                ("CHƯƠNG TRÌNH", "Chương trình"),
                ("LUẬT", "Luật"),
                ("BỘ LUẬT", "Bộ luật"),
                ("PHÁP LỆNH", "Pháp lệnh"),
                ("HIẾN PHÁP", "Hiến pháp"),
                ("NGHỊ ĐỊNH", "Nghị định"),
                ("THÔNG TƯ", "Thông tư"),
                ("CÔNG VĂN", "Công văn"),
                ("CÔNG ĐIỆN", "Công điện"),
                ("ĐỀ ÁN", "Đề án"),
                ("DỰ ÁN", "Dự án"),
                ("PHƯƠNG ÁN", "Phương án"),
                ("QUY CHẾ", "Quy chế"),
                ("QUY ĐỊNH", "Quy định"),
                ("QUY CHẾ", "Quy chế"),
                ("HƯỚNG DẪN", "Hướng dẫn"),
                ("BIÊN BẢN", "Biên bản"),
                ("ĐIỀU LỆ", "Điều lệ"),
                ("GIẤY MỜI", "Giấy mời"),
                ("DIỄN VĂN", "Diễn văn"),
                ("THÔNG CÁO", "Thông cáo"),
            )
        ),
        key=lambda pair: len(pair[0]),
        reverse=True,
    )
)
# The code after the number ("250/BC-UBND" → "BC") when the header has no type line.
_NUMBER_CODES = {
    "bc": "Báo cáo",
    "nq": "Nghị quyết",
    "kh": "Kế hoạch",
    "qđ": "Quyết định",
    "ct": "Chỉ thị",
    "ttr": "Tờ trình",
    "tb": "Thông báo",
    "kl": "Kết luận",
    "ctr": "Chương trình",
    "nđ": "Nghị định",
    "tt": "Thông tư",
    "đa": "Đề án",
    "hd": "Hướng dẫn",
    "qc": "Quy chế",
    "qh": "Luật",
}
_ORGANS = tuple(
    fold(organ)
    for organ in (
        "ĐẢNG BỘ",
        "ĐẢNG ỦY",
        "ĐẢNG ĐOÀN",
        "BAN CÁN SỰ",
        "CHI BỘ",
        "HUYỆN ỦY",
        "TỈNH ỦY",
        "THÀNH ỦY",
        "QUẬN ỦY",
        "THỊ ỦY",
        "BAN CHẤP HÀNH",
        "BAN THƯỜNG VỤ",
        "ỦY BAN",
        "UBND",
        "HĐND",
        "HỘI ĐỒNG",
        "QUỐC HỘI",
        "CHÍNH PHỦ",
        "THỦ TƯỚNG",
        "CHỦ TỊCH",
        "BỘ",
        "SỞ",
        "BAN",
        "VĂN PHÒNG",
        "TÒA ÁN",
        "VIỆN KIỂM SÁT",
        "MẶT TRẬN",
        "CÔNG AN",
        "BỘ CHỈ HUY",
        "PHÒNG",
        "CỤC",
        "TỔNG CỤC",
        "KIỂM TOÁN",
        "TRƯỜNG",
        "BỆNH VIỆN",
        "HỘI",
        "LIÊN ĐOÀN",
        "ĐOÀN",
        "TRUNG ƯƠNG",
    )
)
# Party committees named after their unit: "HUYỆN ỦY BẮC TÂN UYÊN" is about Bắc Tân Uyên.
_UNIT_COMMITTEES = tuple(
    fold(c) for c in ("HUYỆN ỦY", "TỈNH ỦY", "THÀNH ỦY", "QUẬN ỦY", "THỊ ỦY", "ĐẢNG ỦY XÃ")
)
_ADMIN_UNITS = tuple(
    fold(unit)
    for unit in ("THÀNH PHỐ", "THỊ XÃ", "THỊ TRẤN", "HUYỆN", "TỈNH", "QUẬN", "PHƯỜNG", "XÃ", "TP.", "TP")
)
_MOTTOS = re.compile(
    r"CỘNG\s+HÒA\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA\s+VIỆT\s+NAM|CỘNG\s+HOÀ\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA\s+VIỆT\s+NAM|"
    r"ĐẢNG\s+CỘNG\s+SẢN\s+VIỆT\s+NAM|Độc\s+lập\s*[-–]\s*Tự\s+do\s*[-–]\s*Hạnh\s+phúc",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\b(?i:số)\s*:?\s*(?P<num>\d+[a-zA-Z]?)\s*(?P<sep>[/\-–])\s*(?P<code>[0-9A-Za-zĐđ][0-9A-Za-zĐđ\-–/.&]*[0-9A-Za-zĐđ])"
)
_DATE = re.compile(
    r"(?:(?P<place>[^\W\d][\w .'-]*?)\s*,\s*)?ngày\s*(?P<day>\d{1,2})?\s*tháng\s*(?P<month>\d{1,2})?\s*năm\s*"
    r"(?P<year>\d{4})",
    re.IGNORECASE,
)
_YEAR_RANGE = re.compile(r"\b((?:19|20)\d{2})\s*[-–—]\s*((?:19|20)\d{2})\b")
_TERM = re.compile(
    r"(?:nhiệm kỳ|giai đoạn|thời kỳ)\s*((?:19|20)\d{2})\s*[-–—]\s*((?:19|20)\d{2})\b", re.IGNORECASE
)
_YEAR = re.compile(r"\bnăm\s+((?:19|20)\d{2})\b", re.IGNORECASE)
_SELF_REFERENCE = re.compile(
    r"\b(báo cáo|nghị quyết|kế hoạch|quyết định|chỉ thị|chương trình|đề án|thông báo|tờ trình|kết luận|quy chế|"
    r"quy định|hướng dẫn|luật|nghị định|thông tư) này\b",
    re.IGNORECASE,
)
_REPORT_HEADING = re.compile(r"đánh giá|kết quả thực hiện|kiểm điểm|tình hình thực hiện")
_LOCALITY_MENTION = re.compile(r"\b(?:huyện|tỉnh|thành phố|thị xã|quận|xã|phường|thị trấn)\s+(?=[^\W\d_])")
_NOT_A_NAME = frozenset(fold(w) for w in ("Ủy", "Uỷ", "Đảng", "Nhà", "Ban", "Hội", "Đoàn", "Công", "Đội"))
_TITLE_STOP = re.compile(r"^(?:Kính gửi|Căn cứ|Số\b|V/v)", re.IGNORECASE)
_SUBJECT = re.compile(r"^V/v\s*:?\s*", re.IGNORECASE)
_SENTENCE_END = frozenset(".!?;")
_MAX_HEADER_CHARS = 4000


@dataclass(frozen=True)
class _Line:
    start: int
    text: str
    blank_before: bool


def _header_lines(text: str, end: int) -> list[_Line]:
    lines: list[_Line] = []
    offset = 0
    blank = False
    for raw in text[:end].split("\n"):
        stripped = raw.strip()
        if stripped:
            lines.append(_Line(offset + raw.find(stripped[0]), stripped, blank))
            blank = False
        else:
            blank = True
        offset += len(raw) + 1
    return lines


def is_body_paragraph(line: str) -> bool:
    """A line of running text (not part of a header): long and ending like a sentence, or very long."""
    if len(line) >= 400:
        return True
    stripped = line.rstrip("\"'”’») ")
    return len(line) >= 100 and bool(stripped) and stripped[-1] in _SENTENCE_END and _has_lowercase(line)


def _has_lowercase(text: str) -> bool:
    return any(c.islower() for c in text)


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and not any(c.islower() for c in letters)


def _title_case(name: str) -> str:
    return " ".join(word[:1].upper() + word[1:].lower() for word in name.split())


def _starts_with(folded: str, prefixes: Sequence[str]) -> str | None:
    for prefix in prefixes:
        if folded == prefix or folded.startswith(prefix + " "):
            return prefix
    return None


def is_type_line(line: str) -> bool:
    """Whether ``line`` is a document type line ("BÁO CÁO", "KẾT LUẬN …"), which some headings resemble."""
    return _doc_type_of(line) is not None


def _doc_type_of(line: str) -> tuple[str, str] | None:
    """(display type, rest of the line) when ``line`` is an upper-case type line such as "BÁO CÁO …"."""
    if not _is_upper(line):
        return None
    folded = fold(line)
    for prefix, display in _DOC_TYPES:
        if folded == prefix or folded.startswith(prefix + " "):
            words = len(prefix.split())
            rest = " ".join(line.split()[words:])
            return display, rest
    return None


def _clean_title(title: str) -> str:
    title = " ".join(title.split())
    return title.strip("\"'“”‘’ ")


def _issuers(lines: Sequence[_Line], stop: int) -> tuple[str, ...]:
    issuers: list[str] = []
    previous_was_issuer = False
    for index, line in enumerate(lines[:stop]):
        text = _MOTTOS.split(line.text)[0].strip(" -–\t")
        if not text or not _is_upper(text) or _doc_type_of(text) or _NUMBER.search(text):
            previous_was_issuer = False
            continue
        folded = fold(text)
        organ = _starts_with(folded, _ORGANS)
        unit = _starts_with(folded, _ADMIN_UNITS)
        incomplete = (
            previous_was_issuer
            and issuers
            and not any(f" {u} " in f" {fold(issuers[-1])} " for u in _ADMIN_UNITS)
            and not _starts_with(fold(issuers[-1]), _UNIT_COMMITTEES)
        )
        if unit and not organ and incomplete:
            issuers[-1] = f"{issuers[-1]} {text}"
        elif organ or (unit and index < 4):
            issuers.append(text)
        else:
            previous_was_issuer = False
            continue
        previous_was_issuer = True
    return tuple(issuers)


def _locality_from_issuer(issuer: str) -> str | None:
    words = issuer.split()
    folded_words = fold(issuer).split()
    for i, word in enumerate(folded_words):
        following = folded_words[i + 1] if i + 1 < len(folded_words) else ""
        # "HUYỆN ỦY X" / "TỈNH ỦY X": the unit follows the committee.
        if f"{word} {following}" in _UNIT_COMMITTEES:
            name = words[i + 2 :]
            return _title_case(" ".join(name)) if name else None
        for unit in _ADMIN_UNITS:
            unit_words = unit.split()
            if folded_words[i : i + len(unit_words)] == unit_words and following != fold("ủy"):
                name = words[i + len(unit_words) :]
                if name:
                    return _title_case(" ".join(name))
    return None


def _locality_from_body(text: str) -> str | None:
    counts: Counter[str] = Counter()
    for match in _LOCALITY_MENTION.finditer(text):
        words: list[str] = []
        for word in text[match.end() : match.end() + 60].split()[:4]:
            bare = word.strip(",.;:()“”\"'")
            if not bare or not bare[0].isupper() or (not words and fold(bare) in _NOT_A_NAME):
                break
            words.append(bare)
            if bare != word:
                break
        if words:
            counts[" ".join(words)] += 1
    if not counts:
        return None
    return counts.most_common(1)[0][0]


def _period(title: str | None, top_headings: Sequence[str], text: str) -> str | None:
    for source in (title or "", *top_headings):
        if match := _YEAR_RANGE.search(source):
            return f"{match.group(1)}-{match.group(2)}"
        if match := _YEAR.search(source):
            return match.group(1)
    if match := _TERM.search(text[:_MAX_HEADER_CHARS]):
        return f"{match.group(1)}-{match.group(2)}"
    return None


def _type_from_body(text: str, sections: Sequence[Section]) -> str | None:
    references = Counter(fold(m.group(1)) for m in _SELF_REFERENCE.finditer(text))
    if references:
        folded_type = references.most_common(1)[0][0]
        for prefix, display in _DOC_TYPES:
            if prefix == folded_type:
                return display
    for section in sections:
        if section.level <= 2 and _REPORT_HEADING.search(fold(section.heading)):
            return "Báo cáo"
        # A bare "Phần thứ nhất" heading: its title is the first line of its body.
        if section.level == 1 and section.body_start < section.end:
            first_line = text[section.body_start : section.end].split("\n", 1)[0]
            if _is_upper(first_line) and _REPORT_HEADING.search(fold(first_line)):
                return "Báo cáo"
    return None


def parse_header(text: str, header_end: int, sections: Sequence[Section]) -> DocumentMetadata:
    """Metadata of a document whose header occupies ``text[:header_end]``; ``sections`` help when it is missing."""
    lines = _header_lines(text, min(header_end, _MAX_HEADER_CHARS))
    number: str | None = None
    number_code: str | None = None
    place: str | None = None
    issued: date | None = None
    date_year: int | None = None
    date_index: int | None = None
    type_index: int | None = None
    doc_type: str | None = None
    title_parts: list[str] = []
    for index, line in enumerate(lines):
        if number is None and (match := _NUMBER.search(line.text)):
            number = f"{match.group('num')}{match.group('sep')}{match.group('code')}".replace("–", "-")
            number_code = re.split(r"[-/]", match.group("code"))[0]
        if date_year is None and (match := _DATE.search(_NUMBER.sub("", line.text))):
            date_year = int(match.group("year"))
            date_index = index
            if match.group("place"):
                place_text = _MOTTOS.sub("", match.group("place")).strip(" -–")
                place = _title_case(place_text) if _is_upper(place_text) else place_text or None
            if match.group("day") and match.group("month"):
                try:
                    issued = date(date_year, int(match.group("month")), int(match.group("day")))
                except ValueError:
                    issued = None
        if type_index is None and (found := _doc_type_of(line.text)):
            doc_type, rest = found
            type_index = index
            if rest:
                title_parts.append(rest)
    if type_index is not None:
        for line in lines[type_index + 1 :]:
            if (line.blank_before and title_parts) or _TITLE_STOP.match(line.text) or _DATE.search(line.text):
                break
            title_parts.append(line.text)
    else:
        # No type line: the title is the upper-case block after the date line (a congress report's theme).
        start = (date_index + 1) if date_index is not None else 0
        for line in lines[start:]:
            if not _is_upper(line.text) or _NUMBER.search(line.text) or _MOTTOS.search(line.text):
                if title_parts:
                    break
                continue
            if title_parts and line.blank_before:
                break
            if date_index is None and _issuers([line], 1):
                continue
            title_parts.append(line.text)
    if type_index is None and (subject := next((line for line in lines if _SUBJECT.match(line.text)), None)):
        # An official letter has no type line, only "V/v <subject>" under its number.
        doc_type = doc_type or "Công văn"
        title_parts = [_SUBJECT.sub("", subject.text)]
    if doc_type is None and number_code:
        doc_type = _NUMBER_CODES.get(fold(number_code))
    if doc_type is None:
        doc_type = _type_from_body(text, sections)
    issuers = _issuers(lines, type_index if type_index is not None else len(lines))
    if date_index is not None and type_index is None:
        issuers = _issuers(lines, date_index + 1)
    title = _clean_title(" ".join(title_parts)) if title_parts else None
    locality = None
    for issuer in reversed(issuers):
        locality = _locality_from_issuer(issuer)
        if locality:
            break
    if locality is None:
        locality = _locality_from_body(text)
    top_headings = [s.heading for s in sections if s.level == 1 and s.heading]
    period = _period(title, top_headings, text)
    year = issued.year if issued else date_year
    if year is None and period:
        year = int(period.split("-")[-1])
    signature = parse_signature(text, body_start=header_end)
    return DocumentMetadata(
        issuers=issuers,
        number=number,
        doc_type=doc_type,
        title=title or None,
        place=place,
        date=issued,
        locality=locality,
        period=period,
        year=year,
        signer=signature.name if signature else None,
        signer_title=signature.title if signature else None,
    )
