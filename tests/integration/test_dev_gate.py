"""The dev test set end to end over the bundled samples, through the evaluator's CLI, against the CI gate.

This is the quality gate of `make test`: a regression in ingestion, retrieval or answering that pushes a
metric below its floor in evals/gates/dev.yaml fails CI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_dev_set_meets_the_gate(tmp_path: Path) -> None:
    out = tmp_path / "run"
    command = [
        sys.executable,
        "-m",
        "assistant",
        "eval",
        "run",
        "--testset",
        str(ROOT / "data/testsets/dev.jsonl"),
        "--corpus",
        str(ROOT / "data/samples"),
        "--gate",
        str(ROOT / "evals/gates/dev.yaml"),
        "--out",
        str(out),
        "--no-progress",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["items"] == 40
    assert all(value is not None for value in summary["metrics"].values())
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "d-001" in html
