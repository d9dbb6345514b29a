"""The industry and support vocabularies (data/industries.json, data/support_kinds.json) and finding their terms."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .model import ENABLER, FIRM_KIND, INDUSTRIES_PATH, SECTOR, SUPPORT, SUPPORT_KINDS_PATH, TagHit
from .text import fold


@dataclass(frozen=True)
class Vocabulary:
    """Keyword lists by group; `broader` maps a tag to the sectors it belongs to."""

    groups: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...]  # (group, ((tag, keywords), …))
    broader: tuple[tuple[str, tuple[str, ...]], ...]
    fingerprint: str
    ambiguous: tuple[str, ...] = ()  # phrases whose keywords do not count ("整车企业")

    def broader_of(self, tag: str) -> tuple[str, ...]:
        return next((parents for t, parents in self.broader if t == tag), ())


def _entries(mapping: dict[str, Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((tag, tuple(words)) for tag, words in mapping.items() if not tag.startswith("_"))


@lru_cache(maxsize=4)
def load_vocabulary(industries_path: Path = INDUSTRIES_PATH, supports_path: Path = SUPPORT_KINDS_PATH) -> Vocabulary:
    """The vocabularies of data/industries.json and data/support_kinds.json."""
    industries_raw = industries_path.read_bytes()
    supports_raw = supports_path.read_bytes()
    industries = json.loads(industries_raw)
    supports = json.loads(supports_raw)
    groups = (
        (SECTOR, _entries(industries.get("industries", {}))),
        (ENABLER, _entries(industries.get("enablers", {}))),
        (FIRM_KIND, _entries(industries.get("firm_kinds", {}))),
        (SUPPORT, _entries(supports)),
    )
    broader = tuple((tag, tuple(parents)) for tag, parents in industries.get("broader", {}).items())
    fingerprint = hashlib.sha256(industries_raw + b"\x1f" + supports_raw).hexdigest()[:16]
    return Vocabulary(groups, broader, fingerprint, tuple(industries.get("ambiguous", ())))


@dataclass(frozen=True)
class TermMatch:
    """One keyword occurrence in a text."""

    tag: str
    group: str
    word: str  # the keyword as written in the vocabulary
    start: int
    end: int


def _is_ascii_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _occurrences(folded: str, needle: str) -> list[tuple[int, int]]:
    """Spans of `needle` in `folded`; a Latin needle must not touch other Latin letters or digits."""
    spans, start = [], folded.find(needle)
    while needle and start != -1:
        end = start + len(needle)
        glued = needle[0].isascii() and start > 0 and _is_ascii_word_char(folded[start - 1])
        glued |= needle[-1].isascii() and end < len(folded) and _is_ascii_word_char(folded[end])
        if not glued:
            spans.append((start, end))
        start = folded.find(needle, start + 1)
    return spans


def find_terms(text: str, vocabulary: Vocabulary, groups: tuple[str, ...] | None = None) -> list[TermMatch]:
    """Every keyword occurrence in `text`, in order. Within a family of groups
    (sectors with enablers, kinds of firm, kinds of support) a keyword inside a
    longer one gives way to it, so 农药 is not read as 药 nor 电动车 as 动车;
    no keyword counts inside an ambiguous phrase (整车企业 is not 车企).
    Latin keywords must stand as words ("AI" is not found in "detail")."""
    folded = fold(text)
    blocked = [span for phrase in vocabulary.ambiguous for span in _occurrences(folded, fold(phrase))]
    found: list[TermMatch] = []
    for group, entries in vocabulary.groups:
        if groups is not None and group not in groups:
            continue
        for tag, words in entries:
            for word in words:
                for start, end in _occurrences(folded, fold(word)):
                    if not any(s <= start and end <= e for s, e in blocked):
                        found.append(TermMatch(tag, group, word, start, end))

    def family(group: str) -> str:
        return SECTOR if group in (SECTOR, ENABLER) else group

    kept = [
        m
        for m in found
        if not any(
            family(o.group) == family(m.group) and o.start <= m.start and o.end >= m.end and (o.end - o.start) > (m.end - m.start)
            for o in found
        )
    ]
    return sorted(kept, key=lambda m: (m.start, m.end, m.tag))


def tag_hits(matches: list[TermMatch], vocabulary: Vocabulary) -> tuple[TagHit, ...]:
    """Matches grouped by tag: most distinct words first, then vocabulary order."""
    words: dict[tuple[str, str], list[str]] = {}
    for m in matches:
        bucket = words.setdefault((m.group, m.tag), [])
        if m.word not in bucket:
            bucket.append(m.word)
    order = {tag: i for i, tag in enumerate(t for g, entries in vocabulary.groups for t, _ in entries)}
    ranked = sorted(words.items(), key=lambda item: (-len(item[1]), order.get(item[0][1], 0)))
    return tuple(TagHit(tag, group, tuple(ws)) for (group, tag), ws in ranked)

