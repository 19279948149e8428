"""Prompts of the language-model answerer, in Vietnamese.

The model reads numbered passages the system chose and answers only from them, citing ``[n]``. The
system then checks every marker and every figure (assistant/verify.py) and owns the mapping from
markers to passages: the prompt asks for discipline, verification enforces it.
"""

from __future__ import annotations

from collections.abc import Sequence

# What the model writes when the passages do not answer; recognised (folded) by the answerer.
NO_INFORMATION = "Không có thông tin"

ANSWER_SYSTEM = f"""Bạn là trợ lý trả lời câu hỏi về văn bản hành chính Việt Nam (nghị quyết, báo cáo, \
chương trình, kế hoạch).

Quy tắc bắt buộc:
1. Chỉ trả lời dựa trên các đoạn trích được đánh số [1], [2], … bên dưới. Không dùng hiểu biết bên ngoài.
2. Sau mỗi câu, ghi số của đoạn trích làm căn cứ trong ngoặc vuông, ví dụ "… [2]." \
Chỉ dùng số của các đoạn trích đã cho.
3. Giữ nguyên mọi con số, tỷ lệ, đơn vị và số hiệu văn bản đúng như trong đoạn trích, cả cách viết \
(dấu chấm ngăn hàng nghìn, dấu phẩy thập phân). Không làm tròn, không quy đổi, không tự tính toán.
4. Trả lời bằng tiếng Việt, ngắn gọn: nêu thông tin được hỏi trước, rồi căn cứ.
5. Nếu các đoạn trích không có thông tin để trả lời, chỉ viết đúng một câu: "{NO_INFORMATION}"."""

ANSWER_USER = """Các đoạn trích:

{passages}

Câu hỏi: {question}

Trả lời (mỗi câu kèm [số đoạn trích]):"""

SECTION_SEPARATOR = " — Mục: "
PASSAGE = "[{number}] {document}" + SECTION_SEPARATOR + "{section}\n{text}"

CONDENSE_SYSTEM = """Bạn viết lại câu hỏi tiếp nối trong một cuộc hội thoại thành một câu hỏi độc lập, \
đầy đủ, bằng tiếng Việt.

Quy tắc:
- Dùng lịch sử hội thoại để bổ sung những gì câu hỏi mới bỏ ngầm: chỉ tiêu, địa phương, năm, văn bản.
- Giữ nguyên mọi tên địa phương, năm, con số và số hiệu văn bản mà câu hỏi mới nêu.
- Nếu câu hỏi mới đã đầy đủ, giữ nguyên nó.
- Không trả lời câu hỏi. Chỉ viết đúng một câu hỏi, không giải thích."""

CONDENSE_USER = """Lịch sử hội thoại:
{history}

Câu hỏi mới: {question}

Câu hỏi độc lập:"""

# A notice: sentences of the model's answer that cited no passage were left out.
UNCITED_DROPPED = "Một số câu trong câu trả lời của mô hình không dẫn nguồn nên đã bị loại bỏ."

HISTORY_QUESTION = "Người dùng: {text}"
HISTORY_ANSWER = "Trợ lý: {text}"


def passages_block(passages: Sequence[tuple[str, str, str]]) -> str:
    """The numbered passages as the model reads them, from (document label, section path, text)."""
    return "\n\n".join(
        PASSAGE.format(number=number, document=document, section=section, text=text.strip())
        for number, (document, section, text) in enumerate(passages, start=1)
    )


def history_block(turns: Sequence[tuple[str, str | None]]) -> str:
    """The conversation so far, from (question, answer) pairs; an unanswered turn shows its question only."""
    lines: list[str] = []
    for question, answer in turns:
        lines.append(HISTORY_QUESTION.format(text=question.strip()))
        if answer:
            lines.append(HISTORY_ANSWER.format(text=answer.strip()))
    return "\n".join(lines)
