"""Answer exactly from policy facts when the question asks for one.

Civil servants ask for facts the indexer has already read: who leads, whom
to call, which units take part, who the 指挥长 and 队长 are, what a target
is, how long a plan runs. For those `answer_from_facts` gives the complete
answer (a list question gets the whole list), each fact cited with the
exact sentence it came from. It answers only when the question clearly asks
for such a fact and returns None otherwise, so the extractive path answers.
The roster questions are in qa/facts_roster.py, the period and target ones
in qa/facts_targets.py, the composing in qa/fact_writer.py.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from indexer.facts import PolicyFacts
from indexer.types import Chunk, Document

from .fact_writer import NOT_MENTIONED, Cite, FactAnswer, only_fact_parts
from .facts_roster import (
    MEMBER_ROLES, ROSTER_CUE, answer_channel, answer_contact, answer_duty, answer_people, answer_units, duty_phrase, named_people,
)
from .facts_targets import answer_period, answer_targets, select_targets
from .query import Query
from .types import Citation

__all__ = ["MEMBER_ROLES", "NOT_MENTIONED", "Cite", "FactAnswer", "answer_from_facts", "duty_phrase", "select_targets", "to_citations"]


def answer_from_facts(
    query: Query,
    facts: PolicyFacts,
    documents: dict[str, Document],
    today: date | None = None,
) -> FactAnswer | None:
    """The answer to `query` from `facts`, or None when the question is not a
    fact question (the extractive path then answers). `documents` (by doc_id)
    restricts the facts to those documents; `today`, when given, adds a note
    to answers from a plan whose period has ended."""
    if documents:
        facts = _restrict(facts, set(documents))
    if query.focus and query.focus != query.text:
        # A long question's background ("前几年主要给外地供货") asks nothing.
        query = replace(query, text=query.focus)
    about_roster = ROSTER_CUE.search(query.text) or any(named_people(query, facts))
    if about_roster and only_fact_parts(query, ROSTER_CUE):
        for roster_step in (answer_channel, answer_contact, answer_people, answer_units, answer_duty):
            answer = roster_step(query, facts)
            if answer is not None:
                return answer
    for step in (answer_period, answer_targets):
        answer = step(query, facts, today)
        if answer is not None:
            return answer
    return None


def _restrict(facts: PolicyFacts, doc_ids: set[str]) -> PolicyFacts:
    def keep(items):
        return tuple(item for item in items if item.source and item.source.doc_id in doc_ids)

    return PolicyFacts(
        version=facts.version,
        vocabulary=facts.vocabulary,
        documents=tuple(d for d in facts.documents if d.doc_id in doc_ids),
        targets=keep(facts.targets),
        measures=tuple(m for m in facts.measures if m.doc_id in doc_ids),
        people=keep(facts.people),
        units=keep(facts.units),
        duties=keep(facts.duties),
    )


def to_citations(answer: FactAnswer, chunks_by_id: dict[str, Chunk], documents: dict[str, Document]) -> list[Citation]:
    """The answer's citations as qa.types.Citation, for Answer objects and the UI."""
    citations = []
    for n, (chunk_id, quote, start, end) in enumerate(answer.citations, start=1):
        chunk = chunks_by_id[chunk_id]
        citations.append(Citation(n, chunk, documents[chunk.doc_id].title, quote, start, end))
    return citations
