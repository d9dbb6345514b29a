"""The web UI driven as a person would: headless Chromium (Playwright, sync API)
against the real server (FastAPI + Gradio, uvicorn in a background thread),
the real model and a real index of a copy of the corpus.

Screenshots of the main screens go to tests/output/screenshots/.
"""
from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.test_ui_service import MARINE_POLICY

# Gradio's queue builds its local statistics with pandas calls pandas 3 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")

REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "tests" / "output" / "screenshots"
ADMIN_PASSWORD = "测试口令-42"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 30_000
CJK = re.compile(r"[\u4e00-\u9fff]")


# A document whose text is an HTML/JS/template payload: it must render as text.
PAYLOAD_POLICY = """<img src=x onerror="window.__pq_xss=1">注入测试文件${7*7}{{value}}

一、注入测试条款
本条款包含<script>window.__pq_xss=2</script>和<img src=y onerror="window.__pq_xss=3">以及${value}，珊瑚礁修复项目由市海洋发展局负责。

二、第二条
珊瑚礁修复项目的联系电话为85900002。
"""


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_app(app):
    """Run `app` with uvicorn on a free local port in a thread; yields its base URL."""
    from probes.reliability_http import serve_in_thread

    with serve_in_thread(app) as base:
        yield base


def page_over(service):
    """A fresh Chromium page on the real app over `service` (its own server), for a module's fixture."""
    from playwright.sync_api import sync_playwright

    from ui.web import create_app

    for base in serve_app(create_app(service, admin_password=ADMIN_PASSWORD)):
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(base, wait_until="domcontentloaded")
            page.wait_for_selector("#pq-question textarea")
            yield page
            browser.close()


@pytest.fixture(scope="module")
def ui_server(ui_service):
    """The real app (UI + /api/ask over one Service) on a free local port."""
    from ui.web import create_app

    yield from serve_app(create_app(ui_service, admin_password=ADMIN_PASSWORD))


@pytest.fixture(scope="module")
def page(browser, ui_server):
    """One page for the whole module, as one person working through the UI."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=ui_server)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.problems = {"pageerror": [], "dialog": [], "outside": []}
    page.on("pageerror", lambda error: page.problems["pageerror"].append(str(error)))

    def on_dialog(dialog):
        page.problems["dialog"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)

    def only_local(route):
        url = route.request.url
        if url.startswith(ui_server) or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            page.problems["outside"].append(url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(ui_server, wait_until="domcontentloaded")
    page.wait_for_selector("#pq-question textarea")
    yield page
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def ask(page, question: str):
    """Ask through the box and return the new conversation turn."""
    open_tab(page, "问答")
    turns = page.locator("#pq-conversation .pq-turn")
    before = turns.count()
    page.fill("#pq-question textarea", question)
    page.click("#pq-ask")
    page.wait_for_function("n => document.querySelectorAll('#pq-conversation .pq-turn').length > n", arg=before)
    turn = turns.nth(before)
    # The panel scrolls so that the new turn's question is in sight.
    expect(turn.locator(".pq-q")).to_be_in_viewport()
    return turn


def upload(page, path: Path, password: str = ADMIN_PASSWORD):
    """Upload a file in 文件管理 and return the status element's text and kind."""
    open_tab(page, "文件管理")
    page.fill("#pq-admin-password input", password)
    seen = page.evaluate("() => document.querySelector('#pq-manage-status [data-op]')?.dataset.op || ''")
    if not page.locator("#pq-upload input[type=file]").count():
        # A file still chosen (a refused password keeps it): clear it, as a person would.
        page.locator("#pq-upload").get_by_role("button", name=re.compile("清除|Clear")).first.click()
    page.set_input_files("#pq-upload input[type=file]", str(path))
    page.wait_for_selector(f"#pq-upload >> text={path.name}")
    page.click("#pq-upload-button")
    page.wait_for_function(
        "seen => { const m = document.querySelector('#pq-manage-status [data-op]'); return m && m.dataset.op !== seen; }",
        arg=seen,
    )
    status = page.locator("#pq-manage-status [data-op]")
    return status.inner_text(), "pq-ok" in (status.get_attribute("class") or "")


def choose_filter(page, title: str) -> None:
    """Restrict the next question to the document whose label contains `title`."""
    open_tab(page, "问答")
    page.click("#pq-doc-filter input")
    page.get_by_role("option", name=re.compile(re.escape(title))).first.click()
    page.keyboard.press("Escape")


def clear_filter(page) -> None:
    page.locator("#pq-doc-filter .remove-all").click()
    page.wait_for_function("() => !document.querySelector('#pq-doc-filter .token')")


# ---------------------------------------------------------------------------
# 问答
# ---------------------------------------------------------------------------


def test_page_is_chinese_and_examples_fill_the_box(page):
    assert "PolicyQA 政策文件问答" in page.title()
    for tab in ("问答", "文件浏览", "文件管理"):
        assert page.get_by_role("tab", name=tab).count() == 1
    page.get_by_role("button", name="谁担任攻势指挥长？").click()
    page.wait_for_function("() => document.querySelector('#pq-question textarea').value === '谁担任攻势指挥长？'")


@pytest.mark.parametrize(
    ("kind", "question", "expected"),
    [
        ("firm", "我们是做工业机器人的，文件里有什么支持？", "机器人"),  # 企业
        ("civil-servant", "牵头单位的联系人和电话分别是什么？", "85911159"),  # 公务员
        ("evaluator", "2022年新能源汽车产量要达到多少？", "50万辆"),  # 评测
    ],
)
def test_one_question_per_user_kind_is_answered_with_citations(page, kind, question, expected):
    turn = ask(page, question)
    assert turn.locator(".pq-abstain-badge").count() == 0
    assert expected in turn.locator(".pq-answer-text").inner_text()
    markers = turn.locator(".pq-marker")
    cards = turn.locator(".pq-card.pq-cite")
    assert markers.count() >= 1 and cards.count() >= 1
    card = cards.first.inner_text()
    assert "《青岛市“高端制造业+人工智能”攻势作战方案" in card and "[1]" in card
    # The first citation is opened at once, its quote marked in the document.
    page.wait_for_selector("#pq-viewer mark.pq-hit")
    shot(page, f"qa-{kind}")


def test_an_abstaining_answer_says_not_mentioned_and_shows_nearest_clauses(page):
    turn = ask(page, "华为公司在青岛的投资额是多少？")
    assert turn.locator(".pq-abstain-badge").inner_text() == "文件未提及"
    assert "文件未提及" in turn.locator(".pq-answer-text").inner_text()
    assert turn.locator(".pq-marker").count() == 0
    nearest = turn.locator(".pq-card.pq-nearest")
    assert nearest.count() >= 1
    nearest.first.click()
    page.wait_for_selector("#pq-viewer mark.pq-hit")
    shot(page, "qa-abstained")


MARKED = "() => [...document.querySelectorAll('#pq-viewer mark.pq-hit')].map(e => e.innerText).join('').replace(/\\s+/g, '')"


def test_clicking_a_marker_or_card_opens_the_highlighted_clause(page):
    if page.locator("#pq-conversation .pq-nearest").count() == 0:
        ask(page, "华为公司在青岛的投资额是多少？")
    elsewhere = page.locator("#pq-conversation .pq-nearest").first  # some other clause
    turn = ask(page, "谁担任攻势指挥长？")
    cards = turn.locator(".pq-card.pq-cite")
    assert cards.count() >= 1
    for opener_kind in ("card", "marker"):
        card = cards.last if opener_kind == "card" else cards.first
        quote = squash(card.locator(".pq-quote").inner_text())
        elsewhere.click()
        page.wait_for_function(f"q => ({MARKED})() && ({MARKED})() !== q", arg=quote)
        opener = card if opener_kind == "card" else turn.locator(f".pq-marker[data-n='{card.get_attribute('data-n')}']")
        opener.click()
        page.wait_for_function(f"q => ({MARKED})() === q", arg=quote)
        # The clause label and breadcrumb are shown, the text around it too.
        head = page.locator("#pq-viewer .pq-viewer-head").inner_text()
        assert "《青岛市" in head and card.locator(".pq-clause").inner_text() in head
        body = page.locator("#pq-viewer .pq-doc-body").inner_text()
        assert len(squash(body)) > len(quote) + 200
        # …and the mark is scrolled into the visible part of the panel.
        page.wait_for_function(
            "() => { const b = document.querySelector('#pq-viewer .pq-doc-body').getBoundingClientRect();"
            " const m = document.querySelector('#pq-viewer mark.pq-hit').getBoundingClientRect();"
            " return m.top >= b.top - 1 && m.bottom <= b.bottom + 1; }"
        )
    shot(page, "qa-citation-opened")


def test_copy_button_copies_answer_and_citations_as_plain_text(page):
    turn = page.locator("#pq-conversation .pq-turn").last
    answer = squash(turn.locator(".pq-answer-text").inner_text())
    turn.locator("[data-pq-copy]").click()
    page.wait_for_function("() => [...document.querySelectorAll('[data-pq-copy]')].some(b => b.dataset.copied === '1')")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert squash(copied).startswith(answer)
    assert "引用：" in copied and "[1] 《青岛市" in copied and "<" not in copied


def test_feedback_goes_to_the_log(page, ui_workspace):
    log = ui_workspace.data / "feedback.jsonl"
    lines_before = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    page.fill("#pq-comment textarea", "引用准确（浏览器测试）")
    page.click("#pq-useful")
    page.wait_for_selector("#pq-feedback-status .pq-ok")
    assert "有用" in page.locator("#pq-feedback-status").inner_text()
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(lines_before) + 1
    record = json.loads(lines[-1])
    assert record["question"].startswith("谁担任攻势指挥长") and record["rating"] == "有用"
    assert record["comment"] == "引用准确（浏览器测试）" and record["citations"]


def choose_option(page, elem_id: str, option: str) -> None:
    page.click(f"#{elem_id} input")
    page.fill(f"#{elem_id} input", "")  # the list shows only the options matching what the box holds
    page.locator(f"#{elem_id}").get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    page.wait_for_function(
        "([id, v]) => document.querySelector(`#${id} input`).value === v", arg=[elem_id, option]
    )


def test_questions_can_be_limited_by_issuer_and_year(page):
    open_tab(page, "问答")
    choose_option(page, "pq-issuer-filter", "青岛市人民政府")
    choose_option(page, "pq-year-filter", "2019")
    turn = ask(page, "谁担任攻势指挥长？")
    assert turn.locator(".pq-card.pq-cite").count() >= 1
    assert "《青岛市" in turn.locator(".pq-card.pq-cite").first.inner_text()
    for elem_id in ("pq-issuer-filter", "pq-year-filter"):
        choose_option(page, elem_id, "不限")


def test_an_overlong_question_gets_the_chinese_message(page):
    open_tab(page, "问答")
    turns = page.locator("#pq-conversation .pq-turn").count()
    page.fill("#pq-question textarea", "补贴" * 251)
    page.click("#pq-ask")
    error = page.locator("#pq-conversation .pq-error")
    error.wait_for()
    assert "问题过长" in error.inner_text() and "500" in error.inner_text()
    assert page.locator("#pq-conversation .pq-turn").count() == turns


# ---------------------------------------------------------------------------
# 文件浏览
# ---------------------------------------------------------------------------


def test_browse_search_and_outline(page):
    open_tab(page, "文件浏览")
    # Search all documents before choosing one: a hit opens its document.
    page.fill("#pq-search input, #pq-search textarea", "联系人")
    page.press("#pq-search input, #pq-search textarea", "Enter")
    results = page.locator("#pq-search-results .pq-hitline")
    results.first.wait_for()
    assert "共找到" in page.locator("#pq-search-results").inner_text()
    assert page.locator("#pq-search-results mark.pq-term").first.inner_text() == "联系人"
    results.nth(1).click()
    page.wait_for_function(
        "() => { const m = document.querySelector('#pq-browse-viewer mark.pq-hit'); return m && m.innerText === '联系人'; }"
    )
    assert page.locator("#pq-browse-viewer mark.pq-term").count() >= 2
    assert "高端制造业" in page.locator("#pq-browse-doc input").input_value()

    # The outline of that document came along; a nested node opens its text, marked.
    outline = page.locator("#pq-outline")
    outline.locator(".pq-node", has_text="一、总体要求").wait_for()
    for heading in ("二、攻坚计划和任务", "（二）新能源汽车产业倍增攻坚战", "1.攻坚目标"):
        assert outline.locator(".pq-node", has_text=heading).count() >= 1
    outline.locator(".pq-node", has_text="（二）新能源汽车产业倍增攻坚战").first.click()
    page.wait_for_function(
        "() => { const m = document.querySelector('#pq-browse-viewer mark.pq-hit'); return m && m.innerText.includes('新能源汽车产业倍增攻坚战'); }"
    )
    assert page.locator("#pq-browse-viewer .pq-focus").count() >= 1
    shot(page, "browse")


# ---------------------------------------------------------------------------
# 文件管理
# ---------------------------------------------------------------------------


def test_upload_needs_the_password(page, tmp_path, ui_workspace):
    path = tmp_path / "海洋牧场补助办法.txt"
    path.write_text(MARINE_POLICY, encoding="utf-8")
    message, ok = upload(page, path, password="不对的口令")
    assert not ok and "管理密码不正确" in message
    assert not (ui_workspace.corpus / path.name).exists()


def test_uploaded_document_can_be_asked_about_and_is_cited(page, tmp_path, ui_workspace):
    path = tmp_path / "海洋牧场补助办法.txt"
    path.write_text(MARINE_POLICY, encoding="utf-8")
    message, ok = upload(page, path)
    assert ok, message
    assert "青岛市海洋牧场示范补助办法" in message and "索引已更新" in message
    assert (ui_workspace.corpus / path.name).is_file()
    table = page.locator("#pq-documents").inner_text()
    assert "青岛市海洋牧场示范补助办法（测试用虚构文件）" in table and "海洋牧场补助办法.txt" in table
    shot(page, "manage")

    turn = ask(page, "海洋牧场企业每年要投放多少人工鱼礁才能申请示范补助？")
    cards = turn.locator(".pq-card.pq-cite")
    assert cards.count() >= 1
    assert "青岛市海洋牧场示范补助办法" in cards.first.inner_text()
    cards.first.click()
    page.wait_for_function(
        "() => { const m = document.querySelector('#pq-viewer mark.pq-hit'); return m && m.innerText.includes('人工鱼礁'); }"
    )
    assert "海洋牧场" in page.locator("#pq-viewer .pq-viewer-head").inner_text()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("空文件.txt", b"", "空的"),
        ("另一份方案.txt", (REPO / "corpus" / "qingdao_ai_plan.txt").read_bytes(), "完全相同"),
        ("假的.pdf", b"%PDF-1.4 not really a pdf", "无法解析"),
    ],
)
def test_a_bad_upload_is_refused_with_a_reason(page, tmp_path, ui_workspace, name, content, reason):
    before = sorted(p.name for p in ui_workspace.corpus.rglob("*"))
    open_tab(page, "文件管理")
    table_before = squash(page.locator("#pq-documents").inner_text())
    path = tmp_path / name
    path.write_bytes(content)
    message, ok = upload(page, path)
    assert not ok and "上传被拒绝" in message and reason in message, message
    assert sorted(p.name for p in ui_workspace.corpus.rglob("*")) == before
    assert squash(page.locator("#pq-documents").inner_text()) == table_before
    if reason == "完全相同":
        shot(page, "manage-refused")


def test_html_in_a_document_renders_as_text(page, tmp_path):
    path = tmp_path / "注入测试.txt"
    path.write_text(PAYLOAD_POLICY, encoding="utf-8")
    message, ok = upload(page, path)
    assert ok, message
    assert '<img src=x onerror="window.__pq_xss=1">' in message  # the title, as text
    assert "<img src=x" in page.locator("#pq-documents").inner_text()

    open_tab(page, "文件浏览")
    page.click("#pq-browse-doc input")
    page.get_by_role("option", name=re.compile("注入测试文件")).first.click()
    page.locator("#pq-outline .pq-node", has_text="一、注入测试条款").first.click()
    page.wait_for_selector("#pq-browse-viewer mark.pq-hit")
    body = page.locator("#pq-browse-viewer .pq-doc-body").inner_text()
    assert "<script>window.__pq_xss=2</script>" in body and "${value}" in body and "{{value}}" in body
    assert "${7*7}" in page.locator("#pq-browse-viewer .pq-viewer-head").inner_text()

    choose_filter(page, "注入测试文件")
    turn = ask(page, "珊瑚礁修复项目由哪个部门负责？")
    clear_filter(page)
    shown = turn.inner_text()
    assert "<img" in shown or "<script>" in shown, shown
    shot(page, "html-payload-as-text")

    for area in ("#pq-conversation", "#pq-viewer", "#pq-browse-viewer", "#pq-documents", "#pq-outline", "#pq-manage-status"):
        assert page.locator(f"{area} img, {area} script").count() == 0, area
    assert page.evaluate("() => window.__pq_xss") is None
    assert page.problems["dialog"] == []


def manage_action(page, button: str) -> tuple[str, bool]:
    seen = page.evaluate("() => document.querySelector('#pq-manage-status [data-op]')?.dataset.op || ''")
    page.click(button)
    page.wait_for_function(
        "seen => { const m = document.querySelector('#pq-manage-status [data-op]'); return m && m.dataset.op !== seen; }",
        arg=seen,
    )
    status = page.locator("#pq-manage-status [data-op]")
    return status.inner_text(), "pq-ok" in (status.get_attribute("class") or "")


def test_removing_a_document_needs_confirmation_then_drops_it(page, ui_workspace):
    open_tab(page, "文件管理")
    page.fill("#pq-admin-password input", ADMIN_PASSWORD)
    page.click("#pq-remove-doc input")
    page.get_by_role("option", name=re.compile("海洋牧场示范补助办法")).first.click()
    message, ok = manage_action(page, "#pq-remove-button")
    assert not ok and "确认删除" in message
    assert (ui_workspace.corpus / "海洋牧场补助办法.txt").exists()

    page.click("#pq-remove-doc input")
    page.get_by_role("option", name=re.compile("海洋牧场示范补助办法")).first.click()
    page.check("#pq-remove-confirm input")
    message, ok = manage_action(page, "#pq-remove-button")
    assert ok and "已删除《青岛市海洋牧场示范补助办法" in message, message
    assert not (ui_workspace.corpus / "海洋牧场补助办法.txt").exists()
    assert "海洋牧场" not in page.locator("#pq-documents").inner_text()
    open_tab(page, "问答")
    page.click("#pq-doc-filter input")
    assert page.get_by_role("option", name=re.compile("海洋牧场")).count() == 0
    page.keyboard.press("Escape")


def test_no_page_errors_and_no_requests_leave_the_machine(page):
    assert page.problems["pageerror"] == []
    assert page.problems["outside"] == []


# ---------------------------------------------------------------------------
# The HTTP API, gradio_client and Gradio's file routes
# ---------------------------------------------------------------------------


def test_http_api_ask(ui_server):
    import httpx

    response = httpx.post(f"{ui_server}/api/ask", json={"question": "2022年新能源汽车产量要达到多少？", "top_k": 3}, timeout=60)
    assert response.status_code == 200
    answer = response.json()
    assert "50万辆" in answer["answer"] and answer["citations"] and len(answer["passages"]) <= 3
    assert {"n", "chunk_id", "doc_id", "doc_title", "clause", "path", "quote", "start", "end"} <= set(answer["citations"][0])

    restricted = httpx.post(
        f"{ui_server}/api/ask", json={"question": "谁担任攻势指挥长？", "doc_ids": ["qingdao_ai_plan"]}, timeout=60
    ).json()
    assert {p["doc_id"] for p in restricted["passages"]} == {"qingdao_ai_plan"}
    chosen = httpx.post(
        f"{ui_server}/api/ask", json={"question": "谁担任攻势指挥长？", "doc_filter": "issuer=青岛市人民政府,year=2019"}, timeout=60
    ).json()
    assert chosen["citations"] and {c["doc_id"] for c in chosen["citations"]} == {"qingdao_ai_plan"}

    for body in (
        {"question": ""},
        {"question": "补" * 501},
        {"question": 42},
        {"question": "谁担任攻势指挥长？", "top_k": "五"},
        {"question": "谁担任攻势指挥长？", "top_k": 0},
        {"question": "谁担任攻势指挥长？", "doc_ids": ["no_such_doc"]},
        {"question": "谁担任攻势指挥长？", "doc_ids": "qingdao_ai_plan"},
        {"question": "谁担任攻势指挥长？", "doc_filter": "year=2030"},
        {"question": "谁担任攻势指挥长？", "doc_filter": "colour=red"},
        {"question": "谁担任攻势指挥长？", "doc_filter": ["issuer=青岛市人民政府"]},
        ["not", "an", "object"],
    ):
        bad = httpx.post(f"{ui_server}/api/ask", json=body, timeout=60)
        assert bad.status_code == 400, body
        assert CJK.search(bad.json()["error"]), bad.text
    broken = httpx.post(f"{ui_server}/api/ask", content=b"{not json", headers={"content-type": "application/json"}, timeout=60)
    assert broken.status_code == 400 and "JSON" in broken.json()["error"]
    too_long = httpx.post(f"{ui_server}/api/ask", json={"question": "补" * 501}, timeout=60).json()["error"]
    assert "问题过长" in too_long


def test_gradio_client_ask(ui_server):
    from gradio_client import Client

    client = Client(ui_server, verbose=False)
    answer = json.loads(client.predict(question="牵头单位的联系人和电话分别是什么？", top_k=5, doc_ids=None, api_name="/ask"))
    assert "85911159" in answer["answer"] and answer["citations"]
    with pytest.raises(Exception) as caught:
        client.predict(question="   ", api_name="/ask")
    assert "问题不能为空" in str(caught.value)


@pytest.mark.parametrize(
    "template",
    [
        "/file={path}",
        "/gradio_api/file={path}",
        "/gradio_api/file/{path}",
        "/file/{path}",
        "/gradio_api/file={rel}",
        "/gradio_api/file=%2F{quoted}",
        "/gradio_api/file={upper}",
    ],
)
def test_gradio_serves_no_file_outside_its_uploads(ui_server, ui_workspace, template):
    import urllib.parse

    import httpx

    targets = [
        Path("/etc/passwd"),
        ui_workspace.index / "manifest.json",
        ui_workspace.corpus / "qingdao_ai_plan.txt",
        ui_workspace.data / "feedback.jsonl",
    ]
    for target in targets:
        path = str(target)
        url = ui_server + template.format(
            path=path,
            rel="../" * 12 + path.lstrip("/"),
            quoted=urllib.parse.quote(path.lstrip("/"), safe=""),
            upper=path.upper() if target != Path("/etc/passwd") else path,
        )
        response = httpx.get(url, timeout=10)
        assert response.status_code in (403, 404), (url, response.status_code)
        assert "root:" not in response.text and "corpus_hash" not in response.text and "攻势" not in response.text
