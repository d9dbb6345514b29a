"""Tests of qa.match: the measures a firm's self-description leads to.

Each profile is written the way firms describe themselves; the expected
clauses are those a careful reader of the plan would list for that firm.
Facts come from the real plan and segmentation; no model is needed.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.facts import PolicyFacts, extract_policy_facts
from indexer.types import Document
from qa.match import MatchResult, match_profile, read_profile
from qa.types import Hit

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
BATTLES = [f"二（{n}）" for n in "一二三四五六七八"]


@pytest.fixture(scope="module")
def facts(plan, chunks) -> PolicyFacts:
    return extract_policy_facts([plan], chunks)


def match(profile: str, facts: PolicyFacts, plan: Document, **kwargs) -> MatchResult:
    return match_profile(profile, facts, {plan.doc_id: plan}, **kwargs)


# (profile, clauses that must be listed, clauses that must come first (in any
# order), the firm's own 攻坚战 (others are unrelated), words of its trade)
PROFILES = [
    (
        "我们是一家轮胎厂，做子午线轮胎，想上智能化生产线",
        ["二（六）2（3）", "二（八）2（3）"],
        ["二（八）2（3）"],
        ["二（八）"],
        ["轮胎"],
    ),
    (
        "我们是青岛的一家药企，主要做仿制药和创新药",
        ["二（三）2（1）", "二（三）1", "三（五）1（2）"],
        ["二（三）2（1）"],
        ["二（三）"],
        ["药"],
    ),
    (
        "我们是船厂配套企业，给造船厂做船用发动机配件",
        ["二（七）2（3）", "二（七）1", "三（六）2（4）"],
        ["二（七）2（3）"],
        ["二（七）"],
        ["船"],
    ),
    (
        "我们是做冰箱空调的家电厂",
        ["二（四）2（1）", "二（四）1"],
        ["二（四）2（1）", "二（四）2（3）"],
        ["二（四）"],
        ["家电"],
    ),
    (
        "我们是做工业软件的初创公司，主要做工业APP",
        ["二（一）2（4）", "三（二）2（2）", "三（一）2（3）"],
        ["二（一）2（4）"],
        ["二（一）"],
        ["软件"],
    ),
    (
        "我们是一家服装厂，做羽绒服和衬衫",
        ["二（八）2（1）", "二（八）1"],
        ["二（八）2（1）", "二（八）1"],
        ["二（八）"],
        ["服装", "纺织"],
    ),
    (
        "我们是酒厂，酿啤酒也做白酒",
        ["二（八）2（2）", "二（八）1"],
        ["二（八）2（2）"],
        ["二（八）"],
        ["酒", "食品饮料"],
    ),
    (
        "我们是一家芯片设计公司",
        ["二（一）2（2）", "二（一）1", "三（五）1（2）", "二（四）2（2）"],
        ["二（一）2（2）"],
        ["二（一）"],
        ["芯片", "集成电路"],
    ),
    (
        "我们是一家做工业机器人的中小企业，在即墨",
        ["二（六）2（1）", "二（六）1", "三（五）2（2）", "三（一）1（2）", "三（四）1（2）"],
        ["二（六）2（1）"],
        ["二（六）"],
        ["机器人"],
    ),
    (
        "咱是做彩超和透析机的器械厂",
        ["二（三）2（2）"],
        ["二（三）2（2）", "二（三）2（3）"],
        ["二（三）"],
        ["器械", "彩色超声", "透析"],
    ),
    (
        "我司运营电动车充电站",
        ["三（六）2（1）"],
        ["三（六）2（1）"],
        ["二（二）"],
        ["充电"],
    ),
]


@pytest.mark.parametrize("profile, listed, first, own_battles, trade_words", PROFILES, ids=[p[0][:12] for p in PROFILES])
def test_firm_profiles(facts, plan, profile, listed, first, own_battles, trade_words):
    result = match(profile, facts, plan)
    clauses = [m.clause for m in result.measures]
    assert set(listed) <= set(clauses), clauses
    assert set(clauses[: len(first)]) == set(first), clauses
    for measure in result.measures[:5]:
        battle = next((b for b in BATTLES if measure.clause.startswith(b)), None)
        # Nothing from another industry's 攻坚战 in the first five, unless the clause names the firm's trade.
        if battle and battle not in own_battles:
            assert any(word in measure.quote for word in trade_words), (measure.clause, clauses)
        assert measure.why


def test_measures_carry_exact_quotes_and_reasons(facts, plan):
    result = match("我们是一家轮胎厂", facts, plan)
    for measure in result.measures:
        assert plan.text[measure.start : measure.end] == measure.quote
        assert measure.doc_title == plan.title and measure.path.startswith(("二、", "三、"))
    tyre = next(m for m in result.measures if m.clause == "二（八）2（3）")
    assert "橡胶轮胎" in tyre.quote and "橡胶轮胎" in tyre.why
    assert not tyre.quote.startswith("(3)推动高端化工产业。加快先进高分子材料")  # only the sentence that concerns tyres


def test_measures_are_grouped_by_kind_of_support_wanted_first(facts, plan):
    result = match("我们是一家做工业机器人的中小企业，想融资", facts, plan)
    groups = result.groups()
    assert result.wanted == ("金融",) and groups[0][0] == "金融"  # the support asked for comes first
    assert "三（五）2（2）" in [m.clause for m in groups[0][1]]
    assert all(label == m.support for label, measures in groups for m in measures)
    assert len({label for label, _ in groups}) == len(groups)
    financing = next(m for m in result.measures if m.clause == "三（五）2（2）")
    assert "中小企业" in financing.why and "金融" in financing.why


def test_not_specified_and_contacts(facts, plan):
    result = match("我们是一家做工业机器人的中小企业，在即墨", facts, plan)
    text = "\n".join(result.not_specified)
    for need in ("资金额度/补贴金额", "申请流程", "申报截止时间", "即墨", "2019—2022年"):
        assert need in text
    assert "给予适当政策奖励" in text  # what the plan does say about money
    assert [(c.unit, c.person, c.phone, c.clause) for c in result.contacts] == [
        ("市工业和信息化局", "王法体", "85911159", "附件·牵头单位"),
        ("市科技局", "崔嶙", "85911343", "附件·牵头单位"),
    ]


def test_json_shape(facts, plan):
    data = match("我们是药企", facts, plan).to_json()
    assert set(data) == {"profile", "wanted", "size", "measures", "not_specified", "contacts"}
    assert data["profile"] == "我们是药企"
    assert set(data["measures"][0]) == {"clause", "path", "quote", "doc_title", "support", "why", "conditions"}
    assert set(data["contacts"][0]) == {"unit", "person", "phone", "clause", "doc_title"}
    assert all(isinstance(item, str) for item in data["not_specified"])


def test_render_text(facts, plan):
    text = match("我们是药企", facts, plan).render_text()
    for part in ("企业描述：我们是药企", "生物医药", "【", "二（三）2（1）", "原文：", "文件未明确的事项：", "王法体", "85911159"):
        assert part in text


def test_profile_without_known_industry(facts, plan):
    result = match("我们是一家律师事务所", facts, plan)
    assert result.measures == () and result.contacts
    assert "没有找到" in result.render_text()


def test_profile_reading():
    profile = read_profile("我司运营电动车充电站，也做农药，在西海岸新区")
    assert profile.industries == ("充电设施", "化工")  # 电动车 names the sector 充电设施 belongs to
    assert "新能源汽车" in profile.broader
    assert profile.place == "西海岸"


def test_retriever_reranks_but_never_adds(facts, plan, chunks):
    by_clause = {c.clause: c for c in chunks}
    plain = [m.clause for m in match("我们是一家做工业机器人的中小企业", facts, plan, limit=100).measures]
    lifted = "三（五）2（2）"
    hits = [Hit(by_clause[lifted], {}, 1.0), Hit(by_clause["二（一）2（1）"], {}, 0.9)]
    reranked = [m.clause for m in match("我们是一家做工业机器人的中小企业", facts, plan, retriever_search=lambda text: hits, limit=100).measures]
    assert reranked.index(lifted) < plain.index(lifted)
    assert "二（一）2（1）" not in reranked and set(reranked) == set(plain)


def test_limit(facts, plan):
    assert len(match("我们是船厂配套企业", facts, plan, limit=3).measures) == 3


def test_empty_profile_is_refused(facts, plan):
    from indexer.errors import InvalidQuestionError

    with pytest.raises(InvalidQuestionError):
        match("   ", facts, plan)


# ---------------------------------------------------------------------------
# Matching by need (issue 25, item 4): the whole corpus and an uploaded policy
# ---------------------------------------------------------------------------

# A district's policy a firm might upload: a reward of 50万 for sensor makers.
SENSOR_POLICY = """崂山区支持智能传感器产业发展的若干措施

一、支持对象
在崂山区注册、从事智能传感器研发制造的企业。

二、研发奖励
对年度研发投入超过500万元的传感器企业，给予最高50万元奖励。

三、申报方式
企业于每年3月1日至4月30日通过崂山区政务服务平台申报，需提交营业执照、研发费用专项审计报告。

四、咨询联系
崂山区科技局，联系人：李明，联系电话：0532-88990011。
"""
SENSOR_FIRM = "我们是青岛一家生产传感器的企业，80人，在崂山区，想了解有哪些补贴和税收支持"


@pytest.fixture(scope="module")
def corpus_with_upload(tmp_path_factory):
    """Every document of corpus/ plus the uploaded policy, segmented, with their facts."""
    import shutil

    from indexer.loaders.corpus import load_corpus
    from indexer.segment import segment_document

    folder = tmp_path_factory.mktemp("corpus_upload")
    for path in CORPUS.iterdir():
        shutil.copy(path, folder / path.name)
    (folder / "崂山区传感器产业扶持措施.txt").write_text(SENSOR_POLICY, encoding="utf-8")
    documents, skipped = load_corpus(folder)
    assert not skipped
    chunks = [chunk for document in documents for chunk in segment_document(document)]
    return {d.doc_id: d for d in documents}, extract_policy_facts(documents, chunks)


def test_a_sensor_maker_asking_for_subsidies_and_tax_gets_them_first(corpus_with_upload):
    documents, facts = corpus_with_upload
    result = match_profile(SENSOR_FIRM, facts, documents)
    assert result.wanted == ("资金与奖励", "税收优惠") and result.size == "小型企业"
    assert [label for label, _ in result.groups()[:2]] == ["资金与奖励", "税收优惠"]
    # The uploaded reward, for sensor makers in the firm's district, with its amount: at the top.
    reward = next(i for i, m in enumerate(result.measures) if "50万元奖励" in m.quote)
    assert reward < 3, [(m.doc_title, m.clause) for m in result.measures]
    top = result.measures[reward]
    assert "传感器" in top.why and "写明了金额" in top.why and "崂山" in top.why
    assert any("在崂山区注册" in c for c in top.conditions)  # the document's 支持对象
    assert any("年度研发投入超过500万元" in c for c in top.conditions)  # whom the clause is for
    # The small and micro enterprise tax article, under a tax group, with the size left to check.
    tax = dict(result.groups())["税收优惠"]
    small = next(m for m in tax if m.doc_title == "中华人民共和国中小企业促进法" and m.clause == "第十一条")
    assert "小型微型企业" in small.why and any("80人" in c and "小型企业" in c for c in small.conditions)
    # Its contact is the uploaded policy's.
    assert ("崂山区科技局", "李明", "0532-88990011", "四") in {(c.unit, c.person, c.phone, c.clause) for c in result.contacts}
    for m in result.measures:
        assert documents[m.doc_id].text[m.start : m.end] == m.quote and m.why


@pytest.mark.parametrize("profile", [SENSOR_FIRM, "我们是一家做工业机器人的中小企业，想融资", "我们是科技型中小企业，想申请研发补贴"])
def test_penalties_and_obligations_are_never_offered_as_support(corpus_with_upload, profile):
    documents, facts = corpus_with_upload
    everything = match_profile(profile, facts, documents, limit=10_000).measures
    assert everything
    for m in everything:
        assert "法律责任" not in m.path and "附则" not in m.path, (m.doc_title, m.clause)
        assert not any(word in m.quote for word in ("罚款", "责令改正", "应当依法经营", "不得")), (m.doc_title, m.clause, m.quote)


def test_offering_a_wanted_kind_means_offering_it_not_naming_it(corpus_with_upload):
    documents, facts = corpus_with_upload
    result = match_profile("我们是一家小企业，想要税收优惠", facts, documents, limit=10_000)
    taxed = [m for m in result.measures if m.support == "税收优惠"]
    assert taxed and all("税收优惠" in m.why for m in taxed)
    # 中小企业促进法第四条 ("…遵守…财政税收等方面的法律") is an obligation, never a tax offer.
    assert not any(m.doc_title == "中华人民共和国中小企业促进法" and m.clause == "第四条" for m in result.measures)


def test_profile_reads_headcount_size_and_wanted_support():
    profile = read_profile("我们厂员工80人，在崂山区，想要补贴、贷款和税收减免")
    assert profile.people == 80 and profile.size == "小型企业" and profile.place == "崂山"
    assert profile.wanted == ("资金与奖励", "金融", "税收优惠")
    assert read_profile("我们有1500名员工").size == "" and read_profile("我们是药企").people is None
