"""UI rendering: everything from documents is escaped, marks land on the right text, sections resolve."""

from __future__ import annotations

from assistant.answering import AskResponse, Citation, RetrievedPassage
from ingestion.model import DocumentMetadata, DocumentRecord, Section
from ui.chat import ABSTAIN_NOTICE, citation_label, final_messages
from ui.render import (
    escape_markdown,
    highlight_matches,
    highlight_span,
    passage_section_view,
    section_tree_html,
    section_view,
    shorten,
)

TEXT = (
    "1. Công nghiệp\nGiá trị sản xuất đạt 4.215 tỷ đồng. Có <script>x()</script> 3 cụm.\n"
    "1.1. Chi tiết\nNội dung con.\n"
)
SECTIONS = (
    Section("1", None, 1, "1.", "Công nghiệp", ("1. Công nghiệp",), 0, 15, len(TEXT)),
    Section(
        "1.1",
        "1",
        2,
        "1.1.",
        "Chi tiết",
        ("1. Công nghiệp", "1.1. Chi tiết"),
        TEXT.index("1.1."),
        TEXT.index("Nội"),
        len(TEXT),
    ),
)
RECORD = DocumentRecord(
    doc_id="bao-cao",
    file_name="bao-cao.txt",
    content_hash="h",
    file_format="txt",
    encoding="utf-8",
    metadata=DocumentMetadata(doc_type="Báo cáo", number="118/BC-UBND", title="<i>KINH TẾ</i>"),
    sections=SECTIONS,
    text=TEXT,
)


def test_markup_from_documents_is_escaped_everywhere() -> None:
    assert "<script>" not in highlight_span(TEXT, 0, 5)
    assert "&lt;script&gt;" in highlight_matches(TEXT, "cụm")
    assert "<i>" not in section_tree_html(RECORD)
    assert "&lt;i&gt;KINH TẾ&lt;/i&gt;" in section_tree_html(RECORD)
    markdown = escape_markdown("**đậm** <b>x</b> 1. [a](b)")
    assert "<b>" not in markdown
    assert r"\*\*đậm\*\*" in markdown
    assert r"\[a\]\(b\)" in markdown


def test_span_highlight_marks_exactly_the_span() -> None:
    start = TEXT.index("Giá trị")
    end = TEXT.index("đồng.") + len("đồng.")
    html = highlight_span(TEXT, start, end)
    assert '<mark class="vk-support">Giá trị sản xuất đạt 4.215 tỷ đồng.</mark>' in html
    assert html.count("<mark") == 1
    assert "<mark" not in highlight_span(TEXT, 10, 10)


def test_query_words_are_marked_as_the_search_service_marks_them() -> None:
    html = highlight_matches("Giá trị sản xuất của huyện tăng", "Giá trị sản xuất của huyện là bao nhiêu?")
    # Adjacent words share one mark; function words of the question ("của") are not marked.
    assert (
        html == '<mark class="vk-match">Giá trị sản xuất</mark> của <mark class="vk-match">huyện</mark> tăng'
    )
    assert highlight_matches("Sản xuất tăng", "san xuat").count("<mark") == 1
    assert "<mark" not in highlight_matches("Sản xuất tăng", "")


def test_section_view_is_the_own_text_unless_the_span_lies_in_a_subsection() -> None:
    own = section_view(RECORD, "1")
    assert own is not None
    assert own.text.startswith("1. Công nghiệp") and "Nội dung con" not in own.text
    inside_child = (TEXT.index("Nội"), TEXT.index("Nội") + 3)
    whole = section_view(RECORD, "1", must_cover=inside_child)
    assert whole is not None and "Nội dung con" in whole.text
    assert TEXT[whole.offset : whole.offset + len(whole.text)] == whole.text
    assert section_view(RECORD, "9") is None


def test_a_search_hit_opens_the_own_text_unless_its_passage_reaches_past_it() -> None:
    own = passage_section_view(RECORD, "1", "Giá trị sản xuất đạt 4.215 tỷ đồng.")
    assert own is not None and "Nội dung con" not in own.text
    # A passage the own text does not hold (a chunk opened by headings above it reaches outside): the
    # whole section is shown.
    whole = passage_section_view(RECORD, "1", "Có <script>x()</script> 3 cụm.\n1.1. Chi tiết\nNội dung con.")
    assert whole is not None and "Nội dung con" in whole.text
    assert passage_section_view(RECORD, "9", "x") is None


def test_shorten_cuts_at_a_word() -> None:
    assert shorten("một hai ba bốn", 100) == "một hai ba bốn"
    assert shorten("một hai ba bốn", 9) == "một hai…"


def _citation() -> Citation:
    start = TEXT.index("Giá trị")
    end = TEXT.index("đồng.") + len("đồng.")
    return Citation(
        number=1,
        file_name="bao-cao.txt",
        doc_id="bao-cao",
        title="KINH TẾ",
        doc_type="Báo cáo",
        doc_number="118/BC-UBND",
        date="2023-12-05",
        issuer=None,
        section_id="1",
        section_path=["1. Công nghiệp"],
        passage=TEXT[15:end],
        supporting_sentence=TEXT[start:end],
        supporting_start=start,
        supporting_end=end,
    )


def _response(abstained: bool) -> AskResponse:
    passage = RetrievedPassage(
        chunk_id="c", doc_id="bao-cao", file_name="bao-cao.txt", section_id="1", section_path=["1. Công nghiệp"],
        text="Có <script>x()</script> 3 cụm.", score=1.0, start=0, end=10, source_start=0, source_end=10,
    )  # fmt: skip
    return AskResponse(
        question="Giá trị sản xuất?",
        resolved_question="Giá trị sản xuất?",
        answer="Không tìm thấy." if abstained else "Đạt 4.215 tỷ đồng [1].",
        abstained=abstained,
        citations=[] if abstained else [_citation()],
        retrieved=[passage],
    )


def test_an_answer_is_followed_by_its_citation_cards_with_the_sentence_marked() -> None:
    messages = final_messages(_response(abstained=False), {"bao-cao": RECORD}.get)
    assert len(messages) == 2
    card = messages[1]
    # The card names the document as the store knows it (one naming everywhere); without the record, the
    # citation's own fields.
    from ui.render import document_label

    assert card["metadata"]["title"] == escape_markdown(f"[1] {document_label(RECORD)}")
    assert card["metadata"]["log"] == "1. Công nghiệp"
    assert '<mark class="vk-support">' in card["content"]
    assert "&lt;script&gt;" in card["content"] and "<script>" not in card["content"]
    assert citation_label(_citation()) == "[1] Báo cáo số 118/BC-UBND ngày 05/12/2023 · KINH TẾ"


def test_an_abstention_says_so_and_shows_the_closest_sections() -> None:
    messages = final_messages(_response(abstained=True), {"bao-cao": RECORD}.get)
    assert ABSTAIN_NOTICE.split()[0] in messages[0]["content"]
    assert "vk-abstained" in messages[0]["content"]
    assert messages[1]["metadata"]["title"].startswith("Mục gần 1")
    assert "<script>" not in messages[1]["content"]


def test_a_citation_of_a_deleted_document_shows_its_passage() -> None:
    messages = final_messages(_response(abstained=False), lambda _doc_id: None)
    assert '<mark class="vk-support">' in messages[1]["content"]


def test_documents_are_named_by_what_they_are_the_id_only_where_two_names_are_alike() -> None:
    from dataclasses import replace

    from ui.render import document_label
    from ui.tabs.common import document_choices

    unnumbered = replace(
        RECORD,
        doc_id="003_ed75f5db97ecdb44",
        file_name="003_ed75f5db97ecdb44.txt",
        metadata=DocumentMetadata(doc_type="Báo cáo", locality="Tiểu Cần", period="2022", year=2022),
    )
    assert document_label(unnumbered) == "Báo cáo về Tiểu Cần năm 2022"
    twin = replace(unnumbered, doc_id="004_aaaa", file_name="004_aaaa.txt")
    numbered = replace(
        RECORD,
        metadata=DocumentMetadata(
            doc_type="Báo cáo", number="250/BC-UBND", issuers=("ỦY BAN NHÂN DÂN HUYỆN BẮC TÂN UYÊN",)
        ),
    )
    choices = dict(document_choices([unnumbered, twin, numbered]))
    assert choices["Báo cáo số 250/BC-UBND của UBND huyện Bắc Tân Uyên"] == "bao-cao"
    assert choices["Báo cáo về Tiểu Cần năm 2022 (003_ed75f5db97ecdb44)"] == "003_ed75f5db97ecdb44"
    assert "Báo cáo về Tiểu Cần năm 2022 (004_aaaa)" in choices


def test_a_declined_answer_under_a_filter_names_the_filter_an_answer_does_not() -> None:
    from assistant.answering import AskFilters
    from ui.chat import filter_note

    lookup = {"bao-cao": RECORD}.get
    assert filter_note(AskFilters(), lookup) is None
    note = filter_note(
        AskFilters(documents=["bao-cao"], localities=["Hòa An"], year_from=2023, year_to=2023), lookup
    )
    assert note is not None
    assert "văn bản Báo cáo" in note and "địa phương Hòa An" in note and "năm 2023." in note
    declined = final_messages(_response(abstained=True), lookup, note)[0]["content"]
    assert "Bộ lọc đang dùng" in declined and "Hòa An" in declined
    answered = final_messages(_response(abstained=False), lookup, note)[0]["content"]
    assert "Bộ lọc đang dùng" not in answered
