"""The section-aware chunker on real parsed documents, with a deterministic token counter."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from ingestion.chunker import Chunker, context_header
from ingestion.model import Chunk, ParsedDocument, Section
from ingestion.normalize import normalize
from ingestion.parser import parse_document

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"

LAW = (
    "QUỐC HỘI\nLuật số: 15/2023/QH15\nLUẬT\nKHÁM BỆNH, CHỮA BỆNH\n"
    "Chương I\nNHỮNG QUY ĐỊNH CHUNG\n"
    "Điều 1. Phạm vi điều chỉnh\nLuật này quy định về quyền, nghĩa vụ của người bệnh.\n"
    "Điều 11. Quyền được giữ bí mật thông tin\n"
    "1. Được giữ bí mật thông tin về tình trạng sức khỏe và đời tư.\n"
    "2. Thông tin chỉ được công bố khi người bệnh đồng ý.\n"
)


def words(text: str) -> int:
    """A stand-in tokenizer: one token per word, plus two special tokens."""
    return len(text.split()) + 2


def chunked(text: str, max_tokens: int = 400, name: str = "doc.txt") -> tuple[ParsedDocument, list[Chunk]]:
    normalized = normalize(text)
    parsed = parse_document(normalized.text, bold_spans=normalized.bold_spans)
    return parsed, Chunker(words, max_tokens).chunk(parsed, normalized, name)


def section_of(parsed: ParsedDocument, chunk: Chunk) -> Section:
    return next(s for s in parsed.sections if s.id == chunk.section_id)


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.iterdir()))
def test_chunks_stay_inside_their_section_and_within_budget(name: str) -> None:
    parsed, chunks = chunked((SAMPLES / name).read_text(encoding="utf-8-sig"), max_tokens=160, name=name)
    assert chunks
    by_id = {s.id: s for s in parsed.sections}
    for chunk in chunks:
        section = section_of(parsed, chunk)
        assert chunk.start < chunk.end <= section.end
        assert chunk.text == parsed.text[chunk.start : chunk.end]
        assert chunk.section_path == section.path
        if chunk.start < section.start:
            # Only headings of ancestors with no text of their own may open a chunk before its section.
            ancestors = []
            parent = by_id.get(section.parent_id or "")
            while parent is not None:
                ancestors.append(parent.heading)
                parent = by_id.get(parent.parent_id or "")
            for line in filter(str.strip, parsed.text[chunk.start : section.start].splitlines()):
                assert any(line.strip().startswith(h.rstrip(":")) for h in ancestors), line
        # Within budget, unless the context header alone takes more than the budget's floor leaves.
        context = words(chunk.embed_text) - words(chunk.text)
        assert words(chunk.embed_text) <= 160 or context > 160 - 160 // 4
    # Chunks never overlap and come in document order.
    for before, after in itertools.pairwise(chunks):
        assert before.end <= after.start


def test_a_long_section_splits_at_sentence_boundaries() -> None:
    sentences = " ".join(f"Câu số {i} nói về chỉ tiêu kinh tế của huyện." for i in range(40))
    _, chunks = chunked(f"I. KẾT QUẢ\n1. Kinh tế\n{sentences}\n", max_tokens=60)
    pieces = [c for c in chunks if c.heading == "1. Kinh tế"]
    assert len(pieces) > 3
    for piece in pieces[1:]:
        assert piece.text.startswith("Câu số") and piece.text.endswith(".")
    assert all(words(p.embed_text) <= 60 for p in pieces)


def test_the_embedded_text_carries_document_identity_and_path_the_shown_text_does_not() -> None:
    parsed, chunks = chunked(LAW)
    chunk = next(c for c in chunks if "Phạm vi" in c.heading)
    header = context_header(parsed.metadata, "doc.txt")
    assert "15/2023/QH15" in header
    assert chunk.embed_text.startswith(header + "\n" + " › ".join(chunk.section_path))
    assert chunk.embed_text.endswith(chunk.text)
    assert "15/2023/QH15" not in chunk.text


def test_a_heading_whose_content_is_all_in_subsections_opens_its_first_subsection() -> None:
    _, chunks = chunked(LAW)
    first_clause = next(c for c in chunks if c.section_path[-1:] == ("Khoản 1",))
    assert first_clause.text.startswith("Điều 11. Quyền được giữ bí mật thông tin\n1. Được giữ bí mật")
    second_clause = next(c for c in chunks if c.section_path[-1:] == ("Khoản 2",))
    assert second_clause.text.startswith("2. Thông tin")
    # No chunk stands for the bare "Điều 11" heading alone.
    assert not any(c.heading.startswith("Điều 11") for c in chunks)


def test_source_spans_point_back_into_the_loaded_text() -> None:
    raw = "ỦY BAN NHÂN DÂN\n**BÁO CÁO**\nI. KẾT QUẢ\nTổng thu ngân sách đạt 612 tỷ đồng.\n"
    normalized = normalize(raw)
    parsed = parse_document(normalized.text, bold_spans=normalized.bold_spans)
    chunks = Chunker(words, 400).chunk(parsed, normalized, "a.md")
    chunk = next(c for c in chunks if "612" in c.text)
    assert raw[chunk.source_start : chunk.source_end].strip().endswith("612 tỷ đồng.")
