"""Vietnamese text folding for indexing and matching (never for display).

``fold`` is the comparison form used everywhere text is matched: Unicode NFC, one tone-mark
placement convention, lower case, whitespace runs collapsed. ``strip_diacritics`` goes further,
for queries typed without diacritics.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Combining tone marks: grave, acute, hook above, tilde, dot below.
_TONES = frozenset("\u0300\u0301\u0309\u0303\u0323")
# Combining vowel modifiers: breve (ă), circumflex (â ê ô), horn (ơ ư).
_MODIFIERS = frozenset("\u0306\u0302\u031b")
_VOWELS = frozenset("aeiouy")
_WORD = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")
_SPACES = re.compile(r"\s+")
# Characters that print nothing, as normalisation removes them from documents: zero-width and format
# characters, and the controls other than tab and line breaks. A question is cleaned the same way.
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Capital Latin letters, Vietnamese ones included, for regex character classes. A range such as "À-Ỹ"
# would not do: it holds the lower-case letters too ("đ", "ư", "ạ" lie between À and Ỹ).
UPPERCASE = "A-Z" + "".join(
    chr(c) for c in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)) if chr(c).isupper() and chr(c).isalpha()
)


def without_invisible(text: str) -> str:
    """``text`` without the characters normalisation removes from documents (see ``INVISIBLE``, ``CONTROLS``)."""
    return CONTROLS.sub("", INVISIBLE.sub("", text))


@lru_cache(maxsize=65536)
def _place_tone(syllable: str) -> str:
    """Re-place the tone mark of one syllable (NFD in, NFC out) by the traditional rule.

    The traditional rule ("hòa", "thủy", "khỏe") is applied to every input, so that "hoà" and
    "hòa" fold to the same string. Syllables that are not Vietnamese pass through unchanged.
    """
    tone = next((c for c in syllable if c in _TONES), None)
    if tone is None:
        return unicodedata.normalize("NFC", syllable)
    bare = "".join(c for c in syllable if c not in _TONES)
    # Group base letters with their modifiers: [(index_in_bare, base, has_modifier)]
    letters: list[tuple[int, str, bool]] = []
    for i, c in enumerate(bare):
        if unicodedata.combining(c):
            if c in _MODIFIERS and letters:
                idx, base, _ = letters[-1]
                letters[-1] = (idx, base, True)
            continue
        letters.append((i, c, False))
    lower = [base.lower() for _, base, _ in letters]
    vowel_positions = [k for k, b in enumerate(lower) if b in _VOWELS]
    if not vowel_positions:
        return unicodedata.normalize("NFC", syllable)
    first = vowel_positions[0]
    # "qu" and "gi" + vowel: the u / i belongs to the consonant.
    if (
        first > 0
        and len(vowel_positions) > 1
        and (
            (lower[first] == "u" and lower[first - 1] == "q")
            or (lower[first] == "i" and lower[first - 1] == "g")
        )
    ):
        vowel_positions = vowel_positions[1:]
    # The nucleus is the first contiguous run of vowels.
    nucleus = [vowel_positions[0]]
    for k in vowel_positions[1:]:
        if k == nucleus[-1] + 1:
            nucleus.append(k)
        else:
            break
    modified = [k for k in nucleus if letters[k][2]]
    closed = nucleus[-1] < len(letters) - 1
    if modified:
        target = modified[-1]
    elif len(nucleus) == 1:
        target = nucleus[0]
    elif closed:
        target = nucleus[-1]
    elif len(nucleus) == 2:
        target = nucleus[0]
    else:
        target = nucleus[1]
    # Insert the tone after the target letter and its modifiers.
    insert_at = letters[target + 1][0] if target + 1 < len(letters) else len(bare)
    return unicodedata.normalize("NFC", bare[:insert_at] + tone + bare[insert_at:])


def canonical_tones(text: str) -> str:
    """Text with every syllable's tone mark in one placement convention (NFC)."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _WORD.sub(lambda m: _place_tone(m.group(0)), decomposed))


def fold(text: str) -> str:
    """The comparison form: NFC, one tone-mark convention, lower case, whitespace collapsed."""
    return _SPACES.sub(" ", canonical_tones(text).lower()).strip()


def strip_diacritics(text: str) -> str:
    """Folded text without any diacritics ("Tiểu Cần" -> "tieu can"); đ becomes d."""
    decomposed = unicodedata.normalize("NFD", fold(text))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.replace("đ", "d")
