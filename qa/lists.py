"""Complete lists: every item the documents give, not the first few.

The answer's sentences are chosen from a handful of retrieved clauses and
capped, which is right for "多少" and wrong for "各个产业的目标分别是多少"
(each 攻坚战 has its own 攻坚目标, and four were quoted) or for an article
whose lead-in says "下列企业…享受税收优惠：" and whose list is in its sub-clauses.
`ListCompleter.complete` takes the sentences already chosen (and held to the
question by the slot gate) and completes them from the clause tree:

- a lead-in ending with a colon is quoted with its items (always: alone it says nothing);
- an item answered, when the question asks which items a list holds, brings its
  lead-in (or the heading the question names) and its sibling items;
- a unit answered, when the question asks the same of every unit, brings the same
  unit of each parallel part (二（一）1.攻坚目标 … 二（八）1.攻坚目标), one line
  per part, labelled with the part's heading; parts that do not give the value
  asked are named, not passed over.

Each item keeps its own clause, hence its own citation. Beyond `max_items`
the answer says how many more there are and cites the whole list. The cue
words are in qa/data/lists.json.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from indexer.tokenize import tokenize
from indexer.types import Chunk

from .evidence import EvidenceChecker, Sentence, is_bare_heading
from .query import Query
from .slots import Slot

LISTS_PATH = Path(__file__).parent / "data" / "lists.json"
# The numbering in front of a heading: 一、 （一） 1. （1） 第十条.
_NUMBERING = re.compile(r"^\s*(?:第[零一二三四五六七八九十百\d]+[条章节款项]|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|\d+[.．、])\s*")
# Share of the question's topic a lead-in must hold to be the list asked about.
LEAD_COVERAGE = 0.5


@dataclass(frozen=True)
class ListCues:
    every: re.Pattern[str]
    which: re.Pattern[str]
    lead_in_ends: tuple[str, ...]
    max_items: int


@lru_cache(maxsize=1)
def load_list_cues(path: Path = LISTS_PATH) -> ListCues:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return ListCues(
        every=re.compile("|".join(f"(?:{fragment})" for fragment in data["every"])),
        which=re.compile("|".join(f"(?:{fragment})" for fragment in data["which"])),
        lead_in_ends=tuple(data["lead_in_ends"]),
        max_items=int(data["max_items"]),
    )


def bare_heading(heading: str) -> str:
    """A heading without its numbering: "1.攻坚目标" → "攻坚目标"."""
    return _NUMBERING.sub("", heading).strip()


@dataclass(frozen=True)
class ListLine:
    """One line of a list answer: `label` (None: the composer's usual one) and
    the quoted sentences, each cited to its clause; `after` follows the markers,
    and cites `refer` (the whole list: its lead-in or heading) when given."""

    label: str | None
    sentences: tuple[Sentence, ...]
    after: str = ""
    refer: Sentence | None = None


class ListCompleter:
    """Completes chosen sentences into the whole list they belong to."""

    def __init__(self, chunks: list[Chunk], checker: EvidenceChecker, holds_value: Callable[[Slot, Sentence], bool],
                 cues: ListCues | None = None) -> None:
        self.checker = checker
        self.holds_value = holds_value  # whether a sentence holds a value of the slot's kind
        self.cues = cues or load_list_cues()
        # Every chunk of each numbered unit (a long clause is split in parts), and
        # the first chunk of each child unit under its parent's path.
        self.unit_chunks: dict[tuple[str, tuple[str, ...]], list[Chunk]] = {}
        self.children: dict[tuple[str, tuple[str, ...]], list[Chunk]] = {}
        for chunk in chunks:
            if not chunk.path:
                continue
            key = (chunk.doc_id, chunk.path)
            if key not in self.unit_chunks:
                self.children.setdefault((chunk.doc_id, chunk.path[:-1]), []).append(chunk)
            self.unit_chunks.setdefault(key, []).append(chunk)

    # -- what the question asks ---------------------------------------------------
    def _topic(self, query: Query) -> set[str]:
        """The question's topic words without the words that ask for a list (各个,
        哪些) and the word that names the kind of unit listed (各个“产业”)."""
        asking = query.focus or query.text
        cue_words = {t for m in (*self.cues.every.finditer(asking), *self.cues.which.finditer(asking)) for t in tokenize(m.group(0))}
        cue_words |= {next(iter(tokenize(asking[m.end():])), "") for m in self.cues.every.finditer(asking)}
        return self.checker.topic(query) - cue_words

    def _is_lead_in(self, chunk: Chunk) -> bool:
        return chunk.text.rstrip().endswith(self.cues.lead_in_ends) and bool(self.children.get((chunk.doc_id, chunk.path)))

    def items_under(self, sentence: Sentence) -> list[Sentence]:
        """The sentences of the items (or a table's rows) a lead-in sentence
        introduces (…主要指标如下：); [] for any other sentence."""
        chunk = sentence.chunk
        if not (self._is_lead_in(chunk) and sentence.text.rstrip().endswith(self.cues.lead_in_ends)):
            return []
        items = self.children.get((chunk.doc_id, chunk.path), [])
        if len(items) == 1 and items[0].kind == "table":
            items = self.children.get((chunk.doc_id, items[0].path), items)
        return [s for item in items for s in self._sentences(item)]

    # -- completion ---------------------------------------------------------------
    def complete(self, query: Query, slot: Slot, chosen: list[Sentence]) -> list[ListLine] | None:
        """The lines of the complete answer, or None when `chosen` belongs to no
        list to complete. A list stands where its first chosen member stood."""
        groups = group_by_chunk(chosen)
        lists: list[tuple[set[str], list[ListLine]]] = []  # (chunk ids a list quotes or holds, its lines)
        for group in groups:
            if any(group[0].chunk.chunk_id in held for held, _ in lists):
                continue
            new = self._list_of(group, query, slot, chosen)
            if new:
                held = {s.chunk.chunk_id for line in new for s in line.sentences}
                lists.append((held | {s.chunk.chunk_id for s in chosen if self._within(s.chunk, new)}, new))
        if not lists:
            return None
        lines: list[ListLine] = []
        placed: set[int] = set()
        for group in groups:
            owner = next((i for i, (held, _) in enumerate(lists) if group[0].chunk.chunk_id in held), None)
            if owner is None:
                lines.append(ListLine(None, tuple(group)))
            elif owner not in placed:
                placed.add(owner)
                lines.extend(lists[owner][1])
        return lines

    def _list_of(self, group: list[Sentence], query: Query, slot: Slot, chosen: list[Sentence]) -> list[ListLine]:
        """The lines of the list the chosen sentences `group` (of one clause) belong to; [] for none."""
        asking = query.focus or query.text
        every = bool(self.cues.every.search(asking))
        which = every or bool(self.cues.which.search(asking))
        topic = self._topic(query)
        chunk = group[0].chunk
        parent = self._first_chunk(chunk.doc_id, chunk.path[:-1]) if len(chunk.path) > 1 else None
        if self._is_lead_in(chunk) and group[-1].text.rstrip().endswith(self.cues.lead_in_ends):
            return self._lead_in_lines(chunk, group, chosen)
        # A question naming the chosen unit itself (…的攻坚目标) asks for it, not for its siblings.
        named_itself = len(bare_heading(chunk.path[-1])) >= 2 and bare_heading(chunk.path[-1]) in asking if chunk.path else False
        if which and parent is not None and parent is not chunk and not named_itself and self._names_list(parent, topic, asking):
            return self._lead_in_lines(parent, self._sentences(parent)[:1], chosen)
        if every and (parallel := self._parallel_units(chunk, topic)):
            return self._parallel_lines(parallel, chosen, query, slot, topic)
        return []

    def _within(self, chunk: Chunk, lines: list[ListLine]) -> bool:
        """Whether `chunk` lies in a unit some line quotes (its other parts, its sub-items)."""
        return any(s.chunk.doc_id == chunk.doc_id and chunk.path[: len(s.chunk.path)] == s.chunk.path
                   for line in lines for s in line.sentences if s.chunk.path)

    def _first_chunk(self, doc_id: str, path: tuple[str, ...]) -> Chunk | None:
        chunks = self.unit_chunks.get((doc_id, path))
        return chunks[0] if chunks else None

    def _sentences(self, chunk: Chunk) -> list[Sentence]:
        return self.checker.sentences(chunk, 0)

    def _names_list(self, parent: Chunk, topic: set[str], asking: str) -> bool:
        """Whether the question asks for the list under `parent`: a lead-in on the
        question's topic (下列企业…享受税收优惠：), or a heading of items the
        question names as written (有哪些“重点任务”), or a table (its rows).
        A chapter's heading is not a list: its articles are not items."""
        if parent.kind == "table":
            return True
        if self._is_lead_in(parent):
            return self.checker.coverage(topic, f"{parent.breadcrumb} {parent.text}") >= LEAD_COVERAGE
        heading = bare_heading(parent.path[-1])
        items = self.children.get((parent.doc_id, parent.path), [])
        return len(heading) >= 2 and heading in asking and len(items) > 1 and all(bare_heading(i.path[-1]) for i in items)

    def _item_sentences(self, item: Chunk) -> tuple[Sentence, ...]:
        """An item as quoted: its first sentence, and the next when the first only
        names the item ("（3）突破智能网联。")."""
        sentences = self._sentences(item)
        if not sentences:
            return ()
        return tuple(sentences[:2]) if is_bare_heading(sentences[0]) and len(sentences) > 1 else (sentences[0],)

    def _lead_in_lines(self, lead: Chunk, quoted: list[Sentence], chosen: list[Sentence]) -> list[ListLine]:
        """The lead-in's sentences, then one line per item (with what was chosen of
        it); beyond `max_items`, how many more. A lead-in whose only item is a
        table (…主要指标如下：表1…) lists the table's rows, under its header."""
        items = self.children.get((lead.doc_id, lead.path), [])
        if len(items) == 1 and items[0].kind == "table" and self.children.get((lead.doc_id, items[0].path)):
            quoted = [*quoted, *self._sentences(items[0])[:1]]
            lead, items = items[0], self.children[(lead.doc_id, items[0].path)]
        lines = [ListLine(None, tuple(quoted))] if quoted else []
        shown = items[: self.cues.max_items]
        for item in shown:
            own = {(s.start, s.end): s for s in self._item_sentences(item)}
            own.update({(s.start, s.end): s for s in chosen if s.chunk.chunk_id == item.chunk_id})
            if own:
                lines.append(ListLine("", tuple(sorted(own.values(), key=lambda s: s.start))))
        if len(items) > len(shown):
            whole = next((s for s in quoted if s.chunk is lead), None) or (self._sentences(lead) or [None])[0]
            lines.append(ListLine("", (), f"……另有{len(items) - len(shown)}项未列出，全部见{lead.clause}", whole))
        return lines

    # -- the same unit of each parallel part ----------------------------------------
    def _parallel_units(self, chunk: Chunk, topic: set[str]) -> list[tuple[str, ...]]:
        """The paths of the units that stand where `chunk`'s does in each part of its
        grandparent (每个攻坚战的“攻坚目标”), in document order; [] when there are
        fewer than two or the question names some of the parts."""
        if len(chunk.path) < 2 or not bare_heading(chunk.path[-1]):
            return []
        own = bare_heading(chunk.path[-1])
        parts = self.children.get((chunk.doc_id, chunk.path[:-2]), [])
        units = []
        for part in parts:
            for child in self.children.get((chunk.doc_id, part.path), []):
                if bare_heading(child.path[-1]) == own:
                    units.append(child.path)
                    break
        if len(units) < 2:
            return []
        # Words of some parts' headings only (新能源汽车, not 产业): the question names those parts.
        headings = [set(tokenize(path[-2])) for path in units]
        telling = {t for heading in headings for t in heading if sum(t in h for h in headings) < len(headings) / 2}
        return [] if topic & telling else units

    def _parallel_lines(self, units: list[tuple[str, ...]], chosen: list[Sentence], query: Query, slot: Slot,
                        topic: set[str]) -> list[ListLine]:
        doc_id = chosen[0].chunk.doc_id
        lines, lacking = [], []
        for path in units[: self.cues.max_items]:
            label = f"{bare_heading(path[-2])}："
            quoted = [s for s in chosen if s.chunk.doc_id == doc_id and s.chunk.path == path]
            best = quoted or self._best_sentence(self.unit_chunks[(doc_id, path)], query, slot, topic)
            if best:
                lines.append(ListLine(label, tuple(best)))
            else:
                lacking.append(bare_heading(path[-2]))
        if lacking:
            own = bare_heading(units[0][-1])
            lines.append(ListLine("", (), f"{'、'.join(lacking)}：{own}未写明{slot.label or '所问内容'}。"))
        if len(units) > self.cues.max_items:
            whole = self._first_chunk(doc_id, units[0][:-2]) if len(units[0]) > 2 else None
            heading = (self._sentences(whole) or [None])[0] if whole is not None else None
            lines.append(ListLine("", (), f"……另有{len(units) - self.cues.max_items}项未列出，全部见{whole.clause if whole else '原文'}", heading))
        return lines

    def _best_sentence(self, unit: list[Chunk], query: Query, slot: Slot, topic: set[str]) -> list[Sentence]:
        """The sentence of a unit nobody retrieved that best gives what was asked: one
        holding a value of the kind asked (when one is), for the year asked when
        one is named, most on the topic; [] when none holds such a value."""
        sentences = [s for chunk in unit for s in self._sentences(chunk) if not is_bare_heading(s)]
        if slot.kind:
            sentences = [s for s in sentences if self.holds_value(slot, s)]
        years = [str(y) for y in query.years]
        if not sentences:
            return []
        best = max(sentences, key=lambda s: (any(y in s.text for y in years),
                                             self.checker.coverage(topic, f"{s.chunk.breadcrumb} {s.text}"), -s.start))
        return [best]


def group_by_chunk(sentences: list[Sentence]) -> list[list[Sentence]]:
    groups: dict[str, list[Sentence]] = {}
    for sentence in sentences:
        groups.setdefault(sentence.chunk.chunk_id, []).append(sentence)
    return list(groups.values())
