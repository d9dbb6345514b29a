"""The index's sentence vectors, grouped by the clause that holds them.

Hybrid retrieval scores a clause by its best-matching sentence as well as by
its whole text. This holds, once per index, where each clause's sentences lie
in `sentence_embeddings` and a fixed sample of clauses over which the spread
of best-sentence similarities is estimated (`qa/fusion.py` calibrates with it).
"""
from __future__ import annotations

import numpy as np

from indexer.store import IndexContents

# Up to this many clauses the best-sentence statistics are computed over all
# of them; above it over a fixed random sample of this size (a 2% error on
# the spread at most, far below what would reorder candidates).
STATS_SAMPLE = 2048


class SentenceVectors:
    """Each clause's sentences as a range of rows, in clause order."""

    def __init__(self, index: IndexContents) -> None:
        self.index = index
        clause_count = len(index.chunks)
        owner = index.sentences[:, 0] if len(index.sentences) else np.zeros(0, dtype=np.int64)
        self.clause_of_row = owner  # the clause position each sentence row belongs to
        self._rows = np.argsort(owner, kind="stable")
        self._bounds = np.searchsorted(owner[self._rows], np.arange(clause_count + 1))
        sample = (
            np.random.default_rng(0).choice(clause_count, STATS_SAMPLE, replace=False)
            if clause_count > STATS_SAMPLE
            else np.arange(clause_count)
        )
        self.stats_sample = np.sort(sample)
        self.sample_is_everything = len(self.stats_sample) == clause_count
        # The sample's sentence vectors in one block: one product per question, no gathering.
        has, offsets, rows = self._ranges(self.stats_sample)
        self._sample_ranges = (has, offsets)
        self._sample_vectors = np.ascontiguousarray(index.sentence_embeddings[rows], dtype=np.float32)

    def stored_vector(self, position: int, start: int) -> np.ndarray | None:
        """The vector of the sentence at `start` of the clause at `position`, or
        None when it holds no such sentence. Read row by row from the mapped
        file: a table of every sentence's vector would touch all of it (0.9 GB
        for the whole law collection)."""
        rows = self._rows[self._bounds[position] : self._bounds[position + 1]]
        match = rows[self.index.sentences[rows, 1] == start]
        return np.asarray(self.index.sentence_embeddings[match[0]], dtype=np.float32) if len(match) else None

    def sample_best(self, vector: np.ndarray) -> np.ndarray:
        """Best-sentence similarity of each clause of the statistics sample."""
        return _best_of(self._sample_vectors @ vector, *self._sample_ranges)

    def best(self, positions: np.ndarray, vector: np.ndarray, sample_best: np.ndarray | None) -> np.ndarray:
        """Similarity of each clause's best-matching sentence; -1 without sentences."""
        if sample_best is not None and self.sample_is_everything:
            return sample_best[positions]
        has, offsets, rows = self._ranges(positions)
        return _best_of(self.index.sentence_embeddings[rows] @ vector, has, offsets)

    def _ranges(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Which clauses have sentences, where each one's run starts, and the
        rows of sentence_embeddings of all their sentences, clause by clause."""
        starts, ends = self._bounds[positions], self._bounds[positions + 1]
        has = ends > starts
        counts, starts = (ends - starts)[has], starts[has]
        offsets = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
        ranks = np.repeat(starts - offsets, counts) + np.arange(counts.sum())
        return has, offsets, self._rows[ranks]


def _best_of(similarities: np.ndarray, has: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Per clause, its best sentence similarity; -1 without sentences."""
    best = np.full(len(has), -1.0, dtype=np.float32)
    if len(similarities):
        best[has] = np.maximum.reduceat(similarities, offsets)
    return best
