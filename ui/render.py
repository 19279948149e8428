"""HTML and chat-message rendering for the UI. Pure functions: no Gradio, no store.

Every piece of text that comes from a document, a question or the system is escaped here before it
reaches the page: a document containing ``<script>`` shows it as text. Only the tags this module
writes itself (``mark``, ``details``, ``div``…) are markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from ingestion.model import DocumentRecord, Section
from ingestion.textnorm import fold, strip_diacritics
from vectorstore.retriever import ScoredPassage

PATH_SEPARATOR = " › "
RecordLookup = Callable[[str], DocumentRecord | None]

# ASCII punctuation that Markdown gives a meaning to; a backslash makes each literal (CommonMark).
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")
_WORD = re.compile(r"\d+(?:[.,/]\d+)*|[^\W\d_]+")
# Function words of questions ("của", "là", "bao nhiêu"): marking them would light up every line.
_UNMARKED_WORDS = frozenset(
    [
        "của",
        "là",
        "và",
        "có",
        "các",
        "những",
        "được",
        "trong",
        "theo",
        "với",
        "cho",
        "về",
        "đã",
        "đang",
        "sẽ",
        "thì",
        "bao",
        "nhiêu",
        "gì",
        "nào",
        "ra",
        "sao",
        "như",
        "thế",
        "này",
        "đó",
        "khi",
        "nào",
        "ở",
        "tại",
        "từ",
        "đến",
        "năm",
        "bị",
        "do",
        "mà",
        "hay",
        "hoặc",
        "không",
        "một",
    ]
)


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


def highlight_span(text: str, start: int, end: int, *, markdown: bool = False) -> str:
    """``text`` escaped, with [start, end) wrapped in ``<mark>``; an empty or outside span marks nothing.

    ``markdown``: the result goes into a Markdown-rendering component, so Markdown is escaped too.
    """
    quote = escape_markdown if markdown else escape_html
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    if end <= start:
        return _with_line_breaks(quote(text))
    return _with_line_breaks(
        quote(text[:start])
        + '<mark class="vk-support">'
        + quote(text[start:end])
        + "</mark>"
        + quote(text[end:])
    )


def query_terms(query: str) -> frozenset[str]:
    """The words of a query worth marking in results, folded (and bare, for queries typed without marks)."""
    words = {w for w in _WORD.findall(fold(query)) if w not in _UNMARKED_WORDS}
    return frozenset(words | {strip_diacritics(w) for w in words if strip_diacritics(w) == w})


def highlight_terms(text: str, terms: Iterable[str], *, markdown: bool = False) -> str:
    """``text`` escaped, with every word whose folded form (or bare form) is in ``terms`` marked."""
    quote = escape_markdown if markdown else escape_html
    wanted = frozenset(terms)
    if not wanted:
        return _with_line_breaks(quote(text))
    pieces: list[str] = []
    position = 0
    for match in _WORD.finditer(text):
        word = fold(match.group(0))
        if word in wanted or strip_diacritics(word) in wanted:
            pieces.append(quote(text[position : match.start()]))
            pieces.append(f'<mark class="vk-match">{quote(match.group(0))}</mark>')
            position = match.end()
    pieces.append(quote(text[position:]))
    return _with_line_breaks("".join(pieces))


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
    """'Báo cáo số 250/BC-UBND ngày 02/12/2021', else the title, else the file name (plain text)."""
    meta = record.metadata
    parts = [meta.doc_type or "Văn bản"]
    if meta.number:
        parts.append(f"số {meta.number}")
    if meta.date:
        parts.append(f"ngày {format_date(meta.date)}")
    if len(parts) == 1:
        parts.append(f"“{meta.title}”" if meta.title else record.file_name)
    return " ".join(parts)


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


def section_view(
    record: DocumentRecord, section_id: str, must_cover: tuple[int, int] | None = None
) -> SectionView | None:
    """The section's own text; its whole text when the span ``must_cover`` lies in a subsection."""
    span = own_span(record.sections, section_id)
    if span is None:
        return None
    section = next(s for s in record.sections if s.id == section_id)
    start, end = span
    if must_cover is not None and not (start <= must_cover[0] and must_cover[1] <= end):
        start, end = section.start, section.end
    raw = record.text[start:end]
    leading = len(raw) - len(raw.lstrip("\n"))
    return SectionView(section.path, raw.strip("\n"), start + leading)


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


def search_results_html(passages: Sequence[ScoredPassage], query: str, lookup: RecordLookup) -> str:
    """Ranked section cards: the passage with the query's words marked; opened, the whole section."""
    if not passages:
        return '<p class="vk-empty">Không tìm thấy mục nào phù hợp.</p>'
    terms = query_terms(query)
    cards = []
    for rank, passage in enumerate(passages, start=1):
        record = lookup(passage.doc_id)
        label = document_label(record) if record is not None else passage.file_name
        view = section_view(record, passage.section_id, (passage.start, passage.end)) if record else None
        snippet = passage.text if len(passage.text) <= SNIPPET_CHARS else passage.text[:SNIPPET_CHARS] + "…"
        section_text = view.text if view is not None else passage.text
        cards.append(
            f'<details class="vk-card vk-result" data-doc="{escape_html(passage.doc_id)}" '
            f'data-section="{escape_html(passage.section_id)}">'
            f'<summary><span class="vk-rank">{rank}</span> <strong>{escape_html(label)}</strong>'
            f'<div class="vk-path">{escape_html(PATH_SEPARATOR.join(passage.section_path))}</div>'
            f'<div class="vk-snippet">{highlight_terms(snippet, terms)}</div></summary>'
            f'<div class="vk-section-text">{highlight_terms(section_text, terms)}</div></details>'
        )
    return f'<div class="vk-results">{"".join(cards)}</div>'
