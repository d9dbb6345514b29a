"""Plain words to statute terms (issue 24, item 2): the thesaurus mined from
the law collection (eval/mine_thesaurus.py) loads, and its terms take a plain
question to the article that uses the statute's word. The example is one the
mining found, not a hand-added synonym: 外资 spelt out as 外商投资 in the
collection's documents that use both."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import qa.thesaurus as thesaurus_module
from eval.mine_thesaurus import Miner, is_abbreviation
from qa.thesaurus import THESAURUS_PATH, expansion_tokens, thesaurus, thesaurus_terms

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
LAW = "山东省民营经济发展促进条例(2021-07-29).md"
QUESTION = "外资企业算不算民营经济？"
ARTICLE = "外商投资之外的各类经济形式"  # 第二条: 民营经济 is every form but state-owned and foreign-invested


def test_the_mined_thesaurus_loads() -> None:
    table = thesaurus()
    header = THESAURUS_PATH.read_text(encoding="utf-8").splitlines()[0]
    assert "MINED" in header and len(table) > 200
    assert table["外资"] == ("外商投资",)
    assert "社会保险" in table["社保"] and table["版权"][0] == "著作权"
    assert thesaurus_terms(QUESTION) == ("外商投资",)
    # A term the question already says is not added again; only the tokens it lacks are searched.
    assert thesaurus_terms("外资和外商投资") == ()
    assert expansion_tokens(("外商投资",), ("外资", "企业")) == ("外商", "投资", "外商投资")


def test_switched_off_it_is_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(thesaurus_module.SWITCH, "off")
    thesaurus.cache_clear()
    try:
        assert thesaurus() == {} and thesaurus_terms(QUESTION) == ()
    finally:
        monkeypatch.delenv(thesaurus_module.SWITCH)
        thesaurus.cache_clear()


def test_mining_reads_definitions_aliases_and_abbreviations() -> None:
    assert is_abbreviation("外资", "外商投资") and is_abbreviation("社保", "社会保险")
    assert not is_abbreviation("外资", "投资外商") and not is_abbreviation("投资", "外商投资")
    miner = Miner()
    texts = [
        "第二条 本法所称消费者，是指为生活消费购买商品的个人。第三条 本法所称的著作权即版权。",
        "第五条 消费者，是指为生活消费需要购买、使用商品或者接受服务的个人。",
        "第九条 消费者有权退货。",
    ]
    for number, text in enumerate(texts):
        miner.read(number, text)
    table = miner.table()
    assert table["版权"] == ["著作权"]  # said outright once is enough
    assert table["购买"] == ["消费者"]  # two definitions lead there, and 消费者 is used in three documents


@pytest.fixture(scope="module")
def law_index(tmp_path_factory, embedder) -> Path:
    from indexer.build import build_index

    corpus = tmp_path_factory.mktemp("thesaurus_corpus")
    for name in (LAW, "中小企业促进法(2017-09-01).md"):
        shutil.copy(CORPUS / name, corpus / name)
    index = tmp_path_factory.mktemp("thesaurus_index") / "index"
    build_index(corpus, index, embedder=embedder, show_progress=False)
    return index


def _rank(index: Path, embedder, mode: str, on: bool, monkeypatch: pytest.MonkeyPatch) -> int | None:
    from indexer.store import load_index
    from qa.assistant import Assistant

    monkeypatch.setenv(thesaurus_module.SWITCH, "on" if on else "off")
    thesaurus.cache_clear()
    try:
        assistant = Assistant(load_index(index), embedder)
        hits = assistant.search(QUESTION, top_k=10, mode=mode)
    finally:
        monkeypatch.delenv(thesaurus_module.SWITCH)
        thesaurus.cache_clear()
    ranks = [rank for rank, hit in enumerate(hits, start=1) if ARTICLE in "".join(hit.chunk.text.split())]
    return ranks[0] if ranks else None


def test_a_plain_question_reaches_the_statute_word_with_the_thesaurus(law_index, embedder, monkeypatch) -> None:
    # Without it, BM25 has only 外资, 企业, 民营, 经济: the article that defines 民营经济 by
    # 外商投资 is not among the first ten.
    assert _rank(law_index, embedder, "lexical", False, monkeypatch) is None
    with_thesaurus = _rank(law_index, embedder, "lexical", True, monkeypatch)
    assert with_thesaurus is not None and with_thesaurus <= 3
    hybrid = _rank(law_index, embedder, "hybrid", True, monkeypatch)
    assert hybrid is not None and hybrid <= 5
