"""A document's period, and the targets a plan states ("力争到2022年，…达到50万辆")."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..types import Chunk, Document
from .model import DocumentInfo, Target
from .text import sentence_spans, source_of

_PERIOD = re.compile(r"(20\d{2})\s*年?\s*[—\-–~～至到]+\s*(20\d{2})")


def document_info(document: Document, chunks: list[Chunk]) -> DocumentInfo:
    """Title, issuer, publication date and period (from Document.period, else the title)."""
    m = _PERIOD.search(document.period) or _PERIOD.search(document.title)
    period = document.period or (f"{m.group(1)}—{m.group(2)}" if m else "")
    source = None
    for chunk in chunks:
        at = chunk.text.find(document.title) if document.title else -1
        if at != -1:
            source = source_of(chunk, at, at + len(document.title))
            break
    return DocumentInfo(
        doc_id=document.doc_id,
        title=document.title,
        issuer=document.issuer,
        published=document.published,
        source_site=document.source,
        period=period,
        period_start=int(m.group(1)) if m else None,
        period_end=int(m.group(2)) if m else None,
        source=source,
    )


# ---------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------

_GOAL_YEAR = re.compile(r"(?:到|至|截至|截止到?)\s*(20\d{2})\s*年(?:底|末)?")
_BASE_YEAR = re.compile(r"(?:在|比|较|与)\s*(20\d{2})\s*年(?:的)?(?:基础上|相比|水平上?)?")
_COUNT_UNITS = "个|家|条|项|台|套|艘|座|所|件|款|部|种|只|处|批|户|张"
_MEASURE_UNITS = "元|辆|人|名|亩|吨|公里|千米|平方米|千瓦|兆瓦|万千瓦|标准箱|次"
_QUANTITY = re.compile(
    r"(?P<value>\d+(?:\.\d+)?)\s*"
    rf"(?P<unit>%|％|个百分点|倍|(?:万|亿|千|百)?(?:{_MEASURE_UNITS}|{_COUNT_UNITS})|万|亿)"
    r"(?P<qualifier>以上|以下|左右|以内)?"
)
_MULTIPLE = re.compile(r"翻(?:一|两|二|三)番|倍增")
_DIRECTION = re.compile(
    r"(?:年均增长|年均提高|提高到|提升到|提高|提升|降低到|降低|下降|缩短|增长|增加|减少|达到|突破|超过|不低于|不少于|控制在|约|近|新增|累计)$"
)
_LEADING_WORDS = re.compile(r"^(?:力争|争取|实现|带动|推动|培育|打造|建设|建成|形成|完成|引进|承建|新增|累计|全面|在?国内|在?全国|在?全省)+")
_TIME_PHRASE = re.compile(r"^(?:力争|争取)?(?:到|至|截至)?\s*20\d{2}\s*年(?:底|末)?[,，]?")
_CONNECTORS = "、，,和及与以及并且 \u3000\xa0"
_LEADING_BLANKS = re.compile(rf"^[{_CONNECTORS}]+")


@dataclass(frozen=True)
class _Quantity:
    start: int  # offsets in the phrase
    end: int
    value: str
    unit: str
    qualifier: str


def _quantities(phrase: str) -> list[_Quantity]:
    found = [
        _Quantity(m.start(), m.end(), m.group("value"), m.group("unit").replace("％", "%"), m.group("qualifier") or "")
        for m in _QUANTITY.finditer(phrase)
    ]
    found += [_Quantity(m.start(), m.end(), m.group(0), "", "") for m in _MULTIPLE.finditer(phrase)]
    return sorted(found, key=lambda q: q.start)


def _clean_metric(text: str) -> tuple[str, int, str]:
    """The metric named in `text` before a number, how many leading characters
    were dropped, and the direction word that ended it ("达到", "提高"…)."""
    direction = ""
    m = _DIRECTION.search(text)
    if m:
        direction, text = m.group(0), text[: m.start()]
    text = _BASE_YEAR.sub("", text)
    dropped = 0
    changed = True
    while changed:  # "力争到2022年，在国内承建…": peel until nothing more comes off
        changed = False
        for pattern in (_LEADING_BLANKS, _TIME_PHRASE, _LEADING_WORDS):
            m = pattern.match(text)
            if m and m.end():
                dropped += m.end()
                text = text[m.end() :]
                changed = True
    return text.strip(_CONNECTORS), dropped, direction


def _comparison(direction: str, qualifier: str, multiple: str) -> str:
    if multiple:
        return multiple
    if direction and qualifier:
        return f"{direction}…{qualifier}"
    return direction or qualifier


def _is_target_sentence(chunk: Chunk, sentence: str) -> bool:
    """A sentence that sets a target: it names the year to reach, or it sits in a 目标 section."""
    return bool(_GOAL_YEAR.search(sentence)) or any("目标" in part for part in chunk.path)


def _scope(chunk: Chunk) -> str:
    """The 攻坚战 or section a target belongs to: the path without a trailing 目标 heading."""
    path = list(chunk.path)
    if len(path) > 1 and "目标" in path[-1]:
        path.pop()
    return path[-1] if path else chunk.clause


@dataclass(frozen=True)
class _Stated:
    """A target as read from a sentence, before it is tied to its chunk."""

    metric: str
    quantity: _Quantity
    comparison: str
    base_year: int | None
    span: tuple[int, int]  # the target's words, offsets in the sentence


def targets_in_sentence(sentence: str) -> list[_Stated]:
    """The targets one sentence states. Phrases between commas name a subject
    then a number ("新能源汽车产量达到50万辆"), or a number then the thing
    counted ("培育10个…示范园区、10个…"); a phrase that only gives a number
    ("…翻一番、突破2000亿元", "，年均增长12%左右") is about the last subject."""
    stated: list[_Stated] = []
    subject: tuple[str, int, int | None] | None = None  # metric, where it starts, base year
    for p in re.finditer(r"[^,，;；。]+", sentence):
        phrase, offset, left = p.group(0), p.start(), 0
        base = _BASE_YEAR.search(phrase)
        quantities = _quantities(phrase)
        for index, quantity in enumerate(quantities):
            name, dropped, direction = _clean_metric(phrase[left : quantity.start])
            next_start = quantities[index + 1].start if index + 1 < len(quantities) else len(phrase)
            following = re.split(r"[、和及与]", phrase[quantity.end : next_start], maxsplit=1)[0].strip(_CONNECTORS)
            counted = quantity.unit.lstrip("万亿千百") in _COUNT_UNITS.split("|")
            if counted and len(following) >= 2 and not name:  # the noun follows the number
                end = phrase.index(following, quantity.end) + len(following)
                metric, span, base_year = following, (offset + quantity.start, offset + end), None
                left = end  # the counted noun is not the subject of the next number
            else:
                if name:
                    subject = (name, offset + left + dropped, int(base.group(1)) if base else None)
                if subject is None:
                    left = quantity.end
                    continue
                metric, span, base_year = subject[0], (subject[1], offset + quantity.end), subject[2]
                left = quantity.end
            multiple = quantity.value if not quantity.unit else ""
            stated.append(_Stated(metric, quantity, _comparison(direction, quantity.qualifier, multiple), base_year, span))
    return stated


def targets_in_chunk(chunk: Chunk, default_year: int | None) -> list[Target]:
    """Every numeric target stated in `chunk`; the year is the one the sentence
    names ("到2022年"), else the end of the document's period."""
    targets: list[Target] = []
    for s_start, s_end in sentence_spans(chunk.text):
        sentence = chunk.text[s_start:s_end]
        if not _is_target_sentence(chunk, sentence):
            continue
        year_match = _GOAL_YEAR.search(sentence)
        source = source_of(chunk, s_start, s_end)
        for stated in targets_in_sentence(sentence):
            targets.append(
                Target(
                    metric=stated.metric,
                    value=stated.quantity.value,
                    unit=stated.quantity.unit,
                    comparison=stated.comparison,
                    year=int(year_match.group(1)) if year_match else default_year,
                    base_year=stated.base_year,
                    scope=_scope(chunk),
                    phrase=sentence[stated.span[0] : stated.span[1]],
                    source=source,
                )
            )
    return targets

