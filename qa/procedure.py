"""Procedure and application questions: how to apply, to whom, when, with what.

"专精特新奖励怎么申报？什么时候受理？" asks for a procedure, not for the
reward: its answer is a platform or channel, an accepting body, an
application period or the materials (the kinds `procedure`, `body`, `period`,
`materials` of qa/data/slots.json), given for what was asked about. The slot
gate (qa/faithful.py) already holds the composer's answer to that kind, so a
reward's amount no longer passes for how to apply it.

What retrieval alone misses: a policy often puts its procedure in a section of
its own ("三、申报和受理") whose clauses name no measure ("符合条件的企业于
每年5月1日至6月30日登录…平台在线填报申请"); they share no word with the
question, and they apply to what the document's title names. So when the
composer finds no answer, the clauses under a heading naming a procedure
(`procedure_headings`) of the documents asked about are read beside the
retrieved ones, and a sentence answers only when it holds a value of the kind
asked whose stretch, with its title and headings, holds the subject (the same
rule as the gate: qa/slots.py `SlotReader.match`). When none does, the
composer's answer stands: 文件提到了X，但没有规定Y, or 文件未提及.
"""
from __future__ import annotations

from collections.abc import Sequence

from indexer.types import Chunk

from .answer import AnswerComposer
from .evidence import Sentence
from .query import Query
from .types import Citation, Hit

# The documents a question is about: those of its best retrieved clauses.
ABOUT_DOCUMENTS = 2
# Sentences quoted at most: a procedure is a few steps (where, when, to whom, with what).
MAX_SENTENCES = 4
# Sentences this close to the best binding quote together (ties, not rounding noise).
TIE = 1e-6


def headings(chunk: Chunk) -> list[str]:
    """The headings a clause stands under: its ancestors, and its own heading
    when it opens the clause on a line of its own ("三、申报方式\\n企业于…")."""
    own = chunk.path[-1:] if chunk.path and chunk.text.split("\n", 1)[0].strip() == chunk.path[-1] else ()
    return [*chunk.path[:-1], *own]


class ProcedureAnswerer:
    """Answers procedure questions from the retrieved clauses and the
    procedure sections of the documents asked about, over one index."""

    def __init__(self, composer: AnswerComposer, chunks: Sequence[Chunk]) -> None:
        self.composer = composer
        vocabulary = composer.slots.vocabulary
        self.kinds = frozenset(vocabulary.procedure_kinds)
        self._heading = vocabulary.procedure_headings
        self._by_doc: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            self._by_doc.setdefault(chunk.doc_id, []).append(chunk)
        self._sections: dict[str, list[Chunk]] = {}

    def sections(self, doc_id: str) -> list[Chunk]:
        """The clauses of `doc_id` under a heading naming a procedure, in
        document order; read when a question is first about it (a collection of
        thousands of laws is not scanned at load)."""
        if doc_id not in self._sections:
            pattern = self._heading
            self._sections[doc_id] = sorted(
                (c for c in self._by_doc.get(doc_id, []) if pattern is not None and any(pattern.search(h) for h in headings(c))),
                key=lambda c: c.start,
            )
        return self._sections[doc_id]

    def answer(self, query: Query, hits: Sequence[Hit]) -> tuple[str, list[Citation]] | None:
        """(answer text with [n] markers, its citations) when `query` asks a
        procedure kind and a sentence gives it for the subject; else None."""
        sentences = self.sentences(query, hits)
        return self.composer._cited(sentences, role="answer") if sentences else None

    def sentences(self, query: Query, hits: Sequence[Hit]) -> list[Sentence]:
        """The sentences that give the procedure asked for its subject, those
        binding it best, in the order of the documents and their text."""
        slot = self.composer.slots.read(query)
        checker = self.composer.checker
        if slot.kind not in self.kinds or not slot.subject or not hits:
            return []
        if checker.unknown_names(query) or checker.period_notes(query, hits):
            return []  # a firm the documents never name, a year after the plan: refused with its reason
        retrieved = [hit.chunk for hit in hits[: self.composer.answer_chunks]]
        about = list(dict.fromkeys(hit.chunk.doc_id for hit in hits[:ABOUT_DOCUMENTS]))
        sections = [chunk for doc_id in about for chunk in self.sections(doc_id)]
        chunks = list({chunk.chunk_id: chunk for chunk in [*retrieved, *sections]}.values())
        bind = self.composer.gate.bind_coverage
        found: list[tuple[float, Sentence]] = []
        for rank, chunk in enumerate(chunks):
            context = self.composer.context_of(chunk)
            for sentence in checker.sentences(chunk, rank):
                match = self.composer.slots.match(slot, sentence.text, context, bind)
                if match.answers:
                    found.append((match.coverage, sentence))
        if not found:
            return []
        best = max(coverage for coverage, _ in found)
        chosen = [s for coverage, s in sorted(found, key=lambda pair: (-pair[0], pair[1].rank, pair[1].start)) if coverage >= best - TIE]
        order = {doc_id: position for position, doc_id in enumerate(dict.fromkeys(s.chunk.doc_id for s in chosen))}
        return sorted(chosen[:MAX_SENTENCES], key=lambda s: (order[s.chunk.doc_id], s.start))
