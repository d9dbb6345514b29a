"""Document status in the web UI (issue 25, item 1), driven in headless Chromium
as tests/test_ui_browser.py does: the 文件管理 table's status and date
columns, "还有效吗" answered from metadata, and an uploaded policy whose
有效期至 has passed answered, listed and shown as expired."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.test_doc_status import EXPIRED_POLICY
from tests.test_ui_browser import ask, open_tab, page_over, shot, upload

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")


@pytest.fixture(scope="module")
def status_page(ui_service):
    yield from page_over(ui_service)


def _row_cells(page, title_part: str) -> dict[str, str]:
    headers = page.locator("#pq-doc-table thead th").all_inner_texts()
    row = page.locator("#pq-doc-table tbody tr", has_text=title_part).first
    return dict(zip(headers, row.locator("td").all_inner_texts()))


def test_status_column_and_still_in_force_question(status_page):
    page = status_page
    open_tab(page, "文件管理")
    headers = page.locator("#pq-doc-table thead th").all_inner_texts()
    for column in ("状态", "施行日期", "发文机关", "层级", "地区", "条款数", "加入日期"):
        assert column in headers, column
    plan = _row_cells(page, "攻势作战方案")
    assert plan["状态"].startswith("实施期已结束") and plan["发文机关"] == "青岛市人民政府"
    assert plan["层级"] == "市级" and plan["地区"] == "青岛市" and int(plan["条款数"]) > 50
    assert plan["加入日期"][:2] == "20"

    turn = ask(page, "这个方案还有效吗？")
    answer = turn.locator(".pq-a").first.inner_text() if turn.locator(".pq-a").count() else turn.inner_text()
    assert "实施期已结束" in answer and "2022 年底结束" in answer
    card = turn.locator(".pq-card.pq-cite").first
    expect(card.locator(".pq-status")).to_have_text("实施期已结束（实施期限 2019—2022 年，已于 2022 年底结束）")
    card.click()
    expect(page.locator("#pq-viewer .pq-meta")).to_contain_text("状态：实施期已结束")
    expect(page.locator("#pq-viewer .pq-meta")).to_contain_text("发布日期：2019-08-12")


def test_uploaded_policy_past_its_validity_shows_and_answers_as_expired(status_page, tmp_path):
    page = status_page
    path = tmp_path / "远洋渔业补助办法.txt"
    path.write_text(EXPIRED_POLICY, encoding="utf-8")
    message, ok = upload(page, path)
    assert ok, message
    row = _row_cells(page, "远洋渔业设备更新补助办法")
    assert row["状态"] == "有效期已过（有效期至 2025-12-31）"
    assert row["施行日期"] == "2024-01-01" and row["有效期至"] == "2025-12-31"
    shot(page, "manage_status")

    turn = ask(page, "远洋渔业设备更新补助办法现在还有效吗？")
    text = turn.inner_text()
    assert "有效期至2025-12-31" in text and "有效期已过" in text and "不再有效" in text
    card = turn.locator(".pq-card.pq-cite").first
    expect(card).to_contain_text("有效期至2025年12月31日")
    expect(card.locator(".pq-status")).to_have_text("有效期已过（有效期至 2025-12-31）")
    card.click()
    expect(page.locator("#pq-viewer mark.pq-hit")).to_contain_text("有效期至2025年12月31日")
    expect(page.locator("#pq-viewer .pq-meta")).to_contain_text("状态：有效期已过")
    shot(page, "status_answer")

    open_tab(page, "职责与指标")
    card = page.locator(".pq-docfact", has_text="攻势作战方案").first
    for label in ("成文日期", "发布日期：2019-08-12", "施行日期", "有效期至", "实施期已结束"):
        expect(card).to_contain_text(label)
