"""Lexical, dense and hybrid retrieval over a loaded index.

Scoring is pure functions over arrays; `Retriever` only holds the loaded
index and the model. Hybrid retrieval fuses calibrated scores of BM25 and
of the embeddings (whole clause and best sentence), so exact terms, numbers
and unit names and paraphrases all reach their clause.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from indexer.embed import Embedder
from indexer.errors import InvalidArgumentError
from indexer.store import IndexContents

from .query import Query
from .route import DocumentRouter
from .types import Hit

RETRIEVERS = ("hybrid", "lexical", "dense")
# "route": the clauses of a document the question names by title (1) or by its jurisdiction (0.5);
# set a priori at half the best lexical score, not tuned (the dev sets over the plan name no documents).
DEFAULT_WEIGHTS = {"lexical": 1.0, "dense": 0.1, "sentence": 0.1, "roles": 1.0, "exact": 1.0, "figures": 0.15, "route": 0.5}
_FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(?:%|万|亿|个|家|辆|条|元)")


def zscore(scores: np.ndarray) -> np.ndarray:
    """Scores on a common scale: cosine similarities from m3e-small all sit
    around 0.7-0.8, so their spread, not their level, is what carries meaning."""
    spread = scores.std()
    return (scores - scores.mean()) / spread if spread > 0 else np.zeros_like(scores)


def fuse_scores(scores: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """Calibrated score fusion: BM25 scaled to its best hit, plus z-scored
    clause and best-sentence similarities, plus bonuses for roster entries
    naming the role or person asked about, for exact quoted phrases and
    numbers, and for stated figures when a figure is asked. Weights were
    tuned on the dev set only."""
    lexical = scores["lexical"]
    top = lexical.max()
    fused = weights["lexical"] * (lexical / top if top > 0 else lexical)
    fused = fused + weights["dense"] * zscore(scores["dense"]) + weights["sentence"] * zscore(scores["sentence"])
    roles = scores["roles"]
    fused = fused + weights["roles"] * ((roles > 0) + 0.1 * roles)
    fused = fused + weights["route"] * scores["route"]
    return fused + weights["exact"] * scores["exact"] + weights["figures"] * scores["figures"]


def document_frequencies(lexical) -> dict[str, int]:
    """How many clauses hold each token, read from the BM25 index (its score
    matrix has one column per token) rather than re-tokenizing the corpus."""
    counts = np.diff(lexical.scores["indptr"])
    return {token: int(counts[i]) for token, i in lexical.vocab_dict.items() if i < len(counts) and counts[i] > 0}


def validate_top_k(top_k: int) -> int:
    if not isinstance(top_k, int) or isinstance(top_k, bool) or top_k <= 0:
        raise InvalidArgumentError(f"top_k 必须是正整数，收到的是 {top_k!r}。")
    return top_k


class Retriever:
    """Searches one loaded index. `search_batch` is the core; `search` wraps it."""

    def __init__(
        self,
        index: IndexContents,
        embedder: Embedder,
        top_k: int = 5,
        weights: dict[str, float] | None = None,
        router: DocumentRouter | None = None,
    ) -> None:
        self.index = index
        self.router = router or DocumentRouter(index.documents)
        self.embedder = embedder
        self.top_k = validate_top_k(top_k)
        self.weights = weights or dict(DEFAULT_WEIGHTS)
        self.chunks = index.chunks
        self._vocab = index.lexical.vocab_dict
        df = document_frequencies(index.lexical)
        n = max(len(self.chunks), 1)
        self.idf = {token: math.log(1 + (n - count + 0.5) / (count + 0.5)) for token, count in df.items()}
        self._is_attachment = np.array([c.kind == "attachment" for c in self.chunks], dtype=bool)
        self._doc_ids = np.array([c.doc_id for c in self.chunks], dtype=object)
        self._squeezed = [re.sub(r"\s+", "", c.text) for c in self.chunks]
        self._has_figure = np.array([bool(_FIGURE.search(c.text)) for c in self.chunks], dtype=np.float32)
        zeros = np.zeros(len(self.chunks), dtype=np.float32)
        self._no_bonus = {"roles": zeros, "exact": zeros, "figures": zeros, "route": zeros}
        self._sentence_chunk = index.sentences[:, 0] if len(index.sentences) else np.zeros(0, dtype=np.int64)

    # -- individual scorers -------------------------------------------------
    def lexical_scores(self, query: Query) -> np.ndarray:
        tokens = [t for t in query.tokens if t in self._vocab]
        if not tokens or not self.chunks:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self.index.lexical.get_scores(tokens), dtype=np.float32)

    def dense_scores_batch(self, query_vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cosine similarity of every chunk to every query (via FAISS), and of
        each chunk's best-matching sentence."""
        n = len(self.chunks)
        clause_scores = np.zeros((len(query_vectors), n), dtype=np.float32)
        sentence_scores = np.full((len(query_vectors), n), -1.0, dtype=np.float32)
        if n == 0 or len(query_vectors) == 0:
            return clause_scores, sentence_scores
        similarities, ids = self.index.dense.search(query_vectors, n)
        for row in range(len(query_vectors)):
            clause_scores[row, ids[row]] = similarities[row]
        if len(self._sentence_chunk):
            per_sentence = query_vectors @ self.index.sentence_embeddings.T
            for row in range(len(query_vectors)):
                np.maximum.at(sentence_scores[row], self._sentence_chunk, per_sentence[row])
        return clause_scores, sentence_scores

    def role_scores(self, query: Query) -> np.ndarray:
        """Clauses naming the role or person asked about (who leads, whom to
        call): rosters first. They must reach the top for such questions."""
        scores = np.zeros(len(self.chunks), dtype=np.float32)
        names = list(query.proper_nouns)
        if not query.about_responsibility and not names:
            return scores
        for i, chunk in enumerate(self.chunks):
            roles = sum(1.0 for word in query.role_words if word in chunk.text)
            named = sum(1.0 for name in names if name in self._squeezed[i])
            if self._is_attachment[i] and (query.about_responsibility or named):
                scores[i] = roles + named + 0.1
            elif roles and ("联系人" in chunk.text or "电话" in chunk.text):  # a contact inside a clause
                scores[i] = roles
        return scores

    def exact_scores(self, query: Query) -> np.ndarray:
        """Share of the question's quoted phrases and numbers found verbatim."""
        scores = np.zeros(len(self.chunks), dtype=np.float32)
        if query.phrases:
            for i, text in enumerate(self._squeezed):
                scores[i] = sum(1.0 for phrase in query.phrases if phrase in text) / len(query.phrases)
        return scores

    def figure_scores(self, query: Query) -> np.ndarray:
        return self._has_figure if query.asks_quantity else np.zeros(len(self.chunks), dtype=np.float32)

    def route_scores(self, query: Query) -> np.ndarray:
        """The clauses of the documents the question names, by title or jurisdiction."""
        by_document = self.router.doc_scores(self.router.route(query.text))
        if not by_document:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.array([by_document.get(doc_id, 0.0) for doc_id in self._doc_ids], dtype=np.float32)

    # -- search ----------------------------------------------------------------
    def embed_queries(self, queries: Sequence[Query]) -> np.ndarray:
        return self.embedder.embed_batch([q.expanded for q in queries])

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
        documents; `query_vectors` saves embedding the queries again. Raises
        InvalidArgumentError for a bad mode or top_k.
        """
        top_k = validate_top_k(self.top_k if top_k is None else top_k)
        if mode not in RETRIEVERS:
            raise InvalidArgumentError(f"未知的检索方式 {mode!r}：可选 {', '.join(RETRIEVERS)}。")
        eligible = np.ones(len(self.chunks), dtype=bool)
        if doc_ids:
            eligible = np.isin(self._doc_ids, list(doc_ids))
        if mode != "lexical":
            vectors = self.embed_queries(queries) if query_vectors is None else query_vectors
            clause_all, sentence_all = self.dense_scores_batch(vectors)
        results = []
        for row, query in enumerate(queries):
            scores: dict[str, np.ndarray] = {}
            if mode != "dense":
                scores["lexical"] = self.lexical_scores(query)
            if mode != "lexical":
                scores["dense"] = clause_all[row]
                scores["sentence"] = sentence_all[row]
            if mode == "hybrid":
                # Roster bonuses only within the documents the question is about.
                base = fuse_scores({**scores, **self._no_bonus}, self.weights)
                about = {self._doc_ids[int(np.argmax(np.where(eligible, base, -np.inf)))]}
                scores["roles"] = self.role_scores(query) * np.isin(self._doc_ids, list(about))
                scores["exact"] = self.exact_scores(query)
                scores["figures"] = self.figure_scores(query)
                scores["route"] = self.route_scores(query)
                fused = fuse_scores(scores, self.weights)
            else:
                fused = scores[mode].astype(np.float64)
            fused = np.where(eligible, fused, -np.inf)
            order = [int(i) for i in np.argsort(-fused, kind="stable")[:top_k] if np.isfinite(fused[i])]
            results.append(
                [
                    Hit(self.chunks[i], {name: float(values[i]) for name, values in scores.items()}, float(fused[i]))
                    for i in order
                ]
            )
        return results

    def search(self, query: Query, top_k: int | None = None, mode: str = "hybrid") -> list[Hit]:
        return self.search_batch([query], top_k=top_k, mode=mode)[0]
