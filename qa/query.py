"""Understand a question: validate it, expand colloquial terms, and work out
what kind of evidence would answer it."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from indexer.errors import InvalidQuestionError
from indexer.tokenize import proper_nouns, tokenize

MAX_QUESTION_CHARS = 500
SYNONYMS_PATH = Path(__file__).parent / "data" / "synonyms.tsv"

# Kinds of evidence a question can ask for, with the cue words that ask for it.
# An answer is only given when the retrieved text contains that kind of thing.
_ASKS = {
    "money": re.compile(
        r"多少钱|金额|补贴多少|补助多少|奖励多少|多少补贴|多少奖励|资助多少|几万|多少万|多少亿|多少资金|补贴标准|奖励标准|额度|能拿多少|给多少"
        r"|减免多少|优惠多少|价格|费用|收费|租金|房租|总规模|规模多大"
    ),
    "date": re.compile(r"截止|截至|哪天|几号|几月|日期|期限|申报时间|申请时间"),
    "when": re.compile(r"什么时候|啥时候|何时|哪一年|哪年"),
    "location": re.compile(r"哪个区|哪个市|什么位置|什么地方|建在哪|设在哪|落在哪|位于哪|选址"),
    "length": re.compile(r"多长|多少公里|多少米|长度"),
    "phone": re.compile(r"电话|手机|联系方式|热线|座机"),
    "email": re.compile(r"邮箱|e-?mail|电子邮件|邮件地址", re.I),
    "procedure": re.compile(r"流程|程序|手续|材料|怎么申请|如何申请|怎么申报|如何申报|怎样申请|申报条件|申请条件|门槛|去哪(?:里|儿)?申请|在哪(?:里|儿)?申请|怎么报名"),
    "contact": re.compile(r"联系人|对接人|联络人|找谁|联系谁"),
    "company_names": re.compile(r"哪(?:几|些)家|哪(?:几个|几所|些)[\u4e00-\u9fff]{0,3}(?:公司|高校|大学|院校|机构)|公司名单|企业名单|名单里有"),
    "address": re.compile(r"地址|在哪里办|办公地点|窗口在哪"),
    "website": re.compile(r"网址|网站|官网|网页链接|链接地址"),
}
# "多少辆", "几个" …: the measure word the answer's number must carry.
_ASKED_UNIT = re.compile(r"(?:多少|几)(万|亿)?(辆|个|家|项|台|套|条|元|人|名|亩|吨|艘|款)([\u4e00-\u9fffA-Za-z0-9]{0,8})")
ROLE_WORDS = ("指挥长", "队长", "牵头单位", "联系人", "电话", "参与单位", "攻坚队", "指挥部", "负责人", "对接人", "牵头")
_QUOTED = re.compile(r"[“\"「『‘']([^”\"」』’']{2,30})[”\"」』’']")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:%|万|亿)|\d{2,}")
_QUANTITY = re.compile(r"多少|几(?:个|家|项|条|所|台|座|种|成)|百分之几|比例|比重|目标是|产量|营收|营业收入|产值")
_STRUCTURE = re.compile(r"下面(?:分|有|包括)|分成|分为|分哪|分几|由哪几部分|一共几个|共有几个|哪几(?:个|项|块|部分|方面|大)(?:行动|机制|方面|部分|块|层面|攻坚战|领域)|哪几块|分别叫")
_YEAR = re.compile(r"(20\d{2})\s*年?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Query:
    """A validated question and what we learnt from it."""

    text: str  # normalised question
    expanded: str  # question plus the formal terms of its colloquial words
    tokens: tuple[str, ...]  # lexical tokens of `expanded`
    asks: frozenset[str]  # kinds of evidence asked for (see _ASKS)
    asked_unit: str  # measure word of an asked quantity, "" if none
    years: tuple[int, ...]
    role_words: tuple[str, ...]  # responsibility/contact words, after expansion
    proper_nouns: tuple[str, ...] = ()  # names of firms, people, organisations
    phrases: tuple[str, ...] = ()  # quoted phrases and numbers, to be matched exactly
    asks_quantity: bool = False  # 多少 / 几个 …: the answer is a figure
    asks_structure: bool = False  # 下面分成哪几个 …: the answer is a list of parts
    measured: str = ""  # head noun of an asked quantity: 多少个5G基站 → 基站

    @property
    def about_responsibility(self) -> bool:
        return bool(self.role_words)


def normalise_question(question: object) -> str:
    """NFKC (full-width letters and digits to half-width), control characters
    out, whitespace collapsed; raises InvalidQuestionError when unusable."""
    if not isinstance(question, str):
        raise InvalidQuestionError("问题必须是文本。")
    text = _CONTROL.sub(" ", question)
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise InvalidQuestionError("问题不能为空：请输入要询问的内容，例如“牵头单位是谁？”。")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidQuestionError(f"问题过长（{len(text)} 字）：请控制在 {MAX_QUESTION_CHARS} 字以内。")
    return text


@lru_cache(maxsize=1)
def synonym_table() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(colloquial term, formal terms), longest term first so 电动汽车 wins over 电动."""
    entries = []
    with open(SYNONYMS_PATH, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            term, _, formal = line.partition("\t")
            entries.append((term.strip().lower(), tuple(t.strip() for t in formal.split(",") if t.strip())))
    entries.sort(key=lambda entry: -len(entry[0]))
    return tuple(entries)


def expand_synonyms(text: str) -> str:
    """The question followed by the formal terms of the colloquial ones it uses."""
    lowered = text.lower()
    extra: list[str] = []
    for term, formal in synonym_table():
        if term in lowered:
            extra.extend(t for t in formal if t.lower() not in lowered and t not in extra)
    return f"{text} {' '.join(extra)}" if extra else text


def parse_query(question: object) -> Query:
    text = normalise_question(question)
    expanded = expand_synonyms(text)
    asks = frozenset(kind for kind, pattern in _ASKS.items() if pattern.search(text))
    unit_match = _ASKED_UNIT.search(text)
    years = tuple(int(y) for y in _YEAR.findall(text))
    role_words = tuple(word for word in ROLE_WORDS if word in expanded)
    return Query(
        text=text,
        expanded=expanded,
        tokens=tuple(tokenize(expanded)),
        asks=asks,
        asked_unit=unit_match.group(2) if unit_match else "",
        years=years,
        role_words=role_words,
        proper_nouns=tuple(proper_nouns(text)),
        phrases=tuple(dict.fromkeys(_QUOTED.findall(text) + [n for n in _NUMBER.findall(text) if not _YEAR.fullmatch(n)])),
        asks_quantity=bool(_QUANTITY.search(text)),
        asks_structure=bool(_STRUCTURE.search(text)),
        measured=_head_noun(unit_match.group(3)) if unit_match else "",
    )


def _head_noun(phrase: str) -> str:
    """The last two Chinese characters of the thing counted: Chinese puts the
    head of a noun phrase last (特色创新型领军企业 → 企业)."""
    phrase = re.split(r"[吗呢吧啊呀?？，,]", phrase)[0]
    chinese = re.findall(r"[\u4e00-\u9fff]", phrase)
    return "".join(chinese[-2:]) if len(chinese) >= 2 else ""
