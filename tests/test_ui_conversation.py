"""A conversation in the web UI, in Chromium, and through POST /api/ask: a
follow-up ("营业收入呢？") is read against the previous turn and shown as read
(理解为：…); "这份方案" is the document the conversation is about."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.test_ui_browser import ask, page, shot, ui_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")

PLAN_TITLE = "《青岛市“高端制造业+人工智能”攻势作战方案(2019—2022年)》"


def test_three_turn_conversation_with_a_follow_up_and_this_plan(page):  # noqa: F811
    first = ask(page, "2022年新能源汽车产量要达到多少？")
    expect(first.locator(".pq-answer-text")).to_contain_text("50万辆")
    expect(first.locator(".pq-understood")).to_have_count(0)  # read as asked

    follow_up = ask(page, "营业收入呢？")
    expect(follow_up.locator(".pq-q")).to_contain_text("营业收入呢？")
    expect(follow_up.locator(".pq-understood")).to_have_text("理解为：2022年新能源汽车的营业收入是多少？")
    expect(follow_up.locator(".pq-answer-text")).to_contain_text("500亿元")
    expect(follow_up.locator(".pq-abstain-badge")).to_have_count(0)

    this_plan = ask(page, "这份方案的指挥长是谁？")
    expect(this_plan.locator(".pq-understood")).to_have_text(f"理解为：{PLAN_TITLE}的指挥长是谁？")
    expect(this_plan.locator(".pq-answer-text")).to_contain_text("薛庆国")
    shot(page, "conversation_follow_up")
    assert not page.problems["pageerror"] and not page.problems["outside"]


def test_api_ask_reads_a_follow_up_against_its_history(ui_server):  # noqa: F811
    import httpx

    first = httpx.post(f"{ui_server}/api/ask", json={"question": "2022年新能源汽车产量要达到多少？"}, timeout=60).json()
    assert first["understood_as"] == "" and "50万辆" in first["answer"]
    # The previous turns as texts, or as the answer objects this endpoint returned.
    for history in (["2022年新能源汽车产量要达到多少？"], [first]):
        answer = httpx.post(f"{ui_server}/api/ask", json={"question": "营业收入呢？", "history": history}, timeout=60).json()
        assert answer["question"] == "营业收入呢？"
        assert answer["understood_as"] == "2022年新能源汽车的营业收入是多少？" and "500亿元" in answer["answer"]
    pointed = httpx.post(
        f"{ui_server}/api/ask",
        json={"question": "这份方案的指挥长是谁？", "history": [{"question": "营业收入呢？", "doc_ids": ["qingdao_ai_plan"]}]},
        timeout=60,
    ).json()
    assert pointed["understood_as"] == f"{PLAN_TITLE}的指挥长是谁？" and "薛庆国" in pointed["answer"]
    assert {p["doc_id"] for p in pointed["passages"]} == {"qingdao_ai_plan"}
    # A conversation's first question: 文件里 is the document chosen in the scope.
    scoped = httpx.post(
        f"{ui_server}/api/ask", json={"question": "文件里谁担任攻势指挥长？", "history": [], "doc_ids": ["qingdao_ai_plan"]}, timeout=60
    ).json()
    assert scoped["understood_as"] == f"{PLAN_TITLE}里谁担任攻势指挥长？" and "薛庆国" in scoped["answer"]
    for bad in ("不是列表", [42], [{"question": 1}]):
        refused = httpx.post(f"{ui_server}/api/ask", json={"question": "营业收入呢？", "history": bad}, timeout=60)
        assert refused.status_code == 400 and "history" in refused.json()["error"]
