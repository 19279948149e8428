"""Roman numerals: the one writer (Word's upperRoman numbering) and reader (headings) of the ingestion."""

from __future__ import annotations

import pytest

from ingestion.numerals import roman_value, to_roman


@pytest.mark.parametrize(
    ("number", "numeral"),
    [(1, "I"), (4, "IV"), (9, "IX"), (14, "XIV"), (40, "XL"), (89, "LXXXIX"), (1994, "MCMXCIV")],
)
def test_numerals_round_trip(number: int, numeral: str) -> None:
    assert to_roman(number) == numeral
    assert roman_value(numeral) == number
    assert roman_value(numeral.lower()) == number


@pytest.mark.parametrize("token", ["IIII", "VX", "IL", "LL", "XXXXX", "", "IVa"])
def test_malformed_numerals_have_no_value(token: str) -> None:
    assert roman_value(token) is None


def test_nothing_is_written_for_zero_or_less() -> None:
    assert to_roman(0) == to_roman(-3) == ""
