"""Golden tests: header metadata and section paths of the four sample documents in data/samples/."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import pytest

from ingestion.model import ParsedDocument, Section
from ingestion.normalize import normalize
from ingestion.parser import parse_document

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
DOC_000 = "000_2265b64d677103f7.txt"
DOC_002 = "002_8960d5a2a2e1878e.txt"
DOC_003 = "003_ed75f5db97ecdb44.txt"
DOC_004 = "004_b15d4e577a10df04.txt"


@cache
def parsed(name: str) -> ParsedDocument:
    normalized = normalize((SAMPLES / name).read_text(encoding="utf-8"))
    return parse_document(normalized.text, bold_spans=normalized.bold_spans)


def section_containing(doc: ParsedDocument, passage: str) -> Section:
    """The deepest section whose span contains the passage (which must occur exactly once)."""
    offset = doc.text.find(passage)
    assert offset >= 0, f"passage not in the normalised text: {passage!r}"
    assert doc.text.find(passage, offset + 1) < 0, f"passage is not unique: {passage!r}"
    containing = [s for s in doc.sections if s.start <= offset and offset + len(passage) <= s.end]
    assert containing, f"no section contains {passage!r}"
    return max(containing, key=lambda s: s.level)


def test_header_000_draft_political_report() -> None:
    meta = parsed(DOC_000).metadata
    assert meta.issuers == ("ĐẢNG BỘ TỈNH BÌNH DƯƠNG", "HUYỆN ỦY BẮC TÂN UYÊN")
    assert meta.number is None
    assert meta.doc_type == "Báo cáo"
    assert meta.place == "Bắc Tân Uyên"
    assert meta.date is None  # "ngày   tháng   năm 2025": a draft, day and month left blank
    assert meta.year == 2025
    assert meta.locality == "Bắc Tân Uyên"
    assert meta.period == "2020-2025"
    assert meta.title is not None
    assert meta.title.startswith("TIẾP TỤC XÂY DỰNG ĐẢNG BỘ TRONG SẠCH, VỮNG MẠNH;")
    assert meta.title.endswith("THÂN THIỆN VỚI MÔI TRƯỜNG")


def test_header_002_report_of_the_people_committee() -> None:
    meta = parsed(DOC_002).metadata
    assert meta.issuers == ("ỦY BAN NHÂN DÂN HUYỆN BẮC TÂN UYÊN",)
    assert meta.number == "250/BC-UBND"
    assert meta.date == date(2021, 12, 2)
    assert meta.doc_type == "Báo cáo"
    assert meta.title == "KIỂM ĐIỂM CHỈ ĐẠO, ĐIỀU HÀNH CỦA UBND HUYỆN NĂM 2021"
    assert meta.place == "Bắc Tân Uyên"
    assert meta.locality == "Bắc Tân Uyên"
    assert meta.period == "2021"
    assert meta.year == 2021


def test_header_003_missing_header_falls_back_to_the_body() -> None:
    meta = parsed(DOC_003).metadata
    assert meta.issuers == ()
    assert meta.number is None
    assert meta.date is None
    assert meta.locality == "Tiểu Cần"
    assert meta.doc_type == "Báo cáo"
    assert meta.period == "2022"
    assert meta.year == 2022


def test_header_004_party_resolution() -> None:
    meta = parsed(DOC_004).metadata
    assert meta.issuers == ("ĐẢNG BỘ TỈNH ĐỒNG NAI", "HUYỆN ỦY NHƠN TRẠCH")
    assert meta.number == "09-NQ/HU"
    assert meta.date == date(2024, 1, 15)
    assert meta.doc_type == "Nghị quyết"
    assert meta.locality == "Nhơn Trạch"
    assert meta.period == "2024"
    assert meta.year == 2024
    assert meta.title is not None
    assert meta.title.startswith("CỦA BAN CHẤP HÀNH ĐẢNG BỘ HUYỆN KHÓA VI về chỉ tiêu, nhiệm vụ")
    assert meta.title.endswith("đoàn thể năm 2024")


_000_ECONOMY = (
    "Phần thứ nhất",
    "B. ĐÁNH GIÁ VIỆC THỰC HIỆN CÁC NHIỆM VỤ VÀ GIẢI PHÁP",
    "I. VỀ PHÁT TRIỂN KINH TẾ",
    "1. Kết quả đạt được",
)
_002_DIRECTION = (
    "I. KIỂM ĐIỂM VIỆC THỰC HIỆN QUY CHẾ VÀ CHƯƠNG TRÌNH LÀM VIỆC CỦA UBND HUYỆN",
    "5. Về điều hành phát triển kinh tế - xã hội, quốc phòng - an ninh và giải quyết các vấn đề trọng tâm, "
    "phát sinh",
)

GOLDEN_PATHS: list[tuple[str, str, tuple[str, ...]]] = [
    (
        DOC_000,
        "Tổng thu NSNN ước thực hiện giai đoạn 2020-2025 là 10.964 tỷ 145 triệu đồng",
        (*_000_ECONOMY, "1.7. Tài chính, tín dụng", "1.7.1. Về tài chính"),
    ),
    (
        DOC_000,
        "Hiện có 07 chợ, 05 cửa hàng tiện ích và 3.274 cơ sở kinh doanh.",
        (*_000_ECONOMY, "1.3. Thương mại, dịch vụ"),
    ),
    (
        DOC_000,
        "Giá trị sản xuất nông lâm nghiệp ước thực hiện năm 2025 là 3.128 tỷ đồng",
        (
            "Phần thứ nhất",
            "A. KẾT QUẢ THỰC HIỆN CÁC MỤC TIÊU VÀ CHỈ TIÊU CHỦ YẾU",
            "2. Kết quả thực hiện mục tiêu cụ thể",
            "2.1. Chỉ tiêu kinh tế",
        ),
    ),
    (
        DOC_000,
        "Thứ nhất, luôn giữ vững tinh thần đoàn kết nhất trí",
        ("Phần thứ nhất", "D. MỘT SỐ KINH NGHIỆM THỰC TIỄN"),
    ),
    (
        DOC_000,
        "tình hình khu vực và thế giới có nhiều diễn biến phức tạp",
        (
            "Phần thứ nhất",
            "C. ĐÁNH GIÁ TỔNG QUÁT",
            "II. Những hạn chế và nguyên nhân",
            "2. Nguyên nhân hạn chế",
            "2.1. Nguyên nhân khách quan",
        ),
    ),
    (
        DOC_000,
        "Hai là, Khai thác tối đa các nguồn lực",
        (
            "Phần thứ hai",
            "A. MỤC TIÊU CHỦ YẾU",
            "I. MỤC TIÊU TỔNG QUÁT, CHƯƠNG TRÌNH HÀNH ĐỘNG",
            "2. Chương trình hành động",
        ),
    ),
    (
        DOC_000,
        "Tỷ lệ tăng dân số tự nhiên bình quân 0,9%/năm",
        ("Phần thứ hai", "A. MỤC TIÊU CHỦ YẾU", "II. MỤC TIÊU CỤ THỂ", "2. Chỉ tiêu xã hội"),
    ),
    (DOC_000, "huyện Bắc Tân Uyên đã nỗ lực khắc phục khó khăn", ()),  # the preamble
    (
        DOC_002,
        "Giá trị sản xuất ngành công nghiệp ước thực hiện được 4.731 tỷ đồng",
        (*_002_DIRECTION, "5.4 Lĩnh vực thu hút đầu tư phát triển công nghiệp"),
    ),
    (
        DOC_002,
        "đã có 13 cơ quan khởi công xây dựng trụ sở làm việc",
        (
            *_002_DIRECTION,
            "5.7 Lĩnh vực quy hoạch, đô thị, đầu tư phát triển; xây dựng; tài chính ngân sách:",
        ),
    ),
    (
        DOC_002,
        # a paragraph broken by a page break ("kỷ" / "luật"), re-joined by the normaliser
        "nỗ lực tăng cường kỷ luật, kỷ cương, tiếp tục đổi mới phương thức",
        (
            "I. KIỂM ĐIỂM VIỆC THỰC HIỆN QUY CHẾ VÀ CHƯƠNG TRÌNH LÀM VIỆC CỦA UBND HUYỆN",
            "2. Việc thực hiện nhiệm vụ, quyền hạn theo quy định của Hiến pháp, pháp luật và Quy chế làm việc "
            "của UBND huyện",
        ),
    ),
    (
        # numbered directions that are sentences are list items of section III, not headings
        DOC_002,
        "Tiếp tục triển khai thực hiện cơ chế một cửa, một cửa liên thông",
        ("III. PHƯƠNG HƯỚNG CHỈ ĐẠO, ĐIỀU HÀNH NĂM 2022",),
    ),
    (DOC_002, "Ông Mai Hùng Dũng – PCT TT UBND tỉnh;", ("Nơi nhận:",)),
    (
        DOC_003,
        "Tổng vốn đầu tư toàn xã hội 2.413/2.000 tỷ đồng",
        ("PHẦN A: KẾT QUẢ THỰC HIỆN NHIỆM VỤ NĂM 2022", "I- KẾT QUẢ ĐẠT ĐƯỢC", "1. Lĩnh vực kinh tế"),
    ),
    (
        DOC_003,
        "Công tác giải phóng mặt bằng đối với các dự án có thu hồi đất còn chậm.",
        ("PHẦN A: KẾT QUẢ THỰC HIỆN NHIỆM VỤ NĂM 2022", "II- NHỮNG HẠN CHẾ"),
    ),
    (
        # "B." continues "PHẦN A:" as its sibling, although the style differs
        DOC_003,
        "Thu ngân sách Nhà nước 58,5 tỷ đồng.",
        (
            "B. CÁC CHỈ TIÊU, NHIỆM VỤ, GIẢI PHÁP CHỦ YẾU NĂM 2023",
            "I- Các chỉ tiêu chủ yếu",
            "1.1. Chỉ tiêu kinh tế",
        ),
    ),
    (
        # heading plus body on one line: "2. …đời sống: Thực hiện…"
        DOC_003,
        "Thực hiện đồng bộ các giải pháp đổi mới, nâng cao chất lượng giáo dục",
        (
            "B. CÁC CHỈ TIÊU, NHIỆM VỤ, GIẢI PHÁP CHỦ YẾU NĂM 2023",
            "II- MỘT SỐ NHIỆM VỤ VÀ GIẢI PHÁP",
            "2. Nâng cao chất lượng giáo dục - đào tạo và ứng dụng khoa học - công nghệ vào sản xuất, đời sống",
        ),
    ),
    (
        DOC_004,
        "Phân loại rác thải sinh hoạt tại nguồn ở các hộ gia đình đạt 20%",
        ("I. CÁC CHỈ TIÊU CHỦ YẾU:", "2. Về môi trường:"),
    ),
    (
        DOC_004,
        "Tiếp tục thực hiện Quy định số 58-QĐ/TW ngày 08/02/2022",
        (
            "III. CÁC NHIỆM VỤ, GIẢI PHÁP CHỦ YẾU:",
            "4. Công tác xây dựng Đảng, dân vận và xây dựng chính quyền:",
            "4.1 Tạo sự chuyển biến mạnh mẽ, sâu sắc nhận thức về đổi mới phương thức lãnh đạo của Đảng trong điều "
            "kiện mới, triển khai thực hiện đồng bộ cả 5 phương thức lãnh đạo của Đảng.",
        ),
    ),
    (
        DOC_004,
        "Chuẩn bị tốt các điều kiện tổ chức lễ kỷ niệm 30 năm thành lập huyện Nhơn Trạch.",
        (
            "III. CÁC NHIỆM VỤ, GIẢI PHÁP CHỦ YẾU:",
            "2. Chú trọng phát triển toàn diện và đồng bộ các lĩnh vực văn hóa, bảo đảm gắn kết hài hòa, hợp lý "
            "giữa phát triển kinh tế với văn hóa, xã hội; nâng cao chất lượng sống cho người dân; đẩy mạnh phát "
            "triển khoa học công nghệ và thúc đẩy đổi mới sáng tạo:",
            "2.1 Văn hóa:",
        ),
    ),
    (
        DOC_004,
        "1. Nghị quyết này được triển khai, quán triệt đến các chi, đảng bộ cơ sở",
        ("IV. TỔ CHỨC THỰC HIỆN:",),
    ),
    (
        DOC_004,
        "thị mang tính đồng bộ, hiện đại, hạ tầng giao thông kết nối liên vùng",
        ("II. NHỮNG NHIỆM VỤ TRỌNG TÂM:",),
    ),
    (DOC_004, "Đ/c Thiếu tướng Nguyễn Sỹ Quang – UVTVTU,", ("Nơi nhận:",)),
]


@pytest.mark.parametrize(("name", "passage", "path"), GOLDEN_PATHS, ids=lambda v: str(v)[:40])
def test_section_path_of_passage(name: str, passage: str, path: tuple[str, ...]) -> None:
    assert section_containing(parsed(name), passage).path == path


def test_ids_paths_and_spans_are_consistent() -> None:
    for name in (DOC_000, DOC_002, DOC_003, DOC_004):
        doc = parsed(name)
        by_id = {s.id: s for s in doc.sections}
        assert len(by_id) == len(doc.sections)
        for section in doc.sections:
            assert section.start <= section.body_start <= section.end <= len(doc.text)
            if section.parent_id is None:
                assert section.level == 1
                assert section.path == ((section.heading,) if section.id != "0" else ())
            else:
                parent = by_id[section.parent_id]
                assert section.id.startswith(parent.id + ".")
                assert section.level == parent.level + 1
                assert section.path == (*parent.path, section.heading)
                assert parent.start < section.start and section.end <= parent.end
            if section.id != "0":
                assert doc.text[section.start :].startswith(section.heading.rstrip(":"))
        starts = [s.start for s in doc.sections]
        assert starts == sorted(starts)


def test_the_000_economy_section_numbers() -> None:
    doc = parsed(DOC_000)
    finance = next(s for s in doc.sections if s.heading == "1.7.1. Về tài chính")
    assert finance.id == "1.2.1.1.7.1"
    assert finance.number == "1.7.1."
    assert doc.text[finance.body_start :].startswith("Tổng thu NSNN")
