"""The manifest's table of indicator records (ingestion.indicators): one row per figure statement.

Rows are written in the same transaction as the document's version swap and deleted with the document,
so the table always describes the current documents. A store opened for writing re-extracts them when
:data:`ingestion.indicators.EXTRACTOR_VERSION` changed (from the stored text: no re-embedding).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ingestion.indicators import (
    Bound,
    Fraction,
    IndicatorKind,
    IndicatorRecord,
    IndicatorValue,
    Range,
    period_years,
)
from ingestion.model import DocumentRecord
from ingestion.textnorm import fold, strip_diacritics

INDICATOR_SCHEMA = """
CREATE TABLE IF NOT EXISTS indicators (
    doc_id TEXT NOT NULL REFERENCES documents (doc_id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    indicator TEXT NOT NULL,
    key TEXT NOT NULL,
    search_text TEXT NOT NULL,
    value_text TEXT NOT NULL,
    value_shape TEXT NOT NULL,
    value_a REAL NOT NULL,
    value_b REAL,
    unit TEXT NOT NULL,
    period TEXT,
    year_from INTEGER,
    year_to INTEGER,
    kind TEXT NOT NULL,
    bound TEXT,
    locality TEXT,
    locality_key TEXT,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    value_start INTEGER NOT NULL,
    value_end INTEGER NOT NULL,
    sentence_start INTEGER NOT NULL,
    sentence_end INTEGER NOT NULL,
    section_id TEXT,
    section_path TEXT NOT NULL,
    sentence TEXT NOT NULL,
    PRIMARY KEY (doc_id, idx)
);
CREATE INDEX IF NOT EXISTS indicators_by_key ON indicators (key);
CREATE INDEX IF NOT EXISTS indicators_by_year ON indicators (year_to)
"""
# The meta key holding the extractor version the rows were made with.
EXTRACTOR_META_KEY = "indicator_extractor"
_COLUMNS = (
    "doc_id, idx, indicator, key, search_text, value_text, value_shape, value_a, value_b, unit, period, "
    'year_from, year_to, kind, bound, locality, locality_key, start, "end", value_start, value_end, '
    "sentence_start, sentence_end, section_id, section_path, sentence"
)


def search_key(text: str) -> str:
    """How indicator phrases, search text and localities are compared: folded, no diacritics, one space."""
    return " ".join(strip_diacritics(fold(text)).split())


@dataclass(frozen=True)
class StoredIndicator:
    """An indicator record of a stored document, with what a listing shows without the document: its
    locality, the section path and the sentence (``record``'s sentence offsets are into the document)."""

    doc_id: str
    index: int  # position among the document's records
    record: IndicatorRecord
    locality: str | None
    section_path: tuple[str, ...]
    sentence: str


@dataclass(frozen=True)
class IndicatorQuery:
    """Filters over the stored records; every given filter must hold.

    ``search``: words of the indicator phrase (folded, diacritics optional: "ho ngheo" finds "hộ nghèo");
    ``year``: the period is that year or ends in it (a term 2020–2025 or "đến 2025" for 2025);
    ``kinds``/``localities``/``doc_ids``: any of these.
    """

    search: str = ""
    year: int | None = None
    kinds: tuple[IndicatorKind, ...] = ()
    localities: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        for word in search_key(self.search).split():
            clauses.append("search_text LIKE ? ESCAPE '\\'")
            params.append("%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        if self.year is not None:
            clauses.append("year_to = ?")
            params.append(self.year)
        for column, values in (
            ("kind", self.kinds),
            ("locality_key", tuple(search_key(v) for v in self.localities)),
            ("doc_id", self.doc_ids),
        ):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _value_columns(value: IndicatorValue) -> tuple[str, float, float | None]:
    if isinstance(value, Range):
        return "range", value.low, value.high
    if isinstance(value, Fraction):
        return "fraction", value.numerator, value.denominator
    return "number", value, None


def _value_from_columns(shape: str, a: float, b: float | None) -> IndicatorValue:
    if shape == "range" and b is not None:
        return Range(a, b)
    if shape == "fraction" and b is not None:
        return Fraction(a, b)
    return float(a)


def write_indicators(
    db: sqlite3.Connection, document: DocumentRecord, records: Sequence[IndicatorRecord]
) -> None:
    """Replace the document's rows with ``records`` (inside the caller's transaction)."""
    doc_id = document.doc_id
    locality = document.metadata.locality or document.metadata.place
    paths = {section.id: section.path for section in document.sections}
    db.execute("DELETE FROM indicators WHERE doc_id = ?", (doc_id,))
    rows = []
    for index, r in enumerate(records):
        shape, a, b = _value_columns(r.value)
        year_from, year_to = period_years(r.period)
        rows.append(
            (
                doc_id,
                index,
                r.indicator,
                r.key,
                search_key(r.indicator),
                r.value_text,
                shape,
                a,
                b,
                r.unit,
                r.period,
                year_from,
                year_to,
                r.kind,
                r.bound,
                locality,
                search_key(locality) if locality else None,
                r.start,
                r.end,
                r.value_start,
                r.value_end,
                r.sentence_start,
                r.sentence_end,
                r.section_id,
                json.dumps(list(paths.get(r.section_id or "", ())), ensure_ascii=False),
                document.text[r.sentence_start : r.sentence_end],
            )
        )
    db.executemany(f"INSERT INTO indicators ({_COLUMNS}) VALUES ({', '.join('?' * 26)})", rows)


def select_indicators(
    db: sqlite3.Connection, query: IndicatorQuery, *, limit: int | None, offset: int
) -> tuple[list[StoredIndicator], int]:
    """The rows matching ``query`` in (key, year, document, position) order, and how many match in all."""
    where, params = query.where()
    total = int(db.execute(f"SELECT COUNT(*) FROM indicators{where}", params).fetchone()[0])
    sql = f"SELECT {_COLUMNS} FROM indicators{where} ORDER BY key, year_to, doc_id, idx"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params = [*params, limit, offset]
    return [_from_row(row) for row in db.execute(sql, params).fetchall()], total


def _from_row(row: sqlite3.Row) -> StoredIndicator:
    bound: Bound | None = row["bound"]
    kind: IndicatorKind = row["kind"]
    record = IndicatorRecord(
        indicator=row["indicator"],
        key=row["key"],
        value_text=row["value_text"],
        value=_value_from_columns(row["value_shape"], row["value_a"], row["value_b"]),
        unit=row["unit"],
        period=row["period"],
        kind=kind,
        start=row["start"],
        end=row["end"],
        value_start=row["value_start"],
        value_end=row["value_end"],
        section_id=row["section_id"],
        bound=bound,
        sentence_start=row["sentence_start"],
        sentence_end=row["sentence_end"],
    )
    return StoredIndicator(
        row["doc_id"],
        row["idx"],
        record,
        row["locality"],
        tuple(json.loads(row["section_path"])),
        row["sentence"],
    )
