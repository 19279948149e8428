"""Verification of answers against the passages they cite: markers and numbers must be grounded."""

from __future__ import annotations

from assistant.verify import verify_answer
from prompts import templates

# Real passages of data/samples/000_2265b64d677103f7.txt (section 1.3. Thương mại, dịch vụ) and of
# data/samples/003_ed75f5db97ecdb44.txt (1.1. Chỉ tiêu kinh tế).
TRADE = (
    "Hiện có 07 chợ, 05 cửa hàng tiện ích và 3.274 cơ sở kinh doanh. Tổng mức bán lẻ hàng hoá và doanh thu "
    "dịch vụ ước thực hiện đến năm 2025 là 7.347 tỷ đồng tăng bình quân hằng năm là 14,86%."
)
INVESTMENT = "- Tổng vốn đầu tư toàn xã hội đạt 2.650 tỷ đồng."

GROUNDED = (
    "Tổng mức bán lẻ hàng hoá và doanh thu dịch vụ ước thực hiện đến năm 2025 là 7.347 tỷ đồng tăng bình "
    "quân hằng năm là 14,86% [1]."
)


def test_grounded_answer_is_kept_whole_without_notices() -> None:
    answer = f"{GROUNDED} Tổng vốn đầu tư toàn xã hội đạt 2.650 tỷ đồng [2]."
    verified = verify_answer(answer, [TRADE, INVESTMENT])
    assert verified.text == answer
    assert verified.dropped == ()
    assert verified.notices == []
    assert not verified.empty


def test_sentence_with_an_ungrounded_number_is_dropped_with_a_notice() -> None:
    injected = "Tỷ lệ tăng trưởng đạt 99,99% [1]."
    verified = verify_answer(f"{GROUNDED} {injected}", [TRADE])
    assert verified.text == GROUNDED
    assert len(verified.dropped) == 1 and "99,99%" in verified.dropped[0]
    assert verified.notices == [templates.NO_EVIDENCE_FOR_NUMBER]


def test_number_must_stand_in_the_passage_the_sentence_cites_not_another_one() -> None:
    # 2.650 is in the second passage, but the sentence cites the first.
    verified = verify_answer("Tổng vốn đầu tư toàn xã hội đạt 2.650 tỷ đồng [1].", [TRADE, INVESTMENT])
    assert verified.empty
    assert verified.notices == [templates.NO_EVIDENCE_FOR_NUMBER]


def test_sentence_citing_a_passage_that_does_not_exist_is_dropped() -> None:
    verified = verify_answer(f"{GROUNDED} Hiện có 07 chợ [3].", [TRADE, INVESTMENT])
    assert verified.text == GROUNDED
    assert [s.strip() for s in verified.dropped] == ["Hiện có 07 chợ [3]."]
    assert verified.notices


def test_marker_zero_is_dropped() -> None:
    verified = verify_answer("Hiện có 07 chợ [0].", [TRADE])
    assert verified.empty


def test_sentence_with_a_number_and_no_marker_is_dropped() -> None:
    verified = verify_answer(f"{GROUNDED} Hiện có 3.274 cơ sở kinh doanh.", [TRADE])
    assert verified.text == GROUNDED
    assert verified.notices


def test_same_value_in_another_vietnamese_format_is_grounded() -> None:
    answer = "Tổng mức bán lẻ ước 7347 tỷ đồng [1]. Hiện có 7 chợ và 5 cửa hàng tiện ích [1]."
    verified = verify_answer(answer, [TRADE])
    assert verified.text == answer
    assert verified.notices == []


def test_leading_zero_in_the_answer_is_grounded_by_the_bare_number() -> None:
    verified = verify_answer("Tổng vốn đầu tư toàn xã hội đạt 2650 tỷ đồng [1].", [INVESTMENT])
    assert not verified.empty
    verified = verify_answer("Có 07 cửa hàng [1].", ["Có 7 cửa hàng."])
    assert verified.text == "Có 07 cửa hàng [1]."


def test_a_different_value_is_not_grounded_by_similar_digits() -> None:
    # 73,47 is not 7.347; 14.86 (thousands-style) is not 14,86.
    verified = verify_answer("Tổng mức bán lẻ là 73,47 tỷ đồng [1].", [TRADE])
    assert verified.empty


def test_number_in_the_question_grounds_the_sentence() -> None:
    question = "Năm 2025 tổng mức bán lẻ là bao nhiêu?"
    verified = verify_answer("Năm 2025 là năm cuối nhiệm kỳ [1].", ["Đây là năm cuối nhiệm kỳ."], question)
    assert not verified.empty


def test_line_by_line_answer_drops_only_the_bad_line() -> None:
    answer = (
        "- Tiểu Cần: - Tỷ lệ dân số tham gia bảo hiểm y tế đạt 94,98% [1]\n"
        "- Nhơn Trạch: - Tỷ lệ dân số tham gia bảo hiểm y tế 95 % [2]"
    )
    passages = [
        "- Tỷ lệ dân số tham gia bảo hiểm y tế đạt 94,98%.",
        "- Tỷ lệ dân số tham gia bảo hiểm y tế 94 %.",
    ]
    verified = verify_answer(answer, passages)
    assert "94,98%" in verified.text
    assert "Nhơn Trạch" not in verified.text
    assert len(verified.dropped) == 1
