"""Display normalisation: clean Unicode text that still reads as the document, with a map back to the source.

What it does, in order:

1. line breaks unified (CRLF, CR, form feed, Unicode line/paragraph separators become ``\\n``);
2. Unicode NFC (converted files often mix decomposed diacritics into composed text);
3. invisible characters dropped (zero-width spaces, BOM, soft hyphens), and control characters (NUL and
   the other C0 controls but tab and line breaks, DEL, C1 controls) that files carry by mistake;
4. conversion artefacts removed: ``[bookmark: _GoBack]`` tags, ``**bold**`` and ``*italic*`` markers, Markdown
   heading hashes and backslash escapes, decoration lines (``-----``, ``____``, a lone ``*``), ``- 3 -`` page numbers;
5. whitespace: tabs and non-breaking spaces become spaces, runs of spaces collapse, lines are stripped, runs of blank
   lines become one blank line;
6. lines broken mid-sentence (by the converter or a page break) are re-joined: a line that does not end a sentence,
   followed (possibly after blank lines) by a line that starts in lower case and is not a list item ``a)``, is one
   paragraph.

Tone-mark placement is left as written (``hoà`` stays ``hoà``): the comparison form is :func:`ingestion.textnorm.fold`.

Every step keeps, for each output character, the offset of the loaded-text character it came from, so
:class:`~ingestion.model.NormalizedText` can map any span back. Lines that the source marked as bold or as a Markdown
heading are reported in ``bold_spans`` (the parser uses them as a heading signal, since the markers are gone).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ingestion.model import NormalizedText
from ingestion.textnorm import CONTROLS, INVISIBLE

# A piece of output: either a slice [start, end) of the current text kept as is, or new text anchored at an offset.
_Keep = tuple[int, int]
_Insert = tuple[str, int]
_Piece = _Keep | _Insert

_COMBINING_CLASS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_DECOMPOSED_CLUSTER = re.compile(f"[^{_COMBINING_CLASS}][{_COMBINING_CLASS}]+")
_LINE_BREAKS = re.compile("\r\n|[\r\f\v\x85\u2028\u2029]")
# Controls left after line breaks are unified (\f, \v, \x85 are breaks by then); tab stays, it is a space.
_BOOKMARK = re.compile(r"\[bookmark:[^\]\n]*\]")
# **bold** may span a line break inside one paragraph (a two-line issuer block), never a blank line.
_BOLD = re.compile(r"\*\*(?=\S)((?:(?!\n[ \t]*\n)[\s\S])*?\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?![*\w])")
_STRAY_STARS = re.compile(r"\*\*+")
_MD_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+(?=\S)", re.MULTILINE)
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])")
_DECORATION_LINE = re.compile(
    r"^[ \t]*(?:[-_=~*.•·]{3,}|\*|[-–][ \t]*\d{1,4}[ \t]*[-–])[ \t]*$", re.MULTILINE
)
_SPACES = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_SPACE_RUN = re.compile(r" {2,}")
_LINE_EDGE_SPACES = re.compile(r"^ +| +$", re.MULTILINE)
_BLANK_RUN = re.compile(r"\n{3,}")
# A line break (plus blank lines) between a line and a continuation that starts in lower case.
_BROKEN_LINE = re.compile(r"\n+(?=[^\W\d_])")
_SENTENCE_END = frozenset(".!?:;…")
_CLOSERS = frozenset("\"'”’»)]")
# A lower-case line that is a list item, not a continuation: "a) ", "đ. ".
_LOWER_LIST_ITEM = re.compile(r"[a-zđ][).]\s")


@dataclass
class _Text:
    """Text plus, for each character, its offset in the loaded text (one extra entry for the end)."""

    text: str
    offsets: list[int]

    def rewrite(
        self, pattern: re.Pattern[str], pieces_of: Callable[[re.Match[str]], Iterable[_Piece]]
    ) -> None:
        """Replace each match of ``pattern`` by the pieces ``pieces_of`` returns, keeping the offset map."""
        out: list[str] = []
        out_offsets: list[int] = []
        cursor = 0
        for match in pattern.finditer(self.text):
            start, end = match.span()
            out.append(self.text[cursor:start])
            out_offsets.extend(self.offsets[cursor:start])
            for piece in pieces_of(match):
                if isinstance(piece[0], str):
                    inserted, anchor = piece
                    assert isinstance(inserted, str) and isinstance(anchor, int)
                    out.append(inserted)
                    out_offsets.extend([self.offsets[anchor]] * len(inserted))
                else:
                    keep_start, keep_end = piece
                    assert isinstance(keep_start, int) and isinstance(keep_end, int)
                    out.append(self.text[keep_start:keep_end])
                    out_offsets.extend(self.offsets[keep_start:keep_end])
            cursor = end
        if cursor == 0 and not out:
            return
        out.append(self.text[cursor:])
        out_offsets.extend(self.offsets[cursor:])
        self.text = "".join(out)
        self.offsets = out_offsets


def _replace_with(replacement: str) -> Callable[[re.Match[str]], Iterable[_Piece]]:
    return lambda match: [(replacement, match.start())] if replacement else []


def _keep_group(group: int) -> Callable[[re.Match[str]], Iterable[_Piece]]:
    return lambda match: [match.span(group)]


def _compose_clusters(match: re.Match[str]) -> Iterable[_Piece]:
    cluster = match.group(0)
    composed = unicodedata.normalize("NFC", cluster)
    if composed == cluster:
        return [match.span()]
    return [(composed, match.start())]


def _nfc_everything_else(current: _Text) -> None:
    """Slow path for the rare text that is still not NFC after composing combining-mark clusters."""
    pieces: list[_Piece] = []
    start = 0
    text = current.text
    for i in range(1, len(text) + 1):
        if i < len(text):
            char = text[i]
            if unicodedata.combining(char) != 0:
                continue
            # A starter that composes with what precedes it (Hangul jamo) stays in the cluster.
            cluster_nfc = unicodedata.normalize("NFC", text[start:i])
            if unicodedata.normalize("NFC", text[start : i + 1]) != cluster_nfc + unicodedata.normalize(
                "NFC", char
            ):
                continue
        cluster = text[start:i]
        composed = unicodedata.normalize("NFC", cluster)
        pieces.append((start, i) if composed == cluster else (composed, start))
        start = i
    whole = re.compile(r"[\s\S]+")
    current.rewrite(whole, lambda _match: pieces)


def _ends_sentence(line: str) -> bool:
    stripped = line.rstrip()
    while stripped and stripped[-1] in _CLOSERS:
        stripped = stripped[:-1]
    return not stripped or stripped[-1] in _SENTENCE_END


def _join_broken_lines(current: _Text) -> None:
    text = current.text

    def pieces(match: re.Match[str]) -> Iterable[_Piece]:
        start, end = match.span()
        line_start = text.rfind("\n", 0, start) + 1
        previous_line = text[line_start:start]
        following = text[end : end + 3]
        if (
            not previous_line.strip()
            or _ends_sentence(previous_line)
            or not following[0].islower()
            or _LOWER_LIST_ITEM.match(following)
        ):
            return [match.span()]
        return [(" ", start)]

    current.rewrite(_BROKEN_LINE, pieces)


def _mark_bold(current: _Text, marks: list[tuple[int, int]]) -> Callable[[re.Match[str]], Iterable[_Piece]]:
    """Keep the inner text of a bold match and remember the source span of that text."""

    def pieces(match: re.Match[str]) -> Iterable[_Piece]:
        inner_start, inner_end = match.span(1)
        marks.append((current.offsets[inner_start], current.offsets[inner_end]))
        return [(inner_start, inner_end)]

    return pieces


def _mark_heading_line(
    current: _Text, marks: list[tuple[int, int]]
) -> Callable[[re.Match[str]], Iterable[_Piece]]:
    text = current.text

    def pieces(match: re.Match[str]) -> Iterable[_Piece]:
        line_end = text.find("\n", match.end())
        line_end = len(text) if line_end < 0 else line_end
        marks.append((current.offsets[match.end()], current.offsets[line_end]))
        return []

    return pieces


def _spans_in_output(offsets: list[int], source_marks: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Translate source-offset spans to spans of the normalised text (offsets are non-decreasing)."""
    import bisect

    spans: list[tuple[int, int]] = []
    for source_start, source_end in sorted(source_marks):
        start = bisect.bisect_left(offsets, source_start, 0, len(offsets) - 1)
        end = bisect.bisect_left(offsets, source_end, start, len(offsets) - 1)
        if end > start:
            spans.append((start, end))
    return tuple(spans)


def normalize(text: str) -> NormalizedText:
    """Normalise loaded text for display and parsing; see the module docstring for what changes."""
    current = _Text(text, list(range(len(text) + 1)))
    current.rewrite(_LINE_BREAKS, _replace_with("\n"))
    if not unicodedata.is_normalized("NFC", current.text):
        current.rewrite(_DECOMPOSED_CLUSTER, _compose_clusters)
        if not unicodedata.is_normalized("NFC", current.text):
            _nfc_everything_else(current)
    current.rewrite(INVISIBLE, _replace_with(""))
    current.rewrite(CONTROLS, _replace_with(""))
    current.rewrite(_BOOKMARK, _replace_with(""))
    bold_marks: list[tuple[int, int]] = []
    current.rewrite(_BOLD, _mark_bold(current, bold_marks))
    current.rewrite(_ITALIC, _keep_group(1))
    current.rewrite(_STRAY_STARS, _replace_with(""))
    current.rewrite(_MD_HEADING, _mark_heading_line(current, bold_marks))
    current.rewrite(_MD_ESCAPE, _keep_group(1))
    current.rewrite(_DECORATION_LINE, _replace_with(""))
    current.rewrite(_SPACES, _replace_with(" "))
    current.rewrite(_SPACE_RUN, lambda match: [(match.start(), match.start() + 1)])
    current.rewrite(_LINE_EDGE_SPACES, _replace_with(""))
    current.rewrite(_BLANK_RUN, lambda match: [(match.start(), match.start() + 2)])
    _join_broken_lines(current)
    # Leading and trailing blank lines carry nothing.
    current.rewrite(re.compile(r"^\n+|\n+$"), _replace_with(""))
    return NormalizedText(
        text=current.text,
        source_offsets=tuple(current.offsets),
        bold_spans=_spans_in_output(current.offsets, bold_marks),
    )
