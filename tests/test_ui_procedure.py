"""An application question in the web UI, in Chromium (issue 25, item 2): a
firm uploads a reward policy whose 申报 section gives a platform and a date
range, asks "专精特新奖励怎么申报，什么时候受理？", and gets each part
answered with the clause cited, the 原文 highlighted on a click."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.test_procedure import EXAMPLE, REWARD_FILE, write_reward_docx
from tests.test_ui_browser import ask, page, shot, ui_server, upload  # noqa: F401  (fixtures)

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")


def test_an_application_question_is_answered_part_by_part_in_the_web_ui(page, tmp_path, ui_workspace):  # noqa: F811
    message, ok = upload(page, write_reward_docx(tmp_path / REWARD_FILE))
    assert ok, message

    turn = ask(page, EXAMPLE)
    text = turn.locator(".pq-answer-text")
    expect(text).to_contain_text("（1）专精特新奖励怎么申报")
    expect(text).to_contain_text("登录“青岛政策通”平台")
    expect(text).to_contain_text("（2）")
    expect(text).to_contain_text("每年5月1日至6月30日")
    expect(turn.locator(".pq-abstain-badge")).to_have_count(0)
    expect(turn.locator(".pq-section-title")).to_have_text("引用的条款（点击查看原文）")
    cards = turn.locator(".pq-card.pq-cite")
    expect(cards.first).to_contain_text("青岛市专精特新中小企业奖励实施细则")
    expect(cards.first).to_contain_text("三（一）")

    cards.first.click()
    page.wait_for_function(
        "() => { const m = document.querySelector('#pq-viewer mark.pq-hit'); return m && m.innerText.includes('青岛政策通'); }"
    )
    shot(page, "procedure_answer")

    when = ask(page, "专精特新奖励需要准备哪些材料？")
    expect(when.locator(".pq-answer-text")).to_contain_text("营业执照复印件")
    expect(when.locator(".pq-card.pq-cite").first).to_contain_text("三（二）")
