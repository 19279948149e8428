"""The signature block at the end of a document: parser, metadata wiring, persistence and the API summary."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.services.documents import document_summary
from ingestion.chunker import Chunker
from ingestion.model import DocumentMetadata, DocumentRecord
from ingestion.normalize import normalize
from ingestion.parser import parse_document
from ingestion.pipeline import IngestPipeline
from ingestion.signature import TAIL_CHARS, TAIL_LINES, Signature, parse_signature
from tests.docbuilders import build_docx
from ui.render import section_tree_html
from vectorstore.manifest import metadata_from_json, metadata_to_json

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
BODY = (
    "Thực hiện chỉ đạo của cấp trên, các cơ quan, đơn vị đã triển khai đồng bộ các nhiệm vụ, giải pháp và đạt "
    "được nhiều kết quả quan trọng trên các lĩnh vực kinh tế, văn hóa, xã hội của địa phương."
)
HEADER = (
    "ỦY BAN NHÂN DÂN\nHUYỆN TIỂU CẦN\nSố: 12/BC-UBND\nTiểu Cần, ngày 02 tháng 12 năm 2021\n"
    "BÁO CÁO\nTÌNH HÌNH KINH TẾ - XÃ HỘI NĂM 2021\n\n"
)
RECIPIENTS = "Nơi nhận:\n- UBND tỉnh;\n- Thường trực Huyện ủy;\n- Lưu: VT, CVTH.\n"


def sample_text(name: str) -> str:
    return normalize((SAMPLES / name).read_text(encoding="utf-8")).text


def signature(text: str) -> Signature:
    found = parse_signature(text)
    assert found is not None, f"no signature found in {text[-200:]!r}"
    # The span covers the block: it starts with the first position line and ends with the name.
    assert text[found.start :].startswith(found.positions[0])
    assert text[: found.end].endswith(found.name)
    return found


# ------------------------------------------------------------------------------------------- the samples


def test_sample_002_people_committee_report() -> None:
    text = sample_text("002_8960d5a2a2e1878e.txt")
    found = signature(text)
    assert found.name == "Thái Thanh Bình"
    assert found.title == "TM. ỦY BAN NHÂN DÂN – CHỦ TỊCH"
    assert found.positions == ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
    assert text[found.start : found.end] == "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n\nThái Thanh Bình"


def test_sample_004_party_committee_resolution() -> None:
    text = sample_text("004_b15d4e577a10df04.txt")
    found = signature(text)
    assert (found.name, found.title) == ("Lê Thành Mỹ", "T/M HUYỆN ỦY – BÍ THƯ")
    assert found.end == len(text.rstrip())


@pytest.mark.parametrize("name", ["000_2265b64d677103f7.txt", "003_ed75f5db97ecdb44.txt"])
def test_samples_without_a_signature_block(name: str) -> None:
    # A draft political report and a report that ends with its last list item: nobody signed them.
    assert parse_signature(sample_text(name)) is None


@pytest.mark.parametrize(
    ("name", "signer", "signer_title"),
    [
        ("002_8960d5a2a2e1878e.txt", "Thái Thanh Bình", "TM. ỦY BAN NHÂN DÂN – CHỦ TỊCH"),
        ("004_b15d4e577a10df04.txt", "Lê Thành Mỹ", "T/M HUYỆN ỦY – BÍ THƯ"),
        ("000_2265b64d677103f7.txt", None, None),
    ],
)
def test_parse_document_fills_the_signer(name: str, signer: str | None, signer_title: str | None) -> None:
    normalized = normalize((SAMPLES / name).read_text(encoding="utf-8"))
    meta = parse_document(normalized.text, bold_spans=normalized.bold_spans).metadata
    assert (meta.signer, meta.signer_title) == (signer, signer_title)
    # The "Người ký: Ủy ban nhân dân huyện" stamp at the top of 002 names a body, never the signer.
    assert meta.signer is None or "Ủy ban" not in meta.signer


# ---------------------------------------------------------------------------------------------- the forms


@pytest.mark.parametrize(
    ("block", "name", "title"),
    [
        ("KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\n\nNguyễn Văn An", "Nguyễn Văn An", "KT. CHỦ TỊCH – PHÓ CHỦ TỊCH"),
        (
            "TM. BAN THƯỜNG VỤ\nBÍ THƯ\n\nTrần Thị Bích Ngọc",
            "Trần Thị Bích Ngọc",
            "TM. BAN THƯỜNG VỤ – BÍ THƯ",
        ),
        (
            "TL. CHỦ TỊCH\nKT. CHÁNH VĂN PHÒNG\nPHÓ CHÁNH VĂN PHÒNG\n\nHồ Văn Tư",
            "Hồ Văn Tư",
            "TL. CHỦ TỊCH – KT. CHÁNH VĂN PHÒNG – PHÓ CHÁNH VĂN PHÒNG",
        ),
        ("Q. CHỦ TỊCH\n\nPhạm Minh Hùng", "Phạm Minh Hùng", "Q. CHỦ TỊCH"),
        (
            "TUQ. CHỦ TỊCH\nGIÁM ĐỐC SỞ TÀI CHÍNH\n\nĐỗ Thị Lan",
            "Đỗ Thị Lan",
            "TUQ. CHỦ TỊCH – GIÁM ĐỐC SỞ TÀI CHÍNH",
        ),
        ("GIÁM ĐỐC\n\nLâm Quang Vinh", "Lâm Quang Vinh", "GIÁM ĐỐC"),
        ("BỘ TRƯỞNG\n\nNguyễn Chí Dũng", "Nguyễn Chí Dũng", "BỘ TRƯỞNG"),
        (
            "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n\nĐại tá Lê Văn Tám",
            "Đại tá Lê Văn Tám",
            "TM. ỦY BAN NHÂN DÂN – CHỦ TỊCH",
        ),
        ("THỦ TƯỚNG\n\nH'Hen Niê Kđăm", "H'Hen Niê Kđăm", "THỦ TƯỚNG"),
    ],
)
def test_signature_forms_after_the_recipients(block: str, name: str, title: str) -> None:
    found = signature(f"{BODY}\n\n{RECIPIENTS}\n{block}\n")
    assert (found.name, found.title) == (name, title)


def test_signature_before_the_recipients() -> None:
    text = f"{BODY}./.\n\nTM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\nLê Minh Tâm\n\n{RECIPIENTS}"
    found = signature(text)
    assert found.name == "Lê Minh Tâm"
    assert found.title == "TM. ỦY BAN NHÂN DÂN – KT. CHỦ TỊCH – PHÓ CHỦ TỊCH"
    assert text[found.end :].strip().startswith("Nơi nhận:")


@pytest.mark.parametrize(
    "annotation",
    ["(Đã ký)", "(đã ký)", "(Ký tên, đóng dấu)", "[Đã ký và đóng dấu]", "Đã ký", "(Đã ký)\n(Đóng dấu)"],
)
def test_annotations_between_position_and_name(annotation: str) -> None:
    found = signature(
        f"{BODY}\n\n{RECIPIENTS}\nTM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n{annotation}\n\nNguyễn Thành Long\n"
    )
    assert (found.name, found.title) == ("Nguyễn Thành Long", "TM. ỦY BAN NHÂN DÂN – CHỦ TỊCH")


def test_law_signed_by_the_chair_of_the_national_assembly() -> None:
    text = (
        "Điều 80. Hiệu lực thi hành\nLuật này có hiệu lực thi hành từ ngày 01 tháng 7 năm 2024.\n\n"
        "Luật này đã được Quốc hội nước Cộng hòa xã hội chủ nghĩa Việt Nam khóa XV, kỳ họp thứ 5 thông qua ngày "
        "24 tháng 6 năm 2023.\n\nCHỦ TỊCH QUỐC HỘI\n\n\n\nVương Đình Huệ\n"
    )
    found = signature(text)
    assert (found.name, found.title) == ("Vương Đình Huệ", "CHỦ TỊCH QUỐC HỘI")


def test_bold_markers_are_removed_and_the_span_is_in_the_given_text() -> None:
    raw = f"{BODY}\n\n{RECIPIENTS}\n**TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH**\n*(Đã ký)*\n\n\n\n**Thái Thanh Bình**\n"
    found = parse_signature(raw)
    assert found is not None
    assert (found.name, found.title) == ("Thái Thanh Bình", "TM. ỦY BAN NHÂN DÂN – CHỦ TỊCH")
    assert raw[found.start : found.end].startswith("TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH**")
    assert raw[found.start : found.end].endswith("\n**Thái Thanh Bình")
    # The same block through the normaliser, which drops the markers: other offsets, the same fields.
    normalized = parse_signature(normalize(raw).text)
    assert normalized is not None and (normalized.name, normalized.title) == (found.name, found.title)


def test_word_table_row_with_the_block_in_one_cell() -> None:
    # The .docx loader writes a table row as "cell | cell", a cell's paragraphs joined by spaces.
    row = "Nơi nhận: - Như trên; - Lưu: VT. | TM. ỦY BAN NHÂN DÂN CHỦ TỊCH (Đã ký) Nguyễn Văn Nam"
    found = signature(f"{BODY}\n\n{row}\n")
    assert (found.name, found.title) == ("Nguyễn Văn Nam", "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH")


def test_word_table_rows_with_one_line_per_row() -> None:
    rows = "Nơi nhận: | TM. ỦY BAN NHÂN DÂN\n- Như trên; | CHỦ TỊCH\n- Lưu: VT. |\n | Nguyễn Văn Nam"
    found = signature(f"{BODY}\n\n{rows}\n")
    assert (found.name, found.title) == ("Nguyễn Văn Nam", "TM. ỦY BAN NHÂN DÂN – CHỦ TỊCH")


def test_the_last_block_wins() -> None:
    text = (
        f"{BODY}\n\nTM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n\nNguyễn Văn Một\n\nQUY CHẾ\n{BODY}\n\n"
        "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\nTrần Văn Hai\n"
    )
    assert signature(text).name == "Trần Văn Hai"


# -------------------------------------------------------------------------------------- no false positives


def test_no_signature_block() -> None:
    assert parse_signature(f"{HEADER}{BODY}\n\n{RECIPIENTS}") is None
    assert parse_signature("") is None
    assert parse_signature(BODY) is None


@pytest.mark.parametrize(
    "ending",
    [
        # A list of capitalised phrases under an upper-case heading.
        "IV. NHIỆM VỤ TRỌNG TÂM\n- Phát Triển Kinh Tế\n- Xây Dựng Đảng\nĐổi Mới Phương Thức Lãnh Đạo",
        # An upper-case line that names no position, then title-case words.
        "CÁC CHƯƠNG TRÌNH ĐỘT PHÁ\nPhát Triển Kinh Tế\nXây Dựng Nông Thôn Mới",
        # Recipients whose bullets hold positions and capitalised names.
        "Nơi nhận:\n- CHỦ TỊCH UBND TỈNH;\n- Ông Mai Hùng Dũng;\n- Bà Trần Thị Lan;\n- Lưu: VT.",
        # A position in running text, then a capitalised name on its own line.
        "Đề nghị đồng chí PHÓ CHỦ TỊCH UBND huyện chỉ đạo thực hiện.\nNguyễn Văn An",
        # A numbered upper-case heading, then a place.
        "1. CHỦ TỊCH\nBắc Tân Uyên",
        # An organ name in title case after the position.
        "CHỦ TỊCH\nỦy Ban Nhân Dân Huyện",
        # The digital-signature stamp: a body, not a person.
        "Người ký: Ủy ban nhân dân huyện\nBắc Tân Uyên",
    ],
)
def test_endings_that_are_not_signatures(ending: str) -> None:
    assert parse_signature(f"{BODY}\n\n{ending}\n") is None


def test_only_the_end_of_the_document_is_read() -> None:
    block = "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n\nNguyễn Văn An\n\n"
    long_body = "\n".join([BODY] * (TAIL_CHARS // len(BODY) + 2))
    assert parse_signature(f"{block}{long_body}\n") is None
    assert parse_signature(f"{long_body}\n\n{block}") is not None

    # The end is counted in non-empty lines too: a block followed by more short lines than that is not read.
    def followed_by(count: int) -> str:
        return f"{BODY}\n\n{block}" + "".join(f"- UBND xã {i};\n" for i in range(count))

    assert parse_signature(followed_by(TAIL_LINES)) is None
    found = parse_signature(followed_by(TAIL_LINES - 3))  # the block's three lines are the first of the end
    assert found is not None and found.title == "TM. ỦY BAN NHÂN DÂN – CHỦ TỊCH"
    # Nor is anything before the body read: a header is not a signature block.
    text = f"{block}{BODY}"
    assert parse_signature(text, body_start=text.index(BODY)) is None


# ------------------------------------------------------------------------------------------- persistence


def test_metadata_round_trips_through_the_manifest_json() -> None:
    meta = DocumentMetadata(
        number="250/BC-UBND", signer="Thái Thanh Bình", signer_title="TM. ỦY BAN NHÂN DÂN – CHỦ TỊCH"
    )
    assert metadata_from_json(metadata_to_json(meta)) == meta
    assert json.loads(metadata_to_json(meta))["signer"] == "Thái Thanh Bình"


def test_manifest_records_written_before_the_signature_still_load() -> None:
    old = json.dumps({"issuers": ["HUYỆN ỦY BẮC TÂN UYÊN"], "number": "09-NQ/HU", "year": 2024})
    meta = metadata_from_json(old)
    assert meta.number == "09-NQ/HU" and meta.signer is None and meta.signer_title is None


def test_document_summary_exposes_the_signer() -> None:
    record = DocumentRecord(
        doc_id="a",
        file_name="a.txt",
        content_hash="h",
        file_format="txt",
        encoding="utf-8",
        metadata=DocumentMetadata(signer="Lê Thành Mỹ", signer_title="T/M HUYỆN ỦY – BÍ THƯ"),
        sections=(),
        text="",
    )
    summary = document_summary(record).model_dump()
    assert (summary["signer"], summary["signer_title"]) == ("Lê Thành Mỹ", "T/M HUYỆN ỦY – BÍ THƯ")


class _EmptySink:
    def get(self, doc_id: str) -> DocumentRecord | None:
        return None

    def find_by_source(self, file_name: str, source_path: str | None) -> DocumentRecord | None:
        return None

    def find_by_content(self, content_hash: str) -> DocumentRecord | None:
        return None

    def replace_document(self, record: DocumentRecord, chunks: object, *, on_progress: object = None) -> None:
        raise AssertionError("prepare never writes")


def test_ingesting_a_docx_with_the_signature_in_a_table(tmp_path: Path) -> None:
    path = build_docx(
        tmp_path / "bao-cao.docx",
        [
            ("ỦY BAN NHÂN DÂN HUYỆN TIỂU CẦN", None),
            ("BÁO CÁO", None),
            ("Tình hình kinh tế - xã hội năm 2021", None),
            (BODY, None),
            [
                [
                    "Nơi nhận:\n- UBND tỉnh;\n- Lưu: VT.",
                    "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n(Đã ký)\n\nLê Văn Hòa",
                ]
            ],
        ],
    )
    pipeline = IngestPipeline(_EmptySink(), Chunker(len, 512))
    record, _ = pipeline.prepare(path, "bao-cao", "hash")
    assert record.metadata.signer == "Lê Văn Hòa"
    assert record.metadata.signer_title == "TM. ỦY BAN NHÂN DÂN – KT. CHỦ TỊCH – PHÓ CHỦ TỊCH"


def test_the_document_view_shows_the_signer() -> None:
    record = DocumentRecord(
        doc_id="a",
        file_name="a.txt",
        content_hash="h",
        file_format="txt",
        encoding="utf-8",
        metadata=DocumentMetadata(signer="Lê Thành Mỹ", signer_title="T/M HUYỆN ỦY – BÍ THƯ"),
        sections=(),
        text="",
    )
    assert "Lê Thành Mỹ (T/M HUYỆN ỦY – BÍ THƯ)" in section_tree_html(record)
    assert "Người ký" not in section_tree_html(replace(record, metadata=DocumentMetadata()))
