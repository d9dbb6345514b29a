"""Whose value a sentence gives (qa/slots.py): a value bound to another party,
another duty bearer, another act or another subject is not the answer, while
the question's own words, the case or topic a sentence goes on with, and an
English question's terms bind it. Made-up sentences, word weights from the
sentences themselves (tests/test_slot_grammar.py's reader_over)."""
from __future__ import annotations

import pytest

from qa.query import QueryParser
from qa.stretch import value_stretch
from tests.test_slot_grammar import reader_over


def test_the_value_asked_of_something_is_not_that_of_another_step():
    """补充证据的期限 asks the deadline of supplementing evidence: the deadline
    for filing a defence, in a sentence that never names it, is another step's."""
    rule = "被请求人应当自收到请求书副本之日起十五日内提交答辩书。"
    reader = reader_over(rule, "请求人可以在答辩期满后补充证据。", "管理专利工作的部门应当组织调解。")
    own = reader.read(QueryParser().parse("被请求人提交答辩书的期限是几天？"))
    other = reader.read(QueryParser().parse("请求人收到答辩书之后补充证据的期限是几天？"))
    assert reader.match(own, rule, "", 0.5).answers
    assert not reader.match(other, rule, "", 0.5).answers


def test_a_value_of_another_party_or_the_premise_is_not_the_answer():
    """对单位处…，对个人处…: the fine asked of 个人 is not the one imposed on
    单位; 债权人应当…申报 is not the deadline 清算人 must keep; and a figure
    the question states itself (存根联保存5年) is its premise, not the answer."""
    fines = "情节严重的，对单位处五万元以上五十万元以下的罚款，对个人依法处以罚款。"
    reader = reader_over(fines, "单位和个人应当分类投放生活垃圾。")
    person = reader.read(QueryParser().parse("个人未分类投放生活垃圾、情节严重的，罚款数额是多少？"))
    unit = reader.read(QueryParser().parse("单位未分类投放生活垃圾、情节严重的，罚款数额是多少？"))
    assert not reader.match(person, fines, "", 0.5).answers and reader.match(unit, fines, "", 0.5).answers
    claims = "债权人应当自接到通知书之日起三十日内，向清算人申报债权。"
    reader = reader_over(claims, "清算人负责清理合伙企业财产。")
    assert not reader.match(reader.read(QueryParser().parse("清算人应当在什么期限内通知债权人？")), claims, "", 0.5).answers
    assert reader.match(reader.read(QueryParser().parse("债权人应当在什么期限内向清算人申报债权？")), claims, "", 0.5).answers
    stubs = "发票存根联和发票登记簿应当保存5年。"
    reader = reader_over(stubs, "发票使用登记簿由税务机关制定。")
    premise = reader.read(QueryParser().parse("发票存根联要保存5年，那发票使用登记簿要保存几年？"))
    assert not reader.match(premise, stubs, "", 0.5).answers
    assert reader.match(reader.read(QueryParser().parse("发票使用登记簿要保存几年？")), stubs, "", 0.5).answers


def test_a_sentence_going_on_with_a_case_is_read_with_it():
    """…未报送的，责令限期改正；逾期不改的，处…罚款: the fine is for the case
    the sentence before states, whose words the question uses."""
    from qa.stretch import continues_a_case

    assert continues_a_case("逾期不改的，处二千元以上二万元以下罚款；")
    assert not continues_a_case("经营者未按照规定向协同监管服务平台报送信息的，处二千元罚款。")


def test_what_a_question_word_asks_for_is_no_subject_and_a_deadline_before_an_end_is_a_time():
    """在什么期限内通知: 期限内 is what is asked, so 事项 before 通知 in the
    sentence is no rival of it; 届满前一个月 says when, as 三十日内 does."""
    notice = "清算人自被确定之日起十日内将合伙企业解散事项通知债权人。"
    reader = reader_over(notice, "合伙企业解散的，应当进行清算。")
    slot = reader.read(QueryParser().parse("清算人应当在什么期限内通知债权人？"))
    assert reader.rival(slot, notice) == "" and reader.match(slot, notice, "", 0.5).answers
    renewal = "使用单位应当在检验合格有效期届满前一个月向检验机构提出定期检验要求。"
    reader = reader_over(renewal, "检验机构应当出具检验报告。")
    slot = reader.read(QueryParser().parse("使用单位应当在何时向检验机构提出定期检验要求？"))
    assert slot.kind == "when" and reader.match(slot, renewal, "", 0.5).answers


def test_a_duty_bearer_named_as_the_owner_of_what_is_asked_is_the_same_party():
    """用人单位…的书面记录应当保存多久: the records are 用人单位's, so 用人单位必须…
    保存两年 answers, though the question's 应当 falls on 记录."""
    rule = "用人单位必须书面记录支付劳动者工资的数额，并保存两年以上备查。"
    reader = reader_over(rule, "工资应当以货币形式按月支付。")
    slot = reader.read(QueryParser().parse("用人单位支付工资的书面记录应当保存多长时间备查？"))
    assert reader.match(slot, rule, "", 0.5).answers


def test_a_deadline_governs_the_acts_that_follow_it():
    """…之日起3个工作日内，对合同进行登记，颁发登记证: the deadline is that of
    every act after it in the sentence, the certificate too."""
    rule = "主管部门应当自收到文件之日起3个工作日内，对技术进口合同进行登记，颁发技术进口合同登记证。"
    assert "登记证" in value_stretch(rule, rule.index("3个"), rule.index("内，"))
    reader = reader_over(rule, "技术进口合同自依法成立时生效。")
    slot = reader.read(QueryParser().parse("合同签好后多久能拿到登记证？"))
    assert reader.match(slot, rule, "", 0.5).answers


def test_an_english_question_binds_through_any_chinese_word_of_each_term():
    """Each English term is one subject word whose Chinese words are its forms:
    a sentence holding one of them holds the term. The Chinese words stand in
    no order, so no two of them are read as a modifier and its head."""
    rule = "（五）如实记载维护保养和故障处置情况，建立维护保养记录，并至少保存四年。"
    heading = "杭州市电梯安全管理条例 › 第二十八条 电梯维护保养单位应当遵守下列规定"
    reader = reader_over(rule, heading, "电梯使用单位应当对电梯进行日常维护保养。")
    parser = QueryParser(vocabulary=frozenset(reader.idf))
    query = parser.parse("For at least how long must an elevator maintenance company keep its maintenance records?")
    slot = reader.read(query)
    assert slot.kind == "length" and not slot.in_order
    assert len(slot.subject) == len({word for word, _ in slot.subject}) <= len(query.glossary_groups)
    assert reader.match(slot, rule, heading, 0.5).answers


def test_every_how_many_days_asks_a_frequency_and_a_place_is_no_rival_owner():
    """多少天…一次 asks how often, which a deadline (三十日内) does not say; in
    开发商的电梯保修期, a title's 宁波市电梯 names where, not another owner."""
    reader = reader_over("变更维护保养单位的，应当自变更之日起三十日内办理变更手续。")
    assert reader.read(QueryParser().parse("电梯维保单位多少天要上门做一次例行保养？")).kind == "frequency"
    rule = "第十六条 在正常使用的条件下，建设工程配置的电梯最低质量保修期为两年。"
    heading = "宁波市电梯安全条例 第二章 建设和生产 › 第十六条"
    reader = reader_over(rule, heading, "电梯使用单位应当对电梯进行日常维护保养。")
    slot = reader.read(QueryParser().parse("交房后电梯出了质量问题，开发商的电梯保修期最少是几年？"))
    assert reader.rival(slot, f"{heading} {rule}") == "" and reader.match(slot, rule, heading, 0.5).answers


def test_a_time_answers_only_for_the_act_it_is_the_term_of():
    """多少日内举行听证 asks the term of the hearing: 十个工作日内书面答复 is the
    term of another act. An everyday word for the act (告诉) is held by the
    statute's (告知, 告示), and a time with no act after it is not judged."""
    reply = "工商行政管理部门应当在听证会结束后十个工作日内书面答复提供方。"
    reader = reader_over(reply, "提供方可以提出听证要求。", "工商行政管理部门应当举行听证。")
    hearing = reader.read(QueryParser().parse("提供方提出听证要求后，工商部门应当在多少日内举行听证？"))
    assert [word for word, _ in hearing.act] == ["举行", "听证"]
    assert not reader.match(hearing, reply, "", 0.5).answers
    assert reader.match(reader.read(QueryParser().parse("听证会结束后，工商部门应当在多少日内答复提供方？")), reply, "", 0.5).answers
    notice = "经营者迁移经营场所的，应当提前三十日发布告示，并通知记名卡消费者。"
    reader = reader_over(notice, "经营者应当公示单用途卡章程。")
    assert reader.match(reader.read(QueryParser().parse("经营者要搬店，得提前多久告诉消费者？")), notice, "", 0.5).answers
    term = "竞业限制期限最长不得超过二年。"
    reader = reader_over(term, "竞业限制协议应当约定补偿。")
    assert reader.match(reader.read(QueryParser().parse("竞业限制最长能限制几年？")), term, "", 0.5).answers


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        # 部门 is generic: a sentence's 职责的部门 is no other body than the question's 监管部门.
        ("重大危险源的监控情况多久要向安全监管部门报告一次？",
         "生产经营单位应当每半年向负有安全生产监督管理职责的部门报告一次本单位重大危险源监控情况。"),
        # 长岛 before 试验区 is written in the question itself.
        ("山东长岛海洋生态文明综合试验区一共涵盖多少个岛屿？", "本条例所称长岛试验区包括长岛151个岛屿及其所属海域。"),
        # 旧城区 is the longer form of the question's 旧城, though the asking clause does not say it.
        ("浙江搞旧城改造要征收房子，得有多大比例的住户同意才能动工改建？", "百分之九十以上被征收人同意改建的，方可进行旧城区改建。"),
    ],
)
def test_a_name_the_question_uses_or_a_generic_word_is_no_rival(question, sentence):
    reader = reader_over(sentence, "本条例自公布之日起施行。", "县级以上人民政府应当加强监督管理。")
    slot = reader.read(QueryParser().parse(question))
    assert reader.rival(slot, sentence) == "" and reader.match(slot, sentence, "", 0.5).answers


def test_a_word_the_question_uses_after_the_head_still_names_a_rival():
    """专利 stands in the question only after 管理部门 (…管理部门申请处理专利纠纷):
    it does not modify it, so 专利管理部门 is another body than 供应链管理部门."""
    rule = "第十三条 市专利管理部门应当自收到专利纠纷处理请求书之日起七日内，决定是否立案受理。"
    reader = reader_over(rule, "供应链管理部门负责供应链创新。", "本规定自公布之日起施行。")
    slot = reader.read(QueryParser().parse("向青岛供应链管理部门申请处理专利纠纷，多少天内决定立不立案？"))
    assert reader.rival(slot, rule) == "专利" and not reader.match(slot, rule, "", 0.5).answers


def test_a_sentence_opening_with_the_topic_before_it_is_read_with_that_sentence():
    """…在核电厂外围区域划定规划限制区。规划限制区以反应堆为中心，半径不得小于
    5000米: the radius is the zone's around the plant, though its sentence
    names no plant; a sentence opening otherwise stands alone."""
    from indexer.types import Chunk
    from qa.evidence import case_before, split_sentences

    text = "第十一条 核电厂所在地设区的市人民政府应当在核电厂外围区域划定规划限制区。规划限制区以反应堆为中心，半径不得小于5000米。任何单位不得在规划限制区内新建大型企业。"
    chunk = Chunk("nuclear-11", "nuclear", "第十一条", ("第十一条",), text, 0, len(text), 0)
    first, radius, other = split_sentences(chunk, 0, text)
    assert "核电厂外围" in case_before(radius)
    assert case_before(other) == "" and case_before(first) == ""


def test_how_often_an_act_is_done_is_not_another_acts_frequency():
    """多久保养一次 asks how often lifts are serviced: 每半年开展一次应急演练 is
    how often drills are held; 至少每十五日…进行一次维护保养 answers."""
    drills = "（六）针对维护保养的不同类别电梯，每半年至少开展一次应急演练；"
    service = "（一）至少每十五日对电梯进行一次清洁、润滑、调整和检查等维护保养工作；"
    reader = reader_over(drills, service, "电梯使用单位应当与维护保养单位签订合同。")
    slot = reader.read(QueryParser().parse("电梯维保公司最少多久要来保养一次电梯？"))
    assert slot.kind == "frequency"
    assert not reader.match(slot, drills, "", 0.5).answers and reader.match(slot, service, "", 0.5).answers
