"""A question in everyday words is not ranked by the two incidental words BM25
finds (issue 24, plain words): BM25 weighs less the less of the question its
best clauses hold, so the clause the model reads as the answer comes first,
while a question in the statute's own words is scored as before.

The questions are made up for this test, over real files of corpus/."""
from __future__ import annotations

import pytest

import qa.fusion as fusion_module
from tests.conftest import index_of_plan_and

STATUTES = (
    "中小企业促进法(2017-09-01).md",
    "山东省人才发展促进条例(2020-03-26).md",
    "青岛市专利保护规定(2011-11-25).md",
    "青岛市优化营商环境条例(2021-01-28).md",
)
# Neither says 人才 or 引进; 招不到人 is 人, 招, 不到 to BM25, and the patent rules'
# "（二）有明确的被请求人;" held the most of them.
HIRING = "小公司招不到人、留不住人，省里有什么帮忙的？"
# 中小企业促进法 第五十三条: 不得违约拖欠中小企业的货物、工程、服务款项.
LATE_PAYMENT = "大企业一直拖着不给我们小公司结货款，法律上怎么说？"
LATE_PAYMENT_ARTICLE = "拖欠中小企业"


@pytest.fixture(scope="module")
def assistant(embedder, tmp_path_factory):
    from indexer.store import load_index
    from qa.assistant import Assistant

    index = index_of_plan_and(STATUTES, embedder, tmp_path_factory, "lexical_trust")
    return Assistant(load_index(index, model_id=embedder.model_id), embedder)


def _hits(assistant, question: str, distrust: float, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(fusion_module, "LEXICAL_DISTRUST", distrust)
    return assistant.retriever.search(assistant.parser.parse(question), top_k=5)


def test_a_question_in_everyday_words_reaches_the_clause_the_model_reads(assistant, monkeypatch) -> None:
    default = fusion_module.LEXICAL_DISTRUST
    assert 0 < default < 1  # BM25 still counts, only less

    trusting = _hits(assistant, HIRING, 0.0, monkeypatch)
    assert trusting[0].chunk.doc_id.startswith("青岛市专利保护规定")
    weighed = _hits(assistant, HIRING, default, monkeypatch)
    assert weighed[0].chunk.doc_id.startswith("山东省人才发展促进条例")

    assert not any(LATE_PAYMENT_ARTICLE in hit.chunk.text for hit in _hits(assistant, LATE_PAYMENT, 0.0, monkeypatch))
    assert any(LATE_PAYMENT_ARTICLE in hit.chunk.text for hit in _hits(assistant, LATE_PAYMENT, default, monkeypatch))


def test_a_question_in_the_statutes_words_keeps_bm25_whole(assistant) -> None:
    retriever = assistant.retriever
    statute_words = assistant.parser.parse("国家机关、事业单位和大型企业不得违约拖欠中小企业的货物、工程、服务款项")
    plain_words = assistant.parser.parse(HIRING)
    full = retriever.weights["lexical"]
    assert retriever._query_weights(statute_words, retriever._lexical_all(statute_words))["lexical"] == pytest.approx(full)
    lowered = retriever._query_weights(plain_words, retriever._lexical_all(plain_words))["lexical"]
    assert full * (1 - fusion_module.LEXICAL_DISTRUST) <= lowered < 0.8 * full
