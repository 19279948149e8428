"""Precision of indicator extraction (issue 11): a fixed, seeded random sample of records, reviewed by hand.

Draws ``--size`` records at random (seed ``--seed``) from the records that ``ingestion.indicators`` extracts
from every document of ``--samples``, and writes them to ``--out`` (JSON lines: document, sentence, indicator,
value, unit, period, kind) with a verdict per record. A verdict already in the file is kept when the same
record (document, figure span, indicator, value, unit, period and kind) is drawn again; a record whose
extraction changed comes back unreviewed (``"verdict": null``) for a new look. A record is correct when its
indicator, value, unit, period and kind are all right for its sentence.

Prints the precision over the reviewed records, the error classes, and the extraction time (ms) and the
records per document.

    .venv/bin/python bench/indicator_precision.py [--samples data/samples] [--seed 11] [--size 100]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingestion.indicators import EXTRACTOR_VERSION, Fraction, IndicatorRecord, Range, extract_indicators
from ingestion.model import ParsedDocument
from ingestion.normalize import normalize
from ingestion.parser import parse_document

# The fields a verdict is about: when one of them changes, the verdict no longer applies.
_JUDGED = ("document", "value_start", "value_end", "indicator", "value", "unit", "period", "kind")


@dataclass(frozen=True)
class Extraction:
    document: str
    parsed: ParsedDocument
    records: list[IndicatorRecord]
    milliseconds: float


def value_text(value: float | Range | Fraction) -> str:
    """The parsed value as a reviewer reads it: "4731.0", "13.0–15.0", "23.0/23.0"."""
    if isinstance(value, Range):
        return f"{value.low}–{value.high}"
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    return str(value)


def extract(path: Path, repeat: int) -> Extraction:
    """The document's records and its median extraction time over ``repeat`` runs (parsing not counted)."""
    normalized = normalize(path.read_text(encoding="utf-8"))
    parsed = parse_document(normalized.text, bold_spans=normalized.bold_spans)
    timings = []
    records: list[IndicatorRecord] = []
    for _ in range(repeat):
        started = time.perf_counter()
        records = extract_indicators(parsed.text, parsed.sections, parsed.metadata)
        timings.append((time.perf_counter() - started) * 1000)
    return Extraction(path.name, parsed, records, statistics.median(timings))


def row(extraction: Extraction, record: IndicatorRecord) -> dict[str, Any]:
    metadata = extraction.parsed.metadata
    return {
        "document": extraction.document,
        "locality": metadata.locality or metadata.place,
        "sentence": extraction.parsed.text[record.sentence_start : record.sentence_end],
        "indicator": record.indicator,
        "value_text": record.value_text,
        "value": value_text(record.value),
        "unit": record.unit,
        "period": record.period,
        "kind": record.kind,
        "bound": record.bound,
        "value_start": record.value_start,
        "value_end": record.value_end,
        "verdict": None,
        "why": "",
    }


def reviewed(out: Path) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The verdicts already written, by the fields they judge."""
    if not out.exists():
        return {}
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {tuple(r[f] for f in _JUDGED): r for r in rows if r.get("verdict") is not None}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=Path, default=Path("data/samples"))
    parser.add_argument("--out", type=Path, default=Path("bench/indicator_sample.jsonl"))
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    extractions = [extract(path, args.repeat) for path in sorted(args.samples.glob("*.txt"))]
    population = [(e, r) for e in extractions for r in e.records]
    sample = random.Random(args.seed).sample(population, min(args.size, len(population)))
    sample.sort(key=lambda pair: (pair[0].document, pair[1].value_start))
    known = reviewed(args.out)
    rows = []
    for extraction, record in sample:
        fresh = row(extraction, record)
        earlier = known.get(tuple(fresh[f] for f in _JUDGED))
        if earlier is not None:
            fresh["verdict"], fresh["why"] = earlier["verdict"], earlier.get("why", "")
        rows.append(fresh)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")

    judged = [r for r in rows if r["verdict"] is not None]
    correct = sum(r["verdict"] == "correct" for r in judged)
    print(
        f"extractor version {EXTRACTOR_VERSION}, seed {args.seed}: {len(rows)} of {len(population)} records"
    )
    print(f"reviewed {len(judged)}, correct {correct}, precision {correct / max(len(judged), 1):.3f}")
    print(f"unreviewed {len(rows) - len(judged)} (written to {args.out} with verdict null)")
    for why, count in Counter(r["why"] for r in judged if r["verdict"] != "correct").most_common():
        print(f"  wrong ×{count}: {why}")
    print("document\tcharacters\trecords\textraction ms (median)")
    for e in extractions:
        print(f"{e.document}\t{len(e.parsed.text)}\t{len(e.records)}\t{e.milliseconds:.1f}")
    print(
        f"mean\t{statistics.mean(len(e.parsed.text) for e in extractions):.0f}\t"
        f"{statistics.mean(len(e.records) for e in extractions):.1f}\t"
        f"{statistics.mean(e.milliseconds for e in extractions):.1f}"
    )


if __name__ == "__main__":
    main()
