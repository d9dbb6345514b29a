"""HTML for the 文件浏览 tab: a document with its clause highlighted, its
outline, and search hits. Pure functions of the `Service`'s view, no Gradio,
no state; every piece of text goes through `esc`."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from indexer.docmeta import document_dates

from .render import esc, open_attrs
from .service import CorpusView

FULL_TEXT_LIMIT = 60_000  # longer documents are shown as a window around the clause
WINDOW_CHARS = 6_000
MAX_SEARCH_HITS = 60
SNIPPET_CONTEXT = 36
MAX_GROUP_CHARS = 120  # one search line covers at most this stretch of text
ADJACENT_CHARS = 2  # matches this close are one place ("新能源的汽车")


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
