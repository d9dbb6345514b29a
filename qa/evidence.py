"""What the retrieved text holds of what a question asks for.

Each check says whether the evidence lacks something the question asks for
(an amount, a date, a phone number of the unit named, a figure for the year
named, a firm the documents never name…). The checks do not decide alone:
they are features of the learned answerability model (`qa/answerability.py`),
which weighs them against retrieval scores and word coverage.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from indexer.roster import UNIT_NAME, parse_contacts, squeeze
from indexer.segment import sentence_spans
from indexer.tokenize import tokenize
from indexer.types import Chunk, Document

from .cues import load_cues
from .query import Query, question_clauses
from .stretch import continues_a_case
from .types import Hit

# A number as statutes write it too: 五万元, 百分之五十, 三十日.
NUMBER = r"(?:\d[\d.,]*|[零一二三四五六七八九十百千两]+)"
MONEY = re.compile(rf"{NUMBER}\s*(?:万|亿)?元")
# "提多少奖励": a reward is often a share of the income, not an amount.
# A fraction as statutes write it: 三分之二, 千分之五, 万分之五.
FRACTION = r"[一二三四五六七八九十百千万]分之[零一二三四五六七八九十\d]+"
MONEY_OR_SHARE = re.compile(rf"{MONEY.pattern}|百分之{NUMBER}|\d+(?:\.\d+)?\s*[%％‰]|{NUMBER}成|{FRACTION}")
_MONEY_NOUNS = re.compile(r"补贴|补助|奖励|资助|奖补|扶持资金|资金|罚款|费用|收费")
DATE = re.compile(rf"{NUMBER}月{NUMBER}日|\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|{NUMBER}月底|年底前|月底前")
# A deadline counted from an event answers "在什么期限内 / 截止 / 何时": 自每周终了之日起五日内,
# 届满三十日前, 届满前一个月.
DEADLINE = (rf"{NUMBER}\s*个?(?:工作日|日|天|个月|月|年|小时)(?:内|前|以内|之内|之前)"
            rf"|(?:届满|到期|期满|终了)前{NUMBER}\s*个?(?:工作日|日|天|个月|月|年)")
DATE_OR_DEADLINE = re.compile(rf"{DATE.pattern}|{DEADLINE}")
PHONE = re.compile(r"\d{7,}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_WEBSITE = re.compile(r"https?://|www\.|网址")
_ADDRESS = re.compile(r"地址|[路街]\d+号")
_PROCEDURE = re.compile(r"申请|申报|提交|办理|流程|程序|材料|受理")
_COMPANY = re.compile(r"[\u4e00-\u9fffA-Za-z]{2,}(?:集团|公司|股份)")
_NUMBER_WITH_UNIT = r"\d[\d.]*\s*(?:万|亿)?{unit}"
# A district asked about as the maker of its own policy ("西海岸新区对芯片企业有哪些政策").
_LOCAL_POLICY = re.compile(r"([\u4e00-\u9fff]{2,4}(?:新区|区|县))(?=对|出台|的政策|的扶持|有哪些|有什么|有没有)")
WHEN = re.compile(rf"20\d{{2}}年|{NUMBER}月|年底|年内|今年|明年|日起|之日|{DEADLINE}|每年|每季度")
_PLACE = re.compile(r"[\u4e00-\u9fff]{2,}(?:区|县|镇|街道|路)(?![\u4e00-\u9fff]*(?:建设|发展))|位于|选址")
# A number with its unit (万辆, 个, 空方, %…), not a year.
FIGURE = re.compile(
    rf"(?<!\d)(?!20\d{{2}}年)\d+(?:\.\d+)?\s*(?:[%％‰]|[万亿]?[\u4e00-\u9fff])|百分之{NUMBER}|{FRACTION}"
    rf"|{NUMBER}(?:倍|个百分点|[万亿]?元|个?工作日|日|天|个月|年|项|家|个|人|次|万|亿)"
    rf"|(?<!第){NUMBER}(?:名|位|种|件|户|台|座|所|批)"  # 两名以上的监察人员, 三种情形: counts
    rf"|{NUMBER}(?:小时|分钟|米|公里|平方米|平方公里|公顷|亩|立方米|吨|周?岁)"  # 三十六小时, 三十米, 三百三十三公顷, 六十周岁: measures
)
# "多长": a distance or a length of time (三十日, 两年, 15个工作日, 半年).
LENGTH = re.compile(rf"(?:{NUMBER}\s*|半个?)(?:公里|千米|米|km|个?工作日|日|天|个月|月|年|个?小时|分钟)")
_REAL_UNITS = frozenset("辆 元 吨 亩 艘 人 名".split())
# Cue words that ask for a kind of evidence say nothing about the topic.
ASK_WORDS = frozenset("日期 截止 时间 电话 联系 联系人 多少 金额 流程 材料 申请 邮箱 地址 网址".split())



@lru_cache(maxsize=1)
def _vocabulary_patterns() -> tuple[tuple[str, re.Pattern[str], bool], ...]:
    """The kinds whose evidence the slot gate's vocabulary describes (qa/slot_vocabulary.py,
    which imports this module, hence the late import): a frequency (每季度, 一年两次)
    and a procedure, in the loose words above or as the gate's values (a platform,
    an approval a statute requires: 经…考核合格, 报…批准)."""
    from .slot_vocabulary import load_vocabulary

    values = load_vocabulary().values
    procedure = re.compile(f"{_PROCEDURE.pattern}|{values['procedure'].pattern}")
    return ("frequency", values["frequency"], True), ("procedure", procedure, True)


# The kinds that ask a time: a question naming two of them asks one value.
_TIME_KINDS = frozenset({"date", "when", "length"})
# (kind asked, pattern the evidence must hold, whether it must sit in a sentence on the question's topic)
_KIND_PATTERNS: tuple[tuple[str, re.Pattern[str], bool], ...] = (
    ("date", DATE_OR_DEADLINE, True),
    ("when", WHEN, True),
    ("location", _PLACE, True),
    ("length", LENGTH, True),
    ("company_names", _COMPANY, True),
    ("email", _EMAIL, False),
    ("website", _WEBSITE, False),
    ("address", _ADDRESS, False),
)


@dataclass(frozen=True)
class Sentence:
    chunk: Chunk
    rank: int  # rank of its chunk in the retrieval
    start: int  # offsets in the document text
    end: int
    text: str


def split_sentences(chunk: Chunk, rank: int, document_text: str) -> list[Sentence]:
    return [Sentence(chunk, rank, start, end, document_text[start:end]) for start, end in sentence_spans(chunk)]


# A sentence opening with this many characters of the sentence before it goes on with its topic.
TOPIC_CHAIN_CHARS = 3
_ARTICLE_NUMBER = re.compile(r"^第[一二三四五六七八九十百零]+条\s*")


def case_before(sentence: Sentence) -> str:
    """The sentence before `sentence` in its clause when `sentence` only goes on
    with its case (…未报送的，责令限期改正；逾期不改的，处…罚款) or with its
    topic, opening with what that sentence ends on (…划定规划限制区。规划限制区
    以反应堆为中心，半径不得小于5000米); "" otherwise."""
    before = sentence.chunk.text[: max(0, sentence.start - sentence.chunk.start)]
    if continues_a_case(sentence.text):
        return re.split(r"[。！？]", before.rstrip("；; "))[-1]
    previous = re.split(r"[。！？]", before.rstrip("；;。 "))[-1]
    opening = _ARTICLE_NUMBER.sub("", sentence.text)[:TOPIC_CHAIN_CHARS]
    return previous if previous and len(opening) == TOPIC_CHAIN_CHARS and opening in previous else ""


def is_bare_heading(sentence: Sentence) -> bool:
    """"(3)突破智能网联。" says which item, not what it says; it is only worth
    quoting when it is all the clause holds."""
    body = re.sub(r"^[（(]?[\d一二三四五六七八九十]+[)）.．、]", "", sentence.text)
    return sentence.start == sentence.chunk.start and len(body) <= 14


def wanted_pattern(query: Query) -> re.Pattern[str] | None:
    """The kind of text that answers: an amount, a date, a phone number, a figure."""
    if "money" in query.asks:
        return MONEY_OR_SHARE
    if "date" in query.asks:
        return DATE_OR_DEADLINE
    if query.asks & {"phone", "contact"}:
        return PHONE
    if "when" in query.asks:
        return WHEN
    if query.asks_quantity:
        return FIGURE
    return None


@lru_cache(maxsize=8192)
def token_set(text: str) -> frozenset[str]:
    """The tokens of a clause or sentence: the same texts are weighed several
    times per question (features, checks, selection), jieba runs once."""
    return frozenset(tokenize(text))


# Share of the asking clause's words a sentence must hold to be on topic when the whole question's are too many.
ASKED_TOPICAL = 0.5


class EvidenceChecker:
    """Checks retrieved clauses against what a question asks for."""

    def __init__(self, documents: dict[str, Document], idf: dict[str, float], answer_chunks: int = 4,
                 min_topical: float = 0.3) -> None:
        self.documents = documents
        # Names are looked up in the documents with padding spaces removed ("姜  波").
        self._squeezed_documents = [squeeze(d.text) for d in documents.values()]
        self.idf = idf
        self.answer_chunks = answer_chunks
        self.min_topical = min_topical

    def coverage(self, query_tokens: set[str], text: str | Sequence[str]) -> float:
        """IDF-weighted share of the question's words that `text` contains; of
        several texts, their union (each tokenised once and remembered: jieba
        splits at the spaces that would join them anyway)."""
        if not query_tokens:
            return 0.0
        text_tokens = token_set(text) if isinstance(text, str) else frozenset().union(*map(token_set, text))
        total = sum(self.idf.get(t, 1.0) for t in query_tokens)
        found = sum(self.idf.get(t, 1.0) for t in query_tokens if t in text_tokens)
        return found / total if total else 0.0

    def sentences(self, chunk: Chunk, rank: int) -> list[Sentence]:
        return split_sentences(chunk, rank, self.documents[chunk.doc_id].text)

    @staticmethod
    def topic(query: Query) -> set[str]:
        return {t for t in query.tokens if t not in ASK_WORDS}

    def unmentioned(self, names: list[str]) -> list[str]:
        """Those of `names` that no document mentions."""
        return [name for name in names if not any(name in text for text in self._squeezed_documents)]

    def unknown_names(self, query: Query) -> list[str]:
        """Firms, people or districts' own policies the documents never name, and
        that the question asks about: a firm named where the asker describes
        itself ("我们是华为的供应商") is context."""
        asked = query.focus or query.text
        self_words = load_cues().self_words
        about = [clause for clause in question_clauses(asked) if not self_words.search(clause)]
        names = [name for name in query.proper_nouns if any(name in clause for clause in about)]
        return self.unmentioned(names + _LOCAL_POLICY.findall(asked))

    def checks(self, query: Query, hits: list[Hit]) -> dict[str, bool]:
        """Every check, True where the evidence lacks what it looks for:
        `unknown_name`, `period`, `kind` (an asked kind of evidence absent from
        the topical sentences), `contact`, `quantity` (no figure for the year named)."""
        top = hits[: self.answer_chunks]
        evidence_text = "\n".join(hit.chunk.text for hit in top)
        topic = self.topic(query)
        # A long question's story (在郑州开公司，招了头一回参加工作的新人) dilutes its
        # words; the asking clause alone (得在多长时间内去人社部门办招工备案) says the topic too.
        asked_topic = {t for t in tokenize(query.focus) if t not in ASK_WORDS} if query.focus else set()
        sentences = [s for hit in top for s in self.sentences(hit.chunk, 0)]
        # The best-ranked clause is on topic by retrieval's judgement; the others by the words they share.
        topical = [
            s for s in sentences
            if s.chunk is top[0].chunk or self._on_topic(topic, asked_topic, (s.chunk.breadcrumb, case_before(s), s.text))
        ]

        def lacks(pattern: re.Pattern[str], on_topic: bool) -> bool:
            if on_topic:
                return not any(pattern.search(s.text) for s in topical)
            return not pattern.search(evidence_text)

        kind_missing = False
        if "money" in query.asks:
            if _MONEY_NOUNS.search(query.focus or query.text):  # the amount must be for the support asked about
                kind_missing = not any(MONEY_OR_SHARE.search(s.text) and _MONEY_NOUNS.search(s.text) for s in topical)
            else:
                kind_missing = lacks(MONEY_OR_SHARE, True)
        patterns = [(kind, pattern, on_topic) for kind, pattern, on_topic in (*_KIND_PATTERNS, *_vocabulary_patterns())
                    if kind in query.asks]
        # 保存期限不得少于多少年 asks one time (期限 a date, 多少年 a length): either kind of it answers.
        times = [lacks(pattern, on_topic) for kind, pattern, on_topic in patterns if kind in _TIME_KINDS]
        others = [lacks(pattern, on_topic) for kind, pattern, on_topic in patterns if kind not in _TIME_KINDS]
        if (times and all(times)) or any(others):
            kind_missing = True
        # A figure asked for ("比例是多少", "几天") and none on the topic.
        if query.asks_quantity and not query.years and lacks(FIGURE, True):
            kind_missing = True
        quantity_missing = False
        if query.years and (query.asked_unit or query.asks_quantity):
            quantity_missing = not any(self._states_figure_for(query, s, topic) for s in sentences)
        return {
            "unknown_name": bool(self.unknown_names(query)),
            "period": bool(self.period_notes(query, hits)),
            "kind": kind_missing,
            "contact": bool(query.asks & {"phone", "contact"}) and not self.contacts_for(query, hits),
            "quantity": quantity_missing,
        }

    def _on_topic(self, topic: set[str], asked_topic: set[str], text: str | Sequence[str]) -> bool:
        """Whether `text` holds enough of the question's words, or most of its asking clause's."""
        return self.coverage(topic, text) >= self.min_topical or self.coverage(asked_topic, text) >= ASKED_TOPICAL

    def _states_figure_for(self, query: Query, sentence: Sentence, topic: set[str]) -> bool:
        """Whether `sentence` gives a figure for a year the question names: the
        nearest year before the number must be that year (so a 2022 target is
        not passed off as a 2018 figure), in the unit asked when it is a real
        unit (辆, 元…) rather than a counter (个, 家)."""
        if self.coverage(topic - {str(y) for y in query.years}, f"{sentence.chunk.breadcrumb} {sentence.text}") < self.min_topical:
            return False
        if query.measured and query.measured not in sentence.text:  # a figure for something else
            return False
        unit = query.asked_unit if query.asked_unit in _REAL_UNITS else "[\u4e00-\u9fff%]"
        for m in re.finditer(_NUMBER_WITH_UNIT.format(unit=unit), sentence.text):
            if re.fullmatch(r"20\d{2}", m.group(0)[:4]) and m.group(0)[4:5] in ("年", ""):
                continue  # the year itself
            # "在2018年基础上翻一番": a base year, not the year of the figure.
            years_before = re.findall(r"(20\d{2})年(?!基础|为基数)", sentence.text[: m.start()])
            if years_before and int(years_before[-1]) in query.years:
                return True
        return False

    def contacts_for(self, query: Query, hits: list[Hit]):
        """Contacts stated in the retrieved clauses that fit the unit or person
        the question names; none when it names someone given no contact."""
        if not hits:
            return []
        doc_id = hits[0].chunk.doc_id  # the document the question is about
        retrieved = [hit.chunk for hit in hits[: self.answer_chunks] if hit.chunk.doc_id == doc_id]
        contacts = [
            contact
            for contact in parse_contacts(self.documents[doc_id].text)
            if any(contact.phone in squeeze(chunk.text) for chunk in retrieved)
        ]
        if not contacts:
            return []
        named_units = {squeeze(u) for u in UNIT_NAME.findall(query.expanded)}
        if named_units:
            return [c for c in contacts if c.unit in named_units]
        if re.search(r"指挥长|队长|局长|市长|书记", query.focus or query.text):  # posts have no contact in a roster
            return []
        return contacts

    def period_notes(self, query: Query, hits: list[Hit]) -> list[str]:
        """A note when the question asks about a year after the document's period."""
        if not hits or not query.years:
            return []
        document = self.documents.get(hits[0].chunk.doc_id)
        years = [int(y) for y in re.findall(r"20\d{2}", document.period if document else "")]
        if years and max(query.years) > max(years):
            return [f"《{document.title}》的实施期限为{document.period}年，文件未涉及{max(query.years)}年的安排。"]
        return []
