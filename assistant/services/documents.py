"""Documents for the API and the UI: summaries, section trees, section text, uploads checked by content."""

from __future__ import annotations

import io
import re
import shutil
import unicodedata
import uuid
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.services.jobs import ProgressReporter
from ingestion.encoding import decode_text_bytes
from ingestion.model import DocumentRecord, IngestError, Section
from ingestion.pipeline import IngestPipeline, source_path_of
from vectorstore.store import DocumentStore

UPLOADS_DIR = "uploads"
_INCOMING_DIR = ".incoming"
UploadSuffix = Literal[".txt", ".md", ".docx", ".pdf"]
MAX_FILE_NAME_CHARS = 120


class DocumentSummary(BaseModel):
    id: str = Field(examples=["bao-cao-250-9f5da71a"])
    file_name: str
    source_path: str | None = Field(
        default=None,
        examples=["2021/bao-cao-250.docx"],
        description="Đường dẫn tương đối của tệp lúc nạp (định danh văn bản); None với văn bản nạp từ phiên bản cũ",
    )
    doc_type: str | None = Field(examples=["Báo cáo"])
    number: str | None = Field(examples=["250/BC-UBND"])
    date: str | None = Field(examples=["2021-12-02"])
    year: int | None
    issuers: list[str] = Field(examples=[["HUYỆN ỦY BẮC TÂN UYÊN"]])
    locality: str | None = Field(examples=["Bắc Tân Uyên"])
    period: str | None
    title: str | None
    signer: str | None = Field(
        default=None, examples=["Thái Thanh Bình"], description="Người ký, như trong văn bản"
    )
    signer_title: str | None = Field(
        default=None,
        examples=["TM. ỦY BAN NHÂN DÂN – CHỦ TỊCH"],
        description="Chức vụ người ký, các dòng như trong văn bản nối bằng « – »",
    )
    sections: int
    chunks: int
    ingested_at: str


class SectionNode(BaseModel):
    id: str = Field(examples=["1.2"])
    number: str | None
    heading: str
    level: int
    path: list[str]
    start: int
    end: int
    page: int | None = None
    children: list[SectionNode] = Field(default_factory=list)


class DocumentDetail(DocumentSummary):
    file_format: str
    encoding: str | None
    place: str | None
    sections_tree: list[SectionNode]


class SectionText(BaseModel):
    doc_id: str
    section_id: str
    number: str | None
    heading: str
    path: list[str]
    level: int
    start: int = Field(description="Vị trí đầu mục trong văn bản đã chuẩn hoá")
    end: int
    page: int | None
    text: str = Field(description="Toàn văn của mục, kể cả các mục con")


def document_summary(record: DocumentRecord) -> DocumentSummary:
    meta = record.metadata
    return DocumentSummary(
        id=record.doc_id,
        file_name=record.file_name,
        source_path=source_path_of(record),
        doc_type=meta.doc_type,
        number=meta.number,
        date=meta.date.isoformat() if meta.date else None,
        year=meta.year,
        issuers=list(meta.issuers),
        locality=meta.locality,
        period=meta.period,
        title=meta.title,
        signer=meta.signer,
        signer_title=meta.signer_title,
        sections=len(record.sections),
        chunks=record.chunk_count,
        ingested_at=record.ingested_at,
    )


def section_tree(sections: Sequence[Section]) -> list[SectionNode]:
    """The flat pre-order section list as a tree."""
    roots: list[SectionNode] = []
    nodes: dict[str, SectionNode] = {}
    for section in sections:
        node = SectionNode(
            id=section.id,
            number=section.number,
            heading=section.heading,
            level=section.level,
            path=list(section.path),
            start=section.start,
            end=section.end,
            page=section.page,
        )
        nodes[section.id] = node
        parent = nodes.get(section.parent_id) if section.parent_id else None
        (parent.children if parent else roots).append(node)
    return roots


def document_detail(record: DocumentRecord) -> DocumentDetail:
    return DocumentDetail(
        **document_summary(record).model_dump(),
        file_format=record.file_format,
        encoding=record.encoding,
        place=record.metadata.place,
        sections_tree=section_tree(record.sections),
    )


def section_text(record: DocumentRecord, section_id: str) -> SectionText | None:
    section = next((s for s in record.sections if s.id == section_id), None)
    if section is None:
        return None
    return SectionText(
        doc_id=record.doc_id,
        section_id=section.id,
        number=section.number,
        heading=section.heading,
        path=list(section.path),
        level=section.level,
        start=section.start,
        end=section.end,
        page=section.page,
        text=record.text[section.start : section.end],
    )


# ------------------------------------------------------------------------------------ uploads

_UNSAFE = re.compile(r"[^\w\s.()+,-]")


def sanitize_file_name(name: str) -> str:
    """A file name safe to write: no folders, no control or shell characters, no leading dots, bounded.

    Vietnamese letters stay ("Báo cáo 250.docx" stays readable); the suffix is decided by the content.
    """
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = _UNSAFE.sub("_", base)
    base = re.sub(r"\s+", " ", base).strip(" .")
    stem = Path(base).stem.strip(" .") if "." in base else base
    return stem[:MAX_FILE_NAME_CHARS].strip(" .") or "van-ban"


def _unsupported(detail: str) -> IngestError:
    return IngestError(
        "unsupported_content",
        "Nội dung tệp không phải văn bản .txt/.md, .docx hay .pdf (kiểu tệp được xác định theo nội dung, "
        "không theo tên tệp).",
        detail=detail,
    )


def detect_upload_type(data: bytes, file_name: str) -> UploadSuffix:
    """The file type from the bytes themselves (magic bytes, or a successful text decoding)."""
    if not data.strip():
        raise IngestError("empty_document", "Tệp rỗng.", detail=file_name)
    if b"%PDF-" in data[:1024]:
        return ".pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return ".docx"
        except zipfile.BadZipFile as error:
            raise _unsupported(f"damaged zip: {error}") from error
        raise _unsupported("a zip archive that is not a Word document")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise IngestError(
            "unsupported_content",
            "Tệp Word 97-2003 (.doc) chưa được hỗ trợ: hãy lưu lại thành .docx rồi nạp.",
            detail=file_name,
        )
    try:
        decoded = decode_text_bytes(data)
    except IngestError:
        sample = data[:8192]
        controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
        if controls > len(sample) * 0.01:
            raise _unsupported("binary content") from None
        raise
    text = decoded.text[:8192]
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\t\r\f")
    if controls > len(text) * 0.01:
        raise _unsupported("binary content")
    return ".md" if file_name.lower().endswith(".md") else ".txt"


def stage_upload(data_dir: Path, file_name: str, data: bytes) -> Path:
    """Write an upload, named by its content type, to a private staging folder; returns its path."""
    suffix = detect_upload_type(data, file_name)
    staging = data_dir / UPLOADS_DIR / _INCOMING_DIR / uuid.uuid4().hex
    staging.mkdir(parents=True)
    path = staging / f"{sanitize_file_name(file_name)}{suffix}"
    path.write_bytes(data)
    return path


def ingest_staged(pipeline: IngestPipeline, staged: Path, report: ProgressReporter) -> dict[str, Any]:
    """Ingest a staged upload; keep the file in ``uploads/`` when it went in, drop it when it failed or
    duplicates a stored document.

    The upload's identity is its (cleaned) file name: uploading the same name again replaces that
    document. The result: ``status`` (added, replaced, unchanged, duplicate), ``document`` (the summary of
    the upload's document; for a duplicate, of the document that already holds its content) and
    ``duplicate_of`` (that document's id, else None)."""
    try:
        report(0.0, "parsing")
        # Parsing is quick; embedding is most of the time: 5%..95%.
        outcome = pipeline.ingest(
            staged, on_progress=lambda done, total: report(0.05 + 0.9 * done / max(total, 1), "embedding")
        )
        if outcome.status == "failed":
            assert outcome.error is not None
            raise outcome.error
        if outcome.status != "duplicate":
            kept = staged.parent.parent.parent / staged.name
            shutil.move(staged, kept)
    finally:
        shutil.rmtree(staged.parent, ignore_errors=True)
    assert outcome.record is not None
    return {
        "status": outcome.status,
        "document": document_summary(outcome.record).model_dump(mode="json"),
        "duplicate_of": outcome.duplicate_of,
    }


def delete_document(store: DocumentStore, data_dir: Path, doc_id: str) -> DocumentRecord | None:
    """Remove a document from the store, and its uploaded copy; None if there was no such document."""
    record = store.get(doc_id)
    if record is None or not store.delete_document(doc_id):
        return None
    # An upload's source path is its file name; a file of that name ingested from a folder is another
    # document, and the uploaded copy is not its to remove.
    if source_path_of(record) in (None, record.file_name):
        uploaded = data_dir / UPLOADS_DIR / record.file_name
        if uploaded.is_file():
            uploaded.unlink()
    return record
