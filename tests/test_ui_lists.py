"""A list question in the web UI (issue 25, item 3), in headless Chromium as
tests/test_ui_browser.py does: every 攻坚战's target is shown, one line each,
each with its own citation card that opens its clause."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.test_ui_browser import ask, page_over, shot

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")

PARTS = ("新一代信息技术“振芯铸魂”攻坚战", "新能源汽车产业倍增攻坚战", "生物医药产业跨越赶超攻坚战", "高端智能家电创新引领攻坚战",
         "轨道交通装备加速领跑攻坚战", "智能制造装备迭代升级攻坚战", "船舶海工装备高端迈进攻坚战", "传统支柱产业智能提升攻坚战")


@pytest.fixture(scope="module")
def lists_page(ui_service):
    yield from page_over(ui_service)


def test_a_list_question_is_answered_with_every_item(lists_page):
    page = lists_page
    turn = ask(page, "到2022年，每个攻坚战的攻坚目标分别是什么？")
    answer = turn.locator(".pq-answer-text")
    expect(answer).to_contain_text(PARTS[-1])
    lines = [line for line in answer.inner_text().splitlines() if line.strip()]
    assert [line.split("：", 1)[0] for line in lines] == list(PARTS)  # one line per part, in the plan's order
    cards = turn.locator(".pq-card.pq-cite")
    assert cards.count() == len(PARTS)
    assert [cards.nth(i).inner_text() for i in range(len(PARTS))] and all(
        f"二（{n}）1" in cards.nth(i).inner_text() for i, n in enumerate("一二三四五六七八")
    )
    shot(page, "list_answer")
    cards.nth(len(PARTS) - 1).click()
    expect(page.locator("#pq-viewer")).to_contain_text("传统支柱产业智能提升攻坚战")
