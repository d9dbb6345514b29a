"""The three outcomes of a question as the web UI shows them, in Chromium: an
answer with its citations; "文件提到了X，但没有规定Y" with the related clause
marked as not the answer; and 文件未提及 with the nearest clauses. The
screenshot is the README's."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.test_ui_browser import SHOTS, ask, page, ui_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")


def test_answer_partial_and_not_mentioned_look_different(page):  # noqa: F811
    answered = ask(page, "2022年新能源汽车产量要达到多少？")
    expect(answered.locator(".pq-answer-text")).to_contain_text("50万辆")
    expect(answered.locator(".pq-abstain-badge")).to_have_count(0)
    expect(answered.locator(".pq-section-title")).to_have_text("引用的条款（点击查看原文）")

    partial = ask(page, "全球创投风投大会多久举办一次？")
    expect(partial.locator(".pq-partial-badge")).to_have_text("文件提到，但未规定所问内容")
    expect(partial.locator(".pq-answer-text")).to_contain_text("文件提到了“全球创投风投大会”，但没有规定")
    expect(partial.locator(".pq-section-title")).to_contain_text("相关条款（不是答案")
    expect(partial.locator(".pq-cite").first).to_contain_text("创投风投大会")

    missing = ask(page, "华为公司在青岛的投资额是多少？")
    expect(missing.locator(".pq-abstain-badge")).to_have_text("文件未提及")
    expect(missing.locator(".pq-partial-badge")).to_have_count(0)
    expect(missing.locator(".pq-section-title")).to_contain_text("最接近的条款")
    # The whole conversation in one picture (README): the panel's own scrolling lifted.
    page.evaluate("""() => {
        const panel = document.querySelector('#pq-conversation');
        for (const el of [panel, ...panel.querySelectorAll('*')]) {
            const style = getComputedStyle(el);
            if (['auto', 'scroll'].includes(style.overflowY) || style.maxHeight !== 'none') {
                el.style.maxHeight = 'none'; el.style.overflowY = 'visible';
            }
        }
    }""")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#pq-conversation").screenshot(path=str(SHOTS / "answer_outcomes.png"))
