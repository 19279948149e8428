"""The answerer reads a figure's kind (result or target) from the document's indicator records when it has
them: the records decide, not the sentence's words (which here say neither)."""

from __future__ import annotations

from dataclasses import replace

from assistant.extractive import ExtractiveAnswerer
from assistant.intent import analyse_intent
from ingestion.indicators import IndicatorKind, IndicatorRecord, extract_indicators
from ingestion.model import Chunk, DocumentMetadata, DocumentRecord
from vectorstore.passages import Passage
from vectorstore.query import CatalogEntry, analyze

META = DocumentMetadata(doc_type="Báo cáo", locality="Hòa Bình", period="2023", year=2023)
# Two sentences with the same words and unit; neither heading nor words tell result from target.
TEXT = "Diện tích lúa chất lượng cao 3.500 ha.\nDiện tích lúa chất lượng cao 4.200 ha.\n"
QUESTION = "Chỉ tiêu diện tích lúa chất lượng cao là bao nhiêu ha?"


def _passage() -> Passage:
    record = DocumentRecord("doc", "doc.txt", "", "txt", "utf-8", META, (), TEXT)
    chunk = Chunk(0, "1", ("1. Nông nghiệp",), "1. Nông nghiệp", TEXT, TEXT, 0, len(TEXT), 0, len(TEXT))
    return Passage("doc@v#0", chunk, record, 1.0)


def _records(first: IndicatorKind, second: IndicatorKind) -> list[IndicatorRecord]:
    extracted = extract_indicators(TEXT)
    assert [r.value_text for r in extracted] == ["3.500 ha", "4.200 ha"]
    return [replace(extracted[0], kind=first), replace(extracted[1], kind=second)]


def _answer(records: list[IndicatorRecord]) -> str:
    analysis = analyze(QUESTION, [CatalogEntry("doc", META)])
    answerer = ExtractiveAnswerer(records=lambda doc_id: records if doc_id == "doc" else [])
    answer = answerer.answer(analysis, analyse_intent(QUESTION, analysis), [_passage()])
    assert answer is not None
    return answer.text


def test_the_figure_whose_record_is_a_target_answers_a_target_question() -> None:
    assert "4.200" in _answer(_records("result", "target"))
    assert "3.500" in _answer(_records("target", "estimate"))
