"""Answer what was asked, or say what is missing: made-up questions over the
plan (none of them in a dev set), each of a kind of wrong answer the issue
saw, refused or answered "文件提到了X，但没有规定Y". The slot grammar on its
own is tested in tests/test_slot_grammar.py."""
from __future__ import annotations

import json

import pytest


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
    # A title inside the name of a document carrying it out is that document's name, not one of its own.
    assert router.unheld_titles("依照山东省实施《产品质量法》办法，罚多少？") == ["山东省实施《产品质量法》办法"]


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
