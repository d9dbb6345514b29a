"""Which words of a question or a sentence name things (an industry, a body, a
law) and which are places, counts or years: what the slot gate binds a value
to (qa/slots.py) and the router reads titles with (qa/route.py)."""
from __future__ import annotations

import re
from functools import lru_cache

YEAR_OR_NUMBER = re.compile(r"^(?:\d+|20\d{2}年?|[零一二三四五六七八九十百千万亿两]+)$")

# jieba's tags of words that name things: nouns, verbal nouns (服装), abbreviations (通信), Latin names (5G).
_NAME_TAGS = frozenset({"n", "nz", "nt", "ns", "nl", "ng", "nr", "vn", "j", "eng"})
# … and of parts that never stand in a name: numerals, measure words, pronouns, prepositions,
# conjunctions, particles, adverbs, places and times (一项, 对外, 同一…).
_NOT_NAME_TAGS = frozenset({"m", "mq", "q", "r", "p", "c", "u", "uj", "ul", "d", "s", "f", "t", "b", "x"})


def load_tagger() -> None:
    """Load the dictionary `is_name` tags with (jieba's default one) now: on
    first use it takes 3–7 s on 2 cores, which the first question needing it
    (个人买电动车能拿多少购车补贴？) would otherwise wait."""
    import jieba

    jieba.dt.check_initialized()


@lru_cache(maxsize=4096)
def is_name(word: str) -> bool:
    """Whether `word` names a thing: jieba (HMM off, no guessing) tags its last
    part as a noun and none of its parts as a count, pronoun, adverb…"""
    import jieba.posseg

    if len(word) < 2 or YEAR_OR_NUMBER.match(word):
        return False
    tags = [pair.flag for pair in jieba.posseg.lcut(word, HMM=False)]
    return bool(tags) and tags[-1] in _NAME_TAGS and not _NOT_NAME_TAGS.intersection(tags)


@lru_cache(maxsize=4096)
def is_place(word: str) -> bool:
    """A province, city or the nation, as the gazetteer names them (青岛, 山东省, 国家)."""
    from indexer.jurisdiction import load_places

    places = load_places()
    names = {prefix for prefix, _ in places.prefixes} | set(places.national_prefixes)
    return any(form in names for form in (word, word + "市", word + "省"))


@lru_cache(maxsize=1)
def full_place_names() -> re.Pattern[str]:
    """The nation's and the gazetteer's provinces' and cities' full names
    (中华人民共和国, 山东省, 青岛市): a search-mode cut of them yields pieces
    (人民, 共和国, 东省) that name nothing asked about."""
    from indexer.jurisdiction import load_places

    places = load_places()
    names = {prefix for prefix, _ in places.prefixes if prefix.endswith(("省", "市", "自治区", "特别行政区"))}
    names.add(places.national_prefixes[0])
    return re.compile("|".join(map(re.escape, sorted(names, key=len, reverse=True))))
