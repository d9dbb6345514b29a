"""Questions as users ask them, answered with the real model and index."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from indexer.errors import InvalidArgumentError, InvalidQuestionError
from qa.answer import NOT_MENTIONED

# (question as a user would ask it, clause that must be among the top 5)
USER_QUESTIONS = [
    ("谁担任攻势指挥长？", "附件"),
    ("2022年新能源汽车产量要达到多少？", "二（二）1"),
    ("工信局这边对接人是谁，电话多少？", "附件·牵头单位"),
    ("测量仪器以后朝什么方向发展？", "二（六）2（2）"),
    ("轨交产业链还缺哪些配套？", "二（五）2（2）"),
    ("我司运营电动车充电站，方案里有没有跟我们业务相关的？", "三（六）2（1）"),
    ("集成电路方面重点搞哪些产品方向？", "二（一）2（2）"),
    ("AI大牛不一定全职来青岛，有什么灵活引才办法？", "三（七）3（2）"),
    ("“市长杯”工业设计大奖赛出现在文件哪一部分", "三（四）2（2）"),
    ("c2m和d2m在文件里分别指哪种定制？", "二（八）2（1）"),
    ("俺们是酿酒的，文件里对酒水这块有啥提法？", "二（八）2（2）"),
    ("新品从立项到推出的时间，计划压缩百分之多少？", "一"),
    ("有没有鼓励大企业自己办金融公司的说法？", "三（五）2（3）"),
]


@pytest.mark.parametrize("question, clause", USER_QUESTIONS)
def test_user_questions_find_their_clause(assistant, question, clause):
    answer = assistant.ask(question)
    assert clause in [hit.chunk.clause for hit in answer.hits[:5]], [h.chunk.clause for h in answer.hits]


def test_commander_answer_cites_the_attachment(assistant):
    answer = assistant.ask("谁担任攻势指挥长？")
    assert not answer.abstained and "薛庆国" in answer.text
    assert answer.citations[0].chunk.clause.startswith("附件")


def test_target_answer_cites_its_clause_with_spans(assistant):
    answer = assistant.ask("2022年新能源汽车产量要达到多少？")
    assert "50万辆" in answer.text
    citation = next(c for c in answer.citations if "50万辆" in c.quote)
    assert citation.chunk.clause == "二（二）1"
    document = assistant.documents[citation.chunk.doc_id]
    assert document.text[citation.start : citation.end] == citation.quote


def test_every_claim_is_grounded_in_its_cited_quotes(assistant):
    """Extractive answers quote their clauses verbatim; answers built from
    extracted facts state only figures and names their quotes hold."""
    from qa.verify import verify_claims

    for question, _ in USER_QUESTIONS:
        answer = assistant.ask(question)
        if answer.abstained:
            continue
        for n, citation in enumerate(answer.citations, start=1):
            assert f"[{n}]" in answer.text
        # A question answered part by part ("（1）…（2）…") is checked part by part:
        # each answered part's claims against its own quotes.
        combined = answer.text.startswith("（1）")
        for said in [p for p in answer.parts if not p.abstained] if combined else [answer]:
            quotes = [c.quote for c in said.citations]
            body = said.text.split("（注：")[0]
            claims = [part.strip() for part in re.split(r"\[\d+\]", body) if part.strip()]
            _kept, dropped = verify_claims([(claim, quotes) for claim in claims])
            assert not dropped, (question, dropped)


def test_extractive_answers_quote_sentences_verbatim(assistant):
    answer = assistant.ask("测量仪器以后朝什么方向发展？")
    quotes = "".join(c.quote for c in answer.citations)
    claims = [part for part in re.split(r"\[\d+\]", answer.text) if part.strip()]
    assert claims and all(claim in quotes for claim in claims)
    assert "微型化、多功能化和人工智能化" in answer.text


@pytest.mark.parametrize(
    "question",
    ["申请补贴的截止日期是哪天？", "个人买电动车能拿多少购车补贴？", "市医保局在这个攻势里的联系人是谁，电话多少？",
     "指挥长薛庆国的办公电话多少？", "2018年青岛新能源汽车实际产量是多少辆？", "申报示范园区要交哪些材料？",
     "项目负责人的邮箱是多少？", "2025年还有这些支持吗？", "黄岛区对机器人企业有什么专门政策？",
     "比亚迪在青岛有什么项目？", "到2022年青岛要建多少个5G基站？"],
)
def test_abstains_when_the_documents_do_not_say(assistant, question):
    answer = assistant.ask(question)
    assert answer.abstained and answer.hits  # nearest clauses are still listed
    if answer.outcome == "partial":  # 文件提到了X，但没有规定Y: the clause is cited as related, not as the answer
        assert answer.text.startswith("文件提到了") and all(c.role == "related" for c in answer.citations)
    else:
        assert answer.text.startswith(NOT_MENTIONED) and answer.citations == []


def test_contacts_of_a_body_the_roster_lacks_are_not_the_lead_units(assistant):
    # Statutes name bodies by their field (专利管理部门, 科学技术行政部门); the plan's
    # roster lists its lead units' contacts, which are not theirs.
    answer = assistant.ask("青岛市专利管理部门的咨询电话是多少？")
    assert answer.abstained and "没有青岛市专利管理部门的联系人或电话" in answer.text
    assert "85911159" in assistant.ask("负责这个攻势的部门电话是多少？").text


def test_a_firm_the_documents_never_name_is_said_so_unless_it_is_the_askers_context(assistant):
    answer = assistant.ask("比亚迪在青岛的电动车整车项目，方案里有啥具体安排？")
    assert answer.abstained and "没有提到“比亚迪”" in answer.text
    # Named where the asker describes itself, a firm is background, not the subject.
    assert not assistant.ask("我们是华为的供应商，做工业软件，有什么支持？").abstained


@pytest.mark.parametrize(
    "question, must_cite",
    [("我们是即墨区的机器人企业，文件里有什么支持？", "二（六）2（1）"), ("我们在城阳区做轮胎，方案里有什么相关内容？", "二（六）2（3）")],
)
def test_a_firm_naming_its_district_still_gets_the_city_measures(assistant, question, must_cite):
    answer = assistant.ask(question)
    assert not answer.abstained and must_cite in [c.chunk.clause for c in answer.citations]


def test_period_note_for_years_after_the_plan(assistant):
    answer = assistant.ask("2025年还有这些支持吗？")
    assert "2019—2022" in answer.text


def test_json_shape(assistant):
    result = assistant.ask("牵头单位的联系人和电话分别是什么？", top_k=7).to_json()
    assert set(result) >= {"question", "answer", "abstained", "citations", "passages", "timings_ms"}
    assert len(result["passages"]) == 7 and [p["rank"] for p in result["passages"]] == list(range(1, 8))
    assert {"n", "chunk_id", "doc_id", "doc_title", "clause", "path", "quote", "start", "end"} <= set(result["citations"][0])
    assert "85911159" in result["answer"] and "85911343" in result["answer"]


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01", "问" * 501, None])
def test_bad_questions_are_refused_clearly(assistant, question):
    with pytest.raises(InvalidQuestionError):
        assistant.ask(question)


def test_bad_top_k_and_mode(assistant):
    with pytest.raises(InvalidArgumentError):
        assistant.ask("牵头单位是谁？", top_k=0)
    with pytest.raises(InvalidArgumentError):
        assistant.ask("牵头单位是谁？", mode="magic")


def test_english_and_typos_are_not_errors(assistant):
    for question in ["Who leads the AI campaign?", "智能家具平台点了哪几家企业?"]:
        answer = assistant.ask(question)
        assert answer.hits


def test_retrievers_all_answer(assistant):
    for mode in ("hybrid", "lexical", "dense"):
        assert assistant.ask("超高清视频要突破的关键技术有哪些", mode=mode).hits


def test_two_documents_are_found_and_cited_by_name(plan_corpus: Path, embedder, tmp_path: Path):
    from indexer.build import build_index
    from indexer.store import load_index
    from qa.assistant import Assistant

    corpus = tmp_path / "corpus"
    shutil.copytree(plan_corpus, corpus)
    (corpus / "harbor_fixture.txt").write_text(
        "港口智慧物流扶持办法(测试用)\n一、总体目标\n到2021年，建成3个自动化集装箱码头。\n"
        "二、支持措施\n(一)对新建冷链仓库给予每平方米50元的补贴。\n(二)联系人:张三,电话:12345678\n",
        encoding="utf-8",
    )
    (corpus / "harbor_fixture.meta.json").write_text(
        '{"title": "港口智慧物流扶持办法(测试用)", "fixture": true, "period": "2020—2021"}', encoding="utf-8"
    )
    build_index(corpus, tmp_path / "index", embedder=embedder, show_progress=False)
    assistant = Assistant(load_index(tmp_path / "index"), embedder)
    harbor = assistant.ask("自动化集装箱码头要建几个？")
    assert harbor.citations[0].chunk.doc_id == "harbor_fixture" and "3个" in harbor.text
    assert harbor.citations[0].doc_title == "港口智慧物流扶持办法(测试用)"
    plan = assistant.ask("2022年新能源汽车产量要达到多少？")
    assert plan.citations[0].chunk.doc_id == "qingdao_ai_plan"
    money = assistant.ask("新建冷链仓库补贴多少钱？")
    assert "50元" in money.text and money.citations[0].chunk.doc_id == "harbor_fixture"
    contact = assistant.ask("港口物流扶持找谁联系，电话多少？")
    assert "12345678" in contact.text and "85911159" not in contact.text
    lead = assistant.ask("青岛这个攻势的牵头单位联系人和电话？")
    assert "85911159" in lead.text and "12345678" not in lead.text
    only_harbor = assistant.ask("2022年新能源汽车产量要达到多少？", doc_ids=["harbor_fixture"])
    assert all(hit.chunk.doc_id == "harbor_fixture" for hit in only_harbor.hits)
