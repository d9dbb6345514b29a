"""Citing by reference: parsing "公司法第六十条"-style references, resolving the
name against the documents, the version in force, and LawBench's file format."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.errors import InvalidArgumentError
from indexer.loaders import load_corpus
from indexer.segment import segment_document
from qa.references import ReferenceResolver, chinese_number, chinese_numeral, paragraphs, parse_reference
from qa.route import DocumentRouter
from qa.versions import validate_day

REPO = Path(__file__).resolve().parents[1]

LAW_2018 = """# 中华人民共和国示例法

2010年1月1日 第十一届全国人民代表大会常务委员会第十次会议通过

2018年10月26日 第十三届全国人民代表大会常务委员会第六次会议修正

<!-- INFO END -->

## 第一章 总则

第一条 为了规范示例活动，制定本法。

第二条 示例单位应当每年报告一次。

## 第二章 附则

第三条 本法自公布之日起施行。
"""

LAW_2023 = """# 中华人民共和国示例法

2010年1月1日 第十一届全国人民代表大会常务委员会第十次会议通过

2023年12月29日 第十四届全国人民代表大会常务委员会第七次会议修订

<!-- INFO END -->

## 第一章 总则

第一条 为了规范示例活动，制定本法。

第二条 示例单位应当每半年报告一次。

示例单位报告下列事项：

（一）收入；

（二）支出。

## 第二章 附则

第三条 本法自2024年7月1日起施行。
"""

REGULATION = """# {city}优化营商环境条例

2021年1月8日 {city}人民代表大会常务委员会第三十次会议通过

<!-- INFO END -->

第一条 为了优化{city}营商环境，制定本条例。

第二条 本条例自2021年3月1日起施行。
"""


@pytest.fixture(scope="module")
def statutes(tmp_path_factory) -> Path:
    """Two versions of one law, filed under a category folder, and two cities' regulations of one name."""
    corpus = tmp_path_factory.mktemp("statutes")
    (corpus / "民法商法").mkdir()
    (corpus / "民法商法" / "示例法(2018-10-26).md").write_text(LAW_2018, encoding="utf-8")
    (corpus / "民法商法" / "示例法(2023-12-29).md").write_text(LAW_2023, encoding="utf-8")
    (corpus / "青岛市优化营商环境条例(2021-01-08).md").write_text(REGULATION.format(city="青岛市"), encoding="utf-8")
    (corpus / "济南市优化营商环境条例(2021-01-08).md").write_text(REGULATION.format(city="济南市"), encoding="utf-8")
    return corpus


def resolver_for(corpus: Path) -> ReferenceResolver:
    documents, _ = load_corpus(corpus)
    chunks = [chunk for document in documents for chunk in segment_document(document)]
    return ReferenceResolver(documents, chunks, DocumentRouter(documents))


@pytest.fixture(scope="module")
def resolver(statutes: Path) -> ReferenceResolver:
    return resolver_for(statutes)


@pytest.mark.parametrize(
    "text, number",
    [("一", 1), ("十", 10), ("十一", 11), ("二十", 20), ("六十", 60), ("一百零五", 105), ("二百六十七", 267), ("60", 60), ("６０", 60)],
)
def test_chinese_numbers_both_ways(text: str, number: int):
    assert chinese_number(text) == number
    if not text.isdigit():
        assert chinese_numeral(number) == text


@pytest.mark.parametrize(
    "question, expected",
    [
        ("民法商法公司法第六十条的内容是什么？", ("民法商法公司法", 60, 0, 0, 0)),
        ("《公司法》第60条第二款怎么规定的", ("公司法", 60, 2, 0, 0)),
        ("促进科技成果转化法第四十五条第一款第（一）项", ("促进科技成果转化法", 45, 1, 1, 0)),
        ("促进科技成果转化法第四十五条第一项", ("促进科技成果转化法", 45, 0, 1, 0)),
        ("请问中小企业促进法第二章讲什么", ("中小企业促进法", 0, 0, 0, 2)),
        ("第三条是什么？", ("", 3, 0, 0, 0)),
    ],
)
def test_references_are_parsed(question: str, expected: tuple):
    reference = parse_reference(question)
    assert reference is not None
    assert (reference.name, reference.article, reference.paragraph, reference.item, reference.chapter) == expected


def test_no_reference_in_an_ordinary_question_or_an_inserted_article():
    assert parse_reference("中小企业可以享受哪些税收优惠？") is None
    assert parse_reference("刑法第一百二十条之一的内容") is None


def test_paragraphs_keep_items_with_the_paragraph_introducing_them():
    assert paragraphs("甲。\n\n乙：\n\n（一）丙；\n\n（二）丁。") == ["甲。", "乙：\n（一）丙；\n（二）丁。"]


def test_short_name_with_category_prefix_answers_the_version_in_force(resolver: ReferenceResolver):
    answer = resolver.answer("民法商法示例法第二条的内容是什么？", as_of="2025-01-01")
    assert answer is not None and not answer.abstained
    assert "每半年报告一次" in answer.text and "2024-07-01 施行" in answer.text
    assert "#" not in answer.text and not answer.text.split("\n", 1)[1].startswith("第二条")
    # The older version's different article is noted, and ranked right after the one in force.
    assert answer.notes and answer.notes[0].startswith("2018年版第二条") and "每年报告一次" in answer.notes[0]
    assert [hit.chunk.clause for hit in answer.hits[:2]] == ["第二条", "第二条"]
    assert answer.hits[0].chunk.doc_id != answer.hits[1].chunk.doc_id
    assert answer.citations[0].version == "2024-07-01 施行"


def test_as_of_answers_from_the_version_then_in_force(resolver: ReferenceResolver):
    then = resolver.answer("中华人民共和国示例法第二条", as_of="2020-01-01")
    assert "每年报告一次" in then.text and "每半年" not in then.text and not then.notes
    before = resolver.answer("示例法第二条", as_of="2000-01-01")
    assert before.abstained and "尚未施行" in before.text


def test_same_article_unchanged_gives_no_note(resolver: ReferenceResolver):
    answer = resolver.answer("示例法第一条", as_of="2025-01-01")
    assert "为了规范示例活动" in answer.text and answer.notes == []


def test_paragraph_and_item(resolver: ReferenceResolver):
    paragraph = resolver.answer("示例法第二条第二款", as_of="2025-01-01")
    assert paragraph.text.endswith("示例单位报告下列事项：\n（一）收入；\n（二）支出。")
    item = resolver.answer("示例法第二条第二款第（二）项", as_of="2025-01-01")
    assert item.text.endswith("（二）支出。") and "收入" not in item.text
    missing = resolver.answer("示例法第二条第三款", as_of="2025-01-01")
    assert missing.abstained and "没有第三款（共2款）" in missing.text


def test_missing_article_says_how_many_there_are(resolver: ReferenceResolver):
    answer = resolver.answer("示例法第九十九条", as_of="2025-01-01")
    assert answer.abstained and "该文件没有第九十九条（共3条）" in answer.text


def test_chapter_gives_its_outline_and_articles(resolver: ReferenceResolver):
    answer = resolver.answer("示例法第一章讲什么", as_of="2025-01-01")
    assert not answer.abstained and "第一章 总则" in answer.text and "第一条至第二条，共2条" in answer.text
    assert [c.chunk.clause for c in answer.citations] == ["第一条", "第二条"]


def test_unknown_name_abstains_and_no_name_goes_to_retrieval(resolver: ReferenceResolver):
    unknown = resolver.answer("反垄断法第三条的内容是什么？")
    assert unknown.abstained and "没有名为《反垄断法》的文件" in unknown.text
    assert resolver.answer("第三条是什么？") is None
    assert resolver.answer("根据本条例第十条，企业要做什么？") is None
    assert resolver.answer("示例单位多久报告一次？") is None


def test_ambiguous_name_lists_candidates_by_jurisdiction_unless_one_is_named(resolver: ReferenceResolver):
    ambiguous = resolver.answer("优化营商环境条例第一条")
    assert ambiguous.abstained and "有 2 份文件" in ambiguous.text
    assert "《济南市优化营商环境条例》（济南市" in ambiguous.text and "《青岛市优化营商环境条例》（青岛市" in ambiguous.text
    named = resolver.answer("青岛市优化营商环境条例第一条")
    assert not named.abstained and "优化青岛市营商环境" in named.text
    by_place = resolver.answer("济南的优化营商环境条例第一条")
    assert not by_place.abstained and "优化济南市营商环境" in by_place.text


def test_abbreviated_names_resolve_as_laws_are_cited(resolver: ReferenceResolver, tmp_path: Path):
    # 营商环境条例 for 优化营商环境条例: two cities' regulations, so the candidates are listed;
    # with the city named, that one answers.
    assert "有 2 份文件" in resolver.answer("营商环境条例第一条").text
    assert "优化青岛市营商环境" in resolver.answer("青岛营商环境条例第一条").text
    (tmp_path / "科学技术进步法(2021-12-24).md").write_bytes((REPO / "corpus" / "科学技术进步法(2021-12-24).md").read_bytes())
    statute = resolver_for(tmp_path).answer("科技进步法第八十七条规定财政性科学技术资金主要投到哪些方面？")
    assert not statute.abstained and "《中华人民共和国科学技术进步法》第八十七条" in statute.text
    # A name that keeps too little of any title names none of them.
    assert resolver.answer("营商条例第一条").abstained


def test_real_statutes_of_the_corpus(tmp_path: Path):
    for name in ("中小企业促进法(2017-09-01).md", "促进科技成果转化法(2015-08-29).md"):
        (tmp_path / name).write_bytes((REPO / "corpus" / name).read_bytes())
    resolver = resolver_for(tmp_path)
    assert "该文件没有第九十九条（共61条）" in resolver.answer("中小企业促进法第九十九条").text
    item = resolver.answer("《中华人民共和国促进科技成果转化法》第四十五条第一款第（一）项")
    assert "不低于百分之五十" in item.text and "（二）" not in item.text
    assert item.hits[0].chunk.clause == "第四十五条"


def test_as_of_dates_are_checked():
    assert validate_day(" 2020-01-01") == "2020-01-01" and validate_day("") == ""
    with pytest.raises(InvalidArgumentError):
        validate_day("2020-13-01")


def test_lawbench_reader_and_rouge(tmp_path: Path):
    from eval.lawbench import rouge_l
    from eval.run import load_dataset

    rows = [{"instruction": "回答以下问题", "question": "民法商法示例法第二条的内容是什么？", "answer": "答案:甲乙丙丁。,戊己庚辛。"}]
    path = tmp_path / "1-1.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    [item] = load_dataset(path)
    assert item["id"] == "1-1-0" and item["answer"] == "甲乙丙丁。,戊己庚辛。"
    assert item["evidence"] == ["甲乙丙丁。", "戊己庚辛。"] and item["type"] == "lawbench-1-1"
    (tmp_path / "bad.json").write_text(json.dumps([{"question": "x"}]), encoding="utf-8")
    with pytest.raises(InvalidArgumentError):
        load_dataset(tmp_path / "bad.json")
    gold = "示例单位应当每半年报告一次。"
    assert rouge_l(gold, gold) == pytest.approx(1.0, abs=1e-6)
    assert rouge_l("", gold) == 0.0  # LawBench scores an empty answer as "无内容"
    assert 0.0 < rouge_l("《示例法》第二条：示例单位应当每半年报告一次。", gold) < 1.0


def test_laws_are_named_by_their_short_names_and_amendments_by_year():
    from qa.route import title_aliases

    assert {"中华人民共和国公司法", "公司法"} <= title_aliases("中华人民共和国公司法", "国家")
    assert "宪法修正案1988年" in title_aliases("中华人民共和国宪法修正案（1988年）", "国家")
    assert "青岛市优化营商环境条例" in title_aliases("青岛市优化营商环境条例", "青岛市")
    # A short fragment that is no law's name is no alias.
    assert not any(len(alias) < 4 for alias in title_aliases("山东省人才条例", "山东省"))


@pytest.fixture(scope="module")
def statute_assistant(statutes: Path, embedder, tmp_path_factory):
    from indexer.build import build_index
    from indexer.store import load_index
    from qa.assistant import Assistant

    index_dir = tmp_path_factory.mktemp("statute_index") / "index"
    build_index(statutes, index_dir, embedder=embedder, show_progress=False)
    return Assistant(load_index(index_dir, model_id=embedder.model_id), embedder)


def test_assistant_answers_references_first_and_by_version(statute_assistant):
    answer, again = statute_assistant.ask_batch(["民法商法示例法第二条的内容是什么？"] * 2, top_k=3)
    then = statute_assistant.ask("示例法第二条", as_of="2020-01-01")
    assert again.text == answer.text
    assert "每半年" in answer.text and answer.hits[0].chunk.clause == "第二条" and len(answer.hits) == 3
    assert answer.to_json()["citations"][0]["version"] == "2024-07-01 施行"
    assert "每年报告一次" in then.text and "每半年" not in then.text
    # A question citing nothing is retrieved from the versions in force on the day asked.
    documents = statute_assistant.documents
    retrieved = statute_assistant.ask("示例单位多久报告一次？", as_of="2020-01-01")
    assert retrieved.hits and all(documents[h.chunk.doc_id].effective != "2024-07-01" for h in retrieved.hits)


def test_lawbench_items_scored_with_hit_and_rouge(statute_assistant, tmp_path: Path):
    from eval.metrics import aggregate
    from eval.run import evaluation_records, load_dataset

    rows = [
        {"instruction": "回答", "question": "民法商法示例法第二条的内容是什么？", "answer": "答案:示例单位应当每半年报告一次。,示例单位报告下列事项：,（一）收入；,（二）支出。"},
        {"instruction": "回答", "question": "民法商法示例法第二条的内容是什么？", "answer": "答案:示例单位应当每年报告一次。"},
    ]
    path = tmp_path / "1-1.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    metrics = aggregate(evaluation_records(statute_assistant, load_dataset(path), ["hybrid"]))["hybrid"]
    # Both golds are found in the top 3 (the second follows the older version), only the first is recited.
    assert metrics["hit@3"]["value"] == 1.0 and metrics["hit@1"]["value"] == 0.5
    assert 0.3 < metrics["rouge_l"]["value"] < 0.9
