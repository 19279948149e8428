"""The one passage type: a stored chunk with its document record and how retrieval scored it.

Everything downstream of retrieval (the answerers, verification, citations, the search results, the
API models built with pydantic's ``from_attributes``, the evaluation runner through a structural
protocol) reads these attributes; nothing copies them field by field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ingestion.model import Chunk, ChunkAttributes, DocumentMetadata, DocumentRecord


@dataclass(frozen=True, eq=False)
class Passage(ChunkAttributes):
    """A retrieved passage and the document it comes from.

    Fields:
        chunk_id: the store's id of the chunk, ``"{doc_id}@{version}#{index}"``.
        chunk: the chunk itself (:class:`ingestion.model.Chunk`).
        record: the document's record as the store holds it (identity, metadata, sections, text).
        score: the fused retrieval score (higher is better; 0.0 for a passage looked up, not ranked).
        dense_rank, lexical_rank: 0-based rank in the dense and lexical candidate lists, None when absent.

    Read-only attributes (properties) over them:
        of the chunk: ``text`` (the passage as shown), ``section_id``, ``section_path`` (tuple of headings,
        outermost first), ``heading``, ``start``/``end`` (span in the document's normalised text),
        ``source_start``/``source_end`` (span in the file's text as decoded), ``page`` (None if unknown);
        of the document: ``doc_id``, ``file_name`` (as ingested), ``metadata``
        (:class:`ingestion.model.DocumentMetadata`), and under the names the API shows them: ``title``,
        ``doc_type``, ``doc_number``, ``date`` (a ``datetime.date`` or None), ``issuer`` (the issuers
        joined with " / ", or None), ``locality``.

    Compared by identity (``eq=False``): comparing field by field would compare whole document texts;
    callers that mean "the same chunk" compare ``chunk_id``.
    """

    chunk_id: str
    chunk: Chunk
    record: DocumentRecord
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None

    # ------------------------------------------------------------------ the document
    @property
    def doc_id(self) -> str:
        return self.record.doc_id

    @property
    def file_name(self) -> str:
        return self.record.file_name

    @property
    def metadata(self) -> DocumentMetadata:
        return self.record.metadata

    @property
    def title(self) -> str | None:
        return self.record.metadata.title

    @property
    def doc_type(self) -> str | None:
        return self.record.metadata.doc_type

    @property
    def doc_number(self) -> str | None:
        return self.record.metadata.number

    @property
    def date(self) -> date | None:
        return self.record.metadata.date

    @property
    def issuer(self) -> str | None:
        issuers = self.record.metadata.issuers
        return " / ".join(issuers) if issuers else None

    @property
    def locality(self) -> str | None:
        return self.record.metadata.locality


class PassageView:
    """A passage with a few values of its own for one use (a citation's number, a search hit's rank).

    For pydantic's ``from_attributes``: a model validated from a view reads the view's values first, then
    the passage's attributes, so an API model is built from one object, not field by field.
    """

    def __init__(self, passage: Passage, /, **values: Any) -> None:
        self._passage = passage
        self._values = values

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__["_values"]
        return values[name] if name in values else getattr(self.__dict__["_passage"], name)
