"""Parse a normalised document: header metadata (:mod:`ingestion.header`) and section tree (:mod:`ingestion.sections`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ingestion.header import is_body_paragraph, is_type_line, parse_header
from ingestion.model import ParsedDocument
from ingestion.sections import build_sections, find_candidates, is_numbered_line

# The header never runs longer than this many lines; past it, the body has started.
_MAX_HEADER_LINES = 60


def header_end(text: str) -> int:
    """Offset where the header ends: the first heading or running paragraph (0 when there is no header)."""
    offset = 0
    seen = 0
    for raw in text.split("\n"):
        line = raw.strip()
        if line:
            seen += 1
            heading = is_numbered_line(line) and not is_type_line(line)
            if heading or is_body_paragraph(line) or seen > _MAX_HEADER_LINES:
                return offset + raw.find(line[0])
        offset += len(raw) + 1
    return len(text)


def parse_document(
    text: str,
    *,
    page_of: Callable[[int], int | None] | None = None,
    bold_spans: Sequence[tuple[int, int]] = (),
) -> ParsedDocument:
    """Metadata and section tree of ``text`` (``NormalizedText.text``).

    ``page_of`` maps an offset of ``text`` to a page number (PDF); ``bold_spans`` (``NormalizedText.bold_spans``)
    lets whole bold lines count as unnumbered headings.
    """
    body_start = header_end(text)
    candidates = find_candidates(text, body_start=body_start, bold_spans=bold_spans)
    sections = build_sections(text, candidates, page_of=page_of)
    metadata = parse_header(text, body_start, sections)
    return ParsedDocument(metadata=metadata, sections=sections, text=text)
