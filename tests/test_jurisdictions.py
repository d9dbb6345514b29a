"""Answers across documents of several levels: routing by the document or
jurisdiction a question names, labelled answers, abstention for places the
corpus does not cover. A real index of the plan and three statutes on the
same matter (national, Shandong, Qingdao)."""
from __future__ import annotations


import pytest

from qa.route import DocumentRouter, title_aliases
from tests.conftest import index_of_plan_and

STATUTES = (
    "促进科技成果转化法(2015-08-29).md", "山东省促进科技成果转化条例(2017-12-01).md", "青岛市科技创新促进条例(2011-07-29).md",
    "山东省企业技术改造条例(2017-12-01).md", "中小企业促进法(2017-09-01).md",
)


@pytest.fixture(scope="module")
def levels_assistant(embedder, tmp_path_factory):
    from indexer.store import load_index
    from qa.assistant import Assistant

    index_dir = index_of_plan_and(STATUTES, embedder, tmp_path_factory, "levels")
    return Assistant(load_index(index_dir, model_id=embedder.model_id), embedder)


def test_title_aliases_drop_the_jurisdiction_and_brackets():
    assert title_aliases("山东省企业技术改造条例", "山东省") == {"山东省企业技术改造条例", "企业技术改造条例"}
    assert "促进科技成果转化法" in title_aliases("中华人民共和国促进科技成果转化法", "国家")
    assert "高端制造业+人工智能攻势作战方案" in title_aliases("青岛市“高端制造业+人工智能”攻势作战方案(2019—2022年)", "青岛市")


def test_router_resolves_titles_levels_and_places_not_covered(levels_assistant):
    router: DocumentRouter = levels_assistant.retriever.router
    shandong = next(d.doc_id for d in levels_assistant.index.documents if d.title == "山东省促进科技成果转化条例")
    route = router.route("山东省促进科技成果转化条例对奖励比例怎么规定？")
    assert route.titled == {shandong}
    assert router.route("山东省对职务科技成果的奖励不低于多少？").jurisdictions == {"山东省"}
    assert router.route("全国层面的科技成果转化奖励比例是多少？").jurisdictions == {"国家"}
    assert router.route("济南到2022年要建多少个数字化车间？").uncovered == ("济南市",)
    # A word that merely starts like a level ("国家级创新中心") names no level.
    assert router.route("国家级制造业创新中心有几个？").empty
    # A kind of document without its title: 这个方案 is the plan, 条例 the regulations.
    plan = next(d.doc_id for d in levels_assistant.index.documents if d.title.endswith("方案(2019—2022年)"))
    scores = router.doc_scores(router.route("中小企业融资难，这个方案里有啥说法？"))
    assert scores == {plan: 1.0}  # the only plan held: as if named by title
    assert router.route("系统解决方案供应商有什么支持？").empty  # a compound is no kind
    scores = router.doc_scores(router.route("山东的条例对技术改造有什么贴息？"))
    assert scores[shandong] == 1.0 and plan not in scores


def test_a_word_for_policy_documents_routes_to_their_kinds(levels_assistant):
    """文件 is what an office calls its policy documents (方案, 办法…), not laws;
    计划 means a plan only after a demonstrative (routing.json's kind families)."""
    router: DocumentRouter = levels_assistant.retriever.router
    plan = next(d.doc_id for d in levels_assistant.index.documents if d.title.endswith("方案(2019—2022年)"))
    # The library holds one plan: the kind names it as its title would.
    assert router.doc_scores(router.route("企业上云这块，文件有啥说法？")) == {plan: 1.0}
    assert router.doc_scores(router.route("说到底这个计划想把产业带到哪一步？")) == {plan: 1.0}
    laws = router.doc_scores(router.route("这几部条例对技术改造怎么规定？"))
    assert len(laws) >= 2 and set(laws.values()) == {0.5}  # several of the kind: each only leans
    assert router.route("规范性文件要经过合法性审查吗？").empty  # a compound of its own
    assert router.route("年度执法检查计划什么时候公布？").empty  # an everyday word
    # The plan's clause, not the SME law's financing articles, answers a question about "the document".
    hits = levels_assistant.retriever.search(levels_assistant.parser.parse("中小企业融资难，文件有啥说法？"), top_k=3)
    assert hits[0].chunk.doc_id == plan


def test_the_named_level_answers_first_and_each_document_is_labelled(levels_assistant):
    answer = levels_assistant.ask("山东省对职务科技成果转让收入给研发人员的奖励不低于多少？")
    assert not answer.abstained
    first = answer.citations[0]
    assert first.doc_title == "山东省促进科技成果转化条例" and first.chunk.clause.startswith("第三十四条")
    assert "百分之七十" in first.quote
    assert answer.hits[0].chunk.doc_id == first.chunk.doc_id
    if len({c.chunk.doc_id for c in answer.citations}) > 1:  # other levels' rules, each said to be whose
        for citation in answer.citations:
            assert f"《{citation.doc_title}》{citation.chunk.clause}：" in answer.text


def test_a_city_the_corpus_does_not_cover_is_refused_saying_what_it_covers(levels_assistant):
    answer = levels_assistant.ask("济南到2022年要建多少个数字化车间？")
    assert answer.abstained and not answer.citations
    assert "济南" in answer.text
    for jurisdiction in ("国家", "山东省", "青岛市"):
        assert jurisdiction in answer.text


def test_statute_history_answers_when_it_took_effect(levels_assistant):
    answer = levels_assistant.ask("山东省促进科技成果转化条例是哪天通过的？")
    assert not answer.abstained
    assert any(c.chunk.clause == "题注" for c in answer.citations), answer.text


@pytest.mark.parametrize(
    "question",
    [
        "2022年新能源汽車產量要達到多少？",  # traditional characters
        "How many new energy vehicles should Qingdao produce by 2022?",  # English
        "我们是一家做汽车零部件配套的民营企业，前几年主要给外地整车厂供货，今年想把重心转回青岛。请问文件里说2022年新能源汽车产量要达到多少？",
    ],
)
def test_questions_people_write_reach_the_figure(assistant, question):
    answer = assistant.ask(question)
    assert not answer.abstained, answer.text
    assert "50万辆" in answer.text


def _matched(assistant, profile: str):
    from qa.match import match_profile

    return match_profile(profile, assistant.facts, assistant.documents, limit=15)


def test_a_firm_gets_measures_of_every_document_grouped_by_document(levels_assistant):
    result = _matched(levels_assistant, "我们是一家轮胎企业，准备做智能化技术改造，想了解财政和融资支持")
    titles = {m.doc_title for m in result.measures}
    assert "山东省企业技术改造条例" in titles and any("攻势作战方案" in t for t in titles)
    reform = [m for m in result.measures if m.doc_title == "山东省企业技术改造条例"]
    assert any("贴息" in m.quote or "风险补偿" in m.quote for m in reform), [m.clause for m in reform]
    # Grouped by kind of support, the kinds asked for (财政, 融资) first.
    labels = [label for label, _ in result.groups()]
    assert labels[: len(result.wanted)] == list(result.wanted) and len(set(labels)) == len(labels)


def test_a_small_software_firm_gets_the_sme_law_on_tax_and_financing(levels_assistant):
    result = _matched(levels_assistant, "我们是一家做软件的小微企业，想了解税收和融资方面的支持")
    sme = [m for m in result.measures if m.doc_title == "中华人民共和国中小企业促进法"]
    assert sme, [m.doc_title for m in result.measures]
    assert any("税" in m.quote for m in sme) and any("融资" in m.quote for m in sme)


@pytest.mark.parametrize(
    ("absent", "title", "held", "closest"),
    [
        # Ends as 山东省促进科技成果转化条例 does, but its own word (职务) names another
        # document; dropping a word the held title has (促进) still abbreviates it.
        ("山东省职务科技成果转化条例什么时候施行？", "山东省职务科技成果转化条例",
         "山东省科技成果转化条例什么时候施行？", "山东省促进科技成果转化条例"),
        # A held law's title extended by a kind of its own: a document made under the law.
        ("《中小企业促进法实施细则》规定的政府采购预留份额是多少？", "中小企业促进法实施细则",
         "《中小企业促进法》规定的政府采购预留份额是多少？", "中华人民共和国中小企业促进法"),
        # … however alike the two read (a typo of a held title is held).
        ("《山东省企业技术改造条例实施办法》什么时候施行？", "山东省企业技术改造条例实施办法",
         "《山东省企业技术改造条例》什么时候施行？", "山东省企业技术改造条例"),
    ],
)
def test_a_title_naming_another_document_than_a_held_one_is_absent(levels_assistant, absent, title, held, closest):
    """Neither the status nor the clauses of a document the library lacks are
    answered from the held one it resembles; the held one is still answered."""
    router: DocumentRouter = levels_assistant.retriever.router
    assert router.unheld_titles(absent) == [title]
    assert router.unheld_titles(held) == []
    answer = levels_assistant.ask(absent)
    assert answer.abstained and not answer.citations
    assert f"文件库中没有《{title}》" in answer.text and f"《{closest}》" in answer.text
    held_answer = levels_assistant.ask(held)
    assert not held_answer.abstained
    assert any(levels_assistant.documents[c.chunk.doc_id].title == closest for c in held_answer.citations)
