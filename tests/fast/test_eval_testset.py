"""Test-set loading and validation: JSON Lines and CSV, line numbers, quotes in documents, exit codes."""

from __future__ import annotations

import csv
import json
import unicodedata
from pathlib import Path

from typer.testing import CliRunner

from assistant.eval_cli import EXIT_INVALID_TESTSET, eval_app
from evals.testset import load_testset, validate_testset

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data" / "samples"
DEV = REPO / "data" / "testsets" / "dev.jsonl"
QUOTE = "Hiện có 07 chợ, 05 cửa hàng tiện ích và 3.274 cơ sở kinh doanh."
DOC = "000_2265b64d677103f7.txt"
DEV_ITEMS = sum(1 for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip())  # one a line


def _good(item_id: str = "t-1", **overrides: object) -> dict[str, object]:
    item: dict[str, object] = {
        "id": item_id,
        "question": "Huyện có bao nhiêu chợ?",
        "answer": "07 chợ, 05 cửa hàng tiện ích và 3.274 cơ sở kinh doanh.",
        "must_include": ["07 chợ", "3.274"],
        "sources": [{"document": DOC, "section": "1.3. Thương mại, dịch vụ", "quote": QUOTE}],
        "type": "numeric",
        "answerable": True,
    }
    item.update(overrides)
    return item


def _unanswerable(item_id: str) -> dict[str, object]:
    return _good(
        item_id,
        answer="Không có thông tin.",
        must_include=[],
        sources=[],
        type="unanswerable",
        answerable=False,
    )


def _write_jsonl(path: Path, lines: list[object]) -> Path:
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines)
        + "\n",
        encoding="utf-8",
    )
    return path


def _codes(testset_issues: object) -> list[tuple[int | None, str, str]]:
    return [(i.line, i.severity, i.code) for i in testset_issues]  # type: ignore[attr-defined]


def test_the_dev_set_is_valid_over_the_samples() -> None:
    testset = validate_testset(DEV, SAMPLES)
    assert len(testset.items) == DEV_ITEMS >= 40
    assert testset.issues == ()
    assert len(testset.sha256) == 64


def test_bad_jsonl_reports_every_problem_with_its_line(tmp_path: Path) -> None:
    path = _write_jsonl(
        tmp_path / "bad.jsonl",
        [
            _good("a"),  # 1
            "{not json",  # 2
            {k: v for k, v in _good("b").items() if k != "question"},  # 3
            _good("a"),  # 4: duplicate
            "",  # 5: blank lines are skipped
            _good("c", answerable="yes"),  # 6
            _good("d", type="unanswerable"),  # 7: answerable but unanswerable type
            _good("e", sources=[{"document": DOC, "section": "x", "quote": "quá ngắn"}]),  # 8
            _unanswerable("f"),  # 9: fine
            [1, 2],  # 10
            _good("g", must_include=["07 chợ", ""]),  # 11
            _good("h", type="statistics"),  # 12: unknown type is a warning
            _good("i", sources=[]),  # 13
        ],
    )
    testset = load_testset(path)
    assert _codes(testset.issues) == [
        (2, "error", "invalid_json"),
        (3, "error", "missing_field"),
        (4, "error", "duplicate_id"),
        (6, "error", "wrong_type"),
        (7, "error", "answerable_mismatch"),
        (8, "warning", "quote_length"),
        (10, "error", "not_an_object"),
        (11, "error", "wrong_type"),
        (12, "warning", "unknown_type"),
        (13, "error", "no_sources"),
    ]
    assert [item.id for item in testset.items] == ["a", "d", "e", "f", "h", "i"]
    assert "dòng 1" in testset.issues[2].message
    assert testset.issues[2].render("bad.jsonl").startswith("bad.jsonl:4: [a] lỗi duplicate_id")
    assert not testset.is_valid()


def test_csv_with_json_cells_and_multiline_cells(tmp_path: Path) -> None:
    path = tmp_path / "set.csv"
    columns = ["id", "question", "answer", "must_include", "sources", "type", "answerable", "note"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        first = _good("a")
        writer.writerow(
            [
                "a",
                "Huyện có\nbao nhiêu chợ?",
                first["answer"],
                json.dumps(first["must_include"], ensure_ascii=False),
                json.dumps(first["sources"], ensure_ascii=False),
                "numeric",
                "true",
                "câu có xuống dòng",
            ]
        )
        writer.writerow(["u", "Diện tích?", "Không có.", "", "[]", "unanswerable", "FALSE", ""])
        writer.writerow(["b", "Câu hỏi?", "x", "[not json", "[]", "numeric", "true", ""])
        writer.writerow(["c", "Câu hỏi?", "x", "[]", "[]", "numeric", "có", ""])
    testset = validate_testset(path, SAMPLES)
    assert [item.id for item in testset.items] == ["a", "u"]
    assert testset.items[0].question == "Huyện có\nbao nhiêu chợ?"
    assert testset.items[0].extra == {"note": "câu có xuống dòng"}
    assert testset.items[1].line == 4  # the first item spans lines 2–3
    assert (5, "error", "invalid_json") in _codes(testset.issues)
    assert (6, "error", "wrong_type") in _codes(testset.issues)


def test_quotes_are_checked_in_their_documents(tmp_path: Path) -> None:
    nfd_other_tones = unicodedata.normalize("NFD", QUOTE.replace("tiện", "tiện"))
    path = _write_jsonl(
        tmp_path / "quotes.jsonl",
        [
            _good("a", sources=[{"document": DOC, "section": "", "quote": nfd_other_tones}]),
            _good("b", sources=[{"document": DOC, "section": "", "quote": QUOTE.replace("07", "08")}]),
            _good("c", sources=[{"document": "nope.txt", "section": "", "quote": QUOTE}]),
        ],
    )
    testset = validate_testset(path, SAMPLES)
    codes = [(i.line, i.code) for i in testset.issues if i.severity == "error"]
    assert codes == [(2, "quote_not_found"), (3, "document_not_found")]
    assert load_testset(path).errors == ()  # without a corpus, quotes are not checked


def test_quotes_cut_inside_a_word_are_found_and_wrong_ones_are_not(tmp_path: Path) -> None:
    sentence = "lợi thế của Huyện; các loại hình thương mại - dịch vụ chưa thật sự phong phú, đa dạng"
    cut_end = sentence[: sentence.index("loại") + 3]  # "… các loạ": folds to "… các lọa"
    cut_start = sentence[sentence.index("ại hình") :]
    harmony = "Bảo đảm sự phát triển hài hòa giữa kinh tế với văn hóa, giữa kinh tế với quốc phòng"
    new_style_cut = harmony.replace("hòa", "hoà")[: harmony.index("hòa") + 2]  # "… hài ho"
    path = _write_jsonl(
        tmp_path / "cut.jsonl",
        [
            _good("a", sources=[{"document": DOC, "section": "", "quote": cut_end}]),
            _good("b", sources=[{"document": DOC, "section": "", "quote": cut_start}]),
            _good("c", sources=[{"document": DOC, "section": "", "quote": new_style_cut}]),
            _good("d", sources=[{"document": DOC, "section": "", "quote": cut_end.replace("loạ", "loà")}]),
            _good("e", sources=[{"document": DOC, "section": "", "quote": cut_end.replace("loạ", "lọ")}]),
        ],
    )
    testset = validate_testset(path, SAMPLES)
    codes = [(i.line, i.code) for i in testset.issues if i.severity == "error"]
    assert codes == [(4, "quote_not_found"), (5, "quote_not_found")]


def test_fact_missing_from_reference_answer_and_non_nfc_are_warnings(tmp_path: Path) -> None:
    path = _write_jsonl(
        tmp_path / "warn.jsonl",
        [
            _good("a", must_include=["07 chợ", "99 chợ"]),
            _good("b", question=unicodedata.normalize("NFD", "Chợ?")),
        ],
    )
    testset = load_testset(path)
    assert [(i.line, i.code) for i in testset.issues] == [(1, "fact_not_in_answer"), (2, "not_nfc")]
    assert testset.is_valid() and not testset.is_valid(strict=True)


def test_empty_and_non_utf8_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    assert _codes(load_testset(empty).issues) == [(None, "error", "empty_file")]
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes("Thương mại".encode("utf-16"))
    assert _codes(load_testset(latin).issues) == [(None, "error", "not_utf8")]


def test_validate_command_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(eval_app, ["validate", str(DEV), "--corpus", str(SAMPLES)])
    assert ok.exit_code == 0, ok.output
    assert f"{DEV_ITEMS} câu" in ok.output and "hợp lệ" in ok.output

    bad = _write_jsonl(tmp_path / "bad.jsonl", [_good("a"), _good("a")])
    result = runner.invoke(eval_app, ["validate", str(bad)])
    assert result.exit_code == EXIT_INVALID_TESTSET
    assert "bad.jsonl:2" in result.output and "duplicate_id" in result.output

    warned = _write_jsonl(tmp_path / "warned.jsonl", [_good("a", type="other")])
    assert runner.invoke(eval_app, ["validate", str(warned)]).exit_code == 0
    assert runner.invoke(eval_app, ["validate", str(warned), "--strict"]).exit_code == EXIT_INVALID_TESTSET

    quotes = _write_jsonl(
        tmp_path / "quotes.jsonl",
        [_good("a", sources=[{"document": DOC, "section": "", "quote": QUOTE + " (thêm)"}])],
    )
    assert runner.invoke(eval_app, ["validate", str(quotes)]).exit_code == 0
    result = runner.invoke(eval_app, ["validate", str(quotes), "--corpus", str(SAMPLES)])
    assert result.exit_code == EXIT_INVALID_TESTSET and "quote_not_found" in result.output

    missing = runner.invoke(eval_app, ["validate", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == EXIT_INVALID_TESTSET
