"""Quality gates: floors and ceilings for metrics, and "no metric drops by more than X" against a baseline.

Gate file (YAML)::

    floors:                       # metric >= value
      retrieval.hit@5: 0.80
      answer.key_fact_recall: {value: 0.60, null_fails: true}
    ceilings:                     # metric <= value (latency, over-refusal)
      latency.p95_ms: 5000
    null_fails: false             # default for every bound
    baseline: runs/v0.3           # optional: an earlier run folder (relative to this file)
    max_drop: 0.02                # with a baseline: largest allowed drop of any 0..1 metric

A metric that is null in this run (not computable, e.g. answer metrics of a retrieval-only run)
**skips** its bound, reported as skipped, unless ``null_fails`` is true for it (per bound or for the
whole file): then it fails. Against a baseline, every 0..1 metric is checked (for
``abstention.over_refusal`` a rise is a drop); metrics with units (latency, answer length) are left
to ceilings. A metric the baseline computed that is null now fails the drop check (the run lost a
capability); one the baseline did not compute is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from evals.metrics import LOWER_IS_BETTER, METRIC_KEYS, UNIT_METRICS
from ingestion.errors import CodedError

BoundKind = Literal["min", "max"]
CheckStatus = Literal["pass", "fail", "skipped"]
_TOLERANCE = 1e-9


class GateError(CodedError):
    """A gate that cannot be read. ``code`` is stable; ``message`` is Vietnamese."""


@dataclass(frozen=True)
class Bound:
    metric: str
    kind: BoundKind
    value: float
    null_fails: bool = False


@dataclass(frozen=True)
class Gate:
    bounds: tuple[Bound, ...] = ()
    baseline: Path | None = None
    max_drop: float | None = None
    null_fails: bool = False


@dataclass(frozen=True)
class GateCheck:
    metric: str
    rule: str  # "min", "max" or "max_drop"
    threshold: float
    value: float | None
    status: CheckStatus
    message: str


@dataclass(frozen=True)
class GateResult:
    checks: tuple[GateCheck, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "checks": [
                {
                    "metric": c.metric,
                    "rule": c.rule,
                    "threshold": c.threshold,
                    "value": c.value,
                    "status": c.status,
                    "message": c.message,
                }
                for c in self.checks
            ],
        }


def _metric_name(name: object) -> str:
    if not isinstance(name, str) or name not in METRIC_KEYS:
        raise GateError("unknown_metric", f"Chỉ số không tồn tại: {name!r}. Có: {', '.join(METRIC_KEYS)}.")
    return name


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GateError("invalid_gate", f"{what} phải là một số, không phải {value!r}.")
    return float(value)


def parse_bound(spec: str, kind: BoundKind) -> Bound:
    """``METRIC=VALUE`` from the command line."""
    name, sep, raw = spec.partition("=")
    if not sep:
        raise GateError("invalid_bound", f"Cần dạng CHỈ_SỐ=GIÁ_TRỊ, không phải {spec!r}.")
    try:
        value = float(raw)
    except ValueError:
        raise GateError("invalid_bound", f"Giá trị của {name} phải là số, không phải {raw!r}.") from None
    return Bound(_metric_name(name.strip()), kind, value)


def gate_from_mapping(data: Mapping[str, Any], base_dir: Path) -> Gate:
    known = {"floors", "ceilings", "null_fails", "baseline", "max_drop"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise GateError("invalid_gate", f"Khoá không hợp lệ trong tệp ngưỡng: {', '.join(unknown)}.")
    null_fails = data.get("null_fails", False)
    if not isinstance(null_fails, bool):
        raise GateError("invalid_gate", "null_fails phải là true hoặc false.")
    bounds: list[Bound] = []
    sections: tuple[tuple[str, BoundKind], ...] = (("floors", "min"), ("ceilings", "max"))
    for section, kind in sections:
        entries = data.get(section) or {}
        if not isinstance(entries, Mapping):
            raise GateError("invalid_gate", f"'{section}' phải là bảng CHỈ_SỐ: GIÁ_TRỊ.")
        for name, spec in entries.items():
            metric = _metric_name(name)
            if isinstance(spec, Mapping):
                extra = sorted(set(spec) - {"value", "null_fails"})
                if extra or "value" not in spec:
                    raise GateError("invalid_gate", f"{metric}: cần {{value: X[, null_fails: true|false]}}.")
                fails = spec.get("null_fails", null_fails)
                if not isinstance(fails, bool):
                    raise GateError("invalid_gate", f"{metric}: null_fails phải là true hoặc false.")
                bounds.append(Bound(metric, kind, _number(spec["value"], metric), fails))
            else:
                bounds.append(Bound(metric, kind, _number(spec, metric), null_fails))
    baseline = data.get("baseline")
    if baseline is not None and not isinstance(baseline, str):
        raise GateError("invalid_gate", "baseline phải là đường dẫn thư mục của một lần chạy.")
    max_drop = data.get("max_drop")
    return Gate(
        bounds=tuple(bounds),
        baseline=(base_dir / baseline) if baseline else None,
        max_drop=None if max_drop is None else _number(max_drop, "max_drop"),
        null_fails=null_fails,
    )


def load_gate(path: Path) -> Gate:
    """Read a YAML gate file. Raises GateError."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise GateError("gate_unreadable", f"Không đọc được tệp ngưỡng {path}: {error}.") from None
    except yaml.YAMLError as error:
        raise GateError("invalid_gate", f"Tệp ngưỡng {path} không phải YAML hợp lệ: {error}.") from None
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise GateError("invalid_gate", f"Tệp ngưỡng {path} phải là một bảng YAML.")
    return gate_from_mapping(data, path.parent)


def with_overrides(
    gate: Gate,
    bounds: Sequence[Bound] = (),
    *,
    baseline: Path | None = None,
    max_drop: float | None = None,
) -> Gate:
    """The gate with command-line bounds (replacing the file's bound of the same metric and kind)."""
    replaced = {(b.metric, b.kind) for b in bounds}
    kept = [b for b in gate.bounds if (b.metric, b.kind) not in replaced]
    overridden = [Bound(b.metric, b.kind, b.value, gate.null_fails) for b in bounds]
    return Gate(
        bounds=(*kept, *overridden),
        baseline=baseline if baseline is not None else gate.baseline,
        max_drop=max_drop if max_drop is not None else gate.max_drop,
        null_fails=gate.null_fails,
    )


def check_gate(
    gate: Gate,
    metrics: Mapping[str, float | None],
    baseline_metrics: Mapping[str, float | None] | None = None,
) -> GateResult:
    """Check a run's metrics against the gate (and the baseline's metrics, when the gate has one)."""
    checks: list[GateCheck] = []
    for bound in gate.bounds:
        value = metrics.get(bound.metric)
        symbol = "≥" if bound.kind == "min" else "≤"
        if value is None:
            status: CheckStatus = "fail" if bound.null_fails else "skipped"
            checks.append(
                GateCheck(
                    bound.metric,
                    bound.kind,
                    bound.value,
                    None,
                    status,
                    f"{bound.metric} không tính được (null) — {'không đạt' if status == 'fail' else 'bỏ qua'}.",
                )
            )
            continue
        ok = value >= bound.value - _TOLERANCE if bound.kind == "min" else value <= bound.value + _TOLERANCE
        checks.append(
            GateCheck(
                bound.metric,
                bound.kind,
                bound.value,
                value,
                "pass" if ok else "fail",
                f"{bound.metric} = {value:.4g} (cần {symbol} {bound.value:.4g}).",
            )
        )
    if baseline_metrics is not None:
        allowed = gate.max_drop if gate.max_drop is not None else 0.0
        for metric in METRIC_KEYS:
            if metric in UNIT_METRICS:
                continue
            before, now = baseline_metrics.get(metric), metrics.get(metric)
            if before is None:
                continue
            if now is None:
                checks.append(
                    GateCheck(
                        metric,
                        "max_drop",
                        allowed,
                        None,
                        "fail",
                        f"{metric} có ở lần chạy gốc ({before:.4g}) nhưng nay không tính được.",
                    )
                )
                continue
            drop = now - before if metric in LOWER_IS_BETTER else before - now
            ok = drop <= allowed + _TOLERANCE
            checks.append(
                GateCheck(
                    metric,
                    "max_drop",
                    allowed,
                    now,
                    "pass" if ok else "fail",
                    f"{metric}: {before:.4g} → {now:.4g} (giảm {max(drop, 0.0):.4g}, cho phép {allowed:.4g}).",
                )
            )
    return GateResult(tuple(checks))
