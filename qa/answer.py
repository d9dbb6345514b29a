"""Compose a grounded, extractive answer from retrieved clauses.

The answer is made only of sentences taken verbatim from the retrieved
clauses, each followed by its citation marker. Whether to answer at all, and
which sentences answer, are decided by the learned models of
`qa/answerability.py` over features of the question and its evidence (the
evidence checks of `qa/evidence.py` among them); when the evidence does not
answer, the assistant says "文件未提及" and lists the nearest clauses instead
of guessing.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from indexer.roster import squeeze
from indexer.build import statute_title
from indexer.segment import sentence_embedding_text
from indexer.tokenize import tokenize
from indexer.types import Chunk, Document

from .answerability import QUESTION_FEATURES, SENTENCE_FEATURES, AnswerModels, log_length
from .evidence import EvidenceChecker, Sentence, is_bare_heading, wanted_pattern
from .faithful import Partial, SlotGate
from .lists import ListCompleter, ListLine, group_by_chunk
from .query import Query
from .route import DocumentRouter
from .slots import SlotReader
from .types import Citation, Hit

NOT_MENTIONED = "文件未提及"


@dataclass
class Analysis:
    """Everything the decisions are made from, for one question."""

    query: Query
    hits: list[Hit]
    candidates: list[Sentence]
    sentence_rows: np.ndarray  # (candidates, SENTENCE_FEATURES)
    question_row: np.ndarray  # (QUESTION_FEATURES,)
    checks: dict[str, bool]


class AnswerComposer:
    """Selects the sentences that answer, decides whether they do, writes the text."""

    def __init__(
        self,
        documents: dict[str, Document],
        idf: dict[str, float],
        embedder,
        stored_vector: Callable[[str, int], np.ndarray | None] | None = None,
        chunks: list[Chunk] | None = None,
        answer_chunks: int = 4,
        max_sentences: int = 4,
        models: AnswerModels | None = None,
        router: DocumentRouter | None = None,
    ) -> None:
        self.documents = documents
        self.idf = idf
        self._max_idf = max(idf.values(), default=1.0)
        self.embedder = embedder
        self.checker = EvidenceChecker(documents, idf, answer_chunks)
        self.slots = SlotReader(idf)
        self.lists = ListCompleter(chunks or [], self.checker, self._gives_value)
        self.gate = SlotGate(self.slots, context_of=self.context_of, items_under=self.lists.items_under)
        # The vector the index holds for (chunk id, sentence start), if any;
        # vectors of sentences it does not hold are embedded once and kept here.
        self.stored_vector = stored_vector or (lambda chunk_id, start: None)
        self.fresh_vectors: dict[tuple[str, int], np.ndarray] = {}
        # The first chunk of each numbered unit, under its parent's breadcrumb.
        self.children: dict[tuple[str, tuple[str, ...]], list[Chunk]] = {}
        self.units: dict[tuple[str, tuple[str, ...]], Chunk] = {}
        for chunk in chunks or []:
            if (chunk.doc_id, chunk.path) not in self.units and chunk.path:
                self.units[(chunk.doc_id, chunk.path)] = chunk
                self.children.setdefault((chunk.doc_id, chunk.path[:-1]), []).append(chunk)
        self.answer_chunks = answer_chunks
        self.max_sentences = max_sentences
        self.models = models
        self.router = router or DocumentRouter(list(documents.values()))
        # The levels and places the corpus's documents govern (国家, 山东省, 青岛市…), for abstentions.
        self.jurisdictions = sorted({getattr(d, "jurisdiction", "") for d in documents.values()} - {""})

    def context_of(self, chunk: Chunk) -> str:
        """What a clause's sentences are about beyond their own words: the
        document's title, the clause's headings and, for an enumerated item,
        its article's lead-in up to the first colon or full stop
        (第三十四条 …给予奖励：（一）…)."""
        document = self.documents.get(chunk.doc_id)
        parent = self.units.get((chunk.doc_id, chunk.path[:-1])) if len(chunk.path) > 1 else None
        lead = re.split(r"[：:。]", parent.text, maxsplit=1)[0] if parent is not None and parent is not chunk else ""
        return f"{document.title if document else ''} {chunk.breadcrumb} {lead}"

    # -- features -----------------------------------------------------------------
    def _vectors_for(self, sentences: list[Sentence]) -> np.ndarray:
        if not sentences:
            return np.zeros((0, getattr(self.embedder, "dimension", 1)), dtype=np.float32)
        keys = [(s.chunk.chunk_id, s.start) for s in sentences]
        vectors = [self.fresh_vectors.get(key) for key in keys]
        vectors = [self.stored_vector(*key) if vector is None else vector for key, vector in zip(keys, vectors)]
        missing = [position for position, vector in enumerate(vectors) if vector is None]
        if missing:  # only for sentences the index does not hold (never in normal use)
            fresh = self.embedder.embed_batch([
                sentence_embedding_text(s.chunk, s.text, statute_title(self.documents[s.chunk.doc_id]))
                for s in (sentences[position] for position in missing)
            ])
            for position, vector in zip(missing, fresh):
                self.fresh_vectors[keys[position]] = vectors[position] = vector
        return np.stack(vectors)

    def _sentence_rows(self, query: Query, hits: list[Hit], group: list[Sentence], query_vector: np.ndarray) -> np.ndarray:
        if not group:
            return np.zeros((0, len(SENTENCE_FEATURES)))
        dense = self._vectors_for(group) @ query_vector
        tokens = set(query.tokens)
        lexical = np.array([self.checker.coverage(tokens, f"{s.chunk.breadcrumb} {s.text}") for s in group])
        wanted = wanted_pattern(query)
        top_fused = hits[0].fused if hits else 0.0
        columns = {
            "dense": dense,
            "dense_gap": dense - dense.max(),
            "lexical": lexical,
            "lexical_gap": lexical - lexical.max(),
            "rank_prior": np.array([1.0 / (1 + s.rank) for s in group]),
            "fused_gap": np.array([hits[s.rank].fused - top_fused for s in group]),
            "holds_wanted": np.array([0.0 if wanted is None else (1.0 if wanted.search(s.text) else -1.0) for s in group]),
            "bare_heading": np.array([float(is_bare_heading(s)) for s in group]),
            "first_in_clause": np.array([float(s.start == s.chunk.start) for s in group]),
            "log_length": np.array([log_length(s.text) for s in group]),
        }
        return np.column_stack([columns[name] for name in SENTENCE_FEATURES])

    def _question_row(self, query: Query, hits: list[Hit], group: list[Sentence], sentence_rows: np.ndarray,
                      checks: dict[str, bool]) -> np.ndarray:
        top = hits[:3]
        topic = self.checker.topic(query)
        coverages = [self.checker.coverage(topic, f"{h.chunk.breadcrumb} {h.chunk.text}") for h in top]
        union = [f"{h.chunk.breadcrumb} {h.chunk.text}" for h in hits[: self.answer_chunks]]
        # A typo the speller corrected is not a word the corpus lacks.
        typos = {token for typo, _word in getattr(query, "corrections", ()) for token in tokenize(typo)}
        weights = {t: self.idf.get(t, self._max_idf) for t in topic - typos}
        total = sum(weights.values())
        unseen = sum(w for t, w in weights.items() if t not in self.idf) / total if total else 0.0
        lexical_column = SENTENCE_FEATURES.index("lexical")
        holds = sentence_rows[:, SENTENCE_FEATURES.index("holds_wanted")] >= 0 if len(sentence_rows) else np.zeros(0, bool)
        dense_column = SENTENCE_FEATURES.index("dense")
        values = {
            "top_fused": hits[0].fused if hits else 0.0,
            "margin": hits[0].fused - hits[1].fused if len(hits) > 1 else 0.0,
            "top_dense": max((h.scores.get("dense", 0.0) for h in top), default=0.0),
            "top_sentence": float(sentence_rows[:, dense_column].max()) if len(sentence_rows) else 0.0,
            "coverage_best": max(coverages, default=0.0),
            "coverage_union": self.checker.coverage(topic, union),
            "coverage_sentence": float(sentence_rows[:, lexical_column].max()) if len(sentence_rows) else 0.0,
            "coverage_wanted": float(sentence_rows[holds, lexical_column].max()) if holds.any() else 0.0,
            "unseen": unseen,
            "unknown_name": float(checks["unknown_name"]),
            "unknown_place": float(bool(self.uncovered_places(query))),
            "period": float(checks["period"]),
            "kind_missing": float(checks["kind"]),
            "contact_missing": float(checks["contact"]),
            "quantity_missing": float(checks["quantity"]),
            "asks_kind": float(bool(query.asks) or query.asks_quantity),
            "english": float(getattr(query, "language", "zh") == "en"),
        }
        return np.array([values[name] for name in QUESTION_FEATURES], dtype=np.float64)

    def uncovered_places(self, query: Query) -> list[str]:
        """Provinces and cities the question names that no document governs, and
        places no document mentions (济南 over a Qingdao/Shandong/national corpus)."""
        # Districts are not in the gazetteer: a city's documents cover its districts.
        return list(self.router.route(query.focus or query.text).uncovered)

    def analyse_batch(self, queries: list[Query], hits_per_query: list[list[Hit]], query_vectors: np.ndarray) -> list[Analysis]:
        """The features of every question and of its candidate sentences."""
        analyses = []
        for row, (query, hits) in enumerate(zip(queries, hits_per_query)):
            group = [s for rank, hit in enumerate(hits[: self.answer_chunks]) for s in self.checker.sentences(hit.chunk, rank)]
            sentence_rows = self._sentence_rows(query, hits, group, query_vectors[row])
            checks = self.checker.checks(query, hits)
            question_row = self._question_row(query, hits, group, sentence_rows, checks)
            analyses.append(Analysis(query, hits, group, sentence_rows, question_row, checks))
        return analyses

    # -- decisions ----------------------------------------------------------------
    def sentence_scores(self, analysis: Analysis) -> np.ndarray:
        """How well each candidate answers: the learned selector's probability,
        or without models shared words and similarity discounted by clause rank."""
        rows = analysis.sentence_rows
        if not len(rows):
            return np.zeros(0)
        if self.models is not None:
            return self.models.select.probabilities(rows)
        column = {name: rows[:, i] for i, name in enumerate(SENTENCE_FEATURES)}
        return (0.5 * column["lexical"] + 0.5 * column["dense"]) * np.array([1.0 / (1 + 0.15 * s.rank) for s in analysis.candidates])

    def accepts(self, analysis: Analysis) -> bool:
        """Whether the evidence answers: the learned model's verdict, or
        without models, that no check fired."""
        if not analysis.hits or not analysis.candidates:
            return False
        if self._refused_outright(analysis):
            # Not a matter of weighing: a plan says nothing of the years after its period,
            # nothing of a firm or person it never names, and a province's or city's
            # own rules are not in a corpus that lacks them.
            return False
        if self.models is not None:
            accept = self.models.accept
            return bool(accept.probabilities(analysis.question_row)[0] >= accept.threshold)
        values = dict(zip(QUESTION_FEATURES, analysis.question_row))
        weak = values["coverage_best"] < 0.34 and values["top_dense"] < 0.80
        return not weak and not any(analysis.checks.values()) and not values["unknown_place"]

    def _choose(self, analysis: Analysis, scores: np.ndarray) -> list[Sentence]:
        group = analysis.candidates
        if not group:
            return []
        wanted = wanted_pattern(analysis.query)
        if wanted is not None:  # only sentences holding what was asked, when there are good ones
            holds = np.array([bool(wanted.search(s.text)) for s in group])
            if holds.any() and scores[holds].max() >= 0.5 * scores.max():
                scores = np.where(holds, scores, 0.0)
        order = sorted(range(len(group)), key=lambda i: -scores[i])
        # Headings alone say which part, not what it says: when no retrieved
        # sentence says more, nothing answers (a structure question lists its
        # parts' headings by its own path, _structure_sentences).
        substantive = [i for i in order if not is_bare_heading(group[i])]
        if not substantive:
            return []
        best = scores[substantive[0]]
        cutoff, most = (self.models.relative_cutoff, self.models.max_sentences) if self.models else (0.8, self.max_sentences)
        chosen = [group[i] for i in substantive if scores[i] >= cutoff * best][:most]
        return sorted(chosen, key=lambda s: (s.rank, s.start))

    def _structure_sentences(self, query: Query, hits: list[Hit]) -> list[Sentence]:
        """For "下面分成哪几个…": the headings of the parts of the unit the
        question names (the retrieved unit or ancestor whose heading best
        matches), each a sentence of its own clause."""
        tokens = set(query.tokens)
        best, best_score = None, 0.0
        for hit in hits[:3]:
            chunk = hit.chunk
            for depth in range(len(chunk.path), 0, -1):
                key = (chunk.doc_id, chunk.path[:depth])
                if key not in self.children:
                    continue
                score = self.checker.coverage(tokens, chunk.path[depth - 1])
                if score > best_score:
                    best, best_score = key, score
        if best is None or best_score < 0.3:
            return []
        parts = []
        for rank, child in enumerate(self.children[best]):
            sentences = self.checker.sentences(child, rank)
            if sentences:
                parts.append(sentences[0])
        return parts

    # -- composition ---------------------------------------------------------------
    def compose_batch(
        self, queries: list[Query], hits_per_query: list[list[Hit]], query_vectors: np.ndarray
    ) -> list[tuple[str, bool, list[Citation], list[str]]]:
        """(answer text, abstained, citations, notes) for each question."""
        return [self.compose(analysis) for analysis in self.analyse_batch(queries, hits_per_query, query_vectors)]

    def compose(self, analysis: Analysis) -> tuple[str, bool, list[Citation], list[str]]:
        query, hits = analysis.query, analysis.hits
        scores = self.sentence_scores(analysis)
        chosen = self._choose(analysis, scores)
        contact = bool(query.asks & {"phone", "contact"})
        if query.asks_structure:
            chosen = self._structure_sentences(query, hits) or chosen
        if contact:
            chosen = self._contact_sentences(query, hits, analysis.candidates) or chosen
        notes = self.checker.period_notes(query, hits)
        # A claim whose figures its clause does not hold is dropped; when every
        # one is, nothing grounded is left to say.
        chosen = self._verified(chosen)
        accepted = bool(chosen) and self.accepts(analysis)
        slot = self.slots.read(query)
        if accepted and not contact and not query.asks_structure:
            # On topic is not enough: the sentences must give what was asked, for what was asked about.
            chosen = self.gate.answering(slot, chosen, analysis.candidates, scores)
            accepted = bool(chosen)
        elif accepted and contact:
            roster = " ".join(dict.fromkeys(f"{self.gate.context_of(s.chunk)} {s.text}" for s in chosen))
            accepted = self.gate.about_subject(slot, roster)
        if not accepted:
            partial = None if self._refused_outright(analysis) else self.gate.partial(slot, analysis.candidates, query.focus or query.text)
            if partial is not None:
                return self._related(partial, notes)
            return self._abstention(analysis, notes), True, [], notes
        lines = None if contact else self.lists.complete(query, slot, chosen)
        text, citations = self._cited(chosen, role="answer", lines=lines)
        if notes:
            text += f"（注：{notes[0]}）"
        return text, False, citations, notes

    def _cited(self, sentences: list[Sentence], role: str, lines: list[ListLine] | None = None) -> tuple[str, list[Citation]]:
        """The sentences, each followed by its marker, and their citations; a
        complete list (qa/lists.py) as its `lines`, one item a line."""
        quoted = [s for line in lines for s in line.sentences] if lines is not None else sentences
        labelled = len({s.chunk.doc_id for s in quoted}) > 1
        listed = lines is not None
        if lines is None:
            lines = [ListLine(None, tuple(group)) for group in group_by_chunk(sentences)]
        citations: list[Citation] = []

        def cite(chunk_sentences: list[Sentence]) -> int:
            chunk = chunk_sentences[0].chunk
            document = self.documents[chunk.doc_id]
            start, end = chunk_sentences[0].start, chunk_sentences[-1].end
            citations.append(Citation(len(citations) + 1, chunk, document.title, document.text[start:end], start, end, role=role))
            return len(citations)

        parts = []
        for line in lines:
            text = line.label or ""
            for chunk_sentences in group_by_chunk(list(line.sentences)):
                n = cite(chunk_sentences)
                # Several documents answer: say which one says what.
                if line.label is None and labelled and not text:
                    text = f"《{citations[-1].doc_title}》{chunk_sentences[0].chunk.clause}："
                text += "".join(f"{s.text}[{n}]" for s in chunk_sentences)
            if line.refer is not None:  # the whole list, cited once
                n = next((c.n for c in citations if c.chunk.chunk_id == line.refer.chunk.chunk_id), 0) or cite([line.refer])
                text += f"{line.after}[{n}]。"
            else:
                text += line.after
            parts.append(text)
        joiner = "\n" if labelled or listed else ""
        return joiner.join(parts).strip(), citations

    def _gives_value(self, slot, sentence: Sentence) -> bool:
        """Whether `sentence` gives the slot's value for its subject (a list item nobody retrieved)."""
        return self.slots.match(slot, sentence.text, self.context_of(sentence.chunk), self.gate.bind_coverage).answers

    def _refused_outright(self, analysis: Analysis) -> bool:
        """A year after the plan's period, a name or place no document knows:
        their own messages say why, better than any related clause."""
        query = analysis.query
        return bool(
            analysis.checks["period"] or analysis.checks["unknown_name"] or self.uncovered_places(query)
            or self.router.unheld_titles(query.text)
        )

    def _related(self, partial: Partial, notes: list[str]) -> tuple[str, bool, list[Citation], list[str]]:
        quoted, citations = self._cited(partial.related, role="related")
        text = f"{partial.message}相关条款：{quoted}"
        return text, True, citations, notes

    def _abstention(self, analysis: Analysis, notes: list[str]) -> str:
        text = f"{NOT_MENTIONED}：检索到的条款中没有能回答该问题的内容。"
        uncovered = self.uncovered_places(analysis.query)
        if unheld := self.router.unheld_titles(analysis.query.text):  # the named document, before its place
            closest = "、".join(f"《{title}》" for title in self.router.closest_titles(unheld[0]))
            text = f"{NOT_MENTIONED}：文件库中没有{'、'.join(f'《{name}》' for name in unheld)}" + (f"，最接近的文件是{closest}。" if closest else "。")
        elif uncovered:
            covered = f"，只收录{'、'.join(self.jurisdictions)}的政策法规" if self.jurisdictions else ""
            text = f"{NOT_MENTIONED}：文件库中没有关于{'、'.join(uncovered)}的文件{covered}。"
        elif analysis.checks["period"] and notes:
            text = f"{NOT_MENTIONED}：{notes[0]}"
        elif analysis.checks["unknown_name"]:
            names = "、".join(f"“{name}”" for name in self.checker.unknown_names(analysis.query))
            text = f"{NOT_MENTIONED}：文件库中没有提到{names}。"
        nearest = "；".join(f"{h.chunk.clause}（{h.chunk.breadcrumb}）" for h in analysis.hits[:3])
        if nearest:
            text += f" 最接近的条款：{nearest}。"
        return text

    @staticmethod
    def _verified(chosen: list[Sentence]) -> list[Sentence]:
        """Drop any claim whose figures or unit names its clause does not hold
        (a safety net: extracted sentences normally pass by construction)."""
        from .verify import verify_claims

        kept, _dropped = verify_claims([(s.text, [s.chunk.text]) for s in chosen])
        kept_texts = {text for text, _ in kept}
        return [s for s in chosen if s.text in kept_texts]

    def _contact_sentences(self, query: Query, hits: list[Hit], group: list[Sentence]) -> list[Sentence]:
        """For contact questions, the roster lines that name the unit and its contact."""
        wanted = self.checker.contacts_for(query, hits)
        chosen = []
        for contact in wanted:
            for i, sentence in enumerate(group):
                if contact.phone in squeeze(sentence.text):
                    unit_line = [s for s in group[max(0, i - 2) : i] if contact.unit and contact.unit in squeeze(s.text)]
                    chosen.extend(unit_line[-1:] + [sentence])
                    break
        unique = {(s.start, s.end): s for s in chosen}
        return sorted(unique.values(), key=lambda s: (s.rank, s.start))

