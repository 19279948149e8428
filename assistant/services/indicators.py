"""Indicator records for people: filtered, paginated, each with the document it comes from and a citation.

The records are extracted at ingest (``ingestion.indicators``) and stored with their document
(``vectorstore.indicator_table``); this service names the documents and turns records into rows that
the CLI, the API and the UI's "Chỉ tiêu" tab show alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from assistant.answering import IsoDate
from assistant.services.labels import document_name
from ingestion.errors import CodedError
from ingestion.indicators import INDICATOR_KINDS, Fraction, IndicatorKind, Range
from ingestion.model import DocumentMetadata
from ingestion.textnorm import fold
from vectorstore.indicator_table import IndicatorQuery, StoredIndicator

KIND_LABELS: dict[IndicatorKind, str] = {
    "result": "kết quả",
    "estimate": "ước thực hiện",
    "target": "chỉ tiêu",
    "growth": "tăng/giảm",
    "share_of_plan": "tỷ lệ đạt kế hoạch",
}
BOUND_LABELS = {"above": "trên", "below": "dưới", "at_least": "từ"}
MAX_PAGE_SIZE = 500


class IndicatorSource(Protocol):
    """Where records are read from: the store (a server) or its manifest alone (the CLI, read-only)."""

    def indicators(
        self, query: IndicatorQuery, *, limit: int | None = None, offset: int = 0
    ) -> tuple[list[StoredIndicator], int]: ...

    def document_heads(self) -> dict[str, tuple[str, DocumentMetadata]]: ...


class IndicatorCitation(BaseModel):
    doc_id: str
    document: str = Field(
        description="Tên văn bản: loại, số hiệu, ngày", examples=["Báo cáo số 250/BC-UBND ngày 02/12/2021"]
    )
    doc_number: str | None
    date: IsoDate
    issuer: str | None
    section_id: str | None
    section_path: list[str]
    sentence: str = Field(description="Câu chứa số liệu, như trong văn bản")
    sentence_start: int = Field(description="Vị trí câu trong toàn văn của văn bản")
    sentence_end: int
    value_start: int = Field(description="Vị trí con số trong toàn văn")
    value_end: int


class IndicatorRow(BaseModel):
    indicator: str = Field(
        description="Chỉ tiêu, như trong văn bản", examples=["Giá trị sản xuất ngành công nghiệp"]
    )
    key: str = Field(description="Khoá nhóm: cùng chỉ tiêu ở các văn bản có cùng khoá")
    value_text: str = Field(examples=["4.731 tỷ đồng"])
    value: float | None = Field(description="Giá trị (số đơn) theo `unit`")
    low: float | None = Field(default=None, description="Khoảng giá trị: cận dưới")
    high: float | None = Field(default=None, description="Khoảng giá trị: cận trên")
    numerator: float | None = Field(default=None, description="Dạng phân số «08/08»: tử số")
    denominator: float | None = None
    unit: str = Field(examples=["tỷ đồng", "%", "xã"])
    bound: Literal["above", "below", "at_least"] | None
    period: str | None = Field(examples=["2021", "2020-2025", "đến 2030"])
    year: int | None = Field(description="Năm cuối của kỳ số liệu")
    kind: IndicatorKind
    kind_label: str = Field(examples=["kết quả", "chỉ tiêu"])
    locality: str | None
    citation: IndicatorCitation


class IndicatorPage(BaseModel):
    total: int = Field(description="Số bản ghi khớp bộ lọc")
    page: int
    page_size: int
    results: list[IndicatorRow]


def indicator_row(stored: StoredIndicator, heads: Mapping[str, tuple[str, DocumentMetadata]]) -> IndicatorRow:
    record = stored.record
    file_name, meta = heads.get(stored.doc_id, (stored.doc_id, DocumentMetadata()))
    value = record.value
    shape: dict[str, float | None] = {"value": None}
    if isinstance(value, Range):
        shape |= {"low": value.low, "high": value.high}
    elif isinstance(value, Fraction):
        shape |= {"numerator": value.numerator, "denominator": value.denominator}
    else:
        shape["value"] = value
    return IndicatorRow(
        indicator=record.indicator,
        key=record.key,
        value_text=record.value_text,
        unit=record.unit,
        bound=record.bound,
        period=record.period,
        year=record.years[1],
        kind=record.kind,
        kind_label=KIND_LABELS[record.kind],
        locality=stored.locality,
        citation=IndicatorCitation(
            doc_id=stored.doc_id,
            document=document_name(meta, file_name),
            doc_number=meta.number,
            date=meta.date.isoformat() if meta.date else None,
            issuer=meta.issuers[-1] if meta.issuers else None,
            section_id=record.section_id,
            section_path=list(stored.section_path),
            sentence=stored.sentence,
            sentence_start=record.sentence_start,
            sentence_end=record.sentence_end,
            value_start=record.value_start,
            value_end=record.value_end,
        ),
        **shape,
    )


def list_indicators(
    store: IndicatorSource, query: IndicatorQuery, *, page: int = 1, page_size: int = 50
) -> IndicatorPage:
    """One page of the records matching ``query``, grouped by indicator key, then period and document."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    found, total = store.indicators(query, limit=page_size, offset=(max(page, 1) - 1) * page_size)
    heads = store.document_heads() if found else {}
    return IndicatorPage(
        total=total, page=page, page_size=page_size, results=[indicator_row(s, heads) for s in found]
    )


def all_indicators(store: IndicatorSource, query: IndicatorQuery) -> list[IndicatorRow]:
    """Every record matching ``query`` (for a table, a chart or an export)."""
    found, _ = store.indicators(query)
    heads = store.document_heads() if found else {}
    return [indicator_row(s, heads) for s in found]


def parse_kinds(values: Sequence[str]) -> tuple[IndicatorKind, ...]:
    """Kinds as given by a user: the API names ("target") or the Vietnamese labels ("chỉ tiêu")."""
    by_name: dict[str, IndicatorKind] = {kind: kind for kind in INDICATOR_KINDS}
    by_name |= {fold(label): kind for kind, label in KIND_LABELS.items()}
    kinds: list[IndicatorKind] = []
    for value in values:
        kind = by_name.get(fold(value.strip()))
        if kind is None:
            raise CodedError(
                "invalid_kind",
                "Loại số liệu không hợp lệ. Chọn một trong: "
                + ", ".join(f"{k} ({label})" for k, label in KIND_LABELS.items())
                + ".",
                detail=value,
            )
        kinds.append(kind)
    return tuple(dict.fromkeys(kinds))


def resolve_documents(source: IndicatorSource, keys: Sequence[str]) -> tuple[str, ...]:
    """Document ids for keys given by a user: an id, a file name (with or without suffix) or a số hiệu."""
    if not keys:
        return ()
    heads = source.document_heads()
    found: list[str] = []
    for key in keys:
        wanted = key.strip()
        matches = [
            doc_id
            for doc_id, (file_name, meta) in heads.items()
            if wanted in (doc_id, file_name, PurePath(file_name).stem)
            or (meta.number is not None and fold(meta.number) == fold(wanted))
        ]
        if not matches:
            raise CodedError(
                "document_not_found",
                "Không tìm thấy văn bản này trong kho (mã, tên tệp hoặc số hiệu).",
                detail=key,
            )
        found.extend(matches)
    return tuple(dict.fromkeys(found))


def indicator_query(
    source: IndicatorSource,
    *,
    search: str = "",
    localities: Sequence[str] = (),
    year: int | None = None,
    kinds: Sequence[str] = (),
    documents: Sequence[str] = (),
) -> IndicatorQuery:
    """The query for filters as a user gives them (CLI options, API parameters, UI fields)."""
    return IndicatorQuery(
        search=search.strip(),
        year=year,
        kinds=parse_kinds(kinds),
        localities=tuple(v.strip() for v in localities if v.strip()),
        doc_ids=resolve_documents(source, documents),
    )
