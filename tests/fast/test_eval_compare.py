"""Run comparison: deltas, paired-bootstrap intervals (deterministic), flipped items."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.eval_cli import eval_app
from evals.compare import bootstrap_deltas, compare_runs, render_comparison_html, render_comparison_md
from evals.metrics import METRIC_KEYS, ItemScores, aggregate, aggregate_by_type, run_quality
from evals.runner import write_run


def _score(
    item_id: str,
    *,
    rank: int | None,
    facts: int = 2,
    answered: bool = True,
    answerable: bool = True,
    abstained: bool = False,
) -> ItemScores:
    return ItemScores(
        id=item_id,
        type="numeric" if answerable else "unanswerable",
        answerable=answerable,
        error=False,
        answered=answered,
        abstained=abstained,
        hit_rank=rank,
        sources_total=1 if answerable else 0,
        sources_top5=1 if rank is not None and rank <= 5 and answerable else 0,
        ndcg10=0.0,
        facts_total=2 if answerable else 0,
        facts_found=facts if answerable else 0,
        answer_chars=30 if answered and not abstained else None,
        citations_total=0,
        citations_matched=0,
        citation_sources_matched=0,
        numbers_total=0,
        numbers_grounded=0,
        latency_ms=50.0,
    )


def _run(scores: list[ItemScores]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from evals.metrics import item_passed

    metrics, notes = aggregate(scores)
    quality = run_quality(scores)
    summary = {
        "testset": {"file": "set.jsonl", "path": "set.jsonl", "sha256": "ab" * 32, "items": len(scores)},
        "product": {"name": "vankien", "version": "0.1.0"},
        "configuration": {},
        "started_at": "2025-01-01T00:00:00+00:00",
        "finished_at": "2025-01-01T00:00:01+00:00",
        "duration_s": 1.0,
        "quality": quality,
        "counts": {
            "items": len(scores),
            "answerable": 0,
            "unanswerable": 0,
            "answered": 0,
            "abstained": 0,
            "errors": 0,
            "passed": 0,
            "failed": 0,
            "by_type": {},
        },
        "metrics": metrics,
        "notes": notes,
        "by_type": aggregate_by_type(scores),
        "warnings": [],
    }
    records: list[dict[str, Any]] = [
        {
            "id": s.id,
            "type": s.type,
            "answerable": s.answerable,
            "question": f"Câu hỏi <{s.id}>?",
            "reference_answer": "",
            "gold_sources": [],
            "answer": None,
            "abstained": s.abstained,
            "latency_ms": s.latency_ms,
            "error": None,
            "citations": [],
            "retrieved": [],
            "gold_matched_top5": [],
            "gold_matched_cited": [],
            "facts": [],
            "numbers": [],
            "passed": item_passed(s, quality),
            "scores": s.to_dict(),
        }
        for s in scores
    ]
    return summary, records


def test_flips_at_retrieval_quality() -> None:
    a = [
        _score("q1", rank=1, answered=False),
        _score("q2", rank=7, answered=False),
        _score("q3", rank=2, answered=False),
        _score("q4", rank=None, answered=False),
    ]
    b = [
        _score("q1", rank=6, answered=False),
        _score("q2", rank=3, answered=False),
        _score("q3", rank=1, answered=False),
        _score("q5", rank=1, answered=False),
    ]
    comparison = compare_runs(*_run(a), *_run(b), resamples=200)
    assert comparison.quality == "retrieval"
    assert comparison.compared == 3 and comparison.only_a == ("q4",) and comparison.only_b == ("q5",)
    assert [(f.id, f.passed_a, f.passed_b) for f in comparison.flips] == [
        ("q1", True, False),
        ("q2", False, True),
    ]
    hit1 = next(d for d in comparison.deltas if d.metric == "retrieval.hit@1")
    assert (hit1.a, hit1.b, hit1.delta) == (pytest.approx(1 / 3), pytest.approx(1 / 3), pytest.approx(0.0))
    markdown = render_comparison_md(comparison)
    assert "Đạt → không đạt (1)" in markdown and "`q1`" in markdown and "`q2`" in markdown


def test_flips_at_answer_quality_use_facts_and_abstentions() -> None:
    a = [
        _score("q1", rank=1),
        _score("q2", rank=1, facts=1),
        _score("u", rank=None, answerable=False, abstained=True),
    ]
    b = [_score("q1", rank=1, facts=1), _score("q2", rank=1), _score("u", rank=None, answerable=False)]
    comparison = compare_runs(*_run(a), *_run(b), resamples=200)
    assert comparison.quality == "answer"
    assert [(f.id, f.passed_a, f.passed_b) for f in comparison.flips] == [
        ("q1", True, False),
        ("q2", False, True),
        ("u", True, False),
    ]
    assert [f.id for f in comparison.regressions] == ["q1", "u"]


def test_bootstrap_is_deterministic_and_brackets_the_delta() -> None:
    a = [_score(f"q{i}", rank=1 if i % 2 else 8, answered=False) for i in range(30)]
    b = [replace(s, hit_rank=1) if i % 3 == 0 else s for i, s in enumerate(a)]
    first = bootstrap_deltas(a, b, resamples=500, seed=7)
    assert first == bootstrap_deltas(a, b, resamples=500, seed=7)
    assert first != bootstrap_deltas(a, b, resamples=500, seed=8)
    low, high = first["retrieval.hit@1"]
    assert low is not None and high is not None
    point = aggregate(b)[0]["retrieval.hit@1"] - aggregate(a)[0]["retrieval.hit@1"]  # type: ignore[operator]
    assert 0 <= low <= point <= high
    same = bootstrap_deltas(a, a, resamples=200)
    assert same["retrieval.hit@1"] == (0.0, 0.0)
    # Never computable in these runs: no interval.
    assert first["answer.key_fact_recall"] == (None, None)
    assert set(first) == set(METRIC_KEYS)


def test_significant_changes_are_marked_by_direction() -> None:
    a = [_score(f"q{i}", rank=8, answered=False) for i in range(40)]
    b = [replace(s, hit_rank=1, sources_top5=1) for s in a]
    comparison = compare_runs(*_run(a), *_run(b), resamples=300)
    verdicts = {d.metric: d.verdict for d in comparison.deltas}
    assert verdicts["retrieval.hit@1"] == "better"
    reverse = compare_runs(*_run(b), *_run(a), resamples=300)
    assert {d.metric: d.verdict for d in reverse.deltas}["retrieval.hit@1"] == "worse"
    assert "▲ tốt hơn" in render_comparison_md(comparison)


def test_compare_command_and_html(tmp_path: Any) -> None:
    a = [_score("q1", rank=1, answered=False), _score("q2", rank=9, answered=False)]
    b = [_score("q1", rank=9, answered=False), _score("q2", rank=1, answered=False)]
    for name, scores in (("a", a), ("b", b)):
        summary, records = _run(scores)
        write_run(tmp_path / name, summary, records)
    html_path = tmp_path / "compare.html"
    result = CliRunner().invoke(
        eval_app,
        ["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--html", str(html_path), "--resamples", "200"],
    )
    assert result.exit_code == 0, result.output
    assert "# So sánh: a → b" in result.output and "`q1`" in result.output
    html = html_path.read_text(encoding="utf-8")
    assert "Câu hỏi &lt;q1&gt;?" in html and "<q1>" not in html
    assert "http" not in html.lower()
    assert render_comparison_html(compare_runs(*_run(a), *_run(b), resamples=100)).startswith(
        "<!DOCTYPE html>"
    )
    missing = CliRunner().invoke(eval_app, ["compare", str(tmp_path / "a"), str(tmp_path / "none")])
    assert missing.exit_code == 2
