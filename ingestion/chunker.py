"""Section-aware chunking.

A chunk never crosses a section boundary. A section's own text (its heading and the body before its
first subsection) becomes one chunk when it fits the embedding model's token budget, and is otherwise
split at paragraph, then sentence, then word boundaries. The first chunk of a section starts at its
heading, so a tiny section stands with its heading rather than as a bare fragment; the embedded text
carries a short context header (document identity and section path) while the shown text is the
passage itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

from ingestion.model import Chunk, DocumentMetadata, NormalizedText, ParsedDocument, Section

TokenCounter = Callable[[str], int]

PATH_SEPARATOR = " › "
TITLE_WORDS = 12
# Sentence ends: ". ", "; ", "! ", "? " before a capital letter, digit, dash or quote.
_SENTENCE_END = re.compile(r"(?<=[.;!?…])\s+(?=[\"“(\-–•+]?\s*[0-9A-ZÀ-ỸĐ])")
_WORD_GAP = re.compile(r"\s+")


def context_header(metadata: DocumentMetadata, file_name: str) -> str:
    """One line naming the document: type, number, locality, date (or year), title."""
    parts: list[str] = []
    if metadata.doc_type:
        parts.append(metadata.doc_type)
    if metadata.number:
        parts.append(metadata.number)
    if metadata.locality:
        parts.append(metadata.locality)
    if metadata.date:
        parts.append(metadata.date.strftime("%d/%m/%Y"))
    elif metadata.period:
        parts.append(metadata.period)
    if metadata.title:
        # A short title: the header rides on every chunk, inside the embedding model's token budget.
        words = metadata.title.split()
        parts.append(" ".join(words[:TITLE_WORDS]) + (" …" if len(words) > TITLE_WORDS else ""))
    return " – ".join(parts) if parts else file_name


def _own_span(section: Section, sections: Sequence[Section], position: int) -> tuple[int, int]:
    """The section's own text: from its heading to its first subsection (or its end)."""
    end = section.end
    if position + 1 < len(sections) and sections[position + 1].parent_id == section.id:
        end = sections[position + 1].start
    return section.start, end


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _units(text: str, start: int, end: int, pattern: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    """Non-empty spans of text[start:end] separated by ``pattern``."""
    cursor = start
    for match in pattern.finditer(text, start, end):
        span = _trimmed(text, cursor, match.start())
        if span[0] < span[1]:
            yield span
        cursor = match.end()
    span = _trimmed(text, cursor, end)
    if span[0] < span[1]:
        yield span


_PARAGRAPH = re.compile(r"\n+")


class Chunker:
    """Cuts a parsed document into chunks that fit ``max_tokens`` of the embedding model."""

    def __init__(self, count_tokens: TokenCounter, max_tokens: int) -> None:
        self._count = count_tokens
        self._max_tokens = max_tokens

    def _fits(self, text: str, budget: int) -> bool:
        # A subword tokenizer never yields more tokens than characters (plus prefix and special tokens):
        # skip the tokenizer when the text is obviously short.
        return len(text) + 16 <= budget or self._count(text) <= budget

    def _split(self, text: str, start: int, end: int, budget: int) -> list[tuple[int, int]]:
        """Spans covering text[start:end], each within budget, cut at the coarsest boundary that works."""
        if self._fits(text[start:end], budget):
            return [(start, end)]
        for pattern in (_PARAGRAPH, _SENTENCE_END, _WORD_GAP):
            units = list(_units(text, start, end, pattern))
            if len(units) > 1:
                break
        else:
            # One unbreakable run longer than the budget: cut by characters.
            step = max(budget, 1)
            return [(i, min(i + step, end)) for i in range(start, end, step)]
        pieces: list[tuple[int, int]] = []
        for unit in units:
            pieces.extend(self._split(text, unit[0], unit[1], budget))
        # Greedy packing of consecutive pieces.
        packed: list[tuple[int, int]] = []
        for piece in pieces:
            if packed and self._fits(text[packed[-1][0] : piece[1]], budget):
                packed[-1] = (packed[-1][0], piece[1])
            else:
                packed.append(piece)
        return packed

    def chunk(
        self,
        parsed: ParsedDocument,
        normalized: NormalizedText,
        file_name: str,
        page_of: Callable[[int], int | None] | None = None,
    ) -> list[Chunk]:
        """Chunks of the document; ``page_of`` maps an offset in the normalised text to its page."""
        text = parsed.text
        header = context_header(parsed.metadata, file_name)
        chunks: list[Chunk] = []
        # Headings whose content is all in their subsections ("Điều 11. …" above "1. …", "2. …") have no
        # chunk of their own: they open the first chunk of their first subsection, so the passage shows them.
        pending_headings: int | None = None
        for position, section in enumerate(parsed.sections):
            own_start, own_end = _trimmed(text, *_own_span(section, parsed.sections, position))
            body_start = max(section.body_start, own_start)
            if not text[body_start:own_end].strip():
                has_child = position + 1 < len(parsed.sections) and (
                    parsed.sections[position + 1].parent_id == section.id
                )
                pending_headings = (
                    (pending_headings if pending_headings is not None else own_start) if has_child else None
                )
                continue
            path = PATH_SEPARATOR.join(section.path)
            prefix = f"{header}\n{path}\n" if path else f"{header}\n"
            budget = max(self._max_tokens - self._count(prefix), self._max_tokens // 4)
            if pending_headings is not None:
                budget = max(budget - self._count(text[pending_headings:own_start]), self._max_tokens // 4)
            spans = self._split(text, own_start, own_end, budget)
            if pending_headings is not None:
                spans[0] = (pending_headings, spans[0][1])
                pending_headings = None
            for start, end in spans:
                source_start, source_end = normalized.source_span(start, end)
                passage = text[start:end]
                chunks.append(
                    Chunk(
                        index=len(chunks),
                        section_id=section.id,
                        section_path=section.path,
                        heading=section.heading,
                        text=passage,
                        embed_text=prefix + passage,
                        start=start,
                        end=end,
                        source_start=source_start,
                        source_end=source_end,
                        page=page_of(start) if page_of else section.page,
                    )
                )
        return chunks
