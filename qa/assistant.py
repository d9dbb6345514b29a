"""The serving path: load an index once, answer questions in batches."""
from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from indexer.embed import Embedder, ModelUnavailableError, chosen_model, query_embedder
from indexer.errors import IndexMismatchError
from indexer.facts import facts_for_index
from indexer.store import REBUILD_HINT, IndexContents, check_model, load_index
from indexer.types import Document

from .answer import Analysis, AnswerComposer
from .answerability import AnswerModels
from .conversation import Turn, read
from .doc_filter import choose
from .doc_status import Statuses
from .facts_answer import FactAnswer, answer_from_facts, to_citations
from .parts import asking_parts, combine, naming_the_document, parts_answered, parts_note
from .procedure import ProcedureAnswerer
from .query import Query, QueryParser, normalise_question
from .references import ReferenceResolver
from .retrieve import Retriever, validate_top_k
from .route import DocumentRouter
from .status_answer import StatusAnswerer
from .types import Answer, Citation, Hit


_CHINESE = re.compile(r"[\u4e00-\u9fff]")


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
        self.composer = AnswerComposer(
            self.documents, self.retriever.idf, embedder, self.retriever.stored_sentence_vector, index.chunks, models=AnswerModels.load(),
            router=router,
        )
        self.facts = facts_for_index(index.documents, index.chunks, index.facts)
        self.chunks_by_id = {chunk.chunk_id: chunk for chunk in index.chunks}
        # "公司法第六十条": looked up in the document's structure, not searched for.
        self.references = ReferenceResolver(index.documents, index.chunks, router)
        # Whether each document is in force, and "还有效吗 / 什么时候施行" answered from it.
        self.statuses = Statuses(index.documents, self.references.versions)
        self.status_answers = StatusAnswerer(self.statuses, index.chunks, router)
        # "怎么申报 / 什么时候受理": also read in the procedure sections of the documents asked about.
        self.procedures = ProcedureAnswerer(self.composer, index.chunks)

    @classmethod
    def open(cls, index_dir: Path, model_id: str | None = None, top_k: int = 5, backend: str | None = None) -> "Assistant":
        """Load the index at `index_dir`, refusing one built with another model
        than `model_id` (else $POLICYQA_MODEL) when one is asked for; otherwise
        the model the index names is used, so an index of the base model still
        loads. Questions are embedded with `backend`, by default the one the
        index was built with (indexer.embed.query_embedder)."""
        chosen = model_id or chosen_model() or None
        index = load_index(Path(index_dir), model_id=chosen)
        model_id = chosen or index.manifest["model_id"]
        try:
            embedder = query_embedder(index.manifest, model_id, backend, folder=index.folder)
        except ModelUnavailableError as e:
            if chosen:
                raise
            raise IndexMismatchError(f"索引由嵌入模型 {model_id!r} 建立，本机无法加载它（{e}）。{REBUILD_HINT}") from e
        check_model(index.manifest, model_id, embedder.dimension)
        return cls(index, embedder, top_k=top_k)

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
        as_of: str = "",
        where: Callable[[Document], bool] | None = None,
    ) -> list[Answer]:
        """Answer each question from the versions in force on `as_of` (ISO date,
        default today). A question citing an article or chapter ("公司法第六十条")
        is answered with exactly that text; the others by retrieval. Raises
        InvalidQuestionError for an unusable question and InvalidArgumentError
        for a bad top_k or mode, or when no document passes `where` (e.g. a
        qa.doc_filter.DocFilter, `issuer=…,year=…`)."""
        top_k = validate_top_k(self.top_k if top_k is None else top_k)
        if where is not None:
            doc_ids = choose(where, self.index.documents, doc_ids)
        answers: list[Answer | None] = []
        for question in questions:
            started = time.perf_counter()
            question = normalise_question(question)
            cited = self.references.answer(question, as_of=as_of, top_k=top_k) if not doc_ids else None
            timings = {"retrieve": (time.perf_counter() - started) * 1000, "answer": 0.0}
            answers.append(
                None if cited is None
                else Answer(question, cited.text, cited.abstained, cited.citations, cited.hits, timings, cited.notes)
            )
        rest = [question for question, answer in zip(questions, answers) if answer is None]
        retrieved = iter(self._answer_by_parts(rest, top_k, mode, doc_ids, as_of) if rest else [])
        return [self._with_status(answer if answer is not None else next(retrieved), as_of) for answer in answers]

    def _with_status(self, answer: Answer, as_of: str) -> Answer:
        """Each citation with its document's status on `as_of` (qa/doc_status.py)."""
        cited = [replace(c, status=self.statuses.of(c.chunk.doc_id, as_of).text) for c in answer.citations]
        return replace(answer, citations=cited)

    def _answer_by_parts(
        self, questions: Sequence[str], top_k: int, mode: str, doc_ids: Sequence[str] | None, as_of: str
    ) -> list[Answer]:
        """Each question answered whole; one asking several things is also
        answered part by part (qa/parts.py), and when any part goes unanswered
        the answer gives each part its own answer or its own 未提及. At most
        MAX_PARTS parts, and none in a question over PARTS_MAX_CHARS, are
        answered one by one; a note says so (qa/parts.py)."""
        wholes = self._answer_by_retrieval(questions, top_k, mode, doc_ids, as_of)
        parts = [self._naming_the_document(question, asking_parts(question)) if _CHINESE.search(question) else [question]
                 for question in questions]
        notes = {i: note for i, (question, split) in enumerate(zip(questions, parts)) if (note := parts_note(question, split))}
        parts = [parts_answered(question, split) for question, split in zip(questions, parts)]
        several = [i for i, split in enumerate(parts) if len(split) > 1]
        flat = [part for i in several for part in parts[i]]
        answered = iter(self._answer_by_retrieval(flat, top_k, mode, doc_ids, as_of) if flat else [])
        for i in several:
            part_answers = [next(answered) for _ in parts[i]]
            if not wholes[i].abstained and all(not a.abstained for a in part_answers) and not self._drops_a_part(
                    questions[i], parts[i], wholes[i], part_answers):
                wholes[i] = replace(wholes[i], parts=tuple(part_answers))  # the whole question's answer reads best
            elif not wholes[i].abstained or any(self._gives_value(part, a) for part, a in zip(parts[i], part_answers)):
                wholes[i] = combine(wholes[i], parts[i], part_answers)
            # Else the whole was refused and no part gives an asked value: a part
            # answered only by its topic ("能享受补贴吗") does not overturn the refusal.
        for i, note in notes.items():
            wholes[i] = replace(wholes[i], notes=[*wholes[i].notes, note])
        return wholes

    def _naming_the_document(self, question: str, parts: list[str]) -> list[str]:
        """`parts`, the later ones reading the one document the question names
        by title (typos corrected) when they name none themselves."""
        if len(parts) < 2:
            return parts
        router = self.retriever.router
        query = self.parser.parse(question)
        corrected = query.text
        for typo, word in query.corrections:
            corrected = corrected.replace(typo, word, 1)
        titled = router.route(corrected).titled
        if len(titled) != 1:
            return parts
        return naming_the_document(parts, self.documents[next(iter(titled))].title, lambda part: bool(router.route(part).titled))

    def _drops_a_part(self, question: str, parts: list[str], whole: Answer, part_answers: list[Answer]) -> bool:
        """Whether the whole question's answer, held to the kind of value one
        part asks ("…能不能申请中止？要交什么材料？": materials; "比例目标是多少，
        由哪个部门牵头？": a ratio), leaves out the answer of a part asking
        something else (not every clause it cites)."""
        kind = self.composer.slots.read(self.parser.parse(question)).kind
        # A phone answer is a roster line: it names the unit and its contact
        # person too, what a part asking 对接人是谁 wants.
        if not kind or kind == "phone":
            return False
        cited = {c.chunk.chunk_id for c in whole.citations}
        return any(
            self.composer.slots.read(self.parser.parse(part)).kind != kind and not {c.chunk.chunk_id for c in answer.citations} <= cited
            for part, answer in zip(parts, part_answers)
        )

    def _gives_value(self, part: str, answer: Answer) -> bool:
        """Whether `answer` answers a part that asks for a value (it passed the
        slot gate) or for a role the documents list (指挥长是谁: the roster)."""
        query = self.parser.parse(part)
        return not answer.abstained and bool(self.composer.slots.read(query).kind or query.role_words)

    def _answer_by_retrieval(
        self, questions: Sequence[str], top_k: int, mode: str, doc_ids: Sequence[str] | None, as_of: str
    ) -> list[Answer]:
        superseded = self.references.versions.superseded(as_of)
        if superseded:  # only the versions in force answer
            doc_ids = [d for d in (doc_ids or self.documents) if d not in superseded]
        started = time.perf_counter()
        queries, query_vectors, hits = self._retrieve(questions, top_k, mode, doc_ids)
        retrieved = time.perf_counter()
        composed = self.composer.compose_batch(queries, hits, query_vectors)
        for row, query in enumerate(queries):
            # Exact facts (who leads, contacts, targets) answer completely when
            # the question asks for one; retrieval still supplies the passages
            # and decides which documents the question is about.
            if self.composer.uncovered_places(query) or self.composer.router.unheld_titles(query.text):
                continue  # 济南's targets are not Qingdao's, nor is a document the library lacks: the abstention stands
            # A status says when a document applies; a question also asking who adopted it
            # ("哪次会议通过？什么时候施行？") is answered from its clauses, part by part.
            status = self.status_answers.answer(query.text, hits[row], as_of) if len(asking_parts(query.text)) == 1 else None
            if status is not None and self._verified(status):
                citations = to_citations(status, self.chunks_by_id, self.documents)
                composed[row] = (status.text, False, citations, [])
                continue
            if composed[row][1] and len(asking_parts(query.text)) == 1 and (procedure := self.procedures.answer(query, hits[row])):
                composed[row] = (procedure[0], False, procedure[1], [])
                continue
            about = {hit.chunk.doc_id for hit in hits[row][:2]}
            documents = {k: v for k, v in self.documents.items() if k in about}
            fact_answer = answer_from_facts(query, self.facts, documents) if documents else None
            # Nor are a table's facts those of a firm no document names (华为的营收目标).
            if (fact_answer is not None and not self.composer.checker.unknown_names(query)
                    and self._verified(fact_answer) and self._gives_slot(query, fact_answer)):
                citations = to_citations(fact_answer, self.chunks_by_id, self.documents)
                composed[row] = (fact_answer.text, fact_answer.abstained, citations, list(fact_answer.notes))
        answered = time.perf_counter()
        per_question = {
            "retrieve": (retrieved - started) * 1000 / max(len(queries), 1),
            "answer": (answered - retrieved) * 1000 / max(len(queries), 1),
        }
        label = self.references.versions.label
        return [
            Answer(
                query.text, text, abstained, self._placed([replace(c, version=label(c.chunk.doc_id)) for c in citations]),
                query_hits[:top_k], dict(per_question), notes,
            )
            for query, query_hits, (text, abstained, citations, notes) in zip(queries, hits, composed)
        ]

    def _placed(self, citations: list[Citation]) -> list[Citation]:
        """Citations with the page they are on and whether that page was recognised from a scan."""
        placed = []
        for citation in citations:
            document = self.documents[citation.chunk.doc_id]
            page = document.page_of(citation.start)
            placed.append(replace(citation, page=page, ocr=document.is_ocr(citation.start, citation.end)) if page else citation)
        return placed

    def _gives_slot(self, query: Query, fact_answer: FactAnswer) -> bool:
        """A table of facts answers only when one of its sentences gives the
        value asked for the subject asked about (a fund's size is not a list of
        lead units; one industry's target is not another's)."""
        slot = self.composer.slots.read(query)
        if fact_answer.abstained or not slot.kind:
            return True
        gate = self.composer.gate
        if slot.kind == "phone":  # contacts answer for their document (its title) and the units they list
            titles = {self.documents[self.chunks_by_id[chunk_id].doc_id].title for chunk_id, *_ in fact_answer.citations}
            return gate.about_subject(slot, " ".join([*titles, fact_answer.text]))
        return any(self.composer.slots.match(slot, sentence, "", gate.bind_coverage).answers for sentence, _ in fact_answer.claims)

    @staticmethod
    def _verified(fact_answer: FactAnswer) -> bool:
        from .verify import verify_claims

        return not verify_claims([(sentence, list(quotes)) for sentence, quotes in fact_answer.claims])[1]

    def ask(
        self,
        question: str,
        top_k: int | None = None,
        mode: str = "hybrid",
        doc_ids: Sequence[str] | None = None,
        as_of: str = "",
        where: Callable[[Document], bool] | None = None,
    ) -> Answer:
        return self.ask_batch([question], top_k=top_k, mode=mode, doc_ids=doc_ids, as_of=as_of, where=where)[0]

    def ask_in_conversation(self, question: str, history: Sequence[Turn], doc_ids: Sequence[str] | None = None, **options) -> Answer:
        """`question` read against the previous turns `history` (oldest first,
        each as asked; see qa/conversation.py) with the documents `doc_ids`
        chosen (else the one the question points at), then answered by
        `ask_batch` (`options`: its top_k, mode, as_of, where)."""
        reading = read(question, history, self.composer.router, doc_ids or ())
        answer = self.ask_batch([reading.question], doc_ids=doc_ids or reading.doc_ids or None, **options)[0]
        return replace(answer, question=question, understood_as=reading.understood_as)

    def search(self, question: str, top_k: int | None = None, mode: str = "hybrid") -> list[Hit]:
        return self.retriever.search(self.parser.parse(question), top_k=top_k, mode=mode)
