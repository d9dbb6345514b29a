"""Typos against the corpus vocabulary, found by their sound.

Chinese typing errors are mostly homophones picked from the input method's
list (电化 for 电话, 新能原 for 新能源, 环竟 for 环境). A word of the question
that the index has never seen is replaced by a word of the index that sounds
the same, or differs in one syllable by one letter, when the index word is
the much more common one.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from pypinyin import lazy_pinyin

from indexer.tokenize import cut_words, word_frequency

_CHINESE = re.compile(r"^[\u4e00-\u9fff]{2,8}$")
# A typo is a rare homophone of a common word: the word it replaces must be
# this many times less frequent in jieba's general dictionary.
RARITY = 10
# Spans of up to this many jieba words are tried, so 新能+原 is seen as 新能原.
# A compound of known words this long is checked for a one-character typo all the same.
MIN_COMPOUND_CHARS = 4
_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百千万\d]")
MAX_SPAN_WORDS = 3
# One-syllable near misses are tried only on words this long: two-syllable
# words have too many near neighbours.
MIN_NEAR_MISS_CHARS = 3


def _syllables(word: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(word))


def _masked(word: str) -> list[str]:
    return [word[:i] + "*" + word[i + 1:] for i in range(len(word))]


def _one_letter_apart(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1 or a == b:
        return a == b
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


class Speller:
    """Corrects the out-of-vocabulary words of questions against one vocabulary
    (the index's tokens). Build once per index: it reads every word's pinyin."""

    def __init__(self, vocabulary: Iterable[str], attested: Iterable[str] = ()) -> None:
        self.vocabulary = frozenset(vocabulary)
        # Words the question tables know (营收 → 营业收入): real words, never typos.
        self.attested = frozenset(attested)
        self._by_sound: dict[tuple[str, ...], list[str]] = defaultdict(list)
        self._by_near_sound: dict[tuple[str, ...], list[str]] = defaultdict(list)
        # Every word with one character masked (政*, *策): a correction differs
        # from its typo in exactly one character, so a span none of whose
        # masks is here has none, and its pinyin is never looked up (a
        # question of 500 rare characters spent 0.7 s in pypinyin).
        self._masks: set[str] = set()
        for word in self.vocabulary:
            if not _CHINESE.match(word):
                continue
            self._masks.update(_masked(word))
            sound = _syllables(word)
            self._by_sound[sound].append(word)
            if len(word) >= MIN_NEAR_MISS_CHARS:
                for i in range(len(sound)):
                    self._by_near_sound[sound[:i] + ("*",) + sound[i + 1:]].append(word)

    def corrections(self, text: str) -> tuple[tuple[str, str], ...]:
        """(typo, correction) pairs for the words of `text`; longer spans first,
        each word corrected at most once."""
        words = cut_words(text)
        used = [False] * len(words)
        found: list[tuple[str, str]] = []
        for size in range(MAX_SPAN_WORDS, 0, -1):
            for start in range(len(words) - size + 1):
                if any(used[start:start + size]):
                    continue
                parts = words[start:start + size]
                span = "".join(parts)
                if not _CHINESE.match(span) or span in self.vocabulary or span in self.attested:
                    continue
                # Words jieba knows, put side by side (企业+建), are mostly right;
                # a typo shows as a word jieba only guesses (新能+原, 磁旋浮), or
                # as a long compound with a part the documents never use, which
                # the index spells with one other character (智能+家具 for 智能家居).
                if size > 1 and all(word_frequency(part) for part in parts) and (
                    len(span) < MIN_COMPOUND_CHARS or all(part in self.vocabulary for part in parts) or _NUMERAL.search(span)
                ):
                    continue
                correction = self._correct(span)
                if correction:
                    found.append((span, correction))
                    used[start:start + size] = [True] * size
        return tuple(found)

    def _correct(self, span: str) -> str:
        if self._masks.isdisjoint(_masked(span)):
            return ""
        sound = _syllables(span)
        candidates = [w for w in self._by_sound.get(sound, ()) if w != span]
        if not candidates and len(span) >= MIN_NEAR_MISS_CHARS:
            candidates = [
                word
                for i in range(len(sound))
                for word in self._by_near_sound.get(sound[:i] + ("*",) + sound[i + 1:], ())
                if _one_letter_apart(_syllables(word)[i], sound[i]) and sum(a != b for a, b in zip(word, span)) == 1
            ]
        # Only a word that differs in one character: a whole different word
        # that happens to sound alike is not a typo.
        candidates = [w for w in candidates if len(w) == len(span) and sum(a != b for a, b in zip(w, span)) == 1]
        if not candidates:
            return ""
        best = max(candidates, key=lambda w: (word_frequency(w), w))
        if word_frequency(span) * RARITY >= max(word_frequency(best), 1):
            return ""
        return best
