"""Tests of ui.render's HTML rendering: pure functions of what qa returns, no model needed.

Everything taken from a document or a user is escaped; highlights nest properly;
long documents are windowed; the outline follows the chunks' paths.
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from indexer.types import Chunk, Document
from ui.service import CorpusView
from ui.render import place_note, plain_text, render_conversation, render_documents_table
from ui.render_document import outline_tree, render_document, render_outline, render_search

PAYLOAD = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


class TagCollector(HTMLParser):
    """Tags actually present in rendered HTML, checking that they nest properly."""

    VOID = {"br", "img", "input", "meta", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(markup: str) -> TagCollector:
    collector = TagCollector()
    collector.feed(markup)
    collector.close()
    assert collector.stack == [], collector.stack
    return collector


def make_view(text: str, title: str = "测试文件", doc_id: str = "doc") -> CorpusView:
    """A view with one chunk per line of `text` that starts with a heading number."""
    document = Document(doc_id=doc_id, title=title, text=text, source_path=f"{doc_id}.txt", published="2023-01-02")
    chunks, path, offset = [], [], 0
    for ordinal, line in enumerate(text.split("\n")):
        start, end = offset, offset + len(line)
        offset = end + 1
        if not line.strip():
            continue
        if re.match(r"[一二三四五六七八九十]+、", line):
            path = [line]
        elif re.match(r"（[一二三四五六七八九十]+）", line):
            path = path[:1] + [line]
        else:
            path = path[:2] + [line[:10]]
        chunks.append(Chunk(f"c{ordinal}", doc_id, f"条{ordinal}", tuple(path), line, start, end, ordinal))
    return CorpusView({doc_id: document}, {doc_id: chunks}, {c.chunk_id: c for c in chunks})


TEXT = "一、总则\n（一）适用范围\n本办法适用于本市企业。\n\n\n（二）补助标准\n每家企业补助10万元，联系人：王五。\n二、附则\n本办法自发布之日起施行。"


def answer_json(view: CorpusView, question: str = "补助多少？") -> dict:
    chunk = next(c for c in view.chunks_by_doc["doc"] if "10万元" in c.text)
    return {
        "question": question,
        "answer": "每家企业补助10万元，联系人：王五。[1][9]",
        "abstained": False,
        "citations": [
            {
                "n": 1,
                "chunk_id": chunk.chunk_id,
                "doc_id": "doc",
                "doc_title": view.documents["doc"].title,
                "clause": chunk.clause,
                "path": " › ".join(chunk.path),
                "quote": chunk.text,
                "start": chunk.start,
                "end": chunk.end,
            }
        ],
        "passages": [],
        "timings_ms": {"retrieve": 10.0, "answer": 5.0},
        "notes": ["该政策的有效期已结束。"],
    }


def test_conversation_escapes_everything_and_links_known_markers():
    view = make_view(TEXT, title=f"标题{PAYLOAD}")
    answer = answer_json(view, question=f"问题{PAYLOAD}")
    answer["citations"][0]["quote"] += PAYLOAD
    answer["citations"][0]["path"] += PAYLOAD
    answer["notes"].append(PAYLOAD)
    markup = render_conversation([answer], view)
    tags = parse(markup).tags
    assert "img" not in tags and "script" not in tags
    assert markup.count(html.escape(PAYLOAD)) >= 4
    # [1] is a citation: a button that opens it; [9] is not, so it stays text.
    assert len(re.findall(r'<button type="button" class="pq-marker" data-n="1"', markup)) == 1
    assert "[9]" in markup and 'data-n="9"' not in markup
    assert 'data-doc="doc"' in markup and f'data-start="{answer["citations"][0]["start"]}"' in markup
    assert "提示：该政策的有效期已结束。" in markup


def test_abstaining_answer_shows_not_mentioned_and_nearest_clauses():
    view = make_view(TEXT)
    chunk = view.chunks_by_doc["doc"][2]
    answer = {
        "question": "截止日期？",
        "answer": "文件未提及：检索到的条款中没有能回答该问题的内容。",
        "abstained": True,
        "citations": [],
        "passages": [
            {"rank": 1, "chunk_id": chunk.chunk_id, "doc_id": "doc", "clause": chunk.clause, "path": "一、总则", "text": chunk.text, "score": 0.5},
            {"rank": 2, "chunk_id": "gone", "doc_id": "doc", "clause": "条9", "path": "x", "text": "已删除的条款", "score": 0.1},
        ],
        "timings_ms": {},
        "notes": [],
    }
    markup = render_conversation([answer], view)
    parse(markup)
    assert '<div class="pq-abstain-badge">文件未提及</div>' in markup
    assert markup.count("pq-nearest") == 2
    assert markup.count("data-pq-open") == 1  # a clause no longer indexed cannot be opened
    assert "最接近的条款：" in plain_text(answer) and "引用：" not in plain_text(answer)


def test_plain_text_holds_answer_and_citations():
    view = make_view(TEXT)
    text = plain_text(answer_json(view))
    assert text.startswith("每家企业补助10万元")
    assert "引用：\n[1] 《测试文件》 " in text and "“每家企业补助10万元，联系人：王五。”" in text


def test_document_view_marks_the_quote_inside_its_clause():
    text = f"一、总则\n{PAYLOAD}本办法适用于本市企业和{{{{value}}}}${{value}}。\n二、附则\n施行。"
    view = make_view(text, title="办法")
    start = text.index("本办法")
    end = text.index("。", start) + 1
    markup = render_document(view, "doc", start, end)
    collector = parse(markup)
    assert "img" not in collector.tags and "script" not in collector.tags
    hits = re.findall(r'<mark class="pq-hit">(.*?)</mark>', markup)
    assert html.unescape("".join(hits)) == text[start:end]
    assert 'class="pq-focus"' in markup and "发布日期：2023-01-02" in markup
    # The whole document is there, so the clauses around it can be read.
    body = "".join(collector.text)
    assert "一、总则" in body and "二、附则" in body and PAYLOAD in body


def test_overlapping_highlights_nest_and_keep_the_text():
    view = make_view(TEXT)
    start = TEXT.index("补助10万元")
    markup = render_document(view, "doc", start, start + 6, terms=["企业", "万元，联系"])
    collector = parse(markup)
    assert "".join(collector.text).count("企业") >= 2
    assert '<mark class="pq-hit pq-term">' in markup and '<mark class="pq-term">' in markup
    # Blank lines between paragraphs are dropped on screen, nothing else.
    body = markup.split('<div class="pq-doc-body">', 1)[1].removesuffix("</div></div>")
    shown = "".join(parse(body).text)
    assert shown == re.sub(r"\n(?:[ \t\u3000]*\n)+", "\n", TEXT)


def test_long_documents_are_windowed_around_the_clause():
    lines = [f"第{i}行，内容内容内容内容内容内容内容内容内容内容内容内容。" for i in range(6000)]
    text = "\n".join(lines)
    view = make_view(text)
    start = text.index("第3000行")
    markup = render_document(view, "doc", start, start + 6)
    assert "前文从略" in markup and "后文从略" in markup
    assert len(markup) < len(text) // 2
    assert '<mark class="pq-hit">第3000行</mark>' in markup


def test_document_view_refuses_bad_requests_politely():
    view = make_view(TEXT)
    assert "已不在索引中" in render_document(view, "missing", 0, 1)
    assert "超出了文件范围" in render_document(view, "doc", 5, 10**6)
    assert "超出了文件范围" in render_document(view, "doc", -1, 3)


def test_outline_follows_the_paths():
    view = make_view(TEXT)
    roots = outline_tree(view, "doc")
    assert [node.label for node in roots] == ["一、总则", "二、附则"]
    assert list(roots[0].children) == ["（一）适用范围", "（二）补助标准"]
    general = roots[0]
    assert general.start == 0 and general.end == TEXT.index("\n二、附则")
    markup = render_outline(view, "doc")
    parse(markup)
    assert markup.count('class="pq-node"') == 7  # one node per distinct path


def test_search_highlights_matches_case_insensitively_and_escapes():
    view = make_view("一、总则\nAI 与 ai 都算。<b>粗体</b>\n二、附则\nAi。", title="检索")
    markup = render_search(view, "ai")
    collector = parse(markup)
    assert "b" not in collector.tags
    assert markup.count('class="pq-term"') == 3 and "共找到 3 处" in markup
    assert "没有找到" in render_search(view, "不存在的词")
    assert "输入词语" in render_search(view, "   ")


def test_citations_from_paged_and_scanned_documents_say_page_and_scan():
    view = make_view(TEXT)
    answer = answer_json(view)
    answer["citations"][0].update(page=3, ocr=True)
    collector = parse(render_conversation([answer], view))
    shown = "".join(collector.text)
    assert "第3页" in shown and "识别自扫描件" in shown
    assert "[1] 《测试文件》 条6 第3页（识别自扫描件）" in plain_text(answer)
    answer["citations"][0].update(page=0, ocr=False)  # a format without pages says neither
    markup = render_conversation([answer], view)
    assert "pq-page" not in markup and "识别自扫描件" not in markup and place_note(answer["citations"][0]) == ""


def test_documents_table_shows_header_fields_and_pages():
    row = {
        "title": "关于印发方案的通知", "file": "a.pdf", "doc_id": "a", "doc_number": "青政发〔2019〕12号",
        "issuer": "青岛市人民政府", "written": "2019-08-12", "published": "", "valid_until": "2022-12-31",
        "source": "", "period": "", "pages": 12, "ocr_pages": 3, "chunks": 40, "chars": 9000,
    }
    cells = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>.*?</td>", render_documents_table([row]))]
    assert cells[8:12] == ["青政发〔2019〕12号", "2019-08-12", "", "2022-12-31"] and cells[3] == "青岛市人民政府"
    assert "12（扫描 3 页）" in cells
    plain = dict(row, pages=0, ocr_pages=0)
    assert "0" not in [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td>.*?</td>", render_documents_table([plain]))]


def test_documents_table_escapes_metadata():
    markup = render_documents_table(
        [{"title": PAYLOAD, "file": "a.txt", "doc_id": "a", "published": "", "issuer": "", "source": "", "period": "", "chunks": 3, "chars": 10}]
    )
    assert "img" not in parse(markup).tags and html.escape(PAYLOAD) in markup
