"""Question understanding: validation, synonyms and what kind of answer is asked (no model)."""
from __future__ import annotations

import pytest

from indexer.errors import InvalidQuestionError
from qa.query import MAX_QUESTION_CHARS, expand_synonyms, parse_query


def test_normalises_full_width_and_control_characters():
    query = parse_query("\x07ＡＩ企业　有什么支持？")
    assert query.text == "AI企业 有什么支持?"


@pytest.mark.parametrize("question", ["", " \n\t", "\x00", "字" * (MAX_QUESTION_CHARS + 1), 42])
def test_unusable_questions(question):
    with pytest.raises(InvalidQuestionError):
        parse_query(question)


def test_colloquial_terms_expand_to_the_documents_words():
    assert "新能源汽车" in expand_synonyms("电动车产量目标")
    assert "市工业和信息化局" in expand_synonyms("工信局的对接人")
    assert "指挥长" in expand_synonyms("总负责人是谁")


@pytest.mark.parametrize(
    "question, kind",
    [
        ("个人买电动车能拿多少购车补贴？", "money"),
        ("申请补贴的截止日期是哪天？", "date"),
        ("项目负责人的邮箱是多少？", "email"),
        ("申报示范园区要交哪些材料、走什么流程？", "procedure"),
        ("工信局联系电话多少", "phone"),
        ("科技局对接人的手机号是多少", "phone"),
        ("试验场建在哪个区", "location"),
    ],
)
def test_kind_of_evidence_asked(question, kind):
    assert kind in parse_query(question).asks


def test_a_phone_the_firm_makes_is_no_phone_number_asked():
    # 手机 is a product as often as a number: only 手机号 asks for a contact.
    query = parse_query("做手机等智能终端的，5G这部分跟我们有关系吗")
    assert "phone" not in query.asks and "电话" not in query.tokens and not query.role_words


def test_a_yes_or_no_question_asks_whether_not_how_much():
    # "罚款", "费用", "比例" name the topic of a polar question; a wh-word asks for the thing.
    assert "money" not in parse_query("我们已经整改了，在青岛还会被罚款吗？").asks
    assert "money" in parse_query("违法所得不到30万元的罚多少？").asks
    both = parse_query("能享受研发费用加计扣除吗？还有哪些费用可以减免，减免多少？")
    assert "money" in both.asks
    assert not parse_query("投入比例有没有下限？").asks_quantity
    assert parse_query("投入比例不低于多少？").asks_quantity


def test_who_pays_asks_for_a_party_and_how_often_for_a_frequency():
    # 费用 names what is paid; 谁 asks who pays it. How much, asked too, is still asked.
    assert "money" not in parse_query("上岗前的职业健康检查，费用应该谁出？").asks
    assert "money" in parse_query("检查费用是多少，由谁出？").asks
    # 多久…一次 asks how often, not how long; 多久 alone asks how long.
    often = parse_query("安全生产委员会按规定多久至少要开一次会？")
    assert "frequency" in often.asks and "length" not in often.asks
    assert parse_query("单位负责人接到报告后，最迟多久要报告？").asks == {"length"}


def test_which_asks_for_members_and_a_counted_few_asks_nothing():
    # 哪些 asks which prices, not how much one is; 多少 asked too is still asked.
    assert "money" not in parse_query("哪些商品和服务价格，政府可以实行政府定价？").asks
    assert "money" in parse_query("哪些费用可以减免，减免多少？").asks
    # 这几个月 / 十几天 tell a number: the clause states, it does not ask.
    from qa.parts import asking_parts

    told = "老板说这几个月的公积金先不交了，老板这么做会被罚多少钱？"
    assert asking_parts(told) == [told]
    assert "length" not in parse_query("拖了十几天，还能申请吗？").asks
    assert "length" in parse_query("最晚几个月内要申请？").asks
    # 这么做 points back: the clause before it is part of what is asked.
    assert "公积金" in parse_query(told).focus
    # 雇了几个 tells how many were hired where 怎么罚 asks; alone, 过了几个月 still asks.
    hired = "船上雇了几个不符合从业条件的普通船员（不是船长、轮机长这种职务船员），被渔政查到了怎么罚？"
    assert asking_parts(hired) == [hired] and parse_query(hired).focus == "被渔政查到了怎么罚?"
    assert not parse_query(hired).asks_quantity
    assert parse_query("企业注销以后过了几个月才能重新申请许可？").asks_quantity


def test_quantities_phrases_and_structure():
    query = parse_query("到2022年青岛要建多少个5G基站?")
    assert query.years == (2022,) and query.asks_quantity and query.measured == "基站"
    assert parse_query("文件里讲的“双向突破”是哪两头的突破?").phrases == ("双向突破",)
    assert parse_query("支撑保障行动下面分成哪几个机制?").asks_structure
    assert not parse_query("集成电路方面重点搞哪些产品方向?").asks_structure


def test_names_of_firms_but_not_question_words():
    assert "比亚迪" in parse_query("比亚迪的整车项目有什么安排").proper_nouns
    assert parse_query("海洋牧场示范项目补助多少钱？").proper_nouns == ()


def test_how_asks_for_a_way_and_a_condition_says_whose_case():
    # 如何 / 怎么办 alone ask for a rule or a way out, not for the value a word names.
    assert "date" not in parse_query("出口商品拖过了规定期限还没报关，现在该怎么办？").asks
    assert "money" not in parse_query("罚款应当如何计算？").asks
    assert "money" in parse_query("罚款怎么算，最多罚多少钱？").asks
    # 提前几天 asks; 前几年 tells.
    assert "length" in parse_query("检查之前要提前几天通知企业？").asks
    assert "length" not in parse_query("前几年主要做外贸，现在能申请吗？").asks
    # The condition before the asking clause says whose fine is asked.
    focus = parse_query("企业未按照规定安排职工教育经费或者挪用职工教育经费的，按每人多少元的标准处以罚款？").focus
    assert "挪用" in focus


def test_everyday_words_jieba_tags_as_names_are_no_names():
    # jieba's dictionary tags 顾客 as a person's name; CC-CEDICT glosses it "customer".
    assert "顾客" not in parse_query("修好的手机要给顾客保修多久？").proper_nouns
    assert "华为" in parse_query("华为的营收目标是多少？").proper_nouns


def test_an_amount_asked_without_a_unit_is_money():
    assert "money" in parse_query("向海关申请知识产权备案需要缴纳多少备案费？").asks
    assert "length" in parse_query("应当自用工之日起多少日内办理用工登记？").asks


def test_a_time_named_twice_is_one_time_asked():
    """期限 alone asks a date; with 多少年 it asks a length: the evidence check
    finds what was asked in 三年, which is no date."""
    from indexer.types import Chunk, Document
    from qa.evidence import EvidenceChecker
    from qa.types import Hit

    text = "第九条 企业应当建立台账。台账保存期限不得少于三年。"
    document = Document("ledger", "台账管理办法", text, "ledger.md", fixture=True)
    chunk = Chunk("ledger-1", "ledger", "第九条", ("第九条",), text, 0, len(text), 0)
    checker = EvidenceChecker({"ledger": document}, {"台账": 2.0, "保存": 2.0, "期限": 1.0})
    query = parse_query("台账的保存期限不得少于多少年？")
    assert {"date", "length"} <= query.asks
    assert not checker.checks(query, [Hit(chunk, {}, 1.0)])["kind"]
    assert checker.checks(parse_query("台账的保存期限截止到几月几日？"), [Hit(chunk, {}, 1.0)])["kind"]


def test_the_asking_clause_alone_may_say_the_topic_of_a_long_question():
    """A question that tells a story first (在郑州开公司，招了头一回…) has too
    many words for any clause to hold a third of them; a sentence holding most
    of the asking clause's words (招工备案) is on its topic all the same."""
    from indexer.types import Chunk, Document
    from qa.evidence import EvidenceChecker
    from qa.types import Hit

    first = "第十三条 用人单位应当建立职工名册。"
    rule = "第十四条 用人单位招用初次就业的劳动者，应当自用工之日起三十日内到人力资源社会保障行政部门办理招工备案。"
    text = f"{first}{rule}"
    document = Document("jobs", "就业促进条例", text, "jobs.md", fixture=True)
    chunks = [Chunk("jobs-13", "jobs", "第十三条", ("第十三条",), first, 0, len(first), 0),
              Chunk("jobs-14", "jobs", "第十四条", ("第十四条",), rule, len(first), len(text), 1)]
    checker = EvidenceChecker({"jobs": document}, {"招工": 6.0, "备案": 4.0, "郑州": 5.0, "新人": 5.0, "头一回": 5.0, "公司": 1.0})
    query = parse_query("在郑州开公司，招了头一回参加工作的新人，得在多长时间内去人社部门办招工备案？")
    hits = [Hit(chunk, {}, 1.0) for chunk in chunks]
    assert not checker.checks(query, hits)["kind"]
    assert checker.checks(parse_query("在郑州开公司，招了头一回参加工作的新人，得在多长时间内去办社保登记？"), hits)["kind"]


def test_calling_someone_asks_no_phone_number_and_an_everyday_word_is_no_typo():
    """打电话给维保公司 says what the asker did; 联系电话是多少 asks a number.
    领到 (receive) is a word CC-CEDICT knows: no typo of the index's 领导."""
    assert parse_query("电梯把人困住了，打电话给维保公司，他们最晚多久必须赶到现场？").asks == {"length"}
    assert "phone" in parse_query("维保公司的联系电话是多少？").asks
    from qa.query import QueryParser

    parser = QueryParser(vocabulary={"领导", "家属", "补助", "丧葬"})
    assert parser.parse("家属能领到多少丧葬补助？").corrections == ()


def test_a_clause_stating_the_case_with_if_is_part_of_what_is_asked():
    """…如果每学期的培训不到两次，教育部门可以罚多少钱: the fine asked is for that
    case, so its words are read with the asking clause, as those of a …的 clause are."""
    question = "深圳的幼儿园如果每学期给家长开的科学育儿指导培训不到两次，教育部门可以罚多少钱？"
    assert "科学育儿" in parse_query(question).focus
    told = "我们是深圳的一家幼儿园，今年招了三百个孩子，教育部门对招生有什么规定？"
    assert "三百" not in parse_query(told).focus

