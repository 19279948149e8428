"""Resource limits on every input: zip bombs, XML bombs, page counts, text length and chunk count.

The bombs are built here, once per session, from a real python-docx package: a 1 GiB member that deflates
to ~1 MB; the same with sizes in the zip directory that lie (small, or an ordinary-looking compression);
10 MB of repeated paragraphs in an ~80 KB file; 10 MB of varied paragraphs. Each is refused with its code
through the loader, the CLI (in a subprocess whose peak memory is measured) and the API, and the store is
left as it was.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.runtime import Runtime, open_runtime
from assistant.settings import Settings
from ingestion.chunker import Chunker
from ingestion.limits import IngestLimits
from ingestion.loaders import load_file
from ingestion.model import IngestError
from ingestion.pipeline import IngestPipeline
from ingestion.settings import IngestSettings
from tests.api_support import REPORT, api_settings
from tests.docbuilders import build_docx, build_pdf
from tests.zipbuilders import DOCUMENT_XML, MiB, one_long_run, paragraphs, patch_sizes, write_docx
from vectorstore.embeddings import build_embeddings

pytest_plugins = ["tests.api_support"]  # the store fixtures

# Peak memory a refused file may add over a small file's ingest (the issue: a 27 KB file took 2.5 GB).
MAX_RSS_GROWTH_KB = 300 * 1024
SAMPLES = sorted((Path(__file__).parents[2] / "data" / "samples").glob("*.txt"))


# ------------------------------------------------------------------------------------ builders


_WORDS = [
    "ủy",
    "ban",
    "nhân",
    "dân",
    "huyện",
    "xã",
    "báo",
    "cáo",
    "kết",
    "quả",
    "thực",
    "hiện",
    "nhiệm",
    "vụ",
    "phát",
    "triển",
    "kinh",
    "tế",
    "xã",
    "hội",
    "năm",
    "kế",
    "hoạch",
    "giảm",
    "nghèo",
    "bền",
    "vững",
    "nông",
    "thôn",
    "mới",
    "chỉ",
    "tiêu",
    "ngân",
    "sách",
    "đầu",
    "tư",
    "công",
    "trình",
    "giao",
    "thông",
]


def _varied_sentence(n: int) -> str:
    chooser = random.Random(n)
    return " ".join(chooser.choice(_WORDS) for _ in range(90)) + f" {n}."


@pytest.fixture(scope="session")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    zip_bomb = write_docx(folder / "zip-bomb.docx", one_long_run(1024 * MiB))
    lying = folder / "lying-sizes.docx"
    lying.write_bytes(zip_bomb.read_bytes())
    patch_sizes(lying, DOCUMENT_XML, uncompressed=4096)
    # 90 MiB (under the 100 MiB cap) whose directory claims an ordinary 30:1 compression.
    lying_ratio = write_docx(folder / "lying-ratio.docx", one_long_run(90 * MiB))
    patch_sizes(lying_ratio, DOCUMENT_XML, compressed=3 * MiB)
    paragraph = "Ủy ban nhân dân huyện báo cáo tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội."
    xml_bomb = write_docx(folder / "xml-bomb.docx", paragraphs(10 * MiB // 140, lambda n: paragraph))
    dense = write_docx(folder / "dense-xml.docx", paragraphs(10 * MiB // 560, _varied_sentence))
    return {
        "zip_bomb": zip_bomb,
        "lying_sizes": lying,
        "lying_ratio": lying_ratio,
        "xml_bomb": xml_bomb,
        "dense_xml": dense,
    }


EXPECTED = {
    "zip_bomb": "too_large_uncompressed",
    # zipfile reads no more than the declared size; the data then fails its CRC.
    "lying_sizes": "corrupt_file",
    "lying_ratio": "too_large_uncompressed",
    "xml_bomb": "too_large_uncompressed",
    "dense_xml": "too_long_text",
}


def test_the_bombs_are_what_they_claim(bombs: dict[str, Path]) -> None:
    with zipfile.ZipFile(bombs["zip_bomb"]) as archive:
        assert archive.getinfo(DOCUMENT_XML).file_size >= 1024 * MiB
    assert bombs["zip_bomb"].stat().st_size < 2 * MiB
    assert bombs["xml_bomb"].stat().st_size < 100 * 1024
    with zipfile.ZipFile(bombs["xml_bomb"]) as archive:
        assert archive.getinfo(DOCUMENT_XML).file_size >= 9.5 * MiB
        from lxml import etree

        etree.fromstring(archive.read(DOCUMENT_XML))  # valid XML
    with zipfile.ZipFile(bombs["dense_xml"]) as archive:
        assert archive.getinfo(DOCUMENT_XML).file_size >= 9.5 * MiB
        compressed = archive.getinfo(DOCUMENT_XML).compress_size
        assert archive.getinfo(DOCUMENT_XML).file_size < 10 * compressed  # an ordinary ratio


# ------------------------------------------------------------------------------------ the loader


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bombs_are_refused_by_the_loader(bombs: dict[str, Path], name: str) -> None:
    with pytest.raises(IngestError) as refused:
        load_file(bombs[name])
    assert refused.value.code == EXPECTED[name], refused.value
    assert refused.value.message


def test_the_uncompressed_limit_is_named_in_the_message(bombs: dict[str, Path]) -> None:
    with pytest.raises(IngestError) as refused:
        load_file(bombs["zip_bomb"])
    assert "giải nén ra quá lớn" in refused.value.message and "100 MB" in refused.value.message


def test_an_honest_docx_over_the_uncompressed_limit_is_refused(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "lon.docx", paragraphs(3000, _varied_sentence))
    load_file(path)  # fine under the defaults
    with pytest.raises(IngestError) as refused:
        load_file(path, IngestLimits(max_uncompressed_bytes=MiB))
    assert refused.value.code == "too_large_uncompressed"


def test_a_pdf_with_too_many_pages_is_refused_before_its_text_is_read(tmp_path: Path) -> None:
    path = build_pdf(tmp_path / "ba-trang.pdf", [["Trang một."], ["Trang hai."], ["Trang ba."]])
    assert load_file(path, IngestLimits(max_pdf_pages=3)).page_offsets
    with pytest.raises(IngestError) as refused:
        load_file(path, IngestLimits(max_pdf_pages=2))
    assert refused.value.code == "too_many_pages" and "3 trang" in refused.value.message


# ------------------------------------------------------------------------------------ the pipeline


@pytest.fixture(scope="module")
def strict_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """A real store whose limits are small enough to reach with small files."""
    data_dir = tmp_path_factory.mktemp("strict-store")
    settings = Settings(
        data_dir=data_dir, ingest=IngestSettings(max_text_chars=1000, max_chunks_per_document=5)
    )
    with open_runtime(settings, data_dir) as runtime:
        yield runtime


def _articles(count: int) -> str:
    """A report of ``count`` numbered items, one chunk each, in well under 1000 characters."""
    header = REPORT.split("I. KẾT")[0]
    return header + "".join(
        f"{n}. Nhiệm vụ thứ {n}\nGiá trị sản xuất năm 2023 đạt {n}00 tỷ đồng, tăng {n}%.\n"
        for n in range(1, count + 1)
    )


def _ingest(runtime: Runtime, path: Path) -> tuple[str, str | None, list[tuple[int, int]]]:
    progress: list[tuple[int, int]] = []
    outcome = runtime.pipeline.ingest(path, on_progress=lambda done, total: progress.append((done, total)))
    return outcome.status, outcome.error.code if outcome.error else None, progress


def test_text_over_the_limit_after_normalisation_is_refused_before_embedding(
    strict_runtime: Runtime, tmp_path: Path
) -> None:
    long_text = tmp_path / "dai.txt"
    long_text.write_text("BÁO CÁO\n" + "Nội dung báo cáo dài. " * 60, encoding="utf-8")
    assert _ingest(strict_runtime, long_text) == ("failed", "too_long_text", [])
    # Loaded it is over the limit too, but normalised (runs of spaces collapsed) it is not.
    padded = tmp_path / "nhieu-khoang-trang.txt"
    padded.write_text("BÁO CÁO\n" + "Nội dung ngắn.          \n\n\n\n" * 40, encoding="utf-8")
    assert len(padded.read_text(encoding="utf-8")) > 1000
    status, code, progress = _ingest(strict_runtime, padded)
    assert (status, code) == ("added", None) and progress
    assert [r.file_name for r in strict_runtime.store.list_documents()] == ["nhieu-khoang-trang.txt"]


def test_too_many_chunks_are_refused_before_any_embedding(strict_runtime: Runtime, tmp_path: Path) -> None:
    before = [r.doc_id for r in strict_runtime.store.list_documents()]
    many = tmp_path / "nhieu-dieu.txt"
    many.write_text(_articles(8), encoding="utf-8")
    assert len(many.read_text(encoding="utf-8")) < 1000
    assert _ingest(strict_runtime, many) == ("failed", "too_many_chunks", [])
    assert [r.doc_id for r in strict_runtime.store.list_documents()] == before
    few = tmp_path / "it-dieu.txt"
    few.write_text(_articles(3), encoding="utf-8")
    assert _ingest(strict_runtime, few)[:2] == ("added", None)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_the_samples_pass_the_default_limits_with_a_wide_margin(
    strict_runtime: Runtime, sample: Path
) -> None:
    limits = IngestLimits()
    pipeline = IngestPipeline(
        strict_runtime.store,
        Chunker(build_embeddings(strict_runtime.settings.embedding).count_tokens, 400),
        limits=limits,
    )
    record, chunks = pipeline.prepare(sample, "mau", "hash")
    assert len(record.text) * 20 < limits.max_text_chars
    assert len(chunks) * 20 < limits.max_chunks_per_document


# ------------------------------------------------------------------------------------ the CLI, memory


def _cli_ingest(path: Path, data_dir: Path) -> tuple[int, list[dict[str, Any]], int]:
    """Run ``vankien ingest --json`` in a subprocess: exit code, its rows, and its peak RSS in KiB."""
    with (data_dir.parent / f"{path.name}.out").open("w+b") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "assistant", "ingest", str(path), "--data-dir", str(data_dir), "--json"],
            stdout=output,
            stderr=subprocess.DEVNULL,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode()
    return process.returncode, json.loads(text) if text.strip() else [], usage.ru_maxrss


def _cli_documents(data_dir: Path) -> Any:
    listed = subprocess.run(
        [sys.executable, "-m", "assistant", "documents", "--data-dir", str(data_dir), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    return json.loads(listed.stdout)


@pytest.fixture(scope="module")
def cli_store(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any, int]:
    """A copy of the two-document store, its listing, and the peak RSS of ingesting a small .docx there."""
    import shutil

    data_dir = tmp_path_factory.mktemp("cli-limits") / "store"
    shutil.copytree(built_store, data_dir)
    listing = _cli_documents(data_dir)
    small = build_docx(data_dir.parent / "nho.docx", [("", None)])
    code, rows, baseline = _cli_ingest(small, data_dir)
    assert (code, rows[0]["error_code"]) == (1, "empty_document")
    return data_dir, listing, baseline


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bombs_fail_fast_through_the_cli_with_bounded_memory(
    bombs: dict[str, Path], cli_store: tuple[Path, Any, int], name: str
) -> None:
    data_dir, listing, baseline = cli_store
    code, rows, peak = _cli_ingest(bombs[name], data_dir)
    assert code == 1
    assert [(row["status"], row["error_code"]) for row in rows] == [("failed", EXPECTED[name])]
    assert peak - baseline < MAX_RSS_GROWTH_KB, f"peak {peak} KiB, a small file {baseline} KiB"
    assert _cli_documents(data_dir) == listing


# ------------------------------------------------------------------------------------ the API


@pytest.fixture(scope="module")
def uploader(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    import shutil

    data_dir = tmp_path_factory.mktemp("api-limits") / "store"
    shutil.copytree(built_store, data_dir)
    with TestClient(create_app(api_settings(data_dir))) as client:
        yield client


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bombs_are_refused_through_the_api_with_their_code(
    bombs: dict[str, Path], uploader: TestClient, name: str
) -> None:
    import time

    before = uploader.get("/api/documents").json()
    response = uploader.post("/api/documents", files={"file": (bombs[name].name, bombs[name].read_bytes())})
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    deadline = time.monotonic() + 120
    while (job := uploader.get(f"/api/jobs/{job_id}").json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    assert job["status"] == "failed"
    assert job["error"]["code"] == EXPECTED[name]
    assert job["error"]["message"] and job["error"]["message_en"] != "The request could not be completed."
    assert uploader.get("/api/documents").json() == before


def test_nul_bytes_in_an_upload_do_not_reach_the_store(uploader: TestClient) -> None:
    import time

    text = REPORT.replace("Giá trị sản xuất", "Giá\x00 trị sản\x00xuất", 1).replace("TM.", "TM.\x00\x01")
    response = uploader.post("/api/documents", files={"file": ("co-nul.txt", text.encode())})
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    deadline = time.monotonic() + 120
    while (job := uploader.get(f"/api/jobs/{job_id}").json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    assert job["status"] == "succeeded", job
    doc_id = job["result"]["document"]["id"]
    detail = uploader.get(f"/api/documents/{doc_id}").json()
    texts = [
        uploader.get(f"/api/documents/{doc_id}/sections/{node['id']}").json()["text"]
        for node in detail["sections_tree"]
    ]
    whole = "\n".join(texts)
    assert "Giá trị sảnxuất" in whole
    assert "\x00" not in whole and "\x01" not in whole
    assert uploader.delete(f"/api/documents/{doc_id}").status_code == 200
