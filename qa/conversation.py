"""A question read against the conversation so far.

A follow-up omits what the previous turn said: "那山东呢？" keeps the previous
question and changes its place; "牵头单位呢？" keeps its subject and changes what
is asked; "这个比例是哪年定的？" points back at the previous subject. A question
saying 这份方案 / 该条例 / 文件里 points at the document in focus: the one chosen
in the scope box, else the one the previous answer cited. `read` returns the
question as it will be answered and that document; pure functions over a
`DocumentRouter`, vocabularies in `qa/data/conversation.json`.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from indexer.errors import InvalidArgumentError
from indexer.tokenize import place_names, words

from .route import DocumentRouter, national_words

DATA_PATH = Path(__file__).parent / "data" / "conversation.json"
_PUNCTUATION = "？?。.！!，,；;：:、 \t"
_BOOK_TITLE = re.compile(r"《[^《》]{1,60}》")


@lru_cache(maxsize=1)
def _vocabulary() -> dict:
    return json.loads(DATA_PATH.read_text(encoding="utf-8"))


def _longest_first(items: Sequence[str]) -> list[str]:
    return sorted(items, key=len, reverse=True)


@dataclass(frozen=True)
class Turn:
    """A previous turn: the question as it was asked, and the documents its
    answer cited (the top citation's first)."""

    question: str
    doc_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reading:
    """How a question is read in its conversation."""

    question: str  # as it will be answered: a follow-up written out in full
    doc_ids: tuple[str, ...] = ()  # the document in focus when the question points at one (这份方案)
    understood_as: str = ""  # what the user is shown (the pointer as the title); "" when read as asked

    @property
    def rewritten(self) -> bool:
        return bool(self.understood_as)


def read(question: str, history: Sequence[Turn], router: DocumentRouter, scope: Sequence[str] = ()) -> Reading:
    """`question` as it will be answered after `history` (oldest first, each
    as asked: the earlier ones are read in turn), with the documents chosen in
    the scope box `scope`. A follow-up takes the previous question's subject,
    place or document where it omits them; a question pointing at a document
    (这份方案, 文件里) is answered from that document, its pointer kept in the
    question (a title's words would outweigh the question's own) and shown
    as the title; any other question is left as asked."""
    text = question.strip()
    previous = read(history[-1].question, history[:-1], router).question if history else ""
    rewritten = _follow_up(text, previous, router) if previous else text
    match = _pointer().search(rewritten)
    doc_id = focus_document(match.group("kind") or "", history, router, scope) if match is not None else ""
    if match is None or not doc_id:
        return Reading(rewritten, (), rewritten if rewritten != text else "")
    title = f"《{router.titles[doc_id]}》" + ("里" if match.group("inside") else "")
    return Reading(rewritten, (doc_id,), rewritten[: match.start()] + title + rewritten[match.end() :])


# -- the document in focus ------------------------------------------------------------------


@lru_cache(maxsize=1)
def _pointer() -> re.Pattern[str]:
    vocab = _vocabulary()
    after = re.escape(vocab["pointer_after"])
    deictic = "|".join(
        re.escape(word) if len(word) > 1 else rf"(?<![^\W{after}]){re.escape(word)}" for word in _longest_first(vocab["deictic"])
    )
    nouns = "|".join(map(re.escape, _longest_first(vocab["document_words"])))
    inside = "|".join(map(re.escape, _longest_first(vocab["in_document"])))
    return re.compile(rf"(?:{deictic})(?P<kind>{nouns})|(?P<inside>{inside})")


def focus_document(kind: str, history: Sequence[Turn], router: DocumentRouter, scope: Sequence[str] = ()) -> str:
    """The document a pointer of `kind` (方案, 条例, "" for 文件) means: the one
    chosen in the scope box; else the latest one cited of that kind; else the
    library's only document of that kind; "" when none."""
    generic = not kind or kind in _vocabulary()["generic_document_words"]
    fits = [doc_id for doc_id in scope if doc_id in router.titles and (generic or _is_kind(router.titles[doc_id], kind))]
    if scope:
        return (fits or [d for d in scope if d in router.titles] or [""])[0]
    for turn in reversed(history):
        cited = [d for d in turn.doc_ids if d in router.titles]
        fitting = [d for d in cited if generic or _is_kind(router.titles[d], kind)]
        if fitting:
            return fitting[0]
    only = router.by_kind.get(kind, set())
    return next(iter(only)) if len(only) == 1 else ""


def _is_kind(title: str, kind: str) -> bool:
    plain = re.sub(r"[（(][^）)]*[）)]", "", title).strip()
    return plain.endswith(kind)


# -- follow-ups -----------------------------------------------------------------------------


def _core(text: str) -> tuple[str, bool]:
    """`text` without its leading connective, trailing particle and
    punctuation, and whether either marked it as a follow-up."""
    vocab = _vocabulary()
    core, marked = text.strip(_PUNCTUATION), False
    deictic = vocab["deictic"]
    for connective in _longest_first(vocab["connectives"]):
        # 那个比例: a pointer, not the connective 那.
        pointing = any(core.startswith(word) and len(word) > len(connective) for word in deictic)
        if core.startswith(connective) and len(core) > len(connective) and not pointing:
            core, marked = core[len(connective) :].lstrip("，, "), True
            break
    for particle in _longest_first(vocab["trailing"]):
        if core.endswith(particle) and len(core) > len(particle):
            core, marked = core[: -len(particle)], True
            break
    # 这个比例…: points back at the previous subject (这份方案 points at a document instead).
    marked = marked or (any(core.startswith(word) for word in deictic) and not _pointer().match(core))
    return core.strip(_PUNCTUATION), marked


def place_mentions(text: str, router: DocumentRouter, national: bool = False) -> list[str]:
    """Places `text` names, as written (山东, 青岛市, 全国), outside document
    titles; with `national` also the bare names of the state (国家, a whole
    follow-up "那国家呢", which inside a question is mostly part of a name)."""
    rest = _BOOK_TITLE.sub(" ", text)
    for alias, _ in router.aliases:
        rest = rest.replace(alias, " ")
    found = []
    for prefix, _ in router.places.prefixes:  # longest first
        if prefix in rest:
            found.append(prefix)
            rest = rest.replace(prefix, " ")
    for word in place_names(rest):
        if router.places.by_name(word + "市") or router.places.by_name(word):
            found.append(word)
            rest = rest.replace(word, " ")
    nationals = [*national_words(), *(router.places.national_prefixes if national else ())]
    found += [word for word in _longest_first(nationals) if word in rest]
    return list(dict.fromkeys(found))


def _document_mentions(text: str, router: DocumentRouter) -> list[str]:
    """Document names in `text`: titles in 《》 and titles of the library written out."""
    found = _BOOK_TITLE.findall(text)
    rest = _BOOK_TITLE.sub(" ", text)
    for alias, _ in router.aliases:  # longest first
        if alias in rest:
            found.append(alias)
            rest = rest.replace(alias, " ")
    for part in rest.split():  # an abbreviated name, as laws are cited (科技进步法)
        name, named = router.named_loosely(part.strip(_PUNCTUATION))
        if named:
            found.append(name)
    return found


def _without(text: str, parts: Sequence[str]) -> str:
    for part in _longest_first(parts):
        text = text.replace(part, "")
    return text


def _asked_nouns() -> list[str]:
    return _longest_first([noun for nouns in _vocabulary()["asked_nouns"].values() for noun in nouns])


def _asking_tail(noun: str) -> str:
    """How a question asks for `noun` (牵头单位 → 是谁？), by its vocabulary's group."""
    vocab = _vocabulary()
    tails = [tail for tail, nouns in vocab["asked_nouns"].items() if any(noun.endswith(n) for n in nouns)]
    return tails[0] if tails else vocab["question_tail"]


def _asks(text: str) -> bool:
    return any(word in text for word in _vocabulary()["interrogatives"])


def _subject(previous: str) -> str:
    """The previous question without what it asked: "山东省对首台套的奖励比例是多少？" → "山东省对首台套"."""
    vocab = _vocabulary()
    text = previous.strip(_PUNCTUATION)
    cut = min((text.find(word) for word in vocab["interrogatives"] if word in text), default=len(text))
    subject = text[:cut] if cut > 0 else text
    trimmed = True
    while trimmed and subject:
        trimmed = False
        for tail in (*_asked_nouns(), *_longest_first(vocab["linking"])):
            if subject.endswith(tail) and len(subject) > len(tail):
                subject, trimmed = subject[: -len(tail)], True
                break
    return subject or text


def _ending(text: str, original: str) -> str:
    """`text` closed with a question mark when the question was asked with one."""
    text = text.strip(_PUNCTUATION)
    return text + "？" if original.rstrip().endswith(("？", "?")) or not _asks(text) else text


def _follow_up(text: str, previous: str, router: DocumentRouter) -> str:
    """`text` read after `previous`; `text` itself when it stands on its own."""
    vocab = _vocabulary()
    core, marked = _core(text)
    if not (marked or len(core) <= vocab["short_chars"]) or any(cue in core for cue in vocab["standalone"]):
        return text  # a question of its own (什么是首台套？ asks what a term means, whatever came before)
    places = place_mentions(core, router, national=True)
    documents = _document_mentions(core, router)
    pointer = _pointer().search(core)
    rest = _without(core, [*places, *documents, *([pointer.group(0)] if pointer else [])]).strip(_PUNCTUATION)
    if pointer is not None and not marked:
        return text  # 这份方案里…: a question of its own about the document in focus
    if pointer is not None:  # 那这份方案呢: its document is the one in focus, not the previous question's
        documents = [*documents, pointer.group(0)]
    asks = _asks(rest)
    if not asks:
        rest = _without(rest, vocab["fillers"]).strip(_PUNCTUATION)
        rest = next((rest[len(w) :] for w in _longest_first(vocab["leading"]) if rest.startswith(w)), rest)
    base = _swap(previous, places, documents, router)
    if not rest:  # "那山东呢？", "那科技进步法呢？": the previous question, about another place or document
        return _ending(base, previous)
    deictic = next((d for d in _longest_first(vocab["deictic"]) if rest.startswith(d)), "")
    if deictic:  # "这个比例是哪年定的": the previous question's own words up to 比例
        pointed = rest[len(deictic) :]
        noun = next((w for w in words(pointed) if w.strip()), "")
        if noun and noun in base:
            return _ending(base[: base.rindex(noun) + len(noun)] + pointed[len(noun) :], text)
        return _ending(_subject(base) + "的" + pointed, text)
    inherited = "" if places or documents else "".join([*_document_mentions(previous, router), *place_mentions(previous, router)][:1])
    asked = next((noun for noun in _asked_nouns() if rest.endswith(noun)), "")
    if not asks and asked:
        if _has_subject(rest[: -len(asked)]):  # "被请求人提交答辩书的期限呢": its own subject, the previous document
            return _ending(inherited + rest + _asking_tail(asked), previous)
        # "牵头单位呢？": what the previous question asked of its subject, asked anew
        return _ending(_subject(base) + "的" + rest + _asking_tail(asked), previous)
    if not asks:  # "那船舶海工装备产业呢？": the previous question about another subject
        return _ending(_replace_subject(base, rest, router), previous)
    if not _has_subject(rest):  # "牵头单位是谁？": the previous subject, asked anew
        return _ending(_subject(base) + "的" + rest, text)
    if not marked:  # "按什么模式运营？": short, so about the previous topic
        topic = _topic(previous, router)
        return _ending(inherited + topic + core if topic and topic not in core else text, text)
    # "那么对青年人才有什么支持？": its own subject; the place and document it omits are inherited.
    return _ending(inherited + core if inherited and inherited not in core else text, text)


def _protected(text: str, router: DocumentRouter) -> int:
    """Where `text`'s document and place names end: a subject is sought after them."""
    names = [*_document_mentions(text, router), *place_mentions(text, router)]
    return max((text.find(name) + len(name) for name in names if name in text), default=0)


def _runs(text: str) -> list[tuple[int, int, list[str]]]:
    """`text`'s words, and each run of words that may form a subject, as (start, end) word indices."""
    tokens = words(text)
    runs, start = [], None
    for i, token in enumerate([*tokens, ""]):
        joins = bool(token) and _joins(token)
        if joins and start is None:
            start = i
        elif not joins and start is not None:
            runs.append((start, i, tokens))
            start = None
    return runs


def _topic(previous: str, router: DocumentRouter) -> str:
    """The first run of subject words of `previous` after its document and place
    names, what it asked left out: "跨行业跨领域工业互联网平台要打造几个？" → 跨行业跨领域工业互联网平台."""
    tail = previous[_protected(previous, router) :]
    runs = _runs(tail)
    return "".join(runs[0][2][runs[0][0] : runs[0][1]]) if runs else ""


def _replace_subject(previous: str, subject: str, router: DocumentRouter) -> str:
    """`previous` about `subject` instead: the run of words in `previous` (after
    its document and place names) that ends with `subject`'s last word
    (轨道交通装备产业 for 船舶海工装备产业), else its first run of subject words,
    is replaced."""
    at = _protected(previous, router)
    head, tail = previous[:at], previous[at:]
    last = [w for w in words(subject) if w.strip()][-1:]
    runs = _runs(tail)
    ending = [(start, i, tokens) for start, end, tokens in runs for i in range(start, end) if last and tokens[i] == last[0]]
    if ending:
        start, end, tokens = ending[-1]
        return head + "".join(tokens[:start]) + subject + "".join(tokens[end + 1 :])
    if runs:
        start, end, tokens = runs[0]
        return head + "".join(tokens[:start]) + subject + "".join(tokens[end:])
    return head + subject + _vocabulary()["question_tail"]


def _joins(word: str) -> bool:
    """Whether `word` may be part of a subject: not a year or count, a link, a
    question word or an asked noun."""
    vocab = _vocabulary()
    stops = {*vocab["linking"], *vocab["fillers"], *vocab["interrogatives"], *vocab["deictic"], *vocab["connectives"], *_asked_nouns()}
    return len(word) >= 2 and not re.fullmatch(r"[\d.]+[年月日个条家]?", word) and word not in stops and not _asks(word)


def _has_subject(rest: str) -> bool:
    """Whether `rest` names something of its own beyond asking words, asked nouns and fillers."""
    vocab = _vocabulary()
    plain = _without(rest, [*vocab["interrogatives"], *_asked_nouns(), *vocab["fillers"], *vocab["deictic"]])
    return any(len(word) >= 2 for word in words(plain.strip(_PUNCTUATION)))


def _swap(previous: str, places: Sequence[str], documents: Sequence[str], router: DocumentRouter) -> str:
    """The previous question about the place and document named instead of its own (or added when it had none)."""
    text = previous.strip(_PUNCTUATION)
    if documents:
        new = documents[0] if documents[0].startswith("《") else f"《{documents[0]}》"
        old = _document_mentions(text, router)
        text = text.replace(old[0], new) if old else new + text
    if places:
        old_places = place_mentions(text, router)
        if old_places:
            for old in old_places:
                text = text.replace(old, places[0])
        elif not documents and (old_documents := _document_mentions(text, router)):
            # 促进科技成果转化法规定… + 那山东呢 → 山东规定…: the document named was the
            # other place's; 山东促进科技成果转化法 would name a law that does not exist.
            text = text.replace(old_documents[0], places[0], 1)
        else:
            text = places[0] + text
    return text


# -- a conversation as the API and the web UI hold it ----------------------------------------

MAX_HISTORY = 20


def turns_of(items: Sequence[object], router: DocumentRouter) -> list[Turn]:
    """The previous turns from what a client sends, oldest first: each a
    question (text) or an answer object (`Answer.to_json()`, or any object
    with "question" and optionally "doc_ids" or "citations"), each question as
    it was asked (`read` reads each against the ones before it).
    Raises InvalidArgumentError with a Chinese message for anything else."""
    if not isinstance(items, (list, tuple)):
        raise InvalidArgumentError('history 必须是之前问题的列表，例如 ["青岛对首台套的奖励比例是多少？"]。')
    return [Turn(*_turn_fields(item)) for item in list(items)[-MAX_HISTORY:]]


def _turn_fields(item: object) -> tuple[str, tuple[str, ...]]:
    if isinstance(item, str):
        return item, ()
    if isinstance(item, dict) and isinstance(item.get("question"), str):
        doc_ids = item.get("doc_ids")
        if doc_ids is None:
            doc_ids = [c.get("doc_id") for c in item.get("citations") or [] if isinstance(c, dict)]
        if isinstance(doc_ids, (list, tuple)) and all(isinstance(d, str) for d in doc_ids):
            return item["question"], tuple(dict.fromkeys(doc_ids))
    raise InvalidArgumentError('history 的每一项必须是问题文本，或带 "question"（及可选 "doc_ids"）的对象。')
