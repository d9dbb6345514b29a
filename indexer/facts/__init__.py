"""Policy facts: what a plan commits to, who is responsible, whom to call.

`extract_facts` reads the segmented documents at indexing time and returns
a JSON-serialisable dict (the index stores it as facts.json); `load_facts`
turns it back into the dataclasses of `model.py`. Every fact keeps the chunk it
came from and the exact sentence quoted, with its offsets in the document
text, so an answer built from facts is cited like any extractive answer.

The rules read the regular language of Chinese plans ("力争到2022年，…达到
50万辆", "(联系人:…,电话:…)", "由…同志担任指挥长") and the vocabularies in
data/industries.json and data/support_kinds.json; nothing is specific to
one document. One module per kind of fact: `targets.py` (a document's period
and the targets it states), `measures.py` (task items, tagged by
`vocabulary.py`), `duties.py` (rosters, lead units, statutes' duties); this
module joins them and stores them.
"""
from __future__ import annotations

from dataclasses import asdict, fields, is_dataclass, replace
from functools import lru_cache
from typing import Any, get_args, get_origin, get_type_hints

from ..types import Chunk, Document
from .duties import clause_responsibilities, roster_facts, statute_duties
from .measures import is_numbered_item, measure_from_chunk
from .model import (
    ENABLER,
    FACTS_VERSION,
    FIRM_KIND,
    LEAD_ROLE,
    SECTOR,
    SUPPORT,
    DocumentInfo,
    Duty,
    FactSource,
    Measure,
    Person,
    PolicyFacts,
    TagHit,
    Target,
    UnitRole,
)
from .targets import document_info, targets_in_chunk
from .text import fold, sentence_spans
from .vocabulary import TermMatch, Vocabulary, find_terms, load_vocabulary, tag_hits

__all__ = [
    "ENABLER", "FACTS_VERSION", "FIRM_KIND", "LEAD_ROLE", "SECTOR", "SUPPORT",
    "DocumentInfo", "Duty", "FactSource", "Measure", "Person", "PolicyFacts", "TagHit", "Target", "TermMatch", "UnitRole",
    "Vocabulary", "document_info", "extract_facts", "extract_policy_facts", "facts_for_index", "facts_to_dict",
    "find_terms", "fold", "load_facts", "load_vocabulary", "sentence_spans", "tag_hits", "whole_clauses",
]


def whole_clauses(document: Document, chunks: list[Chunk]) -> list[tuple[Chunk, tuple[Chunk, ...]]]:
    """The chunks of `document` in order, the parts of a clause split for the
    embedding model joined again (facts read whole clauses), each with its parts.
    A joined clause keeps the id of its first part."""
    joined: list[tuple[Chunk, tuple[Chunk, ...]]] = []
    for chunk in sorted(chunks, key=lambda c: c.ordinal):
        if joined and chunk.part > 1 and joined[-1][0].clause == chunk.clause:
            first, parts = joined[-1]
            whole = replace(first, text=document.text[first.start : chunk.end], end=chunk.end, part=0)
            joined[-1] = (whole, parts + (chunk,))
        else:
            joined.append((chunk, (chunk,)))
    return joined


def _relink(fact: Any, parts: tuple[Chunk, ...]) -> Any:
    """`fact` with its source tied to the part of a split clause that holds its quote."""
    part = next((p for p in reversed(parts) if p.start <= fact.source.start), parts[0])
    return replace(fact, source=replace(fact.source, chunk_id=part.chunk_id))


def extract_policy_facts(documents: list[Document], chunks: list[Chunk], vocabulary: Vocabulary | None = None) -> PolicyFacts:
    """All facts of `documents`, read from their `chunks` (as segment_document made them)."""
    vocabulary = vocabulary or load_vocabulary()
    by_doc: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_doc.setdefault(chunk.doc_id, []).append(chunk)
    infos, targets, measures, people, units, duties = [], [], [], [], [], []
    for document in documents:
        clauses = whole_clauses(document, by_doc.get(document.doc_id, []))
        info = document_info(document, [chunk for chunk, _ in clauses])
        infos.append(info)
        flat = all(len(chunk.path) == 1 for chunk, _ in clauses if chunk.kind == "clause")
        for index, (chunk, parts) in enumerate(clauses):
            next_chunk = clauses[index + 1][0] if index + 1 < len(clauses) else None
            if chunk.kind == "attachment":
                p, u, d = roster_facts(chunk)
                people += [_relink(f, parts) for f in p]
                units += [_relink(f, parts) for f in u]
                duties += [_relink(f, parts) for f in d]
                continue
            if document.history:  # a statute
                duties += [_relink(f, parts) for f in statute_duties(chunk)]
            targets += [_relink(f, parts) for f in targets_in_chunk(chunk, info.period_end)]
            units += [_relink(f, parts) for f in clause_responsibilities(chunk)]
            if is_numbered_item(chunk, next_chunk, flat):
                measures.append(measure_from_chunk(chunk, vocabulary))
    return PolicyFacts(
        version=FACTS_VERSION,
        vocabulary=vocabulary.fingerprint,
        documents=tuple(infos),
        targets=tuple(targets),
        measures=tuple(measures),
        people=tuple(people),
        units=tuple(units),
        duties=tuple(duties),
    )


def facts_to_dict(facts: PolicyFacts) -> dict[str, Any]:
    """JSON-serialisable form of `facts` (tuples become lists)."""
    return asdict(facts)


def extract_facts(documents: list[Document], chunks: list[Chunk]) -> dict[str, Any]:
    """The `build_index(extract_facts=...)` hook: facts as a JSON-serialisable dict."""
    return facts_to_dict(extract_policy_facts(documents, chunks))


def _build(kind: Any, value: Any) -> Any:
    """Rebuild a value of type `kind` from its asdict() form."""
    if value is None:
        return None
    shape, parts = _shape(kind)
    if shape == "tuple of":
        return tuple(_build(parts, item) for item in value)
    if shape == "tuple":
        return tuple(_build(arg, item) for arg, item in zip(parts, value))
    if shape == "optional":
        return _build(parts, value)
    if shape == "dataclass":
        return kind(**{name: _build(hint, value[name]) for name, hint in parts if name in value})
    return value


@lru_cache(maxsize=None)
def _shape(kind: Any) -> tuple[str, Any]:
    """How `_build` rebuilds a `kind`, worked out once per type: typing's
    introspection is slow, and loading the facts of corpus/ + 1,000 laws
    rebuilds 1.2 million values (get_type_hints alone: 97 of 146 s under the
    profiler, when it ran once per value)."""
    origin, args = get_origin(kind), get_args(kind)
    if origin is tuple:
        return ("tuple of", args[0]) if len(args) == 2 and args[1] is Ellipsis else ("tuple", args)
    if origin is not None and type(None) in args:  # X | None
        return "optional", next(arg for arg in args if arg is not type(None))
    if is_dataclass(kind):
        hints = get_type_hints(kind)
        return "dataclass", tuple((f.name, hints[f.name]) for f in fields(kind))
    return "plain", None


def load_facts(data: dict[str, Any]) -> PolicyFacts:
    """PolicyFacts from the dict `extract_facts` made (an empty dict gives empty facts).
    Raises ValueError when the dict was written by another facts version."""
    if not data:
        return PolicyFacts()
    if data.get("version") != FACTS_VERSION:
        raise ValueError(f"facts version {data.get('version')!r}, expected {FACTS_VERSION}")
    return _build(PolicyFacts, data)


def facts_for_index(documents: list[Document], chunks: list[Chunk], stored: dict[str, Any] | None) -> PolicyFacts:
    """The stored facts when they are current, else facts extracted afresh (cheap:
    no model), so an index built before facts existed, or with other
    vocabularies, still answers from facts."""
    try:
        facts = load_facts(stored or {})
    except (ValueError, KeyError, TypeError):
        facts = PolicyFacts()
    if facts.empty or facts.vocabulary != load_vocabulary().fingerprint:
        return extract_policy_facts(documents, chunks)
    return facts
