"""What a question asks for: the slot it leaves open (qa/slots.py binds it
to sentences).

A question names a subject (an industry, a body, a procedure…) and asks for a
kind of value (an amount, a ratio, a count, a frequency, a date, a length of
time…), sometimes a bound of it (最多 / 至少), a unit (多少亿元), the thing a
count counts (几个工作日) or the act a time is the term of (多少日内举行听证).
The subject's words come with the terms the synonym and plain-words tables
give for them; an English question's, with the Chinese words of each term.
The cue words live in qa/data/slots.json and question_cues.json.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from indexer.tokenize import tokenize

from .cues import load_cues
from .evidence import ASK_WORDS
from .names import YEAR_OR_NUMBER, full_place_names, is_place
from .query import Query, asks_yes_or_no, question_clauses, synonym_table
from .slot_vocabulary import QUERY_KINDS, SlotVocabulary
from .stretch import ASKED_TIME, act_after
from .thesaurus import plain_words

# The kinds of a time, whose act (多少日内[举行听证]) a value must be the term of; so must a
# frequency's (多久[保养]一次).
TIME_KINDS = frozenset({"date", "when", "length"})
# A value that counts something (5年, 一次), unlike a bare 每年 or 今年 the question may say in passing.
_COUNTED = re.compile(r"[\d零一二三四五六七八九十百千万两半]")


@dataclass(frozen=True)
class Slot:
    """What a question asks for: `kind` "" when it asks no value (a yes-or-no,
    a description, a list of measures)."""

    kind: str
    subject: tuple[tuple[str, frozenset[str]], ...]  # (word, the word and its alternatives), question order
    weights: tuple[float, ...]
    bound: str  # "upper" (最多), "lower" (至少) or ""
    label: str  # what the answer says is missing: 具体金额…
    text: str  # the asking clause(s) it was read from
    measured: str = ""  # what an asked count counts (几个工作日 → 工作日): the value must be of it
    question: str = ""  # the asking text as written, for the order of its words
    unseen: tuple[str, ...] = ()  # words of the subject no document uses
    measures: frozenset[int] = frozenset()  # the groups of the measures it names (营业收入): a value must be of one
    unit: str = ""  # the unit it asks its value in (多少亿元 → 元): a value must be written in it
    counted: bool = False  # it asks a count with a counter (几个代表): a length of time or a sum is no count
    stated: tuple[str, ...] = ()  # values of the kind the question itself states (存根联保存5年): its premise, no answer
    # Whether `question` is Chinese as written: an English question's Chinese terms stand in no
    # order, so no word of them modifies the next (elevator company: 电梯 公司).
    in_order: bool = True
    # The act a time asked is the term of (多少日内[举行听证]): a time of another act is no answer.
    act: tuple[tuple[str, frozenset[str]], ...] = ()
    whole: str = ""  # the whole question: the words it uses outside the asking clause (旧城改造…，…同意才能改建)

    @property
    def words(self) -> list[str]:
        return [word for word, _ in self.subject]


def _asking_clauses(text: str) -> list[str]:
    """The clauses that ask for a value: a yes-or-no clause asks whether, not how much."""
    cues = load_cues()
    clauses = [c for c in question_clauses(text) if c.strip()] or [text]
    return [c for c in clauses if not (cues.polar.search(c) and not cues.wh.search(c))]


class QuestionReader:
    """Reads a question's slot against one index's word weights (IDF)."""

    def __init__(self, idf: dict[str, float], vocabulary: SlotVocabulary) -> None:
        self.idf = idf
        self.vocabulary = vocabulary
        self.alternatives = synonym_alternatives()

    def read(self, query: Query) -> Slot:
        focus = query.focus or query.text
        asking = _asking_clauses(focus)
        if query.language == "en" and query.glossary_terms:
            # An English question is read in the Chinese terms of its words (percentage → 比例):
            # the subject and the kind asked must be the documents' words to bind to them.
            focus = " ".join(query.glossary_terms)
            asking = [*asking, focus]
        kind = self._kind(query, "".join(asking))
        # A word the speller changed (营收 → 应收) also stands for what was typed.
        typed = {word: typo for typo, word in query.corrections}
        subject_text = full_place_names().sub(" ", load_cues().wh.sub(" ", focus))
        subject: list[tuple[str, frozenset[str]]] = []
        unseen: list[str] = []
        asking_words = self.vocabulary.generic | self.vocabulary.asking.get(kind, frozenset())
        for token in tokenize(subject_text):
            written = typed.get(token, token)
            if written in (w for w, _ in subject) or written in unseen or not self._names_subject(token, asking_words):
                continue
            forms = frozenset({token, *self.alternatives.get(token, ()), *self._typed_forms(typed.get(token))})
            if forms & self.idf.keys():
                subject.append((written, forms))
            else:
                unseen.append(written)  # binds to nothing here; the answer names it as missing
        if query.language == "en" and query.glossary_groups:
            # An English word's Chinese words are alternatives: any one of them says it.
            subject = self._english_subject(query.glossary_groups, asking_words)
        weights = tuple(max(self.idf.get(form, 0.0) for form in forms) for _, forms in subject)
        asking_text = "".join(asking)
        bound = "upper" if self.vocabulary.upper_cues.search(asking_text) else (
            "lower" if self.vocabulary.lower_cues.search(asking_text) else "")
        measured = query.measured if kind == "quantity" else ""
        measures = frozenset(group for word, group in self.vocabulary.measures.items() if word in focus)
        unit = query.asked_unit if query.asked_unit in self.vocabulary.value_units else ""
        if not unit and self.vocabulary.money_words is not None and self.vocabulary.money_words.search(asking_text):
            unit = "元"  # 每月多少钱: a share of the minimum wage is no sum of money
        counted = kind == "quantity" and bool(query.asked_unit) and not unit
        return Slot(kind, tuple(subject), weights, bound, self.vocabulary.labels.get(kind, ""), asking_text, measured, focus,
                    tuple(unseen), measures, unit, counted, self._stated(query, kind),
                    in_order=not (query.language == "en" and query.glossary_groups),
                    act=self._asked_act(asking_text, kind, asking_words), whole=query.text)

    def _asked_act(self, asking: str, kind: str, asking_words: frozenset[str]) -> tuple[tuple[str, frozenset[str]], ...]:
        """The words of the act an asked time is the term of (多少日内[举行听证]);
        () when no act follows the time asked (保存期限是多久)."""
        if kind not in TIME_KINDS and kind != "frequency":
            return ()
        asked = ASKED_TIME.search(asking)
        if asked is None:
            return ()
        self_words = load_cues().self_words
        act = []
        for token in dict.fromkeys(tokenize(act_after(asking, asked.end()))):
            if not self._names_subject(token, asking_words) or self_words.search(token):
                continue
            forms = frozenset({token, *self.alternatives.get(token, ()), *self.vocabulary.act_words.get(token, ())})
            if forms & self.idf.keys():
                act.append((token, forms))
        return tuple(act)

    @staticmethod
    def _names_subject(token: str, asking_words: frozenset[str]) -> bool:
        """Whether a word of the question may name its subject: not a word that
        asks, nor a year, number or place (qualifiers the period checks and the
        router read)."""
        if token in ASK_WORDS or token in asking_words:
            return False
        return len(token) >= 2 and not YEAR_OR_NUMBER.match(token) and not is_place(token)

    def _english_subject(self, groups: tuple[tuple[str, ...], ...],
                         asking_words: frozenset[str]) -> list[tuple[str, frozenset[str]]]:
        """One subject word per English term, its Chinese words as its forms."""
        subject: list[tuple[str, frozenset[str]]] = []
        for group in groups:
            chinese = [word for word in group if self._names_subject(word, asking_words)]
            forms = frozenset(form for word in chinese for form in (word, *self.alternatives.get(word, ())))
            if chinese and forms & self.idf.keys() and chinese[0] not in (w for w, _ in subject):
                subject.append((chinese[0], forms))
        return subject

    def _stated(self, query: Query, kind: str) -> tuple[str, ...]:
        """The values of `kind` the question states itself ("存根联要保存5年，那登记簿
        要保存几年"): a sentence giving one of them repeats the premise. Not
        for a question offering choices (还是) or asking yes or no (是5年吗)."""
        pattern = self.vocabulary.values.get(kind)
        text = query.text
        if pattern is None or (self.vocabulary.alternatives is not None and self.vocabulary.alternatives.search(text)):
            return ()
        if asks_yes_or_no(text):
            return ()
        return tuple(dict.fromkeys(m.group(0) for m in pattern.finditer(text) if _COUNTED.search(m.group(0))))

    def _typed_forms(self, typo: str | None) -> tuple[str, ...]:
        return (typo, *self.alternatives.get(typo, ())) if typo else ()

    def _kind(self, query: Query, asking: str) -> str:
        if query.language == "en":
            asked = (query.original or query.text).lower()
            return next((kind for kind, cue in self.vocabulary.english if cue.search(asked)), "")
        # 如何适用税率, 超过期限该怎么办: a way or a rule is asked, not the value a cue names.
        not_asked = load_cues().not_asked_by_how if load_cues().asks_only_how(asking) else frozenset()
        # The kinds with cues of their own, in slots.json's order: 什么时候受理 asks
        # for an application period before it asks for a time.
        for kind, pattern in self.vocabulary.cues.items():
            if asking and pattern is not None and pattern.search(asking) and kind not in not_asked:
                return kind
        for kind, _pattern in QUERY_KINDS:
            if kind in query.asks:
                return kind
        if self.vocabulary.alternatives is not None and self.vocabulary.alternatives.search(asking):
            # 是每季度公布一次还是每年公布一次: the choices are values of the kind asked.
            offered = next((kind for kind in self.vocabulary.alternative_kinds if self.vocabulary.values[kind].search(asking)), "")
            if offered:
                return offered
        if query.role_words and not query.asked_unit:
            return ""  # 由哪个单位牵头: asks for a body, whatever figures name the subject (多少台 still counts)
        return "quantity" if query.asks_quantity and "quantity" not in not_asked else ""


@lru_cache(maxsize=1)
def synonym_alternatives() -> dict[str, tuple[str, ...]]:
    """For each colloquial word of the synonym table, the words of its formal
    terms (营收 → 营业收入), and the reverse; for each everyday word of the
    plain-words table, the statute terms it stands for (员工 → 劳动者, 职工;
    公司 → 用人单位), one way only: a statute's 用人单位 is no 公司 of a question."""
    table: dict[str, set[str]] = {}
    for colloquial, formal_terms in synonym_table():
        for formal in formal_terms:
            table.setdefault(colloquial, set()).add(formal)
            table.setdefault(formal, set()).add(colloquial)
    for everyday, statute_terms in plain_words():
        table.setdefault(everyday, set()).update(statute_terms)
    return {word: tuple(sorted(forms)) for word, forms in table.items()}
