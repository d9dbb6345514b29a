"""Conversations: a follow-up read against the previous turn (qa/conversation.py),
answered by the real assistant, through `policyqa chat` and the multi-turn set."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CORPUS
from tests.test_cli import run

PLAN = "qingdao_ai_plan"
TALENT = "山东省人才发展促进条例_2020-03-26"


@pytest.fixture(scope="module")
def router():
    """A router over every document of corpus/ (titles and places; no model)."""
    from indexer.loaders import load_document
    from qa.route import DocumentRouter

    return DocumentRouter([load_document(path, CORPUS) for path in sorted(CORPUS.iterdir()) if path.suffix in (".txt", ".md")])


def reading(router, question: str, *previous: str | tuple[str, tuple[str, ...]], scope: tuple[str, ...] = ()):
    from qa.conversation import Turn, read

    turns = [Turn(p) if isinstance(p, str) else Turn(*p) for p in previous]
    return read(question, turns, router, scope)


@pytest.mark.parametrize(
    "previous, question, expected",
    [
        # The place replaced ("那山东呢").
        ("青岛市对首台套装备的奖励比例是多少？", "那山东呢？", "山东对首台套装备的奖励比例是多少？"),
        ("山东省对职务科技成果转让的奖励比例是多少？", "那国家层面呢？", "国家层面对职务科技成果转让的奖励比例是多少？"),
        # … and the law named stands for its place: not "山东中小企业促进法", a law that does not exist.
        ("中小企业促进法对融资担保有什么规定？", "那青岛呢？", "青岛对融资担保有什么规定？"),
        # What is asked replaced, with the ending that asks for it ("牵头单位呢").
        ("新能源汽车产业倍增攻坚战的目标是什么？", "牵头单位呢？", "新能源汽车产业倍增攻坚战的牵头单位是谁？"),
        ("2022年新能源汽车产量要达到多少？", "营业收入呢？", "2022年新能源汽车的营业收入是多少？"),
        # The subject replaced: the run of words ending as the new one does.
        ("2022年轨道交通装备产业营业收入要达到多少？", "那船舶海工装备产业呢？", "2022年船舶海工装备产业营业收入要达到多少？"),
        # Pointing back at the previous subject ("这个比例").
        ("山东省对首台套装备的奖励比例是多少？", "这个比例是哪年定的？", "山东省对首台套装备的奖励比例是哪年定的？"),
        # A subjectless question takes the previous subject.
        ("新能源汽车产业倍增攻坚战的目标是什么？", "牵头单位是谁？", "新能源汽车产业倍增攻坚战的牵头单位是谁？"),
        # Another document, by its abbreviated name.
        ("中小企业促进法对融资有什么规定？", "那科技进步法呢？", "《科技进步法》对融资有什么规定？"),
        # A question with a subject of its own inherits only the document it omits.
        ("山东省人才发展促进条例对人才引进有什么规定？", "那么对青年人才有什么支持？", "山东省人才发展促进条例对青年人才有什么支持？"),
    ],
)
def test_follow_up_is_read_against_the_previous_question(router, previous, question, expected):
    read = reading(router, question, previous)
    assert read.question == expected and read.rewritten and read.understood_as == expected


@pytest.mark.parametrize(
    "previous, question",
    [
        ("新能源汽车产业倍增攻坚战的目标是什么？", "什么是首台套？"),  # short, but a question of its own
        ("牵头单位是谁？", "2022年新能源汽车产量要达到多少？"),  # a full question
    ],
)
def test_a_question_of_its_own_is_read_as_asked(router, previous, question):
    read = reading(router, question, previous)
    assert read.question == question and not read.rewritten and read.understood_as == ""


def test_first_question_is_read_as_asked(router):
    assert reading(router, "那山东呢？").question == "那山东呢？"


def test_pointer_names_the_cited_document_of_its_kind(router):
    # 该条例: the regulation the previous answer cited, not the plan cited beside it. The
    # question keeps its pointer (a title's words would outweigh its own) and is shown with the title.
    read = reading(router, "该条例由哪个部门负责实施？", ("人才发展专项资金怎么用？", (PLAN, TALENT)))
    assert read.question == "该条例由哪个部门负责实施？" and read.doc_ids == (TALENT,)
    assert read.understood_as == "《山东省人才发展促进条例》由哪个部门负责实施？"
    # 这份方案 with no plan cited before: the library's only 方案.
    alone = reading(router, "这份方案的牵头单位是谁？", ("人才发展专项资金怎么用？", (TALENT,)))
    assert alone.doc_ids == (PLAN,) and alone.understood_as.startswith("《青岛市“高端制造业+人工智能”攻势作战方案(2019—2022年)》的")


@pytest.mark.parametrize("question", ["基本法规定了什么？", "成本怎么算？"])
def test_a_pointer_needs_its_own_word(router, question):
    # 基本法规定 holds the characters of 本法 but points at no document.
    assert reading(router, question, ("新能源汽车产量要达到多少？", (PLAN,))).doc_ids == ()


def test_that_one_points_back_rather_than_connects(router):
    read = reading(router, "那个比例是哪年定的？", "山东省对首台套装备的奖励比例是多少？")
    assert read.question == "山东省对首台套装备的奖励比例是哪年定的？"


def test_scope_box_wins_over_the_previous_citation(router):
    read = reading(router, "文件里对青年人才怎么说？", ("新能源汽车产量要达到多少？", (PLAN,)), scope=(TALENT,))
    assert read.doc_ids == (TALENT,) and read.understood_as == "《山东省人才发展促进条例》里对青年人才怎么说？"


def test_earlier_turns_are_read_in_turn(router):
    # The third question follows the second as it was read, not as it was typed.
    read = reading(router, "汽车产业呢？", "轨道交通装备产业的发展方向是什么？", "那船舶海工装备产业呢？")
    assert read.question == "汽车产业的发展方向是什么？"


def test_turns_of_takes_questions_or_answer_objects_and_refuses_bad_history(router):
    from indexer.errors import InvalidArgumentError
    from qa.conversation import turns_of

    turns = turns_of(["2022年轨道交通装备产业营业收入要达到多少？", {"question": "那船舶海工装备产业呢？", "doc_ids": [PLAN]}], router)
    assert [t.question for t in turns] == ["2022年轨道交通装备产业营业收入要达到多少？", "那船舶海工装备产业呢？"]
    assert turns[1].doc_ids == (PLAN,)
    answer_object = {"question": "该条例对青年人才有什么规定？", "citations": [{"doc_id": TALENT}, {"doc_id": TALENT}]}
    assert turns_of([answer_object], router)[0].doc_ids == (TALENT,)
    for bad in ("不是列表", [3], [{"doc_ids": []}], [{"question": "牵头单位呢？", "doc_ids": "x"}]):
        with pytest.raises(InvalidArgumentError, match="history"):
            turns_of(bad, router)


# -- the real assistant (plan-only index) --------------------------------------------------


def test_three_turn_conversation_with_the_assistant(assistant):
    from qa.conversation import Turn

    first = assistant.ask_in_conversation("2022年新能源汽车产量要达到多少？", [])
    assert "50万辆" in first.text and first.understood_as == ""
    history = [Turn(first.question, tuple(c.chunk.doc_id for c in first.citations))]
    second = assistant.ask_in_conversation("营业收入呢？", history)
    assert second.question == "营业收入呢？" and second.understood_as == "2022年新能源汽车的营业收入是多少？"
    assert "500亿元" in second.text and not second.abstained
    assert second.to_json()["understood_as"] == second.understood_as
    history.append(Turn(second.question, tuple(c.chunk.doc_id for c in second.citations)))
    third = assistant.ask_in_conversation("这份方案的指挥长是谁？", history)
    assert third.understood_as == "《青岛市“高端制造业+人工智能”攻势作战方案(2019—2022年)》的指挥长是谁？"
    assert "薛庆国" in third.text
    # The follow-up is answered as its full question is.
    full = assistant.ask("2022年新能源汽车营业收入要达到多少？")
    assert full.citations[0].chunk.chunk_id == second.citations[0].chunk.chunk_id


def test_single_questions_are_unchanged(assistant):
    asked = assistant.ask("2022年新能源汽车产量要达到多少？")
    in_conversation = assistant.ask_in_conversation("2022年新能源汽车产量要达到多少？", [])
    assert asked.text == in_conversation.text and asked.understood_as == ""


def test_policyqa_chat_reads_lines_until_an_empty_one(plan_index: Path):
    from tests.conftest import policyqa_in_process

    lines = "2022年新能源汽车产量要达到多少？\n营业收入呢？\n\n这一行不会被读到\n"
    chat = policyqa_in_process("chat", "--index-dir", str(plan_index), input=lines)
    assert chat.returncode == 0, chat.stderr
    assert "问：营业收入呢？\n理解为：2022年新能源汽车的营业收入是多少？" in chat.stdout
    assert "500亿元" in chat.stdout and "这一行不会被读到" not in chat.stdout
    as_json = policyqa_in_process(
        "chat", "--json", "--index-dir", str(plan_index), input="谁担任攻势指挥长？\n" + "补" * 501 + "\n牵头单位呢？\n"
    )
    answers = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [a["question"] for a in answers] == ["谁担任攻势指挥长？", "牵头单位呢？"]
    assert answers[1]["understood_as"] and "市工业和信息化局" in answers[1]["answer"]
    assert "错误：" in as_json.stderr and "Traceback" not in as_json.stderr


def test_chat_without_index_is_one_line():
    missing = run("chat", "--index-dir", "/nonexistent/index")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


# -- the multi-turn dev set ------------------------------------------------------------------


DEV = Path(__file__).resolve().parents[1] / "eval" / "data" / "conversations" / "dev_multiturn.jsonl"


def test_multiturn_dev_set_is_well_formed_and_its_evidence_verbatim():
    from eval.conversation import load_conversations
    from eval.metrics import squeeze

    conversations = load_conversations(DEV)
    assert len(conversations) >= 40
    corpus = "".join(squeeze(p.read_text(encoding="utf-8")) for p in CORPUS.iterdir() if p.suffix in (".txt", ".md"))
    for conversation in conversations:
        for turn in conversation["turns"]:
            assert turn["evidence"] and all(squeeze(e) in corpus for e in turn["evidence"]), conversation["id"]


def test_multiturn_measure_on_plan_conversations(assistant):
    from eval.conversation import load_conversations, measure, summary

    plan_only = [c for c in load_conversations(DEV) if c["id"] in ("m001", "m007")]
    results = measure(assistant, plan_only)
    assert len(results) == 3 and all(r.understood_as for r in results)
    assert summary(results)["answered_as_full_question"] == pytest.approx(sum(r.same for r in results) / 3, abs=1e-3)
    assert results[0].same and results[0].hit
