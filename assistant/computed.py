"""Figures the documents do not state, computed from two cited figures and shown as computed.

Serves comparison questions that ask a derived quantity ("cao hơn bao nhiêu", "gấp mấy lần", "bằng bao
nhiêu phần trăm"): the answer quotes each side's sentence, then writes the operation out ("4.731 tỷ đồng −
4.290 tỷ đồng = 441 tỷ đồng"), marked as computed and citing both sources. Verification
(:func:`ingestion.numbers.grounded_numbers`) accepts the result only because the operation is written out,
is right, and its operands stand in the cited passages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from assistant.intent import Derived
from ingestion.indicators import IndicatorRecord
from ingestion.numbers import format_vietnamese_number
from ingestion.textnorm import fold
from prompts import templates

# A sentence that already states the gap or the ratio answers by itself ("cao hơn 18% so với …").
_STATES_COMPARISON = re.compile(r"(?:hơn|kém|chênh lệch|gấp)\s+(?:khoảng\s+)?\d")
# Two figures measure the same thing when their indicator phrases share most of their syllables.
_SAME_INDICATOR = 0.4


@dataclass(frozen=True)
class SideFigure:
    """One side's figure: its label in the answer, the record, the marker of its passage."""

    label: str
    record: IndicatorRecord
    marker: int


def plain_figure(records: Sequence[IndicatorRecord], growth: bool) -> list[IndicatorRecord]:
    """The records of a sentence that can enter a computation: one exact number (no range, fraction or bound),
    and a growth rate only when growth is asked (a level otherwise)."""
    return [
        r
        for r in records
        if isinstance(r.value, float)
        and r.bound is None
        and r.kind != "share_of_plan"
        and (r.kind == "growth") == growth
    ]


def states_comparison(sentence: str) -> bool:
    return bool(_STATES_COMPARISON.search(fold(sentence)))


def _syllables(key: str) -> set[str]:
    return set(key.split())


def _same_indicator(a: IndicatorRecord, b: IndicatorRecord) -> bool:
    first, second = _syllables(a.key), _syllables(b.key)
    if not first or not second:
        return False
    return len(first & second) / len(first | second) >= _SAME_INDICATOR


def pair(
    first: Sequence[IndicatorRecord], second: Sequence[IndicatorRecord]
) -> tuple[IndicatorRecord, IndicatorRecord] | None:
    """The first two figures, one of each side, in the same unit and of the same indicator."""
    for a in first:
        for b in second:
            if a.unit == b.unit and _same_indicator(a, b):
                return a, b
    return None


def _decimals(value_text: str) -> int:
    number = re.search(r"\d+(?:[.,]\d+)*", value_text)
    literal = number.group(0) if number else ""
    return len(literal.rsplit(",", 1)[1]) if "," in literal else 0


def _trimmed(text: str) -> str:
    """ "2,00" → "2", "2,50" → "2,5": the written digits say the precision (verification reads them)."""
    return text.rstrip("0").rstrip(",") if "," in text else text


def computed_sentence(derived: Derived, sides: tuple[SideFigure, SideFigure]) -> str | None:
    """The computed figure as one answer sentence, with the operation and both markers; None when the
    operation has no meaning (a ratio to zero)."""
    first, second = sides
    a, b = Decimal(str(first.record.value)), Decimal(str(second.record.value))
    high, low = (first, second) if a >= b else (second, first)
    markers = " ".join(f"[{m}]" for m in sorted({first.marker, second.marker}))
    unit = first.record.unit
    if derived == "difference":
        decimals = max(_decimals(first.record.value_text), _decimals(second.record.value_text))
        gap = format_vietnamese_number(abs(a - b), decimals)
        result = f"{gap} {templates.PERCENTAGE_POINTS}" if unit == "%" else f"{gap} {unit}".strip()
        statement = templates.COMPUTED_DIFFERENCE.format(
            high=high.label,
            low=low.label,
            left=high.record.value_text,
            right=low.record.value_text,
            result=result,
        )
    elif derived == "ratio":
        big, small = (max(a, b), min(a, b))
        if not small:
            return None
        statement = templates.COMPUTED_RATIO.format(
            high=high.label,
            low=low.label,
            left=high.record.value_text,
            right=low.record.value_text,
            result=_trimmed(format_vietnamese_number(big / small, 2)),
        )
    else:
        if not b:
            return None
        statement = templates.COMPUTED_SHARE.format(
            first=first.label,
            second=second.label,
            left=first.record.value_text,
            right=second.record.value_text,
            result=_trimmed(format_vietnamese_number(a / b * 100, 1)),
        )
    return templates.COMPUTED.format(statement=statement, markers=markers)
