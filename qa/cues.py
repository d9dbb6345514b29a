"""The cue words of questions, read once from qa/data/question_cues.json,
and the reader of the term tables (synonyms, English glossary).

Which words ask for a sum of money, a date, a phone number…, which words mark
the clause that asks, the measure words of a counted answer and the words of
responsibility are vocabularies, so they live in a data file; this module only
compiles them.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CUES_PATH = Path(__file__).parent / "data" / "question_cues.json"


@dataclass(frozen=True)
class Cues:
    """Compiled cue patterns; `*_en` ones are for English text (lower-cased, word-bounded)."""

    asks: dict[str, re.Pattern[str]]
    asks_en: dict[str, re.Pattern[str]]
    question: re.Pattern[str]  # marks a clause that asks
    request: re.Pattern[str]  # 想了解, 请问…: where the asking starts
    question_en: re.Pattern[str]
    quantity: re.Pattern[str]
    quantity_en: re.Pattern[str]
    structure: re.Pattern[str]
    structure_en: re.Pattern[str]
    asked_unit: re.Pattern[str]  # 多少(万)?辆… : group 2 the measure word, group 3 what follows
    role_words: tuple[str, ...]
    polar: re.Pattern[str]  # 吗, 是否…: a clause asking yes or no
    wh: re.Pattern[str]  # 多少, 哪, 什么…: a clause asking for something
    not_asked_by_polar: frozenset[str]  # kinds a yes-or-no clause does not ask for
    self_words: re.Pattern[str]  # 我们, 我司…: a clause describing the asker
    not_names: frozenset[str] = frozenset()  # 申报: tagged as a proper noun, names nothing
    lead_ins: tuple[str, ...] = ()  # 是, 建在, 一共…: lead up to an asking word, name nothing
    who: re.Pattern[str] | None = None  # 谁: a clause asking who asks for a party…
    not_asked_by_who: frozenset[str] = frozenset()  # … not for these kinds (money), unless it asks how much too
    anaphora: re.Pattern[str] | None = None  # 这么做, 这种情况: an asking clause pointing back at the clause before
    condition: re.Pattern[str] | None = None  # 如果, 一旦 in a clause: the case the asking clause after it asks about
    how: re.Pattern[str] | None = None  # 如何, 怎么: a clause asking only how…
    not_asked_by_how: frozenset[str] = frozenset()  # … asks for none of these kinds (如何适用税率: a rule, not a rate)

    def asks_only_how(self, text: str) -> bool:
        """"如何适用税率", "该怎么办": a how-word and no other question word."""
        return self.how is not None and bool(self.how.search(text)) and not self.wh.search(self.how.sub("", text))


# 这几个月, 前几年, 十几天: a 几 after these tells a number, it does not ask one (as in question_cues.json).
_COUNTING_JI = "(?<![近这那好头后十])(?<!(?<!提)前)(?<![^超]过)"


def _either(fragments: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{fragment})" for fragment in fragments))


def _either_en(fragments: list[str]) -> re.Pattern[str]:
    # Word boundaries so that "fee" does not fire inside "coffee"; an anchor (^) keeps its place.
    return re.compile("|".join(f"(?:{f})" if f.startswith(("^", "[")) else rf"\b(?:{f})\b" for f in fragments), re.I)


@lru_cache(maxsize=1)
def load_cues(path: Path = CUES_PATH) -> Cues:
    """Read and compile the cue file once per process."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    measures = "|".join(map(re.escape, data["measure_words"]))
    scales = "|".join(map(re.escape, data["scales"]))
    return Cues(
        asks={kind: _either(words) for kind, words in data["asks"].items()},
        asks_en={kind: _either_en(words) for kind, words in data["asks_en"].items()},
        question=_either(data["question_words"]),
        request=_either(data["request_words"]),
        question_en=_either_en(data["question_words_en"]),
        quantity=_either(data["quantity"]),
        quantity_en=_either_en(data["quantity_en"]),
        structure=_either(data["structure"]),
        structure_en=_either_en(data["structure_en"]),
        asked_unit=re.compile(rf"(?:多少|{_COUNTING_JI}几)({scales})?({measures})([\u4e00-\u9fffA-Za-z0-9]{{0,8}})"),
        role_words=tuple(data["role_words"]),
        polar=_either(data["polar_words"]),
        wh=_either(data["wh_words"]),
        not_asked_by_polar=frozenset(data["not_asked_by_polar"]),
        who=_either(data["who_words"]) if data.get("who_words") else None,
        not_asked_by_who=frozenset(data.get("not_asked_by_who", ())),
        self_words=_either(data["self_words"]),
        not_names=frozenset(data.get("not_names", ())),
        lead_ins=tuple(sorted(data.get("lead_in_words", ()), key=len, reverse=True)),
        anaphora=_either(data["anaphora_words"]) if data.get("anaphora_words") else None,
        condition=_either(data["condition_words"]) if data.get("condition_words") else None,
        how=_either(data["how_words"]) if data.get("how_words") else None,
        not_asked_by_how=frozenset(data.get("not_asked_by_how", ())),
    )


def read_term_table(path: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A TSV of `term<TAB>comma-separated terms` (# comments), as (lower-cased
    term, its terms), longest term first so that a longer term is read before
    its parts (电动汽车 before 电动, "industrial internet" before "internet")."""
    entries: list[tuple[str, tuple[str, ...]]] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            term, _, others = line.partition("\t")
            entries.append((term.strip().lower(), tuple(t.strip() for t in others.split(",") if t.strip())))
    entries.sort(key=lambda entry: -len(entry[0]))
    return tuple(entries)
