"""The smaller UI defects of issue 25 (item 8), in headless Chromium as
tests/test_ui_browser.py drives the app: the feedback box waits for an
answer, the answer shows the time the user waited (not only the server's),
and a refused admin token keeps the chosen file."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.test_ui_browser import ask, open_tab, page_over, upload
from tests.test_ui_service import MARINE_POLICY

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")


@pytest.fixture(scope="module")
def small_page(ui_service):
    yield from page_over(ui_service)


def _seconds(ms: int) -> str:
    """Whole milliseconds as the page shows them: two decimals, half rounded up."""
    hundredths = (ms + 5) // 10
    return f"{hundredths // 100}.{hundredths % 100:02d}"


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
    assert shown == f"用时 {_seconds(waited)} 秒（其中检索与作答 {_seconds(server)} 秒）"
    expect(page.locator("#pq-feedback")).to_be_visible()
    # A second answer keeps the first one's wait (the conversation is re-rendered whole).
    ask(page, "2022年新能源汽车产量要达到多少？")
    first = page.locator("#pq-conversation .pq-turn").first.locator(".pq-timing")
    assert first.get_attribute("data-waited-ms") == str(waited)


def test_a_refused_token_refuses_the_file_and_the_right_one_uploads_it(small_page, tmp_path, ui_workspace):
    """A wrong token is refused where the file is sent (Gradio's upload route
    needs the secret, issue 23), with the reason on screen and nothing kept;
    retyping the password and choosing the file again uploads it."""
    page = small_page
    path = tmp_path / "海洋牧场补助办法.txt"
    path.write_text(MARINE_POLICY, encoding="utf-8")
    open_tab(page, "文件管理")
    page.fill("#pq-admin-password input", "不对的口令")
    page.set_input_files("#pq-upload input[type=file]", str(path))
    expect(page.get_by_text("管理密码不正确").first).to_be_visible()
    assert not (ui_workspace.corpus / path.name).exists()
    status, ok = upload(page, path)
    assert ok and "青岛市海洋牧场示范补助办法" in status, status
    assert (ui_workspace.corpus / path.name).is_file()
