"""The runner end to end over the sample documents, with a hand-built system, and the ``run`` command."""

from __future__ import annotations

import json
import re
import types
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.eval_cli import EXIT_GATE_FAILED, EXIT_INVALID_TESTSET, EXIT_RUN_ERROR, eval_app
from evals.documents import DocumentTexts
from evals.metrics import METRIC_KEYS, NOTE_NO_ANSWERS
from evals.protocol import AskFn, Passage, SystemAnswer
from evals.runner import load_run, run_evaluation
from evals.testset import load_testset

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data" / "samples"
DOC_A = "000_2265b64d677103f7.txt"
DOC_B = "002_8960d5a2a2e1878e.txt"
QUOTE_A = (
    "Tổng mức bán lẻ hàng hoá và doanh thu dịch vụ ước thực hiện đến năm 2025 là 7.347 tỷ đồng "
    "tăng bình quân hằng năm là 14,86%."
)
QUOTE_B = (
    "Giá trị sản xuất ngành công nghiệp ước thực hiện được 4.731 tỷ đồng, tăng 10,28% so với năm 2020 "
    "và đạt 99,35% kế hoạch năm."
)
Q_A = "Tổng mức bán lẻ hàng hóa và doanh thu dịch vụ của Bắc Tân Uyên đến năm 2025 là bao nhiêu?"
Q_B = "Giá trị sản xuất công nghiệp của huyện năm 2021 ước đạt bao nhiêu?"
Q_U = "Diện tích tự nhiên của huyện Tiểu Cần là bao nhiêu km²?"


def _testset_lines() -> list[dict[str, object]]:
    return [
        {
            "id": "n-1",
            "question": Q_A,
            "answer": "7.347 tỷ đồng, tăng bình quân 14,86%/năm.",
            "must_include": ["7.347 tỷ", "14,86%"],
            "sources": [{"document": DOC_A, "section": "1.3. Thương mại, dịch vụ", "quote": QUOTE_A}],
            "type": "numeric",
            "answerable": True,
        },
        {
            "id": "n-2",
            "question": Q_B,
            "answer": "4.731 tỷ đồng, tăng 10,28%.",
            "must_include": ["4.731 tỷ", "10,28%"],
            "sources": [{"document": DOC_B, "section": "5.4", "quote": QUOTE_B}],
            "type": "lookup",
            "answerable": True,
            "reviewer": "an extra field the runner ignores",
        },
        {
            "id": "u-1",
            "question": Q_U,
            "answer": "Không có thông tin trong tài liệu.",
            "must_include": [],
            "sources": [],
            "type": "unanswerable",
            "answerable": False,
        },
    ]


@pytest.fixture
def testset_path(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.jsonl"
    path.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in _testset_lines()) + "\n", encoding="utf-8"
    )
    return path


def _paragraphs(document: str) -> list[Passage]:
    """The document's lines as passages, with their real spans in the file text."""
    text = (SAMPLES / document).read_text(encoding="utf-8")
    return [
        Passage(document, ("sample",), m.group(0), m.start(), m.end(), score=0.0, section_id=str(i))
        for i, m in enumerate(re.finditer(r"[^\n]+", text))
        if m.group(0).strip()
    ]


def _containing(document: str, quote: str) -> Passage:
    return next(p for p in _paragraphs(document) if quote in p.text)


def _scripted_system(*, answers: bool = True, fail_on: str | None = None) -> AskFn:
    """A system whose ranking and answers are scripted, so every metric can be computed by hand."""
    gold_a = _containing(DOC_A, QUOTE_A)
    gold_b = _containing(DOC_B, QUOTE_B)
    # The system shows gold_b re-normalised (NFD, line breaks): still the same passage.
    shown_b = Passage(
        gold_b.document,
        gold_b.section_path,
        unicodedata.normalize("NFD", gold_b.text.replace(", ", ",\n")),
        gold_b.source_start,
        gold_b.source_end,
    )
    distractors = [p for p in _paragraphs("003_ed75f5db97ecdb44.txt") if len(p.text) > 80][:12]
    script: dict[str, tuple[tuple[Passage, ...], str | None, bool, tuple[Passage, ...], float]] = {
        Q_A: (
            (gold_a, *distractors[:9]),
            "Ước 7.347 tỷ đồng, tăng 14,86% mỗi năm [1].",
            False,
            (gold_a,),
            10.0,
        ),
        Q_B: (
            (distractors[0], distractors[1], shown_b, *distractors[2:9]),
            "Khoảng 4.731 tỷ đồng <b>tăng</b> 12% [1].",
            False,
            (distractors[0],),
            20.0,
        ),
        Q_U: (tuple(distractors[:10]), "Không tìm thấy thông tin trong tài liệu.", True, (), 30.0),
    }

    def ask(question: str) -> SystemAnswer:
        if question == fail_on:
            raise RuntimeError("hệ thống lỗi")
        retrieved, answer, abstained, citations, latency = script[question]
        if not answers:
            return SystemAnswer(None, False, (), retrieved, latency)
        return SystemAnswer(answer, abstained, citations, retrieved, latency)

    return ask


def test_run_end_to_end_over_the_samples(testset_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    testset = load_testset(testset_path)
    summary = run_evaluation(
        testset,
        _scripted_system(),
        out,
        documents=DocumentTexts(SAMPLES),
        configuration={"retriever": "scripted"},
        show_progress=False,
    )
    for name in ("items.jsonl", "items.csv", "summary.json", "summary.md", "report.html"):
        assert (out / name).is_file(), name
    assert list(summary["metrics"]) == list(METRIC_KEYS)
    metrics = summary["metrics"]
    expected = {
        "retrieval.hit@1": 0.5,
        "retrieval.hit@3": 1.0,
        "retrieval.hit@5": 1.0,
        "retrieval.recall@5": 1.0,
        "retrieval.mrr@10": (1 + 1 / 3) / 2,
        "retrieval.ndcg@10": (1 + 0.5) / 2,
        "answer.key_fact_recall": (1 + 0.5) / 2,
        "answer.exact_all_facts": 0.5,
        "citation.precision": 0.5,
        "citation.recall": 0.5,
        "grounding.numeric": 2 / 4,  # 7.347 tỷ, 14,86 grounded; 4.731 tỷ, 12 not (cited passage is wrong)
        "abstention.recall": 1.0,
        "abstention.precision": 1.0,
        "abstention.over_refusal": 0.0,
        "latency.p50_ms": 20.0,
        "latency.p95_ms": 29.0,
    }
    for key, value in expected.items():
        assert metrics[key] == pytest.approx(value), key
    answers = ["Ước 7.347 tỷ đồng, tăng 14,86% mỗi năm [1].", "Khoảng 4.731 tỷ đồng <b>tăng</b> 12% [1]."]
    assert metrics["answer.median_chars"] == pytest.approx(sum(len(a) for a in answers) / 2)
    assert summary["quality"] == "answer"
    assert summary["counts"] == {
        "items": 3,
        "answerable": 2,
        "unanswerable": 1,
        "answered": 3,
        "abstained": 1,
        "errors": 0,
        "passed": 2,
        "failed": 1,
        "by_type": {"numeric": 1, "lookup": 1, "unanswerable": 1},
    }
    assert summary["testset"]["file"] == "tiny.jsonl"
    assert summary["testset"]["sha256"] == testset.sha256
    assert summary["configuration"] == {"retriever": "scripted"}
    assert summary["product"]["name"] == "vankien" and summary["product"]["version"]
    assert set(summary["by_type"]) == {"numeric", "lookup", "unanswerable"}
    assert summary["by_type"]["lookup"]["metrics"]["retrieval.hit@1"] == 0.0
    assert summary["warnings"] == []

    saved_summary, records = load_run(out)
    assert saved_summary == json.loads(json.dumps(summary))
    n1, n2, u1 = records
    assert n1["passed"] is True and n2["passed"] is False and u1["passed"] is True
    assert n2["retrieved"][2]["matches"] == [0] and n2["gold_matched_top5"] == [0]
    assert n2["citations"][0]["matches"] == []
    assert [f["found"] for f in n2["facts"]] == [True, False]
    assert [(n["text"], n["grounded"]) for n in n2["numbers"]] == [("4.731 tỷ", False), ("12", False)]
    start, end = n1["gold_sources"][0]["quote_spans"][0]
    assert (SAMPLES / DOC_A).read_text(encoding="utf-8")[start:end] == QUOTE_A
    assert len(n1["retrieved"]) == 10 and n1["retrieved"][0]["rank"] == 1

    csv_text = (out / "items.csv").read_text(encoding="utf-8")
    assert csv_text.splitlines()[0].startswith("id,type,answerable,passed,question")
    assert '"[""10,28%""]"' in csv_text  # n-2's missing fact
    summary_md = (out / "summary.md").read_text(encoding="utf-8")
    assert "`retrieval.hit@1` | 0.500" in summary_md and "n-2" in summary_md and "thiếu: 10,28%" in summary_md


def test_report_is_self_contained_and_escaped(testset_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    run_evaluation(
        load_testset(testset_path),
        _scripted_system(),
        out,
        documents=DocumentTexts(SAMPLES),
        show_progress=False,
    )
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    lowered = html.lower()
    for external in ("http:", "https:", "//cdn", "<script", "<link", "@import", "url(", "src="):
        assert external not in lowered, external
    assert "<svg" in html and "</svg>" in html
    assert "<b>tăng</b>" not in html and "&lt;b&gt;tăng&lt;/b&gt;" in html
    assert '<mark class="num-bad"' in html and "4.731 tỷ" in html  # ungrounded number highlighted
    assert 'class="fact missing"' in html and "10,28%" in html  # missing fact highlighted
    assert QUOTE_A in html


def test_test_set_text_holding_markup_is_escaped_in_the_report(tmp_path: Path) -> None:
    script = "<script>alert('x')</script>"
    item = {
        "id": "x-1",
        "question": f"Câu hỏi {script}?",
        "answer": "Không có.",
        "must_include": [],
        "sources": [],
        "type": "<b>loại</b>",  # shown in the type table and as a bar label in the SVG plot
        "answerable": False,
    }
    path = tmp_path / "markup.jsonl"
    path.write_text(json.dumps(item, ensure_ascii=False) + "\n", encoding="utf-8")

    def ask(question: str) -> SystemAnswer:
        return SystemAnswer(f"Đáp {script}", True, (), (), 5.0)

    out = tmp_path / "run"
    run_evaluation(load_testset(path), ask, out, configuration={"note": script}, show_progress=False)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "<b>loại</b>" not in html
    assert (
        html.count("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") == 3
    )  # question, answer, configuration
    assert "&lt;b&gt;loại&lt;/b&gt;</text>" in html  # the bar label inside the SVG


def test_retrieval_only_run(testset_path: Path, tmp_path: Path) -> None:
    summary = run_evaluation(
        load_testset(testset_path), _scripted_system(answers=False), tmp_path / "r", show_progress=False
    )
    metrics, notes = summary["metrics"], summary["notes"]
    assert summary["quality"] == "retrieval"
    assert metrics["retrieval.hit@1"] == 0.5 and metrics["retrieval.hit@3"] == 1.0
    for key in ("answer.key_fact_recall", "citation.precision", "grounding.numeric", "abstention.recall"):
        assert metrics[key] is None and notes[key] == NOTE_NO_ANSWERS
    assert "NaN" not in (tmp_path / "r" / "summary.json").read_text(encoding="utf-8")
    # Without the corpus folder, only containment matches, and the summary says so.
    assert summary["warnings"] and "span" in summary["warnings"][0]
    _, records = load_run(tmp_path / "r")
    assert [r["passed"] for r in records] == [True, True, None]


def test_a_failing_question_is_recorded_not_fatal(testset_path: Path, tmp_path: Path) -> None:
    summary = run_evaluation(
        load_testset(testset_path), _scripted_system(fail_on=Q_A), tmp_path / "e", show_progress=False
    )
    assert summary["counts"]["errors"] == 1
    assert summary["metrics"]["retrieval.hit@1"] == 0.0  # the failed item retrieved nothing
    _, records = load_run(tmp_path / "e")
    assert "RuntimeError: hệ thống lỗi" in records[0]["error"] and records[0]["passed"] is False


# ------------------------------------------------------------------------------------------- the run command


@pytest.fixture
def fake_system(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[tuple[Path | None, Path | None]]]:
    """Make the evaluation service open a runtime whose answering is a scripted system; returns its calls."""
    from assistant.services import evaluation
    from assistant.settings import Settings

    def install(**options: object) -> list[tuple[Path | None, Path | None]]:
        calls: list[tuple[Path | None, Path | None]] = []

        @contextmanager
        def open_runtime(settings: object, corpus: Path | None, data_dir: Path | None) -> Iterator[object]:
            calls.append((corpus, data_dir))
            if options.get("broken"):
                raise RuntimeError("không mở được kho")
            system = _scripted_system(fail_on=options.get("fail_on"))  # type: ignore[arg-type]
            yield types.SimpleNamespace(settings=Settings(), answering=system)

        monkeypatch.setattr(evaluation, "open_evaluation_runtime", open_runtime)
        # The scripted system already answers as the runner sees answers.
        monkeypatch.setattr(evaluation, "answering_ask_fn", lambda answering: answering)
        return calls

    return install


def test_run_command_writes_the_run_and_checks_gates(
    fake_system: Callable[..., list[tuple[Path | None, Path | None]]], testset_path: Path, tmp_path: Path
) -> None:
    calls = fake_system()
    runner = CliRunner()
    out = tmp_path / "run"
    args = [
        "run",
        "--testset",
        str(testset_path),
        "--corpus",
        str(SAMPLES),
        "--out",
        str(out),
        "--no-progress",
    ]
    result = runner.invoke(eval_app, args)
    assert result.exit_code == 0, result.output
    assert calls == [(SAMPLES, None)]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["configuration"]["corpus"] == str(SAMPLES)
    assert "settings" in summary["configuration"]
    assert summary["configuration"]["source"] == "cli"
    assert summary["configuration"]["answerer"] == {"kind": "extractive"}
    assert not (out / "gate.json").exists()

    gate = tmp_path / "gate.yaml"
    gate.write_text("floors:\n  retrieval.hit@5: 0.9\n  answer.key_fact_recall: 0.7\n", encoding="utf-8")
    result = runner.invoke(eval_app, [*args, "--gate", str(gate)])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "gate.json").read_text(encoding="utf-8"))["passed"] is True

    result = runner.invoke(eval_app, [*args, "--gate", str(gate), "--min", "answer.key_fact_recall=0.8"])
    assert result.exit_code == EXIT_GATE_FAILED, result.output
    gate_result = json.loads((out / "gate.json").read_text(encoding="utf-8"))
    assert [c["status"] for c in gate_result["checks"]] == ["pass", "fail"]

    # Against itself as a baseline nothing dropped.
    baseline_run = tmp_path / "baseline"
    base_args = ["run", "--testset", str(testset_path), "--corpus", str(SAMPLES), "--out", str(baseline_run)]
    assert runner.invoke(eval_app, [*base_args, "--no-progress"]).exit_code == 0
    result = runner.invoke(eval_app, [*args, "--baseline", str(baseline_run), "--max-drop", "0"])
    assert result.exit_code == 0, result.output
    assert (out / "gate.json").is_file()
    # A later run without a gate does not leave the earlier verdict behind.
    assert runner.invoke(eval_app, args).exit_code == 0
    assert not (out / "gate.json").exists()


def test_run_command_error_codes(
    fake_system: Callable[..., list[tuple[Path | None, Path | None]]], testset_path: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    args = ["run", "--testset", str(testset_path), "--out", str(tmp_path / "run"), "--no-progress"]

    fake_system(broken=True)
    result = runner.invoke(eval_app, args)
    assert result.exit_code == EXIT_RUN_ERROR and "không mở được kho" in result.output

    fake_system(fail_on=Q_B)
    result = runner.invoke(eval_app, args)
    assert result.exit_code == EXIT_RUN_ERROR
    assert (tmp_path / "run" / "report.html").is_file()  # the reports are written before failing

    fake_system()
    assert runner.invoke(eval_app, [*args, "--min", "no.such_metric=1"]).exit_code == EXIT_RUN_ERROR
    assert runner.invoke(eval_app, [*args, "--min", "retrieval.hit@1"]).exit_code == EXIT_RUN_ERROR
    assert runner.invoke(eval_app, [*args, "--baseline", str(tmp_path / "none")]).exit_code == EXIT_RUN_ERROR

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    result = runner.invoke(
        eval_app, ["run", "--testset", str(bad), "--out", str(tmp_path / "b"), "--no-progress"]
    )
    assert result.exit_code == EXIT_INVALID_TESTSET
    assert "bad.jsonl:1" in result.output

    wrong_quote = tmp_path / "wrong.jsonl"
    lines = _testset_lines()
    lines[0]["sources"] = [{"document": DOC_A, "section": "", "quote": QUOTE_A.replace("7.347", "7.348")}]
    wrong_quote.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    result = runner.invoke(
        eval_app,
        ["run", "--testset", str(wrong_quote), "--corpus", str(SAMPLES), "--out", str(tmp_path / "w")],
    )
    assert result.exit_code == EXIT_INVALID_TESTSET and "quote_not_found" in result.output
