"""Vietnamese words that frame a question rather than name what it asks about, written once.

Folded (:func:`~ingestion.textnorm.fold`), as the answerer and the search compare words. Two sets, one
inside the other: the question words and particles, which no search result marks, and the stopwords
the extractive answerer leaves out when it matches a question's terms (those particles, plus the words
of places, document kinds and asking that every question about these documents shares).
"""

from __future__ import annotations

from ingestion.textnorm import fold

QUESTION_PARTICLES = frozenset(
    fold(w)
    for w in (
        "bao", "nhiêu", "gì", "nào", "là", "của", "và", "các", "những", "có", "được", "thì", "sao",
        "không", "như", "thế", "ở", "đâu", "khi", "về", "trong", "cho", "với", "đã", "này",
    )
)  # fmt: skip

STOPWORDS = QUESTION_PARTICLES | frozenset(
    fold(w)
    for w in (
        "mấy", "ai", "đang", "sẽ", "theo", "tại", "từ", "đến", "năm", "huyện", "tỉnh", "xã", "thị", "trấn",
        "thành", "phố", "hiện", "nay", "hay", "hoặc", "đó", "mục", "phần", "văn", "bản", "nêu", "trình",
        "bày", "yêu", "cầu", "đặt", "ra", "bước", "số", "lượng", "tổng", "cộng", "gồm", "một", "hãy", "biết",
        "so", "nghị", "quyết", "báo", "cáo", "kế", "hoạch", "chương", "sánh", "mà", "mức", "tới", "khác",
        "nhau", "hơn", "kém",
    )
)  # fmt: skip
