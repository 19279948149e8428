"""Builders for bad input files: what a careless user or an attacker hands the ingester.

Every file is built from code (no binary blobs in the repository): damaged and disguised .docx and .pdf,
decompression bombs written as raw zip structures (so a 1 GB member costs a megabyte and a second to
build), encrypted PDFs, and text in encodings or with bytes the loader must refuse or clean.
"""

from __future__ import annotations

import random
import struct
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path

from tests.docbuilders import build_docx, build_pdf

WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    b"</Types>"
)

ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="word/document.xml"/>'
    b"</Relationships>"
)

DOCUMENT_HEAD = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{WORD_NS}"><w:body>'
).encode()
DOCUMENT_TAIL = b"</w:body></w:document>"

# An OLE2 compound file (Word 97-2003 .doc) starts with this signature.
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_VOCABULARY = (
    "ủy ban nhân dân huyện xã tỉnh báo cáo kết quả thực hiện nhiệm vụ kinh tế xã hội năm tháng quý "
    "tăng giảm so với cùng kỳ đạt kế hoạch chỉ tiêu sản xuất nông nghiệp công nghiệp thương mại dịch vụ "
    "ngân sách thu chi đầu tư xây dựng giao thông giáo dục y tế văn hóa an ninh quốc phòng chương trình"
)
_WORDS = tuple(_VOCABULARY.split())


def paragraph_xml(text: str) -> bytes:
    """One ``w:p`` holding ``text`` (no XML escaping: callers pass plain words)."""
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()


def vietnamese_sentences(count: int, seed: int, words_per_sentence: int = 14) -> list[str]:
    """Varied Vietnamese-looking sentences: they compress about as real text does (a few times)."""
    rng = random.Random(seed)
    sentences = []
    for _ in range(count):
        words = rng.choices(_WORDS, k=words_per_sentence)
        sentences.append(" ".join(words).capitalize() + ".")
    return sentences


# ------------------------------------------------------------------------------------------ zip writing


def write_zip(path: Path, members: Sequence[tuple[str, bytes]]) -> Path:
    """A zip of ``(name, data)`` members, deflated, written with :mod:`zipfile` (a well-formed archive)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return path


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _repeated_deflate(head: bytes, unit: bytes, repeats: int, tail: bytes) -> tuple[bytes, int, int]:
    """A raw deflate stream of ``head + unit * repeats + tail``, its CRC-32 and its inflated size.

    ``unit`` is compressed once: after a full flush the compressor forgets its history, so the block it
    writes for ``unit`` refers to nothing before it and can be repeated as it is."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(unit) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.compress(tail) + compressor.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(repeats):
        crc = zlib.crc32(unit, crc)
    crc = zlib.crc32(tail, crc)
    return first + block * repeats + last, crc, len(head) + len(unit) * repeats + len(tail)


def _write_raw_zip(path: Path, members: Sequence[tuple[str, bytes, int, int]]) -> Path:
    """A zip whose members are given already deflated: ``(name, deflated, crc32, declared_size)``.

    The declared size is written as given, so a test can make the directory lie (no zip64: sizes must
    stay under 4 GiB)."""
    local_parts: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, deflated, crc, declared in members:
        encoded = name.encode()
        # version 20, no flags, deflate, 1980-01-01 00:00, crc, sizes, name length, no extra field.
        local = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(deflated), declared, len(encoded), 0
        )
        local_parts.append(local + encoded + deflated)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                len(deflated),
                declared,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
        offset += len(local_parts[-1])
    directory = b"".join(central)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), offset, 0)
    path.write_bytes(b"".join(local_parts) + directory + end)
    return path


def _package_members() -> list[tuple[str, bytes, int, int]]:
    return [
        (name, _raw_deflate(data), zlib.crc32(data), len(data))
        for name, data in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS))
    ]


# ------------------------------------------------------------------------------------------ .docx


def build_zip_bomb_docx(path: Path, inflated_mib: int = 1024, *, declared_size: int | None = None) -> Path:
    """A .docx whose ``word/document.xml`` inflates to ``inflated_mib`` MiB of valid XML (one paragraph
    of 'a's) from about a thousandth of that. With ``declared_size`` the zip directory claims that size
    instead of the real one (a bomb that lies to pass a size check)."""
    head = DOCUMENT_HEAD + b"<w:p><w:r><w:t>"
    tail = b"</w:t></w:r></w:p>" + DOCUMENT_TAIL
    stream, crc, size = _repeated_deflate(head, b"a" * (1024 * 1024), inflated_mib, tail)
    document = ("word/document.xml", stream, crc, size if declared_size is None else declared_size)
    return _write_raw_zip(path, [*_package_members(), document])


def build_repetitive_xml_docx(path: Path, xml_bytes: int = 10 * 1024 * 1024) -> Path:
    """A small .docx holding ``xml_bytes`` of valid XML: the same short paragraph over and over (the
    "30 KB that becomes 3,400 chunks" of issue 9)."""
    paragraph = paragraph_xml("Tổng giá trị sản xuất đạt 5.123 tỷ đồng, tăng 8,5% so cùng kỳ.")
    body = paragraph * (xml_bytes // len(paragraph))
    return write_zip(
        path,
        [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("word/document.xml", DOCUMENT_HEAD + body + DOCUMENT_TAIL),
        ],
    )


def build_long_text_docx(path: Path, xml_bytes: int = 10 * 1024 * 1024, seed: int = 9) -> Path:
    """A .docx of ``xml_bytes`` of varied paragraphs: it compresses like real text (no ratio alarm), so
    only the text-length limit stands between it and hours of embedding."""
    sentences = vietnamese_sentences(2000, seed)
    paragraphs = [paragraph_xml(s) for s in sentences]
    chunk = b"".join(paragraphs)
    body = chunk * max(1, xml_bytes // len(chunk))
    return write_zip(
        path,
        [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("word/document.xml", DOCUMENT_HEAD + body + DOCUMENT_TAIL),
        ],
    )


def build_entity_bomb_docx(path: Path) -> Path:
    """A .docx whose document.xml declares nested entities ("billion laughs"): 10^9 'lol's if expanded."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<!DOCTYPE w:document [{''.join(entities)}]>"
        f'<w:document xmlns:w="{WORD_NS}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>'
    ).encode()
    return write_zip(
        path,
        [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS), ("word/document.xml", document)],
    )


def build_many_members_docx(path: Path, members: int = 2100) -> Path:
    """A valid .docx padded with ``members`` tiny extra parts."""
    document = DOCUMENT_HEAD + paragraph_xml("Báo cáo tình hình kinh tế") + DOCUMENT_TAIL
    parts = [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("word/document.xml", document),
    ]
    parts += [(f"customXml/item{i}.xml", b"<a/>") for i in range(members)]
    return write_zip(path, parts)


def build_docx_without_document(path: Path) -> Path:
    """A zip with the package parts of a .docx but no ``word/document.xml``."""
    return write_zip(path, [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS)])


def build_malformed_xml_docx(path: Path) -> Path:
    """A .docx whose document.xml is not well-formed XML (unclosed elements)."""
    broken = DOCUMENT_HEAD + "<w:p><w:r><w:t>Báo cáo tình hình</w:t><w:p></w:body>".encode()
    return write_zip(
        path,
        [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS), ("word/document.xml", broken)],
    )


def build_empty_docx(path: Path) -> Path:
    """A real Word document with no text at all."""
    return build_docx(path, [])


def build_truncated_docx(path: Path, scratch: Path) -> Path:
    """The first third of a real .docx (a download cut short): the zip directory is gone."""
    whole = build_docx(scratch, [("Báo cáo tình hình kinh tế - xã hội năm 2023", None)])
    data = whole.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def ole_document_bytes() -> bytes:
    """The start of a Word 97-2003 file: the OLE2 signature and a header's worth of binary."""
    rng = random.Random(97)
    return OLE2_SIGNATURE + bytes(rng.randrange(256) for _ in range(4096 - len(OLE2_SIGNATURE)))


def xlsx_bytes() -> bytes:
    """A minimal spreadsheet package: a zip, but not a Word document."""
    from io import BytesIO

    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", b"<workbook/>")
    return buffer.getvalue()


def exe_bytes() -> bytes:
    """The start of a Windows executable: 'MZ', a PE offset and binary padding."""
    rng = random.Random(3)
    return b"MZ\x90\x00" + bytes(rng.randrange(256) for _ in range(2044))


def garbage_bytes(size: int = 4096, seed: int = 1) -> bytes:
    """Random bytes, as a corrupted or mislabelled file holds."""
    rng = random.Random(seed)
    return bytes(rng.randrange(256) for _ in range(size))


# ------------------------------------------------------------------------------------------ .pdf


def build_encrypted_pdf(path: Path, *, user_password: str, owner_password: str, algorithm: str) -> Path:
    """A one-page text PDF encrypted with pypdf (``algorithm``: "RC4-128", "AES-128", "AES-256")."""
    from pypdf import PdfReader, PdfWriter

    plain = build_pdf(
        path.with_name(path.stem + "-plain.tmp"),
        [["THÔNG BÁO", "Hội nghị tổng kết công tác năm 2023 tổ chức vào ngày 15 tháng 01 năm 2024."]],
    )
    writer = PdfWriter()
    for page in PdfReader(str(plain)).pages:
        writer.add_page(page)
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm=algorithm)
    with path.open("wb") as out:
        writer.write(out)
    plain.unlink()
    return path


def build_pageless_pdf(path: Path) -> Path:
    """A well-formed PDF with no pages."""
    from pypdf import PdfWriter

    with path.open("wb") as out:
        PdfWriter().write(out)
    return path


def build_truncated_pdf(path: Path) -> Path:
    """The first quarter of a real PDF: header and part of the first object, no page tree, no xref."""
    whole = build_pdf(
        path.with_name(path.stem + "-whole.tmp"), [["BÁO CÁO", "Kết quả thực hiện nhiệm vụ năm 2023."]]
    )
    data = whole.read_bytes()
    whole.unlink()
    path.write_bytes(data[: len(data) // 4])
    return path


def build_many_pages_pdf(path: Path, pages: int) -> Path:
    """A text PDF of ``pages`` short pages."""
    # Different text on every page: lines repeated on each page are dropped as running headers.
    sentences = vietnamese_sentences(pages, seed=pages)
    return build_pdf(path, [[sentence] for sentence in sentences])
