"""Query understanding: what in a question should steer retrieval.

A question names things the document metadata knows: a locality ("Tiểu Cần", "tieu can"), a year or a term
("năm 2022", "nhiệm kỳ 2020–2025"), a document number ("250/BC-UBND", "Nghị quyết 09"), a document type.
They are recognised against the catalog of ingested documents, so nothing here is tied to one corpus.
Abbreviations are expanded both ways for the lexical side.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from ingestion.model import DocumentMetadata
from ingestion.textnorm import fold, strip_diacritics
from vectorstore.abbreviations import ABBREVIATIONS

DOCUMENT_TYPES = (
    "Nghị quyết",
    "Báo cáo",
    "Kế hoạch",
    "Quyết định",
    "Chỉ thị",
    "Tờ trình",
    "Thông báo",
    "Kết luận",
    "Chương trình",
    "Luật",
    "Nghị định",
    "Thông tư",
    "Công văn",
    "Đề án",
    "Hướng dẫn",
    "Quy định",
)

_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-9]\d)(?!\d)")
_TERM = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[-–—/]\s*((?:19|20)\d\d)(?!\d)")
# "250/BC-UBND", "09-NQ/HU", "61/2018/NĐ-CP", "Số 09 -NQ/HU"
_DOC_NUMBER = re.compile(
    r"(?<![\w/])(\d{1,4}\s*(?:/\s*\d{4}\s*)?[-/]\s*[A-ZĐ]{1,6}(?:\s*[-/]\s*[A-ZĐ]{1,8})*)(?![\w])",
    re.IGNORECASE,  # questions are often typed in lower case: "250/bc-ubnd"
)
# Matched without diacritics, so "nghi quyet 09" names the document as "Nghị quyết 09" does.
_TYPE_AND_NUMBER = re.compile(
    r"("
    + "|".join(re.escape(strip_diacritics(t)) for t in DOCUMENT_TYPES)
    + r")\s*(?:so\s*)?(\d{1,4})(?![\d,.%])"
)


def canonical_number(number: str) -> str:
    """ "Số 09 -NQ/HU" and "9-nq/hu" compare equal: no spaces, upper case, no leading zeros."""
    compact = re.sub(r"\s+", "", strip_diacritics(number)).upper()
    compact = re.sub(r"^SO:?", "", compact)
    return re.sub(r"(?<!\d)0+(?=\d)", "", compact)


@dataclass(frozen=True)
class CatalogEntry:
    doc_id: str
    metadata: DocumentMetadata


@dataclass(frozen=True)
class QueryAnalysis:
    question: str
    lexical_query: str  # the question with abbreviations expanded both ways
    localities: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    period: tuple[int, int] | None = None  # the first term named
    periods: tuple[tuple[int, int], ...] = ()  # every term named ("2020–2025 … 2025–2030")
    doc_ids: tuple[str, ...] = ()  # documents named by number
    doc_types: tuple[str, ...] = ()


def years_in(text: str) -> set[int]:
    return {int(y) for y in _YEAR.findall(text)}


def section_names_years(path: Sequence[str], years: Collection[int]) -> bool | None:
    """Does a section path ("… NHIỆM VỤ NĂM 2023") name one of ``years``? None when it names no year at all."""
    named = years_in(" ".join(path))
    if not named:
        return None
    return bool(named & set(years))


def expand_abbreviations(question: str) -> str:
    """The question plus the expansion of each abbreviation in it, and the abbreviation of each expansion."""
    additions: list[str] = []
    folded_question = fold(question)
    for short, long in ABBREVIATIONS.items():
        if re.search(rf"(?<!\w){re.escape(short)}(?!\w)", question):
            additions.append(long)
        elif fold(long) in folded_question:
            additions.append(short)
    return question if not additions else f"{question} ({'; '.join(additions)})"


def _mentions(question_folded: str, question_bare: str, name: str) -> bool:
    name_folded = fold(name)
    if re.search(rf"(?<!\w){re.escape(name_folded)}(?!\w)", question_folded):
        return True
    name_bare = strip_diacritics(name)
    return bool(re.search(rf"(?<!\w){re.escape(name_bare)}(?!\w)", question_bare))


def analyze(question: str, catalog: Iterable[CatalogEntry]) -> QueryAnalysis:
    entries = list(catalog)
    folded = fold(question)
    bare = strip_diacritics(question)

    localities = sorted(
        {
            e.metadata.locality
            for e in entries
            if e.metadata.locality and _mentions(folded, bare, e.metadata.locality)
        }
    )

    periods = tuple((int(a), int(b)) for a, b in _TERM.findall(question))
    years = tuple(sorted(years_in(question)))

    wanted_numbers = {canonical_number(m) for m in _DOC_NUMBER.findall(question)}
    doc_ids: set[str] = set()
    for entry in entries:
        number = entry.metadata.number
        if not number:
            continue
        canonical = canonical_number(number)
        if canonical in wanted_numbers:
            doc_ids.add(entry.doc_id)
            continue
        entry_type = strip_diacritics(entry.metadata.doc_type or "")
        for type_name, digits in _TYPE_AND_NUMBER.findall(bare):
            if type_name == entry_type and canonical.split("/")[0].split("-")[0] == str(int(digits)):
                doc_ids.add(entry.doc_id)

    doc_types = tuple(t for t in DOCUMENT_TYPES if re.search(rf"(?<!\w){re.escape(fold(t))}(?!\w)", folded))
    return QueryAnalysis(
        question=question,
        lexical_query=expand_abbreviations(question),
        localities=tuple(localities),
        years=years,
        period=periods[0] if periods else None,
        periods=periods,
        doc_ids=tuple(sorted(doc_ids)),
        doc_types=doc_types,
    )
