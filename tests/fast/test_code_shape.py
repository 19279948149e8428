"""The code stays readable: no function over 80 lines in the layers where handlers and services live."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_FUNCTION_LINES = 80


def long_functions(package: Path) -> list[str]:
    found = []
    for source in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    found.append(
                        f"{source.relative_to(package.parent)}:{node.lineno} {node.name} ({lines} lines)"
                    )
    return found


def test_a_long_function_is_found(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    body = "\n".join(f"    x{n} = {n}" for n in range(MAX_FUNCTION_LINES))
    (package / "m.py").write_text(f"def short():\n    return 1\n\n\ndef long():\n{body}\n", encoding="utf-8")
    assert long_functions(package) == [f"pkg/m.py:5 long ({MAX_FUNCTION_LINES + 1} lines)"]


@pytest.mark.parametrize("package", ["ui", "assistant", "evals"])
def test_no_function_is_over_80_lines(package: str) -> None:
    assert not long_functions(ROOT / package), "\n".join(long_functions(ROOT / package))
