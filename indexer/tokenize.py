"""The one tokenizer used for indexing and for querying.

jieba is given the domain dictionary explicitly (an own `jieba.Tokenizer`,
never the global one) so that a user's other jieba settings cannot change
what the lexical index means.
"""
from __future__ import annotations

import hashlib
import logging
import re
from functools import lru_cache
from pathlib import Path

import jieba

USER_DICT_PATH = Path(__file__).parent / "data" / "userdict.txt"

# Words that carry no topic in a question or a clause; kept short on purpose:
# removing real content words hurts recall more than noise words hurt precision.
STOPWORDS = frozenset(
    """
    的 了 和 与 及 等 是 在 有 为 对 将 把 被 或 也 都 就 而 并 其 之 以 于 由 从 向 到 着 个 中 上 下
    吗 呢 吧 啊 呀 么 嘛 哪 哪些 哪个 哪几 哪几个 哪几位 什么 啥 怎么 怎样 如何 多少 几 几个 是否 有没有 没有
    我 我们 咱 咱们 俺 俺们 你 你们 他 他们 这 这个 这些 那 那个 那些 这块 这边 里 里面 方面 一下 请问 请
    文件 方案 规划 计划 提到 说 讲 具体 分别 主要 一些 还 要 能 会 可以 可 想 打算 准备
    """.split()
)

_PUNCT_OR_SPACE = re.compile(r"^[\s\W_]+$", re.UNICODE)


@lru_cache(maxsize=1)
def _jieba() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(USER_DICT_PATH))
    return tokenizer


def words(text: str) -> list[str]:
    """jieba's plain cut of `text`: each word once, a compound kept whole (解决方案, not 方案)."""
    return _jieba().lcut(text)


def tokenize(text: str) -> list[str]:
    """Lower-cased search tokens of `text`: jieba's search-mode cut (long words
    and their parts, so 新能源汽车 also matches 汽车), minus punctuation and stopwords."""
    tokens = []
    for token in _jieba().cut_for_search(text):
        token = token.strip().lower()
        if token and token not in STOPWORDS and not _PUNCT_OR_SPACE.match(token):
            tokens.append(token)
    return tokens


# Both taggers below run jieba.posseg without its HMM: the HMM only guesses
# words outside the dictionary, which they drop anyway, and its Viterbi over
# characters it has never seen tries every pair of its 256 states per
# character (a question of 500 rare characters took 6.6 s; 0.014 s without,
# and the same names on every dev question and corpus sentence).
# jieba's tags for names of people, brands and other proper nouns. Organisation
# names (nt) are left out: they are mostly categories such as 科研院所.
_PROPER_NOUN_TAGS = frozenset({"nr", "nrt", "nz"})
# jieba's dictionary tags some question phrases (多少钱) as names.
_QUESTION_WORD = re.compile(r"多少|什么|哪|怎|几|吗|呢|谁")


@lru_cache(maxsize=1)
def _tagger():
    import jieba.posseg

    return jieba.posseg.POSTokenizer(_jieba())


def proper_nouns(text: str) -> list[str]:
    """Names of companies and people that jieba's dictionary knows in `text`.
    Names jieba only guesses (its HMM) are left out: they are mostly typos."""
    known = _jieba().FREQ
    return [
        pair.word
        for pair in _tagger().cut(text, HMM=False)
        if pair.flag in _PROPER_NOUN_TAGS and len(pair.word) >= 2 and known.get(pair.word)
        and not _QUESTION_WORD.search(pair.word)
    ]


def place_names(text: str) -> list[str]:
    """Place names (provinces, cities, districts) that jieba's dictionary knows in `text`."""
    known = _jieba().FREQ
    return [pair.word for pair in _tagger().cut(text, HMM=False) if pair.flag == "ns" and len(pair.word) >= 2 and known.get(pair.word)]


def tokenize_batch(texts: list[str]) -> list[list[str]]:
    """`tokenize` of each text, every distinct token one shared string: jieba
    makes a new string per occurrence, and at ~80 bytes each the token lists of
    the whole law collection would take gigabytes (measured: 12.8 KB a clause)."""
    shared: dict[str, str] = {}
    return [[shared.setdefault(token, token) for token in tokenize(text)] for text in texts]


def tokenizer_fingerprint() -> str:
    """Identifies the tokenizer settings, recorded in the index manifest so a
    lexical index built with another dictionary is caught."""
    digest = hashlib.sha256(USER_DICT_PATH.read_bytes())
    digest.update(" ".join(sorted(STOPWORDS)).encode("utf-8"))
    digest.update(b"cut_for_search;lower")
    return f"jieba-{jieba.__version__}-{digest.hexdigest()[:16]}"


def cut_words(text: str) -> list[str]:
    """jieba's precise cut of `text` (every character kept, nothing lower-cased),
    with the same dictionary as `tokenize`."""
    return list(_jieba().cut(text))


def word_frequency(word: str) -> int:
    """How common `word` is in jieba's general dictionary (0 if unknown)."""
    return _jieba().FREQ.get(word, 0) or 0
