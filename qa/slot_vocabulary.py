"""The slot gate's vocabulary, read from qa/data/slots.json: per kind of value
asked (an amount, a ratio, a frequency, a procedure…) the cue words that ask
for it, what a value of it looks like, the words that name it without a
value, and the words that never name a subject; the measures a figure can be
of and the words that link a measure to its value. qa/slots.py reads
questions and sentences with it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .evidence import DATE_OR_DEADLINE, FIGURE, LENGTH, MONEY_OR_SHARE, PHONE, WHEN

SLOTS_PATH = Path(__file__).parent / "data" / "slots.json"
# Kinds read by qa/query.py, with the patterns of their values (qa/evidence.py), most specific first.
# Places are left to the learned checks: "X区" and "X路" also end 园区 and 道路.
# Frequency first: "多久开一次" asks how often, not how long; its values are slots.json's.
# In this order: 保存期限不得少于多少年 asks a length (多少年) though 期限 alone would ask a date.
QUERY_KINDS = (("frequency", None), ("money", MONEY_OR_SHARE), ("length", LENGTH), ("date", DATE_OR_DEADLINE), ("when", WHEN), ("phone", PHONE))


@dataclass(frozen=True)
class SlotVocabulary:
    cues: dict[str, re.Pattern[str]]  # frequency, ratio: cue words in the question
    values: dict[str, re.Pattern[str]]  # every kind: what a value of it looks like
    vague: dict[str, re.Pattern[str] | None]
    labels: dict[str, str]
    upper_cues: re.Pattern[str]
    lower_cues: re.Pattern[str]
    upper_values: re.Pattern[str]
    lower_values: re.Pattern[str]
    generic: frozenset[str]  # words that never name a subject: generic and asking words
    asking: dict[str, frozenset[str]]  # per kind, words that ask for it (申报 in 怎么申报): never its subject
    english: tuple[tuple[str, re.Pattern[str]], ...] = ()  # (kind, cue) of English questions, most specific first
    procedure_kinds: tuple[str, ...] = ()  # how, to whom, when, with what one applies (qa/procedure.py)
    procedure_headings: re.Pattern[str] | None = None  # a heading naming a procedure: 申报和受理, 办理程序
    measures: dict[str, int] = field(default_factory=dict)  # measure word → its group (营收, 营业收入 → one group)
    measure_links: frozenset[str] = frozenset()  # words between a measure and its value: 达到, 年均增长
    stated_measures: frozenset[int] = frozenset()  # measure groups a value states itself (百分之三十 is a 比例)
    value_units: frozenset[str] = frozenset()  # units an asked value must be written in: 多少亿元 → 元
    not_count_units: tuple[str, ...] = ()  # a value ending so (七日, 30%) counts nothing: no answer to 几个代表
    alternatives: re.Pattern[str] | None = None  # 还是: a question offering choices asks for their kind…
    alternative_kinds: tuple[str, ...] = ()  # … the first of these whose values the choices are
    asking_words: frozenset[str] = frozenset()  # generic words that ask for the value (期限, 比例, 多少…)
    money_words: re.Pattern[str] | None = None  # 多少钱: an amount asked in 元 though no unit is written
    act_words: dict[str, tuple[str, ...]] = field(default_factory=dict)  # everyday act → statute words (告诉 → 告知)


def _alternation(fragments: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{f})" for f in fragments)) if fragments else None


@lru_cache(maxsize=1)
def load_vocabulary(path: Path = SLOTS_PATH) -> SlotVocabulary:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    kinds = data["kinds"]
    values = {kind: pattern for kind, pattern in QUERY_KINDS if pattern is not None}
    values["quantity"] = FIGURE
    for kind, entry in kinds.items():
        if entry.get("values"):
            values[kind] = _alternation(entry["values"])
        if entry.get("more_values"):
            values[kind] = _alternation([values[kind].pattern, *entry["more_values"]])
    for kind, entry in kinds.items():
        if entry.get("with"):  # how to apply is answered by where, to whom and with what, too
            values[kind] = _alternation([values[kind].pattern, *(values[other].pattern for other in entry["with"])])
    return SlotVocabulary(
        cues={kind: _alternation(entry["cues"]) for kind, entry in kinds.items() if entry.get("cues")},
        values=values,
        vague={kind: _alternation(entry.get("vague", [])) for kind, entry in kinds.items()},
        labels={kind: entry["label"] for kind, entry in kinds.items()},
        upper_cues=_alternation(data["upper_cues"]),
        lower_cues=_alternation(data["lower_cues"]),
        upper_values=_alternation(data["upper_values"]),
        lower_values=_alternation(data["lower_values"]),
        generic=frozenset(data["generic_words"]) | frozenset(data["asking_words"]),
        asking_words=frozenset(data["asking_words"]),
        money_words=_alternation(data.get("money_words", [])),
        act_words={word: tuple(forms) for word, forms in data.get("act_words", {}).items()},
        asking={kind: frozenset(entry.get("asking", ())) for kind, entry in kinds.items()},
        english=tuple((kind, _alternation(cues)) for kind, cues in data.get("english_cues", [])),
        procedure_kinds=tuple(data.get("procedure_kinds", ())),
        procedure_headings=_alternation([re.escape(word) for word in data.get("procedure_headings", ())]),
        measures={word: group for group, members in enumerate(data.get("measure_groups", ())) for word in members},
        measure_links=frozenset(data.get("measure_links", ())),
        stated_measures=frozenset(
            group for group, members in enumerate(data.get("measure_groups", ())) if set(members) & set(data.get("measures_values_state", ()))
        ),
        value_units=frozenset(data.get("value_units", ())),
        not_count_units=tuple(data.get("not_count_units", ())),
        alternatives=_alternation(data.get("alternative_cues", [])),
        alternative_kinds=tuple(data.get("alternative_kinds", ())),
    )
