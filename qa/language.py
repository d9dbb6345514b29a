"""Questions not written in simplified Chinese: traditional characters are
converted (OpenCC), English is recognised and its domain terms are looked up
in a committed English→Chinese glossary, so lexical retrieval, which only
knows the documents' simplified Chinese words, still finds their clauses."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .cues import read_term_table

GLOSSARY_PATH = Path(__file__).parent / "data" / "glossary_en_zh.tsv"

_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'&-]*")


@lru_cache(maxsize=1)
def _converter():
    import opencc  # the dictionaries ship inside the wheel: no download

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters (and Taiwan/Hong Kong variants) to simplified;
    simplified text comes back unchanged."""
    return _converter().convert(text) if _HAN.search(text) else text


def detect_language(text: str) -> str:
    """"en" when English words carry the question, "mixed" when both English
    words and Chinese characters do, else "zh". Acronyms inside a Chinese
    question (AI企业, 5G基站) leave it Chinese."""
    han = len(_HAN.findall(text))
    latin = sum(len(word) for word in _LATIN_WORD.findall(text))
    words = len(_LATIN_WORD.findall(text))
    if words >= 3 and latin >= 2 * han:
        return "en"
    if words >= 2 and latin >= han / 2:
        return "mixed"
    return "zh"


@lru_cache(maxsize=1)
def glossary(path: Path = GLOSSARY_PATH) -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    """(pattern of an English term, its Chinese terms), longest term first so
    that "industrial internet" is read before "internet"."""
    return tuple((_term_pattern(term), chinese) for term, chinese in read_term_table(path))


def _term_pattern(term: str) -> re.Pattern[str]:
    # Words may be joined by spaces or hyphens, and the last one may be plural.
    words = [re.escape(word) for word in re.split(r"[\s-]+", term)]
    return re.compile(r"(?<![a-z0-9])" + r"[\s-]+".join(words) + r"(?:s|es)?(?![a-z0-9])")


def glossary_terms(text: str) -> tuple[str, ...]:
    """The Chinese terms of the English domain terms in `text`, each once.
    A matched term is blanked out so its parts are not read again."""
    return glossary_lookup(text)[0]


def glossary_lookup(text: str) -> tuple[tuple[str, ...], str]:
    """`glossary_terms(text)`, and the lower-cased text with the terms found blanked out."""
    groups, rest = glossary_groups(text)
    return tuple(dict.fromkeys(term for group in groups for term in group)), rest


def glossary_groups(text: str) -> tuple[tuple[tuple[str, ...], ...], str]:
    """The Chinese terms of each English domain term in `text`, one group a
    term (they are alternatives: any one of them says it), and the lower-cased
    text with the terms found blanked out."""
    lowered = text.lower()
    groups: list[tuple[str, ...]] = []
    if not _LATIN_WORD.search(lowered):
        return (), lowered
    for pattern, chinese in glossary():
        if pattern.search(lowered):
            groups.append(tuple(chinese))
            lowered = pattern.sub(" ", lowered)
    return tuple(groups), lowered
