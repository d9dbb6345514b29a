"""Plain words to statute terms: the thesaurus mined from the law collection,
and a hand-written table of everyday words (plain_words.tsv).

`qa/data/thesaurus.tsv` is written by `python -m eval.mine_thesaurus` from
the collection's own definitions, aliases and abbreviations (社保 → 社会保险,
"所称的著作权即版权" → 版权 → 著作权); nothing in it is written by hand. A
question's words that the table knows bring their terms, which retrieval adds
to the lexical query at a lower weight (qa/retrieve.py, weight "thesaurus"):
they widen what a plain question reaches without outweighing its own words.
Unlike qa/data/synonyms.tsv (hand-written, applied at full weight), a mined
term can be wrong for a question; the weight keeps such a term from
dominating the ranking.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

from indexer.tokenize import cut_words, tokenize

from .cues import read_term_table

THESAURUS_PATH = Path(__file__).parent / "data" / "thesaurus.tsv"
# Everyday words and phrases (老板, 炒鱿鱼, 欠钱不还) to the statutes' terms,
# written by hand from general usage (not from any question set): the words
# people use are mostly not in the collection, so no mining finds them.
PLAIN_WORDS_PATH = Path(__file__).parent / "data" / "plain_words.tsv"
# POLICYQA_THESAURUS=off measures retrieval without either table (the base of
# eval/README.md's tables); POLICYQA_PLAIN_WORDS=off without the hand-written one.
SWITCH = "POLICYQA_THESAURUS"
PLAIN_SWITCH = "POLICYQA_PLAIN_WORDS"


def _switched_off(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("0", "off", "no", "false")


@lru_cache(maxsize=1)
def thesaurus() -> dict[str, tuple[str, ...]]:
    """{word: statute terms}, as mined; empty when the file is absent or $POLICYQA_THESAURUS is off."""
    if _switched_off(SWITCH) or not THESAURUS_PATH.is_file():
        return {}
    return dict(read_term_table(THESAURUS_PATH))


@lru_cache(maxsize=1)
def plain_words() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(everyday phrase, statute terms), longest phrase first; empty when switched off."""
    if _switched_off(SWITCH) or _switched_off(PLAIN_SWITCH) or not PLAIN_WORDS_PATH.is_file():
        return ()
    return read_term_table(PLAIN_WORDS_PATH)


def attested_words() -> frozenset[str]:
    """The words both tables know: real words of questions, never typos of an
    index word that sounds alike (营收, revenue, is not 应收, receivable)."""
    return frozenset(thesaurus()) | frozenset(phrase for phrase, _terms in plain_words())


def _plain_word_terms(text: str) -> list[str]:
    """Terms of the everyday phrases written in `text`, read longest first and
    without overlap: many are phrases jieba cuts apart (欠钱不还, 不签合同), and
    a shorter phrase inside a longer one read (钱 in 欠钱不还) is not read again.
    A phrase starts and ends where jieba's words do: 单位 (the employer) inside
    事业单位 is not the word."""
    table = plain_words()
    if not table:
        return []
    lowered, taken, terms = text.lower(), [False] * len(text), []
    bounds: set[int] = set()  # where jieba's words end, cut only once a phrase is found
    for phrase, phrase_terms in table:
        start = lowered.find(phrase)
        if start >= 0 and not bounds:
            bounds = {0, *accumulate(len(word) for word in cut_words(lowered))}
        while start >= 0:
            if start in bounds and start + len(phrase) in bounds and not any(taken[start : start + len(phrase)]):
                taken[start : start + len(phrase)] = [True] * len(phrase)
                terms.extend(phrase_terms)
                break
            start = lowered.find(phrase, start + 1)
    return terms


def thesaurus_terms(text: str, vocabulary: Iterable[str] | None = None) -> tuple[str, ...]:
    """The terms the thesaurus gives for the words of `text` (jieba search-mode
    tokens, so 社保局 reaches 社保), without those `text` already holds; with a
    `vocabulary` (the index's tokens), only terms with a token the index uses."""
    table = thesaurus()
    mined = [term for word in dict.fromkeys(tokenize(text)) for term in table.get(word, ())]
    known = None if vocabulary is None else frozenset(vocabulary)
    found: dict[str, None] = {}
    for term in [*_plain_word_terms(text), *mined]:
        if term in text or term in found:
            continue
        if known is not None and not any(token in known for token in tokenize(term)):
            continue
        found[term] = None
    return tuple(found)


def expansion_tokens(terms: Iterable[str], tokens: Iterable[str]) -> tuple[str, ...]:
    """Lexical tokens of the thesaurus terms that the question's own tokens lack."""
    own = set(tokens)
    return tuple(dict.fromkeys(token for term in terms for token in tokenize(term) if token not in own))
