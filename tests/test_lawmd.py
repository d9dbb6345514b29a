"""The related regulations of corpus/ (LawRefBook Markdown): metadata, articles, tiling, no markup."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from indexer.jurisdiction import jurisdiction_of
from indexer.lawmd import parse_history, parse_lawmd
from indexer.loaders import load_corpus, load_document
from indexer.segment import find_segments, segment_document

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
LAWS = sorted(CORPUS.glob("*.md"))
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}


def chinese_number(text: str) -> int:
    """一百二十三 → 123 (the numbers of article headings, up to the hundreds)."""
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += current * 100
            current = 0
    return total + current


def articles_in_file(path: Path) -> list[str]:
    """The article numbers heading a line of the raw file, read independently of the parser."""
    numbers = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("第") and "条" in line[:8]:
            head = line.split("条", 1)[0] + "条"
            if line[len(head): len(head) + 1] in (" ", "\u3000", ""):
                numbers.append(head)
    return numbers


@pytest.fixture(scope="module")
def laws():
    return {path.stem: load_document(path, CORPUS) for path in LAWS}


def test_the_thirteen_regulations_are_in_the_corpus_beside_the_plan():
    assert len(LAWS) == 13
    documents, skipped = load_corpus(CORPUS)
    assert skipped == []
    assert len(documents) == 14 and "qingdao_ai_plan" in {d.doc_id for d in documents}


@pytest.mark.parametrize("path", LAWS, ids=[p.stem for p in LAWS])
def test_every_article_found_in_order_and_texts_tile_the_document(path: Path, laws):
    document = laws[path.stem]
    chunks = segment_document(document)
    expected = articles_in_file(path)
    assert expected and [chinese_number(a[1:-1]) for a in expected] == list(range(1, len(expected) + 1))
    found = [c.clause for c in chunks if re.fullmatch(r"第.+条", c.clause)]
    assert found == expected
    # Tiling: each chunk is its span of the text, spans in order, and together they hold every character but spaces.
    assert all(document.text[c.start : c.end] == c.text for c in chunks)
    assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:]))
    assert "".join(re.sub(r"\s", "", c.text) for c in chunks) == re.sub(r"\s", "", document.text)
    # No Markdown in any chunk; the adoption dates are the 题注, quoted as written, never an 引言.
    assert not any("#" in c.text or "INFO END" in c.text for c in chunks)
    assert "引言" not in {c.clause for c in chunks}
    history = [c for c in chunks if c.kind == "history"]
    assert [c.clause for c in history] == ["题注"] and history[0].ordinal == 0
    assert all(line in history[0].text for line in document.history)
    assert "#" not in document.title and document.title.startswith(("中华人民共和国", "山东省", "青岛市"))


@pytest.mark.parametrize("path", LAWS, ids=[p.stem for p in LAWS])
def test_jurisdiction_from_title(path: Path, laws):
    document = laws[path.stem]
    expected = {"山东省": ("山东省", "省级"), "青岛市": ("青岛市", "市级")}.get(path.stem[:3], ("国家", "国家级"))
    assert (document.jurisdiction, document.level) == expected


def test_metadata_of_a_national_law_revised_once(laws):
    law = laws["中小企业促进法(2017-09-01)"]
    assert law.title == "中华人民共和国中小企业促进法"
    assert law.issuer == "全国人民代表大会常务委员会"
    assert (law.adopted, law.revisions, law.published) == ("2002-06-29", ("2017-09-01",), "")
    assert law.effective == "2018-01-01"  # from its closing article "本法自2018年1月1日起施行"
    assert law.history == (
        "2002年6月29日 第九届全国人民代表大会常务委员会第二十八次会议通过",
        "2017年9月1日 第十二届全国人民代表大会常务委员会第二十九次会议修订",
    )
    assert law.text.startswith("\n".join(law.history) + "\n\n第一章 总则\n")


def test_metadata_of_a_city_regulation_with_every_history_line(laws):
    rule = laws["青岛市科技创新促进条例(2011-07-29)"]
    assert (rule.title, rule.jurisdiction, rule.issuer) == ("青岛市科技创新促进条例", "青岛市", "青岛市人民代表大会常务委员会")
    assert (rule.adopted, rule.published, rule.effective, rule.revisions) == ("2011-06-28", "2011-07-29", "2011-10-01", ())
    assert len(rule.history) == 4 and rule.history[1].endswith("批准")


def test_amended_law_keeps_no_stale_effective_date(laws):
    # 促进科技成果转化法 still says "本法自1996年10月1日起施行" after its 2015 修正: not this version's date.
    law = laws["促进科技成果转化法(2015-08-29)"]
    assert (law.adopted, law.revisions, law.effective) == ("1996-05-15", ("2015-08-29",), "")
    shandong = laws["山东省促进科技成果转化条例(2017-12-01)"]
    assert (shandong.adopted, shandong.revisions, shandong.effective) == ("2001-10-28", ("2017-12-01",), "2018-01-01")


def test_items_and_breadcrumbs_of_articles(laws):
    chunks = {c.clause: c for c in segment_document(laws["促进科技成果转化法(2015-08-29)"])}
    assert chunks["第四十五条"].path == ("第四章 技术权益", "第四十五条")
    assert chunks["第四十五条（一）"].breadcrumb.startswith("第四章 技术权益 › 第四十五条 › （一）")
    assert "不低于百分之五十" in chunks["第四十五条（一）"].text
    reform = {c.clause: c for c in segment_document(laws["山东省企业技术改造条例(2017-12-01)"])}
    assert reform["第一章"].path == ("第一章 总则",) and reform["第一章"].kind == "heading"


def test_codes_sections_and_bare_chapter_lines():
    text = (
        "# 某某法\n\n2020年1月1日 某某省第一届人民代表大会常务委员会第一次会议通过\n\n<!-- INFO END -->\n\n"
        "## 第一编 总则\n\n## 第一章 一般规定\n\n### 第一节 范围\n\n第一条 甲。\n\n第二条 乙：\n\n（一）丙；\n\n"
        "第二条规定的事项，另行规定。\n\n第二章　附　则\n\n第三条 本法自2020年3月1日起施行。\n"
    )
    body, metadata = parse_lawmd(text)
    assert "#" not in body and metadata["title"] == "某某法" and metadata["effective"] == "2020-03-01"
    segments = find_segments(body)
    assert segments[0].kind == "preamble" and "会议通过" in body[segments[0].start : segments[0].end]  # the 题注
    segments = segments[1:]
    assert [s.clause for s in segments] == ["第一编", "第一编第一章", "第一编第一章第一节", "第一条", "第二条", "第二条（一）", "第一编第二章", "第三条"]
    assert segments[4].path == ("第一编 总则", "第一章 一般规定", "第一节 范围", "第二条")
    assert segments[7].path == ("第一编 总则", "第二章 附则", "第三条")
    # "第二条规定的事项…" at a line start is a reference inside 第二条（一）, not a new article.
    assert "另行规定" in body[segments[5].start : segments[5].end]


def test_wrapped_history_lines_and_repeated_title():
    entries = parse_history([
        "中华人民共和国各级人民代表大会", "常务委员会监督法",
        "2006年8月27日 第十届全国人民代表大会常务委员会第二十三次会议通过",
        "2015年8月29日 第十二届全国人民代表大会常务委员会第十六次会议《关于修改〈中华人民共和国地方各级",
        "人民代表大会和地方各级人民政府组织法〉的决定》修正",
    ])
    assert [(e.date, e.action, e.body) for e in entries] == [
        ("2006-08-27", "通过", "全国人民代表大会常务委员会"),
        ("2015-08-29", "修正", "全国人民代表大会常务委员会"),
    ]


def test_jurisdiction_from_the_organ_when_the_title_names_none():
    assert jurisdiction_of("企业信息公示暂行条例", ("国务院",)).name == "国家"
    assert jurisdiction_of("城市绿化条例", ("宁波市人民代表大会常务委员会",)).level == "市级"
    assert jurisdiction_of("某某办法") is None


def test_duties_a_statute_assigns_are_facts(laws):
    from indexer.facts import extract_policy_facts

    law = laws["促进科技成果转化法(2015-08-29)"]
    facts = extract_policy_facts([law], segment_document(law))
    duties = {(d.body, d.duty) for d in facts.duties}
    assert ("地方各级人民政府", "负责管理、指导和协调本行政区域内的科技成果转化工作") in duties
    assert all(d.source.clause.startswith("第") and d.body in d.source.quote for d in facts.duties)
    assert not any(d.duty.startswith("负责相关工作的部门") for d in facts.duties)
