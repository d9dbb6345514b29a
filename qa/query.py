"""Understand a question: validate it, convert traditional characters, read
English terms and typos, expand colloquial terms, find the clause that asks
and work out what kind of evidence would answer it."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from indexer.errors import InvalidQuestionError
from indexer.tokenize import proper_nouns, tokenize

from .cues import load_cues, read_term_table
from .focus import asking_focus
from .dictionary import by_phrase, common_words, dictionary_pairs
from .language import detect_language, glossary_groups, glossary_terms, to_simplified
from .spelling import Speller
from .thesaurus import attested_words, expansion_tokens, thesaurus_terms

MAX_QUESTION_CHARS = 500
SYNONYMS_PATH = Path(__file__).parent / "data" / "synonyms.tsv"

# The cue words (what kind of evidence is asked, measure words, role words)
# are in qa/data/question_cues.json, see qa/cues.py.
_QUOTED = re.compile(r"[“\"「『‘']([^”\"」』’']{2,30})[”\"」』’']")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:%|万|亿)|\d{2,}")
_YEAR = re.compile(r"(20\d{2})\s*年?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HAN_OR_DIGIT = re.compile(r"[\u4e00-\u9fff0-9]")
_LATIN_ONLY = re.compile(r"^[a-z'&-]+$")
_CLAUSES = re.compile(r"[，,。？?！!；;]")


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
    original: str = ""  # the question as the user wrote it
    language: str = "zh"  # "zh", "en" or "mixed" (see qa.language.detect_language)
    focus: str = ""  # the clause(s) that ask; the cues above are read from it only
    corrections: tuple[tuple[str, str], ...] = ()  # (typo, word of the index) pairs
    glossary_terms: tuple[str, ...] = ()  # Chinese terms of the English words used
    # The same, one group per English term: alternatives of which any one says it.
    glossary_groups: tuple[tuple[str, ...], ...] = ()
    thesaurus_terms: tuple[str, ...] = ()  # statute terms the mined thesaurus gives for its plain words
    thesaurus_tokens: tuple[str, ...] = ()  # their lexical tokens that `tokens` lacks (searched at a lower weight)

    @property
    def about_responsibility(self) -> bool:
        return bool(self.role_words)


def _names(focus: str) -> tuple[str, ...]:
    """The firms, people and bodies `focus` names: jieba's proper nouns, less
    the everyday words its dictionary also tags so (顾客, 普通: CC-CEDICT
    glosses them in lower case) and the cue file's `not_names`."""
    found = [name for name in proper_nouns(focus) if _HAN_OR_DIGIT.search(name) and name not in load_cues().not_names]
    return tuple(name for name in found if name not in common_words()) if found else ()


def normalise_question(question: object) -> str:
    """NFKC (full-width letters and digits to half-width), control characters
    out, whitespace collapsed; raises InvalidQuestionError when unusable."""
    if not isinstance(question, str):
        raise InvalidQuestionError("问题必须是文本。")
    if not question.isascii() and not _encodable(question):
        raise InvalidQuestionError("问题中含有无法识别的字符（如孤立的代理码位）：请删除这些字符或重新输入。")
    text = _CONTROL.sub(" ", question)
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise InvalidQuestionError("问题不能为空：请输入要询问的内容，例如“牵头单位是谁？”。")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidQuestionError(f"问题过长（{len(text)} 字）：请控制在 {MAX_QUESTION_CHARS} 字以内。")
    return text


def _encodable(text: str) -> bool:
    """Whether `text` is valid Unicode text: a lone surrogate (from a JSON \\u
    escape, or an undecodable byte of a command-line argument) is not."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@lru_cache(maxsize=1)
def synonym_table() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(colloquial term, formal terms), longest term first so 电动汽车 wins over 电动."""
    return read_term_table(SYNONYMS_PATH)


def expand_synonyms(text: str) -> str:
    """The question followed by the formal terms of the colloquial ones it uses."""
    lowered = text.lower()
    extra: list[str] = []
    for term, formal in synonym_table():
        if term in lowered:
            extra.extend(t for t in formal if t.lower() not in lowered and t not in extra)
    return f"{text} {' '.join(extra)}" if extra else text


class QueryParser:
    """Reads questions. Built once per index: given the index's vocabulary it
    also corrects typos against it (电化 → 电话); without one it does not."""

    def __init__(self, vocabulary: Iterable[str] | None = None) -> None:
        self.vocabulary = frozenset(vocabulary) if vocabulary is not None else None
        # Everyday words CC-CEDICT knows (领到) are real words, never typos of the index's (领导).
        attested = {term for term, _formal in synonym_table()} | attested_words() | common_words()
        self.speller = Speller(self.vocabulary, attested) if self.vocabulary else None

    def parse(self, question: object) -> Query:
        """The question's text, expansion, tokens and what it asks.
        Raises InvalidQuestionError for an empty, too long or non-text question."""
        normalised = normalise_question(question)
        # Traditional characters first: every later step knows simplified words only.
        text = to_simplified(normalised)
        language = detect_language(text)
        corrections = self.speller.corrections(text) if self.speller and language != "en" else ()
        corrected = text
        for typo, word in corrections:
            corrected = corrected.replace(typo, word, 1)
        focus = asking_focus(corrected, language)
        found, found_groups = self._english(text, language)
        terms = tuple(t for t in found if t not in text)
        groups = tuple(group for group in (tuple(t for t in g if t not in text) for g in found_groups) if group)
        # The typo and the correction both stay: the typo may be a real word.
        added = [word for _, word in corrections] + list(terms)
        expanded = expand_synonyms(f"{text} {' '.join(added)}" if added else text)
        focus_expanded = expand_synonyms(" ".join([focus, *glossary_terms(focus)]))
        tokens = self._tokens(expanded, language)
        mined = thesaurus_terms(expanded, self.vocabulary)
        return Query(
            text=text,
            expanded=expanded,
            tokens=tokens,
            asks=_asks(focus, language),
            asked_unit=_asked_unit(focus)[0],
            years=tuple(int(y) for y in _YEAR.findall(focus)),
            role_words=tuple(word for word in load_cues().role_words if word in focus_expanded),
            proper_nouns=_names(focus),
            phrases=_phrases(text, language),
            asks_quantity=_asks_quantity(focus, language),
            asks_structure=_asks_structure(focus, language),
            measured=_asked_unit(focus)[1],
            original=question if isinstance(question, str) else normalised,
            language=language,
            focus=focus,
            corrections=corrections,
            glossary_terms=terms,
            glossary_groups=groups,
            thesaurus_terms=mined,
            thesaurus_tokens=expansion_tokens(mined, tokens),
        )

    def _english(self, text: str, language: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
        """Chinese words for the English of `text`, and the same a group per
        English term: the glossary's domain terms, then CC-CEDICT's words for
        what the glossary leaves (only words of this index). One lookup serves both."""
        glossary, rest = glossary_groups(text)
        pairs = dictionary_pairs(rest, self.vocabulary) if language != "zh" and self.vocabulary else []
        terms = tuple(dict.fromkeys([*(term for group in glossary for term in group), *(w for _, words in pairs for w in words)]))
        return terms, glossary + by_phrase(pairs)

    def _tokens(self, expanded: str, language: str) -> tuple[str, ...]:
        tokens = tokenize(expanded)
        if language == "zh":
            return tuple(tokens)
        # English words cannot match Chinese documents; their glossary terms do.
        known = self.vocabulary or frozenset()
        return tuple(t for t in tokens if not _LATIN_ONLY.match(t) or t in known)


def _asks(focus: str, language: str) -> frozenset[str]:
    cues = load_cues()
    kinds = set()
    if language != "en":
        # 拖过了规定期限，现在该怎么办: the way out is asked, though a clause before names a 期限.
        only_how = cues.asks_only_how(focus)
        for clause in question_clauses(focus):
            found = {kind for kind, pattern in cues.asks.items() if pattern.search(clause)}
            if cues.who is not None and cues.who.search(clause) and not cues.quantity.search(clause):
                found -= cues.not_asked_by_who  # 费用应该谁出: who pays, not how much
            if only_how or cues.asks_only_how(clause):
                found -= cues.not_asked_by_how  # 如何适用税率: the rule, not a rate
            kinds |= found - cues.not_asked_by_polar if asks_yes_or_no(clause) else found
    if language != "zh":
        kinds |= {kind for kind, pattern in cues.asks_en.items() if pattern.search(focus)}
    return frozenset(kinds)


def question_clauses(text: str) -> list[str]:
    """The clauses of a question, each asking on its own ("能享受加计扣除吗？还有哪些税收优惠？")."""
    return _CLAUSES.split(text)


def asks_yes_or_no(clause: str) -> bool:
    """"还会被罚款吗": whether, not how much: a polar word and no wh-word."""
    cues = load_cues()
    return bool(cues.polar.search(clause)) and not cues.wh.search(clause)


# A comparison between a thing counted and its count put after it (电梯超过多少台); not 目标是多少个.
_COUNT_AFTER = re.compile(r"([\u4e00-\u9fff]{2,})(?:超过|多于|少于|大于|小于|不少于|不超过|不足)$")


def _asked_unit(focus: str) -> tuple[str, str]:
    """(measure word, head noun of the thing counted) of 多少辆新能源汽车, or of
    电梯超过多少台 when nothing follows the measure word; ("", "") for none."""
    match = load_cues().asked_unit.search(focus)
    if not match:
        return "", ""
    head = _head_noun(match.group(3))
    if not head and (before := _COUNT_AFTER.search(focus[: match.start()])):
        head = _head_noun(before.group(1))
    return match.group(2), head


def _asks_quantity(focus: str, language: str) -> bool:
    cues = load_cues()
    if language != "en" and any(cues.quantity.search(c) and not asks_yes_or_no(c) for c in question_clauses(focus)):
        return True
    return bool(language != "zh" and cues.quantity_en.search(focus))


def _asks_structure(focus: str, language: str) -> bool:
    cues = load_cues()
    return bool((language != "en" and cues.structure.search(focus)) or (language != "zh" and cues.structure_en.search(focus)))


def _phrases(text: str, language: str) -> tuple[str, ...]:
    """Quoted phrases and numbers, to be matched exactly. In English an
    apostrophe is no quotation mark, and an English phrase is not in the documents."""
    quoted = _QUOTED.findall(text)
    if language != "zh":
        quoted = [phrase for phrase in quoted if _HAN_OR_DIGIT.search(phrase) and "'" not in phrase]
    numbers = [n for n in _NUMBER.findall(text) if not _YEAR.fullmatch(n)]
    return tuple(dict.fromkeys(quoted + numbers))


@lru_cache(maxsize=1)
def _plain_parser() -> QueryParser:
    return QueryParser()


def parse_query(question: object) -> Query:
    """Read one question without typo correction (no index vocabulary at hand);
    the serving path uses a `QueryParser` built from the index."""
    return _plain_parser().parse(question)


def _head_noun(phrase: str) -> str:
    """The last two Chinese characters of the thing counted: Chinese puts the
    head of a noun phrase last (特色创新型领军企业 → 企业)."""
    phrase = re.split(r"[吗呢吧啊呀?？，,]", phrase)[0]
    chinese = re.findall(r"[\u4e00-\u9fff]", phrase)
    return "".join(chinese[-2:]) if len(chinese) >= 2 else ""
