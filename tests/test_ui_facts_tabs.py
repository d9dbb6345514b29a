"""The 企业政策匹配 and 职责与指标 tabs of the web UI.

Service level: `Service.match` and `Service.facts_tables` over a real index of
the plan, and their rendering (escaped, every card and row opening its clause).
Browser level: headless Chromium (Playwright) against the real server, as in
tests/test_ui_browser.py; screenshots go to tests/output/screenshots/.
"""
from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from indexer.errors import InvalidQuestionError
from tests.test_ui_browser import CHROMIUM, CHROMIUM_ARGS, SHOTS, TIMEOUT_MS, serve_app, squash
from ui.web import period_status, render_document_facts, render_facts_tables, render_match

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")

PAYLOAD = '<img src=x onerror="window.__pq_xss=1"><script>window.__pq_xss=2</script>'
ROBOT_FIRM = "我们是一家做工业机器人的中小企业，在即墨"
OPENERS = re.compile(r'data-pq-open="1" data-doc="([^"]*)" data-start="(\d+)" data-end="(\d+)"')


# ---------------------------------------------------------------------------
# Service level
# ---------------------------------------------------------------------------


def test_match_for_a_tyre_maker_lists_the_tyre_clause(ui_service):
    result = ui_service.match("我们是做轮胎的")
    clauses = [m.clause for m in result.measures]
    assert "二（六）2（3）" in clauses
    html = render_match(result, ui_service.facts_tables()["roles"])
    assert "二（六）2（3）" in html and "轮胎成套装备" in html and "相关原因" in html
    assert "文件未明确的事项" in html and "85911159" in html and "王法体" in html
    # Every card and contact opens exactly the text it quotes.
    view = ui_service.view
    for m in result.measures:
        assert view.documents[m.doc_id].text[m.start : m.end] == m.quote
    opened = OPENERS.findall(html)
    assert len(opened) == len(result.measures) + len(result.contacts)
    text = view.documents["qingdao_ai_plan"].text
    for (_, start, end), contact in zip(opened[len(result.measures) :], result.contacts):
        assert contact.phone in text[int(start) : int(end)]
    assert "85911159" in {c.phone for c in result.contacts}


def test_match_groups_by_kind_of_support(ui_service):
    result = ui_service.match(ROBOT_FIRM)
    html = render_match(result, ui_service.facts_tables()["roles"])
    for support, measures in result.groups():
        assert f'data-support="{support}"' in html
        assert html.index(f'data-support="{support}"') < html.index(f'data-clause="{measures[0].clause}"')
    assert 'data-clause="二（六）2（1）"' in html and "识别到的行业" in html and "机器人" in html
    assert "即墨" in html  # not specified: no district policy


@pytest.mark.parametrize("profile", ["", "   ", None])
def test_an_empty_profile_is_refused_in_chinese(ui_service, profile):
    with pytest.raises(InvalidQuestionError, match="企业描述不能为空"):
        ui_service.match(profile)


def test_an_overlong_profile_is_refused_in_chinese(ui_service):
    with pytest.raises(InvalidQuestionError, match="企业描述过长"):
        ui_service.match("轮胎" * 300)


def test_facts_tables_hold_targets_and_responsibilities(ui_service):
    tables = ui_service.facts_tables()
    car = [t for t in tables["targets"] if t["metric"] == "新能源汽车产量"]
    assert car and car[0]["amount"] == "50万辆" and car[0]["year"] == 2022
    assert car[0]["source"]["clause"] == "二（二）1"
    lead = [r for r in tables["roles"] if r["contact"] == "王法体"]
    assert lead and lead[0]["phone"] == "85911159" and lead[0]["name"] == "市工业和信息化局" and lead[0]["role"] == "牵头单位"
    assert {"指挥长", "队长", "牵头单位", "参与单位"} <= {r["role"] for r in tables["roles"]}
    text = ui_service.view.documents["qingdao_ai_plan"].text
    for row in tables["targets"] + tables["roles"]:
        source = row["source"]
        assert text[source["start"] : source["end"]] == source["quote"]


def test_facts_tables_filter_by_substring(ui_service):
    tables = ui_service.facts_tables()
    cars = render_facts_tables(tables, "新能源汽车")
    assert "50万辆" in cars and "二（二）1" in cars and "85911159" not in cars
    assert '<mark class="pq-term">新能源汽车</mark>' in cars
    for query in ("王法体", "联系人"):
        contacts = render_facts_tables(tables, query)
        assert "85911159" in contacts and "50万辆" not in contacts
    everything = render_facts_tables(tables)
    assert "50万辆" in everything and "85911159" in everything and "薛庆国" in everything
    assert "没有符合筛选条件的行" in render_facts_tables(tables, "不存在的词语")
    assert "没有符合筛选条件的行" in render_facts_tables(tables, "新能源汽车 王法体")  # every word must occur


def test_document_facts_say_whether_the_period_has_ended(ui_service):
    documents = ui_service.facts_tables()["documents"]
    ended = render_document_facts(documents, today=date(2026, 11, 27))
    assert "青岛市人民政府" in ended and "2019-08-12" in ended and "2019—2022" in ended
    assert "已于 2022 年底结束" in ended and "pq-period-ended" in ended
    assert "在实施期限内" in render_document_facts(documents, today=date(2021, 3, 1))
    assert period_status(None) == "文件未写明实施期限"


def test_everything_shown_is_escaped(ui_service):
    from qa.match import ContactInfo, MatchedMeasure, MatchResult

    measure = MatchedMeasure(PAYLOAD, PAYLOAD, PAYLOAD, PAYLOAD, PAYLOAD, PAYLOAD, "c1", "d1", 0, 5, 1.0)
    result = MatchResult(PAYLOAD, (measure,), (PAYLOAD,), (ContactInfo(PAYLOAD, PAYLOAD, PAYLOAD, PAYLOAD),), (PAYLOAD,), (PAYLOAD,))
    source = {"doc_id": PAYLOAD, "doc_title": PAYLOAD, "chunk_id": PAYLOAD, "clause": PAYLOAD, "quote": PAYLOAD, "start": 0, "end": 5}
    tables = {
        "documents": [{"doc_id": PAYLOAD, "title": PAYLOAD, "issuer": PAYLOAD, "published": PAYLOAD, "period": PAYLOAD, "period_end": None, "source": source}] * 2,
        "targets": [{"metric": PAYLOAD, "amount": PAYLOAD, "comparison": PAYLOAD, "year": None, "base_year": None, "scope": PAYLOAD, "source": source}],
        "roles": [{"role": PAYLOAD, "name": PAYLOAD, "post": PAYLOAD, "contact": PAYLOAD, "phone": PAYLOAD, "duty": "", "source": source}],
    }
    for html in (
        render_match(result, tables["roles"]),
        render_document_facts(tables["documents"]),
        render_facts_tables(tables),
        render_facts_tables(tables, "<img"),
    ):
        assert "<img" not in html and "<script" not in html, html
        assert "&lt;img" in html


# ---------------------------------------------------------------------------
# Browser
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ui_server(ui_service):
    from ui.web import create_app

    yield from serve_app(create_app(ui_service, admin_password=""))


@pytest.fixture(scope="module")
def page(ui_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.problems = []
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        page.goto(ui_server, wait_until="domcontentloaded")
        page.wait_for_selector("#pq-question textarea")
        yield page
        context.close()
        browser.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_match_tab_lists_measures_and_opens_a_card(page):
    page.get_by_role("tab", name="企业政策匹配").click()
    box = page.locator("#pq-profile textarea")
    assert box.get_attribute("placeholder") == f"例如：{ROBOT_FIRM}"
    page.get_by_role("button", name="轮胎厂", exact=True).click()
    expect(box).to_have_value("我们是一家轮胎厂，生产子午线轮胎")

    box.fill(ROBOT_FIRM)
    page.click("#pq-match")
    card = page.locator("#pq-match-result .pq-measure[data-clause='二（六）2（1）']")
    card.wait_for()
    assert "机器人" in card.locator(".pq-quote").inner_text()
    assert "相关原因" in card.inner_text() and "《青岛市" in card.inner_text()
    assert "二、攻坚计划和任务" in card.locator(".pq-crumb").inner_text()
    assert page.locator("#pq-match-result .pq-group").count() >= 3
    assert "文件未明确的事项" in page.locator("#pq-match-result .pq-unspecified").inner_text()
    assert "85911159" in page.locator("#pq-match-result .pq-contacts").inner_text()

    quote = squash(card.locator(".pq-quote").inner_text())
    card.click()
    page.wait_for_function("([v, q]) => [...document.querySelectorAll(v + ' mark.pq-hit')].map(e => e.innerText).join('').replace(/\\s+/g, '') === q", arg=["#pq-match-viewer", quote])
    head = page.locator("#pq-match-viewer .pq-viewer-head").inner_text()
    assert "二（六）2（1）" in head and "《青岛市" in head
    expect(page.locator("#pq-match-viewer mark.pq-hit").first).to_be_in_viewport()
    shot(page, "match")

    # A contact opens its roster line.
    page.locator("#pq-match-result .pq-contact", has_text="王法体").click()
    page.wait_for_function("v => { const m = document.querySelector(v + ' mark.pq-hit'); return m && m.innerText.includes('85911159'); }", arg="#pq-match-viewer")


def test_an_empty_profile_gets_the_chinese_message(page):
    page.get_by_role("tab", name="企业政策匹配").click()
    page.fill("#pq-profile textarea", "   ")
    page.click("#pq-match")
    error = page.locator("#pq-match-result .pq-error")
    error.wait_for()
    assert "企业描述不能为空" in error.inner_text() and "Traceback" not in error.inner_text()


def test_facts_tab_tables_filter_and_open_clauses(page):
    page.get_by_role("tab", name="职责与指标").click()
    facts = page.locator("#pq-doc-facts")
    expect(facts).to_contain_text("青岛市人民政府")
    assert "2019—2022" in facts.inner_text() and "已于 2022 年底结束" in facts.inner_text()

    search = page.locator("#pq-facts-search input, #pq-facts-search textarea")
    search.fill("新能源汽车")
    page.wait_for_function("() => document.querySelector('#pq-facts-tables .pq-facts-hint')?.innerText.includes('新能源汽车')")
    row = page.locator("#pq-facts-tables tr.pq-fact-row", has_text="50万辆")
    expect(row).to_have_count(1)
    assert "新能源汽车产量" in row.inner_text() and "二（二）1" in row.inner_text()
    assert "85911159" not in page.locator("#pq-facts-tables").inner_text()
    row.click()
    page.wait_for_function("v => { const m = document.querySelector(v + ' mark.pq-hit'); return m && m.innerText.includes('50万辆'); }", arg="#pq-facts-viewer")
    assert "二（二）1" in page.locator("#pq-facts-viewer .pq-viewer-head").inner_text()

    for query in ("联系人", "王法体"):
        search.fill(query)
        page.wait_for_function(f"() => document.querySelector('#pq-facts-tables .pq-facts-hint')?.innerText.includes('{query}')")
        lead = page.locator("#pq-facts-tables tr.pq-fact-row", has_text="王法体")
        expect(lead).to_have_count(1)
        assert "85911159" in lead.inner_text() and "牵头单位" in lead.inner_text()
    lead.click()
    page.wait_for_function("v => { const m = document.querySelector(v + ' mark.pq-hit'); return m && m.innerText.includes('85911159'); }", arg="#pq-facts-viewer")
    search.fill("")
    page.wait_for_function("() => !document.querySelector('#pq-facts-tables .pq-facts-hint')?.innerText.includes('筛选')")
    assert "薛庆国" in page.locator("#pq-facts-tables").inner_text()
    shot(page, "facts")
    assert page.problems == []
