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
EXTRACTOR_VERSION = "5"


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
    r"|đồng(?!\s+(?:chí|bào|đội|thời|bộ|nghiệp|ruộng|bằng)(?![^\W\d_])))(?:/((?:năm|ha|người|hộ|vạn dân)(?:/(?:năm|tháng))?))?",
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
    r"\s*(?:/năm\s*)?(?:so\s+(?:với\s+)?|của\s+)?(kế\s+hoạch|dự\s+toán|chỉ\s+tiêu|nghị\s+quyết|nq\b)[^,;.()]*",
    re.IGNORECASE,
)
# A change against an earlier time ("so với năm 2020", "so cùng kỳ", "(giảm 8,6% cùng kỳ)"); "so với tổng số hộ"
# is a share of a whole, no change.
_GROWTH_AFTER = re.compile(
    r"\s*(?:/năm\s*)?(?:so\s+(?:với\s+)?)?(?:cùng\s+kỳ|năm|đầu\s+năm|kỳ|giai\s+đoạn|nhiệm\s+kỳ|tháng|quý)"
    r"(?![^\W\d_])[^,;.()]*",
    re.IGNORECASE,
)
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
    "vượt",
    "bình quân",
    "hằng năm",
    "hàng năm",
    "mỗi năm",
    "chiếm tỷ lệ",
    "đạt tỷ lệ",
    "chiếm",
    "tỷ lệ",
    "với",
    "đối với",
    "của",
    "và",
    "phấn đấu",
    "đến nay",
    "hiện nay",
    "trong đó",
    "trong năm",
    "tổng cộng",
    "cho",
    "ở mức",
    "xuống còn",
    "xuống",
    "ít nhất",
    "tối thiểu",
    "tối đa",
    "không quá",
    ":",
    ",",
    "-",
)
_CONNECTOR_TAIL = re.compile(
    r"(?:\s|^)(?:" + "|".join(re.escape(c) for c in sorted(_CONNECTORS, key=len, reverse=True)) + r")\s*$"
    # "bằng 104,5% dự toán" compares; "mặt bằng", "công bằng" are words of the indicator
    r"|(?<!mặt)(?<!công)(?<!cân)\s+bằng\s*$",
    re.IGNORECASE,
)
_PERIOD_PHRASE = re.compile(
    r"(?:giai đoạn|nhiệm kỳ|năm học)?\s*(?:19|20)\d{2}\s*[-–—]\s*(?:19|20)\d{2}"
    r"|(?:giai đoạn\s+)?(?:đến\s+(?:hết\s+)?|trong\s+|của\s+|cuối\s+)?năm\s+(?:19|20)\d{2}"
    r"|tính\s+đến\s+ngày\s+\S+",
    re.IGNORECASE,
)
# Words that open a clause without naming what it measures: list marks, discourse links ("Bên cạnh đó",
# "Tính đến nay"), a whole-area subject ("Toàn huyện"), hedges and prepositions left from the previous figure.
_LEADING = re.compile(
    r"^(?:[\s.,:;\-–+*]|\d+(?:\.\d+)*\.|[a-zđ]\)"
    r"|(?:bên cạnh đó|ngoài ra|đồng thời|qua đó|tính đến nay|tính đến thời điểm hiện (?:tại|nay)|đến nay|"
    r"hiện nay|hiện|trong năm qua|năm qua|trong năm|đến cuối năm|cuối năm|kết quả|nâng|tất cả|"
    r"toàn (?:huyện|tỉnh|thị xã|thành phố|xã|thị trấn)|trong đó|phấn đấu|phần đầu|ước|ứơc|và|còn|riêng|với|"
    r"trên|của|có|gồm|là|đạt|(?:đến(?: hết)? |trong |cả )?(?:năm \d{4}|nhiệm kỳ|giai đoạn)|"
    r"(?:đảm bảo|bảo đảm|duy trì|giữ vững)(?= tỷ lệ))(?![^\W\d_]))+\s*",
    re.IGNORECASE,
)
# A subject before the aspect marker of its verb ("UBND huyện đã phê duyệt …"): the actor, not the indicator.
_SUBJECT = re.compile(r"^(?:[^\W\d_]+\s+){1,8}?(?:đã|đang|sẽ)\s+(?=[^\W\d_])", re.IGNORECASE)
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
        "đã",
        "đang",
        "sẽ",
    )
)
_NOT_CONTENT = frozenset(
    {
        "nq",
        "kh",
        "so",
        "với",
        "cùng",
        "kỳ",
        "trong",
        "đó",
        "tăng",
        "giảm",
        "kế",
        "hoạch",
        "dự",
        "toán",
        "vượt",
    }
)
# Words that head a phrase without saying what it measures: "tỷ lệ 0,79%", "Kết quả còn 233 hộ", "Toàn huyện có …".
_GENERIC = frozenset(
    fold(w)
    for w in ("tỷ", "lệ", "kết", "quả", "tổng", "số", "lượng", "toàn", "gồm", "tất", "cả", "của", "nâng")
)
# Nouns that head an indicator phrase ("Tỷ lệ …", "Tổng thu …", "Giá trị …"): such a phrase names its figure by
# itself, while a short verb phrase ("Kết nạp 100 đảng viên mới") needs the words after the figure.
_MEASURE_HEAD = re.compile(
    r"^(?:tỷ lệ|tỷ trọng|tỉ lệ|số|tổng|giá trị|diện tích|sản lượng|năng suất|thu(?!\s+(?:hoạch|hút|hồi|gom|nhận))|"
    r"chi(?!\s+(?:trả|đạo|bộ))|vốn|doanh thu|lợi nhuận|kim ngạch|mức|tốc độ|thu nhập|dân số|lượng|chỉ số|cơ cấu|"
    r"đàn|độ)(?![^\W\d_])",
    re.IGNORECASE,
)
_LOCAL = re.compile(
    r"trên\s+địa\s+bàn(?:\s+(?:huyện|tỉnh|thị\s+xã|thành\s+phố|xã|thị\s+trấn))?", re.IGNORECASE
)
_ESTIMATE = re.compile(r"(?<![^\W\d_])(?:ước|ứơc|dự\s+kiến)(?![^\W\d_])", re.IGNORECASE)
_TARGET = re.compile(
    r"(?<![^\W\d_])(?:phấn\s+đấu|phần\s+đầu|mục\s+tiêu(?!\s+quốc\s+gia)|kế\s+hoạch(?:\s+năm\s+\d{4})?\s+(?:là|giao)"
    r"|chỉ\s+tiêu\s+(?:là|giao|đề\s+ra)|nghị\s+quyết\s+đề\s+ra)(?![^\W\d_])",
    re.IGNORECASE,
)
# The plan's figure written beside the result: "tăng 16,02% (NQ 12%)", "(KH: 500 ha)", "(chỉ tiêu 95%)".
_PLAN_BEFORE = re.compile(r"(?:\b(?:NQ|KH)|(?i:nghị\s+quyết|kế\s+hoạch|chỉ\s+tiêu))\s*:?\s*$")
_TARGET_SECTION = re.compile(r"phương\s+hướng|mục\s+tiêu|nhiệm\s+vụ|kế\s+hoạch", re.IGNORECASE)
_RESULT_SECTION = re.compile(r"kết\s+quả|đánh\s+giá|tình\s+hình|thực\s+hiện|kiểm\s+điểm", re.IGNORECASE)
# Words that report what was done ("thực hiện được", "đã", "ước thực hiện"); a bare "thực hiện" also states a task.
_RESULT_WORDS = re.compile(
    r"(?<![^\W\d_])(?:thực\s+hiện\s+(?:được|đạt)|đạt\s+được|đã|ước)(?![^\W\d_])", re.IGNORECASE
)
# Documents that set targets for their own period (a resolution, a plan, a programme).
_PLANNING_TYPES = frozenset({"nghị quyết", "kế hoạch", "chương trình"})


@dataclass(frozen=True)
class _Figure:
    """One figure in the text before it is given an indicator: value, unit and span."""

    start: int
    end: int  # end of the value and its unit
    value: IndicatorValue
    unit: str
    bound: Bound | None
    unit_start: int = 0  # where the unit as written starts (== end when there is none)


@dataclass(frozen=True)
class _Carried:
    """What a statement may take from the ones before it when its own words name nothing.

    ``inherited``: the indicator of the figure a bracket follows ("2.960 tỷ đồng (tăng 10,57%)");
    ``lead_in``: the words of a preceding statement without figures ("rà soát hộ nghèo, hộ cận nghèo. Kết quả
    còn 233 hộ"; "tổng giá trị sản xuất (theo giá so sánh 2010) đạt 8.839,9 tỷ đồng")."""

    inherited: str = ""
    lead_in: str = ""


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
    lead_in = ""
    for start, end in _sentences(text):
        carried = _Carried(_bracket_inherits(text, start, records[-1] if records else None), lead_in)
        found = _sentence_records(text, start, end, sections, metadata, carried)
        records.extend(found)
        lead_in = _next_lead_in(text, start, end, lead_in, bool(found))
    return records


def _next_lead_in(text: str, start: int, end: int, lead_in: str, had_records: bool) -> str:
    """The lead-in the next statement may take: a statement without figures that names something, kept
    over a bracketed aside; forgotten at a line break or after a statement with figures."""
    if had_records:
        return ""
    if start > 0 and text[start - 1] == "(" and end < len(text) and text[end] == ")":
        return lead_in
    phrase, _ = _trimmed(text, start, end)
    if not _names(phrase):
        return lead_in if not re.search(r"\n", text[start:end]) else ""
    return phrase if len(phrase.split()) <= 14 else ""


def _lead_in_applies(text: str, start: int, end: int, lead_in: str) -> bool:
    """A lead-in carries over a semicolon or a bracket; over a full stop only into a statement that points
    back at it ("Kết quả …", "Trong đó …", "Qua đó …"); never over a line break."""
    if not lead_in or start == 0:
        return False
    boundary = text[start - 1]
    if boundary == "\n":
        return False
    if boundary in ";()":
        return True
    return bool(re.match(r"\s*(?:kết quả|trong đó|qua đó)(?![^\W\d_])", text[start:end], re.IGNORECASE))


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
        money = _SCALED_MONEY_AFTER.match(text, m_end, end) if mention.kind == "ratio" and not unit else None
        if money is not None:
            scale = money.group(1).lower()
            unit, fig_end = f"{scale} {money.group(2).lower()}", money.end()
        previous = figures[-1] if figures else None
        unit_start = m_end + (len(text[m_end:fig_end]) - len(text[m_end:fig_end].lstrip()))
        if (
            previous is not None
            and isinstance(previous.value, float)
            and isinstance(value, float)
            and (previous.unit in ("", unit))
            and _DASH.fullmatch(text[previous.end : m_start])
        ):
            figures[-1] = _Figure(
                previous.start, fig_end, Range(previous.value, value), unit, previous.bound, unit_start
            )
            continue
        bound = _bound(text, start, m_start, fig_end, end)
        figures.append(_Figure(m_start, fig_end, value, unit, bound, unit_start))
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
    after = re.split(r"[,;]|\d", text[value_end:end], maxsplit=1)[0]
    if re.search(r"trở\s+lên", after[:40]) or re.search(r"(?:^|\s)(?:tối thiểu|ít nhất)$", before):
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
    carried: _Carried = _Carried(),
) -> list[IndicatorRecord]:
    """The records of one statement; a figure whose own words name nothing inherits the previous figure's
    indicator (or what ``carried`` brings from the statements before)."""
    records: list[IndicatorRecord] = []
    cursor, free = start, True
    indicator, indicator_start = carried.inherited, start
    lead_in = carried.lead_in if _lead_in_applies(text, start, end, carried.lead_in) else ""
    topic, topic_end = _topic(text, start, end)
    sentence_start, sentence_end = _full_sentence(text, start, end)
    # A bracketed aside ("(kinh tế trong nước: 4.706 tỷ đồng …)") is of the period its sentence names.
    period_start = sentence_start if start > 0 and text[start - 1] == "(" else start
    previous: _Figure | None = None
    figures = _figures(text, start, end)
    for index, figure in enumerate(figures):
        next_start = figures[index + 1].start if index + 1 < len(figures) else end
        tail_end = _tail_end(text, figure, end)
        clause_start = previous.end if previous else start
        kind = _kind(text, start, clause_start, figure, end, sections, metadata, previous)
        run_on = (
            previous is not None and not free and not re.search(r"[,:;]|\svà\s", text[cursor : figure.start])
        )
        region = max(cursor if free else _after_continuation(text, cursor, figure.start, start), topic_end)
        # "05 vụ làm chết 03 người": run-on words before a figure of another unit are that figure's own.
        if run_on and _counted(figure.unit) and previous is not None and previous.unit != figure.unit:
            region = cursor
        phrase, phrase_start, phrase_end = _figure_phrase(text, region, figure, tail_end, end, next_start)
        # "…, đạt 102,8% kế hoạch", "…, tăng 3% so cùng kỳ": a rate right after a comma is of the previous figure.
        own_clause = text[start : figure.start].rsplit(",", 1)[-1]
        if kind in ("growth", "share_of_plan") and indicator and not _names(own_clause):
            phrase = ""
        # A name that is only the previous figure's unit ("Hiện có 41 Tổ hợp tác và 28 Hợp tác xã") is not
        # this figure's unless the units agree.
        unit_named = previous is not None and fold(indicator) == fold(
            text[previous.unit_start : previous.end]
        )
        other_unit = previous is not None and previous.unit != figure.unit and not figure.unit.startswith("%")
        inherits = (
            indicator and _enumerated(text, region, figure) and not ((unit_named or run_on) and other_unit)
        )
        if not phrase and topic and region <= topic_end:
            phrase, phrase_start = topic, figure.start
        elif not phrase and not inherits:
            phrase, phrase_start = _fallback_phrase(text, region, figure, lead_in, topic), figure.start
        elif phrase:
            phrase = _qualified(text, start, phrase, phrase_start, topic, indicator)
        if phrase:
            indicator, indicator_start = phrase, phrase_start
        cursor, free, previous = max(tail_end, phrase_end), phrase_end > figure.end, figure
        if not indicator:
            continue
        section = _section_at(sections, figure.start)
        records.append(
            IndicatorRecord(
                indicator=indicator,
                key=indicator_key(indicator),
                value_text=text[figure.start : figure.end],
                value=_signed(text, start, figure, kind),
                unit=figure.unit,
                period=_period(text, period_start, figure.end, section, metadata, kind),
                kind=kind,
                start=min(indicator_start, figure.start) if phrase else figure.start,
                end=max(figure.end, phrase_end) if phrase else figure.end,
                value_start=figure.start,
                value_end=figure.end,
                section_id=section.id if section else None,
                bound=figure.bound,
                sentence_start=sentence_start,
                sentence_end=sentence_end,
            )
        )
    return records


# "giảm 39% so với năm 2020", "giảm 0,5%": a change downwards; "giảm còn 2%" and "giảm xuống 2%" are levels.
_DECREASE = re.compile(r"(?<![^\W\d_])giảm(?:\s+(?:bình\s+quân|khoảng|hơn|trên|gần))*\s*$", re.IGNORECASE)


def _signed(text: str, start: int, figure: _Figure, kind: IndicatorKind) -> IndicatorValue:
    """A change's value with its direction: a decrease is negative ("giảm 39%" → -39), so that a table or a
    chart of growth rates does not show a fall as a rise."""
    if kind != "growth" or not isinstance(figure.value, float):
        return figure.value
    before = text[start : figure.start].rsplit(",", 1)[-1]
    return -figure.value if _DECREASE.search(before) else figure.value


def _enumerated(text: str, region: int, figure: _Figure) -> bool:
    """Whether a figure whose own words name nothing is of the previous figure's indicator: a percentage
    ("…, đạt tỷ lệ 91,86%", "…, vượt 0,07% chỉ tiêu"), or a count with nothing but list punctuation before it
    ("khởi tố 08 vụ, 08 bị can"); not a count in a clause of its own ("…, nâng toàn huyện có 17 hợp tác xã")."""
    between = text[region : figure.start]
    if figure.unit.startswith("%"):
        return not _names(between)
    return not between.strip(" ,;:-–")


def _fallback_phrase(text: str, region: int, figure: _Figure, lead_in: str, topic: str) -> str:
    """The name of a figure whose own words name nothing ("Kết quả còn 233 hộ", "Toàn huyện có 44,85 ha",
    "toàn huyện hiện có 187 doanh nghiệp"): the lead-in from the statement before, else the statement's topic,
    else a counting word with the unit ("tổng số 2.291 hộ") or the counted unit itself."""
    if lead_in:
        return lead_in
    if topic:
        return topic
    if not _counted(figure.unit):
        return ""
    counting = re.search(r"(?:tổng số|số lượng|số)\s*$", text[region : figure.start], re.IGNORECASE)
    written = text[figure.unit_start : figure.end]
    return f"{counting.group(0).strip()} {written}" if counting else written


# "…, trong đó bảo hiểm xã hội tự nguyện đạt 5%", "…; riêng đoàn thanh niên đạt 50%": a part of the previous figure.
_BREAKDOWN = re.compile(r"(?:^|[\s,(])(?:trong\s+đó|riêng)[\s,:]*(?:có\s+)?$", re.IGNORECASE)


def _qualified(text: str, start: int, phrase: str, phrase_start: int, topic: str, previous: str) -> str:
    """A phrase that names only a part or a group ("Mẫu giáo 88%", "trong đó bảo hiểm xã hội tự nguyện đạt 5%")
    is qualified by the indicator it breaks down: the statement's topic ("Tỷ lệ học sinh trong độ tuổi đi
    học: Mẫu giáo 88%") or, after "trong đó", the previous figure's indicator."""
    if _MEASURE_HEAD.match(phrase):
        return phrase
    if topic and _MEASURE_HEAD.match(topic):
        return f"{topic}: {phrase}"
    if previous and _MEASURE_HEAD.match(previous) and _BREAKDOWN.search(text[start:phrase_start]):
        return f"{previous}: {phrase}"
    return phrase


_SENTENCE_END = re.compile(r"[.!?](?=\s|$|[A-ZĐÀ-Ỵ])|\n")


def _full_sentence(text: str, start: int, end: int, limit: int = 600) -> tuple[int, int]:
    """The sentence around a statement: from the full stop or line break before ``start`` to the one at or
    after ``end`` (statements also split at ";" and brackets; a quote wants the whole sentence), at most
    ``limit`` characters on each side."""
    low = max(0, start - limit)
    before = [m.end() for m in _SENTENCE_END.finditer(text, low, start)]
    sentence_start = before[-1] if before else low
    after = _SENTENCE_END.search(text, end, min(len(text), end + limit))
    if after is None:
        sentence_end = min(len(text), end + limit)
    else:
        sentence_end = after.end() if after.group() != "\n" else after.start()
    while sentence_start < start and text[sentence_start].isspace():
        sentence_start += 1
    return sentence_start, sentence_end


def _topic(text: str, start: int, end: int) -> tuple[str, int]:
    """The topic a statement opens with before a colon ("Thủy sản: Có 753 lượt …", "Tình hình sâu đầu đen hại
    dừa: Toàn huyện có 44,85 ha …") and where the words after it start; ("", start) without one. A figure
    whose own words name nothing is of that topic."""
    colon = text.find(":", start, end)
    about = re.match(r"\s*[-–+*]?\s*về\s[^,:;]+,", text[start:end], re.IGNORECASE)
    if about is not None and (colon < 0 or start + about.end() < colon):
        colon = start + about.end() - 1
    if colon < 0 or _figures(text, start, colon):
        return "", start
    phrase, _ = _trimmed(text, start, colon)
    return (phrase if _names(phrase) else ""), colon + 1


def _after_continuation(text: str, cursor: int, value_start: int, sentence_start: int) -> int:
    """Where a new indicator phrase may start after a previous figure: words that run on from its unit
    ("6.934,71 tấn cá thương phẩm, …", "753 lượt hộ thả nuôi …") still name that figure, up to the last
    comma, colon or "và" before the next one; with none, the figure inherits the previous indicator."""
    if cursor == sentence_start:
        return cursor
    between = text[cursor:value_start]
    if re.match(r"\s*[,:]", between):
        return cursor
    boundaries = list(re.finditer(r"[,:]|\svà\s", between))
    return cursor + boundaries[-1].end() if boundaries else value_start


def _tail_end(text: str, figure: _Figure, end: int) -> int:
    """Where the words that qualify a figure end ("… so với năm 2020", "… kế hoạch năm", "… dự toán Tỉnh giao")."""
    for pattern in (_PLAN_AFTER, _GROWTH_AFTER):
        match = pattern.match(text, figure.end, end)
        if match:
            return match.end()
    return figure.end


def _figure_phrase(
    text: str, start: int, figure: _Figure, tail_end: int, end: int, next_start: int
) -> tuple[str, int, int]:
    """The indicator phrase of a figure, where it starts and where it ends (the figure's end unless the phrase
    follows the figure), or ("", start, figure.end) when its words name nothing.

    The phrase is written before the figure ("Tỷ lệ hộ nghèo dưới 2%"), after it when the words before name
    nothing ("100% xã đạt chuẩn …", "có 19 hộ nghèo thuộc diện …"), or both when a short verb phrase before a
    count or a percentage needs its object ("Kết nạp 120 đảng viên mới", "Giải quyết trên 95% đơn thư …")."""
    before, before_start, governing = _phrase_before(text, start, figure.start)
    named_before = _names(before)
    after, after_end = _phrase_after(text, figure, tail_end, end, next_start, alone=not named_before)
    counted = _counted(figure.unit)
    if not named_before:
        if _names(after, figure.unit):
            return after, figure.start, after_end
        if governing and _names(governing):
            return governing, start, figure.end
        return "", start, figure.end
    percent_or_count = counted or figure.unit.startswith("%")
    if after and percent_or_count and _names(after, figure.unit):
        # "Đảng bộ Huyện có 37 cơ sở đảng": what has the figure is its subject; the figure names itself.
        if re.search(r"(?<![^\W\d_])có\s*$", text[before_start + len(before) : figure.start], re.IGNORECASE):
            return after, figure.start, after_end
        if _short_action(before):
            return f"{before} {after}", before_start, after_end
    return before, before_start, figure.end


def _phrase_before(text: str, start: int, value_start: int) -> tuple[str, int, str]:
    """The phrase written between ``start`` and the figure, and, when an enumeration runs before the figure
    ("kiểm tra 173 tổ chức đảng và 211 đảng viên"), the words before its first member (what governs both)."""
    separated = [
        m
        for m in extract_numbers(text[start:value_start])
        if m.kind in ("quantity", "ratio")
        and not _is_year(m, text[max(0, start + m.start - 15) : start + m.start])
        and re.search(r"[,;]|\svà\s", text[start + m.end : value_start])
    ]
    governing = ""
    if separated:
        last = separated[-1]
        boundary = re.search(r"[,;]|\svà\s", text[start + last.end : value_start])
        assert boundary is not None
        governing, _ = _trimmed(text, start, start + separated[0].start)
        start = start + last.end + boundary.end()
    phrase, phrase_start = _trimmed(text, start, value_start)
    return phrase, phrase_start, governing


_AFTER_STOP = re.compile(r"[;:()\n]|(?<![^\W\d_])(?:để|nhằm)(?![^\W\d_])", re.IGNORECASE)
_AFTER_CUT = re.compile(r"\s(?:trên|với|của|đạt|tăng|giảm|là|chiếm|có|gồm|được|làm|vượt|so)\s", re.IGNORECASE)
_PREPOSITION_TAIL = re.compile(
    r"\s(?:ở|tại|trong|theo|thuộc|về|của|cho|với|trên|dưới|đối với)$", re.IGNORECASE
)
# Words that open a new clause after a comma ("…, cho cam kết khắc phục"), so the comma ends the phrase.
_CLAUSE_OPENER = re.compile(
    r",\s*(?:cho|để|nhằm|góp phần|đồng thời|tạo|nâng|phấn đấu|trong đó|đạt|tăng|giảm|chiếm|với|vượt|so|"
    r"bình quân|hiện|đến|đang|đã|được)(?![^\W\d_])",
    re.IGNORECASE,
)
# A clause that starts with a place or group noun continues a list ("xã, thị trấn đạt chuẩn …").
_LIST_ITEM = re.compile(
    r"\s*(?:" + "|".join(re.escape(u) for u in _UNITS) + r"|thị trấn|phường|khóm|đơn vị|tổ chức|cơ quan)"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)


def _phrase_after(
    text: str, figure: _Figure, tail_end: int, end: int, next_start: int, alone: bool
) -> tuple[str, int]:
    """The words after a figure that name what it counts or what its percentage is of ("100% xã đạt chuẩn nông
    thôn mới nâng cao", "19 hộ nghèo thuộc diện …"), with the unit when the unit is a counted noun, and where
    they end; ("", figure.end) when a plan or comparison follows."""
    if tail_end != figure.end or re.match(r"\s*(?:so|và|hoặc)(?![^\W\d_])", text[figure.end : end]):
        return "", figure.end
    next_start = min(next_start, _next_number(text, figure.end, end))
    stop = _AFTER_STOP.search(text, figure.end, min(end, next_start))
    used = stop.start() if stop else min(end, next_start)
    opener = _CLAUSE_OPENER.search(text, figure.end, used)
    if opener is not None:
        used = opener.start()
    elif next_start < end and stop is None:
        used = _own_words_end(text, figure.end, used, alone)
    words = re.sub(r"(?<![^\W\d_])trở\s+lên(?![^\W\d_])", " ", text[figure.end : used])
    phrase = " ".join(words.split()).rstrip(" ,-–")
    while phrase != (trimmed := _PREPOSITION_TAIL.sub("", _trim_tail(phrase)).rstrip(" ,-–")):
        phrase = trimmed
    if not phrase or len(phrase.split()) > 18:
        return "", figure.end
    if _counted(figure.unit):
        unit = text[figure.unit_start : figure.end]
        phrase = unit + ("" if phrase.startswith(",") else " ") + phrase
    return phrase.strip(" ,"), figure.end + len(text[figure.end : used].rstrip(" ,"))


def _next_number(text: str, start: int, end: int) -> int:
    """Where a number that starts another statement follows a figure: after "/" ("44,85 ha/95 hộ") or after a
    comma ("70/70 tuyến kênh, chiều dài 61.163m"); a number inside a phrase ("ở 03 bậc học") does not."""
    for match in re.finditer(r"(?<![\w-])\d", text[start:end]):
        before = text[start : start + match.start()]
        if re.search(r"(?:năm|giai đoạn|ngày|tháng)\s*$", before, re.IGNORECASE):
            continue
        if before.endswith("/") or "," in before:
            return start + match.start() - (1 if before.endswith("/") else 0)
    return end


def _own_words_end(text: str, start: int, next_start: int, alone: bool) -> int:
    """Where the words after a figure stop being its own when another figure follows: at a comma or "và"
    right before the next figure ("100% cơ quan, đơn vị và 11/11 xã"); else at the last comma that opens a
    clause ("600 lượt hộ, đưa gia súc vào lò … được 18.808 con"; a comma before a list item such as ", hội
    viên" does not); else at the last preposition or verb ("… các loại trên diện tích 153,26 ha"); else the
    words are the next figure's, unless this figure has nothing else to name it (``alone``: "Có 753 lượt
    hộ thả nuôi 11.682.000 con giống")."""
    words = text[start:next_start]
    coordinated = re.search(r"(?:,|\svà)\s*$", words)
    if coordinated:
        return start + coordinated.start()
    rest = _CONNECTOR_TAIL.sub("", words.rstrip())
    for comma in reversed([m.start() for m in re.finditer(",", rest)]):
        if not _LIST_ITEM.match(rest, comma + 1):
            return start + comma
    cuts = list(_AFTER_CUT.finditer(rest))
    if cuts:
        return start + cuts[-1].start()
    return start + len(rest) if alone else start


def _counted(unit: str) -> bool:
    """Whether a unit names what is counted ("hộ", "đảng viên", "giường bệnh/vạn dân") rather than measuring an
    amount ("tỷ đồng", "ha", "%")."""
    return unit.split("/")[0].split(" ")[-1] not in _MEASURE_UNITS


def _short_action(phrase: str) -> bool:
    """A verb phrase short enough to want its object ("Kết nạp", "Giải quyết", "chi trả chế độ, chính sách cho
    2.344 người có công") rather than a noun that heads an indicator ("Tỷ lệ …", "Tổng vốn …")."""
    return len(phrase.split()) <= 6 and not _MEASURE_HEAD.match(phrase)


def _trimmed(text: str, start: int, end: int) -> tuple[str, int]:
    """text[start:end] as an indicator phrase: after a colon that opens it, without the connectors and
    periods at its end, the discourse words and the subject at its start, and cut to its last clause when a
    narrative sentence runs long. Returns the phrase and where it starts."""
    raw = text[start:end]
    if ":" in raw:
        head, _, after = raw.rpartition(":")
        if _content(after):
            start += len(head) + 1
            raw = after
    phrase = raw
    while phrase != (trimmed := _trim_tail(phrase)):
        phrase = trimmed
    offset = _lead_length(phrase)
    phrase = phrase[offset:]
    subject = _SUBJECT.match(phrase)
    if subject and _content(phrase[subject.end() :]):
        offset += subject.end()
        phrase = phrase[subject.end() :]
    clipped = _last_clause(phrase)
    offset += len(phrase) - len(clipped)
    phrase = clipped.strip()
    if not _content(phrase):
        return "", start
    return phrase, start + offset + (len(raw[offset:]) - len(raw[offset:].lstrip()))


def _trim_tail(phrase: str) -> str:
    """``phrase`` without one connector or period at its end ("… ước thực hiện năm 2025 là" → "… ước thực hiện
    năm 2025")."""
    trimmed = _CONNECTOR_TAIL.sub("", phrase.rstrip(" \t:,-–—"))
    return re.sub(r"\s*(?:" + _PERIOD_PHRASE.pattern + r")\s*$", "", trimmed, flags=re.IGNORECASE)


def _lead_length(phrase: str) -> int:
    """How many characters of discourse words, list marks and leftover prepositions open ``phrase``."""
    offset = 0
    while True:
        lead = _LEADING.match(phrase, offset)
        if not lead or lead.end() == offset:
            return offset
        offset = lead.end()


def _last_clause(phrase: str, limit: int = 12) -> str:
    """A narrative sentence runs several clauses before its figure ("Công tác đào tạo nghề … luôn được quan
    tâm, số người có việc làm tăng thêm 24.484 lượt"): past ``limit`` words the figure's phrase is its last
    clause that names something. A phrase headed by an indicator noun ("Tỷ lệ trường học các cấp đạt chuẩn
    kiểm định chất lượng giáo dục, đạt chuẩn quốc gia") is kept whole up to twice the limit."""
    words = len(phrase.split())
    if words <= limit or (_MEASURE_HEAD.match(phrase.lstrip()) and words <= 2 * limit):
        return phrase
    for match in reversed(list(re.finditer(r",\s*|\svà\s+", phrase))):
        clause = phrase[match.end() :]
        clause = clause[_lead_length(clause) :]
        first_segment = clause.split(",", 1)[0]
        if _names(clause) and len(first_segment.split()) >= 3 and not _LIST_ITEM.match(clause):
            return clause
    return phrase


def _content(phrase: str) -> bool:
    """Whether a phrase has a word that is not a hedge, connector or period (i.e. it names something)."""
    words = re.findall(r"[^\W\d_]+", fold(_PERIOD_PHRASE.sub(" ", phrase)))
    return any(w not in _KEY_DROP and w not in _NOT_CONTENT for w in words)


def _names(phrase: str, unit: str = "") -> bool:
    """Whether a phrase names what a figure measures: a content word other than the generic heads ("tỷ lệ",
    "kết quả", "toàn huyện") and the figure's own unit ("hộ" alone names nothing)."""
    unit_words = set(fold(unit.split("/")[0]).split())
    words = re.findall(r"[^\W\d_]+", fold(_PERIOD_PHRASE.sub(" ", phrase)))
    return any(
        w not in _KEY_DROP and w not in _NOT_CONTENT and w not in _GENERIC and w not in unit_words
        for w in words
    )


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
    clause_start: int,
    figure: _Figure,
    end: int,
    sections: Sequence[Section],
    metadata: DocumentMetadata | None = None,
    previous: _Figure | None = None,
) -> IndicatorKind:
    """Share of plan ("đạt 99,35% kế hoạch năm"), growth ("tăng 10,28% so với năm 2020", "tăng bình
    quân hằng năm là 4,22%", "vượt 20% so nghị quyết"), target ("phấn đấu", "chỉ tiêu … giao", a section of
    orientations, a resolution), estimate ("ước" in the figure's own clause), else result.

    Growth and share of plan are a result's change or fulfilment: the same rate set as a goal ("phấn đấu tăng
    8-11%/năm", "tăng bình quân hằng năm: 13% - 15%" under "Mục tiêu chủ yếu") is a target. A target verb
    counts when it opens the statement or stands in the figure's clause, not when a narrative mentions one."""
    before = text[start : figure.start]
    clause = before.rsplit(",", 1)[-1]
    target_words = bool(_TARGET.search(clause) or _TARGET.match(before.lstrip(" -–+*")))
    planned = target_words or _in_target_context(figure, sections, metadata)
    measured = _measured_kind(text, before, figure, end, previous)
    if measured is not None:
        return "target" if planned and not _RESULT_WORDS.search(before) else measured
    if target_words or _PLAN_BEFORE.search(before):
        return "target"
    if _ESTIMATE.search(text[clause_start : figure.start]):
        return "estimate"
    if _RESULT_WORDS.search(before):
        return "result"
    return "target" if planned else "result"


def _measured_kind(
    text: str, before: str, figure: _Figure, end: int, previous: _Figure | None
) -> IndicatorKind | None:
    """ "share_of_plan" or "growth" when a percentage is written as the fulfilment of a plan or as a change:
    an excess ("vượt 0,07% chỉ tiêu") is a change, and a bare "đạt x%" right after an amount of the same
    statement ("8.839,9 tỷ đồng, đạt 102,74%") is that amount's share of its plan."""
    if not figure.unit.startswith("%"):
        return None
    # The connector words right before the figure (after the last comma): "tăng", "giảm", "tăng bình quân …".
    near = fold(before.rsplit(",", 1)[-1]).rstrip(" :-–—")
    connector = _connector_words(near)
    if re.search(r"(?:^|\s)vượt(?:\s|$)", connector):
        return "growth"
    if _PLAN_AFTER.match(text, figure.end, end):
        return "share_of_plan"
    if _PLAN_BEFORE.search(before):
        return None
    growth_words = re.search(r"(?:^|\s)(?:tăng|giảm)(?:\s|$)", connector) and not re.search(
        r"giảm còn|tăng lên|giảm xuống", connector
    )
    if _GROWTH_AFTER.match(text, figure.end, end) or growth_words:
        return "growth"
    amount = previous is not None and previous.unit.split()[-1] in _MEASURE_UNITS - {"%", "‰"}
    if amount and near == "đạt" and not isinstance(previous.value if previous else None, Fraction):
        return "share_of_plan"
    return None


def _in_target_context(
    figure: _Figure, sections: Sequence[Section], metadata: DocumentMetadata | None
) -> bool:
    """Whether the figure stands under a heading of orientations or targets, or (no heading says either) in a
    document that sets targets (a resolution or plan)."""
    section = _section_at(sections, figure.start)
    verdict = _target_section(section) if section is not None else None
    if verdict is None:
        verdict = metadata is not None and fold(metadata.doc_type or "") in _PLANNING_TYPES
    return verdict


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
    metadata: DocumentMetadata | None,
    kind: IndicatorKind,
) -> str | None:
    """The period of the statement, else of the nearest section heading that names one, else the document's:
    for a target under a heading of orientations in a report (which reports on its own period, as a term
    report ends with the next term's targets) the period after it."""
    found = _period_in(text[start:figure_end])
    if found:
        return _average_term(text[start:figure_end], found, kind, section, metadata)
    if section is not None:
        for heading in reversed(section.path):
            found = _period_in(heading)
            if found:
                return found
    if metadata is None:
        return None
    period = metadata.period or (str(metadata.year) if metadata.year else None)
    forward = section is not None and _target_section(section) is True
    if kind == "target" and forward and period and fold(metadata.doc_type or "") not in _PLANNING_TYPES:
        return _next_period(period)
    return period


def _average_term(
    statement: str,
    found: str,
    kind: IndicatorKind,
    section: Section | None,
    metadata: DocumentMetadata | None,
) -> str:
    """An average yearly growth stated beside the last year's value ("… ước thực hiện năm 2025 là 7.687 tỷ đồng,
    tăng bình quân hằng năm là 12,37%") is over the term that ends that year (the heading's or the document's),
    not over that one year."""
    if kind != "growth" or not re.search(r"bình\s+quân", statement.rsplit(", ", 1)[-1], re.IGNORECASE):
        return found
    candidates = [_period_in(h) for h in reversed(section.path)] if section is not None else []
    candidates.append(metadata.period if metadata is not None else None)
    for term in candidates:
        match = _TERM.fullmatch(term or "")
        if (
            match
            and re.fullmatch(r"\d{4}", found)
            and int(match.group(1)) < int(found) <= int(match.group(2))
        ):
            return term or found
    return found


def _next_period(period: str) -> str:
    """The period after a report's: "2020-2025" → "2025-2030" (the next term), "2021" → "2022"."""
    term = _TERM.fullmatch(period)
    if term:
        first, last = int(term.group(1)), int(term.group(2))
        return f"{last}-{2 * last - first}"
    if re.fullmatch(r"(?:19|20)\d{2}", period):
        return str(int(period) + 1)
    return period
