"""The ``vankien`` command line on bad input, as a user runs it (a real process): questions that cannot
be asked end with their Vietnamese message and exit code 2, and names from disk or the store never
reach the terminal as control characters or rich markup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.settings import ApiSettings
from tests.api_support import FIGURE_QUESTION, REPORT

pytest_plugins = ["tests.api_support"]  # the store fixtures

REPOSITORY = Path(__file__).resolve().parents[2]
ESC = b"\x1b"
# A name that would turn the terminal red, clear it, and set its title; C1 CSI too, and rich markup.
HOSTILE_NAME = "\x1b[31mbao-cao\x1b[2J\x1b]0;pwned\x07\x9b1m[bold]đậm.txt"


def vankien(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """``vankien ARGS`` (the console script's ``main``), with no VANKIEN_* from the caller's environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VANKIEN_")}
    # Wide enough that no table cell is folded across lines.
    clean.update({"COLUMNS": "250", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        cwd=REPOSITORY,
        env=clean,
        capture_output=True,
        timeout=300,
    )


def output(result: subprocess.CompletedProcess[bytes]) -> str:
    return (result.stdout + result.stderr).decode("utf-8")


@pytest.mark.parametrize("question", ["", "   ", "\n\t "])
def test_ask_with_an_empty_question_is_a_usage_error(question: str, tmp_path: Path) -> None:
    result = vankien("ask", question, "--data-dir", str(tmp_path / "store"))
    assert result.returncode == 2, output(result)
    text = output(result)
    assert "[empty_question]" in text and "Câu hỏi trống" in text
    assert "Cấu hình" not in text and "Traceback" not in text
    # Refused before the store is opened: nothing was created.
    assert not (tmp_path / "store").exists()


def test_search_with_an_empty_query_is_a_usage_error(tmp_path: Path) -> None:
    result = vankien("search", "  ", "--data-dir", str(tmp_path / "store"))
    assert result.returncode == 2, output(result)
    assert "[empty_query]" in output(result) and "Truy vấn trống" in output(result)


def test_ask_with_a_question_over_the_limit_names_the_limit(tmp_path: Path) -> None:
    limit = ApiSettings().max_question_chars
    result = vankien("ask", "á" * (limit + 1), "--data-dir", str(tmp_path / "store"))
    assert result.returncode == 2, output(result)
    assert "[question_too_long]" in output(result)
    assert f"tối đa {limit} ký tự" in output(result)


def test_the_cli_limit_is_the_api_setting(store_copy: Path) -> None:
    """One limit: VANKIEN_API__MAX_QUESTION_CHARS bounds the CLI's questions as it bounds the API's."""
    limit = len(FIGURE_QUESTION)
    env = {"VANKIEN_API__MAX_QUESTION_CHARS": str(limit)}
    refused = vankien("ask", FIGURE_QUESTION + "?", "--data-dir", str(store_copy), env=env)
    assert refused.returncode == 2 and f"tối đa {limit} ký tự" in output(refused)
    answered = vankien("ask", f"  {FIGURE_QUESTION}  ", "--data-dir", str(store_copy), "--json", env=env)
    assert answered.returncode == 0, output(answered)
    assert json.loads(answered.stdout)["question"] == FIGURE_QUESTION


def test_hostile_file_names_are_shown_escaped(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / HOSTILE_NAME).write_text(REPORT, encoding="utf-8")
    (corpus / "\x1b[2Jhỏng.pdf").write_bytes(b"not a pdf at all")
    data_dir = str(tmp_path / "store")

    ingested = vankien("ingest", str(corpus), "--data-dir", data_dir)
    assert ingested.returncode == 1, output(ingested)  # the damaged PDF failed, the report went in
    assert ESC not in ingested.stdout + ingested.stderr
    assert b"\xc2\x9b" not in ingested.stdout + ingested.stderr  # C1 CSI, UTF-8 encoded
    assert "\\x1b[31mbao-cao\\x1b[2J" in output(ingested)
    assert "\\x1b[2Jhỏng.pdf" in output(ingested)  # the failure message names the file, escaped

    listed = vankien("documents", "--data-dir", data_dir)
    assert listed.returncode == 0, output(listed)
    assert ESC not in listed.stdout + listed.stderr
    assert "\\x1b[31mbao-cao" in output(listed)
    assert "[bold]đậm" in output(listed)  # markup in a name is shown, not applied

    as_json = vankien("documents", "--data-dir", data_dir, "--json")
    assert ESC not in as_json.stdout
    (record,) = json.loads(as_json.stdout)
    assert record["file_name"] == HOSTILE_NAME

    sections = vankien("sections", record["id"], "--data-dir", data_dir)
    assert sections.returncode == 0, output(sections)
    assert ESC not in sections.stdout + sections.stderr

    asked = vankien("ask", FIGURE_QUESTION, "--data-dir", data_dir)
    assert asked.returncode == 0, output(asked)
    assert ESC not in asked.stdout + asked.stderr

    searched = vankien("search", "công nghiệp", "--data-dir", data_dir)
    assert searched.returncode == 0, output(searched)
    assert ESC not in searched.stdout + searched.stderr
    assert "\\x1b[31mbao-cao" in output(searched)

    missing = vankien("delete", "\x1b[31mkhông-có", "--data-dir", data_dir)
    assert missing.returncode == 4 and ESC not in missing.stdout + missing.stderr

    deleted = vankien("delete", record["id"], "--data-dir", data_dir)
    assert deleted.returncode == 0, output(deleted)
    assert ESC not in deleted.stdout + deleted.stderr
    assert "\\x1b[31mbao-cao" in output(deleted)


def test_eval_validate_shows_a_hostile_test_set_name_escaped(tmp_path: Path) -> None:
    testset = tmp_path / "\x1b[31mbộ-câu-hỏi\x1b]0;x\x07.jsonl"
    testset.write_text('{"id": "q1", "question": "\x1b[2J"}\n{không phải JSON\n', encoding="utf-8")
    result = vankien("eval", "validate", str(testset))
    assert result.returncode == 3, output(result)
    assert ESC not in result.stdout + result.stderr and b"\x07" not in result.stdout + result.stderr
    assert "\\x1b[31mbộ-câu-hỏi" in output(result)
