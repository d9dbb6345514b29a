"""Which documents a question names: by title ("中小企业促进法", "营商环境条例")
or by jurisdiction ("山东省…", "国家层面…", "青岛…").

A question that names a document or a level wants that document's clauses
first; a question that names a province or city no document governs
(济南 over a Qingdao/Shandong/national corpus) cannot be answered from it.
Place names come from `indexer/data/jurisdictions.json` and jieba's
dictionary, never from lists in code.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from indexer.jurisdiction import load_places
from indexer.tokenize import place_names, words
from indexer.types import Document

from .names import is_name

ROUTING_PATH = Path(__file__).parent / "data" / "routing.json"
# Brackets and the year of a version: "(2019—2022年)", "（2021年修订）".
_BRACKETED = re.compile(r"[（(][^）)]*[）)]")
_QUOTES = re.compile(r"[“”\"'‘’「」『』]")
_BRACKET_MARKS = re.compile(r"[（()）]")
# The shortest title fragment that names a document on its own ("专利保护规定").
MIN_ALIAS_CHARS = 4
LAW_SUFFIX = "法"
# An abbreviated name keeps most of the name's characters (科技进步法: 5 of 科学技术进步法's 7).
ABBREVIATION_COVERAGE = 0.6


@lru_cache(maxsize=1)
def _routing() -> dict:
    return json.loads(ROUTING_PATH.read_text(encoding="utf-8"))


def demonstratives() -> tuple[str, ...]:
    """Words that point at a document without naming it (这个, 该, 本…)."""
    return tuple(_routing()["demonstratives"])


def national_words() -> tuple[str, ...]:
    """Words by which a question means the national level (全国, 国务院…)."""
    return tuple(_routing()["national"])


def kind_of(title: str) -> str:
    """The kind of document a title names (…攻势作战方案 → 方案), "" when none of the kinds."""
    plain = _BRACKETED.sub("", _QUOTES.sub("", title)).strip()
    return next((kind for kind in _routing()["kinds"] if plain.endswith(kind)), "")


def _family_kinds(sequence: list[str]) -> set[str]:
    """The kinds a word for a family of them means (文件 → 方案, 办法…;
    这个计划 → 方案): routing.json's kind families, in a question's words."""
    routing = _routing()
    families = routing.get("kind_families", {})
    after_demonstrative = routing.get("kind_families_after_demonstrative", {})
    demonstratives = set(routing.get("demonstratives", ()))
    meant: set[str] = set()
    for position, word in enumerate(sequence):
        before = sequence[position - 1] if position else ""
        if not (is_name(before) or before.endswith("性")):  # 规范性文件, 招标文件: a compound of its own
            meant.update(families.get(word, ()))
        if before in demonstratives:
            meant.update(after_demonstrative.get(word, ()))
    return meant


@dataclass(frozen=True)
class Route:
    """What a question names: documents by title, and jurisdictions."""

    titled: frozenset[str] = frozenset()  # doc ids whose title the question names
    jurisdictions: frozenset[str] = frozenset()  # 国家 / 山东省 / 青岛市 … named
    uncovered: tuple[str, ...] = ()  # provinces or cities named that no document governs
    kinds: frozenset[str] = frozenset()  # kinds of document named (方案, 条例…)

    @property
    def empty(self) -> bool:
        return not self.titled and not self.jurisdictions and not self.kinds


def _short_enough(alias: str) -> bool:
    # A law's short name may be two characters (刑法, 宪法): it is how laws are cited.
    return len(alias) >= MIN_ALIAS_CHARS or (len(alias) >= 2 and alias.endswith(LAW_SUFFIX))


def title_aliases(title: str, jurisdiction: str) -> set[str]:
    """How a question may name a document: its title without brackets and
    quotes, or with the brackets' words kept (宪法修正案（1988年） → 宪法修正案1988年),
    each also without the jurisdiction it starts with (山东省… → …,
    中华人民共和国公司法 → 公司法)."""
    unquoted = _QUOTES.sub("", title).strip()
    bases = {_BRACKETED.sub("", unquoted).strip(), _BRACKET_MARKS.sub("", unquoted).strip()}
    aliases = set(bases)
    places = load_places()
    for base in bases:
        for prefix in (*places.national_prefixes, *(p for p, _ in places.prefixes)):
            # "山东省…" minus "山东" leaves "省…", which names nothing.
            if base.startswith(prefix) and len(base) > len(prefix) and base[len(prefix)] not in "省市区":
                aliases.add(base[len(prefix):])
    return {alias for alias in aliases if _short_enough(alias)}


def _in_order(short: str, name: str) -> bool:
    """Whether the characters of `short` appear in `name` in the same order."""
    remaining = iter(name)
    return all(char in remaining for char in short)


# A named title this alike to one of the library's (difflib ratio) is taken as a typo of it.
TYPO_SIMILARITY = 0.85
# A title in book-title marks, and one written out without them: a place's
# full name, then a kind of document (青岛市知识产权保护条例).
_BOOK_TITLE = re.compile(r"《([^《》]{2,40})》")


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


class DocumentRouter:
    """Resolves what a question names against the documents of one index."""

    def __init__(self, documents: list[Document]) -> None:
        self.titles = {document.doc_id: document.title for document in documents}
        self.places = load_places()
        self._route = lru_cache(maxsize=1024)(self._resolve)
        # Asked several times per question (the checks, the abstention, the facts): remembered.
        self.unheld_titles = lru_cache(maxsize=1024)(self._unheld_titles)
        kinds = "|".join(map(re.escape, _routing()["kinds"]))
        places = "|".join(re.escape(prefix) for prefix, place in self.places.prefixes if prefix == place.name)
        # Short names: a province's (山东) as the gazetteer gives it, a city's without 市 (青岛).
        short_names = {prefix for prefix, place in self.places.prefixes if prefix != place.name and len(prefix) >= 2}
        short_names |= {place.name[:-1] for _, place in self.places.prefixes if place.name.endswith("市") and len(place.name) >= 3}
        short = "|".join(map(re.escape, sorted(short_names, key=len, reverse=True)))
        # The name between the place and the kind is no kind itself (青岛市条例规定 names no document).
        # After a place's short name (山东科技创新促进条例) it is a title's run of words:
        # no particle or preposition (山东对民营企业的条例 names no document).
        self._written_out = re.compile(
            rf"(?:{places})(?:(?!{kinds})[\u4e00-\u9fff]){{2,20}}?(?:{kinds})"
            + (rf"|(?<![\u4e00-\u9fff])(?:{short})(?:(?!{kinds})[^\W的对在里中和与及或有是要给让把被这那哪些么吗呢了]){{2,20}}?(?:{kinds})" if short else "")
        ) if places else None
        self.aliases: list[tuple[str, str]] = sorted(
            ((alias, d.doc_id) for d in documents for alias in title_aliases(d.title, d.jurisdiction)),
            key=lambda pair: -len(pair[0]),
        )
        self.named: dict[str, set[str]] = {}
        for alias, doc_id in self.aliases:
            self.named.setdefault(alias, set()).add(doc_id)
        self._longest = max(map(len, self.named), default=0)
        self.by_jurisdiction: dict[str, set[str]] = {}
        for document in documents:
            if document.jurisdiction:
                self.by_jurisdiction.setdefault(document.jurisdiction, set()).add(document.doc_id)
        # Province of each city jurisdiction: a question about 山东 is also about 青岛's rules.
        self.covered = frozenset(self.by_jurisdiction)
        self.by_kind: dict[str, set[str]] = {}
        for document in documents:
            if kind := kind_of(document.title):
                self.by_kind.setdefault(kind, set()).add(document.doc_id)

    def named_at_end(self, text: str) -> tuple[str, frozenset[str]]:
        """The longest document name `text` ends with, and the documents so named:
        "民法商法公司法" → ("公司法", its versions); ("", ∅) when none."""
        for end in range(max(0, len(text) - self._longest), len(text) - 1):
            if text[end:] in self.named:
                return text[end:], frozenset(self.named[text[end:]])
        return "", frozenset()

    def named_loosely(self, text: str) -> tuple[str, frozenset[str]]:
        """An abbreviated name `text` ends with, as laws are cited in practice:
        科技进步法 for 科学技术进步法, 营商环境条例 for 优化营商环境条例. The
        longest tail of `text` that reads as a document kind's name (it ends as
        the title ends) and whose characters appear in order in a title alias
        covering most of it (ABBREVIATION_COVERAGE); ("", ∅) when none."""
        for start in range(0, len(text) - MIN_ALIAS_CHARS + 1):
            tail = text[start:]
            named = {
                doc_id for alias, doc_id in self.aliases
                if alias[-1] == tail[-1] and len(tail) >= ABBREVIATION_COVERAGE * len(alias) and _in_order(tail, alias)
            }
            if named:
                return tail, frozenset(named)
        return "", frozenset()

    def _named_places(self, text: str) -> list[str]:
        """Full names of the jurisdictions `text` names (山东 → 山东省, 济南 → 济南市, 全国 → 国家)."""
        named = []
        for prefix, place in self.places.prefixes:
            if prefix in text:
                named.append(place.name)
        for word in place_names(text):  # bare city names jieba knows: 济南, 烟台
            place = self.places.by_name(word + "市") or self.places.by_name(word)
            if place is not None:
                named.append(place.name)
        if any(word in text for word in national_words()):
            named.append(self.places.national.name)
        return list(dict.fromkeys(named))

    def route(self, text: str) -> Route:
        """The documents and jurisdictions `text` names (remembered: retrieval
        and the answer layer both ask for the same question)."""
        return self._route(text)

    def _resolve(self, text: str) -> Route:
        titled, remaining = set(), text
        for alias, doc_id in self.aliases:
            if alias in remaining:
                titled.add(doc_id)
                remaining = remaining.replace(alias, " ")  # "山东省企业技术改造条例" names a document, not just 山东
        named = self._named_places(remaining)
        jurisdictions = frozenset(name for name in named if name in self.covered)
        uncovered = tuple(name for name in named if name not in self.covered)
        # A word of its own: 解决方案 is no 方案.
        sequence = [w for w in words(remaining) if w.strip()]
        kinds = frozenset(self.by_kind).intersection({*sequence, *_family_kinds(sequence)})
        return Route(frozenset(titled), jurisdictions, uncovered, kinds)

    def doc_scores(self, route: Route) -> dict[str, float]:
        """1 for a document named by title, or by a kind only it is of; else 0.5
        for one of a jurisdiction named plus 0.5 for one of the kind named (青岛的方案: 1)."""
        scores: dict[str, float] = {}
        for jurisdiction in route.jurisdictions:
            for doc_id in self.by_jurisdiction.get(jurisdiction, ()):
                scores[doc_id] = 0.5
        kinds_held = {doc_id for kind in route.kinds for doc_id in self.by_kind[kind]}
        for doc_id in kinds_held:
            # A kind only one held document is of names that document: in a
            # library of one plan, 方案 (and 文件, the plan's family) is the plan.
            scores[doc_id] = 1.0 if len(kinds_held) == 1 else min(1.0, scores.get(doc_id, 0.0) + 0.5)
        for doc_id in route.titled:
            scores[doc_id] = 1.0
        return scores

    def _unheld_titles(self, text: str) -> list[str]:
        """Documents `text` names by title that the library does not hold: a
        title in 《》, or a place's full name followed by a kind of document
        (青岛市知识产权保护条例), that names none of the library's titles
        (`unheld_titles`, remembered per text)."""
        # 山东省实施《产品质量法》办法: the inner title is part of the document named, not one itself.
        named = [self._carrying_title(text, m) or m.group(1) for m in _BOOK_TITLE.finditer(text)]
        if self._written_out is not None:
            named += [m.group(0) for m in self._written_out.finditer(_BOOK_TITLE.sub(" ", text))]
        from difflib import SequenceMatcher

        from .cues import load_cues

        unheld = []
        for name in dict.fromkeys(named):
            plain = _BRACKETED.sub("", name).strip()
            if load_cues().wh.search(plain):
                continue  # 山东省哪些条例: asks which documents, names none
            place_prefix, place = next(((prefix, p.name) for prefix, p in self.places.prefixes if plain.startswith(prefix)), ("", ""))
            matched = self.route(plain).titled | self._abbreviating(plain, place_prefix) | self.named_at_end(plain)[1]
            extends = bool(matched) and self._extends_a_title(plain)
            if extends:
                matched = frozenset()  # 政府采购法实施条例 is not 政府采购法: a document made under it
            if matched and (not place or any(self.titles[d].startswith(place) for d in matched)):
                continue  # held: the same title, in the place it names (山东省… is not 青岛市…)
            # A title written with a typo (营商环竟) is the library's, not another document; one
            # made under a held title (…条例实施办法) is another, however alike the two read.
            if not extends and any(SequenceMatcher(None, plain, _BRACKETED.sub("", title)).ratio() >= TYPO_SIMILARITY
                                   for title in self.titles.values()):
                continue
            unheld.append(name)
        return unheld

    def _carrying_title(self, text: str, title: re.Match[str]) -> str:
        """The whole name when a 《title》 of `text` stands inside the name of a
        document made to carry it out: 山东省实施《产品质量法》办法, from the
        place before 实施 to the kind after the title; "" otherwise."""
        before = text[: title.start()]
        kind = next((kind for kind in _routing()["kinds"] if text.startswith(kind, title.end())), "")
        if not (before.endswith("实施") and kind):
            return ""
        start = max((before.rfind(prefix) for prefix, _place in self.places.prefixes), default=-1)
        return f"{before[start:] if start >= 0 else '实施'}{title.group(0)}{kind}"

    def _extends_a_title(self, name: str) -> bool:
        """Whether `name` is a held title followed by a kind of document of its
        own (科学技术进步法实施条例, …实施细则, …若干规定): another document."""
        for alias, _doc_id in self.aliases:
            at = name.find(alias)
            tail = name[at + len(alias) :] if at >= 0 else ""
            if len(tail) >= 2 and kind_of(tail):
                return True
        return False

    def _abbreviating(self, title: str, place_prefix: str) -> frozenset[str]:
        """The documents a written-out title abbreviates as a whole (科技进步法,
        山东省营商环境条例): the loose tail must be all of it after its place.
        山东省大数据发展促进条例 ends like 人才发展促进条例 but names another
        document; 大数据 is not dropped from an abbreviation."""
        tail, named = self.named_loosely(title)
        return named if tail and title[: len(title) - len(tail)] in ("", place_prefix) else frozenset()

    def closest_titles(self, name: str, most: int = 2) -> list[str]:
        """The library's titles sharing most character pairs with `name`."""
        wanted = _bigrams(_BRACKETED.sub("", name))
        scored = sorted(
            ((len(wanted & _bigrams(title)) / max(len(wanted | _bigrams(title)), 1), title) for title in set(self.titles.values())),
            reverse=True,
        )
        return [title for score, title in scored[:most] if score > 0]
