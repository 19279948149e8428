"""The data that flows through ingestion: loaded text, normalised text, parsed document, chunks.

Spans (``start``/``end``) are character offsets into the *normalised* text of the document
(:attr:`NormalizedText.text`), end-exclusive. :meth:`NormalizedText.source_span` maps them back to
the loaded text, so a passage can always be shown as it stands in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from ingestion.errors import CodedError

FileFormat = Literal["txt", "md", "docx", "pdf"]


class IngestError(CodedError):
    """A file that cannot be ingested. ``code`` is stable (API, CLI exit reports); ``message`` is Vietnamese."""


@dataclass(frozen=True)
class LoadedText:
    """What a loader extracted from a file: Unicode text, not yet normalised."""

    text: str
    file_format: FileFormat
    # How the bytes were decoded: "utf-8", "utf-16", "windows-1258", "tcvn3", "vni"; None for docx/pdf.
    encoding: str | None = None
    # Offset in ``text`` where each page starts (PDF only; page n+1 starts at page_offsets[n]).
    page_offsets: tuple[int, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """1-based page number of a character offset in ``text``, or None when the format has no pages."""
        if not self.page_offsets:
            return None
        page = 0
        for i, start in enumerate(self.page_offsets):
            if start <= offset:
                page = i + 1
            else:
                break
        return max(page, 1)


@dataclass(frozen=True)
class NormalizedText:
    """Clean Unicode text, with a map from each of its characters back to the loaded text."""

    text: str
    # source_offsets[i] is the offset in the loaded text of character i; one extra entry for the end.
    source_offsets: tuple[int, ...]
    # Spans [start, end) of ``text`` that the source marked as bold or as a Markdown heading (a heading signal).
    bold_spans: tuple[tuple[int, int], ...] = ()

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The span in the loaded text that the normalised span [start, end) came from."""
        return self.source_offsets[start], self.source_offsets[end]


@dataclass(frozen=True)
class DocumentMetadata:
    """What the header (or, failing that, the body) says about a document."""

    issuers: tuple[str, ...] = ()  # e.g. ("ĐẢNG BỘ TỈNH BÌNH DƯƠNG", "HUYỆN ỦY BẮC TÂN UYÊN")
    number: str | None = None  # "250/BC-UBND", "09-NQ/HU"
    doc_type: str | None = None  # "Báo cáo", "Nghị quyết", "Luật", ...
    title: str | None = None  # the title after the type line, one line
    place: str | None = None  # "Bắc Tân Uyên"
    date: date | None = None
    locality: str | None = None  # the locality the document is about: "Bắc Tân Uyên", "Tiểu Cần"
    period: str | None = None  # "2021", "2020-2025"
    year: int | None = None  # the year of the date, else the last year of the period
    # From the signature block at the end (ingestion.signature), as written: the person's name ("Thái Thanh Bình")
    # and the position lines joined with " – ", markers removed ("TM. ỦY BAN NHÂN DÂN – CHỦ TỊCH").
    signer: str | None = None
    signer_title: str | None = None


@dataclass(frozen=True)
class Section:
    """One node of the section tree. The root-level preamble (text before the first heading) is a section too."""

    id: str  # stable within the document: dotted sibling ordinals, e.g. "1.2.1.1.7.1"; "0" for the preamble
    parent_id: str | None
    level: int  # 1 for top-level sections
    number: str | None  # the numbering token as written: "Phần thứ nhất", "B.", "1.7.1.", "a)", "Điều 5."
    heading: str  # the heading as written (without content that follows a colon)
    path: tuple[str, ...]  # headings from the top level down to this one
    start: int  # start of the heading in the normalised text
    body_start: int  # where the body starts (after the heading, or after "heading:" on the same line)
    end: int  # end of the section including its subsections
    page: int | None = None


@dataclass(frozen=True)
class ParsedDocument:
    metadata: DocumentMetadata
    sections: tuple[Section, ...]  # pre-order
    text: str  # the normalised text the spans refer to


@dataclass(frozen=True)
class Chunk:
    """A passage to index: never crosses a section boundary."""

    index: int  # position in the document's chunk list
    section_id: str
    section_path: tuple[str, ...]
    heading: str
    text: str  # the passage as shown (a slice of the normalised text)
    embed_text: str  # short context header (document identity + section path) + the passage
    start: int
    end: int
    # The same span in the loaded text (the file as decoded), for matching quotes against the file.
    source_start: int
    source_end: int
    page: int | None = None


class ChunkAttributes:
    """The chunk's own attributes on a type that holds a ``chunk`` (a stored chunk, a retrieved passage),
    so that each reads ``x.text``, ``x.section_path``… without a copy of the fields."""

    chunk: Chunk

    @property
    def text(self) -> str:
        return self.chunk.text

    @property
    def section_id(self) -> str:
        return self.chunk.section_id

    @property
    def section_path(self) -> tuple[str, ...]:
        return self.chunk.section_path

    @property
    def heading(self) -> str:
        return self.chunk.heading

    @property
    def index(self) -> int:
        return self.chunk.index

    @property
    def embed_text(self) -> str:
        return self.chunk.embed_text

    @property
    def start(self) -> int:
        return self.chunk.start

    @property
    def end(self) -> int:
        return self.chunk.end

    @property
    def source_start(self) -> int:
        return self.chunk.source_start

    @property
    def source_end(self) -> int:
        return self.chunk.source_end

    @property
    def page(self) -> int | None:
        return self.chunk.page


@dataclass(frozen=True)
class DocumentRecord:
    """A document as the store knows it: identity, content hash, metadata, section tree, text."""

    doc_id: str
    file_name: str
    content_hash: str
    file_format: FileFormat
    encoding: str | None
    metadata: DocumentMetadata
    sections: tuple[Section, ...]
    text: str
    chunk_count: int = 0
    ingested_at: str = ""  # ISO timestamp, UTC
    extra: dict[str, str] = field(default_factory=dict)
