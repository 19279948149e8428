"""Access everywhere: API keys and roles (reader: ask, search, read; admin: upload, delete, evaluate),
the same keys in front of every Gradio path, the failed-key limit, the same-origin and Host rules of
open mode, security headers, /docs served from the app, and ``vankien serve`` with keys on plain HTTP.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.hardening import CONTENT_SECURITY_POLICY
from assistant.api.security import is_loopback_host
from assistant.services.access import SESSION_COOKIE, FailedAuthLimiter, KeyRing, presented_key
from assistant.settings import ApiSettings, Settings
from tests.api_support import (
    ADMIN_KEY,
    FIGURE_QUESTION,
    READER_KEY,
    api_settings,
    assert_error,
    bearer,
    sse_events,
)
from tests.servers import console_script, free_port, serving, wait_until_up

pytest_plugins = ["tests.api_support"]  # the store fixtures

EXPECTED_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "content-security-policy": CONTENT_SECURITY_POLICY,
}
# What the document list shows of the two documents of tests.api_support.
DOCUMENT_MARKS = ("12/BC-UBND", "05-NQ/HU", "bao-cao-hoa-binh")


@pytest.fixture
def client(store_copy: Path) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(store_copy, keys=True))) as test_client:
        yield test_client


def _doc_id(client: TestClient, file_name: str, headers: dict[str, str]) -> str:
    documents = client.get("/api/documents", headers=headers).json()
    return next(str(d["id"]) for d in documents if d["file_name"] == file_name)


# ------------------------------------------------------------------------------------------ API keys


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
    doc_id = _doc_id(client, "bao-cao-hoa-binh.txt", headers)
    upload = client.post("/api/documents", files={"file": ("a.txt", "Nội dung.".encode())}, headers=headers)
    assert_error(upload, 403, "admin_required")
    assert_error(client.delete(f"/api/documents/{doc_id}", headers=headers), 403, "admin_required")
    assert_error(
        client.post("/api/evals", data={"testset_name": "x"}, headers=headers), 403, "admin_required"
    )
    assert client.get(f"/api/documents/{doc_id}", headers=headers).status_code == 200


def test_admin_key_does_everything(client: TestClient) -> None:
    headers = bearer(ADMIN_KEY)
    doc_id = _doc_id(client, "nghi-quyet-an-phu.txt", headers)
    assert client.delete(f"/api/documents/{doc_id}", headers=headers).status_code == 200


def test_probes_need_no_key(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").json() == {"status": "ready"}


def test_without_keys_everything_is_open(store_copy: Path) -> None:
    with TestClient(create_app(api_settings(store_copy))) as client:
        doc_id = _doc_id(client, "nghi-quyet-an-phu.txt", {})
        assert client.delete(f"/api/documents/{doc_id}").status_code == 200


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


# --------------------------------------------------------------------------------- failed-key limit


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failed_auth_limiter_counts_per_address_within_a_minute() -> None:
    clock = _Clock()
    limiter = FailedAuthLimiter(3, clock=clock)
    for _ in range(3):
        assert limiter.retry_after("10.0.0.1") is None
        limiter.record_failure("10.0.0.1")
    clock.now += 15
    assert limiter.retry_after("10.0.0.1") == 45
    assert limiter.retry_after("10.0.0.2") is None  # another address is not affected
    clock.now += 45
    assert limiter.retry_after("10.0.0.1") is None  # the first failure left the window


def test_failed_auth_limiter_is_bounded() -> None:
    limiter = FailedAuthLimiter(1, max_clients=2, clock=_Clock())
    for address in ("a", "b", "c"):
        limiter.record_failure(address)
    assert limiter.retry_after("a") is None  # forgotten: the least recently failing
    assert limiter.retry_after("b") is not None
    assert limiter.retry_after("c") is not None


def test_wrong_keys_get_429_after_the_limit_and_right_keys_do_not_count(store_copy: Path) -> None:
    settings = api_settings(store_copy, keys=True, ui=True, max_failed_auth_per_minute=3)
    with TestClient(create_app(settings)) as client:
        for _ in range(2):
            assert_error(client.get("/api/documents", headers=bearer("wrong")), 401, "invalid_api_key")
        for _ in range(5):  # successes in between do not count
            assert client.get("/api/documents", headers=bearer(READER_KEY)).status_code == 200
        assert_error(client.get("/api/documents", headers=bearer("wrong")), 401, "invalid_api_key")

        refused = client.get("/api/documents", headers=bearer("wrong"))
        error = assert_error(refused, 429, "too_many_failed_auth")
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "thử lại sau" in error["message"]
        # While the address waits no key is even looked at, so guessing learns nothing.
        assert_error(client.get("/api/documents", headers=bearer(READER_KEY)), 429, "too_many_failed_auth")
        # The UI's key form and the UI's own API are under the same limit.
        assert client.post("/session", data={"key": READER_KEY}, follow_redirects=False).status_code == 429
        ui_call = client.post("/gradio_api/call/on_load", json={"data": []}, headers=bearer(READER_KEY))
        assert_error(ui_call, 429, "too_many_failed_auth")
        # A request without a key is not a guess.
        assert_error(client.get("/api/documents"), 401, "missing_api_key")


# ------------------------------------------------------------------------- open mode: origin, host


@pytest.fixture
def open_client(store_copy: Path) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(store_copy)), base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


@pytest.mark.parametrize(
    "browser_headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "http://127.0.0.1:9999"},  # another port is another origin
        {"Origin": "null"},
        {"Referer": "http://evil.example/page.html"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
)
def test_open_mode_refuses_cross_site_posts(open_client: TestClient, browser_headers: dict[str, str]) -> None:
    response = open_client.post("/api/ask", json={"question": FIGURE_QUESTION}, headers=browser_headers)
    assert_error(response, 403, "cross_site_request")


def test_open_mode_refuses_a_cross_site_delete_and_keeps_the_document(open_client: TestClient) -> None:
    doc_id = _doc_id(open_client, "nghi-quyet-an-phu.txt", {})
    refused = open_client.delete(f"/api/documents/{doc_id}", headers={"Origin": "http://evil.example"})
    assert_error(refused, 403, "cross_site_request")
    assert open_client.get(f"/api/documents/{doc_id}").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},  # curl, the openai library
        {"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"},
        {"Referer": "http://127.0.0.1:8000/", "Sec-Fetch-Site": "same-origin"},
    ],
)
def test_open_mode_accepts_same_origin_and_non_browser_posts(
    open_client: TestClient, headers: dict[str, str]
) -> None:
    response = open_client.post("/api/ask", json={"question": FIGURE_QUESTION}, headers=headers)
    assert response.status_code == 200, response.text


def test_open_mode_refuses_pages_at_a_foreign_host_name(open_client: TestClient) -> None:
    # DNS rebinding: evil.example now resolves to 127.0.0.1; the browser still says whose page it is.
    rebound = {"Host": "evil.example:8000", "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}
    assert_error(open_client.get("/api/documents", headers=rebound), 403, "host_not_allowed")
    for host in ("localhost:8000", "127.0.0.1:8000", "[::1]:8000"):
        browser = {"Host": host, "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}
        assert open_client.get("/api/documents", headers=browser).status_code == 200, host
    # A client outside a browser picks its Host header at will: checking it would protect nothing.
    assert open_client.get("/api/documents", headers={"Host": "evil.example"}).status_code == 200


def test_keyed_mode_api_clients_are_not_subject_to_the_origin_rule(client: TestClient) -> None:
    headers = {**bearer(READER_KEY), "Origin": "http://tools.example"}
    assert client.post("/api/ask", json={"question": FIGURE_QUESTION}, headers=headers).status_code == 200
    # The UI's cookie, though, is an ambient credential: a cross-site post that carries it is refused.
    client.cookies.set(SESSION_COOKIE, READER_KEY)
    refused = client.post(
        "/api/ask", json={"question": FIGURE_QUESTION}, headers={"Origin": "http://evil.example"}
    )
    assert_error(refused, 403, "cross_site_request")


def test_loopback_hosts() -> None:
    assert all(is_loopback_host(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"))
    assert not any(is_loopback_host(h) for h in ("0.0.0.0", "192.168.1.10", "::", "example.com"))


# ------------------------------------------------------------------------------ headers and /docs


def test_security_headers_on_every_response(client: TestClient) -> None:
    responses = [
        client.get("/healthz"),
        client.get("/api/documents", headers=bearer(READER_KEY)),
        client.get("/api/documents"),  # 401
        client.get("/api/nothing-here"),  # 404
        client.get("/docs"),
        client.get("/openapi.json"),
    ]
    for response in responses:
        for name, value in EXPECTED_HEADERS.items():
            assert response.headers.get(name) == value, (response.request.url, name)
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY


def test_docs_and_redoc_load_their_files_from_the_app(client: TestClient) -> None:
    for page, assets in (
        ("/docs", ["swagger-ui-bundle.js", "swagger-ui.css"]),
        ("/redoc", ["redoc.standalone.js"]),
    ):
        html = client.get(page).text
        assert "https://" not in html and "http://" not in html, page
        for asset in assets:
            assert f"/docs/assets/{asset}" in html
            response = client.get(f"/docs/assets/{asset}")
            assert response.status_code == 200
            assert len(response.content) > 10_000
    # Swagger UI 5: it renders the OpenAPI 3.1 document FastAPI writes (Swagger UI 4 cannot).
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")
    assert "SwaggerUIBundle" in client.get("/docs/assets/swagger-ui-bundle.js").text
    assert "/docs" not in client.get("/openapi.json").json()["paths"]


# --------------------------------------------------------------------- the Gradio UI over real HTTP


@pytest.fixture(scope="module")
def ui_store(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("ui-access") / "store"
    shutil.copytree(built_store, copy)
    return copy


@pytest.fixture(scope="module")
def keyed_ui(ui_store: Path) -> Iterator[str]:
    """The app with the UI and one reader and one admin key, served by uvicorn."""
    settings = Settings(
        data_dir=ui_store,
        api=ApiSettings.model_validate({"reader_keys": [READER_KEY], "admin_keys": [ADMIN_KEY]}),
    )
    with serving(create_app(settings)) as url:
        yield url


def _call(http: httpx.Client, event: str, data: list[Any]) -> tuple[str, Any]:
    """Run a UI event through Gradio's HTTP API; (SSE event name, data) of its last message."""
    started = http.post(f"/gradio_api/call/{event}", json={"data": data})
    assert started.status_code == 200, started.text
    result = http.get(f"/gradio_api/call/{event}/{started.json()['event_id']}", timeout=120)
    name, payload = sse_events(result.text)[-1]
    return name, json.loads(payload) if payload not in ("", "null") else None


@contextmanager
def _reader_session(url: str) -> Iterator[httpx.Client]:
    """An HTTP client that gave the reader key to the key page, as a browser does, and holds the cookie."""
    with httpx.Client(base_url=url, timeout=60) as http:
        opened = http.post("/session", data={"key": READER_KEY})
        assert opened.status_code == 303, opened.text
        cookie = opened.headers["set-cookie"]
        assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
        yield http


@pytest.mark.integration
def test_ui_without_a_key_shows_only_the_key_page_and_its_api_is_closed(keyed_ui: str) -> None:
    with httpx.Client(base_url=keyed_ui, timeout=60) as http:
        page = http.get("/")
        assert page.status_code == 200
        assert "Khoá truy cập" in page.text
        assert "gradio_config" not in page.text
        assert not any(mark in page.text for mark in DOCUMENT_MARKS)
        for name, value in EXPECTED_HEADERS.items():
            assert page.headers[name] == value
        closed = [
            http.post("/gradio_api/call/refresh_store_views", json={"data": []}),
            http.post("/gradio_api/call/on_load", json={"data": []}),  # the page-load event
            http.post("/gradio_api/queue/join", json={"data": [], "fn_index": 0, "session_hash": "x"}),
            http.post("/gradio_api/upload", files={"files": ("a.txt", b"x")}),
            http.get("/config"),
            http.get("/gradio_api/info"),
        ]
        for response in closed:
            assert_error(response, 401, "missing_api_key")
        wrong = http.post("/gradio_api/call/refresh_store_views", json={"data": []}, headers=bearer("nope"))
        assert_error(wrong, 401, "invalid_api_key")
        refused = http.post("/session", data={"key": "nope"})
        assert refused.status_code == 401
        assert "Khoá không đúng." in refused.text
        # A cookie whose key is no longer configured: the key page again, and the cookie is cleared.
        stale = http.get("/", headers={"Cookie": f"{SESSION_COOKIE}=old-key"})
        assert stale.status_code == 401
        assert "Khoá không đúng." in stale.text and "gradio_config" not in stale.text
        assert stale.headers["set-cookie"].startswith(f'{SESSION_COOKIE}=""')


@pytest.mark.integration
def test_ui_with_a_reader_key_reads_but_cannot_upload_or_delete(keyed_ui: str) -> None:
    with _reader_session(keyed_ui) as http:
        page = http.get("/")
        assert page.status_code == 200 and "gradio_config" in page.text
        name, outputs = _call(http, "on_load", [])
        assert name == "complete"
        assert "quyền đọc" in json.dumps(outputs, ensure_ascii=False)
        name, outputs = _call(http, "refresh_store_views", [])
        assert name == "complete"
        shown = json.dumps(outputs, ensure_ascii=False)
        assert all(mark in shown for mark in DOCUMENT_MARKS)

        assert_error(http.post("/gradio_api/upload", files={"files": ("a.txt", b"x")}), 403, "admin_required")
        documents = http.get("/api/documents", headers=bearer(READER_KEY)).json()
        # The admin events check the role of their own request, whatever the page sends.
        for event, data in (("upload", [None]), ("confirm_delete", []), ("evaluate", [None, None])):
            name, message = _call(http, event, data)
            assert name == "error", event
            assert "khoá quản trị" in json.dumps(message, ensure_ascii=False), event
        assert len(http.get("/api/documents", headers=bearer(READER_KEY)).json()) == len(documents)

        closed = http.post("/session/logout")
        assert closed.status_code == 303
        assert_error(http.post("/gradio_api/call/on_load", json={"data": []}), 401, "missing_api_key")


@pytest.mark.integration
def test_ui_with_an_admin_key_uploads(keyed_ui: str) -> None:
    text = "ỦY BAN NHÂN DÂN XÃ TÂN LẬP\nSố: 31/TB-UBND\n\nTHÔNG BÁO\n1. Lịch họp\nHọp giao ban ngày 05.\n"
    with httpx.Client(base_url=keyed_ui, timeout=60, headers=bearer(ADMIN_KEY)) as http:
        before = len(http.get("/api/documents").json())
        uploaded = http.post("/gradio_api/upload", files={"files": ("thong-bao-31.txt", text.encode())})
        assert uploaded.status_code == 200, uploaded.text
        (path,) = uploaded.json()
        file_data = {"path": path, "orig_name": "thong-bao-31.txt", "meta": {"_type": "gradio.FileData"}}
        name, outputs = _call(http, "upload", [[file_data]])
        assert name == "complete", outputs
        assert "31/TB-UBND" in json.dumps(http.get("/api/documents").json(), ensure_ascii=False)
        assert len(http.get("/api/documents").json()) == before + 1


@pytest.mark.integration
def test_ui_in_open_mode_needs_no_key(built_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(built_store, store)
    with serving(create_app(Settings(data_dir=store))) as url, httpx.Client(base_url=url, timeout=60) as http:
        assert "gradio_config" in http.get("/").text
        name, outputs = _call(http, "refresh_store_views", [])
        assert name == "complete"
        assert all(mark in json.dumps(outputs, ensure_ascii=False) for mark in DOCUMENT_MARKS)
        # A page on another site cannot drive the UI's events.
        cross = http.post(
            "/gradio_api/call/refresh_store_views",
            json={"data": []},
            headers={"Origin": "http://evil.example"},
        )
        assert_error(cross, 403, "cross_site_request")


# ------------------------------------------------------------------ vankien serve, keys, plain HTTP


def _serve_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VANKIEN_")}
    env.update(
        {
            "VANKIEN_DATA_DIR": str(data_dir),
            "VANKIEN_API__READER_KEYS": json.dumps([READER_KEY]),
            "VANKIEN_API__UI": "false",
            **extra,
        }
    )
    return env


@pytest.mark.integration
def test_serve_refuses_keys_over_plain_http_when_told_to(store_copy: Path) -> None:
    env = _serve_env(store_copy, VANKIEN_API__PLAIN_HTTP_WITH_KEYS="refuse")
    command = [console_script("vankien"), "serve", "--host", "0.0.0.0", "--port", str(free_port())]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "plain_http_with_keys" in done.stderr
    assert "proxy TLS" in done.stderr


@pytest.mark.integration
def test_serve_warns_about_keys_over_plain_http(store_copy: Path, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    command = [console_script("vankien"), "serve", "--host", "0.0.0.0", "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=_serve_env(store_copy), stdout=output, stderr=subprocess.STDOUT
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}/healthz", lambda: process.poll() is None, 120, "vankien")
        finally:
            process.terminate()
            process.wait(timeout=30)
    text = log.read_text(encoding="utf-8")
    assert "plain_http_with_keys" in text and "proxy TLS" in text
