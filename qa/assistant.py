"""The serving path: load an index once, answer questions in batches."""
from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from indexer.embed import Embedder, configured_model
from indexer.facts import facts_for_index
from indexer.store import IndexContents, load_index

from .answer import Analysis, AnswerComposer
from .answerability import AnswerModels
from .facts_answer import FactAnswer, answer_from_facts, to_citations
from .query import Query, QueryParser
from .retrieve import Retriever, validate_top_k
from .route import DocumentRouter
from .types import Answer, Hit


class Assistant:
    """Answers questions over one index; the CLI, the web UI and the evaluation
    all go through `ask_batch`, so what is measured is what is served."""

    def __init__(self, index: IndexContents, embedder: Embedder, top_k: int = 5) -> None:
        self.index = index
        self.embedder = embedder
        self.top_k = validate_top_k(top_k)
        router = DocumentRouter(index.documents)
        self.retriever = Retriever(index, embedder, top_k=top_k, router=router)
        # Typos are corrected against the words this index holds.
        self.parser = QueryParser(self.retriever.idf)
        self.documents = {document.doc_id: document for document in index.documents}
        sentence_vectors = {
            (index.chunks[position].chunk_id, int(start)): vector
            for (position, start, _end), vector in zip(index.sentences, index.sentence_embeddings)
        }
        self.composer = AnswerComposer(
            self.documents, self.retriever.idf, embedder, sentence_vectors, index.chunks, models=AnswerModels.load(),
            router=router,
        )
        self.facts = facts_for_index(index.documents, index.chunks, index.facts)
        self.chunks_by_id = {chunk.chunk_id: chunk for chunk in index.chunks}

    @classmethod
    def open(cls, index_dir: Path, model_id: str | None = None, top_k: int = 5) -> "Assistant":
        """Load the index at `index_dir`, refusing one built with another model."""
        model_id = model_id or configured_model()
        index = load_index(Path(index_dir), model_id=model_id)
        return cls(index, Embedder(model_id), top_k=top_k)

    def _retrieve(self, questions: Sequence[str], top_k: int, mode: str, doc_ids: Sequence[str] | None):
        queries: list[Query] = [self.parser.parse(question) for question in questions]
        query_vectors = self.retriever.embed_queries(queries)
        # The composer reads a few more clauses than are shown when top_k is small.
        hits = self.retriever.search_batch(
            queries, top_k=max(top_k, self.composer.answer_chunks), mode=mode, doc_ids=doc_ids, query_vectors=query_vectors
        )
        return queries, query_vectors, hits

    def analyse_batch(self, questions: Sequence[str], top_k: int = 10) -> list[Analysis]:
        """What the answer decisions are made from, for training and inspecting them."""
        queries, query_vectors, hits = self._retrieve(questions, validate_top_k(top_k), "hybrid", None)
        return self.composer.analyse_batch(queries, hits, query_vectors)

    def ask_batch(
        self,
        questions: Sequence[str],
        top_k: int | None = None,
        mode: str = "hybrid",
        doc_ids: Sequence[str] | None = None,
    ) -> list[Answer]:
        """Answer each question. Raises InvalidQuestionError for an unusable
        question and InvalidArgumentError for a bad top_k or mode."""
        top_k = validate_top_k(self.top_k if top_k is None else top_k)
        started = time.perf_counter()
        queries, query_vectors, hits = self._retrieve(questions, top_k, mode, doc_ids)
        retrieved = time.perf_counter()
        composed = self.composer.compose_batch(queries, hits, query_vectors)
        for row, query in enumerate(queries):
            # Exact facts (who leads, contacts, targets) answer completely when
            # the question asks for one; retrieval still supplies the passages
            # and decides which documents the question is about.
            if self.composer.uncovered_places(query):
                continue  # 济南's targets are not Qingdao's: the composer's abstention stands
            about = {hit.chunk.doc_id for hit in hits[row][:2]}
            documents = {k: v for k, v in self.documents.items() if k in about}
            fact_answer = answer_from_facts(query, self.facts, documents) if documents else None
            if fact_answer is not None and self._verified(fact_answer):
                citations = to_citations(fact_answer, self.chunks_by_id, self.documents)
                composed[row] = (fact_answer.text, fact_answer.abstained, citations, list(fact_answer.notes))
        answered = time.perf_counter()
        per_question = {
            "retrieve": (retrieved - started) * 1000 / max(len(queries), 1),
            "answer": (answered - retrieved) * 1000 / max(len(queries), 1),
        }
        return [
            Answer(query.text, text, abstained, citations, query_hits[:top_k], dict(per_question), notes)
            for query, query_hits, (text, abstained, citations, notes) in zip(queries, hits, composed)
        ]

    @staticmethod
    def _verified(fact_answer: FactAnswer) -> bool:
        from .verify import verify_claims

        return not verify_claims([(sentence, list(quotes)) for sentence, quotes in fact_answer.claims])[1]

    def ask(self, question: str, top_k: int | None = None, mode: str = "hybrid", doc_ids: Sequence[str] | None = None) -> Answer:
        return self.ask_batch([question], top_k=top_k, mode=mode, doc_ids=doc_ids)[0]

    def search(self, question: str, top_k: int | None = None, mode: str = "hybrid") -> list[Hit]:
        return self.retriever.search(self.parser.parse(question), top_k=top_k, mode=mode)
