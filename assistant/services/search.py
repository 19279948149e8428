"""Section search for people: ranked passages, paginated, with the query's words marked in each."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from assistant.answering import IsoDate
from ingestion.textnorm import fold, strip_diacritics
from ingestion.vocabulary import QUESTION_PARTICLES
from vectorstore.lexical import has_no_diacritics, syllables
from vectorstore.passages import PassageView
from vectorstore.retriever import HybridRetriever, RetrievalFilters

# The retriever ranks at most this many passages for one query; pages are cut from them.
MAX_RESULTS = 100
_WORD = re.compile(r"\d+(?:[.,/]\d+)*|[^\W\d_]+")


class Highlight(BaseModel):
    start: int = Field(description="Vị trí bắt đầu (ký tự) trong `text`")
    end: int


# Built from a PassageView: the passage's attributes, its rank and highlights.
class SearchHit(BaseModel):
    rank: int
    chunk_id: str
    doc_id: str
    file_name: str
    title: str | None
    doc_type: str | None
    doc_number: str | None
    date: IsoDate
    locality: str | None
    section_id: str
    section_path: list[str]
    text: str
    highlights: list[Highlight]
    score: float
    page: int | None = None


class SearchPage(BaseModel):
    query: str
    page: int
    page_size: int
    total: int = Field(description=f"Số kết quả xếp hạng được (tối đa {MAX_RESULTS})")
    results: list[SearchHit]


def highlight_spans(text: str, query: str) -> list[Highlight]:
    """Spans of ``text`` whose words are words of ``query`` (folded; without diacritics if the query has none)."""
    plain = has_no_diacritics(query)
    # Question words marked in every passage would hide the words that matter.
    wanted = {strip_diacritics(w) if plain else w for w in syllables(query)} - QUESTION_PARTICLES
    spans: list[Highlight] = []
    for match in _WORD.finditer(text):
        word = fold(match.group())
        if (strip_diacritics(word) if plain else word) not in wanted:
            continue
        if spans and text[spans[-1].end : match.start()].isspace():
            spans[-1] = Highlight(start=spans[-1].start, end=match.end())  # one mark over adjacent words
        else:
            spans.append(Highlight(start=match.start(), end=match.end()))
    return spans


def search_sections(
    retriever: HybridRetriever, query: str, filters: RetrievalFilters, page: int, page_size: int
) -> SearchPage:
    first = (page - 1) * page_size
    wanted = min(first + page_size, MAX_RESULTS)
    passages = retriever.search(query, k=MAX_RESULTS, filters=filters) if wanted > first else []
    hits = [
        SearchHit.model_validate(
            PassageView(passage, rank=rank, highlights=highlight_spans(passage.text, query)),
            from_attributes=True,
        )
        for rank, passage in enumerate(passages[first:wanted], start=first + 1)
    ]
    return SearchPage(query=query, page=page, page_size=page_size, total=len(passages), results=hits)
