"""Question analysis: what a question asks for, as a typed intent.

The extractive answerer does not pick the sentence that shares most words with the question; it picks one
that holds something of the *asked type* (a figure in the asked unit, a name, a date, a document number, the
items of a list, the words after "là"), about the *focus*, under the *constraints* (place, period, kind of
figure). This module turns a question into those three things, with no knowledge of any corpus beyond the
catalog-derived :class:`QueryAnalysis` (localities, years, document numbers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ingestion.textnorm import fold, strip_diacritics
from vectorstore.abbreviations import ABBREVIATIONS
from vectorstore.lexical import has_no_diacritics
from vectorstore.query import QueryAnalysis

AnswerType = Literal[
    "figure",  # a number, with the unit or the thing counted when the question names it
    "person",  # "ai", "đồng chí nào": a name
    "date",  # "khi nào", "ngày nào", "năm nào"
    "place",  # "ở đâu", "xã nào" when one place is wanted
    "document",  # "theo văn bản nào", "quy định số mấy": a document number
    "section",  # "ở mục nào": a heading
    "list",  # "những … nào", "gồm những gì": the items
    "definition",  # "… là gì": what follows "là"
    "name",  # "tên … là gì", "được gọi là gì": a name or a term
    "yesno",  # "có … không"
    "reason",  # "vì sao", "như thế nào", "bằng cách nào": an explanation
    "general",
]
FigureKind = Literal["result", "target", "estimate", "growth"]


@dataclass(frozen=True)
class TimeConstraint:
    """The period a question asks about: single years and terms ("nhiệm kỳ 2020–2025")."""

    years: frozenset[int] = frozenset()
    terms: frozenset[tuple[int, int]] = frozenset()
    # A term named relative to the document, no year written: "5 năm qua", "nhiệm kỳ tới" (as written).
    relative: Literal["past", "next"] | None = None
    relative_text: str = ""

    def __bool__(self) -> bool:
        return bool(self.years or self.terms or self.relative)

    def label(self) -> str:
        """How an answer names the period: "năm 2023", "giai đoạn 2020–2025", "5 năm qua"."""
        parts = [f"năm {y}" for y in sorted(self.years)]
        parts += [f"giai đoạn {a}–{b}" for a, b in sorted(self.terms)]
        if self.relative_text:
            parts.append(self.relative_text)
        return ", ".join(parts)


# What a comparison asks to be computed from its sides' figures.
Derived = Literal["difference", "ratio", "share"]


@dataclass(frozen=True)
class Side:
    """One side of a comparison: its own place, period and kind; the focus is shared."""

    label: str
    localities: tuple[str, ...] = ()
    time: TimeConstraint = TimeConstraint()
    kinds: frozenset[FigureKind] = frozenset()


@dataclass(frozen=True)
class Intent:
    question: str
    answer_type: AnswerType
    unit: str | None = None  # "%", "ha", "tỷ": the unit a figure must be in
    counted: str | None = None  # "công trình" in "bao nhiêu công trình": the noun a count is of
    time: TimeConstraint = TimeConstraint()
    kinds: frozenset[FigureKind] = frozenset()
    localities: tuple[str, ...] = ()
    sides: tuple[Side, ...] = ()  # two or more for a comparison
    signer: bool = False  # "ai ký …": the signature block answers
    focus_words: tuple[str, ...] = field(default=())  # words after "là gì" / before "là ai": the asked term
    listed: str | None = None  # "tiêu chí" in "những tiêu chí nào": what a list question's items are
    derived: Derived | None = None  # a comparison asking how much more ("hơn bao nhiêu") or how many times

    @property
    def is_comparison(self) -> bool:
        return len(self.sides) >= 2


_UNITS = {
    "km²": "km",
    "km2": "km",
    "km": "km",
    "m²": "m",
    "m2": "m",
    "m³": "m",
    "m3": "m",
    "mét": "m",
    "ha": "ha",
    "héc-ta": "ha",
    "hecta": "ha",
    "tấn": "tấn",
    "kg": "kg",
    "tỷ": "tỷ",
    "triệu": "triệu",
    "nghìn": "nghìn",
    "usd": "usd",
    "đô": "usd",
    "lít": "lít",
    "mw": "mw",
    "kwh": "kwh",
    "%": "%",
    "phần trăm": "%",
    "phần": "%",
}
# Words after "bao nhiêu"/"mấy" that ask for the amount itself, not for a unit or a thing counted.
_NOT_COUNTED = frozenset(
    fold(w)
    for w in [
        "lần",
        "năm",
        "tuổi",
        "là",
        "so",
        "và",
        "được",
        "đạt",
        "thì",
        "trong",
        "cho",
        "ở",
        "tại",
        "của",
        "vào",
        "khi",
        "trên",
        "mỗi",
        "một",
        "với",
        "từ",
        "đến",
        "theo",
    ]
)
_HOW_MANY = re.compile(r"(?:bao nhiêu|mấy)\s+([^\s?,.;:]+(?:\s+[^\s?,.;:]+)?)")
# "Số vụ tai nạn … là bao nhiêu?": the thing counted stands after "số" at the start of the question.
_NUMBER_OF = re.compile(r"^(?:tổng\s+)?số\s+(?!lượng|liệu|tiền|hiệu)([^\s?,.;:]+(?:\s+[^\s?,.;:]+)?)")
_AMOUNT_ASKED = re.compile(r"(?:là|được|có|đạt)\s+(?:bao nhiêu|mấy)\s*\??$")

_SECTION = re.compile(
    r"(ở|tại|trong|thuộc) (tiểu )?(mục|phần|chương|điều|khoản|điểm) nào|(tiểu )?mục nào|phần nào|điều nào|"
    r"chương nào|được trình bày ở|nêu ở|xem (ở )?(mục|phần)"
)
_SIGNER = re.compile(r"\bai (đã )?ký\b|người ký|\bký\b.*\bai\b|chữ ký")
_PERSON = re.compile(r"\bai\b|\b(?:đồng chí|người|ông|bà) nào\b|họ tên|chủ tịch là|bí thư là")
_DATE = re.compile(r"khi nào|bao giờ|ngày nào|ngày mấy|năm nào|thời gian nào|thời điểm nào|lúc nào|tháng nào")
_DOCUMENT = re.compile(
    r"(văn bản|nghị định|nghị quyết|quyết định|quy định|kết luận|chỉ thị|thông tư|kế hoạch|luật|công văn|"
    r"hướng dẫn|chương trình) (số )?(nào|mấy|số mấy)|số hiệu|\bsố mấy\b|theo (văn bản|quy định) nào"
)
_PLACE = re.compile(r"ở đâu|tại đâu|nơi nào|địa điểm nào|đặt ở|diễn ra ở")
_LIST = re.compile(
    r"\bnhững\b.*\bnào\b|\bcác\b.*\bnào\b|kể tên|gồm những|bao gồm|gồm (các )?(loại|gì)|những gì|"
    r"những (mặt|tiêu chí|nội dung|nhiệm vụ|giải pháp|lĩnh vực|loại)|liệt kê"
)
_HOW_MUCH = re.compile(r"bao nhiêu|\bmấy\b")
_WHAT_LEVEL = re.compile(r"mức nào|tỷ lệ nào|ở mức|\bđạt\b.*\?$")
# An ordinal may be written in words or Roman numerals ("lần thứ XII"), an organisation is no figure.
_ORDINAL_OR_BODY = re.compile(r"thứ mấy|(cơ quan|đơn vị|tổ chức|bộ phận|cấp) nào")
# "04 nghị quyết nào", "những văn bản nào": several documents asked, a list.
_SEVERAL = re.compile(
    r"(\d+|những|các|mấy)\s+(\S+\s+)?(văn bản|nghị định|nghị quyết|quyết định|quy định|kết luận|chỉ thị|kế hoạch|chương trình|đề án)\s+nào"
)
_FIGURE_HINT = re.compile(r"tỷ lệ|tỉ lệ|chỉ tiêu|số lượng|tốc độ|giá trị|tổng (số|vốn|thu|chi|mức)")
_YESNO = re.compile(r"\bcó\b.+\bkhông\s*\??$|phải không\s*\??$|\bđã\b.+\bchưa\s*\??$|hay không\s*\??$")
_NAME = re.compile(
    r"\btên (?:của|là|gọi|chính thức)\b|\bcó tên\b|(?:được |còn được )?gọi là gì|tên (?:là )?gì|mang tên gì"
)
_DEFINITION = re.compile(r"(.+?)\s+(?:là gì|nghĩa là gì|được hiểu (là|như thế nào)|là như thế nào)\s*\??$")
_REASON = re.compile(r"vì sao|tại sao|nguyên nhân|lý do|bằng cách nào|như thế nào|ra sao|thế nào|cách nào")
# "Điều gì đã xảy ra với tốc độ …": an event or a statement asked, even about a figure's subject.
_WHAT_HAPPENED = re.compile(r"\b(?:điều|việc|chuyện|cái) gì\b")
# A comparison asking for a quantity no document states: the gap between its sides, or their ratio.
_DERIVED: dict[Derived, re.Pattern[str]] = {
    "difference": re.compile(r"(?:\bhơn|\bkém|chênh lệch|khác nhau)\b(?:\s+\S+){0,8}?\s+(?:bao nhiêu|mấy)\b"),
    "ratio": re.compile(r"gấp\s+(?:bao nhiêu|mấy)\s+lần"),
    "share": re.compile(r"bằng\s+(?:bao nhiêu|mấy)\s+(?:phần trăm|%)"),
}
_COMPARE = re.compile(r"\bso sánh\b|\bgấp\b|\bso với\b|khác nhau|chênh lệch|\bhơn\b|\bkém\b|\bcòn\b.+\bthì\b")

# Kinds of figure, as a question names them.
_KIND_WORDS: dict[FigureKind, re.Pattern[str]] = {
    "target": re.compile(
        r"chỉ tiêu|mục tiêu|kế hoạch|phấn đấu|đặt ra|đề ra|\bđặt\b|phải đạt|định hướng|dự kiến|sẽ\b|tới\b|"
        r"phương hướng|nhiệm vụ năm"
    ),
    "estimate": re.compile(r"\bước\b|dự kiến|dự ước"),
    "result": re.compile(r"đã đạt|đạt được|thực hiện được|kết quả|\bđã\b|vừa qua|\bqua\b|hiện có|thực tế"),
    "growth": re.compile(r"tăng bình quân|tốc độ tăng|tăng trưởng|tăng bao nhiêu|giảm bao nhiêu"),
}

# Where a question turns from one side of a comparison to the other.
_SIDE_BREAK = re.compile(
    r",?\s+(?:và|với|so với|còn|hay)\s+(?=\S)|;\s*|,\s+(?=còn\b)"
    # "năm 2021 cao hơn năm 2020 bao nhiêu", "Tiểu Cần gấp mấy lần Nhơn Trạch"
    r"|\s+(?:cao|thấp|nhiều|ít|lớn|nhỏ)\s+hơn\s+(?=\S)|\s+gấp\s+(?:bao nhiêu|mấy)\s+lần\s+(?=\S)"
)

_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
_TERM = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[-–—/]\s*((?:19|20)\d\d)(?!\d)")
# A term named relative to the document that is read: "5 năm qua", "nhiệm kỳ vừa qua", "5 năm tới".
_RELATIVE_TERM = re.compile(r"(\d+ năm|nhiệm kỳ|giai đoạn)\s+(qua|vừa qua|tới|sắp tới|tiếp theo)\b")
_FUTURE_YEAR = re.compile(r"(?:đến|tới) năm\s+((?:19|20)\d\d)")


def time_of(text: str, asked: bool = True) -> TimeConstraint:
    """The period a question (or one side of it) names.

    Serves questions whose answer depends on the period: a single year named outside every term is the asked
    period, a term named alongside it is context ("năm 2019 (trước nhiệm kỳ 2020–2025)"); the years of a term
    are its ends, not single years asked. A statement (``asked=False``) keeps every year and term it names."""
    terms = {(int(a), int(b)) for a, b in _TERM.findall(text)}
    stripped = _TERM.sub(" ", text)
    years = {int(y) for y in _YEAR.findall(stripped)}
    if asked and years and terms and any(not any(a <= y <= b for a, b in terms) for y in years):
        terms = set()
    named = list(_RELATIVE_TERM.finditer(fold(text))) if asked and not (years or terms) else []
    directions = {"past" if m.group(2) in ("qua", "vừa qua") else "next" for m in named}
    if len(directions) == 1:  # both named ("5 năm qua … 5 năm tới"): each side of the comparison has its own
        direction: Literal["past", "next"] = "past" if "past" in directions else "next"
        return TimeConstraint(relative=direction, relative_text=named[0].group(0))
    return TimeConstraint(frozenset(years), frozenset(terms))


def kinds_of(folded: str) -> frozenset[FigureKind]:
    """The kinds of figure a question names: a target (chỉ tiêu, kế hoạch), a result, an estimate, growth."""
    return frozenset(kind for kind, pattern in _KIND_WORDS.items() if pattern.search(folded))


def asked_unit(question: str) -> str | None:
    """The unit a figure question wants ("bao nhiêu ha", "mấy phần trăm", "bao nhiêu %")."""
    folded = fold(question)
    for match in _HOW_MANY.finditer(folded):
        words = match.group(1).split()
        for candidate in (" ".join(words[:2]), words[0]):
            if candidate in _UNITS:
                return _UNITS[candidate]
    if re.search(r"bao nhiêu\s*%|mấy\s*%", folded):
        return "%"
    return None


def counted_noun(question: str) -> str | None:
    """What a "bao nhiêu <noun>" question counts ("bao nhiêu khu công nghiệp" → "khu công nghiệp"): the
    answer must count that thing, a percentage about it does not answer."""
    folded = fold(question)
    match = _HOW_MANY.search(folded) or (_NUMBER_OF.search(folded) if _AMOUNT_ASKED.search(folded) else None)
    if not match:
        return None
    words = match.group(1).split()
    if not words or words[0] in _NOT_COUNTED or words[0] in _UNITS or " ".join(words[:2]) in _UNITS:
        return None
    return " ".join(word for word in words if word not in _NOT_COUNTED)


# What else counts the same thing: people are counted as "lao động", "dân", "nhân khẩu"; a length of time
# is counted in its units ("bao nhiêu thời gian" → "17 giây").
_COUNTED_ALSO: dict[str, tuple[str, ...]] = {
    "người": ("lao động", "dân", "nhân khẩu", "cư dân"),
    "thời gian": ("giây", "phút", "giờ", "ngày", "tuần", "tháng"),
}


def counted_forms(counted: str) -> list[str]:
    """The counted noun as asked, as it is written out for an abbreviation ("htx" → "hợp tác xã"), and the
    nouns that count the same thing ("người" → "lao động"). Serves "bao nhiêu <thing>" questions."""
    long_forms = {fold(short): fold(long) for short, long in ABBREVIATIONS.items()}
    written = " ".join(long_forms.get(word, word) for word in counted.split())
    forms = [counted] if written == counted else [counted, written]
    head = next((form for form in _COUNTED_ALSO if counted == form or counted.startswith(form + " ")), None)
    return forms + list(_COUNTED_ALSO[head]) if head else forms


def _answer_type(folded: str) -> AnswerType:
    if _SECTION.search(folded):
        return "section"
    if _SIGNER.search(folded) or _PERSON.search(folded):
        return "person"
    if _SEVERAL.search(folded):
        return "list"
    if _DOCUMENT.search(folded):
        return "document"
    if _DATE.search(folded):
        return "date"
    if _ORDINAL_OR_BODY.search(folded):
        return "general"
    if _YESNO.search(folded) and not _HOW_MUCH.search(folded):
        return "yesno"
    if _HOW_MUCH.search(folded):
        return "figure"
    if _LIST.search(folded):
        return "list"
    if _WHAT_LEVEL.search(folded):
        return "figure"
    if _PLACE.search(folded):
        return "place"
    if _NAME.search(folded):
        return "name"
    if _DEFINITION.search(folded):
        return "definition"
    if _FIGURE_HINT.search(folded) and not _REASON.search(folded) and not _WHAT_HAPPENED.search(folded):
        return "figure"
    if _REASON.search(folded):
        return "reason"
    return "general"


def _sides(question: str, analysis: QueryAnalysis, kinds: frozenset[FigureKind]) -> tuple[Side, ...]:
    """The sides of a comparison: one per place when the question names two places, else one per period or
    kind when its parts name different ones ("đã đạt bao nhiêu … và chỉ tiêu đến năm 2030")."""
    if len(analysis.localities) >= 2:
        parts = _SIDE_BREAK.split(question)
        sides = []
        for locality in analysis.localities:
            own = next((p for p in parts if fold(locality) in fold(p)), "")
            sides.append(Side(locality, (locality,), time_of(own), kinds_of(fold(own))))
        # A part that names no period leaves its side with the question's period.
        whole = time_of(question)
        return tuple(s if s.time else Side(s.label, s.localities, whole, s.kinds) for s in sides)
    parts = [p for p in _SIDE_BREAK.split(question) if p.strip()]
    described = [(p, time_of(p), kinds_of(fold(p)) & {"target", "result"}) for p in parts]
    described = [d for d in described if d[1] or d[2]]
    if len(described) < 2:
        return ()
    # Sides differ by period (each part names its own) or by kind (a result against a target).
    by_time = all(d[1] for d in described) and len({d[1] for d in described}) == len(described)
    by_kind = all(len(d[2]) == 1 for d in described) and len({d[2] for d in described}) == len(described)
    if not (by_time or by_kind):
        return ()
    return tuple(Side(_side_label(time, kinds), (), time, kinds) for _part, time, kinds in described)


def _side_label(time: TimeConstraint, kinds: frozenset[FigureKind]) -> str:
    kind = "Chỉ tiêu" if "target" in kinds else "Kết quả" if "result" in kinds else ""
    period = time.label()
    return f"{kind} {period}".strip() if kind else period


_QUESTION_WORDS = [
    "bao",
    "nhiêu",
    "mấy",
    "là",
    "gì",
    "nào",
    "ai",
    "đâu",
    "khi",
    "không",
    "có",
    "những",
    "các",
    "được",
    "đã",
    "chưa",
    "tỷ",
    "lệ",
    "tỉ",
    "lệ",
    "chỉ",
    "tiêu",
    "mục",
    "tiêu",
    "kế",
    "hoạch",
    "phấn",
    "đấu",
    "đạt",
    "ước",
    "dự",
    "kiến",
    "tăng",
    "bình",
    "quân",
    "tốc",
    "độ",
    "tăng",
    "trưởng",
    "mức",
    "ở",
    "tại",
    "trong",
    "mục",
    "phần",
    "điều",
    "thứ",
    "ngày",
    "năm",
    "tháng",
    "nào",
    "giá",
    "trị",
    "tổng",
    "số",
    "vốn",
    "thu",
    "chi",
    "như",
    "thế",
    "sao",
    "vì",
    "kết",
    "quả",
    "thực",
    "hiện",
    "qua",
    "hiện",
    "số",
    "người",
]
_RESTORE = {strip_diacritics(w): w for w in _QUESTION_WORDS if strip_diacritics(w) != w}


def _with_question_words(bare: str) -> str:
    """A question typed without diacritics with its question words restored ("bao nhieu" → "bao nhiêu"),
    so the same patterns read it; content words stay as typed."""
    return " ".join(_RESTORE.get(word, word) for word in bare.split())


_LISTED = re.compile(r"(?:những|các|\d+)\s+((?:\S+\s+){0,2}?\S+)\s+nào")


def listed_noun(folded: str) -> str | None:
    """What a list question's items are: "những tiêu chí nào" → "tiêu chí", "04 nghị quyết nào" → "nghị quyết"."""
    match = _LISTED.search(folded)
    return match.group(1) if match else None


def derived_asked(folded: str) -> Derived | None:
    """Serves comparison questions that ask a computed quantity: "cao hơn bao nhiêu", "chênh lệch bao
    nhiêu" (a difference), "gấp mấy lần" (a ratio), "bằng bao nhiêu phần trăm" (a share)."""
    return next((derived for derived, pattern in _DERIVED.items() if pattern.search(folded)), None)


_COMPARATIVE_WORDS = re.compile(
    r"\b(?:cao|thấp|nhiều|ít|lớn|nhỏ|tăng|giảm)\s+hơn\b|\bgấp\s+(?:bao nhiêu|mấy)\s+lần\b|\bchênh lệch\b",
    re.IGNORECASE,
)


def without_comparatives(question: str) -> str:
    """A derived comparison's question without the words that ask the computation ("cao hơn", "gấp mấy
    lần"): they say what to compute, not what the figures are about, so they do not score sentences."""
    return _COMPARATIVE_WORDS.sub(" ", question)


def signer_asked(question: str) -> bool:
    """Does the question ask who signed a document ("Ai ký báo cáo …", "người ký")?"""
    return bool(_SIGNER.search(fold(question)))


def analyse_intent(question: str, analysis: QueryAnalysis) -> Intent:
    """The typed intent of a question: answer type, unit or thing counted, constraints, comparison sides."""
    folded = fold(question)
    if has_no_diacritics(question):
        # Typed without diacritics: the question words are matched on the same bare form.
        folded = _with_question_words(folded)
    answer_type = _answer_type(folded)
    kinds = kinds_of(folded)
    sides: tuple[Side, ...] = ()
    if answer_type in ("figure", "general", "list", "reason") or _COMPARE.search(folded):
        sides = _sides(question, analysis, kinds)
    if sides and answer_type in ("general", "reason", "list"):
        answer_type = "figure" if _FIGURE_HINT.search(folded) or _HOW_MUCH.search(folded) else answer_type
    definition = _DEFINITION.search(folded) if answer_type == "definition" else None
    return Intent(
        question=question,
        answer_type=answer_type,
        unit=asked_unit(question) if answer_type == "figure" else None,
        counted=counted_noun(question) if answer_type == "figure" else None,
        time=time_of(question),
        kinds=kinds,
        localities=analysis.localities,
        sides=sides,
        signer=bool(_SIGNER.search(folded)),
        focus_words=tuple(definition.group(1).split()) if definition else (),
        listed=listed_noun(folded) if answer_type == "list" else None,
        derived=derived_asked(folded) if len(sides) >= 2 else None,
    )
