"""Documents over the API: list, detail and section tree, section text, upload (type from content), delete."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.services.documents import detect_upload_type, sanitize_file_name
from ingestion.model import IngestError
from ingestion.pipeline import document_id
from tests.api_support import api_settings, assert_error, wait_for_job

UPLOADED = """ỦY BAN NHÂN DÂN
XÃ TÂN LẬP
Số: 07/BC-UBND
Tân Lập, ngày 01 tháng 03 năm 2024

BÁO CÁO
Kết quả thu ngân sách quý I năm 2024

1. Thu ngân sách
Tổng thu ngân sách xã quý I đạt 2,5 tỷ đồng.
"""

pytest_plugins = ["tests.api_support"]  # the store fixtures

# Ids are a slug plus a hash of the source path (here: the corpus file names).
REPORT_ID = document_id("bao-cao-hoa-binh.txt")
RESOLUTION_ID = document_id("nghi-quyet-an-phu.txt")


@pytest.fixture(scope="module")
def reader(built_store: Path) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(built_store))) as client:
        yield client


@pytest.fixture
def writer(store_copy: Path) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(store_copy, max_upload_bytes=4096))) as client:
        yield client


def test_list_documents(reader: TestClient) -> None:
    documents = {d["id"]: d for d in reader.get("/api/documents").json()}
    assert set(documents) == {REPORT_ID, RESOLUTION_ID}
    report = documents[REPORT_ID]
    assert report["source_path"] == "bao-cao-hoa-binh.txt"
    assert report["doc_type"] == "Báo cáo"
    assert report["number"] == "12/BC-UBND"
    assert report["date"] == "2023-12-05"
    assert report["locality"] == "Hòa Bình"
    assert report["chunks"] > 0 and report["sections"] == 5


def test_document_detail_has_the_section_tree(reader: TestClient) -> None:
    detail = reader.get(f"/api/documents/{REPORT_ID}").json()
    top = [node["heading"] for node in detail["sections_tree"]]
    assert top == ["", "I. KẾT QUẢ ĐẠT ĐƯỢC", "II. NHIỆM VỤ NĂM 2024"]
    results = detail["sections_tree"][1]
    assert [child["id"] for child in results["children"]] == ["1.1", "1.2"]
    assert results["children"][0]["path"][-1] == "1. Kinh tế"


def test_section_text_is_the_whole_section(reader: TestClient) -> None:
    section = reader.get(f"/api/documents/{REPORT_ID}/sections/1").json()
    assert section["text"].startswith("I. KẾT QUẢ ĐẠT ĐƯỢC")
    # The section includes its subsections.
    assert "1.250 tỷ đồng" in section["text"] and "1,2%" in section["text"]
    assert "NHIỆM VỤ NĂM 2024" not in section["text"]


def test_missing_document_and_section_are_404(reader: TestClient) -> None:
    assert_error(reader.get("/api/documents/khong-co"), 404, "document_not_found")
    assert_error(reader.get(f"/api/documents/{REPORT_ID}/sections/9.9"), 404, "section_not_found")
    assert_error(reader.get("/api/jobs/khong-co"), 404, "job_not_found")


def test_upload_a_text_file_as_a_job(writer: TestClient, store_copy: Path) -> None:
    response = writer.post(
        "/api/documents", files={"file": ("Báo cáo Tân Lập.txt", UPLOADED.encode(), "text/plain")}
    )
    assert response.status_code == 202
    job = response.json()
    assert job["kind"] == "ingest" and job["status"] in ("queued", "running", "succeeded")
    done = wait_for_job(writer, job["id"])
    assert done["status"] == "succeeded", done
    assert done["progress"] == 1.0
    document = done["result"]["document"]
    assert done["result"]["status"] == "added"
    assert document["number"] == "07/BC-UBND"
    assert (store_copy / "uploads" / "Báo cáo Tân Lập.txt").is_file()
    assert document["id"] in {d["id"] for d in writer.get("/api/documents").json()}
    answer = writer.post("/api/ask", json={"question": "Tổng thu ngân sách xã Tân Lập quý I đạt bao nhiêu?"})
    assert "2,5 tỷ đồng" in answer.json()["answer"]
    assert not list((store_copy / "uploads" / ".incoming").iterdir())


def test_upload_type_comes_from_the_content_not_the_name(writer: TestClient, store_copy: Path) -> None:
    response = writer.post(
        "/api/documents", files={"file": ("bang-ke.pdf", UPLOADED.encode(), "application/pdf")}
    )
    done = wait_for_job(writer, response.json()["id"])
    assert done["status"] == "succeeded", done
    assert done["result"]["document"]["file_name"] == "bang-ke.txt"
    assert (store_copy / "uploads" / "bang-ke.txt").is_file()
    assert not (store_copy / "uploads" / "bang-ke.pdf").exists()


def test_binary_content_is_refused_with_415(writer: TestClient) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    error = assert_error(
        writer.post("/api/documents", files={"file": ("anh.txt", png)}), 415, "unsupported_content"
    )
    assert "nội dung" in error["message"]


def test_upload_over_the_cap_is_413(writer: TestClient) -> None:
    big = ("Tổng thu ngân sách đạt 2,5 tỷ đồng.\n" * 200).encode()
    assert_error(writer.post("/api/documents", files={"file": ("lon.txt", big)}), 413, "upload_too_large")


def test_an_upload_far_over_the_cap_gets_the_same_code_before_it_is_read(writer: TestClient) -> None:
    # Past the multipart allowance the body limit answers, before the route reads the file.
    huge = b"a" * (1024 * 1024)
    error = assert_error(
        writer.post("/api/documents", files={"file": ("lon.txt", huge)}), 413, "upload_too_large"
    )
    assert "Tệp quá lớn" in error["message"]


def test_empty_upload_is_refused(writer: TestClient) -> None:
    assert_error(writer.post("/api/documents", files={"file": ("rong.txt", b"  \n")}), 422, "empty_document")


def test_delete_removes_the_document_and_its_upload(writer: TestClient, store_copy: Path) -> None:
    job = writer.post("/api/documents", files={"file": ("tan-lap.txt", UPLOADED.encode())}).json()
    doc_id = wait_for_job(writer, job["id"])["result"]["document"]["id"]
    response = writer.delete(f"/api/documents/{doc_id}")
    assert response.status_code == 200
    assert response.json()["deleted"]["id"] == doc_id
    assert not (store_copy / "uploads" / "tan-lap.txt").exists()
    assert_error(writer.get(f"/api/documents/{doc_id}"), 404, "document_not_found")
    assert_error(writer.delete(f"/api/documents/{doc_id}"), 404, "document_not_found")
    hits = writer.get("/api/search", params={"q": "Tân Lập quý I"}).json()["results"]
    assert doc_id not in {h["doc_id"] for h in hits}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.txt", "passwd"),
        ("C:\\Users\\a\\Báo cáo 250.docx", "Báo cáo 250"),
        (".hidden.txt", "hidden"),
        ("a<b>|c?.md", "a_b__c_"),
        ("....", "van-ban"),
        ("x\x00y\nz.txt", "xyz"),
    ],
)
def test_sanitize_file_name(name: str, expected: str) -> None:
    assert sanitize_file_name(name) == expected


def _upload(client: TestClient, name: str, text: str) -> dict[str, Any]:
    job = client.post("/api/documents", files={"file": (name, text.encode())}).json()
    done = wait_for_job(client, job["id"])
    assert done["status"] == "succeeded", done
    return dict(done["result"])


def test_uploads_whose_names_slug_alike_are_separate_documents(writer: TestClient) -> None:
    japan = _upload(writer, "日本.txt", UPLOADED)
    china = _upload(writer, "中国.txt", UPLOADED.replace("2,5 tỷ", "3,1 tỷ"))
    assert (japan["status"], china["status"]) == ("added", "added")
    ids = {name: result["document"]["id"] for name, result in (("日本.txt", japan), ("中国.txt", china))}
    assert ids == {name: document_id(name) for name in ids}
    listed = {d["id"]: d for d in writer.get("/api/documents").json()}
    assert set(ids.values()) | {REPORT_ID, RESOLUTION_ID} == set(listed)
    assert listed[ids["日本.txt"]]["source_path"] == "日本.txt"
    again = _upload(writer, "日本.txt", UPLOADED)
    assert again["status"] == "unchanged" and again["document"]["id"] == ids["日本.txt"]


def test_the_same_content_under_another_name_is_a_duplicate(writer: TestClient, store_copy: Path) -> None:
    first = _upload(writer, "tan-lap.txt", UPLOADED)
    copy = _upload(writer, "ban-sao.txt", UPLOADED)
    assert copy["status"] == "duplicate"
    assert copy["duplicate_of"] == first["document"]["id"] == document_id("tan-lap.txt")
    assert copy["document"]["file_name"] == "tan-lap.txt"
    assert first["duplicate_of"] is None
    assert len(writer.get("/api/documents").json()) == 3
    # Not stored, so not kept among the uploads either.
    assert not (store_copy / "uploads" / "ban-sao.txt").exists()
    assert (store_copy / "uploads" / "tan-lap.txt").is_file()
    assert not list((store_copy / "uploads" / ".incoming").iterdir())


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def test_detect_upload_type() -> None:
    assert detect_upload_type(b"%PDF-1.7\n...", "a.txt") == ".pdf"
    assert detect_upload_type(_zip(["word/document.xml", "[Content_Types].xml"]), "a.pdf") == ".docx"
    assert detect_upload_type("Báo cáo".encode(), "a.md") == ".md"
    assert detect_upload_type("Báo cáo".encode("utf-16"), "a.docx") == ".txt"
    for data in (_zip(["xl/workbook.xml"]), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)):
        with pytest.raises(IngestError) as raised:
            detect_upload_type(data, "a.docx")
        assert raised.value.code == "unsupported_content"
