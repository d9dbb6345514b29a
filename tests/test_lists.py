"""Complete lists (issue 25, item 3) over documents of corpus/: a question asking
for the same thing of every part gets every part, one line each; an article's
lead-in ending with "：" is quoted with its items, each item cited to its own
sub-clause; beyond the cap the answer says how many more there are. Real model,
real index of the plan and three statutes with enumerated articles."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tests.conftest import index_of_plan_and, policyqa_in_process

STATUTES = ("科学技术进步法(2021-12-24).md", "青岛市优化营商环境条例(2021-01-28).md", "促进科技成果转化法(2015-08-29).md")
PLAN_ID = "qingdao_ai_plan"
# Each 攻坚战 of the plan has its 1.攻坚目标; the first states no figure.
PARTS = [f"二（{n}）1" for n in "一二三四五六七八"]


@pytest.fixture(scope="module")
def list_index(embedder, tmp_path_factory):
    return index_of_plan_and(STATUTES, embedder, tmp_path_factory, "lists")


@pytest.fixture(scope="module")
def lists_assistant(list_index, embedder):
    from indexer.store import load_index
    from qa.assistant import Assistant

    return Assistant(load_index(list_index, model_id=embedder.model_id), embedder)


def _grounded(assistant, answer) -> None:
    """Every citation quotes its document at its offsets, and its marker is in the text."""
    for citation in answer.citations:
        assert assistant.documents[citation.chunk.doc_id].text[citation.start : citation.end] == citation.quote
        assert f"[{citation.n}]" in answer.text


def test_every_part_of_the_plan_gives_its_target_one_line_each(lists_assistant):
    answer = lists_assistant.ask("各攻坚战到2022年的攻坚目标分别是什么？")
    assert not answer.abstained
    assert [c.chunk.clause for c in answer.citations] == PARTS
    lines = answer.text.splitlines()
    assert len(lines) == 8
    assert lines[1].startswith("新能源汽车产业倍增攻坚战：") and "50万辆" in lines[1]
    assert lines[7].startswith("传统支柱产业智能提升攻坚战：")
    _grounded(lists_assistant, answer)


def test_asking_how_much_of_every_part_names_the_part_without_a_figure(lists_assistant):
    answer = lists_assistant.ask("2022年以前，各个攻坚战的目标分别要达到多少？")
    assert not answer.abstained
    assert [c.chunk.clause for c in answer.citations] == PARTS[1:]  # every part that states a figure
    assert "新一代信息技术“振芯铸魂”攻坚战：攻坚目标未写明具体数值。" in answer.text
    assert "船舶海工装备产业营业收入达到400亿元" in answer.text
    _grounded(lists_assistant, answer)


def test_a_question_naming_one_part_is_not_widened_to_all(lists_assistant):
    answer = lists_assistant.ask("新能源汽车产业倍增攻坚战的攻坚目标分别是多少？")
    assert {c.chunk.clause for c in answer.citations} == {"二（二）1"}


def test_a_lead_in_is_quoted_with_every_item_each_cited(lists_assistant):
    answer = lists_assistant.ask("政府采购中，招标人不可以有哪些做法？")
    assert not answer.abstained
    clauses = [c.chunk.clause for c in answer.citations]
    assert clauses[:6] == ["第八条", *(f"第八条（{n}）" for n in "一二三四五")]
    lines = answer.text.splitlines()
    start = next(i for i, line in enumerate(lines) if "不得实施下列行为：" in line)
    assert [line[:3] for line in lines[start + 1 : start + 6]] == [f"（{n}）" for n in "一二三四五"]
    _grounded(lists_assistant, answer)


def test_a_lead_in_brings_its_items_without_a_list_word(lists_assistant):
    answer = lists_assistant.ask("两家单位合作转化成果，合同里没约定权益归属，怎么处理？")
    clauses = [c.chunk.clause for c in answer.citations]
    assert "第四十条" in clauses and all(f"第四十条（{n}）" in clauses for n in "一二三")
    assert clauses.index("第四十条") < clauses.index("第四十条（一）")
    assert answer.text.count("（一）在合作转化中无新的发明创造的") == 1  # an item chosen on its own is not quoted twice
    _grounded(lists_assistant, answer)


def test_beyond_the_cap_the_answer_says_how_many_more(lists_assistant):
    from qa.lists import ListCompleter, load_list_cues

    composer = lists_assistant.composer
    chunks = list(lists_assistant.chunks_by_id.values())
    capped = ListCompleter(chunks, composer.checker, composer._gives_value, replace(load_list_cues(), max_items=2))
    lead = next(c for c in chunks if c.clause == "第九十条" and c.doc_id.startswith("科学技术进步法"))
    query = lists_assistant.parser.parse("从事哪些活动能享受税收优惠？")
    lines = capped.complete(query, composer.slots.read(query), composer.checker.sentences(lead, 0))
    assert [s.chunk.clause for line in lines for s in line.sentences] == ["第九十条", "第九十条（一）", "第九十条（二）"]
    assert lines[-1].after == "……另有4项未列出，全部见第九十条" and lines[-1].refer.chunk == lead
    # As the user reads it: the line points at the whole article's citation.
    whole, composer.lists = composer.lists, capped
    try:
        answer = lists_assistant.ask("按科技进步法，从事哪些活动可以享受税收优惠？")
    finally:
        composer.lists = whole
    n = next(c.n for c in answer.citations if c.chunk == lead)
    assert f"\n……另有4项未列出，全部见第九十条[{n}]。" in answer.text
    assert "（三）为实施国家重大科学技术专项" not in answer.text


def test_cli_json_shows_every_item(list_index):
    result = policyqa_in_process("ask", "按科技进步法，哪几类企业能享受税收方面的优惠？", "--json", "--index-dir", str(list_index))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["outcome"] == "answered"
    clauses = [c["clause"] for c in answer["citations"]]
    assert ["第四十三条", *(f"第四十三条（{n}）" for n in "一二三四")] == clauses[clauses.index("第四十三条") :][:5]
    assert "（二）科技型中小企业；" in answer["answer"]
    text = policyqa_in_process("ask", "按科技进步法，哪几类企业能享受税收方面的优惠？", "--index-dir", str(list_index)).stdout
    assert "\n（四）法律、行政法规规定的与科学技术进步有关的其他企业。" in text


# A made-up plan whose targets are a Word table of 12 rows: more than the 10 quoted.
FISHERY_TARGETS = [("深远海养殖工船", "3艘"), ("海洋牧场面积", "8万亩"), ("人工鱼礁投放", "90万空方"), ("水产种业企业", "12家"),
                   ("冷链仓储能力", "50万吨"), ("远洋渔船更新", "40艘"), ("水产品加工产值", "600亿元"), ("休闲渔业基地", "15个"),
                   ("渔港升级改造", "6座"), ("海水养殖面积", "40万亩"), ("良种覆盖率", "85%"), ("渔业从业培训", "5000人次")]


def write_fishery_docx(path) -> None:
    import docx

    word = docx.Document()
    word.add_paragraph("青岛市现代渔业跃升行动计划")
    word.add_paragraph("一、发展目标")
    word.add_paragraph("到2025年，全市现代渔业主要指标如下：")
    table = word.add_table(rows=len(FISHERY_TARGETS) + 1, cols=2)
    for c, value in enumerate(("指标", "2025年目标")):
        table.cell(0, c).text = value
    for r, row in enumerate(FISHERY_TARGETS, start=1):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    word.add_paragraph("二、保障措施")
    word.add_paragraph("市海洋发展局负责统筹推进，各区（市）落实属地责任。")
    word.save(str(path))


def test_a_table_question_lists_the_rows_and_says_how_many_more(embedder, tmp_path):
    from indexer.build import build_index
    from indexer.store import load_index
    from qa.assistant import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_fishery_docx(corpus / "fishery.docx")
    build_index(corpus, tmp_path / "index", embedder=embedder, show_progress=False)
    assistant = Assistant(load_index(tmp_path / "index", model_id=embedder.model_id), embedder)
    answer = assistant.ask("现代渔业各项指标到2025年分别要达到多少？")
    assert not answer.abstained, answer.text
    rows = [c for c in answer.citations if c.chunk.kind == "table_row"]
    assert len(rows) == 10 and len({c.chunk.chunk_id for c in rows}) == 10
    table = next(c for c in answer.citations if c.chunk.kind == "table")
    assert f"……另有2项未列出，全部见{table.chunk.clause}[{table.n}]。" in answer.text
    assert "3艘" in answer.text and "良种覆盖率" not in answer.text  # the 11th row is counted, not quoted
    _grounded(assistant, answer)
