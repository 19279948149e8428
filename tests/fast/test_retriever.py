"""Hybrid retrieval over a real store (embedded Chroma + SQLite in tmp_path) with hashed-syllable embeddings.

Three tiny documents share one passage word for word, so dense and lexical scores cannot tell them apart:
which of them comes first is decided by the filters and by what the question names, not by the model.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from langchain_core.documents import Document

from ingestion.model import Chunk, DocumentMetadata, DocumentRecord, Section
from tests.fast.fakes import SyllableHashEmbeddings
from vectorstore.passages import Passage
from vectorstore.retriever import (
    FusionWeights,
    HybridRetriever,
    RetrievalFilters,
    SectionRetriever,
)
from vectorstore.settings import ChromaSettings
from vectorstore.store import DocumentStore

SHARED = "Tỷ lệ hộ nghèo giảm so với cùng kỳ năm trước."

TIEU_CAN = "bc-tieu-can"
BAC_TAN_UYEN = "nq-bac-tan-uyen"
NHON_TRACH = "bc-nhon-trach"


def make_record(
    doc_id: str, metadata: DocumentMetadata, passages: list[str], content_hash: str = "v1"
) -> tuple[DocumentRecord, list[Chunk]]:
    """One section and one chunk per passage; the chunks' embed text is the bare passage (no locality)."""
    text = ""
    sections: list[Section] = []
    chunks: list[Chunk] = []
    for i, passage in enumerate(passages):
        heading = f"{i + 1}. Mục {i + 1}"
        start = len(text)
        body_start = start + len(heading) + 1
        text += f"{heading}\n{passage}\n"
        sections.append(
            Section(
                id=str(i + 1),
                parent_id=None,
                level=1,
                number=f"{i + 1}.",
                heading=heading,
                path=(heading,),
                start=start,
                body_start=body_start,
                end=len(text),
            )
        )
        chunks.append(
            Chunk(
                index=i,
                section_id=str(i + 1),
                section_path=(heading,),
                heading=heading,
                text=passage,
                embed_text=passage,
                start=body_start,
                end=body_start + len(passage),
                source_start=body_start,
                source_end=body_start + len(passage),
            )
        )
    record = DocumentRecord(
        doc_id=doc_id,
        file_name=f"{doc_id}.txt",
        content_hash=content_hash,
        file_format="txt",
        encoding="utf-8",
        metadata=metadata,
        sections=tuple(sections),
        text=text,
    )
    return record, chunks


DOCUMENTS = [
    make_record(
        TIEU_CAN,
        DocumentMetadata(
            issuers=("ỦY BAN NHÂN DÂN HUYỆN TIỂU CẦN",),
            number="250/BC-UBND",
            doc_type="Báo cáo",
            locality="Tiểu Cần",
            date=date(2022, 12, 2),
            period="2022",
            year=2022,
        ),
        [SHARED, "Tổng thu ngân sách nhà nước trên địa bàn đạt 7.687 tỷ đồng."],
    ),
    make_record(
        BAC_TAN_UYEN,
        DocumentMetadata(
            issuers=("ĐẢNG BỘ TỈNH BÌNH DƯƠNG", "HUYỆN ỦY BẮC TÂN UYÊN"),
            number="09-NQ/HU",
            doc_type="Nghị quyết",
            locality="Bắc Tân Uyên",
            date=date(2020, 8, 15),
            period="2020-2025",
            year=2020,
        ),
        [SHARED, "Phát triển khu công nghiệp, thu hút vốn đầu tư nước ngoài."],
    ),
    make_record(
        NHON_TRACH,
        DocumentMetadata(
            issuers=("ỦY BAN NHÂN DÂN HUYỆN NHƠN TRẠCH",),
            number="120/BC-UBND",
            doc_type="Báo cáo",
            locality="Nhơn Trạch",
            date=date(2021, 12, 10),
            period="2021",
            year=2021,
        ),
        [SHARED, "Bảo hiểm y tế bao phủ 93% dân số trong huyện."],
    ),
]


@pytest.fixture(scope="module")
def embeddings() -> SyllableHashEmbeddings:
    return SyllableHashEmbeddings()


def open_store(directory: Path, embeddings: SyllableHashEmbeddings) -> DocumentStore:
    store = DocumentStore.open(directory, embeddings, ChromaSettings(collection="test-retriever"))
    for record, chunks in DOCUMENTS:
        store.replace_document(record, chunks)
    return store


@pytest.fixture(scope="module")
def shared_store(
    tmp_path_factory: pytest.TempPathFactory, embeddings: SyllableHashEmbeddings
) -> Iterator[DocumentStore]:
    """Read-only tests share one store: opening Chroma is the slow part."""
    store = open_store(tmp_path_factory.mktemp("store"), embeddings)
    yield store
    store.close()


@pytest.fixture
def retriever(shared_store: DocumentStore, tmp_path: Path) -> HybridRetriever:
    return HybridRetriever(shared_store, tmp_path / "cache")


def doc_ids(passages: list[Passage]) -> set[str]:
    return {p.doc_id for p in passages}


def test_finds_the_passage_and_its_document(retriever: HybridRetriever) -> None:
    top, *_ = retriever.search("Bảo hiểm y tế bao phủ bao nhiêu phần trăm dân số?", k=3)
    assert top.doc_id == NHON_TRACH
    assert top.text == "Bảo hiểm y tế bao phủ 93% dân số trong huyện."
    assert top.file_name == f"{NHON_TRACH}.txt"
    assert top.metadata.number == "120/BC-UBND"
    assert top.section_path == ("2. Mục 2",)
    assert top.dense_rank == 0
    assert top.lexical_rank == 0
    assert top.score > 0


def test_without_filters_every_document_can_answer(retriever: HybridRetriever) -> None:
    passages = retriever.search(SHARED, k=10)
    assert len(passages) == 6
    assert doc_ids(passages[:3]) == {TIEU_CAN, BAC_TAN_UYEN, NHON_TRACH}
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    assert len(retriever.search(SHARED, k=2)) == 2


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (RetrievalFilters(doc_ids=(BAC_TAN_UYEN,)), {BAC_TAN_UYEN}),
        (RetrievalFilters(doc_ids=(TIEU_CAN, NHON_TRACH)), {TIEU_CAN, NHON_TRACH}),
        (RetrievalFilters(issuer="ủy ban nhân dân huyện tiểu cần"), {TIEU_CAN}),
        (RetrievalFilters(issuer="Huyện ủy"), {BAC_TAN_UYEN}),
        (RetrievalFilters(doc_types=("Nghị quyết",)), {BAC_TAN_UYEN}),
        (RetrievalFilters(doc_types=("báo cáo",)), {TIEU_CAN, NHON_TRACH}),
        (RetrievalFilters(localities=("nhơn trạch",)), {NHON_TRACH}),
        (RetrievalFilters(year_from=2021), {TIEU_CAN, NHON_TRACH}),
        (RetrievalFilters(year_to=2021), {BAC_TAN_UYEN, NHON_TRACH}),
        (RetrievalFilters(year_from=2021, year_to=2021), {NHON_TRACH}),
        (RetrievalFilters(doc_types=("Báo cáo",), localities=("Tiểu Cần",)), {TIEU_CAN}),
    ],
)
def test_explicit_filters_restrict_results(
    retriever: HybridRetriever, filters: RetrievalFilters, expected: set[str]
) -> None:
    passages = retriever.search("hộ nghèo và đầu tư", k=10, filters=filters)
    assert doc_ids(passages) == expected
    assert len(passages) == 2 * len(expected)


def test_filters_admitting_nothing_give_no_results(retriever: HybridRetriever) -> None:
    assert retriever.search(SHARED, filters=RetrievalFilters(localities=("Cần Thơ",))) == []
    assert retriever.search(SHARED, filters=RetrievalFilters(year_from=2030)) == []


def test_document_number_in_the_question_filters(retriever: HybridRetriever) -> None:
    passages = retriever.search("Báo cáo 120/BC-UBND nói gì về hộ nghèo?", k=10)
    assert doc_ids(passages) == {NHON_TRACH}
    passages = retriever.search("Nghị quyết 09 đề ra gì về hộ nghèo?", k=10)
    assert doc_ids(passages) == {BAC_TAN_UYEN}


def test_explicit_doc_ids_win_over_a_number_in_the_question(retriever: HybridRetriever) -> None:
    passages = retriever.search(
        "Báo cáo 120/BC-UBND nói gì về hộ nghèo?", k=10, filters=RetrievalFilters(doc_ids=(TIEU_CAN,))
    )
    assert doc_ids(passages) == {TIEU_CAN}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Tỷ lệ hộ nghèo ở Tiểu Cần giảm thế nào?", TIEU_CAN),
        ("Tỷ lệ hộ nghèo ở Bắc Tân Uyên giảm thế nào?", BAC_TAN_UYEN),
        ("ty le ho ngheo o nhon trach giam the nao", NHON_TRACH),
    ],
)
def test_locality_in_the_question_boosts_its_document(
    retriever: HybridRetriever, question: str, expected: str
) -> None:
    passages = retriever.search(question, k=6)
    assert passages[0].doc_id == expected
    assert passages[0].text == SHARED
    assert len(doc_ids(passages)) == 3  # a boost, not a filter


def test_locality_boost_is_what_decides(shared_store: DocumentStore, tmp_path: Path) -> None:
    unboosted = HybridRetriever(shared_store, tmp_path / "cache", FusionWeights(locality_boost=0.0))
    boosted = HybridRetriever(shared_store, tmp_path / "cache")
    question = "Tỷ lệ hộ nghèo ở Bắc Tân Uyên giảm thế nào?"
    plain = {p.chunk_id: p.score for p in unboosted.search(question, k=6)}
    for passage in boosted.search(question, k=6):
        factor = 1.5 if passage.doc_id == BAC_TAN_UYEN else 1.0
        assert passage.score == pytest.approx(plain[passage.chunk_id] * factor)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Tỷ lệ hộ nghèo năm 2021 giảm thế nào?", NHON_TRACH),
        ("Tỷ lệ hộ nghèo năm 2022 giảm thế nào?", TIEU_CAN),
        ("Tỷ lệ hộ nghèo nhiệm kỳ 2020–2025 giảm thế nào?", BAC_TAN_UYEN),
    ],
)
def test_year_or_term_in_the_question_boosts_its_document(
    retriever: HybridRetriever, question: str, expected: str
) -> None:
    assert retriever.search(question, k=6)[0].doc_id == expected


def test_results_follow_replace_and_delete(tmp_path: Path, embeddings: SyllableHashEmbeddings) -> None:
    with open_store(tmp_path / "store", embeddings) as store:
        retriever = HybridRetriever(store, tmp_path / "cache")
        question = "Bảo hiểm y tế bao phủ bao nhiêu phần trăm dân số?"
        assert retriever.search(question, k=1)[0].doc_id == NHON_TRACH
        first_generation = store.generation
        assert (tmp_path / "cache" / f"lexical-{first_generation}").is_dir()

        record, _ = DOCUMENTS[0]
        new_text = "Bảo hiểm y tế bao phủ 97% dân số toàn huyện Tiểu Cần."
        store.replace_document(*make_record(TIEU_CAN, record.metadata, [new_text], content_hash="v2"))
        assert store.generation != first_generation
        passages = retriever.search(question, k=10)
        texts = {p.text for p in passages}
        assert new_text in texts
        assert "Tổng thu ngân sách nhà nước trên địa bàn đạt 7.687 tỷ đồng." not in texts
        assert len(passages) == 5
        # The lexical cache follows the generation; the stale one is gone.
        assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [f"lexical-{store.generation}"]

        assert store.delete_document(NHON_TRACH)
        passages = retriever.search(question, k=10)
        assert NHON_TRACH not in doc_ids(passages)
        assert passages[0].text == new_text
        assert all(entry.doc_id != NHON_TRACH for entry in retriever.catalog())
        # Its number no longer names a document, so it filters nothing.
        assert doc_ids(retriever.search("Báo cáo 120/BC-UBND nói gì?", k=10)) == {TIEU_CAN, BAC_TAN_UYEN}

        for doc_id in (TIEU_CAN, BAC_TAN_UYEN):
            store.delete_document(doc_id)
        assert retriever.search(question) == []


def test_a_fresh_retriever_reuses_the_saved_lexical_index(
    shared_store: DocumentStore, tmp_path: Path
) -> None:
    question = "ngân sách nhà nước 7.687 tỷ"
    first = HybridRetriever(shared_store, tmp_path / "cache").search(question, k=6)
    cache = tmp_path / "cache" / f"lexical-{shared_store.generation}"
    stamp = (cache / "meta.json").stat().st_mtime_ns
    second = HybridRetriever(shared_store, tmp_path / "cache").search(question, k=6)
    assert (cache / "meta.json").stat().st_mtime_ns == stamp
    assert [(p.chunk_id, p.score) for p in second] == [(p.chunk_id, p.score) for p in first]
    assert first[0].text == "Tổng thu ngân sách nhà nước trên địa bàn đạt 7.687 tỷ đồng."


def test_section_retriever_returns_langchain_documents(retriever: HybridRetriever) -> None:
    section_retriever = SectionRetriever(hybrid=retriever, k=2)
    documents = section_retriever.invoke("Phát triển khu công nghiệp, thu hút đầu tư")
    assert len(documents) == 2
    assert all(isinstance(d, Document) for d in documents)
    top = documents[0]
    assert top.page_content == "Phát triển khu công nghiệp, thu hút vốn đầu tư nước ngoài."
    assert top.id
    assert top.metadata["doc_id"] == BAC_TAN_UYEN
    assert top.metadata["file_name"] == f"{BAC_TAN_UYEN}.txt"
    assert top.metadata["number"] == "09-NQ/HU"
    assert top.metadata["doc_type"] == "Nghị quyết"
    assert top.metadata["date"] == "2020-08-15"
    assert top.metadata["section_id"] == "2"
    assert top.metadata["section_path"] == "2. Mục 2"
    assert top.metadata["score"] > documents[1].metadata["score"]


def test_section_retriever_applies_its_filters(retriever: HybridRetriever) -> None:
    section_retriever = SectionRetriever(
        hybrid=retriever, k=10, filters=RetrievalFilters(localities=("Tiểu Cần",))
    )
    documents = section_retriever.invoke("Phát triển khu công nghiệp, thu hút đầu tư")
    assert {d.metadata["doc_id"] for d in documents} == {TIEU_CAN}


def test_section_retriever_takes_the_number_of_results_per_call(retriever: HybridRetriever) -> None:
    section_retriever = SectionRetriever(hybrid=retriever, k=2)
    assert len(section_retriever.invoke(SHARED, k=5)) == 5
    assert len(section_retriever.invoke(SHARED)) == 2
