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
    expected = sum(
        1 for line in (ROOT / "data/testsets/dev.jsonl").read_text(encoding="utf-8").splitlines() if line
    )
    assert summary["counts"]["items"] == expected == 100
    assert all(value is not None for value in summary["metrics"].values())
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "d-001" in html


# The general reading-comprehension set (shared/evals/xquad-dev, CC BY-SA 4.0) lies beside the checkout, as
# it does in CI: rules that only fit the administrative samples show up here at once.
XQUAD = ROOT.parent / "shared" / "evals" / "xquad-dev"


def test_general_reading_comprehension_set_meets_its_gate(tmp_path: Path) -> None:
    assert (XQUAD / "testset.jsonl").is_file(), f"the xquad-dev set is expected at {XQUAD}"
    out = tmp_path / "xquad"
    command = [
        sys.executable,
        "-m",
        "assistant",
        "eval",
        "run",
        "--testset",
        str(XQUAD / "testset.jsonl"),
        "--corpus",
        str(XQUAD / "corpus"),
        "--gate",
        str(ROOT / "evals/gates/xquad-dev.yaml"),
        "--out",
        str(out),
        "--no-progress",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
