"""Probes, metrics, OpenAPI docs, and the admin evaluation endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from tests.api_support import (
    ADMIN_KEY,
    FIGURE_QUESTION,
    READER_KEY,
    api_settings,
    assert_error,
    bearer,
    wait_for_job,
    write_corpus,
)

TESTSET: list[dict[str, Any]] = [
    {
        "id": "t-1",
        "question": FIGURE_QUESTION,
        "answer": "1.250 tỷ đồng",
        "must_include": ["1.250 tỷ đồng"],
        "sources": [
            {
                "document": "bao-cao-hoa-binh.txt",
                "section": "1. Kinh tế",
                "quote": "Giá trị sản xuất công nghiệp năm 2023 đạt 1.250 tỷ đồng, tăng 8,5% so với năm 2022.",
            }
        ],
        "type": "numeric",
        "answerable": True,
    },
    {
        "id": "t-2",
        "question": "Diện tích lúa chất lượng cao của An Phú đạt bao nhiêu?",
        "answer": "3.500 ha",
        "must_include": ["3.500 ha"],
        "sources": [
            {
                "document": "nghi-quyet-an-phu.txt",
                "section": "1. Mục tiêu",
                "quote": "Diện tích lúa chất lượng cao đạt 3.500 ha; thu nhập bình quân đầu người đạt 65 triệu đồng.",
            }
        ],
        "type": "numeric",
        "answerable": True,
    },
]

pytest_plugins = ["tests.api_support"]  # the store fixtures


@pytest.fixture
def client(store_copy: Path, tmp_path: Path) -> Iterator[TestClient]:
    testsets = tmp_path / "testsets"
    testsets.mkdir()
    (testsets / "mini.jsonl").write_text(
        "\n".join(json.dumps(item, ensure_ascii=False) for item in TESTSET) + "\n", encoding="utf-8"
    )
    settings = api_settings(store_copy, keys=True, testsets_dir=testsets)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_probes(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_readyz_is_503_before_startup(built_store: Path) -> None:
    client = TestClient(create_app(api_settings(built_store)))  # lifespan not entered: not started
    assert client.get("/readyz").status_code == 503


def test_metrics(client: TestClient) -> None:
    client.post("/api/ask", json={"question": FIGURE_QUESTION}, headers=bearer(READER_KEY))
    client.get("/api/documents/khong-co", headers=bearer(READER_KEY))
    text = client.get("/metrics").text
    assert 'vankien_http_requests_total{method="POST",route="/api/ask",status="200"} 1.0' in text
    assert (
        'vankien_http_requests_total{method="GET",route="/api/documents/{doc_id}",status="404"} 1.0' in text
    )
    assert 'vankien_ask_stage_duration_seconds_count{stage="retrieve"} 1.0' in text
    assert "vankien_documents 2.0" in text
    assert "vankien_chunks " in text and "vankien_chunks 0.0" not in text


def test_openapi_has_vietnamese_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    ask = spec["paths"]["/api/ask"]["post"]
    examples = ask["requestBody"]["content"]["application/json"]["examples"]
    assert "Bắc Tân Uyên" in examples["so_lieu"]["value"]["question"]
    assert {"/v1/chat/completions", "/api/search", "/api/documents/{doc_id}/sections/{section_id}"} <= set(
        spec["paths"]
    )
    assert client.get("/docs").status_code == 200


def test_evaluation_run_as_admin(client: TestClient) -> None:
    admin = bearer(ADMIN_KEY)
    assert client.get("/api/evals/testsets", headers=admin).json() == ["mini.jsonl"]
    response = client.post("/api/evals", data={"testset_name": "mini.jsonl"}, headers=admin)
    assert response.status_code == 202
    job = wait_for_job(client, response.json()["id"], admin)
    assert job["status"] == "succeeded", job
    run_id = job["result"]["run_id"]
    assert job["result"]["metrics"]
    summary = client.get(f"/api/evals/{run_id}", headers=admin).json()
    assert summary["testset"]["items"] == 2
    # Labelled with where it was started and the answerer the runtime uses (no language model here).
    assert summary["configuration"]["source"] == "api"
    assert summary["configuration"]["answerer"] == {"kind": "extractive"}
    assert summary["counts"]["answered"] == 2
    runs = client.get("/api/evals", headers=admin).json()
    assert [r["id"] for r in runs] == [run_id]
    report = client.get(f"/api/evals/{run_id}/report", headers=admin)
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")


def test_evaluation_of_an_uploaded_testset(client: TestClient) -> None:
    admin = bearer(ADMIN_KEY)
    lines = json.dumps(TESTSET[0], ensure_ascii=False) + "\n"
    response = client.post(
        "/api/evals", files={"testset": ("bo-cau-hoi.jsonl", lines.encode())}, headers=admin
    )
    job = wait_for_job(client, response.json()["id"], admin)
    assert job["status"] == "succeeded", job


def test_evaluation_checks_quotes_against_the_configured_documents(store_copy: Path, tmp_path: Path) -> None:
    documents = write_corpus(tmp_path / "documents")
    settings = api_settings(store_copy, keys=True, eval_documents_dir=documents)
    wrong = dict(
        TESTSET[0],
        sources=[dict(TESTSET[0]["sources"][0], quote="Câu này không có trong văn bản nào cả, dù dài đủ.")],
    )
    upload = {"testset": ("sai.jsonl", (json.dumps(wrong, ensure_ascii=False) + "\n").encode())}
    with TestClient(create_app(settings)) as test_client:
        response = test_client.post("/api/evals", files=upload, headers=bearer(ADMIN_KEY))
        assert "quote_not_found" in assert_error(response, 422, "invalid_testset")["message"]
        right = {"testset": ("dung.jsonl", (json.dumps(TESTSET[0], ensure_ascii=False) + "\n").encode())}
        accepted = test_client.post("/api/evals", files=right, headers=bearer(ADMIN_KEY))
        job = wait_for_job(test_client, accepted.json()["id"], bearer(ADMIN_KEY))
        assert job["status"] == "succeeded", job
        summary = test_client.get(f"/api/evals/{job['result']['run_id']}", headers=bearer(ADMIN_KEY)).json()
        assert summary["configuration"]["documents"] == str(documents)


def test_evaluation_errors(client: TestClient) -> None:
    admin = bearer(ADMIN_KEY)
    assert_error(client.post("/api/evals", headers=bearer(READER_KEY)), 403, "admin_required")
    assert_error(client.get("/api/evals", headers=bearer(READER_KEY)), 403, "admin_required")
    assert_error(client.post("/api/evals", headers=admin), 422, "invalid_testset")
    assert_error(
        client.post("/api/evals", data={"testset_name": "../x.jsonl"}, headers=admin),
        404,
        "testset_not_found",
    )
    bad = client.post("/api/evals", files={"testset": ("bad.jsonl", b'{"id": "x"}\n')}, headers=admin)
    assert "bad.jsonl" in assert_error(bad, 422, "invalid_testset")["message"]
    wrong_type = client.post("/api/evals", files={"testset": ("a.txt", b"x")}, headers=admin)
    assert_error(wrong_type, 422, "invalid_testset")
    assert_error(client.get("/api/evals/../../etc", headers=admin), 404, "not_found")
    assert_error(client.get("/api/evals/" + "0" * 32, headers=admin), 404, "run_not_found")
