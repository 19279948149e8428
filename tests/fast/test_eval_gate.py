"""Gates: floors, ceilings, null handling, baseline drops, the YAML format."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.gate import Bound, Gate, GateError, check_gate, load_gate, parse_bound, with_overrides
from evals.metrics import METRIC_KEYS

REPO = Path(__file__).resolve().parents[2]


def _metrics(**values: float | None) -> dict[str, float | None]:
    metrics: dict[str, float | None] = dict.fromkeys(METRIC_KEYS)
    metrics.update({k.replace("__", ".").replace("_at_", "@"): v for k, v in values.items()})
    return metrics


def test_floors_and_ceilings() -> None:
    gate = Gate(
        bounds=(
            Bound("retrieval.hit@5", "min", 0.8),
            Bound("retrieval.mrr@10", "min", 0.5),
            Bound("latency.p95_ms", "max", 1000.0),
        )
    )
    metrics = _metrics(retrieval__hit_at_5=0.8, retrieval__mrr_at_10=0.49, latency__p95_ms=1000.0)
    result = check_gate(gate, metrics)
    assert [c.status for c in result.checks] == ["pass", "fail", "pass"]
    assert not result.passed
    assert result.to_dict()["passed"] is False


def test_null_metrics_skip_unless_the_gate_says_they_fail() -> None:
    metrics = _metrics(retrieval__hit_at_5=0.9)
    skipping = Gate(bounds=(Bound("answer.key_fact_recall", "min", 0.5),))
    assert [c.status for c in check_gate(skipping, metrics).checks] == ["skipped"]
    assert check_gate(skipping, metrics).passed
    failing = Gate(bounds=(Bound("answer.key_fact_recall", "min", 0.5, null_fails=True),))
    assert not check_gate(failing, metrics).passed


def test_baseline_drops() -> None:
    baseline = _metrics(
        retrieval__hit_at_5=0.80,
        abstention__over_refusal=0.10,
        latency__p50_ms=100.0,
        answer__key_fact_recall=0.7,
    )
    gate = Gate(max_drop=0.05)
    now = _metrics(
        retrieval__hit_at_5=0.76,
        abstention__over_refusal=0.14,
        latency__p50_ms=900.0,
        answer__key_fact_recall=0.7,
    )
    result = check_gate(gate, now, baseline)
    assert result.passed
    assert {c.metric for c in result.checks} == {
        "retrieval.hit@5",
        "abstention.over_refusal",
        "answer.key_fact_recall",
    }  # latency is left to ceilings
    worse = _metrics(retrieval__hit_at_5=0.74, abstention__over_refusal=0.16, answer__key_fact_recall=0.7)
    assert [c.metric for c in check_gate(gate, worse, baseline).checks if c.status == "fail"] == [
        "retrieval.hit@5",
        "abstention.over_refusal",
    ]
    lost = _metrics(retrieval__hit_at_5=0.80, abstention__over_refusal=0.10)
    failed = [c for c in check_gate(gate, lost, baseline).checks if c.status == "fail"]
    assert [c.metric for c in failed] == ["answer.key_fact_recall"]
    assert not check_gate(
        Gate(), _metrics(retrieval__hit_at_5=0.79), _metrics(retrieval__hit_at_5=0.8)
    ).passed


def test_yaml_gate_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "gates" / "g.yaml"
    path.parent.mkdir()
    path.write_text(
        "floors:\n  retrieval.hit@5: 0.8\n  answer.key_fact_recall: {value: 0.6, null_fails: true}\n"
        "ceilings:\n  latency.p95_ms: 5000\nbaseline: ../runs/v1\nmax_drop: 0.02\n",
        encoding="utf-8",
    )
    gate = load_gate(path)
    assert gate.bounds == (
        Bound("retrieval.hit@5", "min", 0.8),
        Bound("answer.key_fact_recall", "min", 0.6, null_fails=True),
        Bound("latency.p95_ms", "max", 5000.0),
    )
    assert gate.baseline == path.parent / "../runs/v1" and gate.max_drop == 0.02
    overridden = with_overrides(gate, [parse_bound("retrieval.hit@5=0.9", "min")], max_drop=0.1)
    assert Bound("retrieval.hit@5", "min", 0.9) in overridden.bounds
    assert Bound("retrieval.hit@5", "min", 0.8) not in overridden.bounds
    assert overridden.max_drop == 0.1 and overridden.baseline == gate.baseline


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("floors:\n  retrieval.hit@6: 0.8\n", "unknown_metric"),
        ("floors:\n  retrieval.hit@5: high\n", "invalid_gate"),
        ("floors: [retrieval.hit@5]\n", "invalid_gate"),
        ("flors:\n  retrieval.hit@5: 0.8\n", "invalid_gate"),
        ("floors:\n  retrieval.hit@5: {min: 0.8}\n", "invalid_gate"),
        ("- a\n- b\n", "invalid_gate"),
        ("floors: {a: [\n", "invalid_gate"),
    ],
)
def test_bad_gate_files(tmp_path: Path, text: str, code: str) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GateError) as raised:
        load_gate(path)
    assert raised.value.code == code


def test_command_line_bounds() -> None:
    assert parse_bound("retrieval.mrr@10=0.55", "min") == Bound("retrieval.mrr@10", "min", 0.55)
    for spec, code in (
        ("retrieval.mrr@10", "invalid_bound"),
        ("retrieval.mrr@10=x", "invalid_bound"),
        ("mrr=0.5", "unknown_metric"),
    ):
        with pytest.raises(GateError) as raised:
            parse_bound(spec, "min")
        assert raised.value.code == code


def test_the_dev_gate_file_loads() -> None:
    gate = load_gate(REPO / "evals" / "gates" / "dev.yaml")
    assert all(b.metric in METRIC_KEYS for b in gate.bounds)
