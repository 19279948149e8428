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


# One indicator in two passages of one report: the term's estimate and, in a section whose records say
# 2021, the year's figure (the sentence itself names no year).
TERM_TEXT = "Giá trị sản xuất công nghiệp năm 2025 ước đạt 7.687 tỷ đồng.\n"
YEAR_TEXT = "Giá trị sản xuất công nghiệp đạt 4.731 tỷ đồng.\n"
TERM_META = DocumentMetadata(doc_type="Báo cáo", locality="Hòa Bình", period="2020-2025", year=2025)


def _two_passages() -> tuple[list[Passage], list[IndicatorRecord]]:
    text = TERM_TEXT + YEAR_TEXT
    record = DocumentRecord("term", "term.txt", "", "txt", "utf-8", TERM_META, (), text)
    passages = []
    for index, (start, part) in enumerate(((0, TERM_TEXT), (len(TERM_TEXT), YEAR_TEXT))):
        end = start + len(part)
        chunk = Chunk(
            index, str(index), ("1. Công nghiệp",), "1. Công nghiệp", part, part, start, end, start, end
        )
        passages.append(Passage(f"term@v#{index}", chunk, record, 1.0))
    extracted = extract_indicators(text)
    assert [r.value_text for r in extracted] == ["7.687 tỷ đồng", "4.731 tỷ đồng"]
    assert extracted[0].key == extracted[1].key
    return passages, [replace(extracted[0], period="2025"), replace(extracted[1], period="2021")]


def _ask(question: str) -> tuple[str, bool]:
    passages, records = _two_passages()
    analysis = analyze(question, [CatalogEntry("term", TERM_META)])
    answerer = ExtractiveAnswerer(records=lambda doc_id: records if doc_id == "term" else [])
    answer = answerer.answer(analysis, analyse_intent(question, analysis), passages)
    assert answer is not None
    return answer.text, answer.other_period


def test_a_period_the_documents_lack_is_said_missing_and_the_indicators_other_periods_are_listed_cited() -> (
    None
):
    text, other_period = _ask("Giá trị sản xuất công nghiệp năm 2019 là bao nhiêu?")
    assert other_period
    assert text.startswith("Không có số liệu năm 2019")
    # The figure found first, then the indicator's statement for the other period, each with its marker.
    assert "7.687 tỷ đồng" in text and "- Giá trị sản xuất công nghiệp đạt 4.731 tỷ đồng. [2]" in text


def test_the_record_for_the_asked_period_answers_even_when_its_sentence_names_no_year() -> None:
    text, other_period = _ask("Giá trị sản xuất công nghiệp năm 2021 là bao nhiêu?")
    assert not other_period
    assert text == "Giá trị sản xuất công nghiệp đạt 4.731 tỷ đồng. [1]"
