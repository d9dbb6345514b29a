"""Questions as people write them: traditional characters, English, typos and
long situational questions (qa/language.py, qa/spelling.py, qa/focus.py)."""
from __future__ import annotations

import re

from qa.dictionary import dictionary_terms
from qa.language import detect_language, glossary_terms
from qa.query import QueryParser, parse_query


def test_traditional_question_reads_as_its_simplified_form():
    traditional = parse_query("請問新能源汽車產業的牽頭單位聯繫電話是多少？")
    simplified = parse_query("请问新能源汽车产业的牵头单位联系电话是多少？")
    assert traditional.tokens == simplified.tokens and traditional.tokens
    assert traditional.asks == simplified.asks == frozenset({"phone"})
    assert traditional.role_words == simplified.role_words
    assert traditional.original.startswith("請問") and traditional.text.startswith("请问")


def test_english_question_gets_the_documents_terms_and_what_it_asks():
    query = parse_query("What is the phone number of the lead unit for NEV projects in the industrial internet plan?")
    assert query.language == "en"
    assert {"新能源汽车", "牵头单位", "电话", "工业互联网"} <= set(query.glossary_terms)
    assert "新能源汽车" in query.expanded and "牵头单位" in query.tokens
    assert "phone" in query.asks and "牵头单位" in query.role_words
    # English words cannot match the Chinese documents, so they are no search tokens.
    assert not any(re.fullmatch(r"[a-z]+", token) for token in query.tokens)
    assert "when" in parse_query("When did the regulation take effect?").asks
    assert parse_query("How many NEVs will Qingdao produce by 2022?").asks_quantity


def test_glossary_prefers_the_longest_term_and_respects_word_boundaries():
    assert {"中小企业", "补贴"} <= set(glossary_terms("Which SMEs got subsidies?"))  # plurals too
    assert "互联网" not in glossary_terms("industrial internet platform")
    assert glossary_terms("coffee") == ()  # "fee" inside another word is no fee
    assert detect_language("AI企业有什么支持？") == "zh"
    assert detect_language("Which 青岛 SMEs get a tax break?") in {"en", "mixed"}


def test_english_words_the_glossary_lacks_are_looked_up_in_cc_cedict():
    # Everyday words no domain glossary foresees, read backwards from CC-CEDICT,
    # kept only when the index uses the Chinese word; phrases before their words.
    parser = QueryParser(["交易会", "永久", "居留", "签证", "公平", "展会"])
    terms = parser.parse("Can the patent office act during a trade fair? What about permanent residence and visas?").glossary_terms
    assert {"交易会", "永久", "居留", "签证"} <= set(terms)
    assert "公平" not in terms  # "fair" was read as part of "trade fair"
    assert dictionary_terms("visas", ["签证"]) == ("签证",)  # plural
    assert dictionary_terms("the of and", ["签证"]) == ()
    # A Chinese question is not translated; a parser without an index has no vocabulary to keep.
    assert parser.parse("交易会期间能处理专利纠纷吗？").glossary_terms == ()
    assert "交易会" not in parse_query("during a trade fair").glossary_terms


def test_typos_are_corrected_against_the_index_vocabulary(assistant):
    parser = assistant.parser
    query = parser.parse("工信局的联系电化是多少")
    assert query.corrections == (("电化", "电话"),)
    assert "phone" in query.asks
    assert {"电化", "电话"} <= set(query.tokens)  # the typed word stays too
    assert ("新能原", "新能源") in parser.parse("新能原汽车产量目标是多少？").corrections
    assert parser.parse("新能源汽车产量目标是多少？").corrections == ()
    # Without a vocabulary nothing is corrected.
    assert parse_query("工信局的联系电化是多少").corrections == ()


def test_typo_correction_needs_a_word_of_the_vocabulary():
    parser = QueryParser(["电话", "新能源", "汽车"])
    assert parser.parse("联系电化多少").corrections == (("电化", "电话"),)
    assert parser.parse("企业建一座加氢站要多少钱").corrections == ()


def test_a_compound_with_a_word_the_documents_never_use_is_read_as_theirs():
    """智能+家具 are words, but the documents say 智能家居; 财政+支持 are both
    the documents' own words, and a numbered article is never a typo."""
    parser = QueryParser(["智能家居", "智能", "平台", "财政", "支持", "财政支出", "第六十条"])
    assert parser.parse("智能家具平台有哪些？").corrections == (("智能家具", "智能家居"),)
    assert parser.parse("财政支持人才工程吗？").corrections == ()
    assert parser.parse("第九十条规定了什么？").corrections == ()


def test_long_situational_question_is_read_from_its_asking_clause():
    query = parse_query("我们是2015年成立的一家软件企业，员工五十多人，电话客服也做，想问一下申报智能工厂示范项目需要哪些材料？")
    assert query.focus.startswith("想问一下申报智能工厂")
    assert query.asks == frozenset({"procedure"})  # not "phone" from the preamble
    assert query.years == () and not query.role_words
    assert "软件" in query.tokens  # retrieval still reads the whole question
    when = parse_query("我们是2015年成立的企业，几年前搬到了青岛，想知道新能源汽车产业倍增攻坚战的目标要在哪一年完成？")
    assert when.years == () and "when" in when.asks
    english = parse_query("We are a software firm founded in 2015 with a hotline. Which subsidies can we get by 2022?")
    assert english.focus.startswith("Which") and english.years == (2022,) and "phone" not in english.asks
    short = parse_query("工信局的联系电话，是多少？")  # a short question keeps all its clauses
    assert short.focus == short.text and "phone" in short.asks


def test_english_words_are_never_names_of_firms():
    assert parse_query("Does Haier or BYD get a subsidy in Qingdao?").proper_nouns == ()
    names = parse_query("BYD和比亚迪的整车项目有什么安排").proper_nouns
    assert "比亚迪" in names and not any(re.search(r"[A-Za-z]", name) for name in names)
