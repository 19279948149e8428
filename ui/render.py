"""HTML and chat-message rendering for the UI. Pure functions: no Gradio, no store.

Every piece of text that comes from a document, a question or the system is escaped here before it
reaches the page: a document containing ``<script>`` shows it as text. Only the tags this module
writes itself (``mark``, ``details``, ``div``…) are markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from assistant.services.documents import DocumentRecord, Section
from assistant.services.labels import document_name
from assistant.services.search import SearchHit, highlight_spans

PATH_SEPARATOR = " › "
RecordLookup = Callable[[str], DocumentRecord | None]
Span = tuple[int, int]

# ASCII punctuation that Markdown gives a meaning to; a backslash makes each literal (CommonMark).
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,;:") + "…"


def escape_html(text: str) -> str:
    return escape(text, quote=True)


def escape_markdown(text: str) -> str:
    """Text shown literally inside a Markdown-rendering component (the chat): no Markdown, no HTML."""
    return escape_html(_MARKDOWN_SPECIALS.sub(r"\\\1", text))


def _with_line_breaks(escaped: str) -> str:
    return escaped.replace("\n", "<br>")


def _marked(text: str, spans: Sequence[Span], css_class: str, *, markdown: bool) -> str:
    """``text`` escaped, each of ``spans`` (sorted, not overlapping) wrapped in ``<mark class=css_class>``;
    spans are clipped to the text and empty ones mark nothing."""
    quote = escape_markdown if markdown else escape_html
    pieces: list[str] = []
    position = 0
    for start, end in spans:
        start, end = max(position, min(start, len(text))), max(0, min(end, len(text)))
        if end <= start:
            continue
        pieces += [
            quote(text[position:start]),
            f'<mark class="{css_class}">',
            quote(text[start:end]),
            "</mark>",
        ]
        position = end
    pieces.append(quote(text[position:]))
    return _with_line_breaks("".join(pieces))


def highlight_span(text: str, start: int, end: int, *, markdown: bool = False) -> str:
    """``text`` escaped, with [start, end) wrapped in ``<mark>``; an empty or outside span marks nothing.

    ``markdown``: the result goes into a Markdown-rendering component, so Markdown is escaped too.
    """
    return _marked(text, [(start, end)], "vk-support", markdown=markdown)


def highlight_matches(text: str, query: str, *, markdown: bool = False) -> str:
    """``text`` escaped, with the words of ``query`` marked where the search service marks them."""
    spans = [(h.start, h.end) for h in highlight_spans(text, query)]
    return _marked(text, spans, "vk-match", markdown=markdown)


# ------------------------------------------------------------------------------------- documents


def format_date(value: date | str | None) -> str:
    """A date as Vietnamese documents write it: 02/12/2021."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            return value
        return parsed.strftime("%d/%m/%Y")
    return value.strftime("%d/%m/%Y")


def document_label(record: DocumentRecord) -> str:
    """The document as people name it (type, issuer or place, number and date or year: one naming for
    citations, filters, tables and exports, :func:`assistant.services.labels.document_name`)."""
    return document_name(record.metadata, record.file_name)


def own_span(sections: Sequence[Section], section_id: str) -> tuple[int, int] | None:
    """The span of a section's own text: its heading and body up to its first subsection."""
    for position, section in enumerate(sections):
        if section.id != section_id:
            continue
        end = section.end
        if position + 1 < len(sections) and sections[position + 1].start < section.end:
            end = max(sections[position + 1].start, section.start)
        return section.start, end
    return None


@dataclass(frozen=True)
class SectionView:
    """A section to show: its path, its own text, and where that text starts in the document."""

    path: tuple[str, ...]
    text: str
    offset: int


def _view(record: DocumentRecord, section: Section, start: int, end: int) -> SectionView:
    raw = record.text[start:end]
    leading = len(raw) - len(raw.lstrip("\n"))
    return SectionView(section.path, raw.strip("\n"), start + leading)


def section_view(
    record: DocumentRecord, section_id: str, must_cover: Span | None = None
) -> SectionView | None:
    """The section's own text; its whole text when the span ``must_cover`` lies in a subsection."""
    span = own_span(record.sections, section_id)
    if span is None:
        return None
    section = next(s for s in record.sections if s.id == section_id)
    start, end = span
    if must_cover is not None and not (start <= must_cover[0] and must_cover[1] <= end):
        start, end = section.start, section.end
    return _view(record, section, start, end)


def passage_section_view(record: DocumentRecord, section_id: str, passage: str) -> SectionView | None:
    """The section's own text when it holds ``passage`` (a passage found in it), else its whole text."""
    own = section_view(record, section_id)
    if own is None or passage in own.text:
        return own
    section = next(s for s in record.sections if s.id == section_id)
    return _view(record, section, section.start, section.end)


def section_tree_html(record: DocumentRecord) -> str:
    """The document's identity and its section tree; each heading opens the section's own text."""
    meta = record.metadata
    facts = [
        ("Tệp", record.file_name),
        ("Loại", meta.doc_type or ""),
        ("Số hiệu", meta.number or ""),
        ("Ngày", format_date(meta.date)),
        ("Cơ quan ban hành", " / ".join(meta.issuers)),
        ("Địa bàn", meta.locality or ""),
        ("Thời kỳ", meta.period or ""),
        ("Trích yếu", meta.title or ""),
        (
            "Người ký",
            f"{meta.signer} ({meta.signer_title})"
            if meta.signer and meta.signer_title
            else meta.signer or "",
        ),
    ]
    rows = "".join(
        f"<tr><th>{escape_html(name)}</th><td>{escape_html(value)}</td></tr>"
        for name, value in facts
        if value
    )
    parts = [f'<div class="vk-doc"><table class="vk-facts">{rows}</table>', '<div class="vk-tree">']
    for section in record.sections:
        span = own_span(record.sections, section.id)
        body = record.text[span[0] : span[1]].strip() if span else ""
        heading = section.heading or ("(Phần mở đầu)" if section.id == "0" else section.id)
        indent = max(section.level - 1, 0) * 1.2
        parts.append(
            f'<details class="vk-node" style="margin-left:{indent:.1f}em" data-section="{escape_html(section.id)}">'
            f"<summary>{escape_html(heading)}</summary>"
            f'<div class="vk-section-text">{_with_line_breaks(escape_html(body))}</div></details>'
        )
    parts.append("</div></div>")
    return "".join(parts)


# --------------------------------------------------------------------------------------- search

SNIPPET_CHARS = 360


def search_results_html(hits: Sequence[SearchHit], query: str, lookup: RecordLookup) -> str:
    """Ranked section cards: the passage with the query's words marked; opened, the whole section."""
    if not hits:
        return '<p class="vk-empty">Không tìm thấy mục nào phù hợp.</p>'
    return f'<div class="vk-results">{"".join(_result_card(hit, query, lookup) for hit in hits)}</div>'


def _result_card(hit: SearchHit, query: str, lookup: RecordLookup) -> str:
    record = lookup(hit.doc_id)
    label = document_label(record) if record is not None else hit.file_name
    view = passage_section_view(record, hit.section_id, hit.text) if record else None
    snippet = hit.text if len(hit.text) <= SNIPPET_CHARS else hit.text[:SNIPPET_CHARS] + "…"
    # The snippet is the start of the passage: the search service's marks of the passage apply to it.
    marks = [(h.start, min(h.end, SNIPPET_CHARS)) for h in hit.highlights if h.start < SNIPPET_CHARS]
    section_text = view.text if view is not None else hit.text
    return (
        f'<details class="vk-card vk-result" data-doc="{escape_html(hit.doc_id)}" '
        f'data-section="{escape_html(hit.section_id)}">'
        f'<summary><span class="vk-rank">{hit.rank}</span> <strong>{escape_html(label)}</strong>'
        f'<div class="vk-path">{escape_html(PATH_SEPARATOR.join(hit.section_path))}</div>'
        f'<div class="vk-snippet">{_marked(snippet, marks, "vk-match", markdown=False)}</div></summary>'
        f'<div class="vk-section-text">{highlight_matches(section_text, query)}</div></details>'
    )
