"""The UI in a real browser: ask with streamed answers and citations, search, upload, escaping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.integration

TIMEOUT = 60_000
# Counts the distinct lengths the last answer bubble goes through while it streams.
WATCH_STREAMING = """
() => {
  window.__answerLengths = new Set();
  const chat = document.querySelector('#vk-chat');
  new MutationObserver(() => {
    const bubbles = chat.querySelectorAll('.bot .message-content, .bot');
    const last = bubbles[bubbles.length - 1];
    if (last) window.__answerLengths.add(last.innerText.length);
  }).observe(chat, {subtree: true, childList: true, characterData: true});
}
"""


def _ask(page: Any, question: str) -> None:
    page.locator("#vk-question textarea").fill(question)
    page.locator("#vk-send").click()


def _open_tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_ask_streams_answer_with_citations_and_highlighted_sentence(page: Any) -> None:
    page.evaluate(WATCH_STREAMING)
    _ask(page, "Giá trị sản xuất công nghiệp của huyện Hòa An năm 2023 là bao nhiêu?")

    card = page.locator("#vk-chat .thought-group .title").first
    card.wait_for(state="visible", timeout=TIMEOUT)
    chat = page.locator("#vk-chat")
    assert "4.215 tỷ đồng" in chat.inner_text()
    assert page.evaluate("window.__answerLengths.size") > 2, "the answer did not arrive in pieces"
    # The card names the document (number, date) and the section.
    card_text = card.inner_text()
    assert "118/BC-UBND" in card_text
    assert "05/12/2023" in card_text
    assert "Công nghiệp" in card_text

    card.click()
    supporting = page.locator("#vk-chat mark.vk-support").first
    supporting.wait_for(state="visible", timeout=TIMEOUT)
    assert "4.215 tỷ đồng" in supporting.inner_text()
    # The whole section is shown around the sentence.
    assert "3 cụm công nghiệp" in chat.inner_text()


def test_abstains_with_a_notice_and_the_closest_sections(page: Any) -> None:
    _ask(page, "Số lượng tàu vũ trụ được phóng trong năm 2023 là bao nhiêu?")
    notice = page.locator("#vk-chat .vk-abstained")
    notice.wait_for(state="visible", timeout=TIMEOUT)
    assert "không đưa ra câu trả lời" in notice.inner_text()
    assert page.locator("#vk-chat .thought-group").count() >= 1


def test_search_shows_section_cards_with_marked_matches(page: Any) -> None:
    _open_tab(page, "Tra cứu")
    page.locator("#vk-search-query textarea").fill("thu ngân sách")
    page.locator("#vk-search").click()
    first = page.locator("#vk-search-results details.vk-result").first
    first.wait_for(state="visible", timeout=TIMEOUT)
    assert "Thu ngân sách" in first.inner_text()
    assert first.locator("mark.vk-match").count() >= 2

    first.locator("summary").click()
    section = first.locator(".vk-section-text")
    section.wait_for(state="visible", timeout=TIMEOUT)
    assert "104,5% dự toán" in section.inner_text()


def test_upload_lists_the_document_and_shows_its_script_as_text(page: Any, tmp_path: Path) -> None:
    upload = tmp_path / "thong-bao-99.txt"
    upload.write_text(
        "ỦY BAN NHÂN DÂN HUYỆN HÒA AN\n\nSố: 99/TB-UBND\n\nTHÔNG BÁO\nvề lịch tiếp công dân\n\n"
        "1. Lịch tiếp\nLịch tiếp công dân <script>window.__injected = true</script> vào thứ Năm hằng tuần "
        "<b>tại trụ sở</b>.\n",
        encoding="utf-8",
    )
    _open_tab(page, "Văn bản")
    page.locator("#vk-upload input[type=file]").set_input_files(str(upload))
    page.locator("#vk-upload-button").click()
    result = page.locator("#vk-upload-results")
    expect(result).to_contain_text("đã nạp", timeout=TIMEOUT)
    expect(result).to_contain_text("thong-bao-99")

    table = page.locator("#vk-documents")
    expect(table).to_contain_text("99/TB-UBND", timeout=TIMEOUT)

    # The section tree of the new document: its text shows the markup as text, and nothing ran.
    table.get_by_text("99/TB-UBND", exact=True).filter(visible=True).first.click()
    tree = page.locator("#vk-tree")
    tree.locator("summary", has_text="Lịch tiếp").click()
    body = tree.locator(".vk-section-text", has_text="Lịch tiếp công dân").filter(visible=True).first
    body.wait_for(state="visible", timeout=TIMEOUT)
    assert "<script>window.__injected = true</script>" in body.inner_text()
    assert "<b>tại trụ sở</b>" in body.inner_text()
    assert tree.locator("script").count() == 0
    assert tree.locator("b").count() == 0
    assert page.evaluate("window.__injected === undefined")

    # And in the chat: the cited section shows the markup as text too.
    _open_tab(page, "Hỏi đáp")
    _ask(page, "Lịch tiếp công dân của huyện Hòa An vào ngày nào?")
    card = page.locator("#vk-chat .thought-group .title").first
    card.wait_for(state="visible", timeout=TIMEOUT)
    card.click()
    page.locator("#vk-chat").get_by_text("window.__injected", exact=False).first.wait_for(timeout=TIMEOUT)
    assert "<script>" in page.locator("#vk-chat").inner_text()
    assert page.locator("#vk-chat script").count() == 0
    assert page.evaluate("window.__injected === undefined")


def _new_conversation(page: Any) -> None:
    page.locator("#vk-new-conversation").click()
    expect(page.locator("#vk-chat .thought-group")).to_have_count(0, timeout=TIMEOUT)


def test_every_example_question_on_the_first_screen_is_answered(page: Any) -> None:
    buttons = page.locator("#vk-examples button.vk-example:visible")
    expect(buttons.first).to_be_visible(timeout=TIMEOUT)
    examples = [buttons.nth(i).inner_text() for i in range(buttons.count())]
    assert examples
    for example in examples:
        _new_conversation(page)
        page.get_by_role("button", name=example).click()
        expect(page.locator("#vk-question textarea")).to_have_value(example, timeout=TIMEOUT)
        page.locator("#vk-send").click()
        page.locator("#vk-chat .thought-group .title").first.wait_for(state="visible", timeout=TIMEOUT)
        assert page.locator("#vk-chat .vk-abstained").count() == 0, example


def test_a_new_conversation_clears_the_memory_a_follow_up_would_use(page: Any) -> None:
    _ask(page, "Giá trị sản xuất công nghiệp của huyện Hòa An năm 2023 là bao nhiêu?")
    page.locator("#vk-chat .thought-group .title").first.wait_for(state="visible", timeout=TIMEOUT)
    _new_conversation(page)
    # With the first question remembered this follow-up would be about industry in 2022; it is not.
    _ask(page, "Còn năm 2022 thì bao nhiêu?")
    page.locator("#vk-chat .vk-abstained").wait_for(state="visible", timeout=TIMEOUT)
    assert "4.215" not in page.locator("#vk-chat").inner_text()


def test_the_page_says_it_is_vietnamese_and_shows_no_english_settings_footer(page: Any) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "vi", timeout=TIMEOUT)
    assert page.get_by_text("Settings", exact=True).count() == 0
    assert page.locator("footer").get_by_text("Gradio").count() == 0


def test_copy_puts_clean_text_and_a_plain_source_line_on_the_clipboard(page: Any, server_url: str) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server_url)
    _ask(page, "Giá trị sản xuất công nghiệp của huyện Hòa An năm 2023 là bao nhiêu?")
    page.locator("#vk-chat .thought-group .title").first.wait_for(state="visible", timeout=TIMEOUT)
    page.locator("#vk-copy").click()
    page.wait_for_function("async () => (await navigator.clipboard.readText()).length > 0", timeout=TIMEOUT)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "4.215 tỷ đồng" in copied and "[1]" in copied
    assert "<" not in copied and "\\" not in copied  # no markup, no Markdown escapes
    source = copied.splitlines()[-1]
    assert source.startswith("[1] Báo cáo") and "118/BC-UBND" in source and "Công nghiệp" in source


# WCAG contrast of an element's text against the first opaque background behind it.
CONTRAST = """
(el, pseudo) => {
  const channels = (c) => c.match(/[\\d.]+/g).map(Number);
  const luminance = (c) => {
    const [r, g, b] = channels(c).slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  let node = el, background = 'rgb(255, 255, 255)';
  while (node) {
    const c = getComputedStyle(node).backgroundColor;
    const v = channels(c);
    if (v.length < 4 || v[3] > 0.5) { background = c; break; }
    node = node.parentElement;
  }
  const [a, b] = [luminance(getComputedStyle(el, pseudo || null).color), luminance(background)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_highlight_and_section_path_meet_wcag_aa_contrast(page: Any, server_url: str, theme: str) -> None:
    page.goto(f"{server_url}/?__theme={theme}")
    page.locator("#vk-question textarea").wait_for(state="visible", timeout=TIMEOUT)
    _ask(page, "Giá trị sản xuất công nghiệp của huyện Hòa An năm 2023 là bao nhiêu?")
    card = page.locator("#vk-chat .thought-group").first
    card.locator(".title").wait_for(state="visible", timeout=TIMEOUT)
    card.locator(".title").click()
    mark = page.locator("#vk-chat mark.vk-support").first
    mark.wait_for(state="visible", timeout=TIMEOUT)
    path = card.locator('[class*="duration"]').first
    assert "Công nghiệp" in path.inner_text()
    assert mark.evaluate(CONTRAST) >= 4.5
    assert path.evaluate(CONTRAST) >= 4.5
    assert page.locator("#vk-question textarea").evaluate(CONTRAST, "::placeholder") >= 4.5


def test_the_conversation_survives_a_reload_and_its_follow_ups_still_resolve(
    page: Any, server_url: str
) -> None:
    _ask(page, "Giá trị sản xuất công nghiệp của huyện Hòa An năm 2023 là bao nhiêu?")
    page.locator("#vk-chat .thought-group .title").first.wait_for(state="visible", timeout=TIMEOUT)
    page.reload()
    page.locator("#vk-question textarea").wait_for(state="visible", timeout=TIMEOUT)
    expect(page.locator("#vk-chat")).to_contain_text("4.215 tỷ đồng", timeout=TIMEOUT)
    # The memory came back too: the follow-up is about industry (the year asked is not reported, so the
    # answer says so and shows the year that is).
    _ask(page, "Còn năm 2022 thì bao nhiêu?")
    expect(page.locator("#vk-chat")).to_contain_text("Không có số liệu năm 2022", timeout=TIMEOUT)
    _new_conversation(page)
    page.reload()
    page.locator("#vk-question textarea").wait_for(state="visible", timeout=TIMEOUT)
    page.wait_for_timeout(1000)
    assert "4.215" not in page.locator("#vk-chat").inner_text()


def test_the_conversation_downloads_as_markdown_with_its_sources(page: Any) -> None:
    _ask(page, "Giá trị sản xuất công nghiệp của huyện Hòa An năm 2023 là bao nhiêu?")
    page.locator("#vk-chat .thought-group .title").first.wait_for(state="visible", timeout=TIMEOUT)
    export = page.locator("#vk-export")
    expect(export).to_be_enabled(timeout=TIMEOUT)
    with page.expect_download(timeout=TIMEOUT) as download:
        export.click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# Hội thoại Văn Kiện QA")
    assert "## 1. Giá trị sản xuất công nghiệp của huyện Hòa An năm 2023 là bao nhiêu?" in text
    assert "4.215 tỷ đồng" in text
    assert "- [1] Báo cáo số 118/BC-UBND" in text


def test_on_a_phone_the_question_box_and_send_button_are_on_the_first_screen(page: Any) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    send = page.locator("#vk-send")
    send.wait_for(state="visible", timeout=TIMEOUT)
    box, button = page.locator("#vk-question textarea").bounding_box(), send.bounding_box()
    assert box is not None and button is not None
    assert button["y"] + button["height"] <= 844, "the send button is below the fold"
    assert box["y"] + box["height"] <= 844
    assert button["x"] + button["width"] <= 390
    # The question box is named for screen readers (not "Textbox").
    assert page.get_by_role("textbox", name="Câu hỏi").count() == 1
    page.set_viewport_size({"width": 1400, "height": 1000})
