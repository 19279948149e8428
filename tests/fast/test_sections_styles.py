"""The section tree on synthetic texts: every numbering style, laws, and documents without numbering."""

from __future__ import annotations

from ingestion.model import ParsedDocument, Section
from ingestion.normalize import normalize
from ingestion.parser import parse_document


def parse(source: str) -> ParsedDocument:
    normalized = normalize(source)
    return parse_document(normalized.text, bold_spans=normalized.bold_spans)


def paths(doc: ParsedDocument) -> list[tuple[str, ...]]:
    return [s.path for s in doc.sections if s.id != "0"]


def section_of(doc: ParsedDocument, passage: str) -> Section:
    offset = doc.text.index(passage)
    return max((s for s in doc.sections if s.start <= offset < s.end), key=lambda s: s.level)


BODY = "Nội dung của mục này được trình bày đầy đủ."


def test_part_letter_roman_decimal_levels_follow_first_appearance() -> None:
    doc = parse(
        f"Phần thứ nhất\nA. KẾT QUẢ\nI. KINH TẾ\n1. Kết quả đạt được\n1.1. Nông nghiệp\n{BODY}\n"
        f"1.1.1. Trồng trọt\n{BODY}\n1.2. Công nghiệp\n{BODY}\n2. Hạn chế\n{BODY}\nII. XÃ HỘI\n{BODY}\n"
        f"B. ĐÁNH GIÁ\n{BODY}\nPhần thứ hai\nA. MỤC TIÊU\n{BODY}\n"
    )
    assert paths(doc) == [
        ("Phần thứ nhất",),
        ("Phần thứ nhất", "A. KẾT QUẢ"),
        ("Phần thứ nhất", "A. KẾT QUẢ", "I. KINH TẾ"),
        ("Phần thứ nhất", "A. KẾT QUẢ", "I. KINH TẾ", "1. Kết quả đạt được"),
        ("Phần thứ nhất", "A. KẾT QUẢ", "I. KINH TẾ", "1. Kết quả đạt được", "1.1. Nông nghiệp"),
        (
            "Phần thứ nhất",
            "A. KẾT QUẢ",
            "I. KINH TẾ",
            "1. Kết quả đạt được",
            "1.1. Nông nghiệp",
            "1.1.1. Trồng trọt",
        ),
        ("Phần thứ nhất", "A. KẾT QUẢ", "I. KINH TẾ", "1. Kết quả đạt được", "1.2. Công nghiệp"),
        ("Phần thứ nhất", "A. KẾT QUẢ", "I. KINH TẾ", "2. Hạn chế"),
        ("Phần thứ nhất", "A. KẾT QUẢ", "II. XÃ HỘI"),
        ("Phần thứ nhất", "B. ĐÁNH GIÁ"),
        ("Phần thứ hai",),
        ("Phần thứ hai", "A. MỤC TIÊU"),
    ]
    assert [s.id for s in doc.sections] == [
        "1",
        "1.1",
        "1.1.1",
        "1.1.1.1",
        "1.1.1.1.1",
        "1.1.1.1.1.1",
        "1.1.1.1.2",
        "1.1.1.2",
        "1.1.2",
        "1.2",
        "2",
        "2.1",
    ]


def test_levels_are_not_a_fixed_table() -> None:
    # Here decimals are the top level and roman numerals sit below them.
    doc = parse(f"1. Kinh tế\nI. Nông nghiệp\n{BODY}\nII. Công nghiệp\n{BODY}\n2. Xã hội\n{BODY}\n")
    assert paths(doc) == [
        ("1. Kinh tế",),
        ("1. Kinh tế", "I. Nông nghiệp"),
        ("1. Kinh tế", "II. Công nghiệp"),
        ("2. Xã hội",),
    ]


def test_part_with_letter_then_letter_headings_and_roman_dash() -> None:
    doc = parse(
        f"PHẦN A: KẾT QUẢ NĂM 2022\nI- KẾT QUẢ ĐẠT ĐƯỢC\n1. Lĩnh vực kinh tế\n- Tăng trưởng 16%.\n"
        f"II- HẠN CHẾ\n{BODY}\nB. NHIỆM VỤ NĂM 2023\nI- Các chỉ tiêu\n1.1. Chỉ tiêu kinh tế\n- Tăng 12%.\n"
    )
    assert paths(doc) == [
        ("PHẦN A: KẾT QUẢ NĂM 2022",),
        ("PHẦN A: KẾT QUẢ NĂM 2022", "I- KẾT QUẢ ĐẠT ĐƯỢC"),
        ("PHẦN A: KẾT QUẢ NĂM 2022", "I- KẾT QUẢ ĐẠT ĐƯỢC", "1. Lĩnh vực kinh tế"),
        ("PHẦN A: KẾT QUẢ NĂM 2022", "II- HẠN CHẾ"),
        ("B. NHIỆM VỤ NĂM 2023",),
        ("B. NHIỆM VỤ NĂM 2023", "I- Các chỉ tiêu"),
        ("B. NHIỆM VỤ NĂM 2023", "I- Các chỉ tiêu", "1.1. Chỉ tiêu kinh tế"),
    ]


def test_decimals_without_final_dot_and_with_a_title_word() -> None:
    doc = parse(
        f"5. Về điều hành phát triển kinh tế\n{BODY}\n5.1 Linh vực nông lâm nghiệp\n{BODY}\n"
        f"5.2 Lĩnh vực văn hóa - xã hội:\n- Công tác an sinh được quan tâm.\n5.10 Lĩnh vực nội chính:\n{BODY}\n"
        f"6. Về công tác phối hợp\n{BODY}\n"
    )
    assert paths(doc) == [
        ("5. Về điều hành phát triển kinh tế",),
        ("5. Về điều hành phát triển kinh tế", "5.1 Linh vực nông lâm nghiệp"),
        ("5. Về điều hành phát triển kinh tế", "5.2 Lĩnh vực văn hóa - xã hội:"),
        ("5. Về điều hành phát triển kinh tế", "5.10 Lĩnh vực nội chính:"),
        ("6. Về công tác phối hợp",),
    ]


def test_heading_with_content_after_a_colon() -> None:
    doc = parse(
        "2. Kết quả thực hiện mục tiêu cụ thể\n"
        "2.1. Chỉ tiêu kinh tế: Giá trị sản xuất năm 2025 là 3.128 tỷ đồng.\n"
        "2.2. Chỉ tiêu về xã hội: Tỷ lệ trường đạt chuẩn là 88%.\n"
    )
    economy = section_of(doc, "3.128 tỷ đồng")
    assert economy.heading == "2.1. Chỉ tiêu kinh tế"
    assert economy.number == "2.1."
    assert doc.text[economy.body_start :].startswith("Giá trị sản xuất năm 2025")
    assert section_of(doc, "88%").path == ("2. Kết quả thực hiện mục tiêu cụ thể", "2.2. Chỉ tiêu về xã hội")


def test_long_numbered_sentences_are_list_items() -> None:
    doc = parse(
        "IV. TỔ CHỨC THỰC HIỆN:\n"
        "1. Nghị quyết này được triển khai, quán triệt đến các chi, đảng bộ cơ sở và đảng viên trong toàn Đảng bộ.\n"
        "2. Các cấp ủy đảng trực thuộc, Ủy ban nhân dân huyện xây dựng kế hoạch thực hiện Nghị quyết này.\n"
        "3. Ban Tuyên giáo có trách nhiệm hướng dẫn việc quán triệt Nghị quyết.\n"
        "Ban Chấp hành Đảng bộ huyện tin tưởng rằng toàn thể cán bộ, đảng viên sẽ thực hiện thắng lợi.\n"
    )
    assert paths(doc) == [("IV. TỔ CHỨC THỰC HIỆN:",)]
    assert section_of(doc, "Ban Tuyên giáo").heading == "IV. TỔ CHỨC THỰC HIỆN:"


def test_a_sentence_heading_among_titled_siblings_is_a_heading() -> None:
    doc = parse(
        "4. Công tác xây dựng Đảng:\n"
        "4.1 Tạo sự chuyển biến mạnh mẽ, sâu sắc nhận thức về đổi mới phương thức lãnh đạo của Đảng.\n"
        "- Thực hiện tốt việc kiểm điểm, đánh giá, xếp loại tổ chức đảng.\n"
        "4.2 Công tác dân vận:\n"
        "- Tiếp tục đổi mới nội dung hoạt động của Mặt trận.\n"
    )
    assert section_of(doc, "kiểm điểm").heading.startswith("4.1 Tạo sự chuyển biến")
    assert section_of(doc, "Mặt trận").heading == "4.2 Công tác dân vận:"


def test_dash_bullets_and_enumerations_inside_bullets_are_never_headings() -> None:
    doc = parse(
        "2. Chương trình hành động\n"
        "- Một là, Phát huy hiệu quả ứng dụng chuyển đổi số.\n"
        "- Hai là, Khai thác tối đa các nguồn lực\n"
        "+ Huy động vốn đầu tư\n"
        "• Nâng cấp hạ tầng\n"
    )
    assert paths(doc) == [("2. Chương trình hành động",)]


def test_ordinal_words_as_headings_and_as_list_items() -> None:
    headings = parse(
        f"D. KINH NGHIỆM\nThứ nhất, về công tác lãnh đạo\n{BODY}\nThứ hai, về công tác cán bộ\n{BODY}\n"
    )
    assert paths(headings) == [
        ("D. KINH NGHIỆM",),
        ("D. KINH NGHIỆM", "Thứ nhất, về công tác lãnh đạo"),
        ("D. KINH NGHIỆM", "Thứ hai, về công tác cán bộ"),
    ]
    items = parse(
        "D. KINH NGHIỆM\n"
        "Thứ nhất, luôn giữ vững tinh thần đoàn kết nhất trí trong toàn Đảng bộ, chính quyền và nhân dân.\n"
        "Thứ hai, phải chú trọng xây dựng, chỉnh đốn Đảng và hệ thống chính trị các cấp trong sạch.\n"
    )
    assert paths(items) == [("D. KINH NGHIỆM",)]


def test_lettered_points_under_numbered_headings() -> None:
    doc = parse(f"1. Về kinh tế\na) Nông nghiệp\n{BODY}\nb) Công nghiệp\n{BODY}\n2. Về xã hội\n{BODY}\n")
    assert paths(doc) == [
        ("1. Về kinh tế",),
        ("1. Về kinh tế", "a) Nông nghiệp"),
        ("1. Về kinh tế", "b) Công nghiệp"),
        ("2. Về xã hội",),
    ]


LAW = """QUỐC HỘI

Luật số: 59/2020/QH14

LUẬT
DOANH NGHIỆP

Chương I
NHỮNG QUY ĐỊNH CHUNG

Điều 1. Phạm vi điều chỉnh
Luật này quy định về việc thành lập, tổ chức quản lý doanh nghiệp.

Điều 2. Đối tượng áp dụng
1. Doanh nghiệp.
2. Cơ quan, tổ chức, cá nhân có liên quan đến việc thành lập doanh nghiệp, gồm:
a) Cơ quan đăng ký kinh doanh;
b) Tổ chức, cá nhân khác.

Chương II
THÀNH LẬP DOANH NGHIỆP

Mục 1
ĐĂNG KÝ DOANH NGHIỆP

Điều 17. Quyền thành lập doanh nghiệp
1. Tổ chức, cá nhân có quyền thành lập doanh nghiệp theo quy định của Luật này.
2. Tổ chức, cá nhân sau đây không có quyền thành lập doanh nghiệp.
"""


def test_law_chapters_sections_articles_clauses_points() -> None:
    doc = parse(LAW)
    assert doc.metadata.doc_type == "Luật"
    assert doc.metadata.title == "DOANH NGHIỆP"
    assert doc.metadata.number == "59/2020/QH14"
    assert paths(doc) == [
        ("Chương I",),
        ("Chương I", "Điều 1. Phạm vi điều chỉnh"),
        ("Chương I", "Điều 2. Đối tượng áp dụng"),
        ("Chương I", "Điều 2. Đối tượng áp dụng", "Khoản 1"),
        ("Chương I", "Điều 2. Đối tượng áp dụng", "Khoản 2"),
        ("Chương I", "Điều 2. Đối tượng áp dụng", "Khoản 2", "Điểm a"),
        ("Chương I", "Điều 2. Đối tượng áp dụng", "Khoản 2", "Điểm b"),
        ("Chương II",),
        ("Chương II", "Mục 1"),
        ("Chương II", "Mục 1", "Điều 17. Quyền thành lập doanh nghiệp"),
        ("Chương II", "Mục 1", "Điều 17. Quyền thành lập doanh nghiệp", "Khoản 1"),
        ("Chương II", "Mục 1", "Điều 17. Quyền thành lập doanh nghiệp", "Khoản 2"),
    ]
    point = section_of(doc, "Cơ quan đăng ký kinh doanh")
    assert point.number == "a)"
    assert doc.text[point.body_start :].startswith("Cơ quan đăng ký kinh doanh;")
    clause = next(
        s for s in doc.sections if s.path[-2:] == ("Điều 17. Quyền thành lập doanh nghiệp", "Khoản 1")
    )
    assert clause.id == "2.1.1.1"
    # The chapter's title line is the first line of its body.
    chapter = doc.sections[1]
    assert doc.text[chapter.body_start : chapter.end].startswith("NHỮNG QUY ĐỊNH CHUNG")


ARTICLE = """Nông dân Tiểu Cần thu hoạch lúa Thu Đông

Những ngày này, trên các cánh đồng của huyện Tiểu Cần, bà con nông dân đang tất bật thu hoạch lúa vụ Thu Đông.

Theo Phòng Nông nghiệp huyện, năng suất bình quân đạt 6,5 tấn/ha, cao hơn cùng kỳ năm trước.

Giá lúa tươi tại ruộng dao động từ 7.000 đến 7.500 đồng/kg, nông dân có lãi khá.
"""


def test_an_article_without_numbering_is_one_section() -> None:
    doc = parse(ARTICLE)
    assert len(doc.sections) == 1
    only = doc.sections[0]
    assert (only.id, only.level, only.path, only.heading) == ("0", 1, (), "")
    assert (only.start, only.end) == (0, len(doc.text))
    assert doc.metadata.locality == "Tiểu Cần"
    assert doc.metadata.number is None


def test_bold_and_markdown_headings_without_numbers() -> None:
    doc = parse(
        "**BÁO CÁO**\n\n"
        "Tình hình thực hiện nhiệm vụ trong năm qua có nhiều chuyển biến tích cực, được nhân dân đồng tình ủng hộ.\n\n"
        f"**Những kết quả đạt được**\n\n{BODY}\n\n## Những hạn chế\n\n{BODY}\n\n"
        f"- **Trên lĩnh vực kinh tế:** tăng trưởng chậm.\n"
    )
    assert paths(doc) == [("Những kết quả đạt được",), ("Những hạn chế",)]
    assert doc.sections[0].id == "0"


def test_closing_block_and_signature_are_not_nested() -> None:
    doc = parse(
        f"I. NHIỆM VỤ\n1. Về kinh tế\n{BODY}\n"
        "Nơi nhận:\n- UBND tỉnh;\n- Lưu: VT.\n\n**TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH**\n\nNguyễn Văn A\n"
    )
    assert paths(doc) == [("I. NHIỆM VỤ",), ("I. NHIỆM VỤ", "1. Về kinh tế"), ("Nơi nhận:",)]
    assert section_of(doc, "Nguyễn Văn A").heading == "Nơi nhận:"


def test_numbers_that_start_a_line_are_not_headings() -> None:
    doc = parse(
        "1. Kết quả\n"
        "10/10 xã đạt chuẩn nông thôn mới.\n"
        "3.274 cơ sở kinh doanh đang hoạt động.\n"
        "2020 - 2025 là giai đoạn quan trọng.\n"
    )
    assert paths(doc) == [("1. Kết quả",)]


def test_page_numbers_come_from_page_of() -> None:
    source = f"I. KINH TẾ\n{BODY}\nII. XÃ HỘI\n{BODY}\n"
    text = normalize(source).text
    second = text.index("II. XÃ HỘI")
    doc = parse_document(text, page_of=lambda offset: 1 if offset < second else 2)
    assert [s.page for s in doc.sections] == [1, 2]
    assert all(s.page is None for s in parse_document(text).sections)
