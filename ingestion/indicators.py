"""Figure statements as typed records: indicator, value, unit, period, kind, span.

A report or resolution states its indicators (chỉ tiêu) in sentences such as "Giá trị sản xuất ngành
công nghiệp ước thực hiện được 4.731 tỷ đồng, tăng 10,28% so với năm 2020 và đạt 99,35% kế hoạch năm".
:func:`extract_indicators` turns each figure of such a sentence into an :class:`IndicatorRecord`: the
indicator phrase as written (a later figure of the same statement without its own phrase inherits the
previous one), a normalised key that groups the same indicator across documents, the value as written
and parsed, the unit, the period, the kind and the exact span. Numbers are found by
:func:`ingestion.numbers.extract_numbers`; only figures with a unit (or fractions and percentages) are
records, so dates, years, identifiers and section numbers never are.

Every rule is general Vietnamese administrative usage; none is keyed to one document, place or indicator.
Spans are offsets into ``text`` (the normalised text, as everywhere in ingestion), end-exclusive.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from ingestion.model import DocumentMetadata, Section
from ingestion.numbers import NumberMention, extract_numbers
from ingestion.textnorm import fold, strip_diacritics

IndicatorKind = Literal["result", "estimate", "target", "growth", "share_of_plan"]
INDICATOR_KINDS: tuple[IndicatorKind, ...] = ("result", "estimate", "target", "growth", "share_of_plan")
Bound = Literal["above", "below", "at_least"]

# Bump when extraction changes what it finds: a store re-extracts every document's records from its stored
# text when it opens for writing (no re-embedding), so improvements reach documents already ingested.
EXTRACTOR_VERSION = "1"


@dataclass(frozen=True)
class Range:
    """A range as in "13% - 15%", "8-11%/năm", "05 - 07 xã"."""

    low: float
    high: float


@dataclass(frozen=True)
class Fraction:
    """A count out of a total as in "08/08 xã", "23/23 chỉ tiêu", "5/10.000 dân"."""

    numerator: float
    denominator: float


IndicatorValue = float | Range | Fraction


@dataclass(frozen=True)
class IndicatorRecord:
    indicator: str  # the phrase the figure measures, as written ("Giá trị sản xuất ngành công nghiệp")
    key: str  # the grouping key: folded, no diacritics, hedges and periods removed
    value_text: str  # the figure as written, unit included ("10.964 tỷ 145 triệu đồng", "13% - 15%")
    value: IndicatorValue  # in ``unit`` ("x tỷ y triệu đồng" → x.y in "tỷ đồng")
    unit: str  # "tỷ đồng", "%", "ha", "xã", … ; "" when the figure has none (a bare fraction)
    period: str | None  # "2021", "2020-2025", "đến 2030"; else the section's or the document's
    kind: IndicatorKind
    start: int  # the statement: from the indicator phrase (or the figure) to the end of the figure
    end: int
    value_start: int
    value_end: int
    section_id: str | None = None
    bound: Bound | None = None  # "trên 90%" → above, "dưới 2%" → below, "từ 98%" / "x% trở lên" → at_least
    # The whole sentence the statement stands in (full stop to full stop), to quote and highlight.
    sentence_start: int = 0
    sentence_end: int = 0

    @property
    def years(self) -> tuple[int | None, int | None]:
        """The first and last year of the period: "2021" → (2021, 2021), "2020-2025" → (2020, 2025),
        "đến 2030" → (None, 2030), no period → (None, None)."""
        return period_years(self.period)


def period_years(period: str | None) -> tuple[int | None, int | None]:
    """The first and last year a period string of :class:`IndicatorRecord` names."""
    if not period:
        return None, None
    years = [int(y) for y in re.findall(r"(?:19|20)\d{2}", period)]
    if not years:
        return None, None
    if period.startswith("đến"):
        return None, years[-1]
    return years[0], years[-1]


# Units that may follow a figure, longest first. Money is scaled by the number's own scale word.
_UNITS = (
    "lao động",
    "đảng viên",
    "học sinh",
    "doanh nghiệp",
    "hợp tác xã",
    "tổ hợp tác",
    "dự án",
    "chỉ tiêu",
    "tiêu chí",
    "trường hợp",
    "công trình",
    "đối tượng",
    "phần quà",
    "giường bệnh",
    "sản phẩm",
    "mô hình",
    "hồ sơ",
    "giấy phép",
    "thành viên",
    "đoàn viên",
    "hội viên",
    "tổ chức đảng",
    "bị can",
    "khu phố",
    "căn nhà",
    "cơ sở",
    "đồng",
    "usd",
    "ha",
    "km",
    "m2",
    "m3",
    "tấn",
    "kg",
    "hộ",
    "xã",
    "người",
    "lượt",
    "con",
    "trường",
    "căn",
    "ấp",
    "tuyến",
    "cuộc",
    "lớp",
    "vụ",
    "dân",
)
_UNIT_AFTER = re.compile(
    r"\s*(%o|‰|%|(?:" + "|".join(re.escape(u) for u in _UNITS) + r")(?![^\W\d_])(?<!đồng)"
    r"|đồng(?!\s+(?:chí|bào|đội|thời|bộ|nghiệp|ruộng|bằng)(?![^\W\d_])))(?:/(năm|ha|người))?",
    re.IGNORECASE,
)
# A fraction of money: "2.413/2.000 tỷ đồng".
_SCALED_MONEY_AFTER = re.compile(r"\s*(nghìn tỷ|ngàn tỷ|triệu|tỷ|tỉ)\s+(đồng|usd)(?![^\W\d_])", re.IGNORECASE)
# Units that measure an amount; every other unit names what is counted ("hộ", "xã", "đảng viên"), so the
# words after it go on naming the figure ("19 hộ nghèo thuộc diện …", "08/10 xã có bác sĩ …").
_MEASURE_UNITS = frozenset({"đồng", "usd", "ha", "km", "m2", "m3", "tấn", "kg", "%", "‰"})
_SCALE_WORD = re.compile(r"(nghìn tỷ|nghìn tỉ|ngàn tỷ|nghìn|ngàn|triệu|tỷ|tỉ)", re.IGNORECASE)
_SCALE_VALUES = {"nghìn tỷ": 10**12, "nghìn tỉ": 10**12, "ngàn tỷ": 10**12, "nghìn": 10**3, "ngàn": 10**3}
_SCALE_VALUES |= {"triệu": 10**6, "tỷ": 10**9, "tỉ": 10**9}
_DASH = re.compile(r"\s*[-–—]\s*")
# A statement ends at a full stop (also one run on into the next capital: "95%.Tỷ lệ"), semicolon, line break or bracket.
_BOUNDARY = re.compile(r"(?:[.!?](?=\s|$|[A-ZĐÀ-Ỵ])|[;\n()])")
_YEAR_BEFORE = re.compile(
    r"(?:năm|giai đoạn|nhiệm kỳ|khóa|khoá|quý|tháng|ngày|điều|khoản)\s*$", re.IGNORECASE
)
_COMPARISON = re.compile(
    r"so\s+(?:với\s+)?(?:cùng\s+kỳ(?:\s+năm\s+\d{4})?|năm\s+trước|năm\s+\d{4}|kế\s+hoạch|nghị\s+quyết)"
    r"|so\s+cùng\s+kỳ",
    re.IGNORECASE,
)
_PLAN_AFTER = re.compile(
    r"\s*(?:/năm\s*)?(?:so\s+với\s+|của\s+)?(kế\s+hoạch|dự\s+toán|chỉ\s+tiêu|nghị\s+quyết|nq\b)[^,;.()]*",
    re.IGNORECASE,
)
_GROWTH_AFTER = re.compile(r"\s*(?:/năm\s*)?(?:so\s+với|so\s+cùng\s+kỳ|cùng\s+kỳ)[^,;.()]*", re.IGNORECASE)
_TERM = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-–—]\s*((?:19|20)\d{2})(?!\d)")
_UNTIL = re.compile(r"đến\s+(?:hết\s+)?năm\s+((?:19|20)\d{2})(?!\d)", re.IGNORECASE)
_YEAR = re.compile(r"năm\s+((?:19|20)\d{2})(?!\d)", re.IGNORECASE)
# Words between the indicator and its figure: verbs, hedges and qualifiers that do not name the indicator.
_CONNECTORS = (
    "ước tính",
    "ước thực hiện",
    "ước đạt",
    "thực hiện được",
    "thực hiện",
    "thực hiện đạt",
    "ước",
    "được",
    "đạt được",
    "đạt",
    "khoảng",
    "trên",
    "dưới",
    "từ",
    "là",
    "có",
    "còn",
    "tăng",
    "giảm",
    "bình quân",
    "hằng năm",
    "hàng năm",
    "mỗi năm",
    "chiếm tỷ lệ",
    "chiếm",
    "tỷ lệ",
    "với",
    "và",
    "phấn đấu",
    "đến nay",
    "hiện nay",
    "trong đó",
    "trong năm",
    "tổng cộng",
    "cho",
    ":",
    ",",
    "-",
)
_CONNECTOR_TAIL = re.compile(
    r"(?:\s|^)(?:" + "|".join(re.escape(c) for c in sorted(_CONNECTORS, key=len, reverse=True)) + r")\s*$",
    re.IGNORECASE,
)
_PERIOD_PHRASE = re.compile(
    r"(?:giai đoạn|nhiệm kỳ|năm học)?\s*(?:19|20)\d{2}\s*[-–—]\s*(?:19|20)\d{2}"
    r"|(?:đến\s+(?:hết\s+)?|trong\s+|của\s+|cuối\s+)?năm\s+(?:19|20)\d{2}"
    r"|tính\s+đến\s+ngày\s+\S+",
    re.IGNORECASE,
)
_LEADING = re.compile(
    r"^(?:[\s.,:\-–+*]|\d+(?:\.\d+)*\.|[a-zđ]\)"
    r"|(?:trong đó|phấn đấu|ước|ứơc|và|còn|riêng|với|(?:đến(?: hết)? |trong )?năm \d{4})(?![^\W\d_]))+\s*",
    re.IGNORECASE,
)
# Hedges and qualifiers that must not split a key ("ước", "khoảng", "đạt", "trên" …), folded, no diacritics.
_KEY_DROP = frozenset(
    fold(w)
    for w in (
        "ước",
        "tính",
        "khoảng",
        "đạt",
        "được",
        "trên",
        "dưới",
        "từ",
        "là",
        "có",
        "thực",
        "hiện",
        "bình",
        "quân",
        "hằng",
        "hàng",
        "mỗi",
        "năm",
        "ngành",
        "huyện",
        "tỉnh",
        "xã",
        "phấn",
        "đấu",
        "nay",
        "đến",
        "còn",
        "chiếm",
        "và",
    )
)
_NOT_CONTENT = frozenset(
    {"nq", "kh", "so", "với", "cùng", "kỳ", "trong", "đó", "tăng", "giảm", "kế", "hoạch", "dự", "toán"}
)
_LOCAL = re.compile(
    r"trên\s+địa\s+bàn(?:\s+(?:huyện|tỉnh|thị\s+xã|thành\s+phố|xã|thị\s+trấn))?", re.IGNORECASE
)
_ESTIMATE = re.compile(r"(?<![^\W\d_])(?:ước|ứơc|dự\s+kiến)(?![^\W\d_])", re.IGNORECASE)
_TARGET = re.compile(
    r"(?<![^\W\d_])(?:phấn\s+đấu|mục\s+tiêu|kế\s+hoạch(?:\s+năm\s+\d{4})?\s+(?:là|giao)|chỉ\s+tiêu\s+(?:là|giao|đề\s+ra)"
    r"|nghị\s+quyết\s+đề\s+ra)(?![^\W\d_])",
    re.IGNORECASE,
)
# The plan's figure written beside the result: "tăng 16,02% (NQ 12%)", "(KH: 500 ha)", "(chỉ tiêu 95%)".
_PLAN_BEFORE = re.compile(r"(?:\b(?:NQ|KH)|(?i:nghị\s+quyết|kế\s+hoạch|chỉ\s+tiêu))\s*:?\s*$")
_TARGET_SECTION = re.compile(r"phương\s+hướng|mục\s+tiêu|nhiệm\s+vụ|kế\s+hoạch", re.IGNORECASE)
_RESULT_SECTION = re.compile(r"kết\s+quả|đánh\s+giá|tình\s+hình|thực\s+hiện", re.IGNORECASE)
_RESULT_WORDS = re.compile(r"(?<![^\W\d_])(?:thực\s+hiện|đạt\s+được|đã|ước)(?![^\W\d_])", re.IGNORECASE)


@dataclass(frozen=True)
class _Figure:
    """One figure in the text before it is given an indicator: value, unit and span."""

    start: int
    end: int  # end of the value and its unit
    value: IndicatorValue
    unit: str
    bound: Bound | None


def extract_indicators(
    text: str,
    sections: Sequence[Section] = (),
    metadata: DocumentMetadata | None = None,
) -> list[IndicatorRecord]:
    """Every figure statement of ``text`` as a record, in text order.

    ``sections`` (the parsed tree, pre-order) gives each record its section id and, when the sentence
    names no period, the period of its section heading; ``metadata`` gives the document's period last.
    """
    text = unicodedata.normalize("NFC", text)
    records: list[IndicatorRecord] = []
    for sentence_start, sentence_end in _sentences(text):
        inherited = _bracket_inherits(text, sentence_start, records[-1] if records else None)
        records.extend(_sentence_records(text, sentence_start, sentence_end, sections, metadata, inherited))
    return records


def _bracket_inherits(text: str, start: int, last: IndicatorRecord | None) -> str:
    """A bracket right after a figure ("2.960 tỷ đồng (tăng 10,57%)"), and what follows it when it closes
    right after one ("(tăng 8,2%), đạt 97% kế hoạch"), speak of that figure's indicator."""
    if last is None or not re.fullmatch(r"[\s*]*[()][\s*]*", text[last.end : start]):
        return ""
    return last.indicator


def _sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the statements of ``text``: split at full stops, semicolons, line breaks and brackets."""
    spans = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _figures(text: str, start: int, end: int) -> list[_Figure]:
    """Figures with a unit (or percentages, fractions) in text[start:end]; ranges joined; years left out."""
    figures: list[_Figure] = []
    segment = text[start:end]
    for mention in extract_numbers(segment):
        if mention.kind not in ("quantity", "ratio"):
            continue
        m_start, m_end = start + mention.start, start + mention.end
        if mention.kind == "quantity" and _is_year(mention, text[max(start, m_start - 15) : m_start]):
            continue
        unit_match = _UNIT_AFTER.match(text, m_end, end)
        parsed = _parse_value(mention, unit_match)
        if parsed is None:
            continue
        value, unit = parsed
        fig_end = unit_match.end() if unit_match else m_end
        previous = figures[-1] if figures else None
        if (
            previous is not None
            and isinstance(previous.value, float)
            and isinstance(value, float)
            and (previous.unit in ("", unit))
            and _DASH.fullmatch(text[previous.end : m_start])
        ):
            figures[-1] = _Figure(previous.start, fig_end, Range(previous.value, value), unit, previous.bound)
            continue
        figures.append(_Figure(m_start, fig_end, value, unit, _bound(text, start, m_start, fig_end, end)))
    # A figure without a unit (a bare count, a map scale "1/500") is no statement of an indicator.
    return [f for f in figures if f.unit]


def _is_year(mention: NumberMention, before: str) -> bool:
    """A year or a date part ("năm 2020", "giai đoạn 2020", "quý 3"), never a figure."""
    year_like = (
        isinstance(mention.value, Decimal) and 1900 <= mention.value <= 2199 and "." not in mention.text
    )
    return bool(_YEAR_BEFORE.search(before)) and (
        year_like or not re.search(r"năm\s*$", before, re.IGNORECASE)
    )


def _parse_value(
    mention: NumberMention, unit_match: re.Match[str] | None
) -> tuple[IndicatorValue, str] | None:
    """The figure's value in its unit, e.g. "10.964 tỷ 145 triệu đồng" → (10964.145, "tỷ đồng")."""
    unit = unit_match.group(1).lower() if unit_match else ""
    if unit == "%o":
        unit = "‰"
    if unit_match and unit_match.group(2):
        unit = f"{unit}/{unit_match.group(2).lower()}"
    if mention.kind == "ratio":
        if len(mention.parts) != 2:
            return None
        return Fraction(float(mention.parts[0]), float(mention.parts[1])), unit
    if not isinstance(mention.value, Decimal):
        return None
    scale = _SCALE_WORD.search(mention.text)
    if scale is not None:
        word = scale.group(1).lower()
        value = float(mention.value / _SCALE_VALUES[word])
        return value, (f"{word} {unit}" if unit else "")
    if not unit:
        return float(mention.value), ""
    return float(mention.value), unit


def _bound(text: str, start: int, value_start: int, value_end: int, end: int) -> Bound | None:
    """Whether the figure is a bound: "trên 90%", "dưới 2%", "từ 98%" (alone), "5% trở lên"."""
    before = fold(text[max(start, value_start - 12) : value_start])
    if re.search(r"trở\s+lên", text[value_end:end][:40]) or re.search(r"(?:^|\s)(?:tối thiểu)$", before):
        return "at_least"
    if re.search(r"(?:^|\s)trên$", before):
        return "above"
    if re.search(r"(?:^|\s)(?:dưới|không quá|tối đa)$", before):
        return "below"
    if re.search(r"(?:^|\s)từ$", before):
        return "at_least"
    return None


def _sentence_records(
    text: str,
    start: int,
    end: int,
    sections: Sequence[Section],
    metadata: DocumentMetadata | None,
    inherited: str = "",
) -> list[IndicatorRecord]:
    """The records of one statement; a figure without its own indicator phrase inherits the previous one
    (or ``inherited``, the indicator of the figure a bracketed statement follows)."""
    records: list[IndicatorRecord] = []
    cursor = start
    indicator, indicator_start = inherited, start
    sentence_start, sentence_end = _full_sentence(text, start, end)
    for figure in _figures(text, start, end):
        tail_end = _tail_end(text, figure, end)
        kind = _kind(text, start, figure, end, sections, metadata)
        phrase, phrase_start = _indicator_phrase(
            text, _after_continuation(text, cursor, figure.start, start), figure.start
        )
        # "…, đạt 102,8% kế hoạch", "…, tăng 3% so cùng kỳ": a rate right after a comma is of the previous figure.
        own_clause = text[start : figure.start].rsplit(",", 1)[-1]
        if (
            kind in ("growth", "share_of_plan")
            and indicator
            and (records or inherited)
            and not _content(own_clause)
        ):
            phrase = ""
        if phrase:
            indicator, indicator_start = phrase, phrase_start
        cursor = tail_end
        if not indicator:
            continue
        section = _section_at(sections, figure.start)
        records.append(
            IndicatorRecord(
                indicator=indicator,
                key=indicator_key(indicator),
                value_text=text[figure.start : figure.end],
                value=figure.value,
                unit=figure.unit,
                period=_period(text, start, figure.end, section, sections, metadata),
                kind=kind,
                start=indicator_start if phrase else figure.start,
                end=figure.end,
                value_start=figure.start,
                value_end=figure.end,
                section_id=section.id if section else None,
                bound=figure.bound,
                sentence_start=sentence_start,
                sentence_end=sentence_end,
            )
        )
    return records


_SENTENCE_END = re.compile(r"[.!?](?=\s|$|[A-ZĐÀ-Ỵ])|\n")


def _full_sentence(text: str, start: int, end: int, limit: int = 600) -> tuple[int, int]:
    """The sentence around a statement: from the full stop or line break before ``start`` to the one at or
    after ``end`` (statements also split at ";" and brackets; a quote wants the whole sentence), at most
    ``limit`` characters on each side."""
    low = max(0, start - limit)
    before = [m.end() for m in _SENTENCE_END.finditer(text, low, start)]
    sentence_start = before[-1] if before else low
    after = _SENTENCE_END.search(text, end, min(len(text), end + limit))
    sentence_end = (
        after.end()
        if after and after.group() != "\n"
        else (after.start() if after else min(len(text), end + limit))
    )
    while sentence_start < start and text[sentence_start].isspace():
        sentence_start += 1
    return sentence_start, sentence_end


def _after_continuation(text: str, cursor: int, value_start: int, sentence_start: int) -> int:
    """Where a new indicator phrase may start after a previous figure: words that run on from its unit
    ("6.934,71 tấn cá thương phẩm, …", "753 lượt hộ thả nuôi …") still name that figure, up to the first
    comma, colon or "và"; with none, the figure inherits the previous indicator."""
    if cursor == sentence_start:
        return cursor
    between = text[cursor:value_start]
    if re.match(r"\s*[,:]", between):
        return cursor
    boundary = re.search(r"[,:]|\svà\s", between)
    return cursor + boundary.end() if boundary else value_start


def _tail_end(text: str, figure: _Figure, end: int) -> int:
    """Where the words that qualify a figure end ("… so với năm 2020", "… kế hoạch năm", "… dự toán Tỉnh giao")."""
    for pattern in (_PLAN_AFTER, _GROWTH_AFTER):
        match = pattern.match(text, figure.end, end)
        if match:
            return match.end()
    return figure.end


def _indicator_phrase(text: str, start: int, value_start: int) -> tuple[str, int]:
    """The indicator phrase written between ``start`` and the figure, connectors and periods trimmed."""
    raw = text[start:value_start]
    if ":" in raw:
        head, _, after = raw.rpartition(":")
        if _content(after):
            start += len(head) + 1
            raw = after
        elif ":" in head:
            start += head.rfind(":") + 1
            raw = raw[head.rfind(":") + 1 :]
    phrase = raw
    while True:
        trimmed = _CONNECTOR_TAIL.sub("", phrase.rstrip(" \t:,-–—"))
        trimmed = re.sub(r"\s*(?:" + _PERIOD_PHRASE.pattern + r")\s*$", "", trimmed, flags=re.IGNORECASE)
        if trimmed == phrase:
            break
        phrase = trimmed
    lead = _LEADING.match(phrase)
    offset = lead.end() if lead else 0
    phrase = phrase[offset:].strip()
    if not _content(phrase):
        return "", start
    return phrase, start + offset + (len(raw[offset:]) - len(raw[offset:].lstrip()))


def _content(phrase: str) -> bool:
    """Whether a phrase has a word that is not a hedge, connector or period (i.e. it names something)."""
    words = re.findall(r"[^\W\d_]+", fold(_PERIOD_PHRASE.sub(" ", phrase)))
    return any(w not in _KEY_DROP and w not in _NOT_CONTENT for w in words)


def indicator_key(indicator: str) -> str:
    """The grouping key of an indicator phrase: folded (tone placement, case), no diacritics, without
    hedges ("ước", "khoảng", "đạt", "trên"…), locality qualifiers ("trên địa bàn huyện") or periods."""
    phrase = _LOCAL.sub(" ", fold(indicator))
    phrase = _PERIOD_PHRASE.sub(" ", phrase)
    words = re.findall(r"[^\W\d_]+", phrase)
    return " ".join(strip_diacritics(w) for w in words if w not in _KEY_DROP)


def _kind(
    text: str,
    start: int,
    figure: _Figure,
    end: int,
    sections: Sequence[Section],
    metadata: DocumentMetadata | None = None,
) -> IndicatorKind:
    """Share of plan ("đạt 99,35% kế hoạch năm"), growth ("tăng 10,28% so với năm 2020", "tăng bình
    quân hằng năm là 4,22%"), target ("phấn đấu", "chỉ tiêu … giao", a section of orientations), estimate
    ("ước"), else result."""
    percent = figure.unit.startswith("%")
    if percent and _PLAN_AFTER.match(text, figure.end, end):
        return "share_of_plan"
    before = text[start : figure.start]
    # The connector words right before the figure (after the last comma): "tăng", "giảm", "tăng bình quân …".
    near = fold(before.rsplit(",", 1)[-1]).rstrip(" :-–—")
    connector = _connector_words(near)
    growth_words = re.search(r"(?:^|\s)(?:tăng|giảm)(?:\s|$)", connector) and not re.search(
        r"giảm còn|tăng lên", connector
    )
    if percent and (_GROWTH_AFTER.match(text, figure.end, end) or growth_words):
        return "growth"
    if _TARGET.search(before) or _PLAN_BEFORE.search(before):
        return "target"
    if _ESTIMATE.search(before):
        return "estimate"
    if _RESULT_WORDS.search(before):
        return "result"
    section = _section_at(sections, figure.start)
    verdict = _target_section(section) if section is not None else None
    if verdict is None:
        # A resolution (nghị quyết) sets targets: its figures are targets unless a heading says results.
        verdict = metadata is not None and fold(metadata.doc_type or "") == "nghị quyết"
    return "target" if verdict else "result"


def _target_section(section: Section) -> bool | None:
    """Whether the nearest heading that says so is one of orientations or targets ("Mục tiêu chủ yếu",
    "Phương hướng, nhiệm vụ") rather than of results ("Kết quả thực hiện…", "Đánh giá…"); None when no heading
    says either."""
    for heading in reversed(section.path):
        if _RESULT_SECTION.search(heading):
            return False
        if _TARGET_SECTION.search(heading):
            return True
    return None


def _connector_words(near: str) -> str:
    """The run of connector words at the end of ``near`` (folded), e.g. "tăng bình quân hằng năm là"."""
    words: list[str] = []
    rest = near.strip()
    while rest:
        match = _CONNECTOR_TAIL.search(rest)
        if not match:
            break
        words.insert(0, match.group(0).strip())
        rest = rest[: match.start()].rstrip()
    return " ".join(words)


def _section_at(sections: Sequence[Section], offset: int) -> Section | None:
    """The deepest section whose span holds ``offset``."""
    found = None
    for section in sections:
        if section.start <= offset < section.end and (found is None or section.level >= found.level):
            found = section
    return found


def _period_in(phrase: str) -> str | None:
    """The period a phrase names: "2020-2025" (a term), "đến 2030", "2021"; comparisons left out."""
    phrase = _COMPARISON.sub(" ", phrase)
    candidates: list[tuple[int, str]] = []
    candidates += [(m.start(), f"{m.group(1)}-{m.group(2)}") for m in _TERM.finditer(phrase)]
    candidates += [(m.start(), f"đến {m.group(1)}") for m in _UNTIL.finditer(phrase)]
    taken = [m.span() for m in _UNTIL.finditer(phrase)]
    candidates += [
        (m.start(), m.group(1))
        for m in _YEAR.finditer(phrase)
        if not any(a <= m.start() < b for a, b in taken)
    ]
    return max(candidates)[1] if candidates else None


def _period(
    text: str,
    start: int,
    figure_end: int,
    section: Section | None,
    sections: Sequence[Section],
    metadata: DocumentMetadata | None,
) -> str | None:
    """The period of the statement, else of the nearest section heading that names one, else the document's."""
    found = _period_in(text[start:figure_end])
    if found:
        return found
    if section is not None:
        for heading in reversed(section.path):
            found = _period_in(heading)
            if found:
                return found
    if metadata is not None:
        return metadata.period or (str(metadata.year) if metadata.year else None)
    return None
