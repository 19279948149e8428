"""Decode text-file bytes and repair legacy Vietnamese font encodings (TCVN3/ABC, VNI).

Detection uses only the content. Unicode is told by its BOM, by charset-normalizer (UTF-16 without a
BOM) or by decoding as UTF-8. Otherwise every candidate decoding is scored by the share of its non-ASCII
words that are well-formed Vietnamese syllables (onset + vowel nucleus + coda, at most one tone mark). The right
decoding reads as Vietnamese almost word for word; a wrong one leaves symbols (``B¸o c¸o``), foreign
letters (``Ngöôøi``) or stacked tone marks in most words. Bytes that no candidate decodes as Vietnamese
are refused rather than returned as mojibake.

The conversion tables are viparse's (validated against real government documents); VNI gets the two
letters its table lacks (ẳ, Ẳ).
"""

from __future__ import annotations

import codecs
import contextlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Literal

from ingestion.model import IngestError

if TYPE_CHECKING:
    from viparse.normalize.tables import Charmap

LegacyEncoding = Literal["tcvn3", "vni"]
TextEncoding = Literal["utf-8", "utf-16", "windows-1258", "tcvn3", "vni"]

# A decoding is accepted when at least this share of its non-ASCII words are Vietnamese syllables ...
MIN_VIETNAMESE_SHARE = 0.85
# ... and it beats every decoding that reads differently by this margin.
MIN_MARGIN = 0.10
# Unicode text is only converted from a legacy encoding when it reads clearly worse than the conversion.
_UNICODE_LEGACY_GAIN = 0.30
# Scoring a prefix of this many characters is enough to decide, and bounds the cost on large files.
_SCORE_SAMPLE_CHARS = 200_000

_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
# Words are what lies between whitespace, ASCII punctuation, digits and typographic punctuation. Latin-1
# symbols are deliberately *not* separators: in TCVN3 they are letters (``¸`` is á), so a word that still
# contains one after decoding is evidence of a wrong decoding.
_WORD_SEPARATORS = re.compile(r"[\s!-/:-@\[-`{-~0-9\u2010-\u2027\u2030-\u205e\ufeff]+")
_ONSET = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx]"
# Nuclei that end in a glide (or are ia/ua/ưa) close the syllable: no final consonant may follow.
_OPEN_NUCLEUS = (
    "iêu|oai|oao|oay|oeo|uây|uôi|uya|uyu|ươi|ươu|yêu|uơi"
    "|ai|ao|au|ay|âu|ây|eo|êu|ia|iu|oi|ôi|ơi|ua|ui|ưa|ưi|ưu"
)
_NUCLEUS = "uyê|iê|oa|oă|oe|oo|uâ|uê|uô|uơ|uy|ươ|yê|[aăâeêioôơuưy]"
_CODA = "ch|ng|nh|[cmnptk]"
_SYLLABLE = re.compile(f"(?P<onset>{_ONSET})?(?:(?P<open>{_OPEN_NUCLEUS})|(?:{_NUCLEUS})(?:{_CODA})?)")


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: TextEncoding


def is_vietnamese_syllable(word: str) -> bool:
    """Whether ``word`` (letters only) is a well-formed Vietnamese syllable, in any case and any form.

    Checks the shape (onset, nucleus, coda), that there is at most one tone mark, and that the tone of an
    open syllable ending in a glide is not on the glide (``hơị`` is not a syllable; ``hợi`` and ``thuý`` are).
    """
    decomposed = unicodedata.normalize("NFD", word.lower())
    tone_positions = [i for i, c in enumerate(decomposed) if c in _TONE_MARKS]
    if len(tone_positions) > 1:
        return False
    toneless = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
    match = _SYLLABLE.fullmatch(toneless)
    if match is None:
        return False
    open_nucleus = match.group("open")
    if tone_positions and open_nucleus and open_nucleus != "uy":
        # The tone mark follows its letter (and that letter's own modifiers) in NFD.
        toned_letters = sum(1 for c in decomposed[: tone_positions[0]] if not unicodedata.combining(c))
        if toned_letters == len(toneless):
            return False
    return True


def vietnamese_share(text: str) -> tuple[float, int]:
    """(share of non-ASCII words that are Vietnamese syllables, number of such words) in ``text``."""
    words = [w for w in _WORD_SEPARATORS.split(text[:_SCORE_SAMPLE_CHARS]) if w and not w.isascii()]
    if not words:
        return 0.0, 0
    valid = sum(1 for w in words if is_vietnamese_syllable(w))
    return valid / len(words), len(words)


@cache
def _charmaps() -> dict[str, Charmap]:
    from viparse.normalize.tables import build_charmap
    from viparse.normalize.tcvn3 import TCVN3
    from viparse.normalize.vni import VNI

    # VNI writes ẳ as a + ú (the breve-family hook); viparse's table has not seen it in its corpus yet.
    vni_extra = [(legacy, uni) for legacy, uni in (("aú", "ẳ"), ("AÚ", "Ẳ")) if legacy not in dict(VNI.pairs)]
    return {"tcvn3": TCVN3, "vni": build_charmap("vni", [*VNI.pairs, *vni_extra])}


_WORD = re.compile(r"\w+")


def _restore_capitals(word: str) -> str:
    """TCVN3 upper-case fonts (.VnTimeH) reuse the lower-case codes of toned letters, so "HUYỆN" decodes as
    "HUYệN": a word of capitals whose only lower-case letters are Vietnamese ones is all capitals."""
    capital_inside = any(c.isupper() for c in word[1:])  # not just a title-case initial ("Đà" stays)
    lower = [c for c in word if c.islower()]
    if capital_inside and lower and all(not c.isascii() for c in lower):
        return word.upper()
    return word


def convert_legacy(text: str, encoding: LegacyEncoding) -> str:
    """Text whose characters are TCVN3/VNI font code points (as a cp1252 decoding shows them) -> Unicode NFC."""
    from viparse.normalize.tables import convert

    converted = convert(text, _charmaps()[encoding], "NFC")
    if encoding == "tcvn3":
        converted = _WORD.sub(lambda m: _restore_capitals(m.group(0)), converted)
    return converted


def detect_legacy(text: str) -> LegacyEncoding | None:
    """The legacy font encoding that already-decoded ``text`` is written in, or None if it reads as Unicode.

    Used for Unicode files and docx/pdf text that carry legacy code points (text typed in a ``.VnTime`` or
    ``VNI-Times`` font). Plain Unicode Vietnamese scores near 1.0 and is never converted.
    """
    as_is, words = vietnamese_share(text)
    if words == 0 or as_is >= MIN_VIETNAMESE_SHARE:
        return None
    scored = sorted(
        ((vietnamese_share(convert_legacy(text, name))[0], name) for name in ("tcvn3", "vni")), reverse=True
    )
    (best, name), (runner_up, _) = scored
    if (
        best >= MIN_VIETNAMESE_SHARE
        and best - as_is >= _UNICODE_LEGACY_GAIN
        and best - runner_up >= MIN_MARGIN
    ):
        return "tcvn3" if name == "tcvn3" else "vni"
    return None


@cache
def _cp1252_c1_table() -> dict[int, str]:
    """Latin-1 C1 code points -> the Windows-1252 punctuation at those bytes (five bytes stay as they are)."""
    table: dict[int, str] = {}
    for byte in range(0x80, 0xA0):
        try:
            table[byte] = bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:
            continue
    return table


def _decode_cp1252_surface(data: bytes) -> str:
    """Bytes as the characters a legacy-font document shows: Windows-1252, never failing."""
    return data.decode("latin-1").translate(_cp1252_c1_table())


def _universal_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


_UTF16_BYTE_ORDERS: dict[str, Literal["utf-16-le", "utf-16-be"]] = {
    "utf_16_le": "utf-16-le",
    "utf_16_be": "utf-16-be",
}


def _bomless_utf16(data: bytes) -> Literal["utf-16-le", "utf-16-be"] | None:
    """The byte order of UTF-16 without a BOM, as charset-normalizer detects it; None for other bytes.

    Only this question is asked of it: on 8-bit Vietnamese it names unrelated code pages (VNI reads as
    cp1257 to it), so those are decided by the Vietnamese scoring below.
    """
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return _UTF16_BYTE_ORDERS.get(best.encoding) if best is not None else None


def _unknown_encoding(detail: str) -> IngestError:
    return IngestError(
        "unknown_encoding",
        "Không xác định được bảng mã của tệp văn bản (không phải UTF-8, UTF-16, Windows-1258, TCVN3 hay VNI). "
        "Hãy lưu lại tệp ở dạng Unicode (UTF-8) rồi nạp lại.",
        detail=detail,
    )


def _with_legacy_repair(text: str, encoding: TextEncoding) -> DecodedText:
    legacy = detect_legacy(text)
    if legacy is None:
        return DecodedText(text, encoding)
    return DecodedText(convert_legacy(text, legacy), legacy)


def decode_text_bytes(data: bytes) -> DecodedText:
    """Decode a text file's bytes to Unicode, converting TCVN3/VNI content; line endings become ``\\n``.

    Raises ``IngestError(code="unknown_encoding")`` when no candidate decoding reads as Vietnamese.
    """
    if data.startswith(codecs.BOM_UTF8):
        try:
            text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _unknown_encoding(f"UTF-8 BOM but invalid UTF-8 at byte {exc.start}") from exc
        return _with_legacy_repair(_universal_newlines(text), "utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _unknown_encoding(f"UTF-16 BOM but invalid UTF-16 at byte {exc.start}") from exc
        return _with_legacy_repair(_universal_newlines(text), "utf-16")
    bomless_utf16 = _bomless_utf16(data)
    if bomless_utf16 is not None:
        try:
            return _with_legacy_repair(_universal_newlines(data.decode(bomless_utf16)), "utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return _with_legacy_repair(_universal_newlines(data.decode("utf-8")), "utf-8")
    except UnicodeDecodeError:
        pass
    return _decode_8bit(data)


def _decode_8bit(data: bytes) -> DecodedText:
    """Choose between Windows-1258, TCVN3 and VNI for bytes that are not UTF-8."""
    surface = _universal_newlines(_decode_cp1252_surface(data))
    candidates: list[DecodedText] = []
    # A byte that Windows-1258 leaves undefined rules that code page out.
    with contextlib.suppress(UnicodeDecodeError):
        candidates.append(DecodedText(_universal_newlines(data.decode("cp1258")), "windows-1258"))
    candidates.append(DecodedText(convert_legacy(surface, "tcvn3"), "tcvn3"))
    candidates.append(DecodedText(convert_legacy(surface, "vni"), "vni"))
    scored = sorted(
        ((*vietnamese_share(c.text), order, c) for order, c in enumerate(candidates)),
        key=lambda item: (-item[0], item[2]),
    )
    best_share, best_words, _, best = scored[0]
    if best_words == 0:
        # No non-ASCII word at all (only typographic punctuation): Windows-1258 reads it as intended.
        if candidates[0].encoding == "windows-1258":
            return candidates[0]
        raise _unknown_encoding("no Vietnamese words and not valid Windows-1258")
    if best_share < MIN_VIETNAMESE_SHARE:
        shares = ", ".join(f"{c.encoding}={share:.2f}" for share, _, _, c in scored)
        raise _unknown_encoding(f"no decoding reads as Vietnamese ({shares})")
    best_form = unicodedata.normalize("NFC", best.text)
    for share, _, _, other in scored[1:]:
        if best_share - share < MIN_MARGIN and unicodedata.normalize("NFC", other.text) != best_form:
            raise _unknown_encoding(
                f"ambiguous: {best.encoding}={best_share:.2f} and {other.encoding}={share:.2f} read differently"
            )
    return best
