"""The web UI (Gradio Blocks) and the HTTP API, served from one FastAPI app.

`serve(host, port, index_dir, corpus_dir, data_dir)` loads ONE `Service` (index
and model) and serves:

* `/`            the Gradio UI: tabs 问答, 文件浏览, 文件管理 (+ the lead's hook);
* `/api/ask`     POST {"question", "top_k", "doc_ids"} → `Answer.to_json()`,
                 or HTTP 400 {"error": 中文说明};
* `/gradio_api/…` Gradio's own routes, including the `/ask` endpoint for
                 `gradio_client`.

The UI only renders what `qa` returns. Every piece of document text, quote,
title or user input shown in HTML goes through `esc` (html.escape); Gradio
serves no file outside its own temporary uploads (the index, corpus and data
folders are on its block list).
"""
from __future__ import annotations

import functools
import hmac
import html
import json
import logging
import os
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from indexer.errors import PolicyQAError
from indexer.loaders import SUPPORTED_SUFFIXES

from .service import MAX_UPLOAD_BYTES, RATINGS, CorpusView, Service

log = logging.getLogger("policyqa.web")

ADMIN_PASSWORD_ENV = "POLICYQA_ADMIN_PASSWORD"
DEFAULT_TOP_K = 5
MAX_TURNS = 20  # conversation turns kept on screen
FULL_TEXT_LIMIT = 60_000  # longer documents are shown as a window around the clause
WINDOW_CHARS = 6_000
NEAREST_SHOWN = 3  # nearest clauses shown under an abstaining answer
MAX_SEARCH_HITS = 60
SNIPPET_CONTEXT = 36
INTERNAL_ERROR = "出现内部错误，请稍后再试；如果问题持续，请联系管理员查看服务日志。"

# Example questions per kind of user; clicking one fills the question box.
EXAMPLES: dict[str, list[str]] = {
    "企业": ["我们是做工业机器人的，文件里有什么支持？", "申请补贴的截止日期是哪天？"],
    "公务员": ["牵头单位的联系人和电话分别是什么？", "谁担任攻势指挥长？"],
    "评测": ["2022年新能源汽车产量要达到多少？", "个人买电动车能拿多少购车补贴？"],
}


def esc(value: Any) -> str:
    """Escape anything shown inside HTML: document text, titles, quotes, user input."""
    return html.escape("" if value is None else str(value), quote=True)


# ---------------------------------------------------------------------------
# Client-side behaviour. Gradio's gr.HTML runs `js_on_load` once per component
# with `element`, `trigger` and `watch`; content is replaced via innerHTML, so
# listeners are delegated from the component's root element.
# ---------------------------------------------------------------------------

OPEN_JS = r"""
const openTarget = (target) => {
  element.querySelectorAll('.pq-active').forEach((node) => node.classList.remove('pq-active'));
  target.classList.add('pq-active');
  trigger('click', {
    doc_id: target.dataset.doc || '',
    start: Number(target.dataset.start),
    end: Number(target.dataset.end),
    chunk_id: target.dataset.chunk || '',
  });
};
const copyAnswer = (button) => {
  const source = button.closest('.pq-turn')?.querySelector('.pq-copy-text');
  const text = source ? source.value : '';
  const done = () => {
    button.dataset.copied = '1';
    button.textContent = '已复制';
    setTimeout(() => { button.textContent = '复制答案与引用'; }, 2000);
  };
  const fallback = () => {
    const area = document.createElement('textarea');
    area.value = text;
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    try { document.execCommand('copy'); } catch (e) { /* nothing more to try */ }
    area.remove();
    done();
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, fallback);
  } else {
    fallback();
  }
};
element.addEventListener('click', (event) => {
  const copy = event.target.closest('[data-pq-copy]');
  if (copy && element.contains(copy)) { event.preventDefault(); copyAnswer(copy); return; }
  const target = event.target.closest('[data-pq-open]');
  if (target && element.contains(target)) { event.preventDefault(); openTarget(target); }
});
element.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' && event.key !== ' ') return;
  const target = event.target.closest('[data-pq-open]');
  if (target && element.contains(target) && target.tagName !== 'BUTTON') { event.preventDefault(); openTarget(target); }
});
"""

# The conversation: after an answer arrives, scroll its panel so the new turn
# (or the error) starts at the top, to be read from its question on.
CONVERSATION_JS = OPEN_JS + r"""
const scroller = () => {
  for (let node = element; node && node !== document.body; node = node.parentElement) {
    const style = getComputedStyle(node);
    if ((style.overflowY === 'auto' || style.overflowY === 'scroll') && node.scrollHeight > node.clientHeight) return node;
  }
  return null;
};
watch('value', () => requestAnimationFrame(() => {
  const turns = element.querySelectorAll('.pq-turn');
  const target = element.querySelector('.pq-error') || turns[turns.length - 1];
  const box = scroller();
  if (!target) return;
  if (box) box.scrollTop += target.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
  // The page itself may have been scrolled down to the question box.
  const top = target.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight - 80) window.scrollBy(0, top - 8);
}));
"""

VIEWER_JS = r"""
const scrollToHit = () => {
  const box = element.querySelector('.pq-doc-body');
  const hit = element.querySelector('.pq-hit');
  if (!box || !hit) return;
  box.scrollTop = Math.max(0, hit.offsetTop - box.clientHeight / 3);
};
watch('value', () => requestAnimationFrame(scrollToHit));
requestAnimationFrame(scrollToHit);
"""

HEAD = '<meta name="robots" content="noindex">'

CSS = """
.gradio-container { max-width: 1500px !important; }
#pq-header h1 { font-size: 1.5rem; margin: 0.2rem 0; }
#pq-header p { margin: 0; color: var(--body-text-color-subdued); }
#pq-conversation { min-height: 240px; }
.pq-empty { color: var(--body-text-color-subdued); padding: 1.2rem; border: 1px dashed var(--border-color-primary); border-radius: 8px; }
.pq-turn { margin: 0 0 1.2rem 0; }
.pq-q { background: var(--color-accent-soft); border-radius: 8px; padding: 0.55rem 0.8rem; margin-bottom: 0.5rem; font-weight: 600; }
.pq-role { display: inline-block; min-width: 1.6em; color: var(--color-accent); }
.pq-a { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 0.7rem 0.9rem; }
.pq-answer-text { line-height: 1.9; white-space: pre-line; }
.pq-abstain-badge { display: inline-block; background: #fff4e5; color: #9a4d00; border: 1px solid #f5c27a; border-radius: 6px; padding: 0.1rem 0.6rem; font-weight: 700; margin-bottom: 0.4rem; }
.pq-note { background: #fffbe6; border-left: 4px solid #f0b400; padding: 0.3rem 0.6rem; margin: 0.5rem 0; }
.pq-error { background: #fdecea; color: #a11; border: 1px solid #f5b5ae; border-radius: 8px; padding: 0.6rem 0.8rem; margin: 0.4rem 0; }
.pq-ok { background: #eaf7ee; color: #185c2b; border: 1px solid #a6dbb4; border-radius: 8px; padding: 0.6rem 0.8rem; margin: 0.4rem 0; }
.pq-marker { display: inline-block; font-size: 0.78em; line-height: 1.2; vertical-align: super; padding: 0 0.3em; margin: 0 0.1em; border-radius: 4px; border: 1px solid var(--color-accent); color: var(--color-accent); background: transparent; cursor: pointer; }
.pq-marker:hover, .pq-marker.pq-active { background: var(--color-accent); color: #fff; }
.pq-section-title { margin: 0.8rem 0 0.3rem 0; font-weight: 600; color: var(--body-text-color-subdued); }
.pq-cards { display: grid; gap: 0.5rem; }
.pq-card { border: 1px solid var(--border-color-primary); border-left: 4px solid var(--color-accent); border-radius: 6px; padding: 0.45rem 0.7rem; cursor: pointer; background: var(--background-fill-secondary); }
.pq-card:hover, .pq-card.pq-active { border-color: var(--color-accent); box-shadow: 0 0 0 1px var(--color-accent); }
.pq-card-head { font-weight: 600; }
.pq-card-n { color: var(--color-accent); margin-right: 0.3em; }
.pq-clause { display: inline-block; margin-left: 0.4em; padding: 0 0.4em; border-radius: 4px; background: var(--color-accent-soft); font-weight: 600; }
.pq-crumb { font-size: 0.85em; color: var(--body-text-color-subdued); margin: 0.15rem 0; }
.pq-quote { margin: 0.2rem 0 0 0; padding-left: 0.6rem; border-left: 3px solid var(--border-color-primary); white-space: pre-line; }
.pq-actions { margin-top: 0.6rem; display: flex; gap: 0.5rem; align-items: center; }
.pq-copy { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 0.15rem 0.7rem; background: var(--background-fill-primary); cursor: pointer; }
.pq-timing { font-size: 0.8em; color: var(--body-text-color-subdued); }
#pq-viewer-col { position: sticky; top: 0.5rem; align-self: flex-start; }
.pq-viewer-head h3 { margin: 0 0 0.2rem 0; font-size: 1.05rem; }
.pq-meta { font-size: 0.85em; color: var(--body-text-color-subdued); }
.pq-doc-body { position: relative; white-space: pre-wrap; line-height: 1.85; max-height: 68vh; overflow-y: auto; border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 0.6rem 0.8rem; margin-top: 0.5rem; background: var(--background-fill-primary); }
.pq-focus { background: #eef5ff; }
mark.pq-hit { background: #ffe066; color: inherit; padding: 0.05em 0; border-radius: 2px; }
mark.pq-term { background: #b7f0c0; color: inherit; }
mark.pq-hit.pq-term { background: #ffc34d; }
.pq-omitted { color: var(--body-text-color-subdued); font-style: italic; }
.pq-outline ul { list-style: none; padding-left: 1.1em; margin: 0; }
.pq-outline > ul { padding-left: 0; }
.pq-node { cursor: pointer; display: inline-block; padding: 0.1rem 0.3rem; border-radius: 4px; }
.pq-node:hover, .pq-node.pq-active { background: var(--color-accent-soft); }
.pq-node-clause { color: var(--color-accent); font-size: 0.85em; margin-right: 0.3em; }
.pq-outline { max-height: 68vh; overflow-y: auto; }
.pq-outline li { font-size: 0.95rem; line-height: 1.55; margin: 0.05rem 0; }
.pq-results .pq-hitline { cursor: pointer; padding: 0.25rem 0.4rem; border-radius: 4px; }
.pq-results .pq-hitline:hover, .pq-results .pq-hitline.pq-active { background: var(--color-accent-soft); }
.pq-table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
.pq-table th, .pq-table td { border: 1px solid var(--border-color-primary); padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
.pq-table th { background: var(--background-fill-secondary); }
.pq-state { display: flex; flex-wrap: wrap; gap: 0.4rem 1.4rem; }
.pq-examples { align-items: center; }
.pq-example-kind { max-width: 5.5em; font-weight: 600; }
.pq-side-viewer { position: sticky; top: 0.5rem; align-self: flex-start; }
.pq-match-summary { background: var(--color-accent-soft); border-radius: 8px; padding: 0.5rem 0.8rem; line-height: 1.7; }
.pq-match-count { margin: 0.5rem 0; color: var(--body-text-color-subdued); }
.pq-group { margin: 0.9rem 0 0.4rem 0; }
.pq-group-title { font-weight: 700; font-size: 1.02rem; margin-bottom: 0.35rem; border-bottom: 2px solid var(--color-accent-soft); padding-bottom: 0.15rem; }
.pq-group-n { margin-left: 0.6em; font-weight: 400; font-size: 0.85em; color: var(--body-text-color-subdued); }
.pq-doc-title { font-size: 0.85em; font-weight: 400; color: var(--body-text-color-subdued); }
.pq-why { font-size: 0.88em; margin-top: 0.25rem; color: #185c2b; }
.pq-unspecified { background: #fffbe6; border: 1px solid #f5d77a; border-radius: 8px; padding: 0.3rem 0.8rem; margin-top: 1rem; }
.pq-unspecified .pq-section-title, .pq-contacts .pq-section-title { color: var(--body-text-color); font-weight: 700; }
.pq-unspecified ul, .pq-contacts ul { margin: 0.2rem 0 0.4rem 0; padding-left: 1.2em; }
.pq-contacts { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 0.3rem 0.8rem; margin-top: 0.8rem; }
.pq-contact { cursor: pointer; padding: 0.15rem 0.3rem; border-radius: 4px; }
.pq-contact:hover, .pq-contact.pq-active { background: var(--color-accent-soft); }
.pq-docfact { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 0.5rem 0.8rem; margin-bottom: 0.5rem; }
.pq-docfact-title { font-weight: 700; cursor: pointer; margin-bottom: 0.25rem; }
.pq-docfact-title:hover, .pq-docfact-title.pq-active { color: var(--color-accent); }
.pq-period { border-radius: 6px; padding: 0 0.5rem; font-weight: 600; }
.pq-period-ended { background: #fdecea; color: #a11; border: 1px solid #f5b5ae; }
.pq-period-open { background: #eaf7ee; color: #185c2b; border: 1px solid #a6dbb4; }
.pq-facts-hint { color: var(--body-text-color-subdued); margin-bottom: 0.3rem; }
.pq-facts-table tr.pq-fact-row { cursor: pointer; }
.pq-facts-table tr.pq-fact-row:hover td, .pq-facts-table tr.pq-fact-row.pq-active td { background: var(--color-accent-soft); }
.pq-cell-clause { white-space: nowrap; }
.pq-link { color: var(--color-accent); text-decoration: underline; }
.pq-cell-doc { font-size: 0.8em; color: var(--body-text-color-subdued); white-space: normal; }
"""


# ---------------------------------------------------------------------------
# Rendering (pure functions of what qa and the service return)
# ---------------------------------------------------------------------------


def _open_attrs(doc_id: str, start: int, end: int, chunk_id: str = "") -> str:
    return (
        f' data-pq-open="1" data-doc="{esc(doc_id)}" data-start="{int(start)}" data-end="{int(end)}"'
        f' data-chunk="{esc(chunk_id)}"'
    )


def _tidy(text: str) -> str:
    """Blank lines inside quotes add nothing on screen."""
    return re.sub(r"\n\s*\n+", "\n", text).strip()


def plain_text(answer: dict[str, Any]) -> str:
    """Answer and citations as plain text, for the copy button."""
    lines = [answer.get("answer", "").strip(), ""]
    if answer.get("citations"):
        lines.append("引用：")
        for c in answer["citations"]:
            lines.append(f"[{c['n']}] 《{c['doc_title']}》 {c['clause']}")
            lines.append(f"    {c['path']}")
            lines.append(f"    “{_tidy(c['quote'])}”")
    elif answer.get("passages"):
        lines.append("最接近的条款：")
        for p in answer["passages"][:NEAREST_SHOWN]:
            lines.append(f"- {p['clause']}  {p['path']}")
    return "\n".join(lines).strip()


def _answer_html(answer: dict[str, Any]) -> str:
    """The answer text, escaped, its [n] markers turned into buttons that open the clause."""
    by_n = {c["n"]: c for c in answer.get("citations", [])}

    def marker(match: re.Match[str]) -> str:
        c = by_n.get(int(match.group(1)))
        if c is None:
            return match.group(0)
        attrs = _open_attrs(c["doc_id"], c["start"], c["end"], c["chunk_id"])
        title = esc(f"{c['doc_title']} {c['clause']}")
        return f'<button type="button" class="pq-marker" data-n="{c["n"]}" title="{title}"{attrs}>[{c["n"]}]</button>'

    return re.sub(r"\[(\d+)\]", marker, esc(_tidy(answer.get("answer", ""))))


def _citation_cards(answer: dict[str, Any]) -> str:
    cards = []
    for c in answer.get("citations", []):
        cards.append(
            f'<div class="pq-card pq-cite" role="button" tabindex="0" data-n="{c["n"]}"'
            f'{_open_attrs(c["doc_id"], c["start"], c["end"], c["chunk_id"])}>'
            f'<div class="pq-card-head"><span class="pq-card-n">[{c["n"]}]</span>《{esc(c["doc_title"])}》'
            f'<span class="pq-clause">{esc(c["clause"])}</span>'
            + (f'<span class="pq-version">（{esc(c["version"])}版）</span>' if c.get("version") else "")
            + f'</div><div class="pq-crumb">{esc(c["path"])}</div>'
            f'<blockquote class="pq-quote">{esc(_tidy(c["quote"]))}</blockquote></div>'
        )
    return f'<div class="pq-section-title">引用的条款（点击查看原文）</div><div class="pq-cards">{"".join(cards)}</div>' if cards else ""


def _nearest_cards(answer: dict[str, Any], view: CorpusView) -> str:
    cards = []
    for p in answer.get("passages", [])[:NEAREST_SHOWN]:
        chunk = view.chunk_by_id.get(p["chunk_id"])
        doc = view.documents.get(p["doc_id"])
        attrs = _open_attrs(chunk.doc_id, chunk.start, chunk.end, chunk.chunk_id) if chunk else ""
        excerpt = _tidy(p.get("text", ""))
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
    abstained = bool(answer.get("abstained"))
    parts.append(f'<div class="pq-a{" pq-abstained" if abstained else ""}"><span class="pq-role">答</span>')
    if abstained:
        parts.append('<div class="pq-abstain-badge">文件未提及</div>')
        parts.append(f'<div class="pq-answer-text">{esc(_tidy(answer.get("answer", "")))}</div>')
    else:
        parts.append(f'<div class="pq-answer-text">{_answer_html(answer)}</div>')
    for note in answer.get("notes", []):
        parts.append(f'<div class="pq-note">提示：{esc(note)}</div>')
    parts.append(_nearest_cards(answer, view) if abstained else _citation_cards(answer))
    timing = sum(float(v) for v in answer.get("timings_ms", {}).values())
    parts.append(
        '<div class="pq-actions"><button type="button" class="pq-copy" data-pq-copy="1">复制答案与引用</button>'
        f'<span class="pq-timing">用时 {timing / 1000:.2f} 秒</span></div>'
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
    return f'<div class="pq-conversation">{body}</div>'


def _meta_line(doc: Any) -> str:
    items = [
        ("发布日期", doc.published),
        ("发文机关", doc.issuer),
        ("来源", doc.source),
        ("有效期", doc.period),
        ("文件", doc.source_path),
    ]
    return " ｜ ".join(f"{label}：{esc(value)}" for label, value in items if value)


def _term_spans(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    lowered = text.lower()
    for term in terms:
        needle = term.lower()
        if not needle:
            continue
        position = lowered.find(needle)
        while position != -1:
            spans.append((position, position + len(needle)))
            position = lowered.find(needle, position + len(needle))
    return spans


_BLANK_LINES = re.compile(r"\n(?:[ \t\u3000]*\n)+")


def _highlighted(text: str, offset: int, layers: dict[str, list[tuple[int, int]]]) -> str:
    """`text` (which starts at `offset` in its document) escaped, each stretch
    wrapped in the classes of the layers covering it: focus (the clause), hit
    (the quote), term (search matches). Each stretch is wrapped separately,
    so overlapping layers never produce mis-nested tags."""
    end = offset + len(text)
    cuts = {offset, end}
    for spans in layers.values():
        for a, b in spans:
            for point in (a, b):
                if offset < point < end:
                    cuts.add(point)
    points = sorted(cuts)
    out = []
    for a, b in zip(points, points[1:]):
        # Blank lines between paragraphs only stretch the panel.
        piece = esc(_BLANK_LINES.sub("\n", text[a - offset : b - offset]))
        classes = [name for name, spans in layers.items() if any(s <= a and b <= e for s, e in spans)]
        marks = [name for name in classes if name in ("hit", "term")]
        if marks:
            piece = f'<mark class="{" ".join("pq-" + m for m in marks)}">{piece}</mark>'
        if "focus" in classes:
            piece = f'<span class="pq-focus">{piece}</span>'
        out.append(piece)
    return "".join(out)


def render_document(
    view: CorpusView,
    doc_id: str | None,
    start: int | None = None,
    end: int | None = None,
    chunk_id: str = "",
    terms: Sequence[str] = (),
    focus: tuple[int, int] | None = None,
    caption: str = "",
) -> str:
    """A document's text with the clause shaded, [start, end) marked and
    scrolled to, and any search terms highlighted."""
    if not doc_id:
        return '<div class="pq-empty">点击回答中的编号或引用卡片，这里会显示该条款所在的原文，引文以黄色标出。</div>'
    doc = view.documents.get(doc_id)
    if doc is None:
        return '<div class="pq-error">该文件已不在索引中（可能已被删除）：请重新提问或刷新页面。</div>'
    text = doc.text
    layers: dict[str, list[tuple[int, int]]] = {}
    heading = ""
    if start is not None and end is not None:
        if not (0 <= start <= end <= len(text)):
            return '<div class="pq-error">引用位置超出了文件范围：文件可能已更新，请重新提问。</div>'
        chunk = view.chunk_by_id.get(chunk_id) if chunk_id else None
        if chunk is None or chunk.doc_id != doc_id or not (chunk.start <= start and end <= chunk.end):
            chunk = view.chunk_at(doc_id, start, end)
        if focus is None and chunk is not None:
            focus = (chunk.start, chunk.end)
        layers["hit"] = [(start, max(end, start))]
        if chunk is not None:
            heading = (
                f'<div class="pq-viewer-clause"><span class="pq-clause">{esc(chunk.clause)}</span> '
                f'<span class="pq-crumb">{esc(chunk.breadcrumb)}</span></div>'
            )
    if focus is not None:
        layers["focus"] = [focus]
    if terms:
        layers["term"] = _term_spans(text, terms)
    # Very long documents: a window of whole lines around the clause.
    lo, hi = 0, len(text)
    if len(text) > FULL_TEXT_LIMIT:
        centre = start if start is not None else 0
        lo = max(0, centre - WINDOW_CHARS)
        hi = min(len(text), (end if end is not None else centre) + WINDOW_CHARS)
        lo = text.rfind("\n", 0, lo) + 1 if lo else 0
        newline = text.find("\n", hi)
        hi = len(text) if newline == -1 else newline
    body = _highlighted(text[lo:hi], lo, layers)
    if lo > 0:
        body = '<div class="pq-omitted">……（前文从略，可在“文件浏览”中查看全文）</div>' + body
    if hi < len(text):
        body += '<div class="pq-omitted">……（后文从略）</div>'
    return (
        f'<div class="pq-viewer" data-doc="{esc(doc_id)}">'
        f'<div class="pq-viewer-head"><h3>《{esc(doc.title)}》</h3><div class="pq-meta">{_meta_line(doc)}</div>'
        f"{heading}{caption}</div>"
        f'<div class="pq-doc-body">{body}</div></div>'
    )


@dataclass
class _Node:
    label: str
    clause: str
    start: int
    end: int
    children: dict[str, "_Node"]


def outline_tree(view: CorpusView, doc_id: str) -> list[_Node]:
    """The document's outline (一、→（一）→1.→（1）) from its chunks' paths."""
    roots: dict[str, _Node] = {}
    for chunk in view.chunks_by_doc.get(doc_id, []):
        level = roots
        for depth, label in enumerate(chunk.path):
            node = level.get(label)
            if node is None:
                clause = chunk.clause if depth == len(chunk.path) - 1 else ""
                node = level[label] = _Node(label, clause, chunk.start, chunk.end, {})
            node.start, node.end = min(node.start, chunk.start), max(node.end, chunk.end)
            if depth == len(chunk.path) - 1 and not node.clause:
                node.clause = chunk.clause
            level = node.children
    return list(roots.values())


def render_outline(view: CorpusView, doc_id: str | None) -> str:
    if not doc_id or doc_id not in view.documents:
        return '<div class="pq-empty">请选择一个文件。</div>'
    text = view.documents[doc_id].text

    def render(nodes: list[_Node]) -> str:
        items = []
        for node in nodes:
            # The node's first line is its heading: that is what gets marked.
            newline = text.find("\n", node.start, node.end)
            heading_end = node.end if newline == -1 else newline
            clause = f'<span class="pq-node-clause">{esc(node.clause)}</span>' if node.clause else ""
            items.append(
                f'<li><span class="pq-node" role="button" tabindex="0"{_open_attrs(doc_id, node.start, heading_end)}'
                f' data-focus-end="{node.end}">{clause}{esc(node.label)}</span>'
                f"{render(list(node.children.values())) if node.children else ''}</li>"
            )
        return f"<ul>{''.join(items)}</ul>"

    return f'<div class="pq-outline">{render(outline_tree(view, doc_id))}</div>'


def search_terms(query: str) -> list[str]:
    return [term for term in re.split(r"\s+", (query or "").strip()) if term][:5]


def render_search(view: CorpusView, query: str, doc_id: str | None = None) -> str:
    """Literal matches of the query's words in the documents (all, or one)."""
    terms = search_terms(query)
    if not terms:
        return '<div class="pq-empty">输入词语后按回车：在文件原文中查找，并标出所有出现的位置。</div>'
    if len(query) > 100:
        return '<div class="pq-error">搜索词过长：请控制在 100 字以内。</div>'
    docs = [view.documents[doc_id]] if doc_id in view.documents else list(view.documents.values())
    blocks, total = [], 0
    for doc in sorted(docs, key=lambda d: d.title):
        spans = sorted(_term_spans(doc.text, terms))
        if not spans:
            continue
        total += len(spans)
        lines = []
        for a, b in spans[:MAX_SEARCH_HITS]:
            lo, hi = max(0, a - SNIPPET_CONTEXT), min(len(doc.text), b + SNIPPET_CONTEXT)
            chunk = view.chunk_at(doc.doc_id, a, b)
            label = f'<span class="pq-node-clause">{esc(chunk.clause)}</span>' if chunk else ""
            snippet = _highlighted(doc.text[lo:hi].replace("\n", " "), lo, {"term": [(a, b)]})
            lines.append(
                f'<div class="pq-hitline" role="button" tabindex="0"{_open_attrs(doc.doc_id, a, b, chunk.chunk_id if chunk else "")}>'
                f"{label}…{snippet}…</div>"
            )
        more = f'<div class="pq-omitted">另有 {len(spans) - MAX_SEARCH_HITS} 处未列出</div>' if len(spans) > MAX_SEARCH_HITS else ""
        blocks.append(f'<div class="pq-section-title">《{esc(doc.title)}》：{len(spans)} 处</div>{"".join(lines)}{more}')
    if not blocks:
        return f'<div class="pq-empty">没有找到“{esc(" ".join(terms))}”。</div>'
    return f'<div class="pq-results"><div>共找到 {total} 处。点击一条查看原文。</div>{"".join(blocks)}</div>'


def render_documents_table(rows: Sequence[dict[str, Any]]) -> str:
    header = "".join(f"<th>{name}</th>" for name in ("标题", "文件", "编号", "发布日期", "发文机关", "来源", "有效期", "条款数", "字数"))
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{esc(row[key])}</td>"
            for key in ("title", "file", "doc_id", "published", "issuer", "source", "period", "chunks", "chars")
        )
        + "</tr>"
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


def _message(text: str, ok: bool) -> str:
    """A status line; data-op differs for every message, so a repeated message
    still reads as a new one (screen readers, tests)."""
    return f'<div class="{"pq-ok" if ok else "pq-error"}" role="status" data-op="{uuid.uuid4().hex[:12]}">{esc(text)}</div>'


# ---------------------------------------------------------------------------
# 企业政策匹配 and 职责与指标 (rendering what qa.match and the facts return)
# ---------------------------------------------------------------------------

# Example firms for 企业政策匹配: the button's label, and the profile it fills in.
MATCH_EXAMPLES: list[tuple[str, str]] = [
    ("轮胎厂", "我们是一家轮胎厂，生产子午线轮胎"),
    ("药企", "我们是一家药企，做创新药研发"),
    ("船厂配套", "我们给船厂做配套，生产船用设备"),
    ("做冰箱空调的", "我们是做冰箱空调的家电企业"),
    ("工业软件初创公司", "我们是一家做工业软件的初创公司"),
    ("服装厂", "我们是一家服装厂，想做个性化定制"),
    ("啤酒厂", "我们是一家啤酒厂，在崂山"),
    ("芯片设计", "我们是一家做芯片设计的中小企业"),
]
MATCH_PLACEHOLDER = "我们是一家做工业机器人的中小企业，在即墨"
MATCH_EMPTY = (
    '<div class="pq-empty">用自己的话描述企业：做什么产品、属于什么行业、规模和所在地，然后点击“匹配”。'
    "结果按支持类型列出与企业相关的措施，每条都摘录原文并说明相关原因；点击措施查看它在原文中的位置。</div>"
)
SIDE_VIEWER_EMPTY = '<div class="pq-empty">点击左侧的措施、联系人或表格中的一行，这里会显示该条款所在的原文，引文以黄色标出。</div>'


def _source_attrs(source: dict[str, Any] | None) -> str:
    """Attributes that open a fact's source clause; "" when the fact has none."""
    if not source:
        return ""
    return _open_attrs(source["doc_id"], source["start"], source["end"], source.get("chunk_id", ""))


def render_match_error(message: str) -> str:
    return f'<div class="pq-error" role="alert">{esc(message)}</div>'


def render_match(result: Any, roles: Sequence[dict[str, Any]] = ()) -> str:
    """A `qa.match.MatchResult`: measures grouped by kind of support as clickable
    cards, then what the documents do not specify and the lead units' contacts.
    `roles` (Service.facts_tables()["roles"]) gives each contact its clause's
    offsets, so it opens like a card."""
    recognised = "、".join(result.industries) or "未识别出具体行业"
    kinds = f"；企业类型：{esc('、'.join(result.firm_kinds))}" if result.firm_kinds else ""
    parts = [
        '<div class="pq-match">',
        f'<div class="pq-match-summary"><div><b>企业描述</b>：{esc(result.profile)}</div>'
        f"<div><b>识别到的行业</b>：{esc(recognised)}{kinds}</div></div>",
    ]
    if not result.measures:
        parts.append(
            '<div class="pq-empty">文件中没有找到与该企业行业或类型明确相关的措施。'
            "可以换一种说法，写明具体产品或行业（例如“做工业机器人”“生产轮胎”）。</div>"
        )
    else:
        parts.append(
            f'<div class="pq-match-count">共 {len(result.measures)} 条相关措施，按支持类型分组，组内按相关度排序；点击卡片查看原文。</div>'
        )
        n = 0
        for support, measures in result.groups():
            cards = []
            for m in measures:
                n += 1
                cards.append(
                    f'<div class="pq-card pq-measure" role="button" tabindex="0" data-clause="{esc(m.clause)}"'
                    f"{_open_attrs(m.doc_id, m.start, m.end, m.chunk_id)}>"
                    f'<div class="pq-card-head"><span class="pq-card-n">{n}.</span><span class="pq-clause">{esc(m.clause)}</span>'
                    f' <span class="pq-doc-title">《{esc(m.doc_title)}》</span></div>'
                    f'<div class="pq-crumb">{esc(m.path)}</div>'
                    f'<blockquote class="pq-quote">{esc(_tidy(m.quote))}</blockquote>'
                    f'<div class="pq-why"><b>相关原因</b>：{esc(m.why)}</div></div>'
                )
            parts.append(
                f'<div class="pq-group" data-support="{esc(support)}">'
                f'<div class="pq-group-title">{esc(support)}<span class="pq-group-n">{len(measures)} 条</span></div>'
                f'<div class="pq-cards">{"".join(cards)}</div></div>'
            )
    if result.not_specified:
        items = "".join(f"<li>{esc(item)}</li>" for item in result.not_specified)
        parts.append(
            '<div class="pq-unspecified"><div class="pq-section-title">文件未明确的事项（需向主管部门咨询）</div>'
            f"<ul>{items}</ul></div>"
        )
    if result.contacts:
        items = []
        for c in result.contacts:
            row = next(
                (r for r in roles if r["name"] == c.unit and r["contact"] == c.person and r["phone"] == c.phone),
                None,
            )
            attrs = _source_attrs(row["source"] if row else None)
            opener = ' role="button" tabindex="0"' if attrs else ""
            items.append(
                f'<li class="pq-contact"{opener}{attrs}><b>{esc(c.unit)}</b>：联系人 {esc(c.person)}，电话 '
                f'<span class="pq-phone">{esc(c.phone)}</span><span class="pq-clause">{esc(c.clause)}</span></li>'
            )
        parts.append(
            '<div class="pq-contacts"><div class="pq-section-title">咨询联系（牵头单位）</div>'
            f'<ul>{"".join(items)}</ul></div>'
        )
    parts.append("</div>")
    return "".join(parts)


def period_status(period_end: int | None, today: date | None = None) -> str:
    """Whether a document's period of validity has ended, as of `today`."""
    if period_end is None:
        return "文件未写明实施期限"
    today = today or date.today()
    if period_end < today.year:
        return f"实施期限已于 {period_end} 年底结束（今天是 {today.isoformat()}）"
    if period_end == today.year:
        return f"实施期限今年（{period_end} 年）底结束"
    return f"在实施期限内（至 {period_end} 年底）"


def render_document_facts(documents: Sequence[dict[str, Any]], today: date | None = None) -> str:
    """Title, issuer, publication date and period of each document, with whether the period has ended."""
    if not documents:
        return '<div class="pq-empty">索引中还没有文件。</div>'
    cards = []
    for d in documents:
        attrs = _source_attrs(d.get("source"))
        opener = ' role="button" tabindex="0"' if attrs else ""
        ended = d.get("period_end") is not None and d["period_end"] < (today or date.today()).year
        status_class = "pq-period-ended" if ended else "pq-period-open"
        items = [
            ("发文机关", d.get("issuer")),
            ("发布日期", d.get("published")),
            ("实施期限", d.get("period")),
        ]
        meta = "".join(f"<span>{label}：<b>{esc(value or '文件未写明')}</b></span>" for label, value in items)
        cards.append(
            f'<div class="pq-docfact" data-doc="{esc(d["doc_id"])}">'
            f'<div class="pq-docfact-title"{opener}{attrs}>《{esc(d["title"])}》</div>'
            f'<div class="pq-state">{meta}<span class="pq-period {status_class}">{esc(period_status(d.get("period_end"), today))}</span></div></div>'
        )
    return f'<div class="pq-docfacts">{"".join(cards)}</div>'


def _year_text(row: dict[str, Any]) -> str:
    year = f"{row['year']}年" if row.get("year") else ""
    if row.get("base_year"):
        year += f"（以{row['base_year']}年为基数）"
    return year


TARGET_COLUMNS = ("指标", "目标值", "比较", "年份", "所属范围", "条款")
ROLE_COLUMNS = ("角色", "人员或单位", "职务/职责", "联系人", "电话", "条款")


def _target_cells(row: dict[str, Any]) -> list[str]:
    return [row["metric"], row["amount"], row["comparison"], _year_text(row), row["scope"]]


def _role_cells(row: dict[str, Any]) -> list[str]:
    return [row["role"], row["name"], row["post"] or (f"负责{row['duty']}" if row.get("duty") else ""), row["contact"], row["phone"]]


def _fact_table(
    kind: str,
    columns: Sequence[str],
    rows: Sequence[dict[str, Any]],
    cells: Callable[[dict[str, Any]], list[str]],
    terms: Sequence[str],
    several_docs: bool,
) -> tuple[str, int]:
    """Rows holding every search term (in a cell, the clause, the document
    title or the quoted sentence), terms highlighted; a row opens its clause."""
    shown = []
    for row in rows:
        source = row.get("source") or {}
        values = cells(row)
        haystack = " ".join(values + [source.get("clause", ""), source.get("quote", ""), source.get("doc_title", "")]).lower()
        if any(term.lower() not in haystack for term in terms):
            continue
        tds = "".join(
            f"<td>{_highlighted(value, 0, {'term': _term_spans(value, terms)}) if value else '—'}</td>" for value in values
        )
        clause = _highlighted(source.get("clause", ""), 0, {"term": _term_spans(source.get("clause", ""), terms)})
        doc = f'<div class="pq-cell-doc">《{esc(source.get("doc_title", ""))}》</div>' if several_docs and source else ""
        attrs = _source_attrs(source or None)
        opener = ' role="button" tabindex="0"' if attrs else ""
        title = f' title="{esc(_tidy(source.get("quote", "")))}"' if source.get("quote") else ""
        shown.append(
            f'<tr class="pq-fact-row"{opener}{attrs}{title}>{tds}'
            f'<td class="pq-cell-clause"><span class="pq-link">{clause or "—"}</span>{doc}</td></tr>'
        )
    header = "".join(f"<th>{esc(name)}</th>" for name in columns)
    if shown:
        body = "".join(shown)
    else:
        body = f'<tr class="pq-fact-none"><td colspan="{len(columns)}">没有符合筛选条件的行。</td></tr>'
    return (
        f'<table class="pq-table pq-facts-table" data-kind="{esc(kind)}"><thead><tr>{header}</tr></thead>'
        f"<tbody>{body}</tbody></table>",
        len(shown),
    )


def render_facts_tables(tables: dict[str, list[dict[str, Any]]], query: str = "") -> str:
    """The 指标 and 职责 tables of Service.facts_tables(), filtered by `query`
    (every whitespace-separated word must occur in the row)."""
    if len(query or "") > 100:
        return '<div class="pq-error">筛选词过长：请控制在 100 字以内。</div>'
    terms = search_terms(query)
    several = len(tables.get("documents", [])) > 1
    targets, n_targets = _fact_table("targets", TARGET_COLUMNS, tables.get("targets", []), _target_cells, terms, several)
    roles, n_roles = _fact_table("roles", ROLE_COLUMNS, tables.get("roles", []), _role_cells, terms, several)
    filtered = f"筛选“{esc(' '.join(terms))}”：" if terms else ""
    return (
        '<div class="pq-facts">'
        f'<div class="pq-facts-hint">{filtered}指标 {n_targets}/{len(tables.get("targets", []))} 行，'
        f'职责 {n_roles}/{len(tables.get("roles", []))} 行。点击一行查看该条款的原文。</div>'
        f'<div class="pq-section-title" id="pq-targets-title">指标（文件中的量化目标）</div>{targets}'
        f'<div class="pq-section-title" id="pq-roles-title">职责（指挥部、攻坚队、牵头与参与单位）</div>{roles}'
        "</div>"
    )


# ---------------------------------------------------------------------------
# The Blocks
# ---------------------------------------------------------------------------


@dataclass
class UIContext:
    """What a tab added through the hook may use."""

    service: Service
    doc_filter: gr.Dropdown  # 问答: documents the question is restricted to
    qa_viewer: gr.HTML  # 问答: the document panel
    render_document: Callable[..., str]
    esc: Callable[[Any], str]


ExtraTabs = Callable[[UIContext], None]


def _guarded(fn: Callable[..., Any], fallback: Callable[[str], Any]) -> Callable[..., Any]:
    """Domain errors become their Chinese message; anything else a generic one, never a traceback."""

    @functools.wraps(fn)  # Gradio reads the signature for gr.EventData
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except PolicyQAError as e:
            return fallback(str(e))
        except Exception:
            log.exception("UI handler failed")
            return fallback(INTERNAL_ERROR)

    return wrapped


def add_extra_tabs(ui: UIContext) -> None:
    """The 企业政策匹配 and 职责与指标 tabs.

    Called inside `gr.Tabs()` right after 文件管理, inside the Blocks context.
    Both tabs only render what `Service.match` (qa.match) and
    `Service.facts_tables` (indexer.facts) return; each has a document panel of
    its own, drawn by the same `render_document` as the 问答 tab's, where a
    clicked card or row opens its clause with the quote highlighted.
    """
    service = ui.service

    def open_source(evt: gr.EventData) -> str:
        data = evt._data if isinstance(getattr(evt, "_data", None), dict) else {}
        try:
            doc_id = str(data.get("doc_id") or "")
            start, end = int(data.get("start")), int(data.get("end"))
        except (TypeError, ValueError):
            return SIDE_VIEWER_EMPTY
        return ui.render_document(service.view, doc_id, start, end, str(data.get("chunk_id") or ""))

    open_args = dict(api_visibility="private", show_progress="hidden")

    # ------------------------------------------------------------ 企业政策匹配
    with gr.Tab("企业政策匹配", id="match"):
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                with gr.Row(equal_height=True):
                    profile = gr.Textbox(
                        label="企业描述（用自己的话说明企业做什么、规模和所在地）",
                        placeholder=f"例如：{MATCH_PLACEHOLDER}",
                        lines=2,
                        max_lines=6,
                        scale=6,
                        elem_id="pq-profile",
                    )
                    match_button = gr.Button("匹配", variant="primary", scale=1, min_width=90, elem_id="pq-match")
                gr.Markdown("**示例企业**（点击填入描述框，再点“匹配”）")
                with gr.Row(elem_classes="pq-examples"):
                    example_buttons = [
                        (gr.Button(label, size="sm", variant="secondary", elem_classes="pq-profile-example"), text)
                        for label, text in MATCH_EXAMPLES
                    ]
                match_result = gr.HTML(MATCH_EMPTY, elem_id="pq-match-result", js_on_load=OPEN_JS)
            with gr.Column(scale=2, elem_classes="pq-side-viewer"):
                gr.Markdown("**原文**")
                match_viewer = gr.HTML(SIDE_VIEWER_EMPTY, elem_id="pq-match-viewer", js_on_load=VIEWER_JS)

    def on_match(text: str):
        result = service.match(text)
        return render_match(result, service.facts_tables()["roles"]), SIDE_VIEWER_EMPTY

    match_args = dict(
        fn=_guarded(on_match, lambda message: (render_match_error(message), gr.update())),
        inputs=[profile],
        outputs=[match_result, match_viewer],
        api_visibility="private",
        show_progress="minimal",
    )
    match_button.click(**match_args)
    profile.submit(**match_args)
    for button, text in example_buttons:
        button.click(None, None, profile, js=f"() => {json.dumps(text, ensure_ascii=False)}", api_visibility="private")
    match_result.click(_guarded(open_source, render_match_error), None, match_viewer, **open_args)

    # ------------------------------------------------------------ 职责与指标
    tables = service.facts_tables()
    with gr.Tab("职责与指标", id="facts") as facts_tab:
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                gr.Markdown("**文件基本信息**")
                document_facts = gr.HTML(render_document_facts(tables["documents"]), elem_id="pq-doc-facts", js_on_load=OPEN_JS)
                facts_search = gr.Textbox(
                    label="筛选表格（输入词语即时过滤两张表；多个词用空格分开）",
                    placeholder="例如：新能源汽车、2022、联系人、王法体",
                    lines=1,
                    elem_id="pq-facts-search",
                )
                facts_tables = gr.HTML(render_facts_tables(tables), elem_id="pq-facts-tables", js_on_load=OPEN_JS)
            with gr.Column(scale=2, elem_classes="pq-side-viewer"):
                gr.Markdown("**原文**")
                facts_viewer = gr.HTML(SIDE_VIEWER_EMPTY, elem_id="pq-facts-viewer", js_on_load=VIEWER_JS)

    def on_facts_search(query: str) -> str:
        return render_facts_tables(service.facts_tables(), query)

    search_handler = _guarded(on_facts_search, render_match_error)
    # .change, not .input: it also fires for pasted text and text entered through an IME.
    facts_search.change(search_handler, [facts_search], facts_tables, trigger_mode="always_last", **open_args)
    facts_search.submit(search_handler, [facts_search], facts_tables, **open_args)

    def on_facts_tab(query: str):
        # The corpus may have changed in 文件管理 since the page was drawn.
        current = service.facts_tables()
        return render_document_facts(current["documents"]), render_facts_tables(current, query)

    facts_tab.select(
        _guarded(on_facts_tab, lambda message: (render_match_error(message), gr.update())),
        [facts_search],
        [document_facts, facts_tables],
        **open_args,
    )
    for source in (document_facts, facts_tables):
        source.click(_guarded(open_source, render_match_error), None, facts_viewer, **open_args)


def _choices(service: Service) -> list[tuple[str, str]]:
    return [(f"{row['title']}（{row['doc_id']}）", row["doc_id"]) for row in service.list_documents()]


def _discard_upload(path: str, upload_root: str) -> None:
    """Delete Gradio's temporary copy of an upload once it is in the corpus, so
    the document is not also reachable under Gradio's upload folder."""
    try:
        file = Path(path).resolve()
        if file.is_relative_to(Path(upload_root).resolve()):
            file.unlink(missing_ok=True)
    except OSError:
        pass


def _is_admin(password: str | None, expected: str) -> bool:
    return not expected or hmac.compare_digest((password or "").encode("utf-8"), expected.encode("utf-8"))


def build_ui(service: Service, admin_password: str | None = None, extra_tabs: ExtraTabs | None = add_extra_tabs) -> gr.Blocks:
    """The Gradio Blocks of the whole UI over one shared Service."""
    admin_password = admin_password or ""

    safe = _guarded

    with gr.Blocks(title="PolicyQA 政策文件问答", analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
        gr.HTML(
            "<h1>PolicyQA 政策文件问答</h1><p>回答只摘录政策文件原文，并逐条标注出处；文件没有写的内容，会直接说明“文件未提及”。</p>",
            elem_id="pq-header",
            js_on_load=None,
        )
        turns = gr.State([])
        with gr.Tabs():
            # ------------------------------------------------------------ 问答
            with gr.Tab("问答", id="qa"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        doc_filter = gr.Dropdown(
                            choices=_choices(service),
                            multiselect=True,
                            label="限定文件（不选则在全部文件中查找）",
                            elem_id="pq-doc-filter",
                        )
                        conversation = gr.HTML(
                            render_conversation([], service.view),
                            elem_id="pq-conversation",
                            js_on_load=CONVERSATION_JS,
                            max_height=720,
                        )
                        with gr.Row(equal_height=True):
                            question = gr.Textbox(
                                label="问题",
                                placeholder="请输入问题，例如：牵头单位的联系人和电话分别是什么？（按回车提问）",
                                lines=1,
                                scale=6,
                                elem_id="pq-question",
                            )
                            ask_button = gr.Button("提问", variant="primary", scale=1, elem_id="pq-ask", min_width=90)
                        gr.Markdown("**示例问题**（点击填入问题框）")
                        example_buttons = []
                        for kind, texts in EXAMPLES.items():
                            with gr.Row(elem_classes="pq-examples"):
                                gr.Markdown(f"{kind}：", elem_classes="pq-example-kind")
                                for text in texts:
                                    example_buttons.append(
                                        (gr.Button(text, size="sm", variant="secondary", elem_classes="pq-example"), text)
                                    )
                        with gr.Accordion("这个回答有用吗？", open=True, elem_id="pq-feedback"):
                            comment = gr.Textbox(label="意见（可选）", placeholder="例如：引用的条款不对 / 回答不完整", lines=1, elem_id="pq-comment")
                            with gr.Row():
                                useful = gr.Button("有用", size="sm", elem_id="pq-useful")
                                useless = gr.Button("没用", size="sm", elem_id="pq-useless")
                            feedback_status = gr.HTML("", elem_id="pq-feedback-status", js_on_load=None)
                    with gr.Column(scale=2, elem_id="pq-viewer-col"):
                        gr.Markdown("**原文**")
                        qa_viewer = gr.HTML(render_document(service.view, None), elem_id="pq-viewer", js_on_load=VIEWER_JS)

            # ------------------------------------------------------------ 文件浏览
            with gr.Tab("文件浏览", id="browse"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=2):
                        browse_doc = gr.Dropdown(choices=_choices(service), value=None, label="选择文件", elem_id="pq-browse-doc")
                        search_box = gr.Textbox(
                            label="在文件中查找",
                            placeholder="输入词语后按回车，例如：联系人；多个词用空格分开",
                            elem_id="pq-search",
                        )
                        search_all = gr.Checkbox(value=True, label="查找全部文件（取消则只查所选文件）", elem_id="pq-search-all")
                        search_results = gr.HTML("", elem_id="pq-search-results", js_on_load=OPEN_JS)
                        gr.Markdown("**目录**（点击条目查看原文）")
                        outline = gr.HTML(render_outline(service.view, None), elem_id="pq-outline", js_on_load=OPEN_JS)
                    with gr.Column(scale=3):
                        browse_viewer = gr.HTML(
                            '<div class="pq-empty">选择文件后在这里显示全文；点击目录或查找结果会跳到相应位置。</div>',
                            elem_id="pq-browse-viewer",
                            js_on_load=VIEWER_JS,
                        )

            # ------------------------------------------------------------ 文件管理
            with gr.Tab("文件管理", id="manage"):
                index_state = gr.HTML(render_index_state(service.index_state()), elem_id="pq-index-state", js_on_load=None)
                documents_table = gr.HTML(render_documents_table(service.list_documents()), elem_id="pq-documents", js_on_load=None)
                if admin_password:
                    password = gr.Textbox(
                        label="管理密码",
                        type="password",
                        placeholder="上传或删除文件前请输入管理密码",
                        elem_id="pq-admin-password",
                    )
                else:
                    password = gr.Textbox(value="", visible=False)
                    gr.Markdown(
                        f"提示：未设置管理密码（环境变量 `{ADMIN_PASSWORD_ENV}`），能打开本页面的人都可以上传和删除文件。"
                    )
                with gr.Row(equal_height=False):
                    with gr.Column():
                        upload = gr.File(
                            label=f"上传文件（{' '.join(SUPPORTED_SUFFIXES)}，不超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB）",
                            file_count="single",
                            type="filepath",
                            elem_id="pq-upload",
                        )
                        upload_button = gr.Button("上传并更新索引", variant="primary", elem_id="pq-upload-button")
                    with gr.Column():
                        remove_doc = gr.Dropdown(choices=_choices(service), value=None, label="要删除的文件", elem_id="pq-remove-doc")
                        remove_confirm = gr.Checkbox(label="确认删除该文件（同时从索引中移除）", elem_id="pq-remove-confirm")
                        remove_button = gr.Button("删除并更新索引", variant="stop", elem_id="pq-remove-button")
                manage_status = gr.HTML("", elem_id="pq-manage-status", js_on_load=None)

            if extra_tabs is not None:
                extra_tabs(UIContext(service, doc_filter, qa_viewer, render_document, esc))

        # ---------------------------------------------------------------- events
        def on_ask(text: str, doc_ids: list[str] | None, history: list[dict[str, Any]]):
            history = list(history or [])
            try:
                answer = service.ask(text, top_k=DEFAULT_TOP_K, doc_ids=doc_ids or None)
            except PolicyQAError as e:
                return render_conversation(history, service.view, error=str(e)), history, gr.update(), gr.update(), gr.update()
            except Exception:
                log.exception("ask failed")
                return render_conversation(history, service.view, error=INTERNAL_ERROR), history, gr.update(), gr.update(), gr.update()
            history = (history + [answer])[-MAX_TURNS:]
            first = answer["citations"][0] if answer["citations"] else None
            if first is not None:
                viewer = render_document(service.view, first["doc_id"], first["start"], first["end"], first["chunk_id"])
            else:
                viewer = gr.update()
            return render_conversation(history, service.view), history, "", viewer, ""

        ask_args = dict(
            fn=on_ask,
            inputs=[question, doc_filter, turns],
            outputs=[conversation, turns, question, qa_viewer, feedback_status],
            api_visibility="private",
            show_progress="minimal",
        )
        ask_button.click(**ask_args)
        question.submit(**ask_args)

        for button, text in example_buttons:
            button.click(None, None, question, js=f"() => {json.dumps(text, ensure_ascii=False)}", api_visibility="private")

        def open_clause(evt: gr.EventData, terms_query: str = "") -> str:
            data = evt._data if isinstance(getattr(evt, "_data", None), dict) else {}
            try:
                doc_id = str(data.get("doc_id") or "")
                start, end = int(data.get("start")), int(data.get("end"))
            except (TypeError, ValueError):
                return render_document(service.view, None)
            return render_document(service.view, doc_id, start, end, str(data.get("chunk_id") or ""), terms=search_terms(terms_query))

        conversation.click(
            safe(open_clause, lambda m: _message(m, False)),
            None,
            qa_viewer,
            api_visibility="private",
            show_progress="hidden",
        )

        def open_browse(terms_query: str, current: str | None, evt: gr.EventData):
            """A search hit or outline node: show it; a hit in another document
            also switches the chosen document and its outline."""
            data = evt._data if isinstance(getattr(evt, "_data", None), dict) else {}
            doc_id = data.get("doc_id")
            if doc_id in service.view.documents and doc_id != current:
                return open_clause(evt, terms_query), gr.update(value=doc_id), render_outline(service.view, doc_id)
            return open_clause(evt, terms_query), gr.update(), gr.update()

        for source in (search_results, outline):
            source.click(
                safe(open_browse, lambda m: (_message(m, False), gr.update(), gr.update())),
                [search_box, browse_doc],
                [browse_viewer, browse_doc, outline],
                api_visibility="private",
                show_progress="hidden",
            )

        def on_browse_doc(doc_id: str | None, query: str):
            if not doc_id:
                return render_outline(service.view, None), gr.update()
            return render_outline(service.view, doc_id), render_document(service.view, doc_id, terms=search_terms(query))

        browse_doc.input(
            safe(on_browse_doc, lambda m: (_message(m, False), gr.update())),
            [browse_doc, search_box],
            [outline, browse_viewer],
            api_visibility="private",
            show_progress="hidden",
        )

        def on_search(query: str, everywhere: bool, doc_id: str | None):
            results = render_search(service.view, query, None if everywhere else doc_id)
            viewer = render_document(service.view, doc_id, terms=search_terms(query)) if doc_id else gr.update()
            return results, viewer

        search_args = dict(
            fn=safe(on_search, lambda m: (_message(m, False), gr.update())),
            inputs=[search_box, search_all, browse_doc],
            outputs=[search_results, browse_viewer],
            api_visibility="private",
            show_progress="hidden",
        )
        search_box.submit(**search_args)
        search_all.input(**search_args)

        def on_feedback(rating: str):
            def handler(history: list[dict[str, Any]], note: str):
                if not history:
                    return _message("请先提问，再评价回答。", False), gr.update()
                last = history[-1]
                service.feedback(
                    {
                        "question": last.get("question", ""),
                        "answer": last.get("answer", ""),
                        "citations": last.get("citations", []),
                        "rating": rating,
                        "comment": note,
                    }
                )
                return _message(f"已记录您的评价：{rating}。谢谢！", True), ""

            handler.__name__ = f"feedback_{'useful' if rating == RATINGS[0] else 'useless'}"
            return safe(handler, lambda m: (_message(m, False), gr.update()))

        useful.click(on_feedback(RATINGS[0]), [turns, comment], [feedback_status, comment], api_visibility="private")
        useless.click(on_feedback(RATINGS[1]), [turns, comment], [feedback_status, comment], api_visibility="private")

        def refreshed(message: str, ok: bool) -> tuple[Any, ...]:
            """Status message, then every list of documents on the page, then the
            upload / confirm input, cleared whatever the outcome."""
            choices = _choices(service)
            return (
                _message(message, ok),
                render_documents_table(service.list_documents()),
                render_index_state(service.index_state()),
                gr.update(choices=choices),
                gr.update(choices=choices),
                gr.update(choices=choices, value=None) if ok else gr.update(choices=choices),
                gr.update(value=None),
            )

        manage_outputs = [manage_status, documents_table, index_state, doc_filter, browse_doc, remove_doc]

        def on_upload(path: str | None, secret: str, progress=gr.Progress()):
            if not _is_admin(secret, admin_password):
                return refreshed("管理密码不正确：上传未执行。", False)
            if not path:
                return refreshed("请先选择要上传的文件。", False)
            try:
                added = service.add_document(
                    path, Path(path).name, progress=lambda fraction, message: progress(fraction, desc=message)
                )
            except PolicyQAError as e:
                return refreshed(f"上传被拒绝：{e}", False)
            except Exception:
                log.exception("upload failed")
                return refreshed(INTERNAL_ERROR, False)
            _discard_upload(path, demo.GRADIO_CACHE)
            return refreshed(
                f"已加入《{added['title']}》（{added['file']}）：{added['chunks']} 个条款，索引已更新，现在可以提问。", True
            )

        upload_button.click(
            on_upload,
            [upload, password],
            manage_outputs + [upload],
            api_visibility="private",
            concurrency_limit=1,
            concurrency_id="corpus",
        )

        def on_remove(doc_id: str | None, confirmed: bool, secret: str, progress=gr.Progress()):
            if not _is_admin(secret, admin_password):
                return refreshed("管理密码不正确：删除未执行。", False)
            if not doc_id:
                return refreshed("请先选择要删除的文件。", False)
            if not confirmed:
                return refreshed("请勾选“确认删除”后再点击删除。", False)
            try:
                removed = service.remove_document(doc_id, progress=lambda fraction, message: progress(fraction, desc=message))
            except PolicyQAError as e:
                return refreshed(f"删除未执行：{e}", False)
            except Exception:
                log.exception("remove failed")
                return refreshed(INTERNAL_ERROR, False)
            return refreshed(f"已删除《{removed['title']}》（{removed['file']}），索引已更新。", True)

        remove_button.click(
            on_remove,
            [remove_doc, remove_confirm, password],
            manage_outputs + [remove_confirm],
            api_visibility="private",
            concurrency_limit=1,
            concurrency_id="corpus",
        )

        def on_load():
            choices = _choices(service)
            return (
                gr.update(choices=choices),
                gr.update(choices=choices),
                gr.update(choices=choices),
                render_documents_table(service.list_documents()),
                render_index_state(service.index_state()),
            )

        demo.load(
            safe(on_load, lambda m: (gr.update(),) * 3 + (_message(m, False), gr.update())),
            None,
            [doc_filter, browse_doc, remove_doc, documents_table, index_state],
            api_visibility="private",
            show_progress="hidden",
        )

        # The endpoint for gradio_client: the same object as POST /api/ask, as JSON
        # text, because gradio_client takes any dict with a "path" key (as every
        # citation has) for a file to download.
        def ask(question: str, top_k: int = DEFAULT_TOP_K, doc_ids: list[str] | None = None) -> str:
            """回答一个问题，返回 Answer.to_json() 对象的 JSON 文本（answer、abstained、citations、passages…）。"""
            try:
                return json.dumps(service.ask(question, top_k=top_k, doc_ids=doc_ids or None), ensure_ascii=False)
            except PolicyQAError as e:
                raise gr.Error(str(e)) from None

        gr.api(ask, api_name="ask")

    return demo


# ---------------------------------------------------------------------------
# The FastAPI app and the server
# ---------------------------------------------------------------------------


def _api_error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def create_app(service: Service, admin_password: str | None = None, extra_tabs: ExtraTabs | None = add_extra_tabs):
    """The FastAPI app: POST /api/ask plus the Gradio UI mounted at /."""
    if admin_password is None:
        admin_password = os.environ.get(ADMIN_PASSWORD_ENV, "")
    app = FastAPI(title="PolicyQA", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/api/ask")
    async def api_ask(request: Request):
        raw = await request.body()
        if len(raw) > 64 * 1024:
            return _api_error("请求过大：问题请控制在 500 字以内。")
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return _api_error('请求体必须是 JSON 对象，例如 {"question": "牵头单位是谁？", "top_k": 5}。')
        if not isinstance(payload, dict):
            return _api_error('请求体必须是 JSON 对象，例如 {"question": "牵头单位是谁？", "top_k": 5}。')
        question = payload.get("question")
        if not isinstance(question, str):
            return _api_error("缺少问题：question 必须是文本，例如 \"牵头单位是谁？\"。")
        top_k = payload.get("top_k", DEFAULT_TOP_K)
        if top_k is None:
            top_k = DEFAULT_TOP_K
        if isinstance(top_k, bool) or not isinstance(top_k, int):
            return _api_error("top_k 必须是整数，例如 5。")
        doc_ids = payload.get("doc_ids")
        try:
            return await run_in_threadpool(service.ask, question, top_k, doc_ids)
        except PolicyQAError as e:
            return _api_error(str(e))
        except Exception:
            log.exception("/api/ask failed")
            return _api_error(INTERNAL_ERROR, 500)

    demo = build_ui(service, admin_password=admin_password, extra_tabs=extra_tabs)
    demo.queue(default_concurrency_limit=4, max_size=64)
    blocked = [str(Path(p).resolve()) for p in (service.index_dir, service.corpus_dir, service.data_dir)]
    return gr.mount_gradio_app(
        app,
        demo,
        path="/",
        footer_links=[],
        allowed_paths=[],
        blocked_paths=blocked,
        show_error=False,
        max_file_size=200 * 1024 * 1024,
        ssr_mode=False,
        mcp_server=False,
        theme=gr.themes.Default(
            primary_hue="blue",
            font=("PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "system-ui", "sans-serif"),
        ),
        css=CSS,
        head=HEAD,
    )


def serve(host: str, port: int, index_dir: Path, corpus_dir: Path, data_dir: Path) -> None:
    """Load the index and model once and serve the UI and /api/ask until interrupted."""
    import uvicorn

    service = Service.open(Path(index_dir), Path(corpus_dir), Path(data_dir))
    app = create_app(service)
    uvicorn.run(app, host=host or "127.0.0.1", port=int(port), log_level="warning")
