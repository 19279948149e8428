"""Builders for .docx packages as they arrive, honest or hostile: a real python-docx package whose body is
streamed (so a 1 GiB member never sits in memory), and zips whose directory lies about member sizes."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

WORD_NAMESPACE = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCUMENT_XML = "word/document.xml"
MiB = 1024 * 1024


def package_members() -> list[tuple[zipfile.ZipInfo, bytes]]:
    """The members of a real (empty) python-docx package."""
    from docx import Document

    buffer = io.BytesIO()
    Document().save(buffer)
    with zipfile.ZipFile(buffer) as package:
        return [(info, package.read(info)) for info in package.infolist()]


def write_docx(
    path: Path, write_body: Callable[[IO[bytes]], None], extra: list[tuple[str, bytes]] | None = None
) -> Path:
    """A .docx whose document.xml body is streamed by ``write_body`` (so 1 GiB never sits in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in package_members():
            if info.filename != DOCUMENT_XML:
                out.writestr(info, data)
                continue
            with out.open(DOCUMENT_XML, "w") as stream:
                stream.write(f'<w:document xmlns:w="{WORD_NAMESPACE}"><w:body>'.encode())
                write_body(stream)
                stream.write(b"</w:body></w:document>")
        for name, data in extra or []:
            out.writestr(name, data)
    return path


def one_long_run(size: int) -> Callable[[IO[bytes]], None]:
    def write(stream: IO[bytes]) -> None:
        stream.write(b"<w:p><w:r><w:t>")
        block = b"a" * MiB
        for _ in range(size // MiB):
            stream.write(block)
        stream.write(b"</w:t></w:r></w:p>")

    return write


def paragraphs(count: int, text: Callable[[int], str]) -> Callable[[IO[bytes]], None]:
    def write(stream: IO[bytes]) -> None:
        for n in range(count):
            stream.write(f"<w:p><w:r><w:t>{text(n)}</w:t></w:r></w:p>".encode())

    return write


def patch_sizes(
    path: Path, member: str, *, uncompressed: int | None = None, compressed: int | None = None
) -> Path:
    """Overwrite a member's sizes in its local header and the central directory (a zip that lies)."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    # (signature, offset of the name length, offset of the name, of the compressed and uncompressed size)
    for signature, name_length_at, name_at, compressed_at, uncompressed_at in (
        (b"PK\x03\x04", 26, 30, 18, 22),
        (b"PK\x01\x02", 28, 46, 20, 24),
    ):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            length = struct.unpack_from("<H", data, start + name_length_at)[0]
            if data[start + name_at : start + name_at + length] == name:
                if uncompressed is not None:
                    struct.pack_into("<I", data, start + uncompressed_at, uncompressed)
                if compressed is not None:
                    struct.pack_into("<I", data, start + compressed_at, compressed)
            start += 4
    path.write_bytes(data)
    return path
