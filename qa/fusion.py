"""How one clause's scores from BM25 and the embeddings become one, and the
weights they take for a question.

BM25 is scaled to its best hit and the similarities are z-scored on index-wide
statistics (`Calibration`), then summed with their weights. BM25's weight is
lowered for a question whose words its best clauses do not hold
(`question_weights`): scaled to its best hit, BM25 gives as much to a clause
sharing two incidental words with a question in everyday words as to one
holding all of a question in the statute's words.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# "route": the clauses of a document the question names by title (1) or by its jurisdiction (0.5);
# set a priori at half the best lexical score, not tuned (the dev sets over the plan name no documents).
DEFAULT_WEIGHTS = {"lexical": 1.0, "dense": 0.1, "sentence": 0.1, "roles": 1.0, "exact": 1.0, "figures": 0.15, "route": 0.5}
# The mined thesaurus's terms (qa/thesaurus.py): BM25 of their tokens, at this
# share of the question's own; "thesaurus_dense" 1 also appends them to the embedded text.
THESAURUS_WEIGHTS = {"thesaurus": 0.3, "thesaurus_dense": 0.0}
# BM25's weight falls by up to LEXICAL_DISTRUST, in proportion to the share of
# the question's word weight missing from its LEXICAL_TRUST_HITS best BM25
# clauses (qa/retrieve.py, Retriever._query_weights). Chosen on the colloquial set's odd ids and
# the dev sets (0.5-1.0; 1, 3, 5 hits); the even ids were left out of the choice.
LEXICAL_DISTRUST = 0.7
LEXICAL_TRUST_HITS = 3


def standardise(scores: np.ndarray, mean_std: tuple[float, float]) -> np.ndarray:
    mean, spread = mean_std
    return (scores - mean) / spread if spread > 0 else np.zeros_like(scores)


@dataclass(frozen=True)
class Calibration:
    """Index-wide statistics of one question's scores: BM25's best score and
    the mean and spread of the clause and best-sentence similarities."""

    lexical_top: float
    dense: tuple[float, float]
    sentence: tuple[float, float]

    @classmethod
    def of(cls, scores: dict[str, np.ndarray]) -> "Calibration":
        """The statistics of `scores` themselves (when they cover every clause)."""
        lexical, dense, sentence = scores["lexical"], scores["dense"], scores["sentence"]
        return cls(
            float(lexical.max()) if len(lexical) else 0.0,
            (float(dense.mean()), float(dense.std())) if len(dense) else (0.0, 0.0),
            (float(sentence.mean()), float(sentence.std())) if len(sentence) else (0.0, 0.0),
        )


def fuse_scores(scores: dict[str, np.ndarray], weights: dict[str, float], calibration: Calibration | None = None) -> np.ndarray:
    """Calibrated score fusion: BM25 scaled to its best hit, plus z-scored
    clause and best-sentence similarities, plus bonuses for roster entries
    naming the role or person asked about, for exact quoted phrases and
    numbers, and for stated figures when a figure is asked. Weights were
    tuned on the dev set only. `calibration` gives the index-wide statistics
    when `scores` cover only some clauses; by default the arrays' own."""
    calibration = calibration or Calibration.of(scores)
    lexical, top = scores["lexical"], calibration.lexical_top
    fused = weights["lexical"] * (lexical / top if top > 0 else lexical)
    fused = fused + weights["dense"] * standardise(scores["dense"], calibration.dense)
    fused = fused + weights["sentence"] * standardise(scores["sentence"], calibration.sentence)
    roles = scores["roles"]
    fused = fused + weights["roles"] * ((roles > 0) + 0.1 * roles)
    fused = fused + weights["route"] * scores["route"]
    return fused + weights["exact"] * scores["exact"] + weights["figures"] * scores["figures"]


def missing_share(tokens: Sequence[str], held: str, idf: dict[str, float], unseen_idf: float) -> float:
    """The share of the question's word weight that `held` lacks: each token
    weighs its IDF, a token no clause holds `unseen_idf` (the highest)."""
    weights = [idf.get(token, unseen_idf) for token in tokens]
    total = sum(weights)
    if total <= 0:
        return 0.0
    return 1.0 - sum(weight for token, weight in zip(tokens, weights) if token in held) / total


def question_weights(weights: dict[str, float], missing: float) -> dict[str, float]:
    """`weights` with BM25's lowered by up to LEXICAL_DISTRUST, in proportion to `missing`."""
    return {**weights, "lexical": weights["lexical"] * (1.0 - LEXICAL_DISTRUST * missing)}
