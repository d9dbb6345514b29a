"""Procedure and application questions (issue 25, item 2): 怎么申报 / 向谁申请 /
什么时候受理 / 需要什么材料 are kinds of question of their own
(qa/data/slots.json), answered with the platform, body, period or materials
a clause gives for what was asked about (qa/procedure.py), else with the
precise partial or 文件未提及; a two-part question is answered part by part.

Over an uploaded policy (a made-up .docx whose 申报 section gives a platform
and a date range each year) and real procedure clauses of corpus/."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import CORPUS, policyqa_in_process


# An uploaded policy, as a district or city bureau would publish it: the red
# header's 文号, the title, the rewards, and a 申报 section naming no reward.
REWARD_POLICY = """青工信发〔2024〕12号
青岛市专精特新中小企业奖励实施细则（测试用虚构文件）
一、奖励对象
在本市注册、具有独立法人资格，且近三年未发生重大安全、环保、质量事故的中小企业。
二、奖励标准
（一）对首次认定为国家级专精特新“小巨人”企业的，给予一次性奖励50万元。
（二）对首次认定为省级专精特新中小企业的，给予一次性奖励10万元。
（三）同一企业同一年度按最高标准奖励，不重复享受。
三、申报和受理
（一）符合条件的企业于每年5月1日至6月30日登录“青岛政策通”平台（网址：https://zc.qingdao.example.cn）在线填报申请，逾期不予受理。
（二）企业应当提交以下申报材料：营业执照复印件、专精特新认定文件、上年度财务审计报告和信用承诺书。
（三）各区（市）工业和信息化主管部门负责受理和初审，市工业和信息化局复核后报市财政局拨付奖励资金。
四、咨询联系
青岛市工业和信息化局中小企业处，联系电话：0532-85911111。
五、本细则自2024年1月1日起施行，有效期至2028年12月31日。
"""
REWARD_FILE = "专精特新奖励实施细则.docx"
# A reward with no word on how to apply for it.
SENSOR_POLICY = """崂山区支持智能传感器产业发展的若干措施（测试用虚构文件）

一、支持对象
在崂山区注册、从事智能传感器研发制造的企业。

二、研发奖励
对年度研发投入超过500万元的传感器企业，给予最高50万元研发奖励。
"""
# Real procedure clauses: a platform (技改 第八条), materials and the body that
# accepts (专利 第十二条、第十三条), a yearly deadline (成果转化 第十五条).
LAWS = ("青岛市专利保护规定(2011-11-25).md", "山东省企业技术改造条例(2017-12-01).md",
        "山东省促进科技成果转化条例(2017-12-01).md", "青岛市优化营商环境条例(2021-01-28).md")
EXAMPLE = "专精特新奖励怎么申报，什么时候受理？"


def write_reward_docx(path: Path) -> Path:
    """The reward policy as a Word file, one paragraph a line."""
    import docx

    document = docx.Document()
    for line in REWARD_POLICY.splitlines():
        document.add_paragraph(line)
    document.save(path)
    return path


@pytest.fixture(scope="module")
def procedure_index(embedder, tmp_path_factory) -> Path:
    """An index of the plan, four regulations, the uploaded .docx and the sensor policy."""
    from indexer.build import build_index
    from indexer.facts import extract_facts

    corpus = tmp_path_factory.mktemp("procedure_corpus")
    for path in [*CORPUS.glob("qingdao_ai_plan.*"), *(CORPUS / name for name in LAWS)]:
        shutil.copy(path, corpus / path.name)
    write_reward_docx(corpus / REWARD_FILE)
    (corpus / "崂山区传感器研发奖励.txt").write_text(SENSOR_POLICY, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("procedure_index") / "index"
    report = build_index(corpus, index_dir, embedder=embedder, show_progress=False, extract_facts=extract_facts)
    assert not report.skipped
    return index_dir


@pytest.fixture(scope="module")
def helper(procedure_index, embedder):
    from indexer.store import load_index
    from qa.assistant import Assistant

    return Assistant(load_index(procedure_index, model_id=embedder.model_id), embedder)


def answer_roles(answer) -> set[str]:
    return {citation.role for citation in answer.citations}


# -- what is asked ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("专精特新奖励怎么申报？", "procedure"),
        ("专精特新奖励到哪里办理？", "procedure"),
        ("专精特新奖励的申报流程是什么？", "procedure"),
        ("专精特新奖励什么时候受理？", "period"),
        ("专精特新奖励的申报时间是哪天？", "period"),
        ("专精特新奖励需要准备哪些材料？", "materials"),
        ("专精特新奖励向谁申请？", "body"),
        ("专精特新奖励由哪个部门受理？", "body"),
        # Not procedures: an idiom, a list of materials science, whom to call, how often.
        ("科研人员被派到企业服务，原单位的岗位和工资怎么办？", ""),
        ("新材料方面重点研发哪些？", ""),
        ("想咨询这个攻势，该找哪个部门？", ""),
        ("全球创投风投大会多久举办一次？", "frequency"),
        ("向青岛专利管理部门申请处理专利纠纷，多少天内决定立不立案？", "length"),
    ],
)
def test_procedure_questions_are_read_as_their_kind(assistant, question: str, kind: str) -> None:
    slot = assistant.composer.slots.read(assistant.parser.parse(question))
    assert slot.kind == kind
    if kind in {"procedure", "period", "materials", "body"}:
        # The asking words (申报, 受理, 材料…) are not what it is about.
        assert slot.words == ["专精", "专精特新", "奖励"]


@pytest.mark.parametrize(
    ("kind", "sentence", "answers"),
    [
        ("procedure", "符合条件的企业于每年5月1日至6月30日登录“青岛政策通”平台在线填报申请。", True),
        ("period", "符合条件的企业于每年5月1日至6月30日登录“青岛政策通”平台在线填报申请。", True),
        ("period", "政府设立的高等学校应当于每年三月底前向其主管部门提交年度报告。", True),
        ("materials", "企业应当提交以下申报材料：营业执照复印件、上年度财务审计报告。", True),
        ("body", "各区（市）工业和信息化主管部门负责受理和初审。", True),
        ("procedure", "对首次认定为国家级专精特新“小巨人”企业的，给予一次性奖励50万元。", False),
        ("period", "本细则自2024年1月1日起施行，有效期至2028年12月31日。", False),
        ("materials", "企业应当按照规定提交相关材料。", False),
    ],
)
def test_each_kind_has_its_own_evidence(assistant, kind: str, sentence: str, answers: bool) -> None:
    from dataclasses import replace

    reader = assistant.composer.slots
    slot = replace(reader.read(assistant.parser.parse("企业怎么申报？")), kind=kind, subject=(), weights=())
    match = reader.match(slot, sentence, "", 0.5)
    assert match.answers is answers
    if kind == "materials" and not answers:
        assert match.vague == "相关材料"  # names the materials without saying which


# -- answered from the uploaded policy ----------------------------------------------


@pytest.mark.parametrize(
    ("question", "clause", "holds"),
    [
        ("专精特新奖励什么时候受理？", "三（一）", "每年5月1日至6月30日"),
        ("专精特新奖励到哪里办理？", "三（一）", "“青岛政策通”平台"),
        ("专精特新奖励需要准备哪些材料？", "三（二）", "营业执照复印件"),
        ("专精特新奖励向谁申请？", "三（三）", "工业和信息化主管部门负责受理"),
    ],
)
def test_a_procedure_question_is_answered_from_the_policys_own_section(helper, question, clause, holds) -> None:
    answer = helper.ask(question)
    assert not answer.abstained, answer.text
    assert holds in answer.text and "[1]" in answer.text
    cited = {c.chunk.clause for c in answer.citations}
    assert clause in cited and answer_roles(answer) == {"answer"}
    assert all(c.doc_title == "青岛市专精特新中小企业奖励实施细则（测试用虚构文件）" for c in answer.citations)
    assert "50万元" not in answer.text  # the reward is not how to apply for it


def test_how_to_apply_gives_platform_materials_and_body(helper) -> None:
    answer = helper.ask("专精特新奖励怎么申报？")
    assert [c.chunk.clause for c in answer.citations] == ["三（一）", "三（二）", "三（三）"]
    assert "登录“青岛政策通”平台" in answer.text and "信用承诺书" in answer.text and "负责受理和初审" in answer.text


def test_the_issues_example_is_answered_part_by_part(helper) -> None:
    answer = helper.ask(EXAMPLE)
    assert not answer.abstained and len(answer.parts) == 2
    how, when = answer.text.split("\n")
    assert how.startswith("（1）专精特新奖励怎么申报：") and "“青岛政策通”平台" in how
    assert when.startswith("（2）") and "什么时候受理" in when and "每年5月1日至6月30日" in when
    assert all(not part.abstained for part in answer.parts)
    assert {c.chunk.clause for c in answer.citations} >= {"三（一）", "三（二）", "三（三）"}


def test_the_cli_shows_the_issues_example_with_its_citations(procedure_index: Path) -> None:
    result = policyqa_in_process("ask", EXAMPLE, "--index-dir", str(procedure_index))
    assert result.returncode == 0, result.stderr
    assert "（1）专精特新奖励怎么申报" in result.stdout and "每年5月1日至6月30日" in result.stdout
    assert "文件未提及" not in result.stdout
    cited = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert len(cited) == 4 and all("《青岛市专精特新中小企业奖励实施细则（测试用虚构文件）》" in line for line in cited)
    assert [line.rsplit(" ", 1)[-1] for line in cited] == ["三（一）", "三（二）", "三（三）", "三（一）"]


# -- answered from real clauses of corpus/ --------------------------------------------


@pytest.mark.parametrize(
    ("question", "title", "clause", "holds"),
    [
        ("企业技术改造项目的核准、备案手续在哪里办理？", "山东省企业技术改造条例", "第八条", "国家投资项目在线审批监管平台"),
        ("请求市专利管理部门处理专利侵权纠纷，要提交什么材料？", "青岛市专利保护规定", "第十二条", "应当提交请求书和有关证据"),
        ("专利纠纷处理请求由哪个部门受理？", "青岛市专利保护规定", "第十三条", "市专利管理部门应当自收到专利纠纷处理请求书"),
        ("政府设立的高等学校每年什么时候向主管部门提交科技成果转化年度报告？", "山东省促进科技成果转化条例", "第十五条", "每年三月底前"),
    ],
)
def test_real_procedure_clauses_answer_with_their_citation(helper, question, title, clause, holds) -> None:
    answer = helper.ask(question)
    assert not answer.abstained, answer.text
    assert holds in answer.text
    assert any(c.doc_title.endswith(title) and c.chunk.clause == clause and c.role == "answer" for c in answer.citations)


# -- refused or partial where the documents do not say --------------------------------


def test_a_reward_without_a_procedure_gets_the_precise_partial(helper) -> None:
    answer = helper.ask("传感器研发奖励怎么申报？")
    assert answer.abstained and answer_roles(answer) == {"related"}
    assert answer.text.startswith("文件提到了") and "但没有规定" in answer.text and "申请或办理的方式" in answer.text
    assert "传感器" in answer.text.split("但没有规定")[0]
    # The other policy's 申报 section is not this reward's.
    assert "青岛政策通" not in answer.text and all(c.chunk.clause != "三（一）" for c in answer.citations)


@pytest.mark.parametrize(
    "question",
    [
        "传感器研发奖励什么时候受理？",
        "单项冠军奖励什么时候受理？",
        "企业技术改造项目承诺制具体要提交哪些承诺材料？",
        "青岛政务服务容缺受理时，哪些申请材料可以容缺？",
        "申报首台(套)技术装备认定要交哪些材料？",
    ],
)
def test_procedures_the_documents_do_not_give_are_not_answered(helper, question: str) -> None:
    answer = helper.ask(question)
    assert answer.abstained, answer.text
    assert "answer" not in answer_roles(answer)
    assert "青岛政策通" not in answer.text


def test_over_the_plan_alone_the_reward_procedure_is_partial(assistant) -> None:
    answer = assistant.ask("专精特新“小巨人”企业奖励怎么申报？")
    assert answer.abstained and "answer" not in answer_roles(answer)
    assert answer.text.startswith("文件提到了“专精特新”") and "申请或办理的方式" in answer.text


def test_a_heading_on_its_own_line_opens_a_procedure_section(tmp_path: Path) -> None:
    from indexer.loaders import load_document
    from indexer.segment import segment_document
    from qa.procedure import headings
    from qa.slot_vocabulary import load_vocabulary

    path = tmp_path / "崂山区传感器措施.txt"
    path.write_text(SENSOR_POLICY + "\n三、申报方式\n企业于每年3月1日至4月30日通过崂山区政务服务平台申报。\n", encoding="utf-8")
    chunks = segment_document(load_document(path, tmp_path))
    procedure = load_vocabulary().procedure_headings
    assert [c.clause for c in chunks if any(procedure.search(h) for h in headings(c))] == ["三"]
    assert headings(next(c for c in chunks if c.clause == "三")) == ["三、申报方式"]
