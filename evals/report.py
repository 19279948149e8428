"""Human-readable reports of a run: ``summary.md`` and a self-contained ``report.html``.

The HTML has inline CSS and inline SVG plots, no script, no external resource: it opens offline.
Every piece of text from a test set, a document or the system is HTML-escaped.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

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

_CSS = """
:root { --ok: #2e7d4f; --bad: #b3261e; --muted: #666; --line: #ddd; --bg: #fafafa; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif;
       margin: 0 auto; max-width: 1400px; padding: 1.5rem; color: #1d1d1d; line-height: 1.45; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .92rem; }
th, td { border: 1px solid var(--line); padding: .3rem .55rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.note { color: var(--muted); font-size: .85rem; } code { font-size: .88em; }
.meta { color: var(--muted); font-size: .9rem; } .warn { background: #fff4e0; padding: .5rem .8rem;
       border-left: 4px solid #e08a1e; margin: .5rem 0; }
.plots { display: flex; flex-wrap: wrap; gap: 1.5rem; } .plot { border: 1px solid var(--line); padding: .5rem; }
details.item { border: 1px solid var(--line); border-radius: 6px; margin: .5rem 0; background: white; }
details.item > summary { cursor: pointer; padding: .45rem .7rem; list-style-position: inside; }
details.item[open] > summary { border-bottom: 1px solid var(--line); background: var(--bg); }
.badge { display: inline-block; min-width: 4.5em; text-align: center; border-radius: 4px; padding: 0 .4em;
         font-size: .8rem; font-weight: 600; color: white; margin-right: .4em; }
.badge.pass { background: var(--ok); } .badge.fail { background: var(--bad); } .badge.na { background: #888; }
.body { padding: .7rem; } .qa p { margin: .25rem 0; } .label { font-weight: 600; }
.grid { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: .8rem; margin-top: .6rem; }
.col h4 { margin: .2rem 0 .4rem; font-size: .95rem; }
.passage { border: 1px solid var(--line); border-radius: 4px; padding: .35rem .5rem; margin-bottom: .4rem;
           font-size: .85rem; background: var(--bg); }
.passage.match { border-color: var(--ok); background: #eef8f1; }
.path { color: var(--muted); font-size: .8rem; } .snippet { white-space: pre-wrap; }
.fact { display: inline-block; border-radius: 3px; padding: 0 .35em; margin: 0 .25em .2em 0; font-size: .85rem; }
.fact.found { background: #e3f3e8; color: var(--ok); } .fact.missing { background: #fde7e5; color: var(--bad);
              font-weight: 600; }
mark.num-ok { background: #e3f3e8; } mark.num-bad { background: #fbd0cc; color: var(--bad); font-weight: 600;
              text-decoration: underline wavy; }
.error { color: var(--bad); white-space: pre-wrap; font-family: monospace; font-size: .85rem; }
pre.config { background: var(--bg); border: 1px solid var(--line); padding: .5rem; font-size: .8rem;
             overflow-x: auto; }
"""


def html_page(title: str, body: str) -> str:
    """A complete, self-contained HTML document."""
    return (
        '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _metric_rows(metrics: Mapping[str, Any], notes: Mapping[str, str]) -> str:
    rows = []
    for key in METRIC_KEYS:
        value = metrics.get(key)
        rows.append(
            f"<tr><td><code>{escape(key)}</code></td><td>{escape(METRIC_LABELS.get(key, key))}</td>"
            f'<td class="num">{escape(format_metric(key, value))}</td>'
            f'<td class="note">{escape(notes.get(key, ""))}</td></tr>'
        )
    return (
        "<table><thead><tr><th>chỉ số</th><th>ý nghĩa</th><th>giá trị</th><th>ghi chú</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _by_type_table(by_type: Mapping[str, Any]) -> str:
    head = "".join(f"<th><code>{escape(k)}</code></th>" for k in TYPE_METRICS)
    rows = []
    for name, group in by_type.items():
        cells = "".join(
            f'<td class="num">{escape(format_metric(k, group["metrics"].get(k)))}</td>' for k in TYPE_METRICS
        )
        rows.append(f'<tr><td>{escape(name)}</td><td class="num">{group["items"]}</td>{cells}</tr>')
    return f"<table><thead><tr><th>loại</th><th>số câu</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def svg_grouped_bars(
    groups: Mapping[str, Mapping[str, float | None]], series: Sequence[str], title: str
) -> str:
    """Grouped bars (values 0..1): one group per key of ``groups``, one bar per series. Nulls are gaps."""
    width, height = 760, 300
    left, right, top, bottom = 40, 10, 28, 70
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
        f'<text x="{left}" y="16" font-size="13" font-weight="600">{escape(title)}</text>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - tick)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{tick:.2f}</text>')
    names = list(groups)
    group_w = plot_w / max(len(names), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    for g, name in enumerate(names):
        x0 = left + g * group_w + group_w * 0.1
        for s, key in enumerate(series):
            value = groups[name].get(key)
            if value is None:
                continue
            bar_h = plot_h * max(0.0, min(1.0, value))
            x = x0 + s * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - bar_h:.1f}" width="{max(bar_w - 1, 1):.1f}" '
                f'height="{bar_h:.1f}" fill="{_PALETTE[s % len(_PALETTE)]}">'
                f"<title>{escape(name)} · {escape(key)}: {value:.3f}</title></rect>"
            )
        parts.append(
            f'<text x="{left + g * group_w + group_w / 2:.1f}" y="{top + plot_h + 14}" '
            f'text-anchor="middle">{escape(name)}</text>'
        )
    legend_y = height - 30
    x = left
    for s, key in enumerate(series):
        parts.append(
            f'<rect x="{x}" y="{legend_y}" width="10" height="10" fill="{_PALETTE[s % len(_PALETTE)]}"/>'
        )
        parts.append(f'<text x="{x + 14}" y="{legend_y + 9}">{escape(key)}</text>')
        x += 14 + 7 * len(key) + 16
        if x > width - 150 and s < len(series) - 1:
            x = left
            legend_y += 15
    parts.append("</svg>")
    return "".join(parts)


def svg_histogram(values: Sequence[float], title: str, unit: str, markers: Mapping[str, float | None]) -> str:
    """A histogram of ``values`` with labelled vertical marker lines (e.g. p50, p95)."""
    width, height = 520, 260
    left, right, top, bottom = 40, 15, 28, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
        f'<text x="{left}" y="16" font-size="13" font-weight="600">{escape(title)}</text>',
    ]
    if not values:
        parts.append(f'<text x="{left}" y="{top + 20}">Không có dữ liệu.</text></svg>')
        return "".join(parts)
    low, high = min(values), max(values)
    bins = max(5, min(20, math.ceil(math.sqrt(len(values)))))
    span = (high - low) or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(int((v - low) / span * bins), bins - 1)] += 1
    top_count = max(counts)
    bar_w = plot_w / bins
    for i, count in enumerate(counts):
        bar_h = plot_h * count / top_count
        lo, hi = low + span * i / bins, low + span * (i + 1) / bins
        parts.append(
            f'<rect x="{left + i * bar_w:.1f}" y="{top + plot_h - bar_h:.1f}" width="{max(bar_w - 1, 1):.1f}" '
            f'height="{bar_h:.1f}" fill="#2f6db5"><title>{lo:.0f}–{hi:.0f} {escape(unit)}: {count}</title></rect>'
        )
    parts.append(f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{top_count}</text>')
    parts.append(f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>')
    parts.append(f'<text x="{left}" y="{top + plot_h + 16}">{low:.0f} {escape(unit)}</text>')
    parts.append(
        f'<text x="{width - right}" y="{top + plot_h + 16}" text-anchor="end">{high:.0f} {escape(unit)}</text>'
    )
    for i, (label, at) in enumerate(markers.items()):
        if at is None:
            continue
        x = left + plot_w * (at - low) / span
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" stroke="#c23b3b" '
            'stroke-dasharray="4 3"/>'
        )
        parts.append(
            f'<text x="{x + 3:.1f}" y="{top + 12 + 12 * i}" fill="#c23b3b">{escape(label)} {at:.0f}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def run_plots(summary: Mapping[str, Any], records: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
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
    cells = "".join(f'<div class="plot">{svg}</div>' for svg in run_plots(summary, records))
    return f'<div class="{escape(css_class)}">{cells}</div>'


def _highlight_numbers(answer: str, numbers: Sequence[Mapping[str, Any]]) -> str:
    """The answer (NFC, as the spans refer to it), escaped, with numbers marked grounded or not."""
    text = unicodedata.normalize("NFC", answer)
    out: list[str] = []
    cursor = 0
    for number in sorted(numbers, key=lambda n: n["start"]):
        start, end = number["start"], number["end"]
        if start < cursor or end > len(text):
            continue
        css = "num-ok" if number["grounded"] else "num-bad"
        hint = "có căn cứ" if number["grounded"] else "không có căn cứ trong đoạn trích dẫn hay câu hỏi"
        out.append(escape(text[cursor:start]))
        out.append(f'<mark class="{css}" title="{escape(hint)}">{escape(text[start:end])}</mark>')
        cursor = end
    out.append(escape(text[cursor:]))
    return "".join(out)


def _passage_html(passage: Mapping[str, Any], label: str) -> str:
    matches = passage.get("matches") or []
    css = "passage match" if matches else "passage"
    matched = f" · khớp nguồn {', '.join(str(i + 1) for i in matches)}" if matches else ""
    score = f" · điểm {passage['score']:.3f}" if isinstance(passage.get("score"), int | float) else ""
    span = (
        f" · [{passage['source_start']}–{passage['source_end']}]"
        if passage.get("source_start") is not None
        else ""
    )
    text = passage.get("text") or ""
    snippet = text if len(text) <= _SNIPPET_CHARS else text[:_SNIPPET_CHARS] + "…"
    return (
        f'<div class="{css}"><div><span class="label">{escape(label)}</span> {escape(passage["document"])}'
        f"{escape(span)}{escape(score)}{escape(matched)}</div>"
        f'<div class="path">{escape(" › ".join(passage.get("section_path") or []))}</div>'
        f'<div class="snippet">{escape(snippet)}</div></div>'
    )


def _item_html(record: Mapping[str, Any]) -> str:
    passed = record.get("passed")
    badge = {True: ("pass", "ĐẠT"), False: ("fail", "KHÔNG ĐẠT"), None: ("na", "—")}[passed]
    summary_line = (
        f'<span class="badge {badge[0]}">{badge[1]}</span><code>{escape(record["id"])}</code> '
        f"<em>{escape(record['type'])}</em> — {escape(record['question'])}"
    )
    body: list[str] = ['<div class="qa">']
    body.append(f'<p><span class="label">Đáp án mẫu:</span> {escape(record["reference_answer"])}</p>')
    if record.get("error"):
        body.append(f'<p class="error">{escape(record["error"])}</p>')
    if record.get("answer") is not None or record.get("abstained"):
        answer_html = _highlight_numbers(record.get("answer") or "", record.get("numbers") or [])
        refusal = ' <span class="badge na">từ chối</span>' if record.get("abstained") else ""
        body.append(f'<p><span class="label">Câu trả lời:</span>{refusal} {answer_html}</p>')
    elif not record.get("error"):
        body.append('<p class="path">Chưa có câu trả lời (chỉ truy hồi).</p>')
    if record.get("facts"):
        chips = "".join(
            f'<span class="fact {"found" if f["found"] else "missing"}">'
            f"{'✓' if f['found'] else '✗'} {escape(f['fact'])}</span>"
            for f in record["facts"]
        )
        body.append(f'<p><span class="label">Ý chính:</span> {chips}</p>')
    ungrounded = [n["text"] for n in record.get("numbers") or [] if not n["grounded"]]
    if ungrounded:
        body.append(
            '<p><span class="label">Số không có căn cứ:</span> '
            + ", ".join(f'<mark class="num-bad">{escape(t)}</mark>' for t in ungrounded)
            + "</p>"
        )
    latency = record.get("latency_ms")
    if latency is not None:
        body.append(f'<p class="path">Thời gian: {latency:.0f} ms</p>')
    body.append("</div>")
    gold = [
        f'<div class="passage"><div><span class="label">{i}.</span> {escape(s["document"])}'
        f"{' · ' + escape(str(s['quote_spans'][0])) if s.get('quote_spans') else ''}</div>"
        f'<div class="path">{escape(s.get("section") or "")}</div>'
        f'<div class="snippet">“{escape(s["quote"])}”</div></div>'
        for i, s in enumerate(record.get("gold_sources") or [], start=1)
    ] or ['<p class="path">Không có (câu hỏi không có đáp án).</p>']
    retrieved = [_passage_html(p, f"#{p['rank']}") for p in record.get("retrieved") or []] or [
        '<p class="path">Không có.</p>'
    ]
    cited = [_passage_html(p, f"[{p['rank']}]") for p in record.get("citations") or []] or [
        '<p class="path">Không có.</p>'
    ]
    body.append(
        '<div class="grid">'
        f'<div class="col"><h4>Nguồn chuẩn</h4>{"".join(gold)}</div>'
        f'<div class="col"><h4>Truy hồi (top {len(record.get("retrieved") or [])})</h4>{"".join(retrieved)}</div>'
        f'<div class="col"><h4>Trích dẫn</h4>{"".join(cited)}</div>'
        "</div>"
    )
    open_attr = " open" if passed is False else ""
    return f'<details class="item"{open_attr}><summary>{summary_line}</summary><div class="body">{"".join(body)}</div></details>'


def render_report_html(summary: Mapping[str, Any], records: Sequence[Mapping[str, Any]]) -> str:
    counts = summary["counts"]
    testset = summary["testset"]
    quality = "câu trả lời" if summary["quality"] == "answer" else "chỉ truy hồi"
    parts = [
        f"<h1>Báo cáo đánh giá — {escape(testset['file'])}</h1>",
        f'<p class="meta">vankien {escape(str(summary["product"]["version"]))} · '
        f"{escape(summary['started_at'])} · {summary['duration_s']} s · sha256 "
        f"<code>{escape(testset['sha256'][:16])}</code></p>",
        f"<p>{counts['items']} câu ({counts['answerable']} có đáp án, {counts['unanswerable']} không có) · "
        f"chấm theo {escape(quality)} · <strong>đạt {counts['passed']}</strong>, không đạt {counts['failed']}, "
        f"lỗi {counts['errors']}, từ chối {counts['abstained']}</p>",
    ]
    parts += [f'<div class="warn">{escape(w)}</div>' for w in summary.get("warnings", [])]
    parts.append("<h2>Chỉ số</h2>")
    parts.append(_metric_rows(summary["metrics"], summary["notes"]))
    parts.append("<h2>Theo loại câu hỏi</h2>")
    parts.append(_by_type_table(summary["by_type"]))
    parts.append(plots_html(summary, records))
    parts.append("<h2>Từng câu hỏi</h2>")
    parts.append('<p class="meta">Câu không đạt được mở sẵn. Đoạn viền xanh là đoạn khớp nguồn chuẩn.</p>')
    parts += [_item_html(r) for r in records]
    config = json.dumps(summary.get("configuration", {}), ensure_ascii=False, indent=2)
    parts.append(f'<h2>Cấu hình</h2><pre class="config">{escape(config)}</pre>')
    return html_page(f"Đánh giá {testset['file']}", "\n".join(parts))
