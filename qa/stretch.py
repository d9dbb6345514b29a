"""Where a value stands in its sentence: the stretch it speaks of, the bound
it is stated as (不低于 / 不超过) and the word it is bound to (营业收入达到
400亿元). Grammar only; the words it weighs come from qa/data/slots.json
through qa/slots.py.
"""
from __future__ import annotations

import re

from indexer.tokenize import words

# Where a value's stretch of a sentence begins, and the clause marks it runs over.
_STRETCH_START = re.compile(r"[。；;！？!?\n]")
_CLAUSE_END = re.compile(r"[，,；;。：:！？!?\n]")
# What may stand between a measure and its value: nothing past a clause mark or an enumeration comma.
_MEASURE_CLAUSE = re.compile(r"[，,；;。：:！？!?\n、（(]")


def value_stretch(sentence: str, start: int, end: int) -> str:
    """The part of `sentence` a value at [start, end) speaks of, never across a
    full stop or semicolon: its own clause with the one before and the one
    after (Chinese often puts the verb after the time or amount:
    自收到之日起七日内，决定是否立案), and the sentence's topic: every clause
    up to the last condition ("…的，") before the value, else its first clause.
    A condition runs over several clauses and only its last ends in 的
    (生产经营单位未对…进行培训，未如实告知…，以及未如实记录…的，处…罚款)."""
    before = [m.end() for m in _STRETCH_START.finditer(sentence, 0, start)]
    floor = before[-1] if before else 0
    marks = list(_CLAUSE_END.finditer(sentence, floor, start))
    clause_starts = [floor] + [m.end() for m in marks]
    near = clause_starts[-2] if len(clause_starts) >= 2 else floor
    topic = [sentence[begin : mark.start()] for begin, mark in zip(clause_starts, marks) if begin < near]
    last_condition = max((position for position, clause in enumerate(topic) if clause.endswith("的")), default=0)
    topic = topic[: last_condition + 1]
    right = end
    for _ in range(3):
        mark = _CLAUSE_END.search(sentence, right)
        if mark is None:
            right = len(sentence)
            break
        right = mark.end()
        if mark.group(0) not in "，,":
            break
    return "，".join([*topic, sentence[near:right]])


def stated_bound(sentence: str, start: int, end: int, lower_values: re.Pattern[str],
                 upper_values: re.Pattern[str]) -> tuple[str, str] | None:
    """("lower", "不低于") when the value is stated as the least, ("upper", …) as
    the most; None for a plain value. Read from the words just around it."""
    around = sentence[max(0, start - 8) : min(len(sentence), end + 4)]
    lower = lower_values.search(around)
    upper = upper_values.search(around)
    if lower and not upper:
        return "lower", lower.group(0)
    if upper and not lower:
        return "upper", upper.group(0)
    return None


def word_before(sentence: str, start: int, links: frozenset[str]) -> str:
    """The last word before `start` in its clause, past the linking words
    `links` (营业收入 of 营业收入达到400亿元, 增加值 of 增加值年均增长20%); "" for none."""
    floor = max((m.end() for m in _MEASURE_CLAUSE.finditer(sentence, 0, start)), default=0)
    before = [w for w in words(sentence[floor:start]) if w.strip()]
    while before and before[-1] in links:
        before.pop()
    return before[-1] if before else ""


# Whom a penalty is for, right before its amount: 对单位处五万元…，对个人处…
_PARTY = re.compile(r"对([\u4e00-\u9fff]{1,12}?)(?:依法)?(?:可以)?(?:处以|并处|处|给予)")


def parties(sentence: str) -> list[tuple[int, str]]:
    """(where its amount begins, the party) of each 对X处 of `sentence`."""
    return [(m.end(), m.group(1)) for m in _PARTY.finditer(sentence)]


def party_of(sentence: str, start: int) -> str:
    """The party the value at `start` is imposed on when 对X处 stands right
    before it in its clause (对单位处五万元 → 单位); "" when none does."""
    for end, party in parties(sentence):
        if end <= start and not _CLAUSE_END.search(sentence, end, start):
            return party
    return ""


_DUTY = re.compile(r"应当|必须")


def duty_subject(text: str) -> str:
    """The text before the last 应当 / 必须 of `text`: whose duty it states; "" when none."""
    marks = list(_DUTY.finditer(text))
    return text[: marks[-1].start()] if marks else ""


def duty_bearer(text: str) -> str:
    """Who bears the duty stated in `text`: the word right before its last
    应当 / 必须 (债权人应当…申报 → 债权人); "" when none."""
    marks = list(_DUTY.finditer(text))
    return word_before(text, marks[-1].start(), frozenset()) if marks else ""


# A short condition opening a sentence goes on with the case of the sentence
# before it: "…未报送的，责令限期改正；逾期不改的，处二千元以上二万元以下罚款".
_CONTINUING_CONDITION_CHARS = 8


def continues_a_case(sentence: str) -> bool:
    """Whether `sentence` opens with a short condition (逾期不改的，情节严重的，)
    that only goes on with the case the sentence before it states."""
    first = _CLAUSE_END.split(sentence.strip(), maxsplit=1)[0]
    return first.endswith("的") and len(first) <= _CONTINUING_CONDITION_CHARS and _CLAUSE_END.search(sentence) is not None


# What a time asked ends in before the act it times: 多少日内, 几个工作日以内, 多长时间内, 多久.
ASKED_TIME = re.compile(
    r"(?:多少|几)\s*个?(?:工作日|日|天|小时|个月|月|年|周)(?:之内|以内|内)?|多长时间(?:之内|以内|内)?|多久(?:之内|以内|内)?"
)
_TIME_TAIL = re.compile(r"^(?:之内|以内|内|之前|以前|前|后)")


def act_after(text: str, end: int) -> str:
    """The acts a time ending at `end` sets the term of: the rest of its
    sentence up to a full stop or semicolon (十日内[作出决定，并告知投诉人];
    七日内，[对合同进行登记，颁发登记证]); "" when the sentence ends there."""
    rest = _TIME_TAIL.sub("", text[end:])
    stop = _STRETCH_START.search(rest)
    return (rest[: stop.start()] if stop else rest).strip("，, ")
