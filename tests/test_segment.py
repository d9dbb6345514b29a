"""Segmentation of the plan by its own numbering (no model needed)."""
from __future__ import annotations

import re
from pathlib import Path

from indexer.loaders import load_document
from indexer.segment import embedding_text, enumeration_leads, find_segments, segment_document, split_at_sentence_ends
from indexer.types import Document

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
PLAN_TEXT = CORPUS / "qingdao_ai_plan.txt"


def plan() -> Document:
    return load_document(PLAN_TEXT, CORPUS)


def test_chunks_tile_the_cleaned_document_in_order():
    document = plan()
    chunks = segment_document(document)
    joined = "".join(chunk.text for chunk in chunks)
    assert re.sub(r"\s+", "", joined) == re.sub(r"\s+", "", document.text)
    for before, after in zip(chunks, chunks[1:]):
        assert before.end <= after.start
    for chunk in chunks:
        assert document.text[chunk.start : chunk.end] == chunk.text


def test_eight_battles_and_seven_actions_with_their_items():
    chunks = segment_document(plan())
    clauses = {chunk.clause for chunk in chunks}
    battles = sorted({c for c in clauses if re.fullmatch(r"二（[一二三四五六七八]）", c)})
    actions = sorted({c for c in clauses if re.fullmatch(r"三（[一二三四五六七]）", c)})
    assert len(battles) == 8 and len(actions) == 7
    for battle in battles:  # each battle has a target and numbered tasks
        assert f"{battle}1" in clauses
        assert any(re.fullmatch(re.escape(battle) + r"2（\d）", c) for c in clauses)
    # items that share one paragraph are chunks of their own
    assert {"三（一）1（1）", "三（一）1（2）", "三（一）1（3）"} <= clauses
    assert "三（七）4（3）" in clauses


def test_labels_breadcrumbs_and_attachment():
    chunks = {chunk.clause: chunk for chunk in segment_document(plan())}
    item = chunks["二（二）2（3）"]
    assert item.breadcrumb == "二、攻坚计划和任务 › （二）新能源汽车产业倍增攻坚战 › 2.攻坚任务 › （3）突破智能网联"
    assert item.text.startswith("(3)突破智能网联。推动新能源汽车企业")
    assert "薛庆国" in chunks["附件"].text
    assert "王法体" in chunks["附件·牵头单位"].text and "85911159" in chunks["附件·牵头单位"].text
    assert chunks["附件·队长"].text.count("局长") == 2
    assert "市人才办" in chunks["附件·参与单位"].text


def test_chunk_ids_are_stable_and_unique():
    first = segment_document(plan())
    second = segment_document(plan())
    assert [c.chunk_id for c in first] == [c.chunk_id for c in second]
    assert len({c.chunk_id for c in first}) == len(first)


def test_other_genres_chapters_articles_and_stray_numbers():
    text = "总则说明。\n第一章 总则\n第一条 为了规范管理，制定本办法(2019—2022年)。\n第二条 本办法适用于全市。(1)甲项;(2)乙项。\n第二章 附则\n第三条 本办法自发布之日起施行。"
    segments = find_segments(text)
    labels = [s.clause for s in segments]
    # Articles are numbered through the document and cited without their chapter.
    assert labels == ["引言", "第一章", "第一条", "第二条", "第二条（1）", "第二条（2）", "第二章", "第三条"]
    assert segments[3].path == ("第一章 总则", "第二条")


def test_an_item_is_embedded_with_the_lead_in_of_its_list():
    """"（二）未及时足额支付劳动报酬的" is a ground on which the worker may
    terminate: the article's lead-in, up to its colon, goes with each item into
    what the dense model and BM25 read; a chunk that is no item keeps its text alone."""
    text = ("第一章 劳动合同\n第三十八条 用人单位有下列情形之一的，劳动者可以解除劳动合同：\n"
            "（一）未按照劳动合同约定提供劳动保护的；\n（二）未及时足额支付劳动报酬的。\n"
            "第三十九条 劳动者在试用期间被证明不符合录用条件的，用人单位可以解除劳动合同。")
    chunks = segment_document(Document(doc_id="labour", title="劳动合同法", text=text, source_path="labour.md"))
    leads = dict(zip((c.clause for c in chunks), enumeration_leads(chunks)))
    assert leads["第三十八条（二）"] == "用人单位有下列情形之一的，劳动者可以解除劳动合同："
    assert leads["第三十八条"] == leads["第三十九条"] == ""
    item = next(c for c in chunks if c.clause == "第三十八条（二）")
    embedded = embedding_text(item, "劳动合同法", leads[item.clause])
    assert "劳动者可以解除劳动合同" in embedded and embedded.endswith(item.text)
    article = next(c for c in chunks if c.clause == "第三十九条")
    assert embedding_text(article, "劳动合同法", "") == embedding_text(article, "劳动合同法")


def test_long_unit_is_split_only_at_sentence_ends():
    text = "第一句很长。" * 10 + "最后一句"
    spans = split_at_sentence_ends(text, lambda piece: len(piece) <= 20)
    assert "".join(text[s:e] for s, e in spans) == text
    assert all(text[s:e].endswith("。") for s, e in spans[:-1])
    assert all(e - s <= 20 for s, e in spans)


def test_long_clauses_split_with_the_model_tokenizer(embedder, tmp_path: Path):
    body = "".join(f"第{i}句说明产业发展的要求和具体措施。" for i in range(200))
    document = Document(doc_id="long", title="长文件", text=f"一、总体要求\n{body}", source_path="long.txt")
    chunks = segment_document(document, fits=embedder.fits)
    assert len(chunks) > 1
    assert all(embedder.fits(f"{c.breadcrumb}\n{c.text}") for c in chunks)
    assert re.sub(r"\s", "", "".join(c.text for c in chunks)) == re.sub(r"\s", "", document.text)
    assert {c.clause for c in chunks} == {"一"} and [c.part for c in chunks] == list(range(1, len(chunks) + 1))


def test_table_rows_inside_a_statute_article_are_cited_by_article_and_row():
    # A statute's numbering (第X章, 第X条) and a table the loaders wrote coexist:
    # the rows hang under the article and are cited 第二条表1第M行.
    text = (
        "第一章 总则\n第一条 为了促进发展，制定本条例。\n第二条 补助标准如下：\n"
        "表1：项目 | 标准\n项目：研发 | 标准：10万元\n项目：技改 | 标准：20万元\n"
        "第三条 本条例自2020年1月1日起施行。"
    )
    segments = find_segments(text)
    assert [s.clause for s in segments] == [
        "第一章", "第一条", "第二条", "第二条表1", "第二条表1第1行", "第二条表1第2行", "第三条",
    ]
    rows = [s for s in segments if s.kind == "table_row"]
    assert [text[s.start : s.end] for s in rows] == ["项目：研发 | 标准：10万元", "项目：技改 | 标准：20万元"]
    assert rows[0].path == ("第一章 总则", "第二条", "表1：项目 | 标准", "研发")
