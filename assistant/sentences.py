"""What both answerers read of a passage: its sentences, and the evidence an answer about it is checked against.

The extractive answerer picks sentences of a passage; the LLM answerer finds the passage sentence that
supports what the model wrote; verification of either answer checks figures against the same evidence.
"""

from __future__ import annotations

import re

from ingestion.textnorm import UPPERCASE
from prompts import templates
from vectorstore.passages import Passage

_SENTENCE_BREAK = re.compile(rf"\n+|(?<=[.!?…])\s+(?=[\"“(]?[0-9{UPPERCASE}-])")
_NUMBERING_ONLY = re.compile(
    r"^\s*(?:\d+(?:\.\d+)*\.?|[a-zđ]\)|[IVXLC]+[.\-]|[-+•]|(?:Điều|Khoản|Mục|Chương|Phần)\s+[\dIVXLC]+[.:]?)\s*$"
)
# A list item line: a bullet, "a)", "2.", "1.2)", "IV." and then words.
ITEM_LINE = re.compile(r"^\s*(?:[-+•*]|[a-zđ][).]|\d+(?:\.\d+)*[.)]|[IVXLC]+[.\-])\s+\S")
# A line that goes on with a figure and then lower-case words: "2 tăng trong phổi …".
_FIGURE_GOES_ON = re.compile(rf"\s*\d+\s+(?![{UPPERCASE}])[^\W\d_]")
# A sentence does not end at an abbreviation or an initial: "St. Johns", "TP. Hồ Chí Minh", "W. Haydon".
_ABBREVIATED_END = re.compile(r"(?<![\w])(?:[A-ZĐ][a-zđ]{0,2}|[A-ZĐ]{1,3})\.$")


def split_spans(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """The spans of ``text`` between matches of ``pattern``, blank ones left out."""
    spans, cursor = [], 0
    for match in pattern.finditer(text):
        if match.start() > cursor:
            spans.append((cursor, match.start()))
        cursor = match.end()
    if cursor < len(text):
        spans.append((cursor, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _continues(line: str, following: str) -> bool:
    """A line broken mid-sentence: it ends with a comma or dash, or the next line goes on in lower case
    (and is not a list item of its own), or a line without a sentence end goes on with a subscript or a
    figure before lower-case words ("Nồng độ O" / "2 tăng trong phổi …")."""
    if ITEM_LINE.match(following):
        return False
    if line.rstrip().endswith((",", "–", "-")) or following.lstrip()[:1].islower():
        return True
    return not line.rstrip().endswith((".", "!", "?", "…", ":", ";")) and bool(
        _FIGURE_GOES_ON.match(following)
    )


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences (and heading lines) of a passage; a bare numbering token ("2.", "a)") joins what follows it."""
    spans = split_spans(text, _SENTENCE_BREAK)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and (
            _NUMBERING_ONLY.match(text[merged[-1][0] : merged[-1][1]])
            or _continues(text[merged[-1][0] : merged[-1][1]], text[start:end])
            or _ABBREVIATED_END.search(text[merged[-1][0] : merged[-1][1]])
        ):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def passage_label(passage: Passage) -> str:
    """ "Báo cáo số 250/BC-UBND ngày 02/12/2021": the document a passage comes from."""
    meta = passage.metadata
    date_text = meta.date.strftime("%d/%m/%Y") if meta.date else None
    return templates.document_label(meta.doc_type, meta.number, date_text, meta.title)


def passage_evidence(passage: Passage) -> str:
    """What an answer citing a passage is checked against: the passage, and the document identity and
    section path the system attaches to it (what the model was shown; a "where" answer names them)."""
    return "\n".join((passage.text, passage_label(passage), " › ".join(passage.section_path)))
