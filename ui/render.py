"""HTML for the 问答, 文件浏览 and 文件管理 tabs: pure functions of what `qa` and
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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from indexer.docmeta import NOT_STATED, document_dates
from qa.doc_status import IN_FORCE

from .service import CorpusView

FULL_TEXT_LIMIT = 60_000  # longer documents are shown as a window around the clause
WINDOW_CHARS = 6_000
NEAREST_SHOWN = 3  # nearest clauses shown under an abstaining answer
MAX_SEARCH_HITS = 60
SNIPPET_CONTEXT = 36
MAX_GROUP_CHARS = 120  # one search line covers at most this stretch of text
ADJACENT_CHARS = 2  # matches this close are one place ("新能源的汽车")


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


def _meta_line(doc: Any, status: str = "") -> str:
    """The viewer's line about a document: its status, then the date model
    (the same four dates, the same labels, as 文件管理 and 职责与指标)."""
    items = [("状态", status), ("发文字号", doc.doc_number), ("发文机关", doc.issuer)]
    items += document_dates(doc).items()
    items += [("实施期限", doc.period), ("来源", doc.source), ("文件", doc.source_path)]
    return " ｜ ".join(f"{label}：{esc(value)}" for label, value in items if value)


def term_spans(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
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


def highlighted(text: str, offset: int, layers: dict[str, list[tuple[int, int]]]) -> str:
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
    # Each span is +1 at its start and -1 at its end (both cut points, or the
    # text's ends), so one sweep knows the layers covering each piece: linear
    # in spans and pieces (testing every span for every piece took 2–3 s for
    # "， 。 的" in a 59,000-character document).
    changes: dict[int, dict[str, int]] = {}
    for name, spans in layers.items():
        for s, e in spans:
            s, e = max(s, offset), min(e, end)
            if s < e:
                changes.setdefault(s, {}).setdefault(name, 0)
                changes[s][name] += 1
                changes.setdefault(e, {}).setdefault(name, 0)
                changes[e][name] -= 1
    covering = dict.fromkeys(layers, 0)
    out = []
    for a, b in zip(points, points[1:]):
        for name, change in changes.get(a, {}).items():
            covering[name] += change
        # Blank lines between paragraphs only stretch the panel.
        piece = esc(_BLANK_LINES.sub("\n", text[a - offset : b - offset]))
        classes = [name for name in layers if covering[name] > 0]
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
        layers["term"] = term_spans(text, terms)
    # Very long documents: a window of whole lines around the clause.
    lo, hi = 0, len(text)
    if len(text) > FULL_TEXT_LIMIT:
        centre = start if start is not None else 0
        lo = max(0, centre - WINDOW_CHARS)
        hi = min(len(text), (end if end is not None else centre) + WINDOW_CHARS)
        lo = text.rfind("\n", 0, lo) + 1 if lo else 0
        newline = text.find("\n", hi)
        hi = len(text) if newline == -1 else newline
    body = highlighted(text[lo:hi], lo, layers)
    if lo > 0:
        body = '<div class="pq-omitted">……（前文从略，可在“文件浏览”中查看全文）</div>' + body
    if hi < len(text):
        body += '<div class="pq-omitted">……（后文从略）</div>'
    return (
        f'<div class="pq-viewer" data-doc="{esc(doc_id)}">'
        f'<div class="pq-viewer-head"><h3>《{esc(doc.title)}》</h3><div class="pq-meta">{_meta_line(doc, view.status_of(doc.doc_id))}</div>'
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
            # A statute's article is labelled by its clause already ("第一条"): no second badge.
            badge = node.clause and not node.label.startswith(node.clause)
            clause = f'<span class="pq-node-clause">{esc(node.clause)}</span>' if badge else ""
            items.append(
                f'<li><span class="pq-node" role="button" tabindex="0"{open_attrs(doc_id, node.start, heading_end)}'
                f' data-focus-end="{node.end}">{clause}{esc(node.label)}</span>'
                f"{render(list(node.children.values())) if node.children else ''}</li>"
            )
        return f"<ul>{''.join(items)}</ul>"

    return f'<div class="pq-outline">{render(outline_tree(view, doc_id))}</div>'


def search_terms(query: str) -> list[str]:
    """The query's words (at most 5), each once whatever its case."""
    first: dict[str, str] = {}
    for term in re.split(r"\s+", (query or "").strip()):
        if term:
            first.setdefault(term.lower(), term)
    return list(first.values())[:5]


def hit_groups(spans: Sequence[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Sorted match spans grouped by place: matches that overlap or touch
    ("新能源 汽车" in 新能源汽车) make one line, so a place is listed once with every
    word marked, never once per word; separate occurrences keep their own lines."""
    groups: list[list[tuple[int, int]]] = []
    for a, b in spans:
        last = groups[-1] if groups else None
        if last and a <= last[-1][1] + ADJACENT_CHARS and b - last[0][0] <= MAX_GROUP_CHARS:
            last.append((a, b))
        else:
            groups.append([(a, b)])
    return groups


def snippet_bounds(groups: Sequence[Sequence[tuple[int, int]]], n: int, length: int) -> tuple[int, int]:
    """The stretch of text line `n` of a search shows: SNIPPET_CONTEXT characters
    around its matches, but never past halfway to the next or previous match, so
    no sentence is shown on two lines (three close matches once gave three
    copies of one sentence)."""
    a, b = groups[n][0][0], groups[n][-1][1]
    lo, hi = max(0, a - SNIPPET_CONTEXT), min(length, b + SNIPPET_CONTEXT)
    if n > 0:
        lo = max(lo, (groups[n - 1][-1][1] + a + 1) // 2)
    if n + 1 < len(groups):
        hi = min(hi, (b + groups[n + 1][0][0]) // 2)
    return lo, hi


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
        spans = sorted(set(term_spans(doc.text, terms)))
        if not spans:
            continue
        total += len(spans)
        lines = []
        groups = hit_groups(spans)
        for n, group in enumerate(groups[:MAX_SEARCH_HITS]):
            a, b = group[0][0], group[-1][1]
            lo, hi = snippet_bounds(groups, n, len(doc.text))
            chunk = view.chunk_at(doc.doc_id, a, b)
            label = f'<span class="pq-node-clause">{esc(chunk.clause)}</span>' if chunk else ""
            snippet = highlighted(doc.text[lo:hi].replace("\n", " "), lo, {"term": list(group)})
            lines.append(
                f'<div class="pq-hitline" role="button" tabindex="0"{open_attrs(doc.doc_id, a, b, chunk.chunk_id if chunk else "")}>'
                f"{label}…{snippet}…</div>"
            )
        more = f'<div class="pq-omitted">另有 {len(groups) - MAX_SEARCH_HITS} 处未列出</div>' if len(groups) > MAX_SEARCH_HITS else ""
        blocks.append(f'<div class="pq-section-title">《{esc(doc.title)}》：{len(spans)} 处</div>{"".join(lines)}{more}')
    if not blocks:
        return f'<div class="pq-empty">没有找到“{esc(" ".join(terms))}”。</div>'
    return f'<div class="pq-results"><div>共找到 {total} 处。点击一条查看原文。</div>{"".join(blocks)}</div>'


# 文件管理's table: column heading -> key of a `Service.list_documents` row; what a
# reader looks for first (status, in force since, who issued it, where) comes first.
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

