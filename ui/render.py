"""HTML for the 问答 and 文件管理 tabs (文件浏览: ui/render_document.py): pure functions of what `qa` and
the `Service` return, no Gradio, no state.

Every piece of document text, quote, title or user input goes through `esc`
(html.escape); clickable elements carry `data-pq-open` attributes that
`static/open.js` turns into a click event with the clause's offsets.
"""
from __future__ import annotations

import html
import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from indexer.docmeta import NOT_STATED
from qa.doc_status import IN_FORCE

from .service import CorpusView

NEAREST_SHOWN = 3  # nearest clauses shown under an abstaining answer


def esc(value: Any) -> str:
    """Escape anything shown inside HTML: document text, titles, quotes, user input."""
    return html.escape("" if value is None else str(value), quote=True)


def open_attrs(doc_id: str, start: int, end: int, chunk_id: str = "") -> str:
    return (
        f' data-pq-open="1" data-doc="{esc(doc_id)}" data-start="{int(start)}" data-end="{int(end)}"'
        f' data-chunk="{esc(chunk_id)}"'
    )


def tidy(text: str) -> str:
    """Blank lines inside quotes add nothing on screen."""
    return re.sub(r"\n\s*\n+", "\n", text).strip()


def place_note(citation: dict[str, Any]) -> str:
    """Where a quote sits in a paged document: " 第3页（识别自扫描件）", "" for a format without pages."""
    page = f" 第{citation['page']}页" if citation.get("page") else ""
    return page + ("（识别自扫描件）" if citation.get("ocr") else "")


def citation_label(citation: dict[str, Any]) -> str:
    """《title》 clause（version版） 第3页: the whole reference, as copied, printed and exported."""
    version = f"（{citation['version']}版）" if citation.get("version") else ""
    return f"《{citation['doc_title']}》 {citation['clause']}{version}{place_note(citation)}"


def plain_text(answer: dict[str, Any]) -> str:
    """Answer and citations (with their versions) as plain text, for the copy button."""
    lines = [answer.get("answer", "").strip(), ""]
    if answer.get("citations"):
        lines.append("相关条款（不是答案）：" if answer.get("outcome") == "partial" else "引用：")
        for c in answer["citations"]:
            lines.append(f"[{c['n']}] {citation_label(c)}")
            lines.append(f"    {c['path']}")
            lines.append(f"    “{tidy(c['quote'])}”")
    elif answer.get("passages"):
        lines.append("最接近的条款：")
        for p in answer["passages"][:NEAREST_SHOWN]:
            lines.append(f"- {p['clause']}  {p['path']}")
    return "\n".join(lines).strip()


def conversation_text(turns: Sequence[dict[str, Any]]) -> str:
    """Every turn as plain text, question first, for “复制全部问答”."""
    return "\n\n".join(f"问{i}：{t.get('question', '').strip()}\n答：{plain_text(t)}" for i, t in enumerate(turns, start=1))


def _answer_html(answer: dict[str, Any]) -> str:
    """The answer text, escaped, its [n] markers turned into buttons that open the clause."""
    by_n = {c["n"]: c for c in answer.get("citations", [])}

    def marker(match: re.Match[str]) -> str:
        c = by_n.get(int(match.group(1)))
        if c is None:
            return match.group(0)
        attrs = open_attrs(c["doc_id"], c["start"], c["end"], c["chunk_id"])
        title = esc(f"{c['doc_title']} {c['clause']}")
        return f'<button type="button" class="pq-marker" data-n="{c["n"]}" title="{title}"{attrs}>[{c["n"]}]</button>'

    return re.sub(r"\[(\d+)\]", marker, esc(tidy(answer.get("answer", ""))))


def _page_badges(c: dict[str, Any]) -> str:
    """第N页 and 识别自扫描件 beside a citation's clause (a scan's text may hold recognition errors)."""
    badges = f'<span class="pq-page">第{int(c["page"])}页</span>' if c.get("page") else ""
    if c.get("ocr"):
        badges += '<span class="pq-ocr" title="此页文字由扫描图像识别得到，可能有个别错字，请以原件为准">识别自扫描件</span>'
    return badges


def _citation_cards(answer: dict[str, Any], title: str = "引用的条款（点击查看原文）") -> str:
    cards = []
    for c in answer.get("citations", []):
        cards.append(
            f'<div class="pq-card pq-cite" role="button" tabindex="0" data-n="{c["n"]}"'
            f'{open_attrs(c["doc_id"], c["start"], c["end"], c["chunk_id"])}>'
            f'<div class="pq-card-head"><span class="pq-card-n">[{c["n"]}]</span>《{esc(c["doc_title"])}》'
            f'<span class="pq-clause">{esc(c["clause"])}</span>'
            + (f'<span class="pq-version">（{esc(c["version"])}版）</span>' if c.get("version") else "")
            + (f'<span class="pq-status {"pq-status-ok" if c["status"].startswith(IN_FORCE) else "pq-status-off"}">{esc(c["status"])}</span>' if c.get("status") else "")
            + f'{_page_badges(c)}</div><div class="pq-crumb">{esc(c["path"])}</div>'
            f'<blockquote class="pq-quote">{esc(tidy(c["quote"]))}</blockquote></div>'
        )
    return f'<div class="pq-section-title">{esc(title)}</div><div class="pq-cards">{"".join(cards)}</div>' if cards else ""


def _nearest_cards(answer: dict[str, Any], view: CorpusView) -> str:
    cards = []
    for p in answer.get("passages", [])[:NEAREST_SHOWN]:
        chunk = view.chunk_by_id.get(p["chunk_id"])
        doc = view.documents.get(p["doc_id"])
        attrs = open_attrs(chunk.doc_id, chunk.start, chunk.end, chunk.chunk_id) if chunk else ""
        excerpt = tidy(p.get("text", ""))
        if len(excerpt) > 160:
            excerpt = excerpt[:160] + "…"
        cards.append(
            f'<div class="pq-card pq-nearest" role="button" tabindex="0"{attrs}>'
            f'<div class="pq-card-head">《{esc(doc.title if doc else p["doc_id"])}》<span class="pq-clause">{esc(p["clause"])}</span></div>'
            f'<div class="pq-crumb">{esc(p["path"])}</div>'
            f'<blockquote class="pq-quote">{esc(excerpt)}</blockquote></div>'
        )
    if not cards:
        return ""
    return f'<div class="pq-section-title">最接近的条款（仅供参考，不构成答案）</div><div class="pq-cards">{"".join(cards)}</div>'


def render_turn(index: int, answer: dict[str, Any], view: CorpusView) -> str:
    parts = [f'<div class="pq-turn" data-turn="{index}">']
    parts.append(f'<div class="pq-q"><span class="pq-role">问</span>{esc(answer.get("question", ""))}</div>')
    if answer.get("understood_as"):  # a follow-up, as read against the conversation
        parts.append(f'<div class="pq-understood">理解为：{esc(answer["understood_as"])}</div>')
    abstained = bool(answer.get("abstained"))
    partial = answer.get("outcome") == "partial"
    parts.append(f'<div class="pq-a{" pq-abstained" if abstained else ""}{" pq-partial" if partial else ""}"><span class="pq-role">答</span>')
    if partial:  # the documents speak of it but do not give what was asked: said, with the related clause
        parts.append('<div class="pq-abstain-badge pq-partial-badge">文件提到，但未规定所问内容</div>')
        parts.append(f'<div class="pq-answer-text">{_answer_html(answer)}</div>')
    elif abstained:
        parts.append('<div class="pq-abstain-badge">文件未提及</div>')
        parts.append(f'<div class="pq-answer-text">{esc(tidy(answer.get("answer", "")))}</div>')
    else:
        parts.append(f'<div class="pq-answer-text">{_answer_html(answer)}</div>')
    for note in answer.get("notes", []):
        parts.append(f'<div class="pq-note">提示：{esc(note)}</div>')
    if partial:
        parts.append(_citation_cards(answer, "相关条款（不是答案：文件没有规定所问的内容）"))
    else:
        parts.append(_nearest_cards(answer, view) if abstained else _citation_cards(answer))
    timing = sum(float(v) for v in answer.get("timings_ms", {}).values())
    parts.append(
        '<div class="pq-actions"><button type="button" class="pq-copy" data-pq-copy="1">复制答案与引用</button>'
        # The server's own time; conversation.js adds the time the user waited, measured in the browser.
        f'<span class="pq-timing" data-server-ms="{timing:.0f}">检索与作答 {timing / 1000:.2f} 秒</span></div>'
        f'<textarea class="pq-copy-text" hidden readonly>{esc(plain_text(answer))}</textarea>'
    )
    parts.append("</div></div>")
    return "".join(parts)


def render_conversation(turns: Sequence[dict[str, Any]], view: CorpusView, error: str | None = None) -> str:
    if not turns and not error:
        return (
            '<div class="pq-empty">在下方输入问题，或点击示例问题。回答只摘录政策原文，每句后的编号可点击，'
            "右侧会显示该条款在原文中的位置；文件没有写的内容，会直接说明“文件未提及”。</div>"
        )
    body = "".join(render_turn(i, answer, view) for i, answer in enumerate(turns))
    if error:
        body += f'<div class="pq-error" role="alert">{esc(error)}</div>'
    copy_all = (
        '<div class="pq-conversation-actions"><button type="button" class="pq-copy" data-pq-copy="all">复制全部问答</button>'
        f'<textarea class="pq-copy-text" hidden readonly>{esc(conversation_text(turns))}</textarea></div>'
        if turns
        else ""
    )
    return f'<div class="pq-conversation">{copy_all}{body}</div>'


_DOCUMENT_COLUMNS = (
    ("标题", "title"), ("状态", "status"), ("施行日期", "effective"), ("发文机关", "issuer"), ("层级", "level"),
    ("地区", "jurisdiction"), ("条款数", "chunks"), ("加入日期", "added"), ("发文字号", "doc_number"),
    ("成文日期", "written"), ("发布日期", "published"), ("有效期至", "valid_until"), ("实施期限", "period"),
    ("文件", "file"), ("编号", "doc_id"), ("来源", "source"), ("页数", "pages"), ("字数", "chars"),
)
# Dates come from the one date model (indexer.docmeta.DocumentDates) when the row has it.
_DATE_COLUMNS = {"written": "成文日期", "published": "发布日期", "effective": "施行日期", "valid_until": "有效期至"}


def _pages_cell(row: dict[str, Any]) -> str:
    """"12" for a paged document, "12（扫描 3 页）" when pages were recognised from scans, "" without pages."""
    pages, scanned = row.get("pages") or 0, row.get("ocr_pages") or 0
    return f"{pages}（扫描 {scanned} 页）" if scanned else str(pages or "")


def _document_cell(row: dict[str, Any], key: str) -> str:
    if key == "pages":
        return _pages_cell(row)
    if key == "status":
        label = str(row.get("status") or "")
        kind = "pq-status-ok" if label.startswith(IN_FORCE) else "pq-status-off"
        return f'<span class="pq-status {kind}">{esc(label)}</span>' if label else ""
    if key in _DATE_COLUMNS and row.get("dates"):
        shown = row["dates"].get(_DATE_COLUMNS[key], "")
        return esc("" if shown == NOT_STATED else shown)
    return esc(row.get(key, ""))


def render_documents_table(rows: Sequence[dict[str, Any]]) -> str:
    header = "".join(f"<th>{name}</th>" for name, _ in _DOCUMENT_COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{_document_cell(row, key)}</td>" for _, key in _DOCUMENT_COLUMNS) + "</tr>"
        for row in rows
    )
    return f'<table class="pq-table" id="pq-doc-table"><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>'


def _local_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return iso or ""


def render_index_state(state: dict[str, Any]) -> str:
    built = _local_time(state.get("built_at", ""))
    return (
        '<div class="pq-state">'
        f"<span>嵌入模型：<b>{esc(state.get('model'))}</b></span>"
        f"<span>文件数：<b>{esc(state.get('documents'))}</b></span>"
        f"<span>条款数：<b>{esc(state.get('chunks'))}</b></span>"
        f"<span>索引建立时间：<b>{esc(built)}</b></span>"
        "</div>"
    )


def message_html(text: str, ok: bool) -> str:
    """A status line; data-op differs for every message, so a repeated message
    still reads as a new one (screen readers, tests)."""
    return f'<div class="{"pq-ok" if ok else "pq-error"}" role="status" data-op="{uuid.uuid4().hex[:12]}">{esc(text)}</div>'

