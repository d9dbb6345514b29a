"""Lexical, dense and hybrid retrieval over a loaded index.

Scoring is pure functions over arrays; `Retriever` only holds the loaded
index and the model. Hybrid retrieval fuses the two rankings by weighted
reciprocal rank, so exact terms, numbers and unit names (BM25) and
paraphrases (embeddings) all reach their clause.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from indexer.build import lexical_text
from indexer.embed import Embedder
from indexer.errors import InvalidArgumentError
from indexer.store import IndexContents
from indexer.tokenize import tokenize_batch

from .query import Query
from .types import Hit

RETRIEVERS = ("hybrid", "lexical", "dense")
RRF_K = 60


def rrf_fuse(rankings: dict[str, np.ndarray], weights: dict[str, float], k: int = RRF_K) -> np.ndarray:
    """Weighted reciprocal-rank fusion. `rankings[name]` holds each chunk's
    1-based rank under that retriever (np.inf when it did not rank it)."""
    total = None
    for name, ranks in rankings.items():
        contribution = weights.get(name, 1.0) / (k + ranks)
        total = contribution if total is None else total + contribution
    return total


def ranks_of(scores: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """1-based rank of each position by descending score; ineligible or
    non-positive scores get rank inf (they were not retrieved)."""
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[order] = np.arange(1, len(scores) + 1)
    ranks[~eligible] = np.inf
    return ranks


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
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.top_k = validate_top_k(top_k)
        self.weights = weights or {"lexical": 1.0, "dense": 1.0, "roles": 1.0}
        self.chunks = index.chunks
        self._vocab = index.lexical.vocab_dict
        self._chunk_tokens = [set(tokens) for tokens in tokenize_batch([lexical_text(c) for c in self.chunks])]
        df = Counter(token for tokens in self._chunk_tokens for token in tokens)
        n = max(len(self.chunks), 1)
        self.idf = {token: math.log(1 + (n - count + 0.5) / (count + 0.5)) for token, count in df.items()}
        self._is_attachment = np.array([c.kind == "attachment" for c in self.chunks], dtype=bool)
        self._doc_ids = np.array([c.doc_id for c in self.chunks], dtype=object)

    # -- individual scorers -------------------------------------------------
    def lexical_scores(self, query: Query) -> np.ndarray:
        tokens = [t for t in query.tokens if t in self._vocab]
        if not tokens or not self.chunks:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self.index.lexical.get_scores(tokens), dtype=np.float32)

    def dense_scores_batch(self, queries: Sequence[Query]) -> np.ndarray:
        """Cosine similarity of every chunk to every query, via FAISS."""
        n = len(self.chunks)
        vectors = self.embedder.embed_batch([q.expanded for q in queries])
        scores = np.zeros((len(queries), n), dtype=np.float32)
        if n == 0:
            return scores
        similarities, ids = self.index.dense.search(vectors, n)
        for row in range(len(queries)):
            scores[row, ids[row]] = similarities[row]
        return scores

    def role_scores(self, query: Query) -> np.ndarray:
        """Attachment chunks that name the role asked about: who leads, whom to
        call. They must reach the top for responsibility questions."""
        scores = np.zeros(len(self.chunks), dtype=np.float32)
        if not query.about_responsibility:
            return scores
        for i, chunk in enumerate(self.chunks):
            if self._is_attachment[i]:
                scores[i] = sum(1.0 for word in query.role_words if word in chunk.text) + 0.1
        return scores

    # -- search ----------------------------------------------------------------
    def search_batch(
        self,
        queries: Sequence[Query],
        top_k: int | None = None,
        mode: str = "hybrid",
        doc_ids: Sequence[str] | None = None,
    ) -> list[list[Hit]]:
        """Top `top_k` hits per query, best first.

        `mode` is one of RETRIEVERS; `doc_ids` restricts the search to those
        documents. Raises InvalidArgumentError for a bad mode or top_k.
        """
        top_k = validate_top_k(self.top_k if top_k is None else top_k)
        if mode not in RETRIEVERS:
            raise InvalidArgumentError(f"未知的检索方式 {mode!r}：可选 {', '.join(RETRIEVERS)}。")
        eligible = np.ones(len(self.chunks), dtype=bool)
        if doc_ids:
            eligible = np.isin(self._doc_ids, list(doc_ids))
        dense_all = self.dense_scores_batch(queries) if mode in ("hybrid", "dense") else None
        results = []
        for row, query in enumerate(queries):
            scores: dict[str, np.ndarray] = {}
            if mode in ("hybrid", "lexical"):
                scores["lexical"] = self.lexical_scores(query)
            if dense_all is not None:
                scores["dense"] = dense_all[row]
            if mode == "hybrid":
                scores["roles"] = self.role_scores(query)
                rankings = {
                    name: ranks_of(values, eligible & (values > 0) if name != "dense" else eligible)
                    for name, values in scores.items()
                }
                fused = rrf_fuse(rankings, self.weights)
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
