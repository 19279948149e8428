"""The extractive answerer, the default: no language model.

It picks the sentences (or clauses) of the retrieved passages that answer the question and composes a
short answer in the document's own words, each sentence followed by the marker of the passage it came
from. Nothing is paraphrased, so every figure is the document's own.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from ingestion.textnorm import fold, strip_diacritics
from prompts import templates
from vectorstore.abbreviations import ABBREVIATIONS
from vectorstore.lexical import has_no_diacritics, syllables
from vectorstore.query import QueryAnalysis, section_names_years
from vectorstore.retriever import ScoredPassage

QuestionShape = Literal["figure", "list", "where", "lookup", "yesno", "comparison", "general"]

# Words that frame a question rather than name what it asks about.
STOPWORDS = frozenset(
    fold(w)
    for w in [
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
        "của",
        "và",
        "với",
        "các",
        "những",
        "được",
        "đã",
        "đang",
        "sẽ",
        "trong",
        "theo",
        "tại",
        "ở",
        "về",
        "cho",
        "từ",
        "đến",
        "năm",
        "huyện",
        "tỉnh",
        "xã",
        "thị",
        "trấn",
        "thành",
        "phố",
        "hiện",
        "nay",
        "thế",
        "như",
        "thì",
        "sao",
        "hay",
        "hoặc",
        "này",
        "đó",
        "mục",
        "phần",
        "văn",
        "bản",
        "nêu",
        "trình",
        "bày",
        "yêu",
        "cầu",
        "đặt",
        "ra",
        "bước",
        "số",
        "lượng",
        "tổng",
        "cộng",
        "bao",
        "gồm",
        "gồm",
        "một",
        "hãy",
        "cho",
        "biết",
        "là",
        "bao",
        "nhiêu",
        "so",
        "nghị",
        "quyết",
        "báo",
        "cáo",
        "kế",
        "hoạch",
        "chương",
        "trình",
    ]
)

_SENTENCE_BREAK = re.compile(r"\n+|(?<=[.!?…])\s+(?=[\"“(]?[0-9A-ZÀ-ỸĐ-])")
_CLAUSE_BREAK = re.compile(r"(?<=[;,:])\s+")
_NUMBER = re.compile(r"\d")
_WHERE = re.compile(r"(ở|tại|trong) (mục|phần|chương|điều|khoản) nào|mục nào|phần nào|được trình bày ở|nêu ở")
_LIST = re.compile(r"\bnhững\b.*\bnào\b|\bcác\b.*\bnào\b|kể tên|gồm những|bao gồm những|\bnào\?$")
_FIGURE = re.compile(r"bao nhiêu|\bmấy\b|tỷ lệ|tỉ lệ|\bđạt\b|mức|chỉ tiêu|số lượng|như thế nào")
_LOOKUP = re.compile(
    r"\bai\b|văn bản nào|quy định (số )?(nào|mấy)|nghị định nào|\bsố mấy\b|bước nào|khi nào|ngày nào"
)
_HOW_MUCH = re.compile(r"bao nhiêu|\bmấy\b")
_YESNO = re.compile(r"\bcó\b.+\bkhông\s*\??$|phải không\s*\??$")
_COMPARE = re.compile(r"\bso sánh\b")
MAX_ANSWER_CHARS = 300
WHERE_COVERAGE_FACTOR = 0.8
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


def question_shape(question: str, analysis: QueryAnalysis) -> QuestionShape:
    folded = fold(question)
    if _WHERE.search(folded):
        return "where"
    two_periods = len(analysis.years) >= 3 or len(analysis.periods) >= 2
    if len(analysis.localities) >= 2 or two_periods or _COMPARE.search(folded):
        return "comparison"
    if _LOOKUP.search(folded):
        return "lookup"
    if _LIST.search(folded):
        return "list"
    # Before "figure": "có đạt chỉ tiêu … không?" asks yes or no, and its answer need not hold a figure.
    if _YESNO.search(folded) and not _HOW_MUCH.search(folded):
        return "yesno"
    if _FIGURE.search(folded):
        return "figure"
    return "general"


@dataclass(frozen=True)
class Candidate:
    """A sentence (or clause window) of one retrieved passage."""

    passage_index: int
    start: int  # offsets within the passage text
    end: int
    score: float
    coverage: float


@dataclass(frozen=True)
class ExtractiveAnswer:
    text: str  # with markers [n]; n is a 1-based index into ``cited``
    cited: tuple[int, ...]  # indices into the passages given
    supporting: tuple[tuple[int, int, int], ...]  # (passage index, start, end) of each supporting sentence
    shape: QuestionShape
    confidence: float  # the best candidate's coverage of the question's content words


def _spans(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    spans, cursor = [], 0
    for match in pattern.finditer(text):
        if match.start() > cursor:
            spans.append((cursor, match.start()))
        cursor = match.end()
    if cursor < len(text):
        spans.append((cursor, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


_BARE_STOPWORDS = frozenset(strip_diacritics(w) for w in STOPWORDS)


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


_NUMBERING_ONLY = re.compile(
    r"^\s*(?:\d+(?:\.\d+)*\.?|[a-zđ]\)|[IVXLC]+[.\-]|[-+•]|(?:Điều|Khoản|Mục|Chương|Phần)\s+[\dIVXLC]+[.:]?)\s*$"
)


_LEADING_NUMBERING = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.|[a-zđ]\)|[IVXLC]+[.\-]|[-+•])\s*")


_UNITS = (
    "km²",
    "km2",
    "km",
    "m²",
    "m2",
    "m³",
    "m3",
    "ha",
    "tấn",
    "kg",
    "tỷ",
    "triệu",
    "nghìn",
    "usd",
    "lít",
    "mw",
    "kwh",
    "%",
)
_ASKED_AMOUNT = re.compile(r"bao nhiêu\s+(\S+)")


def asked_unit(question: str) -> str | None:
    """The unit a "bao nhiêu <unit>" question wants the figure in, when it names one."""
    match = _ASKED_AMOUNT.search(fold(question))
    if not match:
        return None
    word = match.group(1).strip("?.,;:")
    if word in ("phần", "phần trăm"):
        return "%"
    return word if word in _UNITS else None


def has_figure(sentence: str) -> bool:
    """Does the sentence state a figure? Its own list number ("3. Công tác …") is not one."""
    return bool(_NUMBER.search(_LEADING_NUMBERING.sub("", sentence, count=1)))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences (and heading lines) of a passage; a bare numbering token ("2.", "a)") joins what follows it."""
    spans = _spans(text, _SENTENCE_BREAK)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and _NUMBERING_ONLY.match(text[merged[-1][0] : merged[-1][1]]):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


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


def unknown_places(question: str, passages: Sequence[ScoredPassage]) -> list[str]:
    """Places the question names that neither the passages nor their documents' identities mention."""
    known = " ".join(
        fold(" ".join((p.text, p.metadata.locality or "", *p.metadata.issuers, p.metadata.place or "")))
        for p in passages
    )
    return [name for name in named_places(question) if fold(name) not in known]


def headings(passage: ScoredPassage) -> frozenset[str]:
    return frozenset(h.rstrip(":") for h in passage.section_path)


_ASKED_UNIT = re.compile(r"\b(điều|chương|phần|mục|khoản|điểm)\s+(?:nào|mấy|số mấy)", re.IGNORECASE)


def located_heading(question: str, passage: ScoredPassage) -> str:
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


def _period_fit(passage: ScoredPassage, years: frozenset[int]) -> float:
    """Prefer sections about the years the question names: "năm 2022" wants the 2022 results, not the 2023 plan."""
    fits = section_names_years(passage.section_path, years) if years else None
    return 1.0 if fits is None else 1.2 if fits else 0.7


class ExtractiveAnswerer:
    def __init__(self, min_coverage: float = 0.5) -> None:
        self.min_coverage = min_coverage

    def _candidates(
        self,
        terms: Sequence[str],
        passages: Sequence[ScoredPassage],
        shape: QuestionShape,
        bare: bool,
        years: frozenset[int] = frozenset(),
    ) -> list[Candidate]:
        spans_per_passage = [sentence_spans(p.text) for p in passages]
        units = [
            (i, sentence_terms(p.text[a:b], bare), a, b)
            for i, p in enumerate(passages)
            for a, b in spans_per_passage[i]
        ]
        if not units or not terms:
            return []
        # Local IDF over the candidate sentences: a term every sentence has says little.
        unique_terms = list(dict.fromkeys(terms))
        df = {t: sum(t in u[1] for u in units) for t in unique_terms}
        idf = {t: math.log(1 + len(units) / (1 + df[t])) for t in unique_terms}
        bigrams = list(itertools.pairwise(unique_terms))
        total = sum(idf.values())
        candidates = []
        context_cache: dict[int, frozenset[str]] = {}
        for passage_index, words, start, end in units:
            passage = passages[passage_index]
            if shape != "where" and passage.text[start:end].strip().rstrip(":") in headings(passage):
                continue  # a heading line names a topic; it does not answer a question about it
            if passage_index not in context_cache:
                meta = passage.metadata
                # The words a sentence stands under: its section path and its document's identity.
                identity = " ".join(x for x in (meta.doc_type, meta.title, meta.number) if x)
                context_cache[passage_index] = sentence_terms(
                    " ".join((*passage.section_path, identity)), bare
                )
            heading_words = context_cache[passage_index]
            text = " ".join(terms_of(passage.text[start:end], bare))
            matched = [t for t in unique_terms if t in words]
            context_matched = [t for t in unique_terms if t in words or t in heading_words]
            coverage = sum(idf[t] for t in context_matched) / total
            score = sum(idf[t] for t in matched) + 0.5 * sum(idf[t] for t in context_matched)
            score += sum(1.0 for a, b in bigrams if f"{a} {b}" in text)
            if shape == "where":
                score = sum(idf[t] for t in unique_terms if t in heading_words) + 0.3 * score
            elif shape in ("figure", "comparison") and has_figure(passage.text[start:end]):
                score *= 1.5
            score *= _period_fit(passage, years)
            score *= 1.0 + 0.5 / (1 + passage_index)  # retrieval order as a prior
            candidates.append(Candidate(passage_index, start, end, score, coverage))
        candidates.sort(key=lambda c: -c.score)
        return candidates

    def _trim(
        self, passage: ScoredPassage, candidate: Candidate, terms: Sequence[str], bare: bool
    ) -> tuple[int, int]:
        """A long sentence shrinks to the window of clauses that carries the matched words."""
        text = passage.text[candidate.start : candidate.end]
        if len(text) <= MAX_ANSWER_CHARS:
            return candidate.start, candidate.end
        clauses = _spans(text, _CLAUSE_BREAK)
        term_set = set(terms)
        weights = [
            len(term_set & set(terms_of(text[a:b], bare))) + (0.5 if _NUMBER.search(text[a:b]) else 0)
            for a, b in clauses
        ]
        best = max(range(len(clauses)), key=lambda i: weights[i])
        lo = hi = best
        while True:
            grown = False
            for nxt in (hi + 1, lo - 1):
                if 0 <= nxt < len(clauses) and weights[nxt] > 0:
                    a = clauses[min(lo, nxt)][0]
                    b = clauses[max(hi, nxt)][1]
                    if b - a <= MAX_ANSWER_CHARS:
                        lo, hi = min(lo, nxt), max(hi, nxt)
                        grown = True
            if not grown:
                break
        return candidate.start + clauses[lo][0], candidate.start + clauses[hi][1]

    def _sides(
        self, candidates: Sequence[Candidate], passages: Sequence[ScoredPassage], localities: Sequence[str]
    ) -> list[Candidate]:
        """The best sentence for each side of a comparison: one per locality the question names, else (two
        periods of one place) the best sentence and the best one from another section stating other figures."""
        if len(localities) >= 2:
            wanted = {fold(x) for x in localities}
            chosen: list[Candidate] = []
            seen: set[str] = set()
            for candidate in candidates:
                locality = fold(passages[candidate.passage_index].metadata.locality or "")
                if locality in wanted and locality not in seen:
                    seen.add(locality)
                    chosen.append(candidate)
            return chosen or [candidates[0]]
        first = candidates[0]
        first_passage = passages[first.passage_index]
        first_figures = _figures(first_passage.text[first.start : first.end])
        other = next(
            (
                c
                for c in candidates[1:]
                if passages[c.passage_index].section_id != first_passage.section_id
                and not _restates(_figures(passages[c.passage_index].text[c.start : c.end]), first_figures)
            ),
            None,
        )
        if other is not None and other.coverage >= self.min_coverage:
            return [first, other]
        return [first]

    def answer(
        self, question: str, analysis: QueryAnalysis, passages: Sequence[ScoredPassage]
    ) -> ExtractiveAnswer | None:
        """The answer, or None when the passages do not answer the question (the caller abstains)."""
        if unknown_places(question, passages):
            return None  # the documents found are about other places
        shape = question_shape(question, analysis)
        bare = has_no_diacritics(question)
        terms = content_terms(question, analysis, bare)
        years = frozenset(analysis.years)
        # Only sentences that cover enough of the question may answer it; the best of those answers.
        every = self._candidates(terms, passages, shape, bare, years)
        if shape != "comparison" and analysis.localities:
            # A question about one place is answered from documents about that place (or about none).
            places = {fold(x) for x in analysis.localities}
            every = [
                c
                for c in every
                if not passages[c.passage_index].metadata.locality
                or fold(passages[c.passage_index].metadata.locality or "") in places
            ]
        unit = asked_unit(question)
        if unit:
            # "bao nhiêu km": a sentence without kilometres does not answer it.
            every = [c for c in every if unit in fold(passages[c.passage_index].text[c.start : c.end])]
        # A "where" question also names the document it asks about ("trong dự thảo Báo cáo chính trị …"),
        # words no heading repeats; the answer is a location, not a figure, so it may cover a little less.
        floor = self.min_coverage * (WHERE_COVERAGE_FACTOR if shape == "where" else 1.0)
        candidates = [c for c in every if c.coverage >= floor]
        if not candidates:
            return None
        if shape == "figure":
            # A question asking "how much" is answered by a sentence with a figure in it, or not at all.
            candidates = [
                c for c in candidates if has_figure(passages[c.passage_index].text[c.start : c.end])
            ]
            every = [c for c in every if has_figure(passages[c.passage_index].text[c.start : c.end])]
            if not candidates:
                return None
        best = candidates[0]
        chosen = [best]
        if shape == "comparison":
            chosen = self._sides([best, *(c for c in every if c is not best)], passages, analysis.localities)
        elif shape in ("list", "figure"):
            # A second sentence when it adds question words the first lacks (two indicators in one question).
            # Words and word pairs of the question ("cơ sở đảng" is more than "cơ sở" and "đảng" apart).
            asked: set[str | tuple[str, str]] = {*terms, *itertools.pairwise(terms)}

            def said(candidate: Candidate) -> set[str | tuple[str, str]]:
                words = terms_of(
                    passages[candidate.passage_index].text[candidate.start : candidate.end], bare
                )
                found: set[str | tuple[str, str]] = {*words, *itertools.pairwise(words)}
                return found & asked

            covered = said(best)
            for other in [c for c in every if c is not best][:5]:
                adds = said(other) - covered
                neighbour = other.passage_index == best.passage_index
                floor = 0.3 if neighbour else 0.6
                if adds and other.coverage >= self.min_coverage / 2 and other.score >= floor * best.score:
                    chosen.append(other)
                    break
        if shape == "where":
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
                shape,
                best.coverage,
            )
        cited: list[int] = []
        parts: list[str] = []
        supporting = []
        side_localities = {passages[c.passage_index].metadata.locality for c in chosen}
        for candidate in chosen:
            passage = passages[candidate.passage_index]
            start, end = self._trim(passage, candidate, terms, bare)
            # The answer starts at the words: a list number or bullet ("2.", "- ") is layout, not wording.
            marker_match = _LEADING_NUMBERING.match(passage.text[start:end])
            if marker_match and start + marker_match.end() < end:
                start += marker_match.end()
            if candidate.passage_index not in cited:
                cited.append(candidate.passage_index)
            marker = cited.index(candidate.passage_index) + 1
            sentence = passage.text[start:end].strip().rstrip(";,:")
            if shape == "comparison" and len(chosen) > 1:
                # The label names the side without adding figures the cited passage does not carry:
                # the locality, or for two parts of one document, the top-level part it stands in.
                label = (
                    passage.metadata.locality
                    if len(side_localities) > 1
                    else (passage.section_path[0] if passage.section_path else passage.heading)
                )
                parts.append(templates.COMPARISON_SIDE.format(label=label, sentence=f"{sentence} [{marker}]"))
            else:
                parts.append(f"{sentence} [{marker}]")
            supporting.append((candidate.passage_index, start, end))
        joiner = "\n" if shape == "comparison" and len(chosen) > 1 else " "
        return ExtractiveAnswer(joiner.join(parts), tuple(cited), tuple(supporting), shape, best.coverage)
