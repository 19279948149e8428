"""Roman numerals, written (Word's ``upperRoman`` numbering) and read back (headings such as "Chương IV")."""

from __future__ import annotations

_NUMERALS = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)  # fmt: skip
_VALUES = {numeral: value for value, numeral in _NUMERALS if len(numeral) == 1}


def to_roman(number: int) -> str:
    """The canonical upper-case numeral of ``number`` ("" for 0 or less)."""
    if number <= 0:
        return ""
    out = []
    for value, numeral in _NUMERALS:
        count, number = divmod(number, value)
        out.append(numeral * count)
    return "".join(out)


def roman_value(token: str) -> int | None:
    """The value of a numeral in either case, or None when ``token`` is not a well-formed one ("IIII", "VX")."""
    total = 0
    previous = 0
    for char in reversed(token.upper()):
        value = _VALUES.get(char)
        if value is None:
            return None
        total = total - value if value < previous else total + value
        previous = max(previous, value)
    # Malformed numerals are rejected by round-tripping.
    return total if total > 0 and to_roman(total) == token.upper() else None
