"""Plain words to statute terms, from the thesaurus mined from the law collection.

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
from pathlib import Path

from indexer.tokenize import tokenize

from .cues import read_term_table

THESAURUS_PATH = Path(__file__).parent / "data" / "thesaurus.tsv"
# POLICYQA_THESAURUS=off measures retrieval without it (the base of eval/README.md's table).
SWITCH = "POLICYQA_THESAURUS"


@lru_cache(maxsize=1)
def thesaurus() -> dict[str, tuple[str, ...]]:
    """{word: statute terms}, as mined; empty when the file is absent or $POLICYQA_THESAURUS is off."""
    if os.environ.get(SWITCH, "").strip().lower() in ("0", "off", "no", "false") or not THESAURUS_PATH.is_file():
        return {}
    return dict(read_term_table(THESAURUS_PATH))


def thesaurus_terms(text: str, vocabulary: Iterable[str] | None = None) -> tuple[str, ...]:
    """The terms the thesaurus gives for the words of `text` (jieba search-mode
    tokens, so 社保局 reaches 社保), without those `text` already holds; with a
    `vocabulary` (the index's tokens), only terms with a token the index uses."""
    table = thesaurus()
    if not table:
        return ()
    known = None if vocabulary is None else frozenset(vocabulary)
    found: dict[str, None] = {}
    for word in dict.fromkeys(tokenize(text)):
        for term in table.get(word, ()):
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
