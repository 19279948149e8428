"""The chat of the Hỏi đáp tab (:mod:`ui.tabs.ask`): an answer's events turned into chat messages.

Messages are Gradio's ``messages`` dicts. The answer comes first; each citation follows it as a
collapsed card (a "thought" message with a title) whose body is the whole section with the supporting
sentence marked. Everything from documents or the user is escaped (:mod:`ui.render`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from assistant.services.asking import (
    ABSTAIN_CLOSEST,
    AskFilters,
    AskResponse,
    Citation,
    RetrievedPassage,
    StreamEvent,
)
from ui.render import (
    PATH_SEPARATOR,
    RecordLookup,
    document_label,
    escape_markdown,
    format_date,
    highlight_matches,
    highlight_span,
    section_view,
    shorten,
)

Message = dict[str, Any]

# Long titles ("TIẾP TỤC XÂY DỰNG ĐẢNG BỘ…", 200+ characters) are cut on the card; the section shows all.
TITLE_CHARS = 90
# How many of the closest sections an abstention shows.
CLOSEST_SHOWN = 3
FILTER_NOTE = "Bộ lọc đang dùng (câu trả lời có thể nằm ngoài bộ lọc): "
ABSTAIN_NOTICE = "Trợ lý không đưa ra câu trả lời vì không tìm thấy căn cứ trong văn bản."


def citation_label(citation: Citation) -> str:
    """'[1] Báo cáo số 250/BC-UBND ngày 02/12/2021 · KIỂM ĐIỂM…' (plain text)."""
    parts = [citation.doc_type or "Văn bản"]
    if citation.doc_number:
        parts.append(f"số {citation.doc_number}")
    if citation.date:
        parts.append(f"ngày {format_date(citation.date)}")
    label = " ".join(parts)
    if citation.title:
        label += f" · {shorten(citation.title, TITLE_CHARS)}"
    elif len(parts) == 1:
        label += f" · {citation.file_name}"
    return f"[{citation.number}] {label}"


def citation_card(citation: Citation, lookup: RecordLookup) -> Message:
    """A collapsed card; opened, it shows the section with the supporting sentence marked."""
    path = PATH_SEPARATOR.join(citation.section_path)
    record = lookup(citation.doc_id)
    span = (citation.supporting_start, citation.supporting_end)
    view = section_view(record, citation.section_id, must_cover=span) if record else None
    if view is None:
        # The document changed or went away since the answer: show the cited passage itself.
        sentence_at = citation.passage.find(citation.supporting_sentence)
        body = highlight_span(
            citation.passage, sentence_at, sentence_at + len(citation.supporting_sentence), markdown=True
        )
    else:
        body = highlight_span(view.text, span[0] - view.offset, span[1] - view.offset, markdown=True)
    return {
        "role": "assistant",
        "content": body,
        "metadata": {
            # The document by its readable name when the store still has it (type, issuer, number, date).
            "title": escape_markdown(
                f"[{citation.number}] {document_label(record)}" if record else citation_label(citation)
            ),
            "log": path,
            "status": "done",
        },
    }


def closest_card(rank: int, passage: RetrievedPassage, question: str, lookup: RecordLookup) -> Message:
    """One of the sections found nearest to a question the assistant did not answer."""
    record = lookup(passage.doc_id)
    label = document_label(record) if record is not None else passage.file_name
    path = PATH_SEPARATOR.join(passage.section_path)
    return {
        "role": "assistant",
        "content": highlight_matches(passage.text, question, markdown=True),
        "metadata": {
            "title": escape_markdown(f"Mục gần {rank}: {label}"),
            "log": path,
            "status": "done",
        },
    }


def filter_note(filters: AskFilters, lookup: RecordLookup) -> str | None:
    """The filters in force, named as people read them ("Bộ lọc đang dùng: văn bản Báo cáo số …; năm
    2023"): a declined answer under a filter says so, since the answer may lie outside it."""
    parts = []
    if filters.documents:
        names = [document_label(r) if (r := lookup(d)) else d for d in filters.documents]
        parts.append("văn bản " + ", ".join(names))
    if filters.localities:
        parts.append("địa phương " + ", ".join(filters.localities))
    if filters.doc_types:
        parts.append("loại " + ", ".join(filters.doc_types))
    years = sorted({y for y in (filters.year_from, filters.year_to) if y is not None})
    if years:
        parts.append("năm " + "–".join(map(str, years)))
    return f"{FILTER_NOTE}{'; '.join(parts)}." if parts else None


def answer_text(response: AskResponse, note: str | None = None) -> str:
    """The final answer (escaped), with verification notices, or the abstention notice (naming the
    filters in force, ``note``)."""
    if response.abstained:
        text = f"**{escape_markdown(ABSTAIN_NOTICE)}**<br>{escape_markdown(response.answer)}"
        if note:
            text += f"<br><em>{escape_markdown(note)}</em>"
        if response.retrieved:
            text += f"<br>{escape_markdown(ABSTAIN_CLOSEST)}"
    else:
        text = escape_markdown(response.answer)
    for notice in response.notices:
        text += f"<br><em>{escape_markdown(notice)}</em>"
    return text


def copy_text(response: AskResponse, lookup: RecordLookup) -> str:
    """The answer as an official pastes it into a report: plain text, then one line per source naming the
    document (type, issuer, number and date) and the section ("[1] Báo cáo số 250/BC-UBND … , mục 5.4")."""
    lines = [response.answer]
    # An other-period answer is declined but shown with its sources: they are copied too.
    for citation in response.citations:
        record = lookup(citation.doc_id)
        name = document_label(record) if record else citation.file_name
        section = citation.section_path[-1] if citation.section_path else ""
        lines.append(f"[{citation.number}] {name}" + (f", mục {section}" if section else ""))
    return "\n".join(lines)


def final_messages(response: AskResponse, lookup: RecordLookup, note: str | None = None) -> list[Message]:
    """The answer message and its cards: citations, or the closest sections when it abstained."""
    css_class = "vk-abstained" if response.abstained else "vk-answer"
    messages: list[Message] = [
        {"role": "assistant", "content": f'<span class="{css_class}">{answer_text(response, note)}</span>'}
    ]
    if response.abstained:
        closest = response.retrieved[:CLOSEST_SHOWN]
        messages += [closest_card(i, p, response.question, lookup) for i, p in enumerate(closest, start=1)]
    else:
        messages += [citation_card(c, lookup) for c in response.citations]
    return messages


def stream_chat(
    question: str,
    events: Iterable[StreamEvent],
    lookup: RecordLookup,
    messages: Sequence[Message],
    note: str | None = None,
) -> Iterator[tuple[list[Message], AskResponse | None]]:
    """Yield the chat as it grows: the question, the answer a few words at a time, then the cards.

    ``events`` are the answer's (:func:`assistant.services.asking.stream_answer`). The last item carries
    the response, so the caller can remember the turn for follow-ups.
    """
    shown = [*messages, {"role": "user", "content": escape_markdown(question)}]
    partial = ""
    yield [*shown, {"role": "assistant", "content": "…"}], None
    for event in events:
        if event.kind == "token":
            partial += escape_markdown(event.text)
            yield [*shown, {"role": "assistant", "content": partial}], None
        elif event.kind == "done" and event.response is not None:
            yield [*shown, *final_messages(event.response, lookup, note)], event.response
