"""The slot grammar on its own: what a question asks for and whether a
sentence gives it for the subject asked about (qa/slots.py), on made-up
sentences whose word weights come from the sentences themselves."""
from __future__ import annotations

import pytest

from qa.query import QueryParser
from qa.slots import SlotReader
from qa.stretch import value_stretch


def reader_over(*texts: str) -> SlotReader:
    """A reader whose word weights are IDF over `texts` as documents, with
    five industries' target sentences beside them (as in the plan, 产业 and
    营业收入 are everywhere, an industry's name in few places)."""
    import math

    from indexer.tokenize import tokenize

    documents = [*texts, *(f"到2022年，{name}产业营业收入达到{n}亿元。" for name, n in
                           (("新能源汽车", 500), ("智能家电", 1000), ("船舶海工装备", 400), ("集成电路", 300), ("生物医药", 600)))]
    frequency: dict[str, int] = {}
    for document in documents:
        for token in set(tokenize(document)):
            frequency[token] = frequency.get(token, 0) + 1
    return SlotReader({token: math.log(1 + len(documents) / df) for token, df in frequency.items()})


RAIL = "到2022年，全市轨道交通装备产业营业收入达到1100亿元。"
RAIL_HEADING = "二、攻坚计划和任务 › （五）轨道交通装备加速领跑攻坚战 › 1.攻坚目标"


def test_a_figure_binds_to_the_subject_it_is_stated_for():
    reader = reader_over(RAIL, RAIL_HEADING, "纺织服装产业")
    textiles = reader.read(QueryParser().parse("纺织服装产业到2022年营业收入要达到多少？"))
    rail = reader.read(QueryParser().parse("轨道交通装备产业到2022年营业收入要达到多少？"))
    assert textiles.kind == rail.kind == "quantity"
    wrong = reader.match(textiles, RAIL, RAIL_HEADING, 0.5)
    right = reader.match(rail, RAIL, RAIL_HEADING, 0.5)
    assert wrong.holds_value and not wrong.answers
    assert right.holds_value and right.answers
    # Where the question's industry stands, the sentence names another one.
    assert reader.rival(textiles, f"{RAIL_HEADING} {RAIL}") == "轨道交通装备"
    assert reader.rival(rail, f"{RAIL_HEADING} {RAIL}") == ""


@pytest.mark.parametrize(
    ("question", "kind", "topical", "vague", "answering"),
    [
        ("网络安全风险评估多久开展一次？", "frequency", "网络运营者应当定期开展网络安全风险评估。", "定期",
         "网络运营者应当每年开展一次网络安全风险评估。"),
        # 一次办结 counts; it does not say how many working days: the deadline is missing.
        ("政务服务事项多少个工作日内办结？", "length", "政府及其有关部门办理政务服务事项，应当按照规定当场办结、一次办结、限时办结。",
         "限时办结", "政务服务事项应当在五个工作日内办结。"),
        # A count of firms names none of them: which ones is still missing.
        ("要培育的领军企业是哪几家？", "names", "培育10个特色创新型人工智能领军企业和一批领军企业。", "一批",
         "支持海尔集团、中车四方等领军企业建设标识解析二级节点。"),
    ],
)
def test_the_topic_without_the_value_is_not_an_answer(question, kind, topical, vague, answering):
    reader = reader_over(topical)
    slot = reader.read(QueryParser().parse(question))
    assert slot.kind == kind
    match = reader.match(slot, topical, "", 0.5)
    assert not match.answers and match.vague == vague
    assert reader.match(slot, answering, "", 0.5).answers


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("优秀企业家每几年评选一次？", "frequency"),
        ("质量奖几年评一次？", "frequency"),
        ("登记申请多少个工作日内办完？", "length"),
        ("审批要几个工作日？", "length"),
        ("产业基金规模有多大？", "money"),
    ],
)
def test_how_often_how_long_and_how_big_are_read_as_their_kinds(question, kind):
    assert reader_over("登记机关应当自受理申请之日起二十个工作日内办结。").read(QueryParser().parse(question)).kind == kind


def test_an_abbreviated_name_is_its_full_form_not_a_rival_of_it():
    sentence = "县级人民政府应当每半年向本级人民代表大会常务委员会报告安全生产工作。"
    reader = reader_over(sentence, "常务委员会报告工作")
    slot = reader.read(QueryParser().parse("县政府要多久向人大常委会报告一次安全生产工作？"))
    assert slot.kind == "frequency"
    # 人大常委会 stands where 人民代表大会常务委员会 stands: the same body written short.
    assert reader.rival(slot, sentence) == ""
    assert reader.match(slot, sentence, "", 0.5).answers


def test_characters_taken_from_inside_words_are_no_abbreviation():
    """工业 is not written short in 船舶海工装备产业 (海工's 工, 产业's 业): a
    question about industrial firms is not answered by a shipbuilding target,
    while 高校 still stands for 高等学校."""
    ships = "到2022年，船舶海工装备产业营业收入达到400亿元。"
    reader = reader_over(ships, "工业企业划型标准", "高等学校应当每年报告科技成果转化情况。")
    firms = reader.read(QueryParser().parse("工业企业的营业收入标准是多少？"))
    assert firms.kind == "quantity"
    assert reader.present_words(firms, ships)[1][:1] == ["工业"]
    assert not reader.match(firms, ships, "", 0.5).answers
    universities = reader.read(QueryParser().parse("高校多久报告一次成果转化情况？"))
    assert reader.match(universities, "高等学校应当每年报告科技成果转化情况。", "", 0.5).answers


def test_a_comparison_asks_and_names_nothing():
    sentence = "骗取技术改造补贴的，处一万元以上五万元以下的罚款。"
    reader = reader_over(sentence, "各地补贴标准不同，区别在于行业。")  # 不同 and 区别 are words the index knows
    slot = reader.read(QueryParser().parse("骗取技术改造补贴，国家和山东在罚款上有什么不同？"))
    assert slot.kind == "money" and not {"不同", "区别"} & set(slot.words)
    assert reader.match(slot, sentence, "", 0.5).answers


def test_the_least_does_not_answer_the_most():
    sentence = "从该项科技成果转让净收入中提取不低于百分之五十的比例用于奖励。"
    reader = reader_over(sentence)
    most = reader.read(QueryParser().parse("科技成果转让净收入用于奖励的比例最多是多少？"))
    least = reader.read(QueryParser().parse("科技成果转让净收入用于奖励的比例最少是多少？"))
    assert most.bound == "upper" and least.bound == "lower"
    assert reader.match(most, sentence, "", 0.5).wrong_bound == "不低于"
    assert reader.match(least, sentence, "", 0.5).answers


def test_a_value_speaks_of_its_own_clause_and_the_sentence_topic():
    sentence = "违反本规定泄露商业秘密的，由有关部门责令改正，没收违法所得，可以并处一万元以上三万元以下罚款。"
    start = sentence.index("一万元")
    stretch = value_stretch(sentence, start, start + 3)
    assert stretch.startswith("违反本规定泄露商业秘密的") and "三万元以下罚款" in stretch
    listing = "以提升品牌价值为核心,推动纺织服装等传统产业转型升级,向价值链中高端迈进,力争到2022年,培育示范企业50家,关键工序数控化率达到60%。"
    start = listing.index("60%")
    assert "纺织服装" not in value_stretch(listing, start, start + 3)  # a topic named three clauses before


def test_a_subject_before_de_has_a_rival_in_the_names_before_what_is_asked():
    """X 的 Y: a sentence giving Y for other names, none of X, gives it for them."""
    reader = reader_over(RAIL, RAIL_HEADING, "智能家居")
    homes = reader.read(QueryParser().parse("智能家居的营业收入目标是多少？"))
    rail = reader.read(QueryParser().parse("轨道交通装备的营业收入目标是多少？"))
    assert reader.rival(homes, f"{RAIL_HEADING} {RAIL}").endswith("轨道交通装备产业")
    assert not reader.match(homes, RAIL, RAIL_HEADING, 0.5).answers
    assert reader.rival(rail, f"{RAIL_HEADING} {RAIL}") == ""
    assert reader.match(rail, RAIL, RAIL_HEADING, 0.5).answers


def test_a_figure_of_another_measure_of_the_subject_is_not_its_figure():
    """The value's measure is the word bound to it: 增加值年均增长 20% and 产量的比例达到 50%
    are no 营业收入; 营收 and 营业收入 are one measure."""
    growth = "到2022年，全市海洋装备产业增加值年均增长20%以上。"
    share = "到2022年，海洋装备产品占装备总产量的比例达到30%。"
    reader = reader_over(growth, share, RAIL)
    revenue = reader.read(QueryParser().parse("海洋装备产业到2022年营收目标是多少？"))
    assert not reader.match(revenue, growth, "", 0.5).answers
    assert not reader.match(revenue, share, "", 0.5).answers
    assert reader.match(reader.read(QueryParser().parse("海洋装备产业增加值年均增长多少？")), growth, "", 0.5).answers
    assert reader.match(reader.read(QueryParser().parse("海洋装备产品占总产量的比例要达到多少？")), share, "", 0.5).answers
    # A value the sentence binds to no measure (到 2022年, 突破 after an enumeration) is left to the subject checks.
    assert reader.bound_measure(growth, growth.index("2022")) is None
    assert reader.bound_measure(RAIL, RAIL.index("1100")) == reader.bound_measure(share.replace("比例", "营收"), share.index("30"))


def test_once_in_a_plan_or_a_lump_sum_is_no_frequency():
    plan = "对用地需求面积较大的项目，可以按照一次规划、分期供地的原则预留建设用地，给予一次性奖励。"
    reader = reader_over(plan)
    slot = reader.read(QueryParser().parse("工业用地多久开展一次？"))
    assert slot.kind == "frequency" and not reader.match(slot, plan, "", 0.5).holds_value
    assert reader.match(slot, "工业用地每年开展一次清查。", "", 0.5).answers


def test_a_count_asked_with_a_counter_is_no_length_of_time():
    reader = reader_over("双方协商代表应当自合同生效之日起七日内公布合同文本。", "协商双方的代表人数应当对等，每方为三至九人。")
    slot = reader.read(QueryParser().parse("工资集体协商双方各派几个代表？"))
    assert slot.kind == "quantity" and slot.counted
    assert not reader.match(slot, "双方协商代表应当自合同生效之日起七日内公布合同文本。", "", 0.5).answers
    assert reader.match(slot, "协商双方的代表人数应当对等，每方为三至九人。", "", 0.5).answers


def test_a_compound_written_apart_is_held_and_a_rival_body_is_not():
    """监管部门 stands in 负有安全生产监督管理职责的部门 (its halves in order,
    close); 专利管理部门 does not stand in 知识产权管理部门 … 专利."""
    from qa.holding import written_apart

    assert written_apart("监管部门", "应当于一小时内向事故发生地负有安全生产监督管理职责的部门报告")
    assert not written_apart("专利管理部门", "向知识产权管理部门请求处理专利纠纷")
    assert not written_apart("营业收入", "营业执照的登记事项，应当在收到申请之日起办结，不收取费用的收入")


def test_an_amount_asked_in_yuan_is_not_answered_by_a_share():
    growth = "到2022年，全市海洋装备产业营业收入年均增长20%以上。"
    reader = reader_over(growth)
    in_yuan = reader.read(QueryParser().parse("海洋装备产业营业收入要达到多少亿元？"))
    assert in_yuan.kind == "money" and in_yuan.unit == "元"
    assert reader.match(in_yuan, growth, "", 0.5).holds_value
    assert not reader.match(in_yuan, growth, "", 0.5).answers
    assert reader.match(in_yuan, growth.replace("年均增长20%以上", "达到300亿元"), "", 0.5).answers


def test_an_approval_a_statute_requires_is_a_procedure():
    """经…检验合格，方可… and 报…批准 are the steps a statute sets; the
    evidence check finds them as the slot gate does."""
    from qa.evidence import _vocabulary_patterns

    rule = "企业新建的锅炉，必须经特种设备检验机构检验合格，方可投入使用。"
    reader = reader_over(rule, "锅炉使用单位应当建立安全技术档案。")
    slot = reader.read(QueryParser().parse("新建锅炉投入使用前要走什么程序？"))
    assert slot.kind == "procedure" and reader.match(slot, rule, "", 0.5).answers
    procedure = dict((kind, pattern) for kind, pattern, _ in _vocabulary_patterns())["procedure"]
    assert procedure.search("降低缴存比例的，应当报管理委员会批准。") and not procedure.search("锅炉使用单位应当建立安全技术档案。")


def test_everyday_words_stand_for_the_statute_terms_they_name():
    """员工 is held by 劳动者 (plain_words.tsv), and 必须 / 之内 name nothing,
    so a statute's own wording answers a question in everyday words."""
    rule = "用人单位应当自劳动合同期满之日起一个月内与劳动者续订劳动合同。"
    reader = reader_over(rule, "劳动者应当按照约定办理工作交接。")
    slot = reader.read(QueryParser().parse("员工合同到期了，最晚多久之内必须跟员工续签合同？"))
    assert slot.kind == "length" and "必须" not in slot.words and "之内" not in slot.words
    assert reader.match(slot, rule, "", 0.5).answers
    # A list's name (名单) asked with 几天 is what is sent, not what is asked for.
    assert reader.read(QueryParser().parse("要在几天内把失业人员名单报送备案？")).kind == "length"


def test_a_condition_over_several_clauses_is_the_topic_of_its_penalty():
    """Only the last clause of a statute's condition ends in 的: the value's
    stretch holds all of it."""
    sentence = ("违反本条例规定，生产经营单位未对被派遣劳动者和实习学生进行安全生产教育和培训，"
                "未如实告知有关的安全生产事项，以及未如实记录安全生产教育和培训情况的，责令限期改正，可以处五万元以下的罚款。")
    start = sentence.index("五万元")
    assert "实习学生" in value_stretch(sentence, start, start + 3)
    reader = reader_over(sentence, "生产经营单位应当建立安全生产教育和培训制度。", "生产经营单位应当为从业人员提供劳动防护用品。")
    slot = reader.read(QueryParser().parse("生产经营单位没有对实习学生进行安全生产教育和培训的，可以罚多少钱？"))
    assert slot.kind == "money" and reader.match(slot, sentence, "", 0.5).answers


@pytest.mark.parametrize(
    ("question", "kind", "sentence"),
    [
        # A deadline counted from an event answers 在什么期限内.
        ("扣缴义务人应当在什么期限内申报解缴税款？", "date", "扣缴义务人应当自每周终了之日起五日内申报解缴税款。"),
        # 半年 is a length; 按季申报 a frequency; 万分之五 a rate; 几倍 asks for a multiple.
        ("下级部门在多长时间内不得再次检查同一产品？", "length", "下级部门自上级部门抽样之日起半年内，不得再次检查同一产品。"),
        ("环境保护税多久申报一次？", "frequency", "环境保护税按月计算，按季申报缴纳。"),
        ("逾期利息未作约定的，按什么利率支付？", "ratio", "未作约定的，按照每日利率万分之五支付逾期利息。"),
        ("虚开发票的，按采购金额的什么比例罚款？", "ratio", "虚开发票的，处以采购金额千分之五以上千分之十以下的罚款。"),
        ("加班工资按工资的几倍支付？", "ratio", "安排劳动者在休息日工作的，支付不低于工资的百分之二百的加班工资。"),
        # A lead-in to the steps answers which procedure.
        ("作出行政处理决定应当遵守哪些程序？", "procedure", "行政部门作出行政处理决定，应当遵守下列程序："),
    ],
)
def test_values_as_statutes_write_them(question, kind, sentence):
    reader = reader_over(sentence, "本条例自公布之日起施行。")
    slot = reader.read(QueryParser().parse(question))
    assert slot.kind == kind and reader.match(slot, sentence, "", 0.5).answers


def test_how_asks_for_a_rule_not_for_the_value_a_word_names():
    reader = reader_over("同一应税凭证载有两个以上税目事项未分别列明金额的，从高适用税率。")
    assert reader.read(QueryParser().parse("未分别列明金额的，印花税应当如何适用税率？")).kind == ""
    assert reader.read(QueryParser().parse("印花税的税率是多少？")).kind == "ratio"


def test_a_count_binds_to_the_thing_counted():
    """两名 counts people; 电梯超过多少台 counts lifts, so a count of cranes
    is not its answer, though the sentence is about the same duty."""
    rule = "有两名以上的监察人员共同进行。"
    reader = reader_over(rule, "监察人员应当出示执法证件。")
    assert reader.match(reader.read(QueryParser().parse("至少要几名监察人员共同进行？")), rule, "", 0.5).answers
    cranes = "起重机械数量大于五十台的使用单位应当配备安全管理负责人。"
    reader = reader_over(cranes, "使用单位应当建立安全技术档案。", "电梯使用单位应当对电梯进行日常维护保养。")
    slot = reader.read(QueryParser().parse("商场里电梯超过多少台，就必须配安全管理负责人？"))
    assert slot.kind == "quantity" and slot.measured == "电梯"
    assert not reader.match(slot, cranes, "", 0.5).answers


def test_the_evidence_check_reads_fractions_and_per_mille_as_shares():
    from qa.evidence import FIGURE, MONEY_OR_SHARE

    for share in ("采购金额千分之五", "每日万分之五", "按日加收2‰的滞纳金", "三分之二"):
        assert MONEY_OR_SHARE.search(share) and FIGURE.search(share), share
    # Areas as statutes write them are figures too.
    for area in ("每三百三十三公顷林地", "五十亩以上", "一百平方公里"):
        assert FIGURE.search(area), area


def test_how_much_money_is_not_answered_by_a_share():
    rule = "用人单位没有安排劳动者工作的，应当按照不低于当地最低工资标准的百分之六十支付劳动者基本生活费。"
    reader = reader_over(rule, "最低工资标准由省人民政府规定。")
    slot = reader.read(QueryParser().parse("当地最低工资标准每月多少钱？"))
    assert slot.unit == "元" and not reader.match(slot, rule, "", 0.5).answers


def test_a_length_asked_with_a_deadline_word_is_a_length():
    rule = "台账保存期限不得少于三年。"
    reader = reader_over(rule, "企业应当建立台账。")
    slot = reader.read(QueryParser().parse("台账的保存期限不得少于多少年？"))
    assert slot.kind == "length" and "不得" not in slot.words and reader.match(slot, rule, "", 0.5).answers


def test_an_ordinal_counts_nothing():
    """违反前款第一项规定的，处二百元罚款: 第一项 names an item of a list; it is
    no count of the dogs a household may keep."""
    rule = "违反前款第一项、第二项规定的，对饲养人处二百元以上五百元以下罚款。"
    heading = "第二十五条 在犬类管理重点区域内饲养犬只应当遵守下列规定："
    reader = reader_over(rule, heading, "禁止饲养大型犬、烈性犬。")
    slot = reader.read(QueryParser().parse("在犬类管理重点区域，一户人家最多可以养几条狗？"))
    assert slot.kind == "quantity" and not reader.match(slot, rule, heading, 0.5).answers


def test_hours_with_a_counter_are_a_length():
    from qa.evidence import LENGTH

    rule = "驾驶人员连续驾驶时间不得超过4个小时。"
    assert LENGTH.search(rule)
    reader = reader_over(rule, "客运经营者应当为旅客提供良好的乘车环境。")
    slot = reader.read(QueryParser().parse("客运驾驶人员连续驾驶最多能开几个小时？"))
    assert slot.kind == "length" and reader.match(slot, rule, "", 0.5).answers


def test_an_age_asked_is_answered_by_an_age():
    """多少岁 asks a value in 岁: 三年以上驾驶经历 is a length, no age limit."""
    rule = "校车驾驶人应当具有相应准驾车型三年以上安全驾驶经历。"
    reader = reader_over(rule, "校车驾驶人应当依法取得校车驾驶资格。")
    slot = reader.read(QueryParser().parse("校车驾驶人的年龄上限是多少岁？"))
    assert slot.unit == "岁" and not reader.match(slot, rule, "", 0.5).answers
    assert reader.match(slot, "校车驾驶人年龄不得超过六十岁。", "", 0.5).answers


def test_an_english_question_naming_an_amount_asks_money():
    reader = reader_over("承运人应当投保承运人责任保险，保险金额不低于五百万元。", "本条例自公布之日起施行。")
    parser = QueryParser(vocabulary=frozenset(reader.idf))
    slot = reader.read(parser.parse("What is the minimum coverage amount required for the carrier's liability insurance?"))
    assert slot.kind == "money"
