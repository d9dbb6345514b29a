"""Lexical, dense and hybrid retrieval over a loaded index.

Scoring is pure functions over arrays; `Retriever` only holds the loaded
index and the model. Hybrid retrieval fuses calibrated scores of BM25 and
of the embeddings (whole clause and best sentence), so exact terms, numbers
and unit names and paraphrases all reach their clause.

Only candidates are scored: the BM25 top N, the nearest clauses and the
clauses of the nearest sentences from the vector store, the clauses of the
documents the question names (they get the route score), and the rosters and
contact clauses a responsibility question can promote. Their scores are put
on the scale of the whole index (`qa/fusion.py`), so the ranking is the one
that scoring every clause would give (`exhaustive=True` does exactly that).
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from indexer.embed import Embedder
from indexer.errors import InvalidArgumentError
from indexer.rows import row_blocks
from indexer.store import IndexContents

from .cues import load_cues
from .fusion import (
    DEFAULT_WEIGHTS,
    LEXICAL_TRUST_HITS,
    THESAURUS_WEIGHTS,
    Calibration,
    fuse_scores,
    missing_share,
    question_weights,
)
from .query import Query
from .route import DocumentRouter
from .sentence_vectors import SentenceVectors
from .types import Hit

RETRIEVERS = ("hybrid", "lexical", "dense")
CANDIDATES = 100  # per source: BM25, nearest clauses, nearest sentences
# Clauses of the documents a question names that compete beside the candidates:
# above this many, the ones with most of the question's words (see _routed_candidates).
ROUTED_CANDIDATES = 400
# A restriction to at most this many clauses (a document or a few) scores them all.
SCORED_SCOPE = 2000
MOMENT_BLOCK = 16_384  # clause vectors per float64 block when their moments are summed
_FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(?:%|万|亿|个|家|辆|条|元)")
_CONTACT_MARKS = ("联系人", "电话")


def document_frequencies(lexical) -> dict[str, int]:
    """How many clauses hold each token, read from the BM25 index (its score
    matrix has one column per token) rather than re-tokenizing the corpus."""
    counts = np.diff(lexical.scores["indptr"])
    return {token: int(counts[i]) for token, i in lexical.vocab_dict.items() if i < len(counts) and counts[i] > 0}


def validate_top_k(top_k: int, name: str = "top_k") -> int:
    if not isinstance(top_k, int) or isinstance(top_k, bool) or top_k <= 0:
        raise InvalidArgumentError(f"{name} 必须是正整数，收到的是 {top_k!r}。")
    return top_k


def _positions_by(keys: np.ndarray) -> dict[str, np.ndarray]:
    groups: dict[str, list[int]] = {}
    for position, key in enumerate(keys):
        groups.setdefault(key, []).append(position)
    return {key: np.array(positions, dtype=np.int64) for key, positions in groups.items()}


class Retriever:
    """Searches one loaded index. `search_batch` is the core; `search` wraps it.

    `candidates` is how many clauses each source proposes; `exhaustive=True`
    scores every clause instead (the reference the candidates are checked against)."""

    def __init__(
        self,
        index: IndexContents,
        embedder: Embedder,
        top_k: int = 5,
        weights: dict[str, float] | None = None,
        candidates: int = CANDIDATES,
        exhaustive: bool = False,
        router: DocumentRouter | None = None,
    ) -> None:
        self.index = index
        self.router = router or DocumentRouter(index.documents)
        self.embedder = embedder
        self.top_k = validate_top_k(top_k)
        self.weights = {**THESAURUS_WEIGHTS, **(weights or DEFAULT_WEIGHTS)}
        self.candidates = validate_top_k(candidates, "candidates")
        self.exhaustive = exhaustive
        self.chunks = index.chunks
        self._vocab = index.lexical.vocab_dict
        df = document_frequencies(index.lexical)
        n = max(len(self.chunks), 1)
        self.idf = {token: math.log(1 + (n - count + 0.5) / (count + 0.5)) for token, count in df.items()}
        self._unseen_idf = math.log(1 + (n + 0.5) / 0.5)  # a word no clause holds
        self._doc_ids = np.array([c.doc_id for c in self.chunks], dtype=object)
        self._position_of = {chunk.chunk_id: position for position, chunk in enumerate(self.chunks)}
        self._by_doc = _positions_by(self._doc_ids)
        self._squeezed = [re.sub(r"\s+", "", c.text) for c in self.chunks]
        self._has_figure = np.array([bool(_FIGURE.search(c.text)) for c in self.chunks], dtype=np.float32)
        self.sentences = SentenceVectors(index)
        self._prepare_moments(index.embeddings)
        self._prepare_roles()

    # -- what is computed once per index ----------------------------------------
    def stored_sentence_vector(self, chunk_id: str, start: int) -> np.ndarray | None:
        """The index's vector of the sentence at `start` of clause `chunk_id`, or None."""
        position = self._position_of.get(chunk_id)
        return None if position is None else self.sentences.stored_vector(position, start)

    def _prepare_moments(self, embeddings: np.ndarray) -> None:
        """Mean and second moment of the clause vectors: the mean and spread of
        a query's similarities to every clause follow from them exactly
        (mean = q·m, variance = qᵀSq − (q·m)²) without touching the clauses."""
        dimension = embeddings.shape[1] if embeddings.ndim == 2 else 0
        total, second = np.zeros(dimension), np.zeros((dimension, dimension))
        for block in row_blocks(embeddings, MOMENT_BLOCK):  # in float64, a block at a time
            block = block.astype(np.float64)
            total += block.sum(axis=0)
            second += block.T @ block
        count = max(len(embeddings), 1)
        self._clause_mean = total / count
        self._clause_second = second / count

    def _prepare_roles(self) -> None:
        """Which role words each roster or contact clause holds, by document:
        the only clauses a role bonus can reach."""
        self._attachment = np.array([c.kind == "attachment" for c in self.chunks], dtype=bool)
        holds_contact = np.array([any(mark in c.text for mark in _CONTACT_MARKS) for c in self.chunks], dtype=bool)
        self._role_candidate = self._attachment | holds_contact
        self._role_vocabulary = load_cues().role_words
        self._role_words = np.zeros((len(self.chunks), len(self._role_vocabulary)), dtype=np.float32)
        for position in np.flatnonzero(self._role_candidate):
            text = self.chunks[position].text
            self._role_words[position] = [word in text for word in self._role_vocabulary]
        self._roles_by_doc = _positions_by(np.where(self._role_candidate, self._doc_ids, None))
        self._roles_by_doc.pop(None, None)

    # -- scorers over a set of clause positions -----------------------------------
    def _lexical_all(self, query: Query) -> np.ndarray:
        """BM25 of every clause: a sum over the postings of the query's tokens,
        plus those of its thesaurus tokens at their lower weight."""
        scores = self._bm25(query.tokens)
        weight = self.weights.get("thesaurus", 0.0)
        if weight > 0 and query.thesaurus_tokens:
            scores = scores + np.float32(weight) * self._bm25(query.thesaurus_tokens)
        return scores

    def _bm25(self, tokens: Sequence[str]) -> np.ndarray:
        ids = [self._vocab[t] for t in tokens if t in self._vocab]
        if not ids or not self.chunks:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self.index.lexical.get_scores_from_ids(ids), dtype=np.float32)

    def _raw_scores(
        self, positions: np.ndarray, lexical: np.ndarray, vector: np.ndarray | None, sample_best: np.ndarray | None
    ) -> dict[str, np.ndarray]:
        scores = {"lexical": lexical[positions]} if lexical is not None else {}
        if vector is not None:
            scores["dense"] = self.index.embeddings[positions] @ vector
            scores["sentence"] = self.sentences.best(positions, vector, sample_best)
        return scores

    def _calibration(self, lexical: np.ndarray, vector: np.ndarray, sentence: np.ndarray) -> Calibration:
        """`sentence`: best-sentence similarities of the statistics sample."""
        mean = float(vector @ self._clause_mean)
        variance = float(vector @ self._clause_second @ vector) - mean * mean
        return Calibration(
            float(lexical.max()) if len(lexical) else 0.0,
            (mean, math.sqrt(max(variance, 0.0))),
            (float(sentence.mean()), float(sentence.std())) if len(sentence) else (0.0, 0.0),
        )

    def _role_scores(self, query: Query, positions: np.ndarray, about: str) -> np.ndarray:
        """Clauses naming the role or person asked about (who leads, whom to
        call): rosters first. They must reach the top for such questions."""
        names = list(query.proper_nouns)
        scores = np.zeros(len(positions), dtype=np.float32)
        if not query.about_responsibility and not names:
            return scores
        asked = np.array([word in query.role_words for word in self._role_vocabulary], dtype=bool)
        roles = self._role_words[positions][:, asked].sum(axis=1)
        in_about = self._doc_ids[positions] == about
        named = np.array(
            [sum(1.0 for name in names if name in self._squeezed[p]) if a and self._attachment[p] else 0.0
             for p, a in zip(positions, in_about)],
            dtype=np.float32,
        )
        attachment = self._attachment[positions] & (query.about_responsibility | (named > 0))
        contact = ~attachment & (roles > 0) & self._role_candidate[positions]
        scores[attachment] = (roles + named + 0.1)[attachment]
        scores[contact] = roles[contact]
        return scores * in_about

    def _exact_scores(self, query: Query, positions: np.ndarray) -> np.ndarray:
        """Share of the question's quoted phrases and numbers found verbatim."""
        if not query.phrases:
            return np.zeros(len(positions), dtype=np.float32)
        found = [sum(1.0 for phrase in query.phrases if phrase in self._squeezed[p]) for p in positions]
        return np.array(found, dtype=np.float32) / len(query.phrases)

    def _routed_candidates(self, routed: dict[str, float], lexical: np.ndarray) -> np.ndarray:
        """Clauses of the documents a question names, which the route score lifts:
        all of them while they are few (a document named by title), else the
        `ROUTED_CANDIDATES` of them sharing most words with the question, since
        a level or a kind (山东, 条例) may name thousands of clauses of a large
        collection, and scoring them all would cost what candidates save.
        Only hybrid search routes, so `lexical` (BM25 of every clause) is at hand."""
        named = [self._by_doc[doc_id] for doc_id in routed if doc_id in self._by_doc]
        if not named:
            return np.zeros(0, dtype=np.int64)
        clauses = np.concatenate(named)
        if len(clauses) <= ROUTED_CANDIDATES:
            return clauses
        return clauses[np.argpartition(-lexical[clauses], ROUTED_CANDIDATES - 1)[:ROUTED_CANDIDATES]]

    def _route_scores(self, positions: np.ndarray, routed: dict[str, float]) -> np.ndarray:
        """Route score of each clause: that of its document, named by title (1) or jurisdiction (0.5)."""
        return np.array([routed.get(doc_id, 0.0) for doc_id in self._doc_ids[positions]], dtype=np.float32)

    # -- search ----------------------------------------------------------------
    def embed_queries(self, queries: Sequence[Query]) -> np.ndarray:
        if self.weights.get("thesaurus_dense", 0.0) > 0:
            return self.embedder.embed_batch([" ".join([q.expanded, *q.thesaurus_terms]) for q in queries])
        return self.embedder.embed_batch([q.expanded for q in queries])

    def _nearest(self, vectors: np.ndarray) -> list[np.ndarray]:
        """Per query, the clauses nearest to it and the clauses of its nearest sentences."""
        store, k = self.index.dense, self.candidates
        _, clause_rows = store.search("clauses", vectors, k)
        _, sentence_rows = store.search("sentences", vectors, k)
        return [
            np.concatenate([clauses[clauses >= 0], self.sentences.clause_of_row[sentences[sentences >= 0]]])
            for clauses, sentences in zip(clause_rows, sentence_rows)
        ]

    def search_batch(
        self,
        queries: Sequence[Query],
        top_k: int | None = None,
        mode: str = "hybrid",
        doc_ids: Sequence[str] | None = None,
        query_vectors: np.ndarray | None = None,
    ) -> list[list[Hit]]:
        """Top `top_k` hits per query, best first.

        `mode` is one of RETRIEVERS; `doc_ids` restricts the search to those
        documents (whose clauses are then all scored); `query_vectors` saves
        embedding the queries again. Raises InvalidArgumentError for a bad
        mode or top_k.
        """
        top_k = validate_top_k(self.top_k if top_k is None else top_k)
        if mode not in RETRIEVERS:
            raise InvalidArgumentError(f"未知的检索方式 {mode!r}：可选 {', '.join(RETRIEVERS)}。")
        if not self.chunks:
            return [[] for _ in queries]
        vectors = None
        if mode != "lexical":
            vectors = self.embed_queries(queries) if query_vectors is None else np.asarray(query_vectors, dtype=np.float32)
        everything = np.arange(len(self.chunks))
        allowed = None  # a mask of the clauses doc_ids allows, when it restricts
        if doc_ids:
            scope = np.concatenate([self._by_doc.get(doc_id, everything[:0]) for doc_id in dict.fromkeys(doc_ids)])
            allowed = np.zeros(len(self.chunks), dtype=bool)
            allowed[scope] = True
        # A few documents' clauses are all scored; a scope of most of the
        # collection (every version in force of thousands of laws) is searched
        # through candidates like the whole collection, then filtered.
        score_scope = allowed is not None and len(scope) <= SCORED_SCOPE
        nearest = self._nearest(vectors) if vectors is not None and not self.exhaustive and not score_scope else None
        results = []
        for row, query in enumerate(queries):
            vector = vectors[row] if vectors is not None else None
            lexical = self._lexical_all(query) if mode != "dense" else None
            routed = self.router.doc_scores(self.router.route(query.text)) if mode == "hybrid" else {}
            if self.exhaustive:
                positions = everything
            elif score_scope:
                positions = scope
            else:
                proposed = [] if nearest is None else [nearest[row]]
                if lexical is not None:
                    ranked = lexical if allowed is None else np.where(allowed, lexical, -np.inf)
                    proposed.append(np.argpartition(-ranked, min(self.candidates, len(ranked) - 1))[: self.candidates])
                if routed:  # hybrid only, where `lexical` is computed
                    proposed.append(self._routed_candidates(routed, lexical))
                positions = np.concatenate(proposed)
                if allowed is not None:
                    positions = positions[allowed[positions]]
            results.append(self._rank(query, np.unique(positions), lexical, vector, mode, top_k, allowed, routed))
        return results

    def _rank(
        self,
        query: Query,
        positions: np.ndarray,
        lexical: np.ndarray | None,
        vector: np.ndarray | None,
        mode: str,
        top_k: int,
        allowed: np.ndarray | None,
        routed: dict[str, float],
    ) -> list[Hit]:
        """Score the candidate `positions` (sorted) and keep the best `top_k`;
        `allowed`: a mask of the clauses that may be returned (None: all);
        `routed`: the route score of each document the question names."""
        if not len(positions):
            return []
        sample_best = None
        if vector is not None and not self.exhaustive:
            sample_best = self.sentences.sample_best(vector)
        scores = self._raw_scores(positions, lexical, vector, sample_best)
        if mode == "hybrid":
            calibration = Calibration.of(scores) if self.exhaustive else self._calibration(lexical, vector, sample_best)
            eligible = allowed[positions] if allowed is not None else np.ones(len(positions), bool)
            zeros = np.zeros(len(positions), dtype=np.float32)
            weights = self._query_weights(query, lexical)
            base = fuse_scores({**scores, "roles": zeros, "exact": zeros, "figures": zeros, "route": zeros}, weights, calibration)
            # Roster bonuses only within the document the question is about.
            about = self._doc_ids[positions[int(np.argmax(np.where(eligible, base, -np.inf)))]]
            extra = np.setdiff1d(self._roles_by_doc.get(about, positions[:0]), positions)
            if len(extra) and (query.about_responsibility or query.proper_nouns):
                positions = np.union1d(positions, extra)
                scores = self._raw_scores(positions, lexical, vector, sample_best)
            scores["roles"] = self._role_scores(query, positions, about)
            scores["exact"] = self._exact_scores(query, positions)
            scores["figures"] = self._has_figure[positions] if query.asks_quantity else np.zeros(len(positions), np.float32)
            scores["route"] = self._route_scores(positions, routed)
            fused = fuse_scores(scores, weights, calibration)
        else:
            fused = scores[mode].astype(np.float64)
        if allowed is not None:
            fused = np.where(allowed[positions], fused, -np.inf)
        order = [int(i) for i in np.argsort(-fused, kind="stable")[:top_k] if np.isfinite(fused[i])]
        return [
            Hit(self.chunks[positions[i]], {name: float(values[i]) for name, values in scores.items()}, float(fused[i]))
            for i in order
        ]

    def _query_weights(self, query: Query, lexical: np.ndarray) -> dict[str, float]:
        """The fusion weights for this question: BM25 weighs less the less of
        the question its LEXICAL_TRUST_HITS best clauses hold (qa/fusion.py)."""
        tokens = list(dict.fromkeys(query.tokens))
        if not tokens or not len(lexical):
            return self.weights
        best = np.argpartition(-lexical, min(LEXICAL_TRUST_HITS, len(lexical)) - 1)[:LEXICAL_TRUST_HITS]
        held = "".join(self._squeezed[int(position)] for position in best)
        return question_weights(self.weights, missing_share(tokens, held, self.idf, self._unseen_idf))

    def search(self, query: Query, top_k: int | None = None, mode: str = "hybrid") -> list[Hit]:
        return self.search_batch([query], top_k=top_k, mode=mode)[0]
