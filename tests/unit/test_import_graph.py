"""The layers import one way: a check over every import of the product packages, function-level ones too.

ingestion/, prompts/ at the bottom; vectorstore/ above ingestion; evals/ beside vectorstore (types of the lower
layers, never the assistant); assistant/ above them; ui/ on top, through the assistant's services only.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ingestion", "prompts", "vectorstore", "evals", "assistant", "ui")

# package -> the product packages it must not import
FORBIDDEN: dict[str, frozenset[str]] = {
    "ingestion": frozenset({"vectorstore", "evals", "assistant", "ui"}),
    "prompts": frozenset({"ingestion", "vectorstore", "evals", "assistant", "ui"}),
    "vectorstore": frozenset({"evals", "assistant", "ui"}),
    "evals": frozenset({"assistant", "ui"}),
    "assistant": frozenset(),
    "ui": frozenset({"ingestion", "vectorstore", "evals", "prompts"}),
}
# What of the assistant the UI may use: its services, and the settings it is handed.
UI_MAY_IMPORT = ("assistant.services", "assistant.settings")


def imports_of(source: Path, root: Path = ROOT) -> Iterator[tuple[str, int]]:
    """Every module ``source`` imports (absolute names, relative imports resolved), with its line."""
    package = ".".join(source.relative_to(root).with_suffix("").parts[:-1])
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield module, node.lineno
            if module in PACKAGES:
                # "from assistant import services" imports assistant.services.
                for alias in node.names:
                    yield f"{module}.{alias.name}", node.lineno


def violations(package: str, root: Path = ROOT) -> list[str]:
    found = []
    for source in sorted((root / package).rglob("*.py")):
        for module, line in imports_of(source, root):
            top = module.split(".")[0]
            where = f"{source.relative_to(root)}:{line} imports {module}"
            if top in FORBIDDEN[package] or (
                package == "ui"
                and top == "assistant"
                and module != "assistant"  # "from assistant import x" is judged by its assistant.x line
                and not module.startswith(UI_MAY_IMPORT)
            ):
                found.append(where)
    return sorted(set(found))


def test_the_check_sees_relative_and_function_level_imports(tmp_path: Path) -> None:
    (tmp_path / "ingestion").mkdir()
    sample = tmp_path / "ingestion" / "probe.py"
    sample.write_text(
        "def f():\n    from ..assistant import settings\n    import evals.gate\n", encoding="utf-8"
    )
    assert {m for m, _ in imports_of(sample, tmp_path)} == {"assistant", "assistant.settings", "evals.gate"}
    assert len(violations("ingestion", tmp_path)) == 3
    (tmp_path / "ui").mkdir()
    (tmp_path / "ui" / "page.py").write_text(
        "from assistant.services.search import x\nfrom assistant.api import security\n", encoding="utf-8"
    )
    assert [v.split(" imports ")[1] for v in violations("ui", tmp_path)] == ["assistant.api"]


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_run_one_way(package: str) -> None:
    assert not violations(package), "\n".join(violations(package))
