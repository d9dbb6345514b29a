"""Learned decisions: whether the retrieved text answers a question, and
which sentences answer it.

Both are logistic models over a handful of features that say something
about any question and any document (retrieval scores and margins,
IDF-weighted coverage of the question's words, words the corpus never uses,
whether the kind of evidence asked for is present), never over the words of
particular questions. They are trained by `policyqa train` (eval/train.py)
from the labelled datasets in eval/data/ and committed as
`qa/data/answer_models.json` with a training report beside it, so anyone can
rebuild them; `policyqa eval` scores each dataset with models trained
without it.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

MODELS_PATH = Path(__file__).parent / "data" / "answer_models.json"

# Question-level features: what the best passages hold of the question.
QUESTION_FEATURES = (
    "top_fused",  # fused retrieval score of the best clause
    "margin",  # its lead over the second
    "top_dense",  # best clause cosine among the top 3
    "top_sentence",  # best sentence cosine among the top 3
    "coverage_best",  # IDF-weighted share of the question's topic words in the best of the top 3 clauses
    "coverage_union",  # … in the top clauses together
    "coverage_sentence",  # … in the best single sentence
    "coverage_wanted",  # … in the best sentence holding the kind of thing asked (an amount, a date…)
    "unseen",  # IDF-weighted share of topic words the corpus never uses
    "unknown_name",  # a firm, person or district the documents never name
    "unknown_place",  # a province or city outside the corpus's jurisdictions
    "period",  # a year after the document's period
    "kind_missing",  # an amount, date, place… asked for and absent from the topical sentences
    "contact_missing",  # a contact asked for and none for the unit named
    "quantity_missing",  # no figure for the year named
    "asks_kind",  # the question asks for a specific kind of evidence
    "english",  # the question is in English (its words are matched through the glossary)
)

# Sentence-level features: how well one candidate sentence answers.
SENTENCE_FEATURES = (
    "dense",  # cosine to the question
    "dense_gap",  # … minus the best candidate's
    "lexical",  # IDF-weighted coverage of the question's words (with the clause's breadcrumb)
    "lexical_gap",
    "rank_prior",  # 1 / (1 + rank of its clause)
    "fused_gap",  # its clause's fused score minus the best clause's
    "holds_wanted",  # +1 holds the kind asked (amount, date, figure…), -1 lacks it, 0 nothing asked
    "bare_heading",  # "(3)突破智能网联。": says which item, not what it says
    "first_in_clause",
    "log_length",
)


@dataclass(frozen=True)
class LinearModel:
    """A standardised logistic model: p = σ(coef · (x − mean) / scale + intercept)."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float  # decision threshold on p, chosen at training time

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, len(self.features))
        z = (rows - np.asarray(self.mean)) / np.asarray(self.scale)
        logits = z @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))


@dataclass(frozen=True)
class AnswerModels:
    """The accept-or-abstain model and the sentence selector."""

    accept: LinearModel
    select: LinearModel
    relative_cutoff: float = 0.5  # keep sentences whose p is at least this share of the best one's
    max_sentences: int = 4  # and at most this many
    trained_on: tuple[str, ...] = ()
    report: dict[str, Any] = field(default_factory=dict)

    def save(self, path: Path = MODELS_PATH) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path = MODELS_PATH) -> "AnswerModels | None":
        """The committed models, or None when there are none (then the checks decide alone)."""
        path = Path(path)
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))

        def model(entry: dict[str, Any]) -> LinearModel:
            return LinearModel(**{k: tuple(v) if isinstance(v, list) else v for k, v in entry.items()})

        return cls(model(data["accept"]), model(data["select"]), data.get("relative_cutoff", 0.5),
                   data.get("max_sentences", 4), tuple(data.get("trained_on", ())), data.get("report", {}))


def fit_linear(rows: np.ndarray, labels: np.ndarray, features: tuple[str, ...], threshold: float = 0.5,
               c: float = 1.0) -> LinearModel:
    """A class-balanced, L2-regularised logistic regression (scikit-learn)."""
    from sklearn.linear_model import LogisticRegression

    rows = np.asarray(rows, dtype=np.float64)
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale == 0] = 1.0
    classifier = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    classifier.fit((rows - mean) / scale, labels)
    return LinearModel(features, tuple(mean.tolist()), tuple(scale.tolist()), tuple(classifier.coef_[0].tolist()),
                       float(classifier.intercept_[0]), threshold)


def log_length(text: str) -> float:
    return math.log(1 + len(text))
