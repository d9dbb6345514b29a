"""The part of a question that asks.

A long situational question ("我们是2015年成立的软件企业，员工50人，想了解有哪些
税收优惠？") carries a preamble whose words would otherwise be read as what is
asked: its year, its figures, the firm's own name. The evidence checks run on
the asking clauses only; retrieval still reads the whole question.
"""
from __future__ import annotations

import re

from .cues import load_cues

# Above this many characters a single sentence is split at its commas too:
# a short question's clauses are all part of what it asks.
LONG_QUESTION_CHARS = 30
# An asking clause this short ("是多少", "有哪些") asks about the clause before it.
SHORT_CLAUSE_CHARS = 6

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])")
_SENTENCE_END_EN = re.compile(r"(?<=[.!?;])\s+")
_CLAUSE_END = re.compile(r"(?<=[，,：:])")
# 几 right after 了 tells "a few" (雇了几个船员, 欠了几个月工资) where another clause asks.
_INDEFINITE_JI = re.compile(r"了几")


def asking_focus(text: str, language: str = "zh") -> str:
    """The sentences of `text` that ask and, in a long sentence, its asking
    clauses; the whole text when nothing asks."""
    cues = load_cues()
    if language == "en":
        sentences = [s for s in _SENTENCE_END_EN.split(text) if s.strip()]
        asking = [s for s in sentences if cues.question_en.search(s.strip())]
        return " ".join(asking).strip() or text
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    # A sentence that asks outright (请问…, …？) outranks one that merely holds a
    # question word ("前几年主要给外地供货。").
    asking = [s for s in sentences if cues.request.search(s) or re.search(r"[？?]\s*$", s)]
    asking = asking or [s for s in sentences if cues.question.search(s)]
    if not asking:
        return text
    if len(text) > LONG_QUESTION_CHARS:
        asking = [_asking_clauses(s) for s in asking]
    return "".join(asking).strip()


def _asking_clauses(sentence: str) -> str:
    """From "想了解/请问…" to the end; without such words, the last run of
    clauses holding a question word, so that a "几年前" or "什么都做" of the
    preamble does not pull the preamble in."""
    cues = load_cues()
    clauses = [c for c in _CLAUSE_END.split(sentence) if c]
    requests = [i for i, clause in enumerate(clauses) if cues.request.search(clause)]
    if requests:
        first = requests[0]
    else:
        asking = [i for i, clause in enumerate(clauses) if cues.question.search(clause)]
        asking = [i for i in asking if not tells_a_few(clauses[i])] or asking
        first = asking[-1] if asking else 0
        while first > 0 and cues.question.search(clauses[first - 1]) and not tells_a_few(clauses[first - 1]):
            first -= 1
        if first > 0 and len(re.sub(r"[，,：:？?。！!\s]", "", clauses[first])) <= SHORT_CLAUSE_CHARS:
            first -= 1
    # "…这几个月的公积金先不给我们交了，老板这么做会被罚多少钱": 这么做 is what the clause before says.
    if first > 0 and cues.anaphora is not None and cues.anaphora.search(clauses[first]):
        first -= 1
    # "企业挪用职工教育经费的，按每人多少元处以罚款": a condition ("…的，", "如果…，") says whose case is asked.
    while first > 0 and (clauses[first - 1].rstrip("，,：: ").endswith("的") or _opens_a_condition(clauses[first - 1])):
        first -= 1
    return "".join(clauses[first:])


def tells_a_few(clause: str) -> bool:
    """Whether the clause's only question word is a 几 after 了, which tells
    how many happened ("a few") rather than asks."""
    return bool(_INDEFINITE_JI.search(clause)) and not load_cues().question.search(_INDEFINITE_JI.sub("", clause))


def _opens_a_condition(clause: str) -> bool:
    """Whether the clause states a case (如果每学期的培训不到两次，): its words are what is asked about."""
    condition = load_cues().condition
    return condition is not None and bool(condition.search(clause))
