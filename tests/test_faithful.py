"""Answer what was asked, or say what is missing: made-up questions over the
plan (none of them in a dev set), each of a kind of wrong answer the issue
saw, refused or answered "文件提到了X，但没有规定Y"; and the slot grammar
on its own."""
from __future__ import annotations

import json

import pytest

from qa.query import QueryParser
from qa.slots import SlotReader
from qa.stretch import value_stretch


def _reader(*texts: str) -> SlotReader:
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
    reader = _reader(RAIL, RAIL_HEADING, "纺织服装产业")
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
    reader = _reader(topical)
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
    assert _reader("登记机关应当自受理申请之日起二十个工作日内办结。").read(QueryParser().parse(question)).kind == kind


def test_an_abbreviated_name_is_its_full_form_not_a_rival_of_it():
    sentence = "县级人民政府应当每半年向本级人民代表大会常务委员会报告安全生产工作。"
    reader = _reader(sentence, "常务委员会报告工作")
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
    reader = _reader(ships, "工业企业划型标准", "高等学校应当每年报告科技成果转化情况。")
    firms = reader.read(QueryParser().parse("工业企业的营业收入标准是多少？"))
    assert firms.kind == "quantity"
    assert reader.present_words(firms, ships)[1][:1] == ["工业"]
    assert not reader.match(firms, ships, "", 0.5).answers
    universities = reader.read(QueryParser().parse("高校多久报告一次成果转化情况？"))
    assert reader.match(universities, "高等学校应当每年报告科技成果转化情况。", "", 0.5).answers


def test_a_comparison_asks_and_names_nothing():
    sentence = "骗取技术改造补贴的，处一万元以上五万元以下的罚款。"
    reader = _reader(sentence, "各地补贴标准不同，区别在于行业。")  # 不同 and 区别 are words the index knows
    slot = reader.read(QueryParser().parse("骗取技术改造补贴，国家和山东在罚款上有什么不同？"))
    assert slot.kind == "money" and not {"不同", "区别"} & set(slot.words)
    assert reader.match(slot, sentence, "", 0.5).answers


def test_the_least_does_not_answer_the_most():
    sentence = "从该项科技成果转让净收入中提取不低于百分之五十的比例用于奖励。"
    reader = _reader(sentence)
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
    reader = _reader(RAIL, RAIL_HEADING, "智能家居")
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
    reader = _reader(growth, share, RAIL)
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
    reader = _reader(plan)
    slot = reader.read(QueryParser().parse("工业用地多久开展一次？"))
    assert slot.kind == "frequency" and not reader.match(slot, plan, "", 0.5).holds_value
    assert reader.match(slot, "工业用地每年开展一次清查。", "", 0.5).answers


def test_a_count_asked_with_a_counter_is_no_length_of_time():
    reader = _reader("双方协商代表应当自合同生效之日起七日内公布合同文本。", "协商双方的代表人数应当对等，每方为三至九人。")
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
    reader = _reader(growth)
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
    reader = _reader(rule, "锅炉使用单位应当建立安全技术档案。")
    slot = reader.read(QueryParser().parse("新建锅炉投入使用前要走什么程序？"))
    assert slot.kind == "procedure" and reader.match(slot, rule, "", 0.5).answers
    procedure = dict((kind, pattern) for kind, pattern, _ in _vocabulary_patterns())["procedure"]
    assert procedure.search("降低缴存比例的，应当报管理委员会批准。") and not procedure.search("锅炉使用单位应当建立安全技术档案。")


def test_everyday_words_stand_for_the_statute_terms_they_name():
    """员工 is held by 劳动者 (plain_words.tsv), and 必须 / 之内 name nothing,
    so a statute's own wording answers a question in everyday words."""
    rule = "用人单位应当自劳动合同期满之日起一个月内与劳动者续订劳动合同。"
    reader = _reader(rule, "劳动者应当按照约定办理工作交接。")
    slot = reader.read(QueryParser().parse("员工合同到期了，最晚多久之内必须跟员工续签合同？"))
    assert slot.kind == "length" and "必须" not in slot.words and "之内" not in slot.words
    assert reader.match(slot, rule, "", 0.5).answers
    # A list's name (名单) asked with 几天 is what is sent, not what is asked for.
    assert reader.read(QueryParser().parse("要在几天内把失业人员名单报送备案？")).kind == "length"


@pytest.mark.parametrize(
    "question",
    [
        "到2022年，船舶海工装备产业产量要达到多少艘？",  # the plan sets its revenue, not its output
        "轨道交通装备产业增加值年均增长多少？",  # … and this industry's revenue, not its growth
    ],
)
def test_another_measure_of_the_industry_asked_about_is_not_the_answer(assistant, question):
    answer = assistant.ask(question)
    assert answer.abstained, answer.text
    assert all(citation.role == "related" for citation in answer.citations)


@pytest.mark.parametrize(
    "question",
    [
        "到2022年，5G通信产业的营业收入目标是多少亿元？",  # another industry's figure is not its figure
        "智能家居的营收目标是多少？",  # nor another industry's sharing a word with it (智能制造装备)
        "产业基金的总规模是多少亿元？",  # a table of other facts is no answer
        "元宇宙的营收目标是多少？",  # a subject no document names has none of the plan's figures
        "华为的营收目标是多少？",  # … nor a firm: the table of targets does not answer for it
    ],
)
def test_a_figure_of_another_subject_is_never_the_answer(assistant, question):
    answer = assistant.ask(question)
    assert answer.abstained, answer.text
    assert all(citation.role == "related" for citation in answer.citations)
    assert "电话" not in answer.text


def test_the_documents_speaking_of_the_subject_but_not_the_value_say_so(assistant):
    answer = assistant.ask("全球创投风投大会多久举办一次？")
    assert answer.abstained and answer.outcome == "partial", answer.text
    assert answer.text.startswith("文件提到了") and "但没有规定" in answer.text and "频次" in answer.text
    assert answer.citations and all(c.role == "related" for c in answer.citations)
    assert any("创投风投大会" in c.quote for c in answer.citations)
    as_json = answer.to_json()
    assert as_json["outcome"] == "partial" and as_json["citations"][0]["role"] == "related"


def test_which_firms_is_not_answered_by_how_many(assistant):
    """The plan counts its 领军企业 (10个) and names none: the count is related, the names are missing."""
    answer = assistant.ask("计划培育的人工智能领军企业具体是哪几家？")
    assert answer.outcome == "partial" and "具体名单" in answer.text, answer.text
    assert all(c.role == "related" for c in answer.citations)
    roster = assistant.ask("攻坚队的队长是哪几位？")
    assert roster.outcome == "answered" and "姜" in roster.text, roster.text


@pytest.mark.parametrize(
    "question, title",
    [
        ("《青岛市知识产权保护条例》对专利申请有什么奖励？", "青岛市知识产权保护条例"),
        ("济南市人工智能产业促进条例对机器人企业补贴多少？", "济南市人工智能产业促进条例"),
        # A place's short name before a title, as people write it.
        ("青岛人工智能产业促进条例规定的补贴比例是多少？", "青岛人工智能产业促进条例"),
    ],
)
def test_a_document_the_library_does_not_hold_is_named_as_absent(assistant, question, title):
    answer = assistant.ask(question)
    assert answer.abstained and not answer.citations
    assert f"文件库中没有《{title}》" in answer.text and "最接近的文件是《" in answer.text


def test_a_title_with_a_typo_or_asking_which_is_not_an_absent_document(assistant):
    from qa.route import DocumentRouter

    router = DocumentRouter(list(assistant.documents.values()))
    plan = next(iter(assistant.documents.values())).title
    assert router.unheld_titles(f"《{plan.replace('制造', '製造', 1)}》里有什么目标？") == []
    assert router.unheld_titles("山东省哪些条例对此有规定？") == []
    assert router.unheld_titles("青岛对机器人企业的条例怎么规定？") == []  # names no title
    assert router.unheld_titles("《山东省人工智能攻势作战方案》") == ["山东省人工智能攻势作战方案"]


def test_a_question_asking_two_things_is_answered_part_by_part(assistant):
    answer = assistant.ask("到2022年新能源汽车产量要达到多少？产业基金的规模是多少亿元？")
    assert not answer.abstained and len(answer.parts) == 2, answer.text
    first, second = answer.parts
    assert not first.abstained and "50万辆" in first.text
    assert second.abstained
    assert "（1）" in answer.text and "（2）" in answer.text and "50万辆" in answer.text
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    parts = answer.to_json()["parts"]
    assert [part["outcome"] for part in parts][0] == "answered" and parts[1]["outcome"] != "answered"


@pytest.mark.parametrize(
    ("question", "first", "second"),
    [
        # The whole answer, held to the ratio, would drop the roster the second part asks for.
        ("智能家电的比例目标是多少，由哪个部门牵头？", "50%", "市工业和信息化局"),
        # A refused second part does not hide the roster the first part asks for.
        ("攻势指挥部的指挥长是谁？多久开一次会？", "薛庆国", "没有规定"),
    ],
)
def test_each_part_keeps_its_own_answer(assistant, question, first, second):
    answer = assistant.ask(question)
    assert len(answer.parts) == 2, answer.text
    assert first in answer.text.split("（2）")[0] and second in answer.text.split("（2）")[1]


@pytest.mark.parametrize(
    ("question", "second"),
    [
        ("自动驾驶测试试验场建在哪个区？什么时候建成？", "自动驾驶测试试验场，什么时候建成？"),
        # A lead-in word is cut only where it is a word of its own: 能 of 人工智能 stays.
        ("人工智能是哪年提出的？依据是什么？", "人工智能，依据是什么？"),
        ("人工智能产业的牵头单位是哪个？电话多少？", "人工智能产业的牵头单位，电话多少？"),
        ("机器人产业能拿到奖励吗？奖多少？", "机器人产业能拿到奖励，奖多少？"),
        # What follows the asking word names the subject: it stays.
        ("《青岛市专利保护规定》哪一条规定了纠纷的处理时限？具体是多少天？", "《青岛市专利保护规定》规定了纠纷的处理时限，具体是多少天？"),
    ],
)
def test_a_short_later_part_is_read_with_what_the_part_before_names(question, second):
    from qa.parts import asking_parts

    # Not with the remains of its asking words (建在个区, 牵头单位是个).
    assert asking_parts(question)[1] == second


def test_the_cli_shows_related_clauses_as_not_the_answer(plan_index):
    from tests.conftest import policyqa_in_process as run

    result = run("ask", "全球创投风投大会多久举办一次？", "--index-dir", str(plan_index))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("文件提到了") and "相关条款（文件提到了所问的对象" in result.stdout
    as_json = json.loads(run("ask", "全球创投风投大会多久举办一次？", "--json", "--index-dir", str(plan_index)).stdout)
    assert as_json["outcome"] == "partial"


def test_generated_negatives_swap_the_subject_for_one_the_corpus_names_without_the_value(assistant):
    """Counterfactual substitution (eval/negatives.py): another industry the plan
    names where 轨道交通装备 stands, kept only when no sentence gives its figure."""
    from eval.negatives import generate

    item = {"id": "t1", "question": "轨道交通装备产业2022年营业收入目标定的多少？",
            "evidence": ["全市轨道交通装备产业营业收入达到1100亿元"]}
    negatives = list(generate(assistant, [item]))
    swaps = [n for n in negatives if n.sort == "subject"]
    assert swaps and all(n.swapped == "轨道交通装备" and n.substitute in n.question for n in swaps)
    plan = next(iter(assistant.documents.values())).text
    assert all(n.substitute in plan for n in swaps)
    for negative in negatives:  # the gate refuses each, or says what is missing
        assert assistant.ask(negative.question).abstained, negative.question


def test_generated_negatives_ask_the_same_subject_for_a_value_the_corpus_does_not_give(assistant):
    """Ask swaps: the industry of an answerable target question asked for a
    ratio, a frequency, a phone…, kept only when no sentence gives it. The
    plan's lead units' phones are the plan's contacts, not the industry's."""
    from eval.negatives import generate

    item = {"id": "t2", "question": "到2022年，智能制造装备产业营业收入目标是多少？",
            "evidence": ["智能制造装备产业营业收入达到400亿元"]}
    asks = [n for n in generate(assistant, [item]) if n.sort == "ask"]
    assert len(asks) >= 2 and all(n.question.startswith("智能制造装备产业") for n in asks)
    assert len({n.kind for n in asks}) == len(asks) and "quantity" not in {n.kind for n in asks}
    for negative in asks:
        assert assistant.ask(negative.question).abstained, negative.question


def test_a_contact_list_answers_for_its_document_and_units_not_for_every_subject_it_mentions(assistant):
    """The plan's lead units' phones are the plan's contacts: asked for an
    industry's or a dispute office's phone, the answer says the documents give
    none (a fact table for a different fact), while the plan's own contact
    questions, by unit, by title or by a topic only named in its title, keep their phones."""
    for question in ("医疗器械产业的联系电话是多少？", "处理专利纠纷打什么电话？"):
        answer = assistant.ask(question)
        assert answer.abstained and "85911159" not in answer.text, question
    for question in ("牵头单位的联系电话是多少？", "市工业和信息化局的联系人电话？", "高端制造业+人工智能攻势有问题打什么电话？"):
        answer = assistant.ask(question)
        assert not answer.abstained and "85911159" in answer.text, question


def test_an_english_question_is_held_to_its_slot_in_the_documents_words(assistant):
    """English asking words have no glossary terms: "how often" asks a
    frequency and "what percentage" a ratio all the same, and the subject is
    read in the Chinese terms of its words; the plan gives neither here."""
    slot = assistant.composer.slots.read(assistant.parser.parse("How often is the artificial intelligence conference held?"))
    assert slot.kind == "frequency" and "人工智能" in slot.words
    answer = assistant.ask("How often is the artificial intelligence conference held?")
    assert answer.abstained and "频次" in answer.text, answer.text
    assert answer.outcome != "partial" or answer.text.startswith("文件提到了“人工智能”")
    ratio = assistant.ask("What percentage of the purchase price of industrial robots does Qingdao subsidize?")
    assert ratio.abstained, ratio.text
