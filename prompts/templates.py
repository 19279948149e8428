"""User-facing answer templates, in Vietnamese. Every sentence the assistant writes itself lives here."""

from __future__ import annotations

ABSTAIN = "Không tìm thấy thông tin này trong các văn bản đã nạp."
ABSTAIN_CLOSEST = "Các mục gần nhất tìm được:"
NO_DOCUMENTS = "Kho chưa có văn bản nào. Hãy nạp văn bản trước khi đặt câu hỏi."
SECTION_LOCATION = "Nội dung này được trình bày tại mục “{heading}” của {document}"
COMPARISON_SIDE = "- {label}: {sentence}"
SIDE_MISSING = "không tìm thấy số liệu trong các văn bản đã nạp."
# The documents hold the figure for another period only: said first, then the figure found, marked as such.
OTHER_PERIOD = "Không có số liệu {asked} trong các văn bản đã nạp; số liệu tìm được là của {found}:"
OTHER_PERIODS_ALSO = "Số liệu của chỉ tiêu này cho các kỳ khác trong văn bản:"
OTHER_PERIOD_UNNAMED = "Không có số liệu {asked} trong các văn bản đã nạp; số liệu gần nhất tìm được:"
# A figure the system computed from two cited figures: shown as computed, with the operation written out.
COMPUTED = "Số liệu tính toán (văn bản không nêu trực tiếp): {statement} {markers}."
COMPUTED_DIFFERENCE = "{high} cao hơn {low}: {left} − {right} = {result}"
COMPUTED_RATIO = "{high} so với {low}: {left} : {right} ≈ {result} lần"
COMPUTED_SHARE = "{first} so với {second}: {left} : {right} ≈ {result}%"
PERCENTAGE_POINTS = "điểm phần trăm"
SIGNED_BY = "{name} ({title})"
NO_EVIDENCE_FOR_NUMBER = "Một số con số trong câu trả lời không có trong đoạn trích dẫn nên đã bị loại bỏ."
LLM_REPLACED = "Câu trả lời của mô hình ngôn ngữ không kiểm chứng được với văn bản, nên hệ thống trả lời bằng trích dẫn trực tiếp."
LLM_UNAVAILABLE = "Không kết nối được mô hình ngôn ngữ; hệ thống trả lời bằng trích dẫn trực tiếp."


def document_label(doc_type: str | None, number: str | None, date_text: str | None, title: str | None) -> str:
    """ "Báo cáo số 250/BC-UBND ngày 02/12/2021": how a document is named in an answer."""
    parts = [doc_type or "văn bản"]
    if number:
        parts.append(f"số {number}")
    if date_text:
        parts.append(f"ngày {date_text}")
    elif title:
        parts.append(f"“{title}”")
    return " ".join(parts)
