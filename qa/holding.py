"""Whether a text holds a word though not written as one: an abbreviation
stands for its full form (高校 for 高等学校, 人大常委会 for
人民代表大会常务委员会), and a compound may stand with its halves apart
(监管部门 in 负有安全生产监督管理职责的部门). The slot gate (qa/slots.py)
reads a question's subject against a sentence with these.
"""
from __future__ import annotations

import re
from functools import lru_cache

from indexer.tokenize import words


@lru_cache(maxsize=4096)
def abbreviation(word: str) -> re.Pattern[str]:
    """The characters of `word` in order, at most three others between each two,
    as few as will do: a match ends at the first spelling, so `abbreviated`
    judges the span that lies within one word when there is one."""
    return re.compile("[^，,。；;]{0,3}?".join(map(re.escape, word)))


def abbreviated(word: str, text: str) -> bool:
    """Whether `text` holds the full form `word` abbreviates: its characters in
    order, at most three others between each two, either from the start of one
    of `text`'s words (高校 in 高等学校) or within one word (常委 in
    人民代表大会常务委员会). Not from inside one word into the next: 工业 is not
    in 船舶海工装备产业 (船舶海工装备 + 产业)."""
    pattern = abbreviation(word)
    if not pattern.search(text):
        return False
    for start, end in _word_spans(text):
        for at in range(start, end):
            if text[at] != word[0]:
                continue
            found = pattern.match(text, at)
            if found and (at == start or found.end() <= end):
                return True
    return False


# The most characters between the two halves of a compound written apart (监管…部门 in 监督管理职责的部门).
PARTS_GAP = 5


@lru_cache(maxsize=65536)
def written_apart(word: str, text: str) -> bool:
    """Whether `text` holds a compound `word` half by half: split where both
    halves have two characters or more, each half as written or abbreviated,
    in order and at most PARTS_GAP characters apart: 监管部门 in
    负有安全生产监督管理职责的部门."""
    if len(word) < 4 or any(char not in text for char in word):
        return False  # cheap: every character must be there
    for cut in range(2, len(word) - 1):
        second = abbreviation(word[cut:])
        for first in abbreviation(word[:cut]).finditer(text):
            found = second.search(text, first.end(), first.end() + PARTS_GAP + 4 * len(word))
            if found is not None and found.start() - first.end() <= PARTS_GAP:
                return True
    return False


@lru_cache(maxsize=4096)
def _word_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Where `text`'s words (jieba's plain cut) start and end."""
    spans, at = [], 0
    for piece in words(text):
        spans.append((at, at + len(piece)))
        at += len(piece)
    return tuple(spans)
