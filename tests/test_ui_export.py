"""Export, copy and print, and the 原文 panel following a click (issue 25, items 5 and 6).

Files are built from what the real Service returns and read back with openpyxl
and python-docx; in the browser (headless Chromium against the real server, as
in tests/test_ui_browser.py) they are downloaded as a person would, pages are
printed to PDF and read back with pypdfium2. Screenshots go to
tests/output/screenshots/.
"""
from __future__ import annotations

import io
import re

import docx
import openpyxl
import pypdfium2
import pytest
from playwright.sync_api import expect

from tests.test_ui_browser import SHOTS, TIMEOUT_MS, serve_app, squash
from tests.test_ui_render import answer_json, make_view, TEXT
from ui.export import conversation_report, documents_report, facts_report, match_report, save, to_docx, to_xlsx
from ui.render import conversation_text, plain_text

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")

ROBOT_FIRM = "我们是一家做工业机器人的中小企业，在即墨"
QUESTIONS = ("谁担任攻势指挥长？", "2022年新能源汽车产量要达到多少？", "牵头单位的联系人和电话分别是什么？", "我们是做工业机器人的，文件里有什么支持？")


def bare(text: str) -> str:
    """Without spaces and the punctuation a question is normalised in (？ → ?)."""
    return re.sub(r"[\s？?，,。]", "", text)


def xlsx_text(data: bytes) -> dict[str, list[list[str]]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {sheet.title: [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)] for sheet in book}


def docx_text(data: bytes) -> str:
    word = docx.Document(io.BytesIO(data))
    cells = [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in word.paragraphs] + cells)


# ---------------------------------------------------------------------------
# Files, from the Service's own results
# ---------------------------------------------------------------------------


def test_conversation_export_holds_every_turn_citation_and_version(ui_service, tmp_path):
    turns = [ui_service.ask(q, top_k=5) for q in QUESTIONS]
    versioned = {**turns[0], "citations": [{**c, "version": "2024-07-01 施行"} for c in turns[0]["citations"]]}
    report = conversation_report([versioned, *turns[1:]])
    sheets = xlsx_text(to_xlsx(report))
    assert [row[1] for row in sheets["问答"][1:]] == [t["question"] for t in turns]
    assert "50万辆" in sheets["问答"][2][2]
    cited = sheets["引用"][1:]
    assert len(cited) == sum(len(t["citations"]) for t in turns)
    assert any("《青岛市“高端制造业+人工智能”攻势作战方案" in row[2] and "（2024-07-01 施行版）" in row[2] for row in cited)
    first = turns[1]["citations"][0]
    assert any(row[0] == "2" and first["clause"] in row[2] and squash(first["quote"]) == squash(row[4]) for row in cited)
    text = docx_text(to_docx(report))
    for turn in turns:
        assert turn["question"] in text and squash(turn["answer"]) in squash(text)
    assert "（2024-07-01 施行版）" in text
    # A quote that starts with "=" stays text in Excel, never a formula.
    formula = {**turns[0], "answer": "=1+1", "citations": []}
    assert xlsx_text(to_xlsx(conversation_report([formula])))["问答"][1][2] == "=1+1"
    path = save(report, "docx", tmp_path)
    assert path.suffix == ".docx" and path.name.startswith("问答记录-") and path.read_bytes()[:2] == b"PK"


def test_facts_match_and_document_exports_hold_every_row(ui_service):
    tables = ui_service.facts_tables()
    sheets = xlsx_text(to_xlsx(facts_report(tables)))
    assert len(sheets["指标"]) == len(tables["targets"]) + 1 and len(sheets["职责"]) == len(tables["roles"]) + 1
    car = next(row for row in sheets["指标"] if row[0] == "新能源汽车产量")
    assert car[1] == "50万辆" and car[5] == "二（二）1" and "50万辆" in car[7]
    assert any("85911159" in row and "王法体" in row for row in sheets["职责"])

    result = ui_service.match(ROBOT_FIRM)
    report = match_report(result)
    measures = xlsx_text(to_xlsx(report))["匹配的措施"]
    assert len(measures) == len(result.measures) + 1
    assert any(row[3] == "二（六）2（1）" and "机器人" in row[5] for row in measures)
    text = docx_text(to_docx(report))
    assert ROBOT_FIRM in text and "85911159" in text and "相关原因" in text

    sheets = xlsx_text(to_xlsx(documents_report(ui_service.list_documents())))
    assert sheets["文件列表"][0][0] == "标题" and any("攻势作战方案" in row[0] for row in sheets["文件列表"][1:])


def test_copied_text_keeps_version_labels_and_the_whole_conversation():
    view = make_view(TEXT)
    answer = answer_json(view)
    answer["citations"][0]["version"] = "2021-07-29 修订"
    assert "[1] 《测试文件》 条6（2021-07-29 修订版）" in plain_text(answer)
    both = conversation_text([{**answer, "question": "甲？"}, {**answer, "question": "乙？"}])
    assert both.startswith("问1：甲？\n答：") and "\n\n问2：乙？\n答：" in both and both.count("修订版") == 2


# ---------------------------------------------------------------------------
# Browser
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ui_server(ui_service):
    from ui.web import create_app

    yield from serve_app(create_app(ui_service, admin_password=""))


def new_page(browser, url: str, width: int = 1400, height: int = 1000):
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height}, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("#pq-question textarea")
    return page


@pytest.fixture(scope="module")
def page(browser, ui_server):
    page = new_page(browser, ui_server)
    yield page
    page.context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def download(page, button: str, tmp_path) -> bytes:
    """Click an export button: one click downloads the file."""
    with page.expect_download() as info:
        page.click(button)
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    return path.read_bytes()


def pdf_text(pdf: bytes) -> tuple[int, str]:
    document = pypdfium2.PdfDocument(pdf)
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    return len(document), re.sub(r"\s+", "", text)


def ask_all(page) -> None:
    page.get_by_role("tab", name="问答").click()
    for n, question in enumerate(QUESTIONS, start=1):
        page.fill("#pq-question textarea", question)
        page.click("#pq-ask")
        page.wait_for_function("n => document.querySelectorAll('#pq-conversation .pq-turn').length >= n", arg=n)


def test_a_conversation_is_downloaded_copied_and_printed_whole(page, tmp_path):
    ask_all(page)
    turns = page.locator("#pq-conversation .pq-turn")
    answers = [squash(turns.nth(i).locator(".pq-answer-text").inner_text()) for i in range(len(QUESTIONS))]
    card = turns.nth(1).locator(".pq-card.pq-cite").first
    clause, quote = card.locator(".pq-clause").inner_text(), squash(card.locator(".pq-quote").inner_text())

    sheets = xlsx_text(download(page, "#pq-export-conversation-xlsx", tmp_path))
    assert [squash(row[2]) for row in sheets["问答"][1:]] == answers
    assert any(row[0] == "2" and clause in row[2] and "《青岛市" in row[2] and squash(row[4]) == quote for row in sheets["引用"])
    text = squash(docx_text(download(page, "#pq-export-conversation-docx", tmp_path)))
    assert all(answer in text for answer in answers) and quote in text and clause in text
    expect(page.locator("#pq-export-conversation-file")).to_contain_text(".docx")

    page.locator("[data-pq-copy='all']").click()
    page.wait_for_function("() => document.querySelector(\"[data-pq-copy='all']\").dataset.copied === '1'")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert all(f"问{i}：" in copied and bare(q) in bare(copied) for i, q in enumerate(QUESTIONS, start=1))
    assert "[1] 《青岛市" in copied

    # On screen the first turns are scrolled out of the conversation's box; printed, every turn is there.
    assert page.evaluate("() => { const b = document.querySelector('#pq-conversation .pq-conversation').parentElement;"
                         " for (let e = b; e; e = e.parentElement) if (e.scrollHeight > e.clientHeight + 5 &&"
                         " getComputedStyle(e).overflowY !== 'visible') return true; return false; }")
    page.emulate_media(media="print")
    # Printed, no box of the page cuts the conversation off (each box holds its content).
    cut = page.evaluate(
        "() => { const last = [...document.querySelectorAll('#pq-conversation .pq-turn')].pop().getBoundingClientRect();"
        " for (let e = document.querySelector('#pq-conversation'); e; e = e.parentElement) {"
        " const s = getComputedStyle(e); if (s.overflowY === 'visible') continue;"
        " if (last.bottom > e.getBoundingClientRect().bottom + 1) return e.className || e.tagName; } return ''; }"
    )
    page.emulate_media(media="no-override")
    assert cut == ""
    pages, printed = pdf_text(page.pdf(prefer_css_page_size=True))
    assert pages >= 2  # longer than a page: nothing is cut at the first one
    for question, answer in zip(QUESTIONS, answers):
        assert bare(question) in bare(printed) and answer[:30] in printed
    last_quote = squash(turns.last.locator(".pq-card.pq-cite .pq-quote").last.inner_text())
    assert last_quote[:40] in printed
    assert "导出Excel" not in printed and "复制答案与引用" not in printed  # buttons are not printed
    assert page.problems == []


def test_tables_export_and_print_across_the_page(page, tmp_path):
    page.get_by_role("tab", name="职责与指标").click()
    page.wait_for_selector("#pq-facts-tables tr.pq-fact-row")
    rows = page.locator("#pq-facts-tables tr.pq-fact-row").count()
    sheets = xlsx_text(download(page, "#pq-export-facts-xlsx", tmp_path))
    assert len(sheets["指标"]) + len(sheets["职责"]) - 2 == rows
    assert any(row[1] == "50万辆" for row in sheets["指标"]) and any("85911159" in row for row in sheets["职责"])
    assert "50万辆" in docx_text(download(page, "#pq-export-facts-docx", tmp_path))

    page.emulate_media(media="print")
    widths = page.evaluate("() => [document.querySelector('#pq-facts-tables table').getBoundingClientRect().width,"
                           " document.querySelector('.gradio-container').getBoundingClientRect().width]")
    assert widths[0] >= 0.9 * widths[1]  # the table, not a column beside an empty panel
    expect(page.locator("#pq-facts-viewer")).to_be_hidden()
    page.emulate_media(media="no-override")
    pages, printed = pdf_text(page.pdf(prefer_css_page_size=True))
    assert "50万辆" in printed and "85911159" in printed and pages <= 8

    page.get_by_role("tab", name="文件管理").click()
    sheets = xlsx_text(download(page, "#pq-export-documents-xlsx", tmp_path))
    assert any("攻势作战方案" in row[0] for row in sheets["文件列表"][1:])
    assert page.problems == []


def test_match_results_are_exported(page, tmp_path):
    page.get_by_role("tab", name="企业政策匹配").click()
    page.fill("#pq-profile textarea", ROBOT_FIRM)
    page.click("#pq-match")
    card = page.locator("#pq-match-result .pq-measure").first
    card.wait_for()
    quote = squash(card.locator(".pq-quote").inner_text())
    text = docx_text(download(page, "#pq-export-match-docx", tmp_path))
    assert ROBOT_FIRM in text and quote in squash(text)
    measures = xlsx_text(download(page, "#pq-export-match-xlsx", tmp_path))["匹配的措施"]
    assert len(measures) - 1 == page.locator("#pq-match-result .pq-measure").count()
    shot(page, "match-exported")


def test_exporting_before_asking_says_so(browser, ui_server):
    page = new_page(browser, ui_server)
    page.click("#pq-export-conversation-xlsx")
    expect(page.get_by_text("还没有可以导出的问答")).to_be_visible()
    page.context.close()


# ---------------------------------------------------------------------------
# The 原文 panel follows the click (item 6)
# ---------------------------------------------------------------------------

HIT_IN_VIEW = (
    "v => { const m = document.querySelector(v + ' mark.pq-hit'); if (!m) return false;"
    " const r = m.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }"
)


@pytest.mark.parametrize("width", [1400, 760])  # beside the list; below it on a narrow screen
def test_the_panel_is_in_view_after_clicking_the_last_row_or_card(browser, ui_server, width):
    page = new_page(browser, ui_server, width=width, height=900)
    page.get_by_role("tab", name="职责与指标").click()
    last = page.locator("#pq-facts-tables tr.pq-fact-row").last
    last.scroll_into_view_if_needed()
    assert page.evaluate("() => window.scrollY > window.innerHeight")  # below the first screen of a long table
    last.click()
    page.wait_for_function(HIT_IN_VIEW, arg="#pq-facts-viewer")
    expect(page.locator("#pq-facts-viewer .pq-viewer-head")).to_be_in_viewport()
    shot(page, f"panel-follows-row-{width}")

    page.get_by_role("tab", name="企业政策匹配").click()
    page.fill("#pq-profile textarea", ROBOT_FIRM)
    page.click("#pq-match")
    cards = page.locator("#pq-match-result .pq-measure")
    cards.first.wait_for()
    cards.last.scroll_into_view_if_needed()
    cards.last.click()
    page.wait_for_function(HIT_IN_VIEW, arg="#pq-match-viewer")
    shot(page, f"panel-follows-card-{width}")
    assert page.problems == []
    page.context.close()


# ---------------------------------------------------------------------------
# Matching by need, with an uploaded policy (item 4); last: it adds a document
# ---------------------------------------------------------------------------


def test_an_uploaded_reward_is_matched_first_with_conditions_and_contact(page, ui_service, tmp_path):
    from tests.test_match import SENSOR_FIRM, SENSOR_POLICY

    source = tmp_path / "崂山区传感器产业扶持措施.txt"
    source.write_text(SENSOR_POLICY, encoding="utf-8")
    ui_service.add_document(source, source.name)
    page.get_by_role("tab", name="企业政策匹配").click()
    page.fill("#pq-profile textarea", SENSOR_FIRM)
    page.click("#pq-match")
    expect(page.locator("#pq-match-result .pq-match-summary")).to_contain_text("资金与奖励、税收优惠")
    first = page.locator("#pq-match-result .pq-measure").first
    expect(first).to_contain_text("50万元奖励")
    assert "《崂山区支持智能传感器产业发展的若干措施》" in first.inner_text()
    conditions = first.locator(".pq-condition").all_inner_texts()
    assert any("在崂山区注册" in c for c in conditions) and any("年度研发投入超过500万元" in c for c in conditions)
    assert page.locator("#pq-match-result .pq-group").first.get_attribute("data-support") == "资金与奖励"
    contact = page.locator("#pq-match-result .pq-contact", has_text="李明")
    expect(contact).to_contain_text("0532-88990011")
    contact.click()
    page.wait_for_function("v => { const m = document.querySelector(v + ' mark.pq-hit'); return m && m.innerText.includes('0532-88990011'); }", arg="#pq-match-viewer")
    shot(page, "match-by-need")
    measures = xlsx_text(download(page, "#pq-export-match-xlsx", tmp_path))["匹配的措施"]
    assert "50万元奖励" in measures[1][5] and "在崂山区注册" in measures[1][7]
    assert page.problems == []
