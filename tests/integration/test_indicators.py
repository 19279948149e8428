"""Indicator records end to end: extracted at ingest, stored with their document in the same write, deleted
with it, re-extracted when the extractor changes; listed by the CLI and the API the same way (real store,
real embeddings, the bundled samples)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.api.app import create_app
from assistant.cli import app as cli_app
from assistant.runtime import open_runtime
from assistant.settings import Settings
from ingestion.indicators import EXTRACTOR_VERSION
from ingestion.pipeline import document_id
from tests.api_support import REPORT, api_settings, assert_error, build_store
from vectorstore.indicator_table import EXTRACTOR_META_KEY, IndicatorQuery
from vectorstore.store import MANIFEST_FILE, open_catalog

pytestmark = pytest.mark.integration
pytest_plugins = ["tests.api_support"]  # the small two-document store (store_copy)

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
REPORT_ID = document_id("bao-cao-hoa-binh.txt")
# The documents of the samples whose text states a poverty figure in % (read by hand): 000 the rate and its
# target, 003 the rate and the planned reduction, 004 the planned reduction of "hộ nghèo A" by 35%.
POVERTY_RATE_DOCUMENTS = {"000_2265b64d677103f7.txt", "003_ed75f5db97ecdb44.txt", "004_b15d4e577a10df04.txt"}


@pytest.fixture(scope="module")
def samples_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(SAMPLES, tmp_path_factory.mktemp("indicators") / "store")


@pytest.fixture(scope="module")
def reader(samples_store: Path) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(samples_store))) as client:
        yield client


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli_app, ["indicators", *args])
    return result.exit_code, result.output


def _report_records(data_dir: Path) -> list[Any]:
    with open_runtime(Settings(data_dir=data_dir), data_dir, mode="read") as runtime:
        found, total = runtime.store.indicators(IndicatorQuery(doc_ids=(REPORT_ID,)))
    assert total == len(found)
    return found


# ------------------------------------------------------------------------------------------ the store


def test_records_are_written_with_the_document_and_deleted_with_it(store_copy: Path) -> None:
    records = _report_records(store_copy)
    by_value = {r.record.value_text: r for r in records}
    industry = by_value["1.250 tỷ đồng"]
    assert industry.record.indicator == "Giá trị sản xuất công nghiệp"
    assert (industry.record.kind, industry.record.period, industry.locality) == ("result", "2023", "Hòa Bình")
    assert industry.sentence.startswith("Giá trị sản xuất công nghiệp năm 2023 đạt 1.250 tỷ đồng")
    assert industry.section_path[-1] == "1. Kinh tế"
    assert by_value["8,5%"].record.kind == "growth"
    with open_runtime(Settings(data_dir=store_copy), store_copy) as runtime:
        assert runtime.store.delete_document(REPORT_ID)
        assert runtime.store.indicators(IndicatorQuery(doc_ids=(REPORT_ID,))) == ([], 0)
        # The other document keeps its records.
        assert runtime.store.indicators(IndicatorQuery())[1] > 0


def test_a_changed_document_replaces_its_records(store_copy: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bao-cao-hoa-binh.txt").write_text(REPORT.replace("1.250 tỷ", "1.375 tỷ"), encoding="utf-8")
    with open_runtime(Settings(data_dir=store_copy), store_copy) as runtime:
        [outcome] = runtime.pipeline.ingest_all([corpus])
    assert outcome.status == "replaced"
    values = {r.record.value_text for r in _report_records(store_copy)}
    assert "1.375 tỷ đồng" in values and "1.250 tỷ đồng" not in values


def test_a_store_made_by_an_older_extractor_is_re_extracted_when_opened_for_writing(store_copy: Path) -> None:
    before = _report_records(store_copy)
    with sqlite3.connect(store_copy / MANIFEST_FILE) as db:
        db.execute("DELETE FROM indicators")
        db.execute("UPDATE meta SET value = '0' WHERE key = ?", (EXTRACTOR_META_KEY,))
    assert _report_records(store_copy) == []  # a reader does not write
    with open_runtime(Settings(data_dir=store_copy), store_copy):
        pass
    assert _report_records(store_copy) == before
    with sqlite3.connect(store_copy / MANIFEST_FILE) as db:
        (version,) = db.execute("SELECT value FROM meta WHERE key = ?", (EXTRACTOR_META_KEY,)).fetchone()
    assert version == EXTRACTOR_VERSION


def test_a_store_from_before_indicators_lists_none_read_only(store_copy: Path) -> None:
    with sqlite3.connect(store_copy / MANIFEST_FILE) as db:
        db.execute("DROP TABLE indicators")
    catalog = open_catalog(store_copy)
    try:
        assert catalog.indicators(IndicatorQuery(search="ngân sách")) == ([], 0)
    finally:
        catalog.close()
    code, output = _cli("--data-dir", str(store_copy))
    assert code == 0 and "Không có số liệu nào" in output


# ---------------------------------------------------------------------------------------- CLI and API


def test_cli_lists_the_poverty_rate_of_every_document_that_reports_one(samples_store: Path) -> None:
    code, output = _cli("--search", "hộ nghèo", "--data-dir", str(samples_store), "--json")
    assert code == 0, output
    rows = json.loads(output)
    rates = [r for r in rows if r["unit"] == "%" and "ho ngheo" in r["key"]]
    documents = {r["citation"]["doc_id"] for r in rates}
    heads = _file_names(samples_store)
    assert {heads[d] for d in documents} == POVERTY_RATE_DOCUMENTS
    for row in rates:
        assert row["period"] and row["kind"] in ("result", "estimate", "target")
        assert row["value_text"] in row["citation"]["sentence"]
        assert "nghèo" in row["citation"]["sentence"]
    # Result and target of the same document are told apart.
    assert {"result", "target"} <= {r["kind"] for r in rates}


def test_cli_table_csv_and_filters(samples_store: Path) -> None:
    code, table = _cli("--search", "ho ngheo", "--data-dir", str(samples_store))
    assert code == 0 and "số liệu" in table and "nghèo" in table
    code, text = _cli("--search", "hộ nghèo", "--kind", "chỉ tiêu", "--data-dir", str(samples_store), "--csv")
    assert code == 0
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][:3] == ["Chỉ tiêu", "Giá trị (như văn bản)", "Giá trị"]
    assert len(lines) > 1 and all(line[lines[0].index("Loại số liệu")] == "chỉ tiêu" for line in lines[1:])


def test_cli_bad_options_end_with_a_code(samples_store: Path) -> None:
    """As a user runs it (the console script's error handling): a message, a stable code, exit code 2."""
    for args, code in ((("--kind", "forecast"), "invalid_kind"), (("--json", "--csv"), "invalid_option")):
        result = subprocess.run(
            [sys.executable, "-m", "assistant", "indicators", *args, "--data-dir", str(samples_store)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 2 and f"[{code}]" in result.stderr, result.stderr


def test_api_lists_the_same_records_as_the_cli(reader: TestClient, samples_store: Path) -> None:
    code, output = _cli("--search", "hộ nghèo", "--data-dir", str(samples_store), "--json")
    assert code == 0, output
    from_cli = json.loads(output)
    response = reader.get("/api/indicators", params={"search": "hộ nghèo", "page_size": 500})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == len(from_cli) == len(body["results"])
    assert body["results"] == from_cli


def test_api_paginates_and_filters(reader: TestClient) -> None:
    everything = reader.get("/api/indicators", params={"page_size": 500}).json()
    assert everything["total"] >= 100
    second = reader.get("/api/indicators", params={"page": 2, "page_size": 3}).json()
    assert second["total"] == everything["total"] and len(second["results"]) == 3
    assert second["results"] == everything["results"][3:6]
    targets = reader.get("/api/indicators", params={"kind": "target", "year": 2025, "page_size": 500}).json()
    assert targets["total"] > 0
    assert all(r["kind"] == "target" and r["year"] == 2025 for r in targets["results"])
    one = everything["results"][0]["citation"]["doc_id"]
    only = reader.get("/api/indicators", params={"document": one, "page_size": 500}).json()
    assert {r["citation"]["doc_id"] for r in only["results"]} == {one}


def test_api_rejects_bad_filters_with_a_code(reader: TestClient) -> None:
    assert_error(reader.get("/api/indicators", params={"kind": "forecast"}), 422, "invalid_kind")
    assert_error(reader.get("/api/indicators", params={"document": "no-such"}), 404, "document_not_found")
    assert_error(reader.get("/api/indicators", params={"year": 1200}), 422, "invalid_request")


def _file_names(data_dir: Path) -> dict[str, str]:
    catalog = open_catalog(data_dir)
    try:
        return {doc_id: file_name for doc_id, (file_name, _meta) in catalog.document_heads().items()}
    finally:
        catalog.close()
