"""The smaller defects of issue 25 (item 8), one test each: duty rows that read
"负责负责…" and role rows with "—", a target-to-lead-unit question without the
caveat that the plan assigns no target to a unit, the outline's "第一条 第一条",
one search hit listed once per word. (The UI ones — a refused admin token,
the feedback box, the time the user waited — are in tests/test_ui_small_defects.py.)"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from indexer.facts import extract_facts, facts_for_index
from indexer.loaders import load_document
from indexer.segment import segment_document
from qa.facts_answer import duty_phrase
from ui.facts_rows import facts_rows
from ui.render_document import hit_groups, render_outline, render_search, search_terms
from ui.render_facts import render_facts_tables
from ui.service import CorpusView

REPO = Path(__file__).resolve().parents[1]
LAW = REPO / "corpus" / "促进科技成果转化法(2015-08-29).md"  # "地方各级人民政府负责管理…"


def _view(*documents) -> CorpusView:
    chunks = {d.doc_id: segment_document(d) for d in documents}
    return CorpusView(
        {d.doc_id: d for d in documents}, chunks, {c.chunk_id: c for cs in chunks.values() for c in cs}
    )


@pytest.fixture(scope="module")
def law():
    return load_document(LAW, LAW.parent)


def _cells(html: str, kind: str) -> list[list[str]]:
    table = re.search(rf'<table class="pq-table pq-facts-table" data-kind="{kind}">.*?</table>', html, re.S).group(0)
    return [
        [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r'<tr class="pq-fact-row".*?</tr>', table, re.S)
    ]


def test_duty_rows_never_read_fuze_fuze_and_empty_cells_stay_empty(law, plan, embedder) -> None:
    documents = [law, plan]
    # Segmented as the index builder does (clauses cut to the model's length).
    chunks = [c for d in documents for c in segment_document(d, fits=embedder.fits)]
    facts = facts_for_index(documents, chunks, extract_facts(documents, chunks))
    rows = facts_rows(facts)["roles"]
    assert any(r["duty"].startswith("负责") for r in rows)  # the case that read 负责负责
    html = render_facts_tables(facts_rows(facts))
    roles = _cells(html, "roles")
    assert roles and not any("负责负责" in cell for row in roles for cell in row)
    assert not any(cell == "—" for row in roles for cell in row[:-1])
    assert duty_phrase("负责统筹协调") == "负责统筹协调" and duty_phrase("统筹协调") == "负责统筹协调"


def test_a_unit_without_a_duty_shows_the_sentence_naming_it() -> None:
    source = {"doc_id": "d", "doc_title": "办法", "chunk_id": "c", "clause": "第五条",
              "quote": "本办法由市科技局负责组织实施。", "start": 0, "end": 15}
    row = {"role": "责任单位", "name": "市科技局", "post": "", "contact": "", "phone": "", "duty": "", "source": source}
    roles = _cells(render_facts_tables({"documents": [], "targets": [], "roles": [row]}), "roles")
    assert roles == [["责任单位", "市科技局", "本办法由市科技局负责组织实施。", "", "", "第五条"]]


def test_a_target_to_lead_unit_question_says_no_unit_is_assigned(assistant) -> None:
    answer = assistant.ask("新能源汽车产量达到50万辆的目标由哪个单位牵头？")
    assert "市工业和信息化局" in answer.text
    assert "文件没有把新能源汽车产量目标分配给具体单位" in answer.text
    assert "文件未进一步规定各单位的具体分工" in answer.text
    plain = assistant.ask("牵头单位是谁？")
    assert "市工业和信息化局" in plain.text and "具体分工" not in plain.text


def test_outline_shows_an_article_label_once(law) -> None:
    text = re.sub(r"<[^>]+>", " ", render_outline(_view(law), law.doc_id))
    assert "第一条" in text and not re.search(r"第一条\s+第一条", text)


def test_a_place_is_listed_once_whatever_the_words_it_matches(plan) -> None:
    view = _view(plan)
    html = render_search(view, "新能源 汽车 新能源")
    lines = [re.sub(r"<[^>]+>", "", line) for line in re.findall(r'<div class="pq-hitline".*?</div>', html, re.S)]
    # Three matches near one sentence once showed it on three lines.
    place = [line for line in lines if "新能源汽车产量达到50万辆" in line]
    assert len(place) == 1
    assert len(lines) == len(set(lines))
    total = int(re.search(r"共找到 (\d+) 处", html).group(1))
    assert len(lines) < total  # 新能源 and 汽车 next to each other: one line, both marked
    # Two separate matches stay two lines, each clickable.
    contacts = re.findall(r'<div class="pq-hitline"', render_search(view, "联系人"))
    assert len(contacts) == plan.text.count("联系人")
    assert search_terms("汽车 新能源 汽车 AI ai") == ["汽车", "新能源", "AI"]
    assert hit_groups([(0, 3), (3, 5), (500, 503)]) == [[(0, 3), (3, 5)], [(500, 503)]]
