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

from .route import DocumentRouter, national_words, title_aliases

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
    """A previous turn: the question as it was answered, and the documents its
    answer cited (the top citation's first)."""

    question: str
    doc_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reading:
    """How a question is read in its conversation."""

    question: str  # as it will be answered
    doc_ids: tuple[str, ...] = ()  # the document in focus when the question points at one
    rewritten: bool = False

    @property
    def understood_as(self) -> str:
        """The rewritten question, "" when the question was read as asked."""
        return self.question if self.rewritten else ""


def read(question: str, history: Sequence[Turn], router: DocumentRouter, scope: Sequence[str] = ()) -> Reading:
    """`question` as it will be answered after `history` (oldest first), with
    the documents chosen in the scope box `scope`. A question that points at
    a document (这份方案) names it; a follow-up takes the previous turn's subject,
    place or document where it omits them; any other question is left as asked."""
    text = question.strip()
    pointed, focus = _name_document(text, history, router, scope)
    previous = history[-1].question.strip() if history else ""
    rewritten = _follow_up(pointed, previous, router) if previous else pointed
    return Reading(rewritten, focus, rewritten != text)


# -- the document in focus ------------------------------------------------------------------


def _pointer() -> re.Pattern[str]:
    vocab = _vocabulary()
    deictic = "|".join(map(re.escape, _longest_first(vocab["deictic"])))
    nouns = "|".join(map(re.escape, _longest_first(vocab["document_words"])))
    inside = "|".join(map(re.escape, _longest_first(vocab["in_document"])))
    return re.compile(rf"(?:{deictic})(?P<kind>{nouns})|(?P<inside>{inside})")


def _name_document(
    text: str, history: Sequence[Turn], router: DocumentRouter, scope: Sequence[str]
) -> tuple[str, tuple[str, ...]]:
    """`text` with its pointer (这份方案, 文件里) replaced by the title of the
    document in focus, and that document; (text, ()) when it points at none."""
    match = _pointer().search(text)
    if match is None:
        return text, ()
    kind = match.group("kind") or ""
    doc_id = focus_document(kind, history, router, scope)
    if not doc_id:
        return text, ()
    name = f"《{short_title(router, doc_id)}》"
    replacement = name + ("里" if match.group("inside") else "")
    return text[: match.start()] + replacement + text[match.end() :], (doc_id,)


def focus_document(kind: str, history: Sequence[Turn], router: DocumentRouter, scope: Sequence[str] = ()) -> str:
    """The document a pointer of `kind` (方案, 条例, "" for 文件) means: the one
    chosen in the scope box; else the latest one cited of that kind; else the
    library's only document of that kind; "" when none."""
    generic = not kind or kind in ("文件", "政策")
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


def short_title(router: DocumentRouter, doc_id: str) -> str:
    """How a rewritten question names a document: its longest name without a
    version year (青岛市高端制造业+人工智能攻势作战方案)."""
    title = router.titles[doc_id]
    aliases = title_aliases(title, "") or {title}
    return sorted(aliases, key=lambda alias: (bool(re.search(r"\d", alias)), -len(alias)))[0]


# -- follow-ups -----------------------------------------------------------------------------


def _core(text: str) -> tuple[str, bool]:
    """`text` without its leading connective, trailing particle and
    punctuation, and whether either marked it as a follow-up."""
    vocab = _vocabulary()
    core, marked = text.strip(_PUNCTUATION), False
    for connective in _longest_first(vocab["connectives"]):
        if core.startswith(connective) and len(core) > len(connective):
            core, marked = core[len(connective) :].lstrip("，, "), True
            break
    for particle in _longest_first(vocab["trailing"]):
        if core.endswith(particle) and len(core) > len(particle):
            core, marked = core[: -len(particle)], True
            break
    marked = marked or any(core.startswith(word) for word in vocab["deictic"])  # 这个比例…: points back
    return core.strip(_PUNCTUATION), marked


def place_mentions(text: str, router: DocumentRouter) -> list[str]:
    """Places `text` names, as written (山东, 青岛市, 全国), outside document titles."""
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
    found += [word for word in _longest_first(national_words()) if word in rest]
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
    places = place_mentions(core, router)
    documents = _document_mentions(core, router)
    rest = _without(core, [*places, *documents]).strip(_PUNCTUATION)
    rest = _without(rest, vocab["fillers"]).strip(_PUNCTUATION) if not _asks(rest) else rest
    if not (marked or len(core) <= vocab["short_chars"]):
        return text
    own_subject = _has_subject(rest, router)
    if not marked and own_subject and _asks(rest):
        return text  # a short question of its own (什么是首台套？)
    if not rest:  # "那山东呢？", "那科技进步法呢？": the previous question, about another place or document
        return _ending(_swap(previous, places, documents, router), previous)
    deictic = next((d for d in _longest_first(vocab["deictic"]) if rest.startswith(d)), "")
    base = _swap(previous, places, documents, router)
    if deictic:  # "这个比例是哪年定的": the previous question's own words up to 比例
        pointed = rest[len(deictic) :]
        noun = next((w for w in words(pointed) if w.strip()), "")
        if noun and noun in base:
            upto = base[: base.rindex(noun) + len(noun)]
            return _ending(upto + pointed[len(noun) :], text)
        return _ending(_subject(base) + "的" + pointed, text)
    if not _asks(rest) and any(rest.endswith(noun) for noun in _asked_nouns()):
        # "牵头单位呢？": what the previous question asked of its subject, asked anew
        return _ending(_subject(base) + "的" + rest + _asking_tail(rest), previous)
    if not _asks(rest):  # "那船舶海工装备产业呢？": the previous question about another subject
        return _ending(_replace_subject(base, rest), previous)
    if not own_subject:  # "牵头单位是谁？": the previous subject, asked anew
        return _ending(_subject(base) + "的" + rest, text)
    # A question with its own subject inherits only the place and document it omits.
    inherited = [] if places or documents else [*_document_mentions(previous, router), *place_mentions(previous, router)]
    prefix = "".join(f"{name}" for name in inherited[:1])
    return _ending(prefix + core if prefix and prefix not in core else text, text)


def _replace_subject(previous: str, subject: str) -> str:
    """`previous` about `subject` instead: the run of words in `previous` that
    ends with `subject`'s last word (轨道交通装备产业 for 船舶海工装备产业) is
    replaced; else `subject` takes the place of the previous subject."""
    head = [w for w in words(subject) if w.strip()][-1:]
    tokens = words(previous)
    ends = [i for i, token in enumerate(tokens) if head and token == head[0]]
    if ends:
        end = start = ends[-1]
        while start > 0 and _joins(tokens[start - 1], previous):
            start -= 1
        return "".join(tokens[:start]) + subject + "".join(tokens[end + 1 :])
    own = _subject(previous)
    return subject + (previous[len(own) :] if own != previous.strip(_PUNCTUATION) else _vocabulary()["question_tail"])


def _joins(word: str, text: str) -> bool:
    """Whether `word` belongs to a noun phrase being replaced (not a year, a place, a link or a question word)."""
    vocab = _vocabulary()
    stops = {*vocab["linking"], *vocab["fillers"], *vocab["interrogatives"], *vocab["deictic"], *vocab["connectives"]}
    return len(word) >= 2 and not re.search(r"\d", word) and word not in stops and not _asks(word)


def _has_subject(rest: str, router: DocumentRouter) -> bool:
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
        else:
            text = places[0] + text
    return text


# -- a conversation as the API and the web UI hold it ----------------------------------------

MAX_HISTORY = 20


def turns_of(items: Sequence[object], router: DocumentRouter) -> list[Turn]:
    """The previous turns from what a client sends, oldest first: each a
    question (text) or an answer object (`Answer.to_json()`, or any object
    with "question" and optionally "doc_ids" or "citations"). Each question is
    read against the ones before it, so "那山东呢" stands for its full question.
    Raises InvalidArgumentError with a Chinese message for anything else."""
    if not isinstance(items, (list, tuple)):
        raise InvalidArgumentError('history 必须是之前问题的列表，例如 ["青岛对首台套的奖励比例是多少？"]。')
    turns: list[Turn] = []
    for item in list(items)[-MAX_HISTORY:]:
        question, doc_ids = _turn_fields(item)
        reading = read(question, turns, router)
        turns.append(Turn(reading.question, doc_ids or reading.doc_ids))
    return turns


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
