"""Names from disk or the store never reach the terminal as control characters or rich markup: the escaping
itself (the CLI that uses it, in a real process, is tested in tests/unit/test_cli_errors.py)."""

from __future__ import annotations

import json

from assistant.terminal import dumps, markup, visible

# A name that would turn the terminal red, clear it, and set its title; C1 CSI too, and rich markup.
HOSTILE_NAME = "\x1b[31mbao-cao\x1b[2J\x1b]0;pwned\x07\x9b1m[bold]đậm.txt"


def test_visible_escapes_every_control_character() -> None:
    assert visible("a\x1b[31mb") == "a\\x1b[31mb"
    assert visible("\x00\x07\x7f\x9b\u202e") == "\\x00\\x07\\x7f\\x9b\\u202e"
    assert visible("dòng 1\ndòng\t2") == "dòng 1\\ndòng\\t2"
    assert visible("dòng 1\ndòng\t2", multiline=True) == "dòng 1\ndòng\t2"
    assert visible("Nghị quyết số 05-NQ/HU") == "Nghị quyết số 05-NQ/HU"
    assert markup("[bold]x[/bold]\x1b") == "\\[bold]x\\[/bold]\\x1b"
    # JSON: the same value, with nothing a terminal acts on.
    encoded = dumps({"name": HOSTILE_NAME})
    assert json.loads(encoded) == {"name": HOSTILE_NAME}
    assert not any(ch in encoded for ch in "\x1b\x07\x9b")
