"""The `vankien` CLI end to end, as a user runs it: real files of every kind, a real embedded store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from tests.docbuilders import build_docx, build_pdf, build_scanned_pdf, encode_tcvn3, encode_vni

pytestmark = pytest.mark.integration

HEADER = (
    "ỦY BAN NHÂN DÂN\nHUYỆN CẦU NGANG\nSố: 15/BC-UBND\n"
    "Cầu Ngang, ngày 05 tháng 3 năm 2023\nBÁO CÁO\nTình hình kinh tế - xã hội năm 2022\n"
)
REPORT = (
    HEADER + "I. KẾT QUẢ ĐẠT ĐƯỢC\n1. Lĩnh vực kinh tế\n"
    "Tổng giá trị sản xuất đạt 5.123 tỷ đồng, tăng 8,5% so cùng kỳ.\n"
    "2. Lĩnh vực xã hội\nTỷ lệ hộ nghèo giảm còn 2,15%.\n"
    "II. PHƯƠNG HƯỚNG NĂM 2023\nTiếp tục thực hiện các chương trình mục tiêu quốc gia.\n"
)


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def _invoke_json(*args: str) -> tuple[int, Any]:
    result = CliRunner().invoke(app, [*args, "--json"])
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bao-cao-tcvn3.txt").write_bytes(encode_tcvn3(REPORT, uppercase_toned="lowercase"))
    (folder / "bao-cao-vni.txt").write_bytes(
        encode_vni(REPORT.replace("Cầu Ngang", "Trà Cú").replace("CẦU NGANG", "TRÀ CÚ"))
    )
    build_docx(
        folder / "ke-hoach.docx",
        [
            ("KẾ HOẠCH phát triển nông nghiệp năm 2024", None),
            ("Mục tiêu", 0),
            ("Chỉ tiêu sản xuất", 1),
            ("Sản lượng lúa đạt 180.000 tấn.", None),
            ("Giải pháp", 0),
            ("Tăng cường chuyển giao khoa học kỹ thuật cho nông dân.", None),
        ],
    )
    build_pdf(
        folder / "thong-bao.pdf",
        [["THÔNG BÁO", "I. NỘI DUNG", "Hội nghị tổ chức vào ngày 10 tháng 5 năm 2024 tại hội trường huyện."]],
        header="Huyện Châu Thành",
        footer_page_numbers=True,
    )
    build_scanned_pdf(folder / "ban-scan.pdf")
    return folder


def test_ingest_list_sections_reingest_and_delete(corpus: Path, tmp_path: Path) -> None:
    data = str(tmp_path / "store")

    code, output = _invoke("ingest", str(corpus), "--data-dir", data)
    assert code == 1, output  # the scan fails; the rest go in
    assert "scanned_pdf" in output

    code, output = _invoke("documents", "--data-dir", data, "--json")
    assert code == 0, output
    rows = {row["file_name"]: row for row in json.loads(output)}
    assert set(rows) == {"bao-cao-tcvn3.txt", "bao-cao-vni.txt", "ke-hoach.docx", "thong-bao.pdf"}
    tcvn3 = rows["bao-cao-tcvn3.txt"]
    # TCVN3 has no upper-case toned letters ("HUYệN CầU NGANG" as decoded): the capitals are restored.
    assert (tcvn3["number"], tcvn3["date"], tcvn3["doc_type"], tcvn3["locality"]) == (
        "15/BC-UBND",
        "2023-03-05",
        "Báo cáo",
        "Cầu Ngang",
    )
    vni = rows["bao-cao-vni.txt"]
    assert (vni["number"], vni["date"], vni["locality"]) == ("15/BC-UBND", "2023-03-05", "Trà Cú")

    code, output = _invoke("sections", "bao-cao-vni", "--data-dir", data, "--json")
    assert code == 0, output
    paths = [tuple(s["path"]) for s in json.loads(output)]
    assert ("I. KẾT QUẢ ĐẠT ĐƯỢC", "1. Lĩnh vực kinh tế") in paths
    assert ("II. PHƯƠNG HƯỚNG NĂM 2023",) in paths

    # Word's automatic numbering survives into the section paths.
    code, output = _invoke("sections", "ke-hoach.docx", "--data-dir", data, "--json")
    docx_paths = [tuple(s["path"]) for s in json.loads(output)]
    assert ("1. Mục tiêu", "1.1. Chỉ tiêu sản xuất") in docx_paths
    assert ("2. Giải pháp",) in docx_paths

    code, output = _invoke("sections", "thong-bao", "--data-dir", data, "--json")
    pdf_sections = json.loads(output)
    assert any(s["heading"] == "I. NỘI DUNG" and s["page"] == 1 for s in pdf_sections)

    # Unchanged files are skipped; the scan is still refused.
    code, outcomes = _invoke_json("ingest", str(corpus), "--data-dir", data)
    assert code == 1
    assert sorted(o["status"] for o in outcomes) == [
        "failed",
        "unchanged",
        "unchanged",
        "unchanged",
        "unchanged",
    ]

    code, output = _invoke("delete", "ke-hoach", "--data-dir", data)
    assert code == 0, output
    code, output = _invoke("documents", "--data-dir", data, "--json")
    assert "ke-hoach.docx" not in {row["file_name"] for row in json.loads(output)}

    code, output = _invoke("delete", "khong-co", "--data-dir", data)
    assert code == 4
    assert "Không tìm thấy" in output


def test_changed_file_replaces_its_old_version(tmp_path: Path) -> None:
    data = str(tmp_path / "store")
    report = tmp_path / "bao-cao.txt"
    report.write_text(REPORT, encoding="utf-8")
    assert _invoke("ingest", str(report), "--data-dir", data)[0] == 0
    report.write_text(REPORT.replace("5.123 tỷ", "6.001 tỷ"), encoding="utf-8")
    code, outcomes = _invoke_json("ingest", str(report), "--data-dir", data)
    assert code == 0
    assert outcomes[0]["status"] == "replaced"
    code, output = _invoke("documents", "--data-dir", data, "--json")
    assert len(json.loads(output)) == 1


def test_if_empty_skips_a_populated_store(tmp_path: Path) -> None:
    data = str(tmp_path / "store")
    first = tmp_path / "a.txt"
    first.write_text(REPORT, encoding="utf-8")
    second = tmp_path / "b.txt"
    second.write_text(REPORT.replace("Cầu Ngang", "Duyên Hải"), encoding="utf-8")
    assert _invoke("ingest", str(first), "--data-dir", data, "--if-empty")[0] == 0
    code, output = _invoke("ingest", str(second), "--data-dir", data, "--if-empty")
    assert code == 0
    assert "bỏ qua" in output
    assert len(json.loads(_invoke("documents", "--data-dir", data, "--json")[1])) == 1


def test_nothing_to_ingest_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, output = _invoke("ingest", str(empty), "--data-dir", str(tmp_path / "store"))
    assert code == 2
    assert "Không có tệp nào" in output


def test_ask_and_search_with_and_without_diacritics(tmp_path: Path) -> None:
    data = str(tmp_path / "store")
    report = tmp_path / "bao-cao.txt"
    report.write_text(REPORT, encoding="utf-8")
    assert _invoke("ingest", str(report), "--data-dir", data)[0] == 0

    code, response = _invoke_json("ask", "Tổng giá trị sản xuất năm 2022 đạt bao nhiêu?", "--data-dir", data)
    assert code == 0
    assert not response["abstained"]
    assert "5.123 tỷ đồng" in response["answer"]
    citation = response["citations"][0]
    assert (citation["doc_number"], citation["section_path"]) == (
        "15/BC-UBND",
        ["I. KẾT QUẢ ĐẠT ĐƯỢC", "1. Lĩnh vực kinh tế"],
    )
    assert "5.123 tỷ đồng" in citation["supporting_sentence"]

    code, response = _invoke_json("ask", "ty le ho ngheo giam con bao nhieu", "--data-dir", data)
    assert code == 0
    assert "2,15%" in response["answer"]

    code, response = _invoke_json("ask", "Kim ngạch xuất khẩu đạt bao nhiêu triệu USD?", "--data-dir", data)
    assert response["abstained"]
    assert "Không tìm thấy" in response["answer"]

    code, output = _invoke("ask", "Tổng giá trị sản xuất năm 2022 đạt bao nhiêu?", "--data-dir", data)
    assert code == 0
    assert "[1]" in output
    assert "15/BC-UBND" in output

    code, hits = _invoke_json("search", "ho ngheo", "--data-dir", data, "--limit", "2")
    assert code == 0
    assert hits[0]["section_path"] == ["I. KẾT QUẢ ĐẠT ĐƯỢC", "2. Lĩnh vực xã hội"]


def test_configuration_errors_end_with_a_message_and_code_not_a_traceback(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "VANKIEN_LLM__MODE": "openai", "VANKIEN_DATA_DIR": str(tmp_path / "store")}
    env.pop("VANKIEN_LLM__MODEL", None)
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "Hiện có bao nhiêu chợ?"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    assert "[llm_model_missing]" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_serve_refuses_a_broken_model_configuration_before_starting(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "VANKIEN_LLM__MODE": "llamacpp",
        "VANKIEN_LLM__MODEL_PATH": str(tmp_path / "none.gguf"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "serve", "--port", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    assert "[llm_model_path_missing]" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
