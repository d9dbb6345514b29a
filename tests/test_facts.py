"""Tests of indexer.facts (targets, measures, roster, document facts, storage)
and of qa.facts_answer (questions answered exactly from facts).

Facts are built from the real plan and its real segmentation (without the
embedding model's `fits`, so no model is loaded).
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from indexer.facts import (
    FACTS_VERSION,
    PolicyFacts,
    extract_facts,
    extract_policy_facts,
    facts_for_index,
    find_terms,
    load_facts,
    load_vocabulary,
)
from indexer.roster import parse_contacts
from indexer.segment import segment_document
from indexer.types import Contact, Document
from qa.facts_answer import FactAnswer, answer_from_facts, to_citations
from qa.query import parse_query
from qa.verify import verify_claims

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"


@pytest.fixture(scope="module")
def facts(plan, chunks) -> PolicyFacts:
    # Through JSON and back, as the index stores them.
    stored = json.loads(json.dumps(extract_facts([plan], chunks), ensure_ascii=False))
    return load_facts(stored)


def targets_of(facts: PolicyFacts, clause: str) -> list[tuple[str, str, str]]:
    return [(t.metric, t.amount, t.comparison) for t in facts.targets if t.source.clause == clause]


# ---------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------


def test_every_target_of_the_general_requirements(facts):
    found = targets_of(facts, "一")
    expected = [
        ("人工智能创新应用示范园区", "10个", ""),
        ("省级以上制造业创新中心", "10个", ""),
        ("特色创新型人工智能领军企业", "10个", ""),
        ("跨行业跨领域工业互联网平台", "5个", ""),
        ("智能互联工厂", "50个", ""),
        ("数字化车间", "500个", ""),
        ("全员劳动生产率", "20%", "提高…以上"),
        ("新产品研发周期", "15%", "缩短…以上"),
        ("能源利用率", "15%", "提高…以上"),
        ("运营成本", "10%", "降低…以上"),
    ]
    assert len(found) == len(expected)
    for (metric, amount, comparison), (want_metric, want_amount, want_comparison) in zip(found, expected):
        assert want_metric in metric and amount == want_amount and comparison == want_comparison


@pytest.mark.parametrize(
    "clause, expected",
    [
        ("二（二）1", [("新能源汽车产量", "50万辆", "达到"), ("营业收入", "500亿元", "约"), ("汽车产业链产值", "翻一番", "翻一番"), ("汽车产业链产值", "2000亿元", "突破")]),
        ("二（三）1", [("生物医药产业增加值", "20%", "年均增长…以上")]),
        ("二（四）1", [("高端智能家电产品占家电总产量的比例", "50%", "达到")]),
        ("二（五）1", [("无人驾驶城轨车辆应用示范线", "10条", "以上"), ("轨道交通装备产业营业收入", "1100亿元", "达到")]),
        ("二（六）1", [("首台(套)技术装备", "50个", "以上"), ("智能制造装备产业营业收入", "400亿元", "达到"), ("机械装备产业营业收入", "1500亿元", "突破")]),
        ("二（七）1", [("船舶海工装备产业营业收入", "400亿元", "达到")]),
        ("二（八）1", [("数字化研发设计工具普及率", "60%", "达到"), ("关键设备数控化率", "50%", "超过")]),
    ],
)
def test_every_target_of_each_battle(facts, clause, expected):
    found = targets_of(facts, clause)
    assert len(found) == len(expected)
    for (metric, amount, comparison), (want_metric, want_amount, want_comparison) in zip(found, expected):
        assert want_metric in metric and amount == want_amount and comparison == want_comparison


def test_no_target_outside_goal_sentences(facts):
    # "7个领域", "1至2个主导产业", "第6版" are not targets.
    assert {t.source.clause for t in facts.targets} == {"一", "二（二）1", "二（三）1", "二（四）1", "二（五）1", "二（六）1", "二（七）1", "二（八）1"}


def test_target_year_scope_and_base_year(facts):
    ev = next(t for t in facts.targets if t.metric == "新能源汽车产量")
    assert (ev.value, ev.unit, ev.year, ev.scope) == ("50", "万辆", 2022, "（二）新能源汽车产业倍增攻坚战")
    assert all(t.year == 2022 for t in facts.targets)
    assert {t.scope for t in facts.targets if t.source.clause == "一"} == {"一、总体要求"}
    chain = [t for t in facts.targets if t.metric == "汽车产业链产值"]
    assert [t.base_year for t in chain] == [2018, 2018]
    assert "在2018年基础上翻一番、突破2000亿元" in chain[1].phrase


def test_target_quotes_are_exact_sentences_of_their_chunk(facts, plan, chunks):
    by_id = {c.chunk_id: c for c in chunks}
    for target in facts.targets:
        source = target.source
        assert plan.text[source.start : source.end] == source.quote
        chunk = by_id[source.chunk_id]
        assert chunk.clause == source.clause and chunk.start <= source.start < source.end <= chunk.end
        assert target.phrase in source.quote and target.value in target.phrase
        assert source.quote.endswith("。")
    ev = next(t for t in facts.targets if t.metric == "新能源汽车产量")
    assert ev.source.quote.startswith("力争到2022年") and "50万辆" in ev.source.quote


# ---------------------------------------------------------------------------
# Roster and document facts
# ---------------------------------------------------------------------------

PARTICIPANTS = (
    "市发展改革委、市教育局、市公安局、市财政局、市自然资源和规划局、市城市管理局、市交通运输局、市农业农村局、"
    "市海洋发展局、市商务局、市文化和旅游局、市卫生健康委、市市场监管局、市医保局、市地方金融监管局、市大数据局、"
    "市民营经济局、市委网信办、市贸促会、市人才办、青岛地铁集团、市通信管理局、各区(市)、功能区"
).split("、")


def test_commander_and_team_leaders(facts):
    assert [(p.name, p.post, p.role) for p in facts.people] == [
        ("薛庆国", "市委常委、副市长", "指挥长"),
        ("姜波", "市工业和信息化局局长", "队长"),
        ("吕鹏", "市科技局局长", "队长"),
    ]
    assert all(p.source.clause.startswith("附件") for p in facts.people)


def test_lead_units_with_exact_contacts(facts, plan):
    leads = facts.units_with_role("牵头单位")
    assert [(u.unit, u.person, u.phone) for u in leads] == [("市工业和信息化局", "王法体", "85911159"), ("市科技局", "崔嶙", "85911343")]
    for unit in leads:
        assert unit.source.clause == "附件·牵头单位"
        assert plan.text[unit.source.start : unit.source.end] == unit.source.quote
        assert unit.unit in unit.source.quote and unit.phone in unit.source.quote


def test_participants_are_the_whole_list(facts):
    participants = facts.units_with_role("参与单位")
    assert [u.unit for u in participants] == PARTICIPANTS
    assert all(u.source.clause == "附件·参与单位" and u.source.quote.startswith("参与单位:") for u in participants)


def test_duty_of_the_team(facts):
    [duty] = facts.duties
    assert (duty.body, duty.duty) == ("攻坚队", "统筹推进“7+N”攻坚战和7个专项行动")
    assert duty.source.quote == "指挥部下设攻坚队,负责统筹推进“7+N”攻坚战和7个专项行动。"


def test_document_facts(facts, plan):
    [info] = facts.documents
    assert (info.title, info.issuer, info.published, info.period, info.period_start, info.period_end) == (
        plan.title, "青岛市人民政府", "2019-08-12", "2019—2022", 2019, 2022,
    )
    assert info.source is not None and plan.text[info.source.start : info.source.end] == plan.title


def test_period_read_from_the_title_when_metadata_lacks_it():
    document = Document("x", "某市行动计划(2023—2025年)", "某市行动计划(2023—2025年)\n\n一、总体要求\n\n加快发展。", "x.txt", fixture=True)
    [info] = extract_policy_facts([document], segment_document(document)).documents
    assert (info.period, info.period_start, info.period_end) == ("2023—2025", 2023, 2025)


def test_parse_contacts_still_works(plan):
    assert parse_contacts(plan.text) == [Contact("市工业和信息化局", "王法体", "85911159"), Contact("市科技局", "崔嶙", "85911343")]


# ---------------------------------------------------------------------------
# Measures
# ---------------------------------------------------------------------------


def test_measures_are_the_numbered_items(facts):
    clauses = [m.clause for m in facts.measures]
    for clause in ("二（一）2（1）", "二（六）2（3）", "二（八）2（3）", "三（一）1（2）", "三（五）2（2）", "三（七）4（3）"):
        assert clause in clauses
    # Goals are kept with their role; bare headings and overviews are not measures.
    assert {m.clause for m in facts.measures if m.role == "goal"} == {f"二（{n}）1" for n in "一二三四五六七八"}
    assert not {"一", "二", "三", "三（一）1", "三（二）2", "附件"} & set(clauses)


def test_measures_are_tagged_by_text_and_breadcrumb(facts):
    by_clause = {m.clause: m for m in facts.measures}

    def own(clause):
        return {h.tag for h in by_clause[clause].own}

    def scope(clause):
        return {h.tag for h in by_clause[clause].scope}

    assert {"轮胎", "智能制造装备"} <= own("二（六）2（3）") and scope("二（六）2（3）") == {"智能制造装备"}
    assert {"轮胎", "化工"} <= own("二（八）2（3）")
    assert "生物医药" in own("二（三）2（1）") and scope("二（三）2（2）") == {"生物医药"}
    assert "集成电路" in own("二（四）2（2）")  # 系统级芯片
    assert "中小企业" in own("三（五）2（2）") and by_clause["三（五）2（2）"].main_support == "金融"
    assert "装备制造企业" in own("三（一）1（2）")  # 首台(套)
    # 整车企业 in the rail battle is not a car maker; 装备 inside 船舶海工装备 is for shipbuilders.
    assert "新能源汽车" not in own("二（五）2（1）")
    assert "装备制造企业" not in own("三（六）2（4）")


def test_vocabulary_prefers_the_longer_keyword():
    vocabulary = load_vocabulary()
    assert [t.tag for t in find_terms("我们做农药", vocabulary, ("industry",))] == ["化工"]
    assert [t.tag for t in find_terms("卖电动车", vocabulary, ("industry",))] == ["新能源汽车"]
    assert [t.tag for t in find_terms("detail", vocabulary)] == []


# ---------------------------------------------------------------------------
# Other plans of the genre
# ---------------------------------------------------------------------------

GENRE_TEXT = """某市数字经济发展三年行动计划(2023—2025年)

一、发展目标

到2025年，全市数字经济核心产业增加值突破1200亿元，年均增长12%左右；建成5G基站3万个以上，培育省级以上工业互联网平台20个。

二、重点任务

（一）壮大数字产业

1.发展集成电路产业。支持芯片设计企业做大做强。（市工业和信息化局牵头，市发展改革委、市财政局配合）

2.发展软件产业。培育一批骨干软件企业。责任单位：市科技局、市大数据局。

三、保障措施

（一）加强统筹。由市大数据局负责统筹协调。

附件：工作专班成员名单

组  长：张  三  市人民政府副市长

牵头单位：市工业和信息化局（联系人：李四，电话：0532-12345678）

成员单位：市发展改革委、市财政局、市科技局
"""


@pytest.fixture(scope="module")
def genre_facts() -> PolicyFacts:
    document = Document("fixture_digital", "某市数字经济发展三年行动计划(2023—2025年)", GENRE_TEXT, "x.txt", fixture=True)
    return extract_policy_facts([document], segment_document(document))


def test_genre_targets(genre_facts):
    found = [(t.metric, t.amount, t.comparison, t.year) for t in genre_facts.targets]
    assert found == [
        ("全市数字经济核心产业增加值", "1200亿元", "突破", 2025),
        ("全市数字经济核心产业增加值", "12%", "年均增长…左右", 2025),
        ("5G基站", "3万个", "以上", 2025),
        ("省级以上工业互联网平台", "20个", "", 2025),
    ]


def test_genre_responsibilities_in_clauses_and_roster(genre_facts):
    roles = [(u.unit, u.role, u.source.clause) for u in genre_facts.units]
    assert ("市工业和信息化局", "牵头单位", "二（一）1") in roles
    assert ("市发展改革委", "配合单位", "二（一）1") in roles and ("市财政局", "配合单位", "二（一）1") in roles
    assert ("市科技局", "责任单位", "二（一）2") in roles and ("市大数据局", "责任单位", "二（一）2") in roles
    assert ("市大数据局", "责任单位", "三（一）") in roles
    lead = next(u for u in genre_facts.units if u.source.clause == "附件·牵头单位")
    assert (lead.unit, lead.person, lead.phone) == ("市工业和信息化局", "李四", "0532-12345678")
    assert [u.unit for u in genre_facts.units if u.role == "成员单位"] == ["市发展改革委", "市财政局", "市科技局"]
    assert [(p.name, p.post, p.role) for p in genre_facts.people] == [("张三", "市人民政府副市长", "组长")]


def test_clauses_split_for_the_model_are_read_whole(plan, facts):
    # The index splits long clauses at sentence ends to fit the model; facts must not change.
    parts = segment_document(plan, fits=lambda text: len(text) < 150)
    assert any(chunk.part for chunk in parts)
    split = extract_policy_facts([plan], parts)
    by_id = {c.chunk_id: c for c in parts}
    assert [(t.metric, t.amount) for t in split.targets] == [(t.metric, t.amount) for t in facts.targets]
    assert [m.clause for m in split.measures] == [m.clause for m in facts.measures]
    assert [(u.unit, u.person, u.phone) for u in split.units] == [(u.unit, u.person, u.phone) for u in facts.units]
    for fact in split.targets + split.units + split.people + split.duties:
        chunk = by_id[fact.source.chunk_id]  # linked to the part that holds the quote
        assert chunk.start <= fact.source.start < chunk.end
        assert plan.text[fact.source.start : fact.source.end] == fact.source.quote


# ---------------------------------------------------------------------------
# Storage
# ---------------------------------------------------------------------------


def test_facts_survive_json(plan, chunks, facts):
    assert facts == extract_policy_facts([plan], chunks)
    assert facts.version == FACTS_VERSION


def test_stored_facts_load_back_as_extracted(plan, chunks):
    extracted = extract_policy_facts([plan], chunks)
    assert extracted.targets and extracted.measures and extracted.units
    assert load_facts(json.loads(json.dumps(extract_facts([plan], chunks), ensure_ascii=False))) == extracted


def test_load_facts_of_an_index_without_facts_and_of_another_version(plan, chunks):
    assert load_facts({}) == PolicyFacts()
    with pytest.raises(ValueError):
        load_facts({"version": FACTS_VERSION + 1})
    # The serving side extracts afresh when the stored facts are missing or stale.
    assert facts_for_index([plan], chunks, {}) == extract_policy_facts([plan], chunks)
    assert facts_for_index([plan], chunks, {"version": -1}).targets


# ---------------------------------------------------------------------------
# qa.facts_answer
# ---------------------------------------------------------------------------


def ask(question: str, facts: PolicyFacts, plan: Document, today: date | None = None) -> FactAnswer | None:
    return answer_from_facts(parse_query(question), facts, {plan.doc_id: plan}, today=today)


def assert_cited_exactly(answer: FactAnswer, plan: Document) -> None:
    for chunk_id, quote, start, end in answer.citations:
        assert plan.text[start:end] == quote and chunk_id
    for n in range(1, len(answer.citations) + 1):
        assert f"[{n}]" in answer.text
    kept, dropped = verify_claims([(sentence, list(quotes)) for sentence, quotes in answer.claims])
    assert not dropped


def test_contacts_of_both_lead_units(facts, plan, chunks):
    answer = ask("牵头单位的联系人和电话分别是什么？", facts, plan)
    assert answer is not None and not answer.abstained and answer.kind == "contact"
    for word in ("市工业和信息化局", "王法体", "85911159", "市科技局", "崔嶙", "85911343"):
        assert word in answer.text
    assert len(answer.citations) == 2
    citations = to_citations(answer, {c.chunk_id: c for c in chunks}, {plan.doc_id: plan})
    assert [c.chunk.clause for c in citations] == ["附件·牵头单位", "附件·牵头单位"]
    assert_cited_exactly(answer, plan)


def test_new_energy_vehicle_target(facts, plan, chunks):
    answer = ask("2022年新能源汽车产量目标？", facts, plan)
    assert answer is not None and answer.kind == "target" and "50万辆" in answer.text
    assert "500亿元" not in answer.text
    [(chunk_id, quote, _, _)] = answer.citations
    assert {c.chunk_id: c for c in chunks}[chunk_id].clause == "二（二）1" and "50万辆" in quote
    assert_cited_exactly(answer, plan)


def test_participants_list_is_complete(facts, plan):
    answer = ask("参与单位有哪些", facts, plan)
    assert answer is not None and answer.kind == "participants"
    assert all(unit in answer.text for unit in PARTICIPANTS)
    assert_cited_exactly(answer, plan)


@pytest.mark.parametrize(
    "question, words",
    [
        ("工信局这边对接人是谁，电话多少？", ["王法体", "85911159"]),
        ("科技局那边找谁对接？连系电话多少", ["崔嶙", "85911343"]),
        ("这个攻势的牵头单位是哪几个？", ["市工业和信息化局", "市科技局"]),
        ("攻坚对队长是哪几位？", ["姜波", "市工业和信息化局局长", "吕鹏", "市科技局局长"]),
        ("这个攻势的总负责人是谁？", ["薛庆国", "市委常委、副市长"]),
        ("吕鹏是什么职务？在攻势里担任啥", ["市科技局局长", "队长", "姜波"]),
        ("请问指挥部下设的攻坚队承担什么职责？", ["统筹推进“7+N”攻坚战和7个专项行动"]),
        ("市生态环境局是这个攻势的参与单位吗？", ["不是", "市生态环境局"]),
        ("地铁集团和通信管理局也参与这个攻势吗？", ["是", "青岛地铁集团", "市通信管理局"]),
        ("整个汽车产业链产值的目标是多少？拿哪一年做基数？", ["2018年", "翻一番", "2000亿元"]),
        ("到期末，智慧工厂和数字化车间分别要建成多少家？", ["50个", "500个"]),
        ("新能源汽车 营收 2022目标", ["约500亿元"]),
        ("这个攻势一共要打几年？", ["2019—2022年", "四年"]),
    ],
)
def test_fact_questions(facts, plan, question, words):
    answer = ask(question, facts, plan)
    assert answer is not None and not answer.abstained
    assert all(word in answer.text for word in words), answer.text
    assert_cited_exactly(answer, plan)


def test_list_of_targets_for_a_year(facts, plan):
    answer = ask("哪些指标到2022年", facts, plan)
    assert answer is not None and answer.kind == "target_list"
    assert all(t.phrase in answer.text for t in facts.targets)
    assert len(answer.citations) == 8  # one goal sentence per scope
    assert_cited_exactly(answer, plan)


@pytest.mark.parametrize(
    "question",
    [
        "市医保局在这个攻势里的联系人是谁，电话多少？",  # a participant: no contact in the roster
        "市大数据局在这个攻势里的对接人和电话是啥？",
        "指挥长的电话是多少",
        "指挥长薛庆国的办公电话多少？",
        "工信局联系人王法体的邮箱是多少？",
        "攻势指挥部办公室设在哪里，办公地址是啥？",
        "到2025年青岛人工智能产业规模目标是多少？",  # after the plan's period
        "市委网信办在攻坚队里具体负责哪场攻坚战？",
    ],
)
def test_explicitly_not_in_the_document(facts, plan, question):
    answer = ask(question, facts, plan)
    assert answer is not None and answer.abstained and answer.text.startswith("文件未提及")
    assert not answer.citations
    assert "85911159" not in answer.text and "85911343" not in answer.text  # never another unit's contact


@pytest.mark.parametrize(
    "question",
    [
        "集成电路方面重点搞哪些产品方向？",
        "个人买电动车能拿多少购车补贴？",
        "AI示范园区计划建多少个，按什么模式来运营？",  # the second half needs the extractive path
        "攻势指挥部是怎么组成的？指挥长具体是哪位领导？",
        "那10家特色创新型AI领军企业具体是哪几家公司？",
        "首台套装备认定下来，市里能给多少钱奖励？",
        "2018年青岛新能源汽车实际产量是多少辆？",
        "到2022年青岛要建多少个5G基站？",
        "青岛想做成上千亿规模的产业链有哪几条？",
        "做手机等智能终端的，5G这部分跟我们有关系吗",
        "到2022年新药和医疗器械上市方面有什么目标",
        "我们是一家细分领域的专精特新小企业，文件有没有培育我们这类企业的内容？",
    ],
)
def test_other_questions_go_to_the_extractive_path(facts, plan, question):
    assert ask(question, facts, plan) is None


def test_expired_plan_is_noted_when_today_is_given(facts, plan):
    answer = ask("2022年新能源汽车产量目标？", facts, plan, today=date(2025, 6, 1))
    assert answer.notes and "已于2022年底到期" in answer.notes[0] and answer.notes[0] in answer.text
    assert not ask("2022年新能源汽车产量目标？", facts, plan, today=date(2021, 6, 1)).notes


def test_documents_restrict_the_facts(facts, plan):
    assert answer_from_facts(parse_query("参与单位有哪些"), facts, {"other": plan}) is None


def test_roster_answers_for_another_plan(genre_facts):
    document = {"fixture_digital": None}
    lead = answer_from_facts(parse_query("牵头单位是哪个？"), genre_facts, document)
    assert lead.kind == "lead_units" and "李四" in lead.text and "0532-12345678" in lead.text
    members = answer_from_facts(parse_query("成员单位有哪些？"), genre_facts, document)
    assert "市发展改革委、市财政局、市科技局" in members.text and len(members.citations) == 1
    leader = answer_from_facts(parse_query("组长是谁？"), genre_facts, document)
    assert "张三" in leader.text
    target = answer_from_facts(parse_query("数字经济核心产业增加值年均增长多少？"), genre_facts, document)
    assert "12%左右" in target.text
