"""The smaller UI defects of issue 25 (item 8), in headless Chromium as
tests/test_ui_browser.py drives the app: the feedback box waits for an
answer, the answer shows the time the user waited (not only the server's),
and a refused admin token keeps the chosen file."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.test_ui_browser import ADMIN_PASSWORD, ask, open_tab, page_over
from tests.test_ui_service import MARINE_POLICY

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")


@pytest.fixture(scope="module")
def small_page(ui_service):
    yield from page_over(ui_service)


def test_feedback_box_appears_with_the_first_answer_and_timing_is_the_wait(small_page):
    page = small_page
    expect(page.locator("#pq-feedback")).to_be_hidden()
    started = time.monotonic()
    turn = ask(page, "谁担任攻势指挥长？")
    timing = turn.locator(".pq-timing")
    expect(timing).to_have_attribute("data-waited-ms", re.compile(r"^\d+$"))
    elapsed_ms = (time.monotonic() - started) * 1000
    waited, server = int(timing.get_attribute("data-waited-ms")), int(timing.get_attribute("data-server-ms"))
    # What the user waited holds the server's time and no more than the test saw pass.
    assert server <= waited <= elapsed_ms
    shown = timing.inner_text()
    assert shown == f"用时 {waited / 1000:.2f} 秒（其中检索与作答 {server / 1000:.2f} 秒）"
    expect(page.locator("#pq-feedback")).to_be_visible()
    # A second answer keeps the first one's wait (the conversation is re-rendered whole).
    ask(page, "2022年新能源汽车产量要达到多少？")
    first = page.locator("#pq-conversation .pq-turn").first.locator(".pq-timing")
    assert first.get_attribute("data-waited-ms") == str(waited)


def test_a_refused_token_keeps_the_chosen_file(small_page, tmp_path, ui_workspace):
    page = small_page
    path = tmp_path / "海洋牧场补助办法.txt"
    path.write_text(MARINE_POLICY, encoding="utf-8")
    open_tab(page, "文件管理")
    page.fill("#pq-admin-password input", "不对的口令")
    page.set_input_files("#pq-upload input[type=file]", str(path))
    page.wait_for_selector(f"#pq-upload >> text={path.name}")
    page.click("#pq-upload-button")
    expect(page.locator("#pq-manage-status .pq-error")).to_contain_text("管理密码不正确")
    # The file is still chosen: retyping the password is enough.
    expect(page.locator("#pq-upload td").first).to_contain_text(path.stem)
    page.fill("#pq-admin-password input", ADMIN_PASSWORD)
    page.click("#pq-upload-button")
    expect(page.locator("#pq-manage-status .pq-ok")).to_contain_text("青岛市海洋牧场示范补助办法")
    assert (ui_workspace.corpus / path.name).is_file()
