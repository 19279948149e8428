"""Numbers in Vietnamese text, and whether a number in an answer is grounded in the evidence.

Vietnamese writes ``7.687`` (dot = thousands), ``12,37`` (comma = decimal), ``10.964 tỷ 145 triệu``,
ratios ``23/23``, rates ``0,94%/năm``, dates ``02/12/2021`` or ``ngày 02 tháng 12 năm 2021``, and
ordinals with leading zeros (``07 chợ``). Document numbers (``61/2018/NĐ-CP``, ``58-QĐ/TW``) are
identifiers, not quantities: they are grounded only by the same identifier. Section numbers and
other dotted labels that are not thousands groups (``5.8``, ``1.7.1``) are labels: grounded only by
the same digits and separators. Citation markers (``[1]``, ``[1, 2]``) are not numbers.

A number is **grounded** when the evidence contains the same digits and separators, or the same
value (``07`` ~ ``7``, ``7.347 tỷ`` ~ ``7347 tỷ``, ``08/02/2022`` ~ ``ngày 08 tháng 02 năm 2022``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

NumberKind = Literal["quantity", "ratio", "date", "identifier", "label"]
NumberValue = Decimal | tuple[int, ...]

_LIT = r"\d+(?:[.,]\d+)*"
# Longest first, so that "nghìn tỷ" wins over "nghìn".
_SCALES: dict[str, Decimal] = {
    "nghìn tỷ": Decimal(10) ** 12,
    "nghìn tỉ": Decimal(10) ** 12,
    "ngàn tỷ": Decimal(10) ** 12,
    "ngàn tỉ": Decimal(10) ** 12,
    "nghìn": Decimal(10) ** 3,
    "ngàn": Decimal(10) ** 3,
    "triệu": Decimal(10) ** 6,
    "tỷ": Decimal(10) ** 9,
    "tỉ": Decimal(10) ** 9,
}
_SCALE = "(?:" + "|".join(re.escape(s) for s in _SCALES) + ")"
# A number starts where no letter, digit or number separator precedes it, and does not run on into one.
_START = r"(?<![\w.,/])"
_END = r"(?![\w/]|[.,]\d)"

_MARKER = re.compile(r"\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]")
_IDENTIFIER = re.compile(
    _START + r"\d+(?:[./-]\d+)*\s?[/-]\s?[A-ZĐ][A-ZĐa-zđ]*(?:[/-][A-ZĐ0-9][A-ZĐa-zđ0-9]*)*(?!\w)"
)
_LONG_DATE = re.compile(
    r"(?:ngày\s+(\d{1,2})\s+)?tháng\s+(\d{1,2})\s*(?:năm\s+|/\s*)(\d{4})(?!\d)", re.IGNORECASE
)
_SHORT_DATE = re.compile(_START + r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})" + _END)
_MONTH_YEAR = re.compile(_START + r"(\d{1,2})/(\d{4})" + _END)
_RATIO = re.compile(_START + r"(" + _LIT + r")\s?/\s?(" + _LIT + r")" + _END)
_QUANTITY = re.compile(
    _START + _LIT + r"(?:\s*" + _SCALE + r"(?:\s+" + _LIT + r"\s*" + _SCALE + r")*)?" + r"(?![\w/]|[.,]\d)",
    re.IGNORECASE,
)
_LITERAL = re.compile(_LIT)
_SCALE_AFTER = re.compile(_LIT + r"\s*(" + _SCALE + r")", re.IGNORECASE)
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_DECIMAL_COMMA = re.compile(r"\d+,\d+")
_INTEGER = re.compile(r"\d+")


@dataclass(frozen=True)
class NumberMention:
    """One number as written in a text (spans refer to the NFC form of the text)."""

    text: str
    start: int
    end: int
    kind: NumberKind
    # Digits and separators only ("7.347", "10.964 145", "08/02/2022"); identifiers: folded, no spaces.
    literal: str
    value: NumberValue | None  # quantity: Decimal (scaled); ratio: (a, b); date: (y, m[, d]); else None
    # Numbers inside a compound (parts of a date, a ratio, an identifier, a scaled amount): evidence only.
    parts: tuple[Decimal, ...] = field(default=())
    part_literals: tuple[str, ...] = field(default=())


def parse_vietnamese_number(literal: str) -> Decimal | None:
    """The value of a Vietnamese numeric literal, or None when it is not a quantity (e.g. "1.7.1").

    ``7.687`` → 7687, ``12,37`` → 12.37, ``1.234.567,5`` → 1234567.5, ``07`` → 7. A dot followed by
    anything but groups of exactly three digits is not a thousands separator, so ``5.8`` is a label.
    """
    if _THOUSANDS.fullmatch(literal):
        return Decimal(literal.replace(".", "").replace(",", "."))
    if _DECIMAL_COMMA.fullmatch(literal) or _INTEGER.fullmatch(literal):
        return Decimal(literal.replace(",", "."))
    return None


def format_vietnamese_number(value: Decimal | float, decimals: int = 0) -> str:
    """A number as Vietnamese writes it: "4.731", "12,37", "1.964,145" (dot thousands, comma decimals)."""
    rounded = f"{Decimal(str(value)):,.{decimals}f}"
    return rounded.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _valid_date(year: int, month: int, day: int | None = None) -> bool:
    return 1800 <= year <= 2200 and 1 <= month <= 12 and (day is None or 1 <= day <= 31)


def _literals(text: str) -> tuple[str, ...]:
    return tuple(m.group(0) for m in _LITERAL.finditer(text))


def _values(literals: Iterable[str]) -> tuple[Decimal, ...]:
    return tuple(v for v in (parse_vietnamese_number(lit) for lit in literals) if v is not None)


def extract_numbers(text: str) -> list[NumberMention]:
    """Every number in ``text`` (NFC-normalised first), in order, citation markers excluded."""
    text = unicodedata.normalize("NFC", text)
    taken = [False] * len(text)
    mentions: list[NumberMention] = []

    def free(start: int, end: int) -> bool:
        return not any(taken[start:end])

    def take(mention: NumberMention) -> None:
        for i in range(mention.start, mention.end):
            taken[i] = True
        mentions.append(mention)

    for match in _MARKER.finditer(text):
        for i in range(*match.span()):
            taken[i] = True

    for match in _IDENTIFIER.finditer(text):
        if free(*match.span()):
            raw = match.group(0)
            literals = _literals(raw)
            take(
                NumberMention(
                    raw,
                    *match.span(),
                    kind="identifier",
                    literal=re.sub(r"\s+", "", raw).lower(),
                    value=None,
                    parts=_values(literals),
                    part_literals=literals,
                )
            )

    for match in _LONG_DATE.finditer(text):
        day = int(match.group(1)) if match.group(1) else None
        month, year = int(match.group(2)), int(match.group(3))
        if free(*match.span()) and _valid_date(year, month, day):
            groups = [g for g in match.groups() if g]
            date_value = (year, month, day) if day is not None else (year, month)
            take(_date_mention(match, " ".join(groups), date_value, groups))

    for match in _SHORT_DATE.finditer(text):
        day, month, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
        if free(*match.span()) and _valid_date(year, month, day):
            groups = [match.group(1), match.group(3), match.group(4)]
            take(_date_mention(match, match.group(0), (year, month, day), groups))

    for match in _MONTH_YEAR.finditer(text):
        month, year = int(match.group(1)), int(match.group(2))
        if free(*match.span()) and _valid_date(year, month):
            take(_date_mention(match, match.group(0), (year, month), [match.group(1), match.group(2)]))

    for match in _RATIO.finditer(text):
        if not free(*match.span()):
            continue
        numerator, denominator = match.group(1), match.group(2)
        parts = _values([numerator, denominator])
        ratio_value: NumberValue | None = (
            (int(parts[0]), int(parts[1])) if len(parts) == 2 and all(p == int(p) for p in parts) else None
        )
        take(
            NumberMention(
                match.group(0),
                *match.span(),
                kind="ratio",
                literal=f"{numerator}/{denominator}",
                value=ratio_value,
                parts=parts,
                part_literals=(numerator, denominator),
            )
        )

    for match in _QUANTITY.finditer(text):
        if not free(*match.span()):
            continue
        take(_quantity_mention(match))

    mentions.sort(key=lambda m: m.start)
    return mentions


def _date_mention(
    match: re.Match[str], literal: str, value: tuple[int, ...], groups: list[str]
) -> NumberMention:
    return NumberMention(
        match.group(0),
        *match.span(),
        kind="date",
        literal=literal,
        value=value,
        parts=tuple(Decimal(int(g)) for g in groups),
        part_literals=tuple(groups),
    )


def _quantity_mention(match: re.Match[str]) -> NumberMention:
    raw = match.group(0)
    literals = _literals(raw)
    scales = [s.group(1).lower() for s in _SCALE_AFTER.finditer(raw)]
    values = [parse_vietnamese_number(lit) for lit in literals]
    start, end = match.span()
    if any(v is None for v in values):
        # A dotted label ("5.8", "1.7.1"): grounded only by the same digits and separators.
        return NumberMention(raw, start, end, kind="label", literal=" ".join(literals), value=None)
    total = Decimal(0)
    for index, number in enumerate(values):
        assert number is not None
        total += number * (_SCALES[scales[index]] if index < len(scales) else 1)
    compound = len(literals) > 1 or bool(scales)
    return NumberMention(
        raw,
        start,
        end,
        kind="quantity",
        literal=" ".join(literals),
        value=total,
        parts=tuple(v for v in values if v is not None) if compound else (),
        part_literals=literals if compound else (),
    )


@dataclass(frozen=True)
class Evidence:
    """What numbers a body of evidence (cited passages and the question) contains."""

    literals: frozenset[str]
    values: frozenset[tuple[str, NumberValue]]

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Evidence:
        literals: set[str] = set()
        values: set[tuple[str, NumberValue]] = set()
        for text in texts:
            for mention in extract_numbers(text):
                literals.add(mention.literal)
                literals.update(mention.part_literals)
                if mention.value is not None:
                    values.add((mention.kind, mention.value))
                # Parts ground a part on its own: "7.347" by "7.347 tỷ", "2022" by "08/02/2022".
                values.update(("quantity", part) for part in mention.parts)
        return cls(frozenset(literals), frozenset(values))

    def grounds(self, mention: NumberMention) -> bool:
        """Same digits and separators, or (for quantities, ratios and dates) the same value."""
        if mention.literal in self.literals:
            return True
        return mention.value is not None and (mention.kind, mention.value) in self.values


# A computation written out in an answer: "4.731 tỷ đồng − 4.290 tỷ đồng = 441 tỷ đồng", "12,5% − 10% = 2,5
# điểm phần trăm", "92 : 46 ≈ 2 lần", "99 : 100 ≈ 99%". Between two numbers: at most three unit words.
_UNIT_WORDS = r"(?:\s*%|\s+[^\W\d_]+){0,3}"
_OPERATOR = re.compile("^" + _UNIT_WORDS + r"\s+([−+:])\s+$")
_EQUALS = re.compile("^" + _UNIT_WORDS + r"\s*([=≈])\s*$")


@dataclass(frozen=True)
class Arithmetic:
    """A difference, sum or ratio written out as ``a op b = result`` (or ``≈``) in a text."""

    left: NumberMention
    operator: str  # "−", "+", ":"
    right: NumberMention
    result: NumberMention
    holds: bool  # the result is the operation's value, to the precision it is written with


def _precision(mention: NumberMention) -> Decimal:
    """Half a unit of the last digit written: "441 tỷ" → 0.5 tỷ, "2,5" → 0.05."""
    literal = mention.part_literals[-1] if mention.part_literals else mention.literal
    decimals = len(literal.split(",")[1]) if "," in literal else 0
    scales = [s.group(1).lower() for s in _SCALE_AFTER.finditer(mention.text)]
    count = len(mention.part_literals) if mention.part_literals else 1
    scale = _SCALES[scales[-1]] if len(scales) == count and scales else Decimal(1)
    return Decimal(5) * Decimal(10) ** (-decimals - 1) * scale


def arithmetic_statements(text: str) -> list[Arithmetic]:
    """Every computation written out in ``text`` with whether its result is right. The answerer writes a
    difference or a ratio this way ("Never compute a new figure without showing how")."""
    text = unicodedata.normalize("NFC", text)
    numbers = extract_numbers(text)
    found: list[Arithmetic] = []
    for left, right, result in zip(numbers, numbers[1:], numbers[2:], strict=False):
        operator = _OPERATOR.match(text[left.end : right.start])
        equals = _EQUALS.match(text[right.end : result.start])
        if not operator or not equals:
            continue
        values = [m.value for m in (left, right, result)]
        if not all(isinstance(v, Decimal) for v in values):
            continue
        a, b, c = (v for v in values if isinstance(v, Decimal))
        sign = operator.group(1)
        expected: list[Decimal] = []
        if sign == "−":
            expected = [a - b]
        elif sign == "+":
            expected = [a + b]
        elif b:
            # "≈ 99%": a share written as a percentage; "≈ 2 lần": the plain ratio.
            percent = text[result.end : result.end + 2].lstrip().startswith("%")
            expected = [a / b * 100 if percent else a / b]
        holds = any(abs(value - c) <= _precision(result) for value in expected)
        found.append(Arithmetic(left, sign, right, result, holds))
    return found


def grounded_numbers(answer: str, evidence_texts: Iterable[str]) -> list[tuple[NumberMention, bool]]:
    """Each number of the answer with whether the evidence grounds it. The result of a computation written
    out in the answer (:func:`arithmetic_statements`) is grounded when it is right and both its operands
    are grounded: the answer shows how it was computed from the evidence."""
    evidence = Evidence.from_texts(evidence_texts)
    checks = [(mention, evidence.grounds(mention)) for mention in extract_numbers(answer)]
    grounded = {mention.start: ok for mention, ok in checks}
    computed = {
        step.result.start
        for step in arithmetic_statements(answer)
        if step.holds and grounded.get(step.left.start) and grounded.get(step.right.start)
    }
    return [(mention, ok or mention.start in computed) for mention, ok in checks]
