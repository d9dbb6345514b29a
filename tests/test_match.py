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


def test_measures_are_grouped_by_document_and_kind_of_support(facts, plan):
    result = match("我们是一家做工业机器人的中小企业，想融资", facts, plan)
    groups = dict(result.groups())
    financing_group = next(label for label in groups if label.endswith("· 金融"))
    assert "三（五）2（2）" in [m.clause for m in groups[financing_group]]
    assert all(label == f"《{m.doc_title}》· {m.support}" for label, measures in groups.items() for m in measures)
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
    assert set(data) == {"profile", "measures", "not_specified", "contacts"}
    assert data["profile"] == "我们是药企"
    assert set(data["measures"][0]) == {"clause", "path", "quote", "doc_title", "support", "why"}
    assert set(data["contacts"][0]) == {"unit", "person", "phone", "clause"}
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
