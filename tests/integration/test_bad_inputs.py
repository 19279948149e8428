"""Every kind of bad input, through the CLI and the API, as a careless user or an attacker sends it.

The one place that lists them all (issue 9): each kind is a case below, with the stable code it must get
and a check that the store is as it was (manifest documents with their hashes and chunk counts, pending
writes, Chroma's vector count, the uploads folder). Other tests cover most kinds in depth; here each one
is short.

Processes are few, to keep this quick on a small machine: the bad files go through one ``vankien ingest
--json`` run; the decompression bombs through a second one, measured against a baseline run (peak RSS
from ``wait4``); the API cases through one ``vankien serve`` started for the module, whose peak RSS
(VmHWM) is read around the bomb uploads.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import badfiles
from tests.api_support import ADMIN_KEY, FIGURE_QUESTION, READER_KEY, REPORT, bearer
from tests.docbuilders import build_scanned_pdf
from tests.servers import free_port, wait_until_up

pytestmark = pytest.mark.integration
pytest_plugins = ["tests.api_support"]  # the store fixtures

REPOSITORY = Path(__file__).resolve().parents[2]
ESC = b"\x1b"
MIB = 1024 * 1024
# The bound of the issue: a bomb may not take a process more than this above a small valid ingest.
MAX_RSS_GROWTH_MIB = 300
# Not a benchmark: a generous bound that only a hang or an inflated bomb would pass.
BOMB_SECONDS = 60

# Small limits for the main runs, so that the limit codes are reached with small files. The bombs are
# also ingested with the defaults (a separate run), which is what users get.
LIMITS_ENV = {
    "VANKIEN_INGEST__MAX_TEXT_CHARS": "20000",
    "VANKIEN_INGEST__MAX_CHUNKS_PER_DOCUMENT": "8",
    "VANKIEN_INGEST__MAX_PDF_PAGES": "5",
}
MAX_UPLOAD_BYTES = 4 * MIB

TEXT = (
    "ỦY BAN NHÂN DÂN\nXÃ {place}\nSố: {number}/BC-UBND\n{place}, ngày 10 tháng 3 năm 2024\n\nBÁO CÁO\n"
    "Tình hình thực hiện nhiệm vụ quý I năm 2024 của xã {place}\n\n"
    "1. Kinh tế\nTổng thu ngân sách trên địa bàn đạt {number} triệu đồng, tăng 7% so cùng kỳ.\n"
    "2. Xã hội\nTỷ lệ hộ nghèo còn 1,5%; trạm y tế đạt chuẩn quốc gia.\n"
)


def report_text(place: str, number: int) -> str:
    """A short valid report; different ``place``/``number`` give different bytes (never a duplicate)."""
    return TEXT.format(place=place, number=number)


# ---------------------------------------------------------------------------------------------------------
# The store, seen from outside
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreState:
    """What a bad input must not change: documents (id -> file name, content hash, version, chunk count,
    chunk rows), unfinished writes, Chroma's vectors, and the files under ``uploads/``."""

    documents: dict[str, tuple[str, str, str, int, int]]
    pending: int
    vectors: int
    uploads: tuple[str, ...]

    def added(self, before: StoreState) -> set[str]:
        return set(self.documents) - set(before.documents)


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


def store_state(data_dir: Path) -> StoreState:
    """The store's state, read with read-only SQLite connections (a server may have it open)."""
    manifest = _read_only(data_dir / "manifest.sqlite")
    try:
        rows = manifest.execute(
            "SELECT d.doc_id, d.file_name, d.content_hash, d.version, d.chunk_count, "
            "(SELECT COUNT(*) FROM chunks c WHERE c.doc_id = d.doc_id) FROM documents d"
        ).fetchall()
        pending = manifest.execute("SELECT COUNT(*) FROM pending").fetchone()[0]
    finally:
        manifest.close()
    chroma = _read_only(data_dir / "chroma" / "chroma.sqlite3")
    try:
        vectors = chroma.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
    finally:
        chroma.close()
    uploads_dir = data_dir / "uploads"
    uploads = tuple(
        sorted(p.relative_to(uploads_dir).as_posix() for p in uploads_dir.rglob("*") if p.is_file())
        if uploads_dir.is_dir()
        else ()
    )
    documents = {row[0]: (row[1], row[2], row[3], row[4], row[5]) for row in rows}
    return StoreState(documents, pending, vectors, uploads)


def assert_only_added(before: StoreState, after: StoreState, added: set[str]) -> None:
    """``after`` is ``before`` plus exactly the documents ``added``, each with all its chunks and vectors."""
    assert after.added(before) == added
    assert {k: v for k, v in after.documents.items() if k not in added} == before.documents
    assert after.pending == before.pending == 0
    new_chunks = sum(after.documents[doc_id][3] for doc_id in added)
    assert after.vectors == before.vectors + new_chunks
    for doc_id in added:
        _, _, _, chunk_count, chunk_rows = after.documents[doc_id]
        assert chunk_count == chunk_rows > 0


def stored_text(data_dir: Path, doc_id: str) -> str:
    manifest = _read_only(data_dir / "manifest.sqlite")
    try:
        return str(manifest.execute("SELECT text FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()[0])
    finally:
        manifest.close()


def stored_file_name(data_dir: Path, doc_id: str) -> str:
    return store_state(data_dir).documents[doc_id][0]


# ---------------------------------------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: bytes
    stderr: bytes
    max_rss_mib: float
    seconds: float

    @property
    def output(self) -> str:
        return (self.stdout + self.stderr).decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.stdout)


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without its VANKIEN_* settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VANKIEN_")}
    env.update({"COLUMNS": "200", **(extra or {})})
    return env


def vankien(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> Finished:
    """``vankien ARGS`` in its own process; its own peak RSS comes from ``wait4``."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "assistant", *args],
            cwd=REPOSITORY,
            env=clean_env(env),
            stdout=out,
            stderr=err,
        )
        killer = threading.Timer(timeout, process.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            killer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return Finished(process.returncode, out.read(), err.read(), usage.ru_maxrss / 1024, seconds)


def copy_store(built_store: Path, target: Path) -> Path:
    shutil.copytree(built_store, target)
    return target


# ---------------------------------------------------------------------------------------------------------
# The bad files
# ---------------------------------------------------------------------------------------------------------

ACCEPTED = "accepted"


@dataclass(frozen=True)
class Refused:
    """The upload is refused at once: this HTTP status and code, nothing staged."""

    status: int
    code: str


@dataclass(frozen=True)
class JobFails:
    """The upload is taken (202) and its job fails with this code."""

    code: str


@dataclass(frozen=True)
class Taken:
    """The upload goes in; ``file_name``: the name it is stored under (the type comes from the content)."""

    file_name: str


ApiOutcome = Refused | JobFails | Taken | None  # None: not a kind the API has


@dataclass(frozen=True)
class FileCase:
    """One kind of bad file: where it sits in the ingest folder, how it is built, what each entry point
    must say (``cli``: the error code, or ACCEPTED; None: not a CLI kind)."""

    kind: str
    name: str
    build: Callable[[Path], object]
    cli: str | None
    api: ApiOutcome

    @property
    def upload_name(self) -> str:
        return Path(self.name).name


def _bytes(data: bytes) -> Callable[[Path], object]:
    return lambda path: path.write_bytes(data)


def _text(text: str, encoding: str = "utf-8") -> Callable[[Path], object]:
    return lambda path: path.write_bytes(text.encode(encoding))


# A text with a few NUL bytes: under 1% of its characters, so that the upload check still reads it as text.
NUL_TEXT = (
    report_text("Tân Phú", 101).replace("Tình hình", "Tình\x00 hình").replace("Kinh tế", "Kinh\x00 tế") * 3
)
LONG_NAME = "báo-cáo-tổng-kết-" * 10 + ".txt"  # 234 bytes of UTF-8, near the file system's 255
HOSTILE_NAME = "\x1b[31mđỏ\x1b[0m\x07\x1b]0;pwned\x07.txt"
HOSTILE_FAILING_NAME = "\x1b[2J\x1b[31mhỏng\x1b[0m.pdf"


def _too_many_chunks_text() -> str:
    sections = [
        f"{n}. Lĩnh vực {n}\n" + " ".join(badfiles.vietnamese_sentences(12, seed=n)) for n in range(1, 13)
    ]
    return "BÁO CÁO\nKết quả thực hiện các lĩnh vực năm 2024\n" + "\n".join(sections) + "\n"


def _too_long_text() -> str:
    return "BÁO CÁO\n" + "\n".join(badfiles.vietnamese_sentences(500, seed=42)) + "\n"


FILE_CASES: list[FileCase] = [
    # --- text
    FileCase("empty_file", "files/rong.txt", _bytes(b""), "empty_document", Refused(422, "empty_document")),
    FileCase(
        "whitespace_only",
        "files/khoang-trang.txt",
        _bytes(b" \n\t \r\n  \n"),
        "empty_document",
        Refused(422, "empty_document"),
    ),
    FileCase(
        "binary_garbage_named_txt",
        "files/rac.txt",
        _bytes(badfiles.garbage_bytes(seed=1)),
        "unknown_encoding",
        Refused(415, "unsupported_content"),
    ),
    FileCase(
        "undecodable_bytes_after_utf8_bom",
        "files/bom-hong.txt",
        _bytes(b"\xef\xbb\xbf" + "Báo cáo tình hình".encode() + b"\xff\xfe\xfa" * 5),
        "unknown_encoding",
        Refused(422, "unknown_encoding"),
    ),
    FileCase(
        "eight_bit_text_no_encoding_reads_as_vietnamese",
        "files/ma-la.txt",
        _bytes(bytes(range(0x80, 0x100)) * 4),
        "unknown_encoding",
        Refused(422, "unknown_encoding"),
    ),
    FileCase(
        "utf16_without_bom",
        "files/utf16-khong-bom.txt",
        _text(report_text("Vĩnh Hòa", 102), "utf-16-le"),
        ACCEPTED,
        Taken("utf16-khong-bom.txt"),
    ),
    FileCase("nul_bytes_in_text", "files/co-nul.txt", _text(NUL_TEXT), ACCEPTED, Taken("co-nul.txt")),
    FileCase(
        "text_over_the_length_limit",
        "files/qua-dai.txt",
        _text(_too_long_text()),
        "too_long_text",
        JobFails("too_long_text"),
    ),
    FileCase(
        "text_over_the_chunk_limit",
        "files/qua-nhieu-doan.txt",
        _text(_too_many_chunks_text()),
        "too_many_chunks",
        JobFails("too_many_chunks"),
    ),
    # --- .docx
    FileCase(
        "docx_that_is_text_not_a_zip",
        "files/khong-phai-zip.docx",
        _text(report_text("Long Hưng", 103)),
        "corrupt_file",
        Taken("khong-phai-zip.txt"),  # the API goes by content: it is a text file
    ),
    FileCase(
        "docx_damaged_zip",
        "files/zip-hong.docx",
        _bytes(b"PK\x03\x04" + badfiles.garbage_bytes(seed=5)),
        "corrupt_file",
        Refused(415, "unsupported_content"),
    ),
    FileCase(
        "docx_truncated_download",
        "files/tai-do-dang.docx",
        lambda path: badfiles.build_truncated_docx(path, path.with_name("whole.docx.tmp")),
        "corrupt_file",
        Refused(415, "unsupported_content"),
    ),
    FileCase(
        "zip_without_word_document_xml",
        "files/thieu-document.docx",
        badfiles.build_docx_without_document,
        "corrupt_file",
        Refused(415, "unsupported_content"),
    ),
    FileCase(
        "docx_malformed_document_xml",
        "files/xml-hong.docx",
        badfiles.build_malformed_xml_docx,
        "corrupt_file",
        JobFails("corrupt_file"),
    ),
    FileCase(
        "ole_doc_renamed_docx",
        "files/word-cu.docx",
        _bytes(badfiles.ole_document_bytes()),
        "unsupported_format",
        Refused(415, "unsupported_content"),
    ),
    FileCase(
        "docx_entity_expansion_billion_laughs",
        "files/thuc-the-long-nhau.docx",
        badfiles.build_entity_bomb_docx,
        "corrupt_file",
        JobFails("corrupt_file"),
    ),
    FileCase(
        "docx_too_many_zip_members",
        "files/nhieu-thanh-phan.docx",
        badfiles.build_many_members_docx,
        "too_many_archive_members",
        JobFails("too_many_archive_members"),
    ),
    FileCase(
        "docx_without_text",
        "files/docx-rong.docx",
        badfiles.build_empty_docx,
        "empty_document",
        JobFails("empty_document"),
    ),
    # --- .pdf
    FileCase(
        "pdf_that_is_not_a_pdf",
        "files/khong-phai-pdf.pdf",
        _bytes(badfiles.garbage_bytes(seed=2)),
        "corrupt_file",
        Refused(415, "unsupported_content"),
    ),
    FileCase(
        "pdf_header_then_garbage",
        "files/dau-pdf-rac.pdf",
        _bytes(b"%PDF-1.7\n" + badfiles.garbage_bytes(seed=4)),
        "corrupt_file",
        JobFails("corrupt_file"),
    ),
    FileCase(
        "pdf_truncated",
        "files/pdf-cut.pdf",
        badfiles.build_truncated_pdf,
        "corrupt_file",
        JobFails("corrupt_file"),
    ),
    FileCase(
        "pdf_needing_a_user_password",
        "files/mat-khau.pdf",
        lambda path: badfiles.build_encrypted_pdf(
            path, user_password="mo-tep", owner_password="chu", algorithm="AES-128"
        ),
        "encrypted_pdf",
        JobFails("encrypted_pdf"),
    ),
    FileCase(
        "pdf_aes256_owner_password_only",
        "files/chi-han-che.pdf",
        lambda path: badfiles.build_encrypted_pdf(
            path, user_password="", owner_password="chu", algorithm="AES-256"
        ),
        ACCEPTED,
        Taken("chi-han-che.pdf"),
    ),
    FileCase(
        "pdf_scan_without_text",
        "files/ban-scan.pdf",
        build_scanned_pdf,
        "scanned_pdf",
        JobFails("scanned_pdf"),
    ),
    FileCase(
        "pdf_without_pages",
        "files/khong-trang.pdf",
        badfiles.build_pageless_pdf,
        "empty_document",
        JobFails("empty_document"),
    ),
    FileCase(
        "pdf_over_the_page_limit",
        "files/qua-nhieu-trang.pdf",
        lambda path: badfiles.build_many_pages_pdf(path, 6),
        "too_many_pages",
        JobFails("too_many_pages"),
    ),
    # --- names and kinds (files named on the command line: a folder scan skips unsupported suffixes)
    FileCase(
        "unsupported_extension_exe",
        "loose/cai-dat.exe",
        _bytes(badfiles.exe_bytes()),
        "unsupported_format",
        Refused(415, "unsupported_content"),
    ),
    FileCase(
        "unsupported_extension_xlsx",
        "loose/bang-tinh.xlsx",
        _bytes(badfiles.xlsx_bytes()),
        "unsupported_format",
        Refused(415, "unsupported_content"),
    ),
    FileCase(
        "no_extension",
        "loose/bao-cao-khong-duoi",
        _text(report_text("Tân Lập", 104)),
        "unsupported_format",
        Taken("bao-cao-khong-duoi.txt"),  # the API goes by content
    ),
    FileCase("very_long_file_name", f"files/{LONG_NAME}", _text(report_text("Phú Mỹ", 105)), ACCEPTED, None),
    FileCase(
        "control_characters_in_file_name",
        f"files/{HOSTILE_NAME}",
        _text(report_text("Hòa An", 106)),
        ACCEPTED,
        None,
    ),
    FileCase(
        "control_characters_in_a_failing_file_name",
        f"files/{HOSTILE_FAILING_NAME}",
        _bytes(badfiles.garbage_bytes(seed=6)),
        "corrupt_file",
        None,
    ),
    # Names that slug alike and the same name in two folders: all kept, each its own document.
    FileCase(
        "colliding_name_japanese",
        "files/trung-ten/日本.txt",
        _text(report_text("Nhật Tân", 201)),
        ACCEPTED,
        None,
    ),
    FileCase(
        "colliding_name_chinese",
        "files/trung-ten/中国.txt",
        _text(report_text("Trung Hòa", 202)),
        ACCEPTED,
        None,
    ),
    FileCase(
        "colliding_name_space", "files/trung-ten/a b.txt", _text(report_text("An Bình", 203)), ACCEPTED, None
    ),
    FileCase(
        "colliding_name_dash", "files/trung-ten/a-b.txt", _text(report_text("An Bình", 204)), ACCEPTED, None
    ),
    FileCase(
        "same_name_folder_one",
        "files/trung-ten/sub1/bao-cao.txt",
        _text(report_text("Mỹ Lộc", 205)),
        ACCEPTED,
        None,
    ),
    FileCase(
        "same_name_folder_two",
        "files/trung-ten/sub2/bao-cao.txt",
        _text(report_text("Mỹ Lợi", 206)),
        ACCEPTED,
        None,
    ),
    # The same bytes under two names, and the bytes of a document already stored.
    FileCase(
        "duplicate_original",
        "files/trung-noi-dung/ban-goc.txt",
        _text(report_text("Bình Minh", 301)),
        ACCEPTED,
        None,
    ),
    FileCase(
        "duplicate_copy",
        "files/trung-noi-dung/ban-sao.txt",
        _text(report_text("Bình Minh", 301)),
        "duplicate",
        None,
    ),
    FileCase(
        "duplicate_of_a_stored_document",
        "files/trung-noi-dung/ban-chep.txt",
        _text(REPORT),
        "duplicate",
        None,
    ),
]

CLI_CASES = [case for case in FILE_CASES if case.cli is not None]
API_FILE_CASES = [case for case in FILE_CASES if case.api is not None]
NONEXISTENT = "khong-ton-tai.txt"


def build_files(root: Path, cases: list[FileCase]) -> Path:
    for case in cases:
        path = root / case.name
        path.parent.mkdir(parents=True, exist_ok=True)
        case.build(path)
    for leftover in root.rglob("*.tmp"):
        leftover.unlink()
    return root


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_files(tmp_path_factory.mktemp("bad-files"), FILE_CASES)


# ---------------------------------------------------------------------------------------------------------
# CLI: one ingest run over every bad file
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IngestRun:
    data_dir: Path
    before: StoreState
    after: StoreState
    finished: Finished
    rows: dict[str, dict[str, Any]]  # by source path


def cli_source_path(case: FileCase) -> str:
    """The source path the CLI gives the file: relative to the folder for ``files/``, else its name."""
    relative = Path(case.name)
    return relative.relative_to("files").as_posix() if relative.parts[0] == "files" else relative.name


@pytest.fixture(scope="module")
def cli_run(bad_files: Path, built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> IngestRun:
    data_dir = copy_store(built_store, tmp_path_factory.mktemp("cli") / "store")
    before = store_state(data_dir)
    loose = sorted(str(p) for p in (bad_files / "loose").iterdir())
    missing = str(bad_files / NONEXISTENT)
    finished = vankien(
        "ingest",
        str(bad_files / "files"),
        *loose,
        missing,
        "--data-dir",
        str(data_dir),
        "--json",
        env=LIMITS_ENV,
    )
    assert finished.returncode == 1, finished.output  # some files fail, the rest go in
    rows = {row["source_path"]: row for row in finished.json()}
    return IngestRun(data_dir, before, store_state(data_dir), finished, rows)


@pytest.mark.parametrize("case", CLI_CASES, ids=lambda case: case.kind)
def test_cli_ingest(case: FileCase, cli_run: IngestRun) -> None:
    row = cli_run.rows[cli_source_path(case)]
    if case.cli == ACCEPTED:
        assert row["status"] == "added", row
        assert row["id"] in cli_run.after.added(cli_run.before)
        assert row["chunks"] == cli_run.after.documents[row["id"]][3] > 0
    elif case.cli == "duplicate":
        assert (row["status"], row["id"], row["error_code"]) == ("duplicate", None, None), row
        assert row["duplicate_of"] in cli_run.after.documents
    else:
        assert (row["status"], row["error_code"], row["id"]) == ("failed", case.cli, None), row
        assert row["error"]
        # Nothing of the file reached the store.
        assert Path(case.name).name not in {doc[0] for doc in cli_run.after.documents.values()}


def test_cli_nonexistent_path_is_file_not_found(cli_run: IngestRun) -> None:
    row = cli_run.rows[NONEXISTENT]
    assert (row["status"], row["error_code"]) == ("failed", "file_not_found"), row


def test_cli_ingest_adds_exactly_the_accepted_files(cli_run: IngestRun) -> None:
    accepted = {cli_run.rows[cli_source_path(c)]["id"] for c in CLI_CASES if c.cli == ACCEPTED}
    assert_only_added(cli_run.before, cli_run.after, accepted)
    # The rows cover every case and the missing path, each once.
    assert len(cli_run.rows) == len(CLI_CASES) + 1 == len(cli_run.finished.json())


def test_cli_accepted_files_are_stored_clean(cli_run: IngestRun) -> None:
    def doc_id(kind: str) -> str:
        case = next(c for c in CLI_CASES if c.kind == kind)
        return str(cli_run.rows[cli_source_path(case)]["id"])

    nul = stored_text(cli_run.data_dir, doc_id("nul_bytes_in_text"))
    assert "\x00" not in nul and "Tình hình" in nul
    assert "Tình hình thực hiện nhiệm vụ" in stored_text(cli_run.data_dir, doc_id("utf16_without_bom"))
    assert "Hội nghị tổng kết" in stored_text(cli_run.data_dir, doc_id("pdf_aes256_owner_password_only"))
    assert len(doc_id("very_long_file_name")) < 80


def test_cli_colliding_names_are_separate_documents(cli_run: IngestRun) -> None:
    colliding = [c for c in CLI_CASES if c.name.startswith("files/trung-ten/")]
    ids = {cli_run.rows[cli_source_path(c)]["id"] for c in colliding}
    assert len(ids) == len(colliding) == 6
    assert all(cli_run.rows[cli_source_path(c)]["status"] == "added" for c in colliding)


def test_cli_duplicates_name_the_document_that_holds_the_bytes(cli_run: IngestRun) -> None:
    rows = cli_run.rows
    assert rows["trung-noi-dung/ban-sao.txt"]["duplicate_of"] == rows["trung-noi-dung/ban-goc.txt"]["id"]
    stored = {doc[0]: doc_id for doc_id, doc in cli_run.before.documents.items()}
    assert rows["trung-noi-dung/ban-chep.txt"]["duplicate_of"] == stored["bao-cao-hoa-binh.txt"]


def test_cli_output_holds_no_escape_byte(cli_run: IngestRun) -> None:
    finished = cli_run.finished
    assert ESC not in finished.stdout and ESC not in finished.stderr
    # The hostile names are there, escaped, in the JSON and in the error lines.
    assert "\\u001b[31mđỏ" in finished.stdout.decode()
    assert "hỏng" in finished.stderr.decode()
    assert "Traceback" not in finished.output


# ---------------------------------------------------------------------------------------------------------
# CLI: commands given a bad argument or a bad data dir
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CliCase:
    kind: str
    args: tuple[str, ...]
    exit_code: int
    says: str  # the code in brackets, or the Vietnamese message when the command has no code


def cli_cases(data_dir: Path, empty_folder: Path, file_as_data_dir: Path) -> list[CliCase]:
    store = ("--data-dir", str(data_dir))
    too_long = "á" * 1001  # the API's default max_question_chars is 1000: one limit for both
    return [
        CliCase("ask_empty_question", ("ask", "", *store), 2, "[empty_question]"),
        CliCase("ask_whitespace_question", ("ask", "   \t ", *store), 2, "[empty_question]"),
        CliCase("ask_too_long_question", ("ask", too_long, *store), 2, "[question_too_long]"),
        CliCase(
            "delete_unknown_document", ("delete", "khong-co-van-ban-nay", *store), 4, "[document_not_found]"
        ),
        CliCase(
            "sections_unknown_document",
            ("sections", "khong-co-van-ban-nay", *store),
            4,
            "[document_not_found]",
        ),
        CliCase(
            "ingest_folder_without_supported_files",
            ("ingest", str(empty_folder), *store),
            2,
            "[no_supported_files]",
        ),
        CliCase(
            "data_dir_that_is_a_file",
            ("documents", "--data-dir", str(file_as_data_dir)),
            2,
            "[data_dir_invalid]",
        ),
        CliCase(
            "ingest_into_a_data_dir_that_is_a_file",
            ("ingest", str(empty_folder), "--data-dir", str(file_as_data_dir)),
            2,
            "[data_dir_invalid]",
        ),
    ]


@pytest.fixture(scope="module")
def cli_commands(
    built_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[StoreState, StoreState, dict[str, tuple[CliCase, Finished]]]:
    root = tmp_path_factory.mktemp("cli-commands")
    data_dir = copy_store(built_store, root / "store")
    empty_folder = root / "khong-co-tep-ho-tro"
    empty_folder.mkdir()
    (empty_folder / "bang-tinh.xlsx").write_bytes(badfiles.xlsx_bytes())
    (empty_folder / "ghi-chu.odt").write_bytes(b"PK\x03\x04")
    file_as_data_dir = root / "kho-la-tep"
    file_as_data_dir.write_text("không phải thư mục", encoding="utf-8")
    cases = cli_cases(data_dir, empty_folder, file_as_data_dir)
    assert [case.kind for case in cases] == list(CLI_COMMAND_KINDS)
    before = store_state(data_dir)
    # Short commands, two at a time: each is mostly start-up.
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda case: vankien(*case.args), cases))
    assert file_as_data_dir.read_text(encoding="utf-8") == "không phải thư mục"
    return before, store_state(data_dir), {c.kind: (c, r) for c, r in zip(cases, results, strict=True)}


CLI_COMMAND_KINDS = (
    "ask_empty_question",
    "ask_whitespace_question",
    "ask_too_long_question",
    "delete_unknown_document",
    "sections_unknown_document",
    "ingest_folder_without_supported_files",
    "data_dir_that_is_a_file",
    "ingest_into_a_data_dir_that_is_a_file",
)


@pytest.mark.parametrize("kind", CLI_COMMAND_KINDS)
def test_cli_command(
    kind: str, cli_commands: tuple[StoreState, StoreState, dict[str, tuple[CliCase, Finished]]]
) -> None:
    before, after, results = cli_commands
    case, finished = results[kind]
    assert finished.returncode == case.exit_code, finished.output
    assert case.says in finished.output
    assert "Traceback" not in finished.output
    assert after == before


# ---------------------------------------------------------------------------------------------------------
# CLI: decompression bombs, with bounded memory and time
# ---------------------------------------------------------------------------------------------------------

BOMB_CASES = [
    FileCase(
        "zip_bomb_1gib",
        "bombs/bom-nen.docx",
        badfiles.build_zip_bomb_docx,
        "too_large_uncompressed",
        JobFails("too_large_uncompressed"),
    ),
    FileCase(
        "zip_bomb_lying_about_its_size",
        "bombs/bom-noi-doi.docx",
        lambda path: badfiles.build_zip_bomb_docx(path, declared_size=64 * 1024),
        "corrupt_file",
        JobFails("corrupt_file"),
    ),
    FileCase(
        "xml_bomb_10mib_of_paragraphs",
        "bombs/bom-xml.docx",
        badfiles.build_repetitive_xml_docx,
        "too_large_uncompressed",
        JobFails("too_large_uncompressed"),
    ),
    FileCase(
        "docx_10mib_of_varied_text",
        "bombs/van-ban-khong-lo.docx",
        badfiles.build_long_text_docx,
        "too_long_text",
        JobFails("too_long_text"),
    ),
]


@pytest.fixture(scope="module")
def bomb_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_files(tmp_path_factory.mktemp("bombs"), BOMB_CASES)


@pytest.fixture(scope="module")
def baseline_ingest(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Finished:
    """A small valid file ingested the same way: what any ingest costs (interpreter, model, store)."""
    root = tmp_path_factory.mktemp("baseline")
    data_dir = copy_store(built_store, root / "store")
    valid = root / "hop-le.txt"
    valid.write_text(report_text("Thạnh Phú", 401), encoding="utf-8")
    finished = vankien("ingest", str(valid), "--data-dir", str(data_dir), "--json")
    assert finished.returncode == 0, finished.output
    assert finished.json()[0]["status"] == "added"
    return finished


def test_cli_bombs_fail_fast_with_bounded_memory(
    bomb_files: Path, baseline_ingest: Finished, built_store: Path, tmp_path: Path
) -> None:
    data_dir = copy_store(built_store, tmp_path / "store")
    before = store_state(data_dir)
    # The product's default limits: no LIMITS_ENV here.
    finished = vankien(
        "ingest", str(bomb_files / "bombs"), "--data-dir", str(data_dir), "--json", timeout=4 * BOMB_SECONDS
    )
    assert finished.returncode == 1, finished.output
    rows = {row["source_path"]: row for row in finished.json()}
    assert {name: (row["status"], row["error_code"]) for name, row in rows.items()} == {
        Path(case.name).name: ("failed", case.cli) for case in BOMB_CASES
    }
    assert store_state(data_dir) == before
    growth = finished.max_rss_mib - baseline_ingest.max_rss_mib
    assert growth < MAX_RSS_GROWTH_MIB, (finished.max_rss_mib, baseline_ingest.max_rss_mib)
    assert finished.seconds < BOMB_SECONDS, finished.seconds


# ---------------------------------------------------------------------------------------------------------
# API: one real server for the module
# ---------------------------------------------------------------------------------------------------------

TESTSET_ITEM = {
    "id": "t-1",
    "question": FIGURE_QUESTION,
    "answer": "1.250 tỷ đồng",
    "must_include": ["1.250 tỷ đồng"],
    "sources": [{"document": "bao-cao-hoa-binh.txt", "section": "1. Kinh tế", "quote": "đạt 1.250 tỷ đồng"}],
    "type": "numeric",
    "answerable": True,
}


@dataclass(frozen=True)
class Server:
    url: str
    pid: int
    data_dir: Path
    log: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=120)

    def peak_rss_mib(self) -> float:
        """The server's peak resident memory so far (VmHWM)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmHWM in /proc status")


@pytest.fixture(scope="module")
def server(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("api")
    data_dir = copy_store(built_store, root / "store")
    testsets = root / "testsets"
    testsets.mkdir()
    (testsets / "mini.jsonl").write_text(
        json.dumps(TESTSET_ITEM, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    port = free_port()
    env = {
        **LIMITS_ENV,
        "VANKIEN_API__READER_KEYS": json.dumps([READER_KEY]),
        "VANKIEN_API__ADMIN_KEYS": json.dumps([ADMIN_KEY]),
        "VANKIEN_API__UI": "false",
        "VANKIEN_API__MAX_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES),
        "VANKIEN_API__TESTSETS_DIR": str(testsets),
    }
    log = root / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "assistant", "serve", "--port", str(port), "--data-dir", str(data_dir)],
            cwd=REPOSITORY,
            env=clean_env(env),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            try:
                wait_until_up(f"{url}/readyz", lambda: process.poll() is None, 180, "vankien serve")
            except (RuntimeError, TimeoutError) as error:
                raise AssertionError(log.read_text(errors="replace")) from error
            yield Server(url, process.pid, data_dir, log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    assert "Traceback" not in log.read_text(errors="replace")


ADMIN = bearer(ADMIN_KEY)
READER = bearer(READER_KEY)


def multipart(field: str, file_name: str | None, data: bytes) -> tuple[bytes, dict[str, str]]:
    """A multipart body with one part, the file name written as given (UTF-8, unescaped); with None, a
    plain form field (no ``filename``)."""
    boundary = uuid.uuid4().hex
    disposition = f'form-data; name="{field}"' + ("" if file_name is None else f'; filename="{file_name}"')
    head = (
        f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body = head + data + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def upload(
    client: httpx.Client, file_name: str, data: bytes, headers: dict[str, str] = ADMIN
) -> httpx.Response:
    body, content_type = multipart("file", file_name, data)
    return client.post("/api/documents", content=body, headers={**headers, **content_type})


def finished_job(client: httpx.Client, job_id: str, timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}", headers=READER).json()
        if job["status"] not in ("queued", "running"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, str] = body["error"]
    assert error["code"] == code, body
    assert error["message"] and error["message_en"]
    return error


def ingest_upload(server: Server, file_name: str, data: bytes) -> dict[str, Any]:
    """Upload, expect 202, wait for the job; returns the finished job."""
    with server.client() as client:
        response = upload(client, file_name, data)
        assert response.status_code == 202, response.text
        return finished_job(client, response.json()["id"])


def no_staged_leftovers(server: Server) -> None:
    incoming = server.data_dir / "uploads" / ".incoming"
    assert not incoming.exists() or not any(incoming.iterdir())


@pytest.mark.parametrize("case", API_FILE_CASES, ids=lambda case: case.kind)
def test_api_upload(case: FileCase, bad_files: Path, server: Server) -> None:
    data = (bad_files / case.name).read_bytes()
    before = store_state(server.data_dir)
    with server.client() as client:
        response = upload(client, case.upload_name, data)
        if isinstance(case.api, Refused):
            error_of(response, case.api.status, case.api.code)
            assert store_state(server.data_dir) == before
            no_staged_leftovers(server)
            return
        assert response.status_code == 202, response.text
        job = finished_job(client, response.json()["id"])
    if isinstance(case.api, JobFails):
        assert job["status"] == "failed", job
        assert job["error"]["code"] == case.api.code, job
        assert job["error"]["message"] and job["error"]["message_en"]
        assert store_state(server.data_dir) == before
    else:
        assert isinstance(case.api, Taken)
        assert job["status"] == "succeeded", job
        document = job["result"]["document"]
        assert (job["result"]["status"], document["file_name"]) == ("added", case.api.file_name)
        after = store_state(server.data_dir)
        assert_only_added(before, after, {document["id"]})
        assert case.api.file_name in after.uploads
        text = stored_text(server.data_dir, document["id"])
        assert "\x00" not in text and text.strip()
    no_staged_leftovers(server)


def test_api_accepted_uploads_are_stored_clean(bad_files: Path, server: Server) -> None:
    """NUL bytes are gone from the stored text; an owner-password AES PDF reads."""
    for name, expected in (("files/co-nul.txt", "Tình hình"), ("files/chi-han-che.pdf", "Hội nghị tổng kết")):
        data = (bad_files / name).read_bytes()
        job = ingest_upload(server, "lan-hai-" + Path(name).name, data)
        # Already uploaded by test_api_upload under its own name, or not: either way it is this content.
        assert job["status"] == "succeeded", job
        doc_id = job["result"]["duplicate_of"] or job["result"]["document"]["id"]
        text = stored_text(server.data_dir, doc_id)
        assert expected in text and "\x00" not in text


@pytest.mark.parametrize(
    ("kind", "file_name", "stored_as"),
    [
        ("traversal_up_one_folder", "../ngoai-kho.txt", "ngoai-kho.txt"),
        ("traversal_backslashes", "..\\..\\ngoai-kho-2.txt", "ngoai-kho-2.txt"),
        ("traversal_absolute_path", "/etc/passwd", "passwd.txt"),
        ("control_characters_in_the_name", HOSTILE_NAME, "_31mđỏ_0m_0_pwned.txt"),
        ("very_long_upload_name", "báo cáo " * 60 + ".txt", None),
    ],
)
def test_api_upload_names_stay_inside_the_uploads_folder(
    kind: str, file_name: str, stored_as: str | None, server: Server
) -> None:
    passwd = Path("/etc/passwd")
    passwd_digest = hashlib.sha256(passwd.read_bytes()).hexdigest() if passwd.is_file() else None
    outside_before = sorted(p.name for p in server.data_dir.parent.iterdir())
    before = store_state(server.data_dir)
    job = ingest_upload(server, file_name, report_text("Phước " + kind, 500 + len(kind)).encode())
    assert job["status"] == "succeeded", job
    document = job["result"]["document"]
    after = store_state(server.data_dir)
    assert_only_added(before, after, {document["id"]})
    stored = document["file_name"]
    if stored_as is not None:
        assert stored == stored_as
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in stored)
    assert "/" not in stored and "\\" not in stored and not stored.startswith(".")
    assert len(stored) <= 130
    # The upload is in uploads/, nothing appeared beside the store, /etc/passwd is as it was.
    assert set(after.uploads) - set(before.uploads) == {stored}
    assert sorted(p.name for p in server.data_dir.parent.iterdir()) == outside_before
    if passwd_digest is not None:
        assert hashlib.sha256(passwd.read_bytes()).hexdigest() == passwd_digest


def test_api_uploads_whose_names_collide_are_all_kept(server: Server) -> None:
    names = ["日本.txt", "中国.txt", "한국.txt", "a b.txt", "a-b.txt", "a--b.txt"]
    before = store_state(server.data_dir)
    ids = []
    for number, name in enumerate(names):
        job = ingest_upload(server, name, report_text("Đông " + name, 600 + number).encode())
        assert (job["status"], job["result"]["status"]) == ("succeeded", "added"), job
        ids.append(job["result"]["document"]["id"])
    assert len(set(ids)) == len(names)
    assert_only_added(before, store_state(server.data_dir), set(ids))


def test_api_same_content_under_another_name_is_a_duplicate(server: Server) -> None:
    content = report_text("Song Phú", 700).encode()
    original = ingest_upload(server, "goc.txt", content)
    assert original["result"]["status"] == "added", original
    before = store_state(server.data_dir)
    copy = ingest_upload(server, "ban-sao-khac-ten.txt", content)
    assert (copy["status"], copy["result"]["status"]) == ("succeeded", "duplicate"), copy
    assert copy["result"]["duplicate_of"] == original["result"]["document"]["id"]
    assert store_state(server.data_dir) == before  # neither a document nor an uploaded copy


def test_api_bombs_fail_with_bounded_server_memory(bomb_files: Path, server: Server) -> None:
    # Warm up: a valid upload, so that the model and the store are loaded before the peak is read.
    warm = ingest_upload(server, "lam-nong.txt", report_text("Khởi Động", 800).encode())
    assert warm["status"] == "succeeded", warm
    baseline = server.peak_rss_mib()
    before = store_state(server.data_dir)
    for case in BOMB_CASES:
        assert isinstance(case.api, JobFails)
        started = time.monotonic()
        job = ingest_upload(server, case.upload_name, (bomb_files / case.name).read_bytes())
        assert (job["status"], job["error"]["code"]) == ("failed", case.api.code), (case.kind, job)
        assert time.monotonic() - started < BOMB_SECONDS, case.kind
    assert store_state(server.data_dir) == before
    no_staged_leftovers(server)
    assert server.peak_rss_mib() - baseline < MAX_RSS_GROWTH_MIB, (server.peak_rss_mib(), baseline)


# ---------------------------------------------------------------------------------------------------------
# API: bad uploads that are not about the file's content
# ---------------------------------------------------------------------------------------------------------


def test_api_upload_request_errors(server: Server) -> None:
    text = report_text("Không Nạp", 900).encode()
    before = store_state(server.data_dir)
    with server.client() as client:
        body, content_type = multipart("file", None, text)
        error_of(
            client.post("/api/documents", content=body, headers={**ADMIN, **content_type}),
            422,
            "invalid_request",
        )
        body, content_type = multipart("khong-phai-file", "a.txt", text)
        error_of(
            client.post("/api/documents", content=body, headers={**ADMIN, **content_type}),
            422,
            "invalid_request",
        )
        error_of(client.post("/api/documents", json={"file": "a.txt"}, headers=ADMIN), 422, "invalid_request")
        error_of(
            client.post("/api/documents", content=text, headers={**ADMIN, "Content-Type": "text/plain"}),
            422,
            "invalid_request",
        )
        too_large = error_of(
            upload(client, "lon.txt", b"a " * (MAX_UPLOAD_BYTES // 2 + 1000)), 413, "upload_too_large"
        )
        assert "4.0 MB" in too_large["message"] and "4.0 MB" in too_large["message_en"]
        error_of(upload(client, "rat-lon.txt", b"a " * (MAX_UPLOAD_BYTES + MIB)), 413, "upload_too_large")
        error_of(upload(client, "a.txt", text, headers=READER), 403, "admin_required")
        error_of(upload(client, "a.txt", text, headers={}), 401, "missing_api_key")
    assert store_state(server.data_dir) == before
    no_staged_leftovers(server)


def test_api_upload_with_an_empty_file_name_takes_a_default_name(server: Server) -> None:
    before = store_state(server.data_dir)
    job = ingest_upload(server, "", report_text("Vô Danh", 950).encode())
    assert job["status"] == "succeeded", job
    document = job["result"]["document"]
    assert document["file_name"] == "van-ban.txt"
    assert_only_added(before, store_state(server.data_dir), {document["id"]})


def test_api_upload_limit_under_a_megabyte_is_named_in_kilobytes(store_copy: Path) -> None:
    from fastapi.testclient import TestClient

    from assistant.api.app import create_app
    from tests.api_support import api_settings

    with TestClient(create_app(api_settings(store_copy, max_upload_bytes=8 * 1024))) as client:
        response = client.post("/api/documents", files={"file": ("lon.txt", b"a " * 5000)})
    error = error_of(response, 413, "upload_too_large")  # type: ignore[arg-type]  # TestClient's own httpx
    assert "tối đa 8 KB" in error["message"] and "at most 8 KB" in error["message_en"]


def test_api_cancelling_a_finished_job_is_409(server: Server) -> None:
    job = ingest_upload(server, "da-xong.txt", report_text("Hoàn Tất", 960).encode())
    assert job["status"] == "succeeded", job
    before = store_state(server.data_dir)
    with server.client() as client:
        error_of(client.delete(f"/api/jobs/{job['id']}", headers=ADMIN), 409, "job_finished")
        assert client.get(f"/api/jobs/{job['id']}", headers=READER).json()["status"] == "succeeded"
    assert store_state(server.data_dir) == before


# ---------------------------------------------------------------------------------------------------------
# API: bad requests
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestCase:
    kind: str
    method: str
    path: str
    status: int
    code: str | None  # None: answered (200), but abstaining: nothing found, nothing invented
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] | None = None
    data: dict[str, str] | None = None
    files: dict[str, tuple[str, bytes]] | None = None
    params: dict[str, str] | None = None


def ask(**body: Any) -> dict[str, Any]:
    return {"question": FIGURE_QUESTION, **body}


def chat(*messages: dict[str, Any]) -> dict[str, Any]:
    return {"model": "vankien", "messages": list(messages)}


JSON_TYPE = {"Content-Type": "application/json"}

REQUEST_CASES = [
    RequestCase(
        "invalid_json",
        "POST",
        "/api/ask",
        422,
        "invalid_request",
        content=b'{"question": ',
        headers=JSON_TYPE,
    ),
    RequestCase("body_not_an_object", "POST", "/api/ask", 422, "invalid_request", json=["câu hỏi"]),
    RequestCase("missing_question", "POST", "/api/ask", 422, "invalid_request", json={"top_k": 5}),
    RequestCase("empty_question", "POST", "/api/ask", 422, "empty_question", json={"question": ""}),
    RequestCase(
        "whitespace_question", "POST", "/api/ask", 422, "empty_question", json={"question": " \n\t "}
    ),
    RequestCase(
        "too_long_question", "POST", "/api/ask", 422, "question_too_long", json={"question": "á" * 1001}
    ),
    RequestCase(
        "question_of_the_wrong_type", "POST", "/api/ask", 422, "invalid_request", json={"question": 42}
    ),
    RequestCase(
        "history_of_the_wrong_type", "POST", "/api/ask", 422, "invalid_request", json=ask(history="không")
    ),
    RequestCase("top_k_zero", "POST", "/api/ask", 422, "invalid_request", json=ask(top_k=0)),
    RequestCase("top_k_too_large", "POST", "/api/ask", 422, "invalid_request", json=ask(top_k=10_000)),
    RequestCase(
        "year_filter_not_a_number",
        "POST",
        "/api/ask",
        422,
        "invalid_request",
        json=ask(filters={"year_from": "năm ngoái"}),
    ),
    RequestCase(
        "year_filter_out_of_range",
        "POST",
        "/api/ask",
        422,
        "invalid_request",
        json=ask(filters={"year_from": 99999}),
    ),
    RequestCase(
        "year_filter_backwards",
        "POST",
        "/api/ask",
        200,
        None,
        json=ask(filters={"year_from": 2030, "year_to": 2000}),
    ),
    RequestCase(
        "unknown_document_filter",
        "POST",
        "/api/ask",
        200,
        None,
        json=ask(filters={"documents": ["khong-co-van-ban-nay"]}),
    ),
    RequestCase(
        "body_over_the_json_limit",
        "POST",
        "/api/ask",
        413,
        "request_too_large",
        json=ask(history=[{"question": "á" * 1000}] * 200),
    ),
    RequestCase(
        "stream_with_an_empty_question",
        "POST",
        "/api/ask/stream",
        422,
        "empty_question",
        json={"question": "  "},
    ),
    RequestCase("search_with_an_empty_query", "GET", "/api/search", 422, "empty_query", params={"q": ""}),
    RequestCase(
        "search_with_a_too_long_query", "GET", "/api/search", 422, "query_too_long", params={"q": "á" * 1001}
    ),
    RequestCase(
        "search_page_zero",
        "GET",
        "/api/search",
        422,
        "invalid_request",
        params={"q": "ngân sách", "page": "0"},
    ),
    RequestCase("unknown_document", "GET", "/api/documents/khong-co-van-ban-nay", 404, "document_not_found"),
    RequestCase(
        "delete_unknown_document",
        "DELETE",
        "/api/documents/khong-co-van-ban-nay",
        404,
        "document_not_found",
        headers=ADMIN,
    ),
    RequestCase(
        "unknown_section_of_an_unknown_document",
        "GET",
        "/api/documents/khong-co/sections/1",
        404,
        "document_not_found",
    ),
    RequestCase("unknown_job", "GET", "/api/jobs/khong-co-tac-vu-nay", 404, "job_not_found"),
    RequestCase(
        "cancel_an_unknown_job",
        "DELETE",
        "/api/jobs/khong-co-tac-vu-nay",
        404,
        "job_not_found",
        headers=ADMIN,
    ),
    RequestCase(
        "v1_empty_content",
        "POST",
        "/v1/chat/completions",
        422,
        "empty_question",
        json=chat({"role": "user", "content": ""}),
    ),
    RequestCase(
        "v1_null_content",
        "POST",
        "/v1/chat/completions",
        422,
        "empty_question",
        json=chat({"role": "user", "content": None}),
    ),
    RequestCase(
        "v1_too_long_content",
        "POST",
        "/v1/chat/completions",
        422,
        "question_too_long",
        json=chat({"role": "user", "content": "á" * 5000}),
    ),
    RequestCase("v1_no_messages", "POST", "/v1/chat/completions", 422, "invalid_request", json=chat()),
    RequestCase(
        "v1_unknown_role",
        "POST",
        "/v1/chat/completions",
        422,
        "invalid_request",
        json=chat({"role": "robot", "content": "Xin chào"}),
    ),
    RequestCase(
        "v1_no_user_message",
        "POST",
        "/v1/chat/completions",
        422,
        "no_user_message",
        json=chat({"role": "system", "content": "Trả lời ngắn."}),
    ),
    RequestCase(
        "v1_invalid_json",
        "POST",
        "/v1/chat/completions",
        422,
        "invalid_request",
        content=b"{messages",
        headers=JSON_TYPE,
    ),
    RequestCase("unknown_api_path", "GET", "/api/khong-co-duong-dan-nay", 404, "not_found"),
    RequestCase("unknown_v1_path", "POST", "/v1/khong-co", 404, "not_found", json={}),
    RequestCase("wrong_method", "PUT", "/api/ask", 405, "method_not_allowed", json=ask()),
    RequestCase("missing_key", "GET", "/api/documents", 401, "missing_api_key", headers={}),
    RequestCase("invalid_key", "GET", "/api/documents", 401, "invalid_api_key", headers=bearer("khoa-sai")),
    RequestCase(
        "reader_key_on_an_admin_route",
        "DELETE",
        "/api/documents/bao-cao-hoa-binh",
        403,
        "admin_required",
        headers=READER,
    ),
    RequestCase(
        "reader_key_starting_an_evaluation",
        "POST",
        "/api/evals",
        403,
        "admin_required",
        headers=READER,
        data={"testset_name": "mini"},
    ),
    RequestCase(
        "unknown_testset_name",
        "POST",
        "/api/evals",
        404,
        "testset_not_found",
        headers=ADMIN,
        data={"testset_name": "khong-co-bo-nay"},
    ),
    RequestCase(
        "testset_name_with_a_path",
        "POST",
        "/api/evals",
        404,
        "testset_not_found",
        headers=ADMIN,
        data={"testset_name": "../mini.jsonl"},
    ),
    RequestCase(
        "malformed_uploaded_testset",
        "POST",
        "/api/evals",
        422,
        "invalid_testset",
        headers=ADMIN,
        files={"testset": ("bo-cau-hoi.jsonl", b'{"id": "t-1", "question": \n')},
    ),
    RequestCase(
        "uploaded_testset_missing_fields",
        "POST",
        "/api/evals",
        422,
        "invalid_testset",
        headers=ADMIN,
        files={"testset": ("bo-cau-hoi.jsonl", b'{"id": "t-1"}\n')},
    ),
]


@pytest.mark.parametrize("case", REQUEST_CASES, ids=lambda case: case.kind)
def test_api_request(case: RequestCase, server: Server) -> None:
    before = store_state(server.data_dir)
    headers = READER if case.headers is None else case.headers
    with server.client() as client:
        response = client.request(
            case.method,
            case.path,
            json=case.json,
            content=case.content,
            headers=headers,
            data=case.data,
            files=case.files,
            params=case.params,
        )
    if case.code is None:
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["abstained"] is True and body["citations"] == [], body
    else:
        error_of(response, case.status, case.code)
    assert store_state(server.data_dir) == before


def test_api_unknown_section_of_a_stored_document_is_404(server: Server) -> None:
    doc_id = next(
        doc_id
        for doc_id, doc in store_state(server.data_dir).documents.items()
        if doc[0] == "bao-cao-hoa-binh.txt"
    )
    with server.client() as client:
        error_of(
            client.get(f"/api/documents/{doc_id}/sections/khong-co-muc", headers=READER),
            404,
            "section_not_found",
        )
