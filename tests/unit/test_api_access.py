"""API keys and roles: reader (ask, search, read) and admin (upload, delete, evaluate); 401/403 bodies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.security import KeyRing, presented_key
from assistant.settings import ApiSettings
from tests.api_support import ADMIN_KEY, FIGURE_QUESTION, READER_KEY, api_settings, assert_error, bearer

pytest_plugins = ["tests.api_support"]  # the store fixtures


@pytest.fixture
def client(store_copy: Path) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(store_copy, keys=True))) as test_client:
        yield test_client


def test_no_key_is_401_with_a_vietnamese_message(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": FIGURE_QUESTION})
    error = assert_error(response, 401, "missing_api_key")
    assert "khoá API" in error["message"]
    assert response.headers["www-authenticate"] == "Bearer"


def test_unknown_key_is_401(client: TestClient) -> None:
    assert_error(client.get("/api/documents", headers=bearer("not-a-key")), 401, "invalid_api_key")


@pytest.mark.parametrize("headers", [bearer(READER_KEY), {"X-API-Key": READER_KEY}])
def test_reader_key_reads(client: TestClient, headers: dict[str, str]) -> None:
    assert client.get("/api/documents", headers=headers).status_code == 200
    assert client.get("/api/search", params={"q": "ngân sách"}, headers=headers).status_code == 200
    assert client.post("/api/ask", json={"question": FIGURE_QUESTION}, headers=headers).status_code == 200
    assert client.get("/v1/models", headers=headers).status_code == 200


def test_reader_key_cannot_upload_delete_or_evaluate(client: TestClient) -> None:
    headers = bearer(READER_KEY)
    upload = client.post("/api/documents", files={"file": ("a.txt", "Nội dung.".encode())}, headers=headers)
    assert_error(upload, 403, "admin_required")
    assert_error(client.delete("/api/documents/bao-cao-hoa-binh", headers=headers), 403, "admin_required")
    assert_error(
        client.post("/api/evals", data={"testset_name": "x"}, headers=headers), 403, "admin_required"
    )
    assert client.get("/api/documents/bao-cao-hoa-binh", headers=headers).status_code == 200


def test_admin_key_does_everything(client: TestClient) -> None:
    headers = bearer(ADMIN_KEY)
    assert client.get("/api/documents", headers=headers).status_code == 200
    assert client.delete("/api/documents/nghi-quyet-an-phu", headers=headers).status_code == 200


def test_probes_need_no_key(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").json() == {"status": "ready"}


def test_without_keys_everything_is_open(store_copy: Path) -> None:
    with TestClient(create_app(api_settings(store_copy))) as client:
        assert client.get("/api/documents").status_code == 200
        assert client.delete("/api/documents/nghi-quyet-an-phu").status_code == 200


def test_key_ring() -> None:
    keys = KeyRing.from_settings(ApiSettings.model_validate({"reader_keys": ["r"], "admin_keys": ["a", ""]}))
    assert keys.role_of("a") == "admin"
    assert keys.role_of("r") == "reader"
    assert keys.role_of("x") is None
    assert not keys.open_access
    assert KeyRing.from_settings(ApiSettings()).open_access
    assert presented_key("Bearer  abc ", None) == "abc"
    assert presented_key("Basic abc", None) is None
    assert presented_key("Bearer abc", "xyz") == "xyz"
