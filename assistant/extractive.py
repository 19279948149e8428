"""The extractive answerer, the default: no language model.

It composes a short answer in the document's own words from the retrieved passages, each sentence followed
by the marker of the passage it came from. Nothing is paraphrased, so every figure is the document's own.

    intent (assistant.intent) ─▶ candidates (sentences, list blocks, the signature block)
        ─▶ score = relevance × answerness × constraint fit ─▶ compose (whole clauses, whole lists, one per side)

- **relevance**: the question's content words (local IDF, word pairs) in the candidate and its headings;
- **answerness**: the candidate holds something of the asked type that the question does not already
  contain (a figure in the asked unit or of the thing counted, a name, a date, a document number, the
  items of a list, new words after the focus);
- **constraint fit**: the period and kind of figure the candidate speaks of, against the question's.

No candidate that satisfies focus, type and constraints means no answer; when the documents hold the
figure for another period only, the answer says so and gives that one, marked as such.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal

from assistant.computed import SideFigure, computed_sentence, pair, plain_figure, states_comparison
from assistant.intent import (
    AnswerType,
    FigureKind,
    Intent,
    Side,
    TimeConstraint,
    counted_forms,
    kinds_of,
    time_of,
    without_comparatives,
)
from assistant.sentences import ITEM_LINE, sentence_spans, split_spans
from ingestion.indicators import IndicatorKind, IndicatorRecord
from ingestion.textnorm import UPPERCASE, fold, strip_diacritics
from ingestion.vocabulary import STOPWORDS
from prompts import templates
from vectorstore.abbreviations import ABBREVIATIONS
from vectorstore.lexical import has_no_diacritics, syllables
from vectorstore.passages import Passage
from vectorstore.query import QueryAnalysis

_BARE_STOPWORDS = frozenset(strip_diacritics(w) for w in STOPWORDS)

# Clauses an answer may be cut into; an answer starts only at a sentence start or after ";" / ":".
_CLAUSE_BREAK = re.compile(r"(?<=[;,:])\s+")
_STRONG_BREAK = re.compile(r"[;:]$")
_NUMBER = re.compile(r"\d")
MAX_ANSWER_CHARS = 300
MAX_LIST_CHARS = 700
MAX_LIST_ITEM_CHARS = 250
SHORT_SENTENCE_CHARS = 110
# At most this many statements of the same indicator for other periods follow an other-period answer.
MAX_OTHER_PERIODS = 2
# A trimmed sentence keeps the clauses after the matched ones up to this length.
FILL_CHARS = 250
LEAD_IN_BONUS = 1.5
SIDE_RELEVANCE = 0.2
WHERE_COVERAGE_FACTOR = 0.8
# The share of the question's content words (IDF-weighted, headings included) a candidate must cover:
# calibrated on both dev sets (BENCHMARKS.md); paraphrased questions cover 0.3–0.45, off-topic ones less.
MIN_COVERAGE = 0.3
# An answer only partly of the asked type (a count in words, a lone name) must cover more of the question.
UNSURE_COVERAGE = 0.4
# A place the question names: "huyện Hòa Bình", "tỉnh Trà Vinh", "xã Tân Hòa" (the capitalised words after).
_PLACE_WORD = re.compile(r"\b(?:huyện|tỉnh|xã|phường|thị trấn|thị xã|thành phố|quận)\s+")


def named_places(question: str) -> list[str]:
    names = []
    for match in _PLACE_WORD.finditer(question):
        words = []
        for word in re.findall(r"\w+", question[match.end() :])[:6]:
            if not word[0].isupper():
                break
            words.append(word)
        if words:
            names.append(" ".join(words))
    return names


CandidateKind = Literal["sentence", "block", "signature"]


@dataclass(frozen=True)
class Candidate:
    """A sentence, a list block (lead-in and items) or the signature block of one retrieved passage."""

    passage_index: int
    start: int  # offsets within the passage text
    end: int
    score: float
    coverage: float
    kind: CandidateKind = "sentence"
    fit: TimeFit = "unknown"
    period: str = ""  # the period the candidate speaks of, when its text or heading names it


@dataclass(frozen=True)
class ExtractiveAnswer:
    text: str  # with markers [n]; n is a 1-based index into ``cited``
    cited: tuple[int, ...]  # indices into the passages given
    supporting: tuple[tuple[int, int, int], ...]  # (passage index, start, end) of each supporting sentence
    answer_type: AnswerType
    confidence: float  # the best candidate's coverage of the question's content words
    # The documents hold the figure for another period only: the text says so; the question is not answered.
    other_period: bool = False


def terms_of(text: str, bare: bool) -> list[str]:
    """Folded syllables; without diacritics when the question was typed without them."""
    tokens = syllables(text)
    return [strip_diacritics(t) for t in tokens] if bare else tokens


_ABBREVIATION_PATTERNS = [
    (re.compile(rf"(?<!\w){re.escape(short)}(?!\w)"), long) for short, long in ABBREVIATIONS.items()
]


@lru_cache(maxsize=16384)
def sentence_terms(text: str, bare: bool) -> frozenset[str]:
    """A sentence's terms, plus the expansion of every abbreviation in it ("UVTVTU" also says "ủy viên …").

    Cached: the same passages come back for many questions."""
    terms = set(terms_of(text, bare))
    for pattern, long in _ABBREVIATION_PATTERNS:
        if pattern.search(text):
            terms.update(terms_of(long, bare))
    return frozenset(terms)


_LEADING_NUMBERING = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.|[a-zđ]\)|[IVXLC]+[.\-]|[-+•*])\s*")


def has_figure(sentence: str) -> bool:
    """Does the sentence state a figure? Its own list number ("3. Công tác …") is not one."""
    return bool(_NUMBER.search(_LEADING_NUMBERING.sub("", sentence, count=1)))


_ANAPHOR = re.compile(
    # a short lead-in may come first: "Ngày nay, điều này …", "Sau đó, họ …"
    r"^\s*(?:[-+•]\s*)?(?:[^,.;:\n]{1,25},\s*)?(?:anh ấy|chị ấy|ông ấy|bà ấy|cô ấy|cậu ấy|nó|họ|chúng|hắn|điều này|việc này|"
    r"đây|đó|những điều này|các (?:biện pháp|nội dung) này)(?!\w)",
    re.IGNORECASE,
)


def list_blocks(text: str) -> list[tuple[int, int]]:
    """List blocks of a passage: a lead-in line (ending with ":" or introducing what follows) with the item
    lines under it (bullets, numbered points, "a)" points), or a run of two or more item lines.

    Serves list questions: the items come whole, with the sentence that says what they are."""
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    blocks = []
    i = 0
    while i < len(lines):
        j = i + 1 if not ITEM_LINE.match(text[lines[i][0] : lines[i][1]]) else i
        k = j
        while k < len(lines) and ITEM_LINE.match(text[lines[k][0] : lines[k][1]]):
            k += 1
        items = [b - a for a, b in lines[j:k]]
        # Items of a list are short; a run of long bulleted paragraphs is a report's prose, not a list.
        if k - j >= 2 and sorted(items)[(len(items) - 1) // 2] <= MAX_LIST_ITEM_CHARS:
            blocks.append((lines[i][0], lines[k - 1][1]))
            i = k
        else:
            i += 1
    return blocks


def content_terms(question: str, analysis: QueryAnalysis, bare: bool = False) -> list[str]:
    """The question's content syllables: no question words, no localities or years (they steer retrieval)."""
    steering = set()
    for locality in analysis.localities:
        steering.update(terms_of(locality, bare))
    steering.update(str(y) for y in analysis.years)
    stopwords = _BARE_STOPWORDS if bare else STOPWORDS
    # Abbreviations in the question stand for their long forms, as they do in sentences (sentence_terms).
    expanded = question
    for pattern, long in _ABBREVIATION_PATTERNS:
        expanded = pattern.sub(long, expanded)
    return [t for t in terms_of(expanded, bare) if t not in stopwords and t not in steering]


def unknown_places(question: str, passages: Sequence[Passage]) -> list[str]:
    """Places the question names that neither the passages nor their documents' identities mention."""
    known = " ".join(
        fold(" ".join((p.text, p.metadata.locality or "", *p.metadata.issuers, p.metadata.place or "")))
        for p in passages
    )
    return [name for name in named_places(question) if fold(name) not in known]


def headings(passage: Passage) -> frozenset[str]:
    return frozenset(h.rstrip(":") for h in passage.section_path)


_ASKED_UNIT = re.compile(r"\b(điều|chương|phần|mục|khoản|điểm)\s+(?:nào|mấy|số mấy)", re.IGNORECASE)


def located_heading(question: str, passage: Passage) -> str:
    """The heading a "where" answer names: the unit the question asks for ("ở điều nào" → "Điều 11. …")
    when the passage shows that heading, else the passage's own section heading."""
    asked = _ASKED_UNIT.search(question)
    if asked:
        unit = fold(asked.group(1))
        for heading in reversed(passage.section_path):
            if fold(heading).startswith(unit) and heading in passage.text:
                return heading
    return passage.heading


def _figures(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\d+(?:[.,]\d+)*", text))


def _restates(figures: frozenset[str], other: frozenset[str]) -> bool:
    return figures <= other or other <= figures


# ---------------------------------------------------------------------------------------------- periods

TimeFit = Literal["fit", "unknown", "weak", "other"]
# A year a sentence compares against ("tăng 10,28% so với năm 2020", "giá so sánh 2010") or a document
# number's year ("61/2018/NĐ-CP") is not the period the sentence reports.
_NOT_ITS_PERIOD = re.compile(
    r"(?:so với|so|cùng kỳ|giá so sánh|giá)\s+(?:cùng kỳ\s+)?(?:năm\s+)?(?:19|20)\d\d"
    # the compared figure written first: "…, so với 734.000 dặm vuông (1.900.000 km vuông) vào năm 2005"
    r"|so với\s+(?:[^,;.]|(?<=\d)[.,](?=\d)){0,80}?\b(?:năm\s+)?(?:19|20)\d\d(?!\d)"
    # a document cited with its number and date: "Nghị định số 61/2018/NĐ-CP ngày 23/4/2018"
    r"|[\w-]*\d+/(?:19|20)\d\d/[\w/-]+(?:\s+ngày\s+[\d/]+(?:\s+tháng\s+\d+\s+năm\s+\d{4})?)?"
    r"|\d+\s*-\s*[A-ZĐ]+/[A-ZĐ]+\s+ngày\s+[\d/]+"
)
# Answer types whose answer is a figure or a statement of a period; a name, date, document or heading
# asked is not constrained by the period named beside it.
_STRICT: frozenset[AnswerType] = frozenset({"figure", "person", "date", "document"})
_PERIOD_BOUND: frozenset[AnswerType] = frozenset({"figure", "list", "yesno"})


def stated_time(text: str) -> TimeConstraint:
    """The period a sentence or heading states: its years and terms, without compared years."""
    return time_of(_NOT_ITS_PERIOD.sub(" ", text), asked=False)


def _document_time(passage: Passage) -> TimeConstraint:
    meta = passage.metadata
    if meta.period:
        return time_of(meta.period.replace("-", "–"))
    return TimeConstraint(frozenset({meta.year})) if meta.year else TimeConstraint()


def _fit(asked: TimeConstraint, stated: TimeConstraint) -> TimeFit:
    """Does a stated period answer the asked one? A term's end year fits a question about the term (a term
    report's estimate for its last year is the term's result); a year inside a term fits only weakly."""
    if not asked or not stated:
        return "unknown"
    if asked.years & stated.years:
        return "fit"
    for a, b in asked.terms:
        if (a, b) in stated.terms or b in stated.years:
            return "fit"
        if any(a <= y <= b for y in stated.years) or any(x <= b and a <= y for x, y in stated.terms):
            return "weak"
    if any(a <= y <= b for y in asked.years for a, b in stated.terms):
        return "weak"
    return "other"


def _resolved(asked: TimeConstraint, passage: Passage) -> TimeConstraint | None:
    """A term named relative to the document ("5 năm qua", "nhiệm kỳ tới") as the document's own term or
    the next one; None when the document covers no term. Serves term reports read by their own words."""
    terms = _document_time(passage).terms
    if not terms:
        return None
    if asked.relative == "past":
        return TimeConstraint(terms=terms)
    return TimeConstraint(terms=frozenset((b, 2 * b - a) for a, b in terms))


def time_fit(asked: TimeConstraint, passage: Passage, start: int, end: int) -> tuple[TimeFit, str]:
    """The fit of a candidate's period to the asked one, from the most specific place that states a period:
    the sentence itself, then its nearest heading that names one, then the document. Returns the fit and,
    when the sentence or a heading names it, the period's label (grounded in what the passage shows).

    Serves figure questions where the period decides the answer ("năm 2021" is not the 2025 estimate)."""
    if not asked:
        return "unknown", ""
    if asked.relative:
        resolved = _resolved(asked, passage)
        if resolved is None:
            return "weak", ""  # a year's report does not speak for "5 năm qua" / "nhiệm kỳ tới"
        asked = resolved
    text = passage.text[start:end]
    # A list block speaks of the period its lead-in names; its items may name others (horizons, terms).
    own = stated_time(text.split("\n", 1)[0] if "\n" in text else text)
    if own:
        return _fit(asked, own), own.label()
    for heading in reversed(passage.section_path):
        stated = stated_time(heading)
        if stated:
            return _fit(asked, stated), stated.label()
    document = _document_time(passage)
    if document.terms and stated_kinds(passage, passage.text[start:end]) == {"target"}:
        # A term report reviews its term and sets the next one's targets.
        document = TimeConstraint(terms=frozenset((b, 2 * b - a) for a, b in document.terms))
    return _fit(asked, document), ""


_FIT_WEIGHT: dict[TimeFit, float] = {"fit": 1.3, "unknown": 1.0, "weak": 0.75, "other": 0.35}

# Kinds of figure a passage states: targets (chỉ tiêu, phấn đấu, kế hoạch năm …) or results.
_TARGET_TEXT = re.compile(
    r"phấn đấu|chỉ tiêu|mục tiêu|phương hướng|nhiệm vụ|giải pháp|dự kiến|định hướng|kế hoạch năm|đến năm"
)
_RESULT_TEXT = re.compile(r"kết quả|đạt được|tình hình|đánh giá|thực hiện được|đã đạt|ước thực hiện|ước đạt")


# A result measured against its target ("đạt 99,35% kế hoạch", "vượt 0,07% chỉ tiêu", "so nghị quyết") is a result.
_AGAINST_TARGET = re.compile(
    r"(?:đạt|vượt|bằng|so với|so)\s+(?:[\d.,/]+\s*%\s*)?(?:so với\s+|so\s+)?(?:kế hoạch|chỉ tiêu|nghị quyết|dự toán|mục tiêu)"
    r"|[\d.,]+\s*%\s*(?:so với\s+|so\s+)?(?:kế hoạch|chỉ tiêu|nghị quyết|dự toán)|\(nq\s*[\d.,]+\s*%\)"
)


def stated_kinds(passage: Passage, sentence: str) -> frozenset[FigureKind]:
    """Target or result. The section path decides first, a result heading anywhere above winning ("KẾT QUẢ
    THỰC HIỆN CÁC MỤC TIÊU" holds results; "MỤC TIÊU CỤ THỂ" with no result heading holds targets), then
    the sentence's own words ("đạt 99,35% kế hoạch" is a result, "phấn đấu đạt" a target)."""
    path = fold(" ".join(passage.section_path))
    if _RESULT_TEXT.search(_AGAINST_TARGET.sub(" ", path)):
        return frozenset({"result"})
    if _TARGET_TEXT.search(path):
        return frozenset({"target"})
    folded = fold(sentence)
    against = _AGAINST_TARGET.search(folded)
    folded = _AGAINST_TARGET.sub(" ", folded)
    if _RESULT_TEXT.search(folded) or against:
        return frozenset({"result"})
    return frozenset({"target"}) if _TARGET_TEXT.search(folded) else frozenset()


# A document's indicator records (ingestion.indicators, stored at ingest), by doc id.
RecordLookup = Callable[[str], Sequence[IndicatorRecord]]
# What a record's kind says of a figure for a "kết quả" or "chỉ tiêu" question: an estimate, a change and a
# share of plan are all measured (results); only a plan or target is a target.
_RECORD_KIND: dict[IndicatorKind, frozenset[FigureKind]] = {
    "result": frozenset({"result"}),
    "estimate": frozenset({"result"}),
    # a change is measured (a result) and answers a growth question
    "growth": frozenset({"result", "growth"}),
    "share_of_plan": frozenset({"result"}),
    "target": frozenset({"target"}),
}


def records_in(
    records: Sequence[IndicatorRecord], passage: Passage, start: int, end: int
) -> list[IndicatorRecord]:
    """The records whose figure stands in ``passage.text[start:end]`` (record spans are document offsets)."""
    low, high = passage.start + start, passage.start + end
    return [r for r in records if low <= r.value_start and r.value_end <= high]


def record_time(record: IndicatorRecord) -> TimeConstraint:
    """The period of a record as a constraint: a year, a term, or the horizon of "đến 2030"."""
    first, last = record.years
    if first and last and first < last:
        return TimeConstraint(terms=frozenset({(first, last)}))
    year = last or first
    return TimeConstraint(frozenset({year})) if year else TimeConstraint()


def record_kinds(records: Sequence[IndicatorRecord]) -> frozenset[FigureKind]:
    """The kinds of figure a candidate holds, as extraction classified each figure (its clause's verb, its
    bracket "(NQ 12%)", its heading, the document type). Serves figure questions that ask a result or a target."""
    return frozenset().union(*(_RECORD_KIND[r.kind] for r in records))


def kind_weight(asked: frozenset[FigureKind], stated: frozenset[FigureKind]) -> float:
    """A target asked and a result stated (or the reverse) fits poorly; serves "chỉ tiêu … là bao nhiêu"
    against "đã đạt bao nhiêu"."""
    if not stated:
        return 1.0
    weight = 1.0
    wanted = asked & {"target", "result"}
    if len(wanted) == 1:
        weight *= 1.15 if wanted & stated else 0.6
    if "growth" in asked:
        # "tốc độ tăng … bình quân": a growth rate asked; a level ("tổng thu … 10.964 tỷ") does not answer.
        weight *= 1.15 if "growth" in stated else 0.7
    return weight


# ------------------------------------------------------------------------------------------- answerness

_FIGURE_TOKEN = re.compile(r"\d+(?:[.,/]\d+)*(?:\s*%)?")
_ENUMERATOR = re.compile(r"\(\d{1,2}\)")  # "(1) … (2) …" number points, not figures
_YEAR_ONLY = re.compile(r"^(?:19|20)\d\d$")
_DATE = re.compile(
    r"\d{1,2}/\d{1,2}/(?:19|20)\d\d|ngày \d{1,2} tháng \d{1,2}|\btháng \d{1,2}\b"
    r"|(?<!\d)(?:19|20|1[0-8])\d\d(?!\d)|thế kỷ|\bnăm \d{3,4}\b"
    # days, seasons and recurring times written in words: "thứ Năm hằng tuần", "cuối quý II", "tháng Năm"
    r"|\bthứ (?:hai|ba|tư|năm|sáu|bảy)\b|chủ nhật|\bhằng (?:tuần|tháng|quý|năm)\b|\bquý (?:i|ii|iii|iv|[1-4])\b"
    r"|\b(?:đầu|cuối|giữa) (?:năm|tháng|quý)\b"
    r"|\btháng (?:giêng|chạp|một|hai|ba|tư|năm|sáu|bảy|tám|chín|mười)\b"
)
_DOC_ID = re.compile(
    r"\d{1,4}\s*(?:/\s*\d{4}\s*)?[-/]\s*[A-ZĐ][A-ZĐa-z]{0,5}(?:\s*[-/]\s*[A-ZĐ]{1,8})*"
    r"|(?:[Qq]uy định|[Nn]ghị định|[Nn]ghị quyết|[Qq]uyết định|[Kk]ế hoạch|[Kk]ết luận|[Cc]hỉ thị|[Tt]hông tư"
    r"|[Cc]ông văn|[Vv]ăn bản|[Ll]uật|[Hh]ướng dẫn)\s+(?:số\s+)?\d+"
)
_SURNAMES = frozenset(
    [
        "Nguyễn",
        "Trần",
        "Lê",
        "Phạm",
        "Hoàng",
        "Huỳnh",
        "Phan",
        "Vũ",
        "Võ",
        "Đặng",
        "Bùi",
        "Đỗ",
        "Hồ",
        "Ngô",
        "Dương",
        "Lý",
        "Thái",
        "Mai",
        "Đinh",
        "Trương",
        "Lương",
        "Lâm",
        "Đoàn",
        "Trịnh",
        "Đào",
        "Cao",
        "Hà",
        "Tô",
        "Tạ",
        "Châu",
        "Quách",
        "Kiều",
        "Lưu",
        "Văn",
        "Tăng",
        "Thạch",
        "Chu",
        "Âu",
        "Triệu",
        "Mạc",
        "La",
        "Lạc",
        "Giang",
        "Tôn",
        "Từ",
    ]
)
_HONORIFIC = re.compile(r"(?:ông|bà|đồng chí|đ/c|anh|chị|tướng|tá|giáo sư|tiến sĩ|bác sĩ)\s+$", re.IGNORECASE)
_PROPER_WORD = re.compile(rf"(?<![\w.])[{UPPERCASE}][\w'’-]+")
_NUMBER_WORD = re.compile(
    r"(?<!\w)(?:một|hai|ba|bốn|tư|sáu|bảy|tám|chín|mười|mươi|trăm|nghìn|ngàn|chục)(?!\w)"
)
_CAPITALISED_RUN = re.compile(rf"(?<![\w])([{UPPERCASE}][\w'’-]*(?:\s+[{UPPERCASE}][\w'’-]*)+)")


# A Vietnamese syllable written without diacritics: initial consonant(s), vowels, a permitted final.
_VIETNAMESE_SYLLABLE = re.compile(
    r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?$",
    re.IGNORECASE,
)


# Words that name a body or a place, not a person, when capitalised: "Ban Tổ chức", "Văn phòng Tỉnh ủy".
_BODY_WORDS = frozenset(
    fold(w)
    for w in [
        "ban",
        "ủy",
        "tỉnh",
        "huyện",
        "xã",
        "phường",
        "quận",
        "thành",
        "phố",
        "thị",
        "trấn",
        "văn",
        "phòng",
        "sở",
        "bộ",
        "hội",
        "đồng",
        "đảng",
        "nhà",
        "nước",
        "chính",
        "phủ",
        "trung",
        "ương",
        "mặt",
        "trận",
        "tổ",
        "quốc",
        "công",
        "ty",
        "trường",
        "đại",
        "học",
        "viện",
        "quân",
        "đội",
        "đoàn",
        "liên",
        "hiệp",
        "cục",
        "chi",
        "tổng",
        "cộng",
        "hòa",
        "chủ",
        "nghĩa",
        "việt",
        "nam",
    ]
)


def _foreign(word: str) -> bool:
    """A word in Latin letters that cannot be a Vietnamese syllable ("Broncos", "Ward"; not "Ban", "Long")."""
    return word.isascii() and word.isalpha() and not _VIETNAMESE_SYLLABLE.match(word)


# The words a naming phrase introduces, for "… được gọi là gì" / "tên là gì" questions.
_NAMING = re.compile(
    r"(?:gọi là|tên là|tên gọi là|có tên|mang tên|đặt tên là|biết đến với tên(?: gọi)?|tức là|hay còn gọi)"
    r"\s+((?:[^\W\d_]+\s*){1,4})"
)


def _new_names(names: Sequence[str], question_folded: str) -> list[str]:
    """Names the question does not already hold: "Peyton Manning" restates a question about "Manning"
    (a "who" question asks for someone other than the people it names)."""
    asked = set(re.findall(r"\w+", question_folded))
    return [name for name in names if not any(fold(word) in asked for word in _PROPER_WORD.findall(name))]


def person_names(text: str) -> list[str]:
    """Names of people in a text: a run of capitalised words led by a Vietnamese surname or an honorific
    (ông, bà, đồng chí), or two or more capitalised words written without Vietnamese diacritics (foreign
    names). Serves "ai" questions: a job title alone does not name anyone."""
    names = []
    for match in _CAPITALISED_RUN.finditer(text):
        run = match.group(1)
        words = run.split()
        if run.isupper():
            continue
        led = words[0] in _SURNAMES and 2 <= len(words) <= 5
        titled = bool(_HONORIFIC.search(text[max(0, match.start() - 20) : match.start()]))
        # a Latin accent is no Vietnamese tone: "Menéndez" read as "Menendez" is no Vietnamese syllable
        # (an acronym such as "UBND" is no foreign name)
        foreign = len(words) >= 2 and any(not w.isupper() and _foreign(strip_diacritics(w)) for w in words)
        if led or titled or foreign:
            names.append(run)
    return names


def _names_without_items(folded: str, listed: str) -> bool:
    """Does a sentence end on the thing a list question asks for, without naming any ("… trên 3 tiêu chí")?"""
    at = folded.rfind(listed)
    return at >= 0 and len(re.findall(r"\w+", folded[at + len(listed) :])) < 2


_UNIT_WORDS = frozenset(
    [
        "tỷ",
        "triệu",
        "nghìn",
        "ngàn",
        "đồng",
        "usd",
        "ha",
        "km",
        "m",
        "m2",
        "m3",
        "tấn",
        "kg",
        "lít",
        "mw",
        "kwh",
        "lượt",
        "người",
        "hộ",
        "%",
        "phần",
        "trăm",
        "lần",
        "năm",
        "tháng",
        "ngày",
    ]
)


def _counts_another_thing(folded: str, figure: str) -> bool:
    """Serves "bao nhiêu / số <thing>" questions: is this figure written straight before a noun of its own
    ("02 tiêu chí", "3 xã") rather than a unit, so that it counts something other than the asked thing?"""
    at = folded.find(fold(figure))
    if at < 0:
        return False
    following = re.match(r"\s*([^\W\d_]+)", folded[at + len(figure) :])
    if not following:
        return False
    word = following.group(1)
    return word not in _UNIT_WORDS and word not in STOPWORDS


def _new(items: Sequence[str], question_folded: str) -> list[str]:
    return [x for x in items if fold(x) not in question_folded]


def figure_answerness(intent: Intent, body: str, folded: str, question_folded: str) -> float:
    """Serves "bao nhiêu / mấy / tỷ lệ" questions: a figure the question does not write, in the asked
    unit, counting the asked thing (1); a count in words or a figure whose subject is unsure (0.5)."""
    # A figure the question itself writes is no answer ("mức độ 1" asks, "01 trường" answers).
    question_figures = set(re.findall(r"\d+(?:[.,/]\d+)*", question_folded))
    figures = [
        f.strip()
        for f in _FIGURE_TOKEN.findall(_ENUMERATOR.sub(" ", body))
        if f.rstrip("% ") not in question_figures and not _YEAR_ONLY.match(f.strip())
    ]
    forms = counted_forms(intent.counted) if intent.counted else []
    if not figures:
        if intent.unit or not _NUMBER_WORD.search(folded):
            return 0.0
        # A count in words answers too: surely when it stands before the thing counted ("chín quốc gia").
        words = _NUMBER_WORD.pattern
        counts_it = any(re.search(rf"{words}\s+{re.escape(form)}(?!\w)", folded) for form in forms)
        return 1.0 if counts_it else 0.5
    if intent.unit == "%" and not any(f.endswith("%") for f in figures):
        return 0.0
    if intent.unit not in (None, "%") and intent.unit not in folded:
        return 0.0
    if not forms:
        return 1.0
    # The things counted, as phrases ("lao động") and as the asked noun's words ("khu", "công nghiệp").
    counted = [*forms[1:], *(w for w in forms[0].split() if w not in STOPWORDS)]
    if counted and not any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", folded) for w in counted):
        return 0.0  # the things counted are not in it: its figures count something else
    for word in counted:
        near = re.escape(word)
        if re.search(
            rf"\d[\d.,/]*\s+(?:\S+\s+){{0,2}}?{near}(?!\w)|(?<!\w){near}\s+(?:\S+\s+){{0,2}}?\d",
            folded,
        ):
            return 1.0
    if all(f.endswith("%") for f in figures) and not re.search(r"tỷ lệ|tỉ lệ|%|phần trăm", question_folded):
        return 0.0  # a percentage about the things counted is not their number
    if all(_counts_another_thing(folded, f) for f in figures):
        return 0.0  # "02 tiêu chí về số vụ": every figure counts a thing of its own
    return 0.5


def person_answerness(body: str, question_folded: str) -> float:
    """Serves "ai" questions: 1 for a person's name the question does not hold, 0.5 for a name-like word
    or run (a foreign name, an unknown transliteration), 0 for a job title or a body alone."""
    if _new_names(person_names(body), question_folded):
        return 1.0
    # A single foreign name (a team, a company, one surname) past the sentence start may name who; a
    # capitalised Vietnamese word alone is most often a body ("Tỉnh ủy", "Ủy ban"), not a person.
    proper = [
        m.group(0)
        for m in _PROPER_WORD.finditer(body)
        if m.start() > 0 and not m.group(0).isupper() and _foreign(m.group(0))
    ]
    # So may a run of capitalised words past the sentence start that no surname leads ("Cách Kiên Hãn"),
    # unless it names a body ("Ban Tổ chức", "UBND Tỉnh").
    proper += [
        m.group(1)
        for m in _CAPITALISED_RUN.finditer(body)
        if m.start() > 0 and not any(w.isupper() or fold(w) in _BODY_WORDS for w in m.group(1).split())
    ]
    return 0.5 if _new_names(proper, question_folded) else 0.0


def answerness(intent: Intent, text: str, question_folded: str, kind: CandidateKind, bare: bool) -> float:
    """How much of what the question asks the candidate holds, beyond what the question already says
    (0: nothing of the asked type; 1: clearly the asked thing). One rule per answer type."""
    body = _LEADING_NUMBERING.sub("", text, count=1)
    folded = fold(body)
    answer_type = intent.answer_type
    if answer_type == "figure":
        return figure_answerness(intent, body, folded, question_folded)
    if answer_type == "person":
        return person_answerness(body, question_folded)
    if answer_type == "name":
        # A name or a term: a proper name, a quoted term or a foreign word the question does not hold.
        named = person_names(body) + [m.group(0) for m in _PROPER_WORD.finditer(body) if m.start() > 0]
        named += re.findall(r"[“\"«]([^”\"»]{2,60})[”\"»]", body)
        # or the term a naming phrase introduces: "được gọi là hợp số", "tức là quyền lực mềm"
        named += [m.group(1) for m in _NAMING.finditer(folded)]
        return 1.0 if _new(named, question_folded) else 0.1
    if answer_type == "date":
        return 1.0 if _new(_DATE.findall(folded), question_folded) else 0.0
    if answer_type == "document":
        return 1.0 if _new(_DOC_ID.findall(body), question_folded) else 0.0
    if answer_type == "list":
        if intent.listed and _names_without_items(folded, intent.listed):
            return 0.05  # "… trên 3 tiêu chí." says how many, not which
        if kind == "block":
            return 1.0
        # A sentence lists when it enumerates: three or more separators, or numbered points "(1) … (2)".
        separators = len(re.findall(r"[,;]|\(\d+\)|\b[a-zđ]\)|\svà\s", body))
        return 0.75 if separators >= 3 else 0.5 if separators == 2 else 0.3
    # Definitions, reasons, places, yes/no and the rest: the candidate must add words of its own.
    words = [w for w in terms_of(body, bare) if w not in STOPWORDS]
    if not words:
        return 0.0
    asked = set(terms_of(question_folded, bare))
    novelty = sum(1 for w in words if w not in asked) / len(words)
    return min(1.0, novelty / 0.4)


# ------------------------------------------------------------------------------------------- the answerer


@dataclass(frozen=True)
class _Question:
    """What scoring needs of a question, computed once."""

    intent: Intent
    terms: tuple[str, ...]
    folded: str
    bare: bool
    # The indicator records of the passages' documents, read once per question (doc id -> records).
    records: Mapping[str, Sequence[IndicatorRecord]] = field(default_factory=dict)


def figure_kinds(q: _Question, passage: Passage, start: int, end: int) -> frozenset[FigureKind]:
    """The kinds of figure a candidate states: from its figures' records when there are any, else from its
    words and headings (:func:`stated_kinds`)."""
    found = record_kinds(records_in(q.records.get(passage.doc_id, ()), passage, start, end))
    text = passage.text[start:end]
    # Without records, a growth rate is told by the words a question would use for it ("tăng bình quân").
    return found or stated_kinds(passage, text) | (kinds_of(fold(text)) & {"growth"})


class ExtractiveAnswerer:
    def __init__(self, min_coverage: float = MIN_COVERAGE, records: RecordLookup | None = None) -> None:
        """``records``: the documents' indicator records; without them, a figure's kind is read from the
        sentence and its headings alone."""
        self.min_coverage = min_coverage
        self.records = records

    def _units(
        self, passages: Sequence[Passage], answer_type: AnswerType
    ) -> list[tuple[int, int, int, CandidateKind]]:
        units: list[tuple[int, int, int, CandidateKind]] = []
        for i, p in enumerate(passages):
            spans = sentence_spans(p.text)
            for k, (a, b) in enumerate(spans):
                # A sentence whose subject is a pronoun ("Anh ấy …", "Điều này …") comes with the one before.
                if k and _ANAPHOR.match(p.text[a:b]) and b - spans[k - 1][0] <= MAX_ANSWER_CHARS * 1.5:
                    a = spans[k - 1][0]
                units.append((i, a, b, "sentence"))
            if answer_type == "list":
                units.extend((i, a, b, "block") for a, b in list_blocks(p.text))
        return units

    def _candidates(self, q: _Question, passages: Sequence[Passage]) -> list[Candidate]:
        intent, bare = q.intent, q.bare
        units = self._units(passages, intent.answer_type)
        if not units or not q.terms:
            return []
        unit_terms = [sentence_terms(passages[i].text[a:b], bare) for i, a, b, _kind in units]
        # Local IDF over the candidate sentences: a term every sentence has says little.
        unique_terms = list(dict.fromkeys(q.terms))
        df = {t: sum(t in words for words in unit_terms) for t in unique_terms}
        idf = {t: math.log(1 + len(units) / (1 + df[t])) for t in unique_terms}
        bigrams = list(itertools.pairwise(unique_terms))
        total = sum(idf.values())
        candidates = []
        context_cache: dict[int, frozenset[str]] = {}
        for (passage_index, start, end, kind), words in zip(units, unit_terms, strict=True):
            passage = passages[passage_index]
            text = passage.text[start:end]
            if intent.answer_type != "section" and text.strip().rstrip(":") in headings(passage):
                continue  # a heading line names a topic; it does not answer a question about it
            if passage_index not in context_cache:
                meta = passage.metadata
                # The words a sentence stands under: its section path and its document's identity.
                identity = " ".join(x for x in (meta.doc_type, meta.title, meta.number) if x)
                context_cache[passage_index] = sentence_terms(
                    " ".join((*passage.section_path, identity)), bare
                )
            heading_words = context_cache[passage_index]
            joined = " ".join(terms_of(text, bare))
            matched = [t for t in unique_terms if t in words]
            context_matched = [t for t in unique_terms if t in words or t in heading_words]
            coverage = sum(idf[t] for t in context_matched) / total
            relevance = sum(idf[t] for t in matched) + 0.5 * sum(idf[t] for t in context_matched)
            relevance += sum(1.0 for a, b in bigrams if f"{a} {b}" in joined)
            if intent.answer_type == "section":
                relevance = sum(idf[t] for t in unique_terms if t in heading_words) + 0.3 * relevance
                candidates.append(Candidate(passage_index, start, end, relevance, coverage, kind))
                continue
            answers = answerness(intent, text, q.folded, kind, bare)
            if intent.answer_type in _STRICT and (
                answers == 0.0 or coverage < self.min_coverage + UNSURE_COVERAGE * (1.0 - answers)
            ):
                continue  # nothing of the asked type, or an unsure one (a lone name) about too little of it
            asked_time = intent.time if intent.answer_type in _PERIOD_BOUND else TimeConstraint()
            fit, period = time_fit(asked_time, passage, start, end)
            score = relevance * (0.25 + 0.75 * answers) * _FIT_WEIGHT[fit]
            score *= kind_weight(intent.kinds, figure_kinds(q, passage, start, end))
            if kind == "block":
                if len(text) > MAX_LIST_CHARS * 2:
                    score *= 0.5  # a very long block is a section, not a list
                if not ITEM_LINE.match(text):
                    score *= LEAD_IN_BONUS  # the items with the line that says what they are
            score *= 1.0 + 0.5 / (1 + passage_index)  # retrieval order as a prior
            candidates.append(Candidate(passage_index, start, end, score, coverage, kind, fit, period))
        candidates.sort(key=lambda c: -c.score)
        return candidates

    # ------------------------------------------------------------------------------- composition

    def _trim(
        self, passage: Passage, candidate: Candidate, terms: Sequence[str], bare: bool
    ) -> tuple[int, int]:
        """A long sentence shrinks to the window of clauses that carries the matched words. The window starts
        at the sentence start or after ";" or ":" (never mid-clause), and does not stop on a word that
        announces what follows ("là", "gồm", ":")."""
        text = passage.text[candidate.start : candidate.end]
        limit = MAX_LIST_CHARS if candidate.kind == "block" else MAX_ANSWER_CHARS
        if len(text) <= limit:
            return candidate.start, candidate.end
        if candidate.kind == "block":
            return candidate.start, candidate.start + _cut_block(text, limit)
        clauses = split_spans(text, _CLAUSE_BREAK)
        term_set = set(terms)
        weights = [
            len(term_set & set(terms_of(text[a:b], bare))) + (0.5 if _NUMBER.search(text[a:b]) else 0)
            for a, b in clauses
        ]
        best = max(range(len(clauses)), key=lambda i: weights[i])
        lo = best
        # Back to where a clause may start: the sentence start, or after ";" / ":".
        # A ";" inside parentheses ("(tiếng Anh: …; tiếng Pháp: …)") is no clause start.
        while lo > 0 and (
            not _STRONG_BREAK.search(text[: clauses[lo][0]].rstrip()) or _unclosed(text[: clauses[lo][0]])
        ):
            lo -= 1
        hi = max(best, lo)
        while (
            hi + 1 < len(clauses)
            and (
                (
                    clauses[hi + 1][1] - clauses[lo][0] <= MAX_ANSWER_CHARS
                    # The clause after the matched ones most often holds what they announce (the topic comes
                    # first, the comment after it): it comes while the answer stays short.
                    and (
                        weights[hi + 1] > 0 or hi < best or clauses[hi + 1][1] - clauses[lo][0] <= FILL_CHARS
                    )
                )
                or _dangling(text[clauses[lo][0] : clauses[hi][1]])
                or _unclosed(text[clauses[lo][0] : clauses[hi][1]])
            )
        ):
            hi += 1
        return candidate.start + clauses[lo][0], candidate.start + clauses[hi][1]

    def _sentence(self, q: _Question, passage: Passage, candidate: Candidate) -> tuple[int, int, str]:
        start, end = self._trim(passage, candidate, q.terms, q.bare)
        # The answer starts at the words: a list number or bullet ("2.", "- ") is layout, not wording.
        marker_match = _LEADING_NUMBERING.match(passage.text[start:end])
        if marker_match and start + marker_match.end() < end:
            start += marker_match.end()
        text = passage.text[start:end].strip().rstrip(";,:")
        if candidate.kind == "block" and end < candidate.end:
            text += " …"
        return start, end, text

    def _with_next(self, best: Candidate, passage: Passage) -> Candidate:
        """A short sentence answering a what/why/which question often names its topic and leaves the answer
        to the sentence after it: the two come together when they stay short."""
        if best.end - best.start >= SHORT_SENTENCE_CHARS:
            return best
        following = next(((a, b) for a, b in sentence_spans(passage.text) if a >= best.end), None)
        if (
            following is None
            or following[1] - best.start > MAX_ANSWER_CHARS
            or ITEM_LINE.match(passage.text[following[0] : following[1]])
        ):
            return best
        return replace(best, end=following[1])

    def _second(
        self, q: _Question, best: Candidate, pool: Sequence[Candidate], passages: Sequence[Passage]
    ) -> Candidate | None:
        """A second sentence when it adds question words the first lacks (two indicators in one question).
        Words and word pairs of the question ("cơ sở đảng" is more than "cơ sở" and "đảng" apart); it must
        itself answer (type and period), so nothing unrelated is appended."""
        asked: set[str | tuple[str, str]] = {*q.terms, *itertools.pairwise(q.terms)}

        def said(candidate: Candidate) -> set[str | tuple[str, str]]:
            words = terms_of(passages[candidate.passage_index].text[candidate.start : candidate.end], q.bare)
            found: set[str | tuple[str, str]] = {*words, *itertools.pairwise(words)}
            return found & asked

        covered = said(best)
        for other in [c for c in pool if c is not best and not _overlaps(c, best)][:5]:
            adds = said(other) - covered
            floor = 0.3 if other.passage_index == best.passage_index else 0.6
            if (
                adds
                and _FIT_WEIGHT[other.fit] >= _FIT_WEIGHT[best.fit]
                and other.coverage >= self.min_coverage / 2
                and other.score >= floor * best.score
            ):
                return other
        return None

    def _compose(
        self,
        q: _Question,
        chosen: Sequence[tuple[Candidate | None, str]],
        passages: Sequence[Passage],
        joiner: str,
    ) -> tuple[str, tuple[int, ...], tuple[tuple[int, int, int], ...]]:
        """Each chosen candidate as the document's own sentence with its passage's marker; a label (a side of
        a comparison) before it when given, and a side without a candidate said to be missing."""
        cited: list[int] = []
        parts: list[str] = []
        supporting = []
        for candidate, label in chosen:
            if candidate is None:
                parts.append(templates.COMPARISON_SIDE.format(label=label, sentence=templates.SIDE_MISSING))
                continue
            passage = passages[candidate.passage_index]
            start, end, sentence = self._sentence(q, passage, candidate)
            if candidate.passage_index not in cited:
                cited.append(candidate.passage_index)
            marker = cited.index(candidate.passage_index) + 1
            line = _cited_lines(sentence, marker)
            parts.append(templates.COMPARISON_SIDE.format(label=label, sentence=line) if label else line)
            supporting.append((candidate.passage_index, start, end))
        return joiner.join(parts), tuple(cited), tuple(supporting)

    def _sides(
        self, q: _Question, every: Sequence[Candidate], passages: Sequence[Passage]
    ) -> list[tuple[Candidate | None, str]]:
        """One candidate per side of a comparison: the best one about that side's place, period and kind;
        a side without one stays empty (said to be missing), the other side is still answered."""
        # A candidate far less relevant than the best one is about something else, whatever its side.
        relevant = [c for c in every if c.score >= SIDE_RELEVANCE * every[0].score]
        sides = _opposed(q.intent.sides)
        # Best pairings first, each side and each candidate used once: a sentence goes to the side it fits best.
        pairs = sorted(
            (
                (c.score * _side_weight(q, side, c, passages), index, c)
                for index, side in enumerate(sides)
                for c in relevant
                if _on_side(side, c, passages)
            ),
            key=lambda pair: -pair[0],
        )
        picked: dict[int, Candidate] = {}
        for _weight, index, candidate in pairs:
            if index not in picked and not any(_overlaps(candidate, u) for u in picked.values()):
                picked[index] = candidate
        chosen: list[tuple[Candidate | None, str]] = [
            (picked.get(i), side.label) for i, side in enumerate(sides)
        ]
        return chosen

    def answer(
        self, analysis: QueryAnalysis, intent: Intent, passages: Sequence[Passage]
    ) -> ExtractiveAnswer | None:
        """The answer to the question analysed (``analysis``, ``intent``: both of the same question), or None
        when the passages do not answer it (the caller abstains)."""
        question = intent.question
        unknown = unknown_places(question, passages)
        if unknown and (not intent.is_comparison or len(unknown) == len(named_places(question))):
            return None  # the documents found are about other places (a comparison: about none of its sides)
        bare = has_no_diacritics(question)
        records = {p.doc_id: self.records(p.doc_id) for p in passages} if self.records else {}
        scored = without_comparatives(question) if intent.derived else question
        q = _Question(intent, tuple(content_terms(scored, analysis, bare)), fold(question), bare, records)
        if intent.signer:
            signed = self._signature(passages)
            if signed is not None:
                return signed
        every = self._candidates(q, passages)
        if not intent.is_comparison and analysis.localities:
            # A question about one place is answered from documents about that place (or about none).
            places = {fold(x) for x in analysis.localities}
            every = [
                c
                for c in every
                if not passages[c.passage_index].metadata.locality
                or fold(passages[c.passage_index].metadata.locality or "") in places
            ]
        # A "where" question also names the document it asks about ("trong dự thảo Báo cáo chính trị …"),
        # words no heading repeats; the answer is a location, not a figure, so it may cover a little less.
        floor = self.min_coverage * (WHERE_COVERAGE_FACTOR if intent.answer_type == "section" else 1.0)
        covering = [c for c in every if c.coverage >= floor]
        if not covering:
            return None
        if intent.answer_type == "section":
            return self._location(question, intent, passages, covering[0])
        if intent.is_comparison:
            sides = self._sides(q, covering, passages)
            if not any(c for c, _label in sides):
                return None
            against = _stated_against(q, sides, passages)
            if against is not None:
                text, cited, supporting = self._compose(q, [(against, "")], passages, " ")
                return ExtractiveAnswer(text, cited, supporting, intent.answer_type, against.coverage)
            text, cited, supporting = self._compose(q, sides, passages, "\n")
            computed = self._computed(q, sides, passages, cited, supporting) if intent.derived else None
            if computed:
                text = f"{text}\n{computed}"
            return ExtractiveAnswer(text, cited, supporting, intent.answer_type, covering[0].coverage)
        best = covering[0]
        if best.fit == "other":
            # Even weighed down for its period, a figure for another period is the best match: the documents
            # do not hold the asked one (a weaker sentence that fits the period would not answer either).
            return self._other_period(q, best, passages)
        if intent.answer_type not in _STRICT and best.kind == "sentence":
            best = self._with_next(best, passages[best.passage_index])
        chosen: list[tuple[Candidate | None, str]] = [(best, "")]
        if intent.answer_type == "figure" or (
            intent.answer_type == "list" and answers_list(q, passages, best) < 0.75
        ):
            second = self._second(q, best, [c for c in every if c.fit != "other"], passages)
            if second is not None:
                chosen.append((second, ""))
        text, cited, supporting = self._compose(q, chosen, passages, " ")
        return ExtractiveAnswer(text, cited, supporting, intent.answer_type, best.coverage)

    def _computed(
        self,
        q: _Question,
        sides: Sequence[tuple[Candidate | None, str]],
        passages: Sequence[Passage],
        cited: Sequence[int],
        supporting: Sequence[tuple[int, int, int]],
    ) -> str | None:
        """The gap or ratio a comparison asks (``q.intent.derived``), computed from the figure of each side's
        quoted sentence and written out (:mod:`assistant.computed`); None when a side is missing, a sentence
        already states the comparison, or the two figures are not of one indicator in one unit."""
        found = [label for candidate, label in sides if candidate is not None]
        if len(found) != 2 or len(supporting) != 2 or q.intent.derived is None:
            return None
        growth = "growth" in q.intent.kinds
        figures: list[list[IndicatorRecord]] = []
        for passage_index, start, end in supporting:
            passage = passages[passage_index]
            if states_comparison(passage.text[start:end]):
                return None
            own = records_in(q.records.get(passage.doc_id, ()), passage, start, end)
            figures.append(plain_figure(own, growth))
        matched = pair(figures[0], figures[1])
        if matched is None:
            return None
        markers = [cited.index(passage_index) + 1 for passage_index, _start, _end in supporting]
        return computed_sentence(
            q.intent.derived,
            (
                SideFigure(found[0], matched[0], markers[0]),
                SideFigure(found[1], matched[1], markers[1]),
            ),
        )

    def _location(
        self, question: str, intent: Intent, passages: Sequence[Passage], best: Candidate
    ) -> ExtractiveAnswer:
        passage = passages[best.passage_index]
        meta = passage.metadata
        # No date here: every figure in an answer must stand in the cited passage.
        document = templates.document_label(meta.doc_type, meta.number, None, None)
        text = templates.SECTION_LOCATION.format(
            heading=located_heading(question, passage), document=document
        )
        return ExtractiveAnswer(
            f"{text} [1].",
            (best.passage_index,),
            ((best.passage_index, best.start, best.end),),
            intent.answer_type,
            best.coverage,
        )

    def _same_indicator(
        self, q: _Question, found: Candidate, passages: Sequence[Passage]
    ) -> list[tuple[int, int, int, IndicatorRecord]]:
        """The statements of the found figure's indicator (its records' grouping key) for other periods, in
        the retrieved passages: (passage index, sentence start, sentence end, record), one per period."""
        passage = passages[found.passage_index]
        own = records_in(q.records.get(passage.doc_id, ()), passage, found.start, found.end)
        keys = {r.key for r in own}
        # Periods, figures and sentences already given (a sentence may repeat in another part of the text).
        seen: set[str | None] = {r.period for r in own}
        said = {fold(passage.text[found.start : found.end])}
        figures = {r.value_text for r in own}
        statements = []
        for index, other in enumerate(passages):
            if other.metadata.locality != passage.metadata.locality:
                continue  # the same indicator of another place is not this place's other period
            for record in records_in(q.records.get(other.doc_id, ()), other, 0, len(other.text)):
                start, end = record.sentence_start - other.start, record.sentence_end - other.start
                here = Candidate(index, start, end, 0.0, 0.0)
                sentence = fold(other.text[max(0, start) : end])
                if (
                    record.key not in keys
                    or record.period in seen
                    or record.value_text in figures
                    or sentence in said
                    or _overlaps(here, found)
                ):
                    continue
                seen.add(record.period)
                said.add(sentence)
                statements.append((index, max(0, start), min(len(other.text), end), record))
        return statements

    def _other_period(self, q: _Question, found: Candidate, passages: Sequence[Passage]) -> ExtractiveAnswer:
        """The documents hold the asked figure for another period only: say which period was asked and is
        missing, and give the one found, marked as such (never silently in place of the asked one), with the
        indicator's statements for the other periods the retrieved passages hold, each cited. When one of
        those is for the asked period, it is the answer. Serves figure questions for a year or term."""
        statements = self._same_indicator(q, found, passages)
        for index, start, end, record in statements:
            if _fit(q.intent.time, record_time(record)) == "fit":
                text = passages[index].text[start:end].strip()
                return ExtractiveAnswer(
                    f"{text} [1]", (index,), ((index, start, end),), q.intent.answer_type, found.coverage
                )
        passage = passages[found.passage_index]
        start, end, sentence = self._sentence(q, passage, found)
        asked = q.intent.time.label()
        lead = (
            templates.OTHER_PERIOD.format(asked=asked, found=found.period)
            if found.period
            else templates.OTHER_PERIOD_UNNAMED.format(asked=asked)
        )
        lines = [f"{lead} {sentence} [1]"]
        cited, supporting = [found.passage_index], [(found.passage_index, start, end)]
        others = [s for s in statements if s[2] - s[1] <= MAX_ANSWER_CHARS][:MAX_OTHER_PERIODS]
        if others:
            lines.append(templates.OTHER_PERIODS_ALSO)
        for index, other_start, other_end, _record in others:
            if index not in cited:
                cited.append(index)
            text = passages[index].text[other_start:other_end].strip()
            lines.append(f"- {text} [{cited.index(index) + 1}]")
            supporting.append((index, other_start, other_end))
        return ExtractiveAnswer(
            "\n".join(lines),
            tuple(cited),
            tuple(supporting),
            q.intent.answer_type,
            found.coverage,
            other_period=True,
        )

    def _signature(self, passages: Sequence[Passage]) -> ExtractiveAnswer | None:
        """Who signed: the signer's name and position, read from the signature block at ingest, cited to the
        passage that shows it. Serves "ai ký …" questions."""
        for index, passage in enumerate(passages):
            meta = passage.metadata
            signer = meta.signer
            if not signer or signer not in passage.text:
                continue
            start = passage.text.index(signer)
            title = meta.signer_title
            text = templates.SIGNED_BY.format(name=signer, title=title) if title else signer
            return ExtractiveAnswer(
                f"{text} [1]", (index,), ((index, start, start + len(signer)),), "person", 1.0
            )
        return None


def answers_list(q: _Question, passages: Sequence[Passage], candidate: Candidate) -> float:
    """How much a candidate lists: a block or an enumerating sentence needs no second sentence."""
    text = passages[candidate.passage_index].text[candidate.start : candidate.end]
    return answerness(q.intent, text, q.folded, candidate.kind, q.bare)


def _cut_block(text: str, limit: int) -> int:
    """Where a long list block is cut: after the last whole item line within ``limit``."""
    cut = text.rfind("\n", 0, limit)
    return cut if cut > 0 else limit


_DANGLING = re.compile(r"(?:\blà|\bgồm|\bnhư sau|\bsau đây|\bnhư|\bbao gồm|:)\s*$")


def _dangling(text: str) -> bool:
    """Does a clause window stop right before what it announces ("… 02 dự án trọng điểm là")?"""
    return bool(_DANGLING.search(fold(text.rstrip(" ,;"))))


def _unclosed(text: str) -> bool:
    """Does a clause window stop inside parentheses ("… ở mức độ thấp (Công nghiệp")?"""
    return text.count("(") > text.count(")")


# "tăng 10,28% so với năm 2020", "giảm 5% so với cùng kỳ năm 2021": a change stated against a period.
_AGAINST_PERIOD = re.compile(
    r"\d\S*\s+so với\s+(?:cùng kỳ\s+)?(?:năm\s+|giai đoạn\s+|nhiệm kỳ\s+)?((?:19|20)\d\d)"
)


def _stated_against(
    q: _Question, sides: Sequence[tuple[Candidate | None, str]], passages: Sequence[Passage]
) -> Candidate | None:
    """A side's sentence that states its change against the other side's period answers a change question
    alone ("năm 2021 tăng bao nhiêu so với năm 2020" ← "đạt 4.731 tỷ đồng, tăng 10,28% so với năm 2020"), and
    one that states the gap asked ("cao hơn 18% so với …") answers a derived comparison alone."""
    if not q.intent.derived and not (q.intent.kinds & {"growth"}):
        return None
    periods = [set(side.time.years) | {last for _first, last in side.time.terms} for side in q.intent.sides]
    stating = []
    for candidate, _label in sides:
        if candidate is None:
            continue
        text = fold(passages[candidate.passage_index].text[candidate.start : candidate.end])
        stated = {int(year) for year in _AGAINST_PERIOD.findall(text)}
        if any(stated & period for period in periods) or (q.intent.derived and states_comparison(text)):
            stating.append(candidate)
    return max(stating, key=lambda c: c.score, default=None)


_DIGIT = re.compile(r"\d")


def _cited_lines(sentence: str, marker: int) -> str:
    """A quote with its marker at the end, and on every earlier line that holds a figure: verification reads
    an answer line by line, and a number (a figure, a list number) of an item must stand in the passage its line cites."""
    lines = sentence.split("\n")
    # A line followed by another item ends its own claim; a line broken mid-sentence ("O\n2 nén") does not.
    ends = [i == len(lines) - 1 or bool(ITEM_LINE.match(lines[i + 1])) for i in range(len(lines))]
    return "\n".join(
        f"{line} [{marker}]" if end and (i == len(lines) - 1 or _DIGIT.search(line)) else line
        for i, (line, end) in enumerate(zip(lines, ends, strict=True))
    )


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.passage_index == b.passage_index and a.start < b.end and b.start < a.end


def _opposed(sides: Sequence[Side]) -> list[Side]:
    """Sides of a result-against-target comparison: a side that names no kind is the other side's
    opposite ("tỷ lệ … nhiệm kỳ 2020–2025 là bao nhiêu và chỉ tiêu cho nhiệm kỳ 2025–2030")."""
    named = {kind for side in sides for kind in side.kinds & {"target", "result"}}
    if len(named) != 1:
        return list(sides)
    other: frozenset[FigureKind] = frozenset({"result"} if named == {"target"} else {"target"})
    return [
        side if side.kinds & named else Side(side.label, side.localities, side.time, side.kinds | other)
        for side in sides
    ]


def _side_weight(q: _Question, side: Side, candidate: Candidate, passages: Sequence[Passage]) -> float:
    """How well a candidate fits one side's period and kind (the question's own fit is for the whole)."""
    passage = passages[candidate.passage_index]
    fit, _label = time_fit(side.time, passage, candidate.start, candidate.end)
    # Growth asked is asked of every side ("tốc độ tăng … đã đạt … với mức phấn đấu").
    asked = side.kinds | (q.intent.kinds & {"growth"})
    return _FIT_WEIGHT[fit] * kind_weight(asked, figure_kinds(q, passage, candidate.start, candidate.end))


def _on_side(side: Side, candidate: Candidate, passages: Sequence[Passage]) -> bool:
    """Is a candidate about this side of a comparison: its place, and a period and kind that fit?"""
    passage = passages[candidate.passage_index]
    if side.localities and fold(passage.metadata.locality or "") not in {fold(x) for x in side.localities}:
        return False
    return not (side.time and time_fit(side.time, passage, candidate.start, candidate.end)[0] == "other")
