"""Compare two runs: metric deltas with paired-bootstrap confidence intervals, and flipped items.

Items are paired by ``id`` (only items present in both runs are compared). The bootstrap resamples
items with replacement, recomputes every metric on both runs from the per-item scores, and takes
the percentile interval of the differences. The generator is seeded, so a comparison is
deterministic. Pass/fail per item: by the answer when both runs answer, else by retrieval (hit@5);
see :func:`evals.metrics.item_passed`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evals.metrics import (
    LOWER_IS_BETTER,
    METRIC_KEYS,
    UNIT_METRICS,
    ItemScores,
    Quality,
    aggregate,
    item_passed,
)
from evals.report import METRIC_LABELS, format_metric, render_template

DEFAULT_RESAMPLES = 2000
DEFAULT_SEED = 0


@dataclass(frozen=True)
class MetricDelta:
    metric: str
    a: float | None
    b: float | None
    delta: float | None  # b − a
    ci_low: float | None
    ci_high: float | None

    @property
    def verdict(self) -> str:
        """ "better", "worse" (the interval excludes 0) or "" (no clear change, or not computable)."""
        if self.ci_low is None or self.ci_high is None or self.metric == "answer.median_chars":
            return ""
        if self.ci_low > 0:
            return "worse" if self.metric in LOWER_IS_BETTER else "better"
        if self.ci_high < 0:
            return "better" if self.metric in LOWER_IS_BETTER else "worse"
        return ""


@dataclass(frozen=True)
class Flip:
    id: str
    type: str
    question: str
    passed_a: bool
    passed_b: bool


@dataclass(frozen=True)
class Comparison:
    label_a: str
    label_b: str
    summary_a: Mapping[str, Any]
    summary_b: Mapping[str, Any]
    quality: str
    compared: int
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]
    deltas: tuple[MetricDelta, ...]
    flips: tuple[Flip, ...]
    resamples: int
    seed: int
    confidence: float

    @property
    def regressions(self) -> tuple[Flip, ...]:
        return tuple(f for f in self.flips if f.passed_a and not f.passed_b)

    @property
    def fixes(self) -> tuple[Flip, ...]:
        return tuple(f for f in self.flips if not f.passed_a and f.passed_b)


def bootstrap_deltas(
    scores_a: Sequence[ItemScores],
    scores_b: Sequence[ItemScores],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = 0.95,
) -> dict[str, tuple[float | None, float | None]]:
    """Paired-bootstrap interval of (metric on B − metric on A) for every metric.

    ``scores_a[i]`` and ``scores_b[i]`` are the same item. A resample where the metric is null on
    either side is skipped; with fewer than half the resamples usable the interval is (None, None).
    """
    import numpy as np

    if len(scores_a) != len(scores_b):
        raise ValueError("paired scores must have the same length")
    n = len(scores_a)
    samples: dict[str, list[float]] = {key: [] for key in METRIC_KEYS}
    if n:
        rng = np.random.default_rng(seed)
        for indexes in rng.integers(0, n, size=(resamples, n)):
            metrics_a, _ = aggregate([scores_a[i] for i in indexes])
            metrics_b, _ = aggregate([scores_b[i] for i in indexes])
            for key in METRIC_KEYS:
                value_a, value_b = metrics_a[key], metrics_b[key]
                if value_a is not None and value_b is not None:
                    samples[key].append(value_b - value_a)
    tail = (1 - confidence) / 2 * 100
    intervals: dict[str, tuple[float | None, float | None]] = {}
    for key, values in samples.items():
        if len(values) * 2 < resamples or not values:
            intervals[key] = (None, None)
        else:
            low, high = np.percentile(values, [tail, 100 - tail])
            intervals[key] = (float(low), float(high))
    return intervals


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else b - a


def compare_runs(
    summary_a: Mapping[str, Any],
    records_a: Sequence[Mapping[str, Any]],
    summary_b: Mapping[str, Any],
    records_b: Sequence[Mapping[str, Any]],
    *,
    label_a: str = "A",
    label_b: str = "B",
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = 0.95,
) -> Comparison:
    by_id_b = {r["id"]: r for r in records_b}
    ids_a = {r["id"] for r in records_a}
    paired = [(r, by_id_b[r["id"]]) for r in records_a if r["id"] in by_id_b]
    scores_a = [ItemScores.from_dict(a["scores"]) for a, _ in paired]
    scores_b = [ItemScores.from_dict(b["scores"]) for _, b in paired]
    metrics_a, _ = aggregate(scores_a)
    metrics_b, _ = aggregate(scores_b)
    intervals = bootstrap_deltas(scores_a, scores_b, resamples=resamples, seed=seed, confidence=confidence)
    deltas = tuple(
        MetricDelta(
            key,
            metrics_a[key],
            metrics_b[key],
            _difference(metrics_a[key], metrics_b[key]),
            *intervals[key],
        )
        for key in METRIC_KEYS
    )
    both_answer = summary_a.get("quality") == "answer" and summary_b.get("quality") == "answer"
    quality: Quality = "answer" if both_answer else "retrieval"
    flips: list[Flip] = []
    for (record_a, _), score_a, score_b in zip(paired, scores_a, scores_b, strict=True):
        passed_a = item_passed(score_a, quality)
        passed_b = item_passed(score_b, quality)
        if passed_a is not None and passed_b is not None and passed_a != passed_b:
            flips.append(Flip(record_a["id"], record_a["type"], record_a["question"], passed_a, passed_b))
    return Comparison(
        label_a=label_a,
        label_b=label_b,
        summary_a=summary_a,
        summary_b=summary_b,
        quality=quality,
        compared=len(paired),
        only_a=tuple(r["id"] for r in records_a if r["id"] not in by_id_b),
        only_b=tuple(r["id"] for r in records_b if r["id"] not in ids_a),
        deltas=deltas,
        flips=tuple(flips),
        resamples=resamples,
        seed=seed,
        confidence=confidence,
    )


def _signed(key: str, value: float | None) -> str:
    if value is None:
        return "—"
    if key in UNIT_METRICS:
        return f"{value:+,.0f}".replace(",", ".")
    return f"{value:+.3f}"


def _interval(delta: MetricDelta) -> str:
    if delta.ci_low is None or delta.ci_high is None:
        return "—"
    return f"[{_signed(delta.metric, delta.ci_low)}, {_signed(delta.metric, delta.ci_high)}]"


_VERDICT = {"better": "▲ tốt hơn", "worse": "▼ kém hơn", "": ""}


def _header_lines(c: Comparison) -> list[str]:
    lines = []
    for label, summary in ((c.label_a, c.summary_a), (c.label_b, c.summary_b)):
        testset = summary.get("testset", {})
        lines.append(
            f"- {label}: vankien {summary.get('product', {}).get('version', '?')}, "
            f"`{testset.get('file', '?')}` (sha256 {str(testset.get('sha256', ''))[:12]}…), "
            f"{summary.get('started_at', '?')}"
        )
    if c.summary_a.get("testset", {}).get("sha256") != c.summary_b.get("testset", {}).get("sha256"):
        lines.append("- ⚠ Hai lần chạy dùng bộ câu hỏi khác nhau: chỉ so các câu có cùng mã.")
    lines.append(
        f"- So sánh {c.compared} câu"
        + (f" (chỉ có ở A: {len(c.only_a)}, chỉ có ở B: {len(c.only_b)})" if c.only_a or c.only_b else "")
        + f"; đạt/không đạt theo {'câu trả lời' if c.quality == 'answer' else 'truy hồi (hit@5)'}; "
        f"khoảng tin cậy {c.confidence:.0%} bằng bootstrap ghép cặp ({c.resamples} lần, seed {c.seed})."
    )
    return lines


def render_comparison_md(c: Comparison) -> str:
    lines = [f"# So sánh: {c.label_a} → {c.label_b}", "", *_header_lines(c), ""]
    lines += ["| chỉ số | A | B | Δ (B − A) | KTC | |", "|---|---:|---:|---:|---|---|"]
    for d in c.deltas:
        lines.append(
            f"| `{d.metric}` | {format_metric(d.metric, d.a)} | {format_metric(d.metric, d.b)} | "
            f"{_signed(d.metric, d.delta)} | {_interval(d)} | {_VERDICT[d.verdict]} |"
        )
    lines += ["", f"## Câu đổi kết quả ({len(c.flips)})", ""]
    for title, flips in (("Đạt → không đạt", c.regressions), ("Không đạt → đạt", c.fixes)):
        lines.append(f"### {title} ({len(flips)})")
        lines.append("")
        lines += [f"- `{f.id}` ({f.type}): {f.question}" for f in flips] or ["- (không có)"]
        lines.append("")
    return "\n".join(lines)


def render_comparison_html(c: Comparison) -> str:
    rows = [
        {
            "metric": d.metric,
            "label": METRIC_LABELS.get(d.metric, ""),
            "a": format_metric(d.metric, d.a),
            "b": format_metric(d.metric, d.b),
            "delta": _signed(d.metric, d.delta),
            "interval": _interval(d),
            "verdict": _VERDICT[d.verdict],
        }
        for d in c.deltas
    ]
    return str(
        render_template(
            "comparison.html.j2",
            title=f"So sánh {c.label_a} → {c.label_b}",
            c=c,
            header_lines=_header_lines(c),
            rows=rows,
        )
    )
