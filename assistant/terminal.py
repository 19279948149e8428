"""Text from files and the store, made safe to print on a terminal.

A file name (or a heading, or a passage) may hold control characters: an ESC sequence recolours or
clears the terminal, moves the cursor or retitles the window; a bidi override reorders what is shown.
Every such character becomes a visible escape (``\\x1b``, ``\\u202e``), so the text is shown as it
is and never acts. ``markup`` also escapes rich markup (``[bold]``) for ``Console.print`` and tables.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rich.markup import escape

# C0 (but tab and newline, kept in multi-line text), DEL, C1, and the bidi embeddings, overrides and
# isolates. Tab and newline in a name are escaped too: a name is one line.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("[\t\n]")
# What a JSON encoder leaves as it is but a terminal may act on (C0 it escapes itself).
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escaped(match: re.Match[str]) -> str:
    character = match.group()
    code = ord(character)
    if character in _NAMED:
        return _NAMED[character]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, multiline: bool = False) -> str:
    """``text`` with every control character written as a visible escape (tab and newline kept when
    ``multiline``)."""
    text = _CONTROL.sub(_escaped, text)
    return text if multiline else _LINE_BREAKS.sub(_escaped, text)


def markup(text: str, *, multiline: bool = False) -> str:
    """``visible(text)`` with rich markup escaped: for ``Console.print`` and table cells."""
    return escape(visible(text, multiline=multiline))


def json_safe(text: str) -> str:
    """Serialised JSON with the characters its encoder leaves raw (DEL, C1, bidi) as ``\\u`` escapes:
    the same JSON value, safe on a terminal."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def dumps(value: Any) -> str:
    """``value`` as indented JSON (non-ASCII letters as they are), safe on a terminal."""
    return json_safe(json.dumps(value, ensure_ascii=False, indent=2))
