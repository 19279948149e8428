"""Human-readable reports of a run: ``summary.md`` and a self-contained ``report.html``.

The HTML has inline CSS and inline SVG plots, no script, no external resource: it opens offline.
Every piece of text from a test set, a document or the system is HTML-escaped.
"""

from __future__ import annotations

import functools
import json
import math
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import jinja2
from markupsafe import Markup

from evals.metrics import METRIC_KEYS, UNIT_METRICS

METRIC_LABELS: dict[str, str] = {
    "retrieval.hit@1": "Nguồn đúng ở vị trí 1",
    "retrieval.hit@3": "Nguồn đúng trong top 3",
    "retrieval.hit@5": "Nguồn đúng trong top 5",
    "retrieval.recall@5": "Tỷ lệ nguồn chuẩn có trong top 5",
    "retrieval.mrr@10": "MRR@10",
    "retrieval.ndcg@10": "nDCG@10",
    "answer.key_fact_recall": "Tỷ lệ ý chính có trong câu trả lời",
    "answer.exact_all_facts": "Câu trả lời đủ mọi ý chính",
    "answer.median_chars": "Độ dài trung vị (ký tự)",
    "citation.precision": "Trích dẫn đúng nguồn",
    "citation.recall": "Nguồn chuẩn được trích dẫn",
    "grounding.numeric": "Con số có căn cứ",
    "abstention.recall": "Từ chối đúng câu không có đáp án",
    "abstention.precision": "Độ chính xác khi từ chối",
    "abstention.over_refusal": "Từ chối nhầm câu có đáp án",
    "latency.p50_ms": "Thời gian trả lời p50 (ms)",
    "latency.p95_ms": "Thời gian trả lời p95 (ms)",
}
# Metrics shown per type (table and bars).
TYPE_METRICS = (
    "retrieval.hit@5",
    "retrieval.recall@5",
    "retrieval.mrr@10",
    "answer.key_fact_recall",
    "answer.exact_all_facts",
    "citation.precision",
    "grounding.numeric",
    "abstention.recall",
)
_PALETTE = ("#2f6db5", "#e08a1e", "#3a9a5b", "#c23b3b", "#7b5ea7", "#1b9aaa", "#8c6d31", "#d45087")
_SNIPPET_CHARS = 400


def format_metric(key: str, value: float | None) -> str:
    if value is None:
        return "—"
    if key in UNIT_METRICS:
        return f"{value:,.0f}".replace(",", ".")
    return f"{value:.3f}"


def metric_rows(summary: Mapping[str, Any]) -> list[list[str]]:
    """Rows of a metric table: key, Vietnamese label, value, note."""
    return [
        [
            key,
            METRIC_LABELS.get(key, key),
            format_metric(key, summary["metrics"].get(key)),
            summary["notes"].get(key, ""),
        ]
        for key in METRIC_KEYS
    ]


# ---------------------------------------------------------------------------------------------- markdown


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_summary_md(summary: Mapping[str, Any], records: Sequence[Mapping[str, Any]]) -> str:
    counts = summary["counts"]
    lines = [
        f"# Đánh giá: {summary['testset']['file']}",
        "",
        f"- Phiên bản: vankien {summary['product']['version']}",
        f"- Bộ câu hỏi: `{summary['testset']['file']}` (sha256 `{summary['testset']['sha256'][:12]}…`), "
        f"{counts['items']} câu ({counts['answerable']} có đáp án, {counts['unanswerable']} không có)",
        f"- Chế độ chấm: {'câu trả lời' if summary['quality'] == 'answer' else 'chỉ truy hồi'}; "
        f"đạt {counts['passed']}, không đạt {counts['failed']}, lỗi {counts['errors']}",
        f"- Bắt đầu: {summary['started_at']}, thời gian chạy {summary['duration_s']} s",
        "",
    ]
    for warning in summary.get("warnings", []):
        lines.append(f"> ⚠ {_md_cell(warning)}")
    if summary.get("warnings"):
        lines.append("")
    lines += ["## Chỉ số", "", "| chỉ số | giá trị | ghi chú |", "|---|---:|---|"]
    for key in METRIC_KEYS:
        value = summary["metrics"].get(key)
        note = summary["notes"].get(key, "")
        lines.append(f"| `{key}` | {format_metric(key, value)} | {_md_cell(note)} |")
    lines += ["", "## Theo loại câu hỏi", ""]
    header = "| loại | số câu | " + " | ".join(f"`{k}`" for k in TYPE_METRICS) + " |"
    lines += [header, "|---|---:|" + "---:|" * len(TYPE_METRICS)]
    for name, group in summary["by_type"].items():
        values = " | ".join(format_metric(k, group["metrics"].get(k)) for k in TYPE_METRICS)
        lines.append(f"| {_md_cell(name)} | {group['items']} | {values} |")
    failed = [r for r in records if r.get("passed") is False]
    if failed:
        lines += ["", "## Câu không đạt", ""]
        for record in failed:
            reasons = _failure_reasons(record)
            lines.append(f"- `{record['id']}` ({record['type']}): {_md_cell(record['question'])} — {reasons}")
    return "\n".join(lines) + "\n"


def _failure_reasons(record: Mapping[str, Any]) -> str:
    reasons: list[str] = []
    if record.get("error"):
        reasons.append("lỗi: " + record["error"].splitlines()[-1])
    scores = record["scores"]
    if record["answerable"] and scores["sources_total"] and not record["gold_matched_top5"]:
        reasons.append("không có nguồn chuẩn trong top 5")
    missing = [f["fact"] for f in record["facts"] if not f["found"]]
    if missing and scores["answered"]:
        reasons.append("thiếu: " + ", ".join(missing))
    if record["abstained"] and record["answerable"]:
        reasons.append("từ chối nhầm")
    if scores["answered"] and not record["answerable"] and not record["abstained"]:
        reasons.append("không từ chối")
    ungrounded = [n["text"] for n in record["numbers"] if not n["grounded"]]
    if ungrounded:
        reasons.append("số không có căn cứ: " + ", ".join(ungrounded))
    return "; ".join(reasons) or "không đạt"


# -------------------------------------------------------------------------------------------------- html


@functools.cache
def _templates() -> jinja2.Environment:
    """The report templates (``evals/templates``), every value escaped unless it is rendered markup."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("evals", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.globals.update(
        format_metric=format_metric, answer_pieces=_answer_pieces, snippet_chars=_SNIPPET_CHARS
    )
    return environment


def render_template(name: str, **values: Any) -> Markup:
    """A template of ``evals/templates`` rendered (markup: it can go into another template as it is)."""
    return Markup(_templates().get_template(name).render(**values))


def _coordinate(value: float) -> str:
    return f"{value:.1f}"


def svg_grouped_bars(
    groups: Mapping[str, Mapping[str, float | None]], series: Sequence[str], title: str
) -> Markup:
    """Grouped bars (values 0..1): one group per key of ``groups``, one bar per series. Nulls are gaps."""
    width, height = 760, 300
    left, right, top, bottom = 40, 10, 28, 70
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = [
        {
            "y": _coordinate(top + plot_h * (1 - t)),
            "label_y": _coordinate(top + plot_h * (1 - t) + 4),
            "label": f"{t:.2f}",
        }
        for t in (0.0, 0.25, 0.5, 0.75, 1.0)
    ]
    group_w = plot_w / max(len(groups), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    rendered_groups = []
    for g, name in enumerate(groups):
        x0 = left + g * group_w + group_w * 0.1
        bars = []
        for s, key in enumerate(series):
            value = groups[name].get(key)
            if value is None:
                continue
            bar_h = plot_h * max(0.0, min(1.0, value))
            bars.append(
                {
                    "x": _coordinate(x0 + s * bar_w),
                    "y": _coordinate(top + plot_h - bar_h),
                    "width": _coordinate(max(bar_w - 1, 1)),
                    "height": _coordinate(bar_h),
                    "fill": _PALETTE[s % len(_PALETTE)],
                    "key": key,
                    "value": f"{value:.3f}",
                }
            )
        rendered_groups.append(
            {"name": name, "bars": bars, "label_x": _coordinate(left + g * group_w + group_w / 2)}
        )
    return render_template(
        "bars.svg.j2",
        width=width,
        height=height,
        left=left,
        right_x=width - right,
        title=title,
        ticks=ticks,
        groups=rendered_groups,
        axis_label_y=top + plot_h + 14,
        legend=_legend(series, left, width, height - 30),
    )


def _legend(series: Sequence[str], left: int, width: int, first_y: int) -> list[dict[str, Any]]:
    """Legend entries, left to right, wrapping to a new row near the right edge."""
    entries = []
    x, y = left, first_y
    for s, key in enumerate(series):
        entries.append({"x": x, "y": y, "fill": _PALETTE[s % len(_PALETTE)], "key": key})
        x += 14 + 7 * len(key) + 16
        if x > width - 150 and s < len(series) - 1:
            x, y = left, y + 15
    return entries


def svg_histogram(
    values: Sequence[float], title: str, unit: str, markers: Mapping[str, float | None]
) -> Markup:
    """A histogram of ``values`` with labelled vertical marker lines (e.g. p50, p95)."""
    width, height = 520, 260
    left, right, top, bottom = 40, 15, 28, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    frame = {"width": width, "height": height, "left": left, "top": top, "title": title, "unit": unit}
    if not values:
        return render_template("histogram.svg.j2", **frame, bins=[])
    low, high = min(values), max(values)
    bins = max(5, min(20, math.ceil(math.sqrt(len(values)))))
    span = (high - low) or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(int((v - low) / span * bins), bins - 1)] += 1
    top_count = max(counts)
    bar_w = plot_w / bins
    rendered_bins = [
        {
            "x": _coordinate(left + i * bar_w),
            "y": _coordinate(top + plot_h - plot_h * count / top_count),
            "width": _coordinate(max(bar_w - 1, 1)),
            "height": _coordinate(plot_h * count / top_count),
            "low": f"{low + span * i / bins:.0f}",
            "high": f"{low + span * (i + 1) / bins:.0f}",
            "count": count,
        }
        for i, count in enumerate(counts)
    ]
    rendered_markers = [
        {
            "x": _coordinate(left + plot_w * (at - low) / span),
            "label_x": _coordinate(left + plot_w * (at - low) / span + 3),
            "label_y": top + 12 + 12 * i,
            "label": label,
            "at": f"{at:.0f}",
        }
        for i, (label, at) in enumerate(markers.items())
        if at is not None
    ]
    return render_template(
        "histogram.svg.j2",
        **frame,
        bins=rendered_bins,
        top_count=top_count,
        plot_height=plot_h,
        low=f"{low:.0f}",
        high=f"{high:.0f}",
        right_x=width - right,
        markers=rendered_markers,
    )


def run_plots(summary: Mapping[str, Any], records: Sequence[Mapping[str, Any]]) -> tuple[Markup, Markup]:
    """The run's two plots (inline SVG): metrics by question type, and the answer-time histogram."""
    series = [
        k for k in TYPE_METRICS if any(g["metrics"].get(k) is not None for g in summary["by_type"].values())
    ]
    latencies = [r["latency_ms"] for r in records if r.get("latency_ms") is not None and not r.get("error")]
    bars = svg_grouped_bars(
        {name: group["metrics"] for name, group in summary["by_type"].items()}, series, "Chỉ số theo loại"
    )
    histogram = svg_histogram(
        latencies,
        "Phân bố thời gian trả lời",
        "ms",
        {"p50": summary["metrics"].get("latency.p50_ms"), "p95": summary["metrics"].get("latency.p95_ms")},
    )
    return bars, histogram


def plots_html(
    summary: Mapping[str, Any], records: Sequence[Mapping[str, Any]], *, css_class: str = "plots"
) -> str:
    """The run's plots side by side, in a ``<div class="{css_class}">`` (every label escaped)."""
    return str(_plots(summary, records, css_class))


def _plots(summary: Mapping[str, Any], records: Sequence[Mapping[str, Any]], css_class: str) -> Markup:
    return render_template("plots.html.j2", css_class=css_class, plots=run_plots(summary, records))


def _answer_pieces(record: Mapping[str, Any]) -> list[dict[str, str | None]]:
    """The answer (NFC, as the number spans refer to it) in pieces: plain text, and each number marked
    grounded (``num-ok``) or not (``num-bad``)."""
    text = unicodedata.normalize("NFC", record.get("answer") or "")
    pieces: list[dict[str, str | None]] = []
    cursor = 0
    for number in sorted(record.get("numbers") or [], key=lambda n: n["start"]):
        start, end = number["start"], number["end"]
        if start < cursor or end > len(text):
            continue
        grounded = number["grounded"]
        hint = "có căn cứ" if grounded else "không có căn cứ trong đoạn trích dẫn hay câu hỏi"
        pieces.append({"text": text[cursor:start], "css": None, "hint": None})
        pieces.append({"text": text[start:end], "css": "num-ok" if grounded else "num-bad", "hint": hint})
        cursor = end
    pieces.append({"text": text[cursor:], "css": None, "hint": None})
    return pieces


def render_report_html(summary: Mapping[str, Any], records: Sequence[Mapping[str, Any]]) -> str:
    """The run's report: a self-contained HTML page (inline CSS and SVG, no script)."""
    testset = summary["testset"]
    return str(
        render_template(
            "report.html.j2",
            title=f"Đánh giá {testset['file']}",
            summary=summary,
            testset=testset,
            quality="câu trả lời" if summary["quality"] == "answer" else "chỉ truy hồi",
            metric_rows=metric_rows(summary),
            type_metrics=TYPE_METRICS,
            plots=_plots(summary, records, "plots"),
            records=records,
            configuration=json.dumps(summary.get("configuration", {}), ensure_ascii=False, indent=2),
        )
    )
