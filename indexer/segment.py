"""Segment a policy document by its own numbering, the way people cite it.

Chinese official documents number their parts 一、 → （一） → 1. → （1）, some
add 第X章 / 第X条, and many end with an 附件. We find every numbered marker,
keep a stack of open headings, and cut the text at each marker: every piece
is the smallest numbered unit (its heading plus the text up to the next
marker), so the pieces tile the document and none is lost or repeated.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from .types import Chunk, Document

_CN_NUM = "一二三四五六七八九十百零〇"

# Ranks: smaller is higher in the tree. A marker closes every open heading of
# the same or a lower rank.
RANK_ATTACHMENT = 0
RANK_PART = 1  # 第X编 of a code
RANK_SUBPART = 2  # 第X分编
RANK_CHAPTER = 3
RANK_LAW_SECTION = 4  # 第X节 inside a chapter
RANK_SECTION = 5  # 一、
RANK_ARTICLE = 6  # 第X条
RANK_SUBSECTION = 7  # （一）
RANK_ITEM = 8  # 1.
RANK_SUBITEM = 9  # （1）
RANK_ROSTER_FIELD = 10  # "队长:" / "牵头单位:" lines inside an attachment
RANK_TABLE = 11  # "表1：指标 | 2022年目标 | 牵头单位", a table as the loaders write it
RANK_TABLE_ROW = 12  # "指标：新能源汽车产量 | 2022年目标：15万辆 | …", one row of it

_NUMBER = rf"[{_CN_NUM}千\d]+"
_LINE_MARKERS: list[tuple[int, re.Pattern[str]]] = [
    (RANK_ATTACHMENT, re.compile(r"(?:附件\s*\d*\s*[:：]|【\s*附\s*件\s*\d*\s*】|附件\s*\d*\s*$)", re.M)),
    (RANK_PART, re.compile(rf"第{_NUMBER}编")),
    (RANK_SUBPART, re.compile(rf"第{_NUMBER}分编")),
    (RANK_CHAPTER, re.compile(rf"第{_NUMBER}章")),
    (RANK_LAW_SECTION, re.compile(rf"第{_NUMBER}节(?=[\s　]|$)", re.M)),
    (RANK_SECTION, re.compile(rf"[{_CN_NUM}]+、")),
    # An article number opens an article only when a space, a colon or the line end
    # follows: "第三十条规定的…" or "第五条第二款…" at a line start is a reference.
    (RANK_ARTICLE, re.compile(rf"第{_NUMBER}条(?:之[{_CN_NUM}]+)?(?=[\s　:：]|$)", re.M)),
    (RANK_SUBSECTION, re.compile(rf"[（(][{_CN_NUM}]+[)）]")),
    (RANK_ITEM, re.compile(r"\d{1,2}[.．、](?![\d%])")),
    (RANK_SUBITEM, re.compile(r"[（(]\d{1,2}[)）]")),
]
# Statute divisions: named in a breadcrumb by their heading line ("第五章 法律责任"),
# while an article is named by its number alone ("第四十五条"), which is how laws are cited.
_STATUTE_HEADINGS = frozenset({RANK_PART, RANK_SUBPART, RANK_CHAPTER, RANK_LAW_SECTION})
# Items "(1)…(2)…" often share one paragraph; they start after a sentence end.
_INLINE_SUBITEM = re.compile(r"(?<=[。；;：:])\s*([（(](\d{1,2})[)）])")
_TABLE = re.compile(r"表(\d+)[:：](?=[^\n]* \| )")
_TABLE_ROW = re.compile(r"[^\n]* \| ")
_ROSTER_FIELD = re.compile(r"([\u4e00-\u9fff][\u4e00-\u9fff\s]{0,10}?[\u4e00-\u9fff])[^\S\n]*[:：]")
_LINE_START = re.compile(r"^[^\S\n]*(?=\S)", re.M)
# An article's number before its text: a lead-in carried into its items needs no number (the breadcrumb has it).
_ARTICLE_NUMBER = re.compile(r"^第[零一二三四五六七八九十百千]+条\s*")
_SENTENCE_END = re.compile(r"[。；;！!？?]+[”’」』)）]*|\n+")

# v3: statute labels, 编/分编/节, no Markdown marks; v4: 题注; v5-6: statute titles in the
# embedded text; v7: table rows (表N第M行) as chunks of their own.
SEGMENTER_VERSION = "numbered-units-v8"  # v8: items carry their list's lead-in


@dataclass(frozen=True)
class _Marker:
    start: int
    rank: int
    label: str  # the label component, e.g. "二", "（二）", "2", "（3）", "附件"
    title: str  # the heading as shown in a breadcrumb


def _to_fullwidth_parens(text: str) -> str:
    return text.replace("(", "（").replace(")", "）")


def _label_component(rank: int, marker_text: str) -> str:
    marker_text = re.sub(r"\s+", "", marker_text)
    if rank == RANK_SECTION:
        return marker_text.rstrip("、")
    if rank == RANK_ITEM:
        return marker_text.rstrip(".．、")
    if rank == RANK_ATTACHMENT:
        return "附件"
    return _to_fullwidth_parens(marker_text)


def _heading_title(text: str, start: int, attachment: bool = False) -> str:
    """The heading as people would name it: the marker and the words up to the
    first sentence end, shortened when the item has no short heading."""
    line_end = text.find("\n", start)
    line = text[start : line_end if line_end != -1 else len(text)]
    if attachment:  # an attachment is named by its whole title line
        return line.strip()
    head = re.split(r"[。；;]", line, maxsplit=1)[0].strip()
    if len(head) > 24:
        head = re.split(r"[,，、]", head, maxsplit=1)[0]
        if len(head) > 24:
            head = head[:20]
        head += "…"
    return _to_fullwidth_parens(head)


def _table_marker(text: str, pos: int, in_table: bool, rows: int) -> _Marker | None:
    """A table's opening line (表N：header | …) or, inside a table, one of its rows."""
    table = _TABLE.match(text, pos)
    if table:
        return _Marker(pos, RANK_TABLE, f"表{table.group(1)}", _heading_title(text, pos, attachment=True))
    if in_table and _TABLE_ROW.match(text, pos):
        # The row is named by its first cell's value ("指标：海洋牧场面积" → 海洋牧场面积).
        first_cell = re.split(r"[:：]", text[pos:text.index(" | ", pos)], maxsplit=1)[-1].strip()
        return _Marker(pos, RANK_TABLE_ROW, f"第{rows + 1}行", first_cell)
    return None


def _statute_heading(text: str, start: int, marker_end: int) -> str:
    """"第一章  总  则" → "第一章 总则": the spaces laws put inside a short heading name nothing."""
    line_end = text.find("\n", marker_end)
    name = re.sub(r"\s+", "", text[marker_end : line_end if line_end != -1 else len(text)])
    marker = text[start:marker_end]
    if not name or len(name) > 24 or re.search(r"[。；;]", name):
        return marker  # a marker followed by body text, not a heading line
    return f"{marker} {name}"


def _find_markers(text: str) -> list[_Marker]:
    markers: list[_Marker] = []
    in_attachment = in_table = False
    rows = 0
    for line_match in _LINE_START.finditer(text):
        pos = line_match.end()
        table = _table_marker(text, pos, in_table, rows)
        if table is not None:
            in_table, rows = True, 0 if table.rank == RANK_TABLE else rows + 1
            markers.append(table)
            continue
        in_table = False
        for rank, pattern in _LINE_MARKERS:
            m = pattern.match(text, pos)
            if not m:
                continue
            if rank == RANK_ATTACHMENT:
                if in_attachment:  # "【附 件】" after the "附件:" line opens nothing new
                    break
                in_attachment = True
            label = _label_component(rank, m.group(0))
            if rank == RANK_ARTICLE:
                title = label
            elif rank in _STATUTE_HEADINGS:
                title = _statute_heading(text, pos, m.end())
            else:
                title = _heading_title(text, pos, rank == RANK_ATTACHMENT)
            markers.append(_Marker(pos, rank, label, title))
            break
        else:
            if in_attachment:
                m = _ROSTER_FIELD.match(text, pos)
                if m:
                    field_name = re.sub(r"\s+", "", m.group(1))
                    markers.append(_Marker(pos, RANK_ROSTER_FIELD, field_name, field_name))
    markers.extend(_inline_subitems(text, markers))
    markers.sort(key=lambda marker: marker.start)
    return markers


def _inline_subitems(text: str, line_markers: list[_Marker]) -> list[_Marker]:
    """Items "(2)…" inside a paragraph, accepted only when they continue the
    numbering of the paragraph's own items, so "(2019—2022年)" or a stray
    "(3)" in a sentence is never taken for a clause."""
    found: list[_Marker] = []
    boundaries = sorted(m.start for m in line_markers) + [len(text)]
    starts = {m.start: m for m in line_markers}
    expected = 1
    for index, begin in enumerate(boundaries[:-1]):
        marker = starts[begin]
        if marker.rank < RANK_SUBITEM:
            expected = 1
        elif marker.rank == RANK_SUBITEM:
            expected = int(re.sub(r"\D", "", marker.label)) + 1
        for m in _INLINE_SUBITEM.finditer(text, begin, boundaries[index + 1]):
            if int(m.group(2)) != expected:
                continue
            pos = m.start(1)
            found.append(_Marker(pos, RANK_SUBITEM, _to_fullwidth_parens(m.group(1)), _heading_title(text, pos)))
            expected += 1
    return found


@dataclass(frozen=True)
class Segment:
    """A numbered unit before ids and token limits are applied."""

    clause: str
    path: tuple[str, ...]
    start: int
    end: int
    kind: str


def _clause_label(stack: list[_Marker]) -> str:
    if stack and stack[0].rank == RANK_ATTACHMENT:
        return "·".join(marker.label for marker in stack)
    # Articles are numbered through the whole law and cited without their chapter:
    # "第四十五条（一）", not "第五章第四十五条（一）".
    articles = [i for i, marker in enumerate(stack) if marker.rank == RANK_ARTICLE]
    if articles:
        stack = stack[articles[-1]:]
    return "".join(marker.label for marker in stack)


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def find_segments(text: str) -> list[Segment]:
    """Cut `text` into its numbered units, in order, tiling every non-space character."""
    markers = _find_markers(text)
    segments: list[Segment] = []
    first_marker = markers[0].start if markers else len(text)
    start, end = _strip_span(text, 0, first_marker)
    if start < end:
        segments.append(Segment("引言", ("引言",), start, end, "preamble"))
    stack: list[_Marker] = []
    for index, marker in enumerate(markers):
        while stack and stack[-1].rank >= marker.rank:
            stack.pop()
        stack.append(marker)
        next_start = markers[index + 1].start if index + 1 < len(markers) else len(text)
        start, end = _strip_span(text, marker.start, next_start)
        if start >= end:
            continue
        body = text[start:end]
        if stack[0].rank == RANK_ATTACHMENT:
            kind = "attachment"
        elif marker.rank in (RANK_TABLE, RANK_TABLE_ROW):
            kind = "table_row" if marker.rank == RANK_TABLE_ROW else "table"
        elif "\n" not in body and len(body) <= 40 and not re.search(r"[。；;]", body):
            kind = "heading"
        else:
            kind = "clause"
        segments.append(Segment(_clause_label(stack), tuple(m.title for m in stack), start, end, kind))
    return segments


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if m.end() > start:
            spans.append((start, m.end()))
            start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _hard_cut(text: str, start: int, end: int, fits: Callable[[str], bool]) -> list[tuple[int, int]]:
    pieces = []
    while start < end:
        cut = start + 1
        while cut < end and fits(text[start : cut + 1]):
            cut += 1
        pieces.append((start, cut))
        start = cut
    return pieces


def split_at_sentence_ends(text: str, fits: Callable[[str], bool]) -> list[tuple[int, int]]:
    """Relative spans of `text`, cut only at sentence ends, each as long as
    `fits` allows. A single sentence that does not fit is cut by characters
    (rare, and better than the model silently truncating it)."""
    pieces: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for start, end in _sentence_spans(text):
        if current and fits(text[current[0] : end]):
            current = (current[0], end)
            continue
        if current:
            pieces.append(current)
        current = (start, end)
        if not fits(text[start:end]):
            pieces.extend(_hard_cut(text, start, end, fits))
            current = None
    if current:
        pieces.append(current)
    return pieces


def chunk_id(doc_id: str, clause: str, part: int, text: str) -> str:
    """Stable id from content and position: a rebuild keeps ids (and citations)
    of unchanged clauses."""
    digest = hashlib.sha256(f"{doc_id}\x1f{clause}\x1f{part}\x1f{text}".encode("utf-8"))
    return digest.hexdigest()[:16]


_CLAIM = re.compile(r"[^。；;！？!?\n]+(?:[。；;！？!?]+[”’」）)]*)?")


def sentence_spans(chunk: Chunk) -> list[tuple[int, int]]:
    """Document offsets of the sentences of `chunk`: the units an answer quotes
    and the units a question is matched against (m3e-small is trained for
    sentence-to-sentence similarity, not sentence-to-passage)."""
    spans = []
    for m in _CLAIM.finditer(chunk.text):
        raw = m.group(0)
        text = raw.strip()
        if len(re.sub(r"\W", "", text)) < 2:
            continue
        start = chunk.start + m.start() + (len(raw) - len(raw.lstrip()))
        spans.append((start, start + len(text)))
    return spans


def topic_title(title: str) -> str:
    """A document's title as a topic: without brackets and quotes ("(2019—2022年)")."""
    return re.sub(r"[“”\"]", "", re.sub(r"[（(][^）)]*[）)]", "", title)).strip()


def sentence_embedding_text(chunk: Chunk, sentence: str, title: str = "") -> str:
    """A sentence with its document's title and the heading it sits under, so
    "(2)…" items and a statute's bare "第十条" keep their topic."""
    return f"{topic_title(title)} {chunk.path[-1] if chunk.path else ''} {sentence}".strip()


def embedding_text(chunk: Chunk, title: str = "", lead: str = "") -> str:
    """What the dense model and BM25 see: the title and breadcrumb give a bare
    item (and a statute's articles, which have no headings) their topic, and
    the lead-in of the list it is an item of (`enumeration_leads`) what it is
    a case of: "（二）未及时足额支付劳动报酬的" is a ground on which
    "劳动者可以解除劳动合同"."""
    head = f"{topic_title(title)} {chunk.breadcrumb}" + (f" {lead}" if lead else "")
    return f"{head}\n{chunk.text}".strip()


def enumeration_leads(chunks: list[Chunk]) -> list[str]:
    """Per chunk, the lead-in of the enumeration it is an item of (its parent
    unit's text, when that ends in a colon: "第三十八条 用人单位有下列情形之一的，
    劳动者可以解除劳动合同:"), without the article number; "" for any other chunk."""
    parents: dict[tuple[str, tuple[str, ...]], Chunk] = {}
    for chunk in chunks:
        parents.setdefault((chunk.doc_id, chunk.path), chunk)
    leads = []
    for chunk in chunks:
        parent = parents.get((chunk.doc_id, chunk.path[:-1])) if len(chunk.path) > 1 else None
        text = parent.text.strip() if parent is not None and parent is not chunk else ""
        leads.append(_ARTICLE_NUMBER.sub("", text, count=1).strip() if text.endswith(("：", ":")) else "")
    return leads


def segment_document(
    document: Document,
    fits: Callable[[str], bool] | None = None,
) -> list[Chunk]:
    """Chunks of `document`, one per smallest numbered unit.

    `fits(embedding_text)` says whether a chunk fits the embedding model (count
    with the model's own tokenizer); a unit that does not is split at sentence
    ends into parts. Without `fits` no unit is split.
    """
    text = document.text
    chunks: list[Chunk] = []
    for segment in find_segments(text):
        if segment.kind == "preamble" and document.history:
            # A statute's opening lines are its 题注: when and by whom it was adopted and in force.
            segment = Segment("题注", ("题注",), segment.start, segment.end, "history")
        body = text[segment.start : segment.end]
        breadcrumb = " › ".join(segment.path)
        if fits is None or fits(f"{breadcrumb}\n{body}"):
            spans = [(0, len(body))]
        else:
            spans = split_at_sentence_ends(body, lambda piece: fits(f"{breadcrumb}\n{piece}"))
        for part_index, (rel_start, rel_end) in enumerate(spans):
            start, end = _strip_span(text, segment.start + rel_start, segment.start + rel_end)
            if start >= end:
                continue
            part = part_index + 1 if len(spans) > 1 else 0
            piece = text[start:end]
            chunks.append(
                Chunk(
                    chunk_id=chunk_id(document.doc_id, segment.clause, part, piece),
                    doc_id=document.doc_id,
                    clause=segment.clause,
                    path=segment.path,
                    text=piece,
                    start=start,
                    end=end,
                    ordinal=len(chunks),
                    kind=segment.kind,
                    part=part,
                )
            )
    return chunks
