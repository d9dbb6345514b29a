"""Measures: the numbered task and action items of a plan, tagged by sector and support."""
from __future__ import annotations

import re

from ..types import Chunk
from .model import ENABLER, FIRM_KIND, Measure, SECTOR, SUPPORT
from .text import sentence_spans
from .vocabulary import TermMatch, Vocabulary, find_terms, tag_hits


def is_numbered_item(chunk: Chunk, next_chunk: Chunk | None, flat: bool = False) -> bool:
    """A task or action item: numbered below a section, with content of its own
    (a bare heading such as "1.推动企业内部…协同创新。" with sub-items is not).
    In a `flat` document (a short policy numbered 一、二、… only) the top-level
    clauses are the items."""
    if chunk.kind != "clause" or len(chunk.path) < (1 if flat else 2):
        return False
    has_children = next_chunk is not None and next_chunk.path[: len(chunk.path)] == chunk.path and len(next_chunk.path) > len(chunk.path)
    body = re.sub(r"^\S{0,3}?[.．、)）]", "", chunk.text)
    return not (has_children and len(sentence_spans(body)) <= 1 and len(body) <= 40)


def _outside_sector_words(terms: list[TermMatch]) -> list[TermMatch]:
    """Drop kinds of firm named inside a sector's words: "船舶海工装备" is for
    shipbuilders, not a measure for every 装备 maker."""
    sectors = [t for t in terms if t.group in (SECTOR, ENABLER)]
    return [t for t in terms if t.group != FIRM_KIND or not any(o.start <= t.start and o.end >= t.end for o in sectors)]


def measure_from_chunk(chunk: Chunk, vocabulary: Vocabulary) -> Measure:
    spans = sentence_spans(chunk.text)
    heading = chunk.text[spans[0][0] : spans[0][1]] if spans else chunk.text
    ancestors = "\n".join(chunk.path[:-1])
    own = _outside_sector_words(find_terms(chunk.text, vocabulary, (SECTOR, ENABLER, FIRM_KIND)))
    scope = find_terms(ancestors, vocabulary, (SECTOR, ENABLER))
    supports = find_terms(chunk.text, vocabulary, (SUPPORT,))
    return Measure(
        chunk_id=chunk.chunk_id,
        doc_id=chunk.doc_id,
        clause=chunk.clause,
        path=chunk.path,
        role="goal" if "目标" in chunk.path[-1] else "task",
        heading=heading,
        quote=chunk.text,
        start=chunk.start,
        end=chunk.end,
        ordinal=chunk.ordinal,
        own=tag_hits(own, vocabulary),
        scope=tag_hits(scope, vocabulary),
        supports=tag_hits(supports, vocabulary),
    )

