"""Metrics for PolicyQA evaluation runs.

Everything here is a pure function of *records*, the dicts the runner writes
to results.jsonl, one per (question, retriever). The answer text scores are
in eval/answer_text.py, the TREC export of the rankings in eval/trec.py.

Relevance rule (used for passages, evidence recall and citation recall alike,
always through `matches_evidence`): after removing all whitespace from both
texts, a text matches an evidence string when it contains it, or when the two
share a contiguous common substring of at least 20 characters; an evidence
string shorter than 20 characters must be contained whole.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .answer_text import char_f1, exact_match, strip_citation_markers
from .lawbench import rouge_l

Record = Mapping[str, Any]
ItemScores = dict[str, float | None]

MIN_OVERLAP = 20
RANKING_K = 10
EVIDENCE_K = 5
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20240601
CI_LEVEL = 0.95
UNLABELLED = "未标注"


# ---------------------------------------------------------------- relevance


def squeeze(text: str) -> str:
    # str.split() with no argument splits on every Unicode space, including
    # the ideographic space U+3000 common in government documents.
    return "".join(text.split())


def matches_evidence(text: str, evidence: str) -> bool:
    """Whether `text` matches one evidence string under the relevance rule.

    This is the single implementation of the rule; every metric that asks
    "does this text hold that evidence?" goes through it.
    """
    needle = squeeze(evidence)
    if not needle:
        return False
    haystack = squeeze(text)
    if needle in haystack:
        return True
    if len(needle) <= MIN_OVERLAP:
        # Short evidence has to appear whole, which the test above settled.
        return False
    # A common substring of length >= n exists iff some n-window of the
    # evidence occurs in the text; `in` runs in C, a DP table would not.
    return any(
        needle[i : i + MIN_OVERLAP] in haystack for i in range(len(needle) - MIN_OVERLAP + 1)
    )


def is_relevant(passage_text: str, evidence: Sequence[str]) -> bool:
    """Whether a passage is relevant to an item: it matches any of its evidence strings."""
    return any(matches_evidence(passage_text, item) for item in evidence)


def gold_evidence(record: Record) -> list[str]:
    """The item's non-blank gold evidence strings."""
    return [item for item in record["gold"].get("evidence", []) if item.strip()]


def is_answerable(record: Record) -> bool:
    """An item is answerable when it has at least one gold evidence string."""
    return bool(gold_evidence(record))


def ranked_passages(record: Record) -> list[Mapping[str, Any]]:
    """The record's passages in rank order, keeping the first copy of a repeated chunk.

    Ranks used by every metric are positions in this list (1-based), which is
    also what a TREC tool sees after it drops duplicate document ids.
    """
    seen: set[str] = set()
    unique = []
    for passage in sorted(record.get("passages", []), key=lambda p: p["rank"]):
        if passage["chunk_id"] not in seen:
            seen.add(passage["chunk_id"])
            unique.append(passage)
    return unique


def relevant_ranks(record: Record) -> list[int]:
    """1-based ranks of the record's passages that are relevant to its gold evidence."""
    evidence = gold_evidence(record)
    return [
        position
        for position, passage in enumerate(ranked_passages(record), start=1)
        if is_relevant(passage["text"], evidence)
    ]


# ---------------------------------------------------------------- ranking


def hit_at_k(ranks: Sequence[int], k: int) -> float:
    """1.0 when a relevant passage is ranked within the top k, else 0.0."""
    return float(any(rank <= k for rank in ranks))


def mrr_at_k(ranks: Sequence[int], k: int = RANKING_K) -> float:
    """Reciprocal rank of the first relevant passage within the top k (0.0 if none)."""
    within = [rank for rank in ranks if rank <= k]
    return 1.0 / min(within) if within else 0.0


def _discount(rank: int) -> float:
    return 1.0 / math.log2(rank + 1)


def ndcg_at_k(ranks: Sequence[int], k: int = RANKING_K) -> float:
    """Binary-gain nDCG@k.

    `ranks` are the ranks of *all* relevant retrieved passages (not only
    those within k). The ideal ranking puts every relevant retrieved passage
    first, capped at k. We only judge what was retrieved, so a relevant chunk
    the retriever missed cannot enter the ideal; this is exactly what ranx
    computes from the per-retriever qrels written by `write_trec`.
    """
    dcg = sum(_discount(rank) for rank in ranks if rank <= k)
    ideal = sum(_discount(rank) for rank in range(1, min(len(ranks), k) + 1))
    return dcg / ideal if ideal else 0.0


def _evidence_share(evidence: Sequence[str], texts: Sequence[str]) -> float:
    found = sum(any(matches_evidence(text, item) for text in texts) for item in evidence)
    return found / len(evidence)


def evidence_recall_at_k(record: Record, k: int = EVIDENCE_K) -> float | None:
    """Share of the gold evidence strings matched by one of the top-k passages.

    None for unanswerable items, where the metric is undefined.
    """
    evidence = gold_evidence(record)
    if not evidence:
        return None
    return _evidence_share(evidence, [p["text"] for p in ranked_passages(record)[:k]])


def citation_evidence_recall(record: Record) -> float | None:
    """Share of the gold evidence strings matched by one of the answer's cited quotes.

    Each quote is matched on its own (not concatenated), so a match never
    straddles two citations. None for unanswerable items.
    """
    evidence = gold_evidence(record)
    if not evidence:
        return None
    # Clauses cited as related to what was asked ("文件提到了X，但没有规定Y") are not answers.
    quotes = [c.get("quote", "") for c in record.get("citations", []) if c.get("role", "answer") == "answer"]
    return _evidence_share(evidence, [q for q in quotes if q.strip()])


def _answered_precision(record: Record) -> float | None:
    """For an answered question: 1 when its cited quotes hold some gold
    evidence, 0 when they hold none or the question had no answer to give;
    None when the system abstained (answered-precision: the share of answers
    that answer)."""
    if record["abstained"]:
        return None
    share = citation_evidence_recall(record)
    return float(bool(share)) if share is not None else 0.0


# ---------------------------------------------------------------- answers


def answer_scores(record: Record) -> tuple[float, float]:
    """(F1, EM) of the record's answer against the gold answer.

    Unanswerable items score (1, 1) when the system abstained and (0, 0)
    otherwise: the right behaviour is to abstain, whatever the wording.
    Answerable items score (0, 0) when the system abstained, because the
    abstention text ("文件未提及…") would otherwise earn chance overlap.
    """
    if not is_answerable(record):
        correct = float(bool(record["abstained"]))
        return correct, correct
    if record["abstained"]:
        return 0.0, 0.0
    prediction = strip_citation_markers(record.get("answer", ""))
    reference = record["gold"]["answer"]
    return char_f1(prediction, reference), exact_match(prediction, reference)


def latency_ms(record: Record) -> float:
    """End-to-end time of the record: retrieval plus answering, in milliseconds."""
    timings = record.get("timings_ms", {})
    return float(timings.get("retrieve", 0.0)) + float(timings.get("answer", 0.0))


# ---------------------------------------------------------------- per item


def item_scores(record: Record) -> ItemScores:
    """Every per-item score of one record; None where a score does not apply.

    Ranking and evidence scores apply to answerable items only; the
    abstention rate to unanswerable items; the false-abstention rate to
    answerable ones; F1, EM and latency to all.
    """
    answerable = is_answerable(record)
    ranks = relevant_ranks(record) if answerable else []

    def when_answerable(value: float) -> float | None:
        return value if answerable else None

    f1, em = answer_scores(record)
    abstained = float(bool(record["abstained"]))
    reference = record["gold"].get("answer", "")
    return {
        "hit@1": when_answerable(hit_at_k(ranks, 1)),
        "hit@3": when_answerable(hit_at_k(ranks, 3)),
        "hit@5": when_answerable(hit_at_k(ranks, 5)),
        "hit@10": when_answerable(hit_at_k(ranks, 10)),
        "mrr@10": when_answerable(mrr_at_k(ranks, RANKING_K)),
        "ndcg@10": when_answerable(ndcg_at_k(ranks, RANKING_K)),
        "evr@5": evidence_recall_at_k(record, EVIDENCE_K),
        "cit_evr": citation_evidence_recall(record),
        "abstention": None if answerable else abstained,
        "false_abstention": when_answerable(abstained),
        "answered_precision": _answered_precision(record),
        "partial": float(record.get("outcome") == "partial") if record["abstained"] else None,
        "f1": f1,
        "em": em,
        # LawBench's score: the answer as shown, abstention text and all.
        "rouge_l": rouge_l(strip_citation_markers(record.get("answer", "")), reference) if answerable and reference else None,
        "latency_ms": latency_ms(record),
    }


# ---------------------------------------------------------------- aggregation


@dataclass(frozen=True)
class MetricSpec:
    """A headline metric: which per-item score it summarises, and how."""

    key: str  # key in metrics.json
    label: str  # English column header
    label_zh: str
    score: str  # key in item_scores()
    percentile: float | None = None  # None: the mean over items
    higher_is_better: bool = True
    unit: str = "share"  # "share" in [0, 1], or "ms"

    def statistic(self, values: np.ndarray, axis: int = -1) -> np.ndarray:
        """The metric's summary of per-item values along `axis`."""
        if self.percentile is None:
            return np.mean(values, axis=axis)
        return np.percentile(values, self.percentile, axis=axis)


HEADLINE_METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("hit@1", "Hit@1", "命中率@1", "hit@1"),
    MetricSpec("hit@3", "Hit@3", "命中率@3", "hit@3"),
    MetricSpec("hit@5", "Hit@5", "命中率@5", "hit@5"),
    MetricSpec("hit@10", "Hit@10", "命中率@10", "hit@10"),
    MetricSpec("mrr@10", "MRR@10", "平均倒数排名@10", "mrr@10"),
    MetricSpec("ndcg@10", "nDCG@10", "归一化折损累计增益@10", "ndcg@10"),
    MetricSpec("evr@5", "EvR@5", "证据召回@5", "evr@5"),
    MetricSpec("cit_evr", "CitEvR", "引用证据召回", "cit_evr"),
    MetricSpec("abstention", "Abst(unans)", "拒答率(无答案题)", "abstention"),
    MetricSpec(
        "false_abstention", "FalseAbst(ans)", "误拒率(有答案题)", "false_abstention",
        higher_is_better=False,
    ),
    MetricSpec("answered_precision", "AnsPrec", "作答精确率", "answered_precision"),
    MetricSpec("partial", "Partial(abst)", "拒答中“提到但未规定”占比", "partial"),
    MetricSpec("f1", "F1", "字符F1", "f1"),
    MetricSpec("em", "EM", "精确匹配", "em"),
    MetricSpec("rouge_l", "ROUGE-L", "ROUGE-L(LawBench)", "rouge_l"),
    MetricSpec("latency_p50_ms", "p50 ms", "延迟p50(毫秒)", "latency_ms", 50.0, False, "ms"),
    MetricSpec("latency_p95_ms", "p95 ms", "延迟p95(毫秒)", "latency_ms", 95.0, False, "ms"),
)


def bootstrap_ci(
    values: Sequence[float],
    statistic: Callable[[np.ndarray, int], np.ndarray] = np.mean,
    n_resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = CI_LEVEL,
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of `statistic` over items.

    A fresh generator per call keeps each interval independent of the order
    in which metrics are computed, so reruns give identical numbers.
    """
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        raise ValueError("bootstrap_ci needs at least one value")
    rng = np.random.default_rng(seed)
    samples = data[rng.integers(0, data.size, size=(n_resamples, data.size))]
    estimates = statistic(samples, axis=1)
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(estimates, [tail, 100 - tail])
    return float(low), float(high)


def summarize_metric(values: Sequence[float], spec: MetricSpec) -> dict[str, Any]:
    """{"value", "ci": [low, high], "n"} for one metric; value and ci are None when n == 0."""
    if not values:
        return {"value": None, "ci": None, "n": 0}
    low, high = bootstrap_ci(values, spec.statistic)
    value = float(spec.statistic(np.asarray(values, dtype=float), axis=-1))
    return {"value": value, "ci": [low, high], "n": len(values)}


Scored = Sequence[tuple[Record, ItemScores]]


def _summarize(scored: Scored) -> dict[str, Any]:
    answerable = sum(is_answerable(record) for record, _ in scored)
    summary: dict[str, Any] = {
        "n_items": len(scored),
        "n_answerable": answerable,
        "n_unanswerable": len(scored) - answerable,
    }
    for spec in HEADLINE_METRICS:
        values = [scores[spec.score] for _, scores in scored if scores[spec.score] is not None]
        summary[spec.key] = summarize_metric(values, spec)
    return summary


def group_by(items: Iterable[Any], key: Callable[[Any], str]) -> dict[str, list[Any]]:
    # dicts keep insertion order, so groups come out in order of first appearance.
    groups: dict[str, list[Any]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


def _gold_label(field: str) -> Callable[[tuple[Record, ItemScores]], str]:
    return lambda pair: str(pair[0]["gold"].get(field) or UNLABELLED)


def check_unique(records: Iterable[Record]) -> None:
    """Raise ValueError when two records share an (id, retriever) pair."""
    seen: set[tuple[str, str]] = set()
    for record in records:
        key = (record["id"], record["retriever"])
        if key in seen:
            raise ValueError(f"duplicate record for item {key[0]!r} and retriever {key[1]!r}")
        seen.add(key)


def aggregate(records: Sequence[Record]) -> dict[str, Any]:
    """Metrics keyed by retriever, then metric key (see HEADLINE_METRICS).

    Each retriever maps to {"n_items", "n_answerable", "n_unanswerable",
    <metric key>: {"value", "ci", "n"}, ..., "by_type": {type: {same
    shape}}, "by_persona": {persona: {same shape}}}. CIs are 95% percentile
    bootstrap intervals over items (1000 resamples, fixed seed).
    """
    check_unique(records)
    scored = [(record, item_scores(record)) for record in records]
    result: dict[str, Any] = {}
    for retriever, pairs in group_by(scored, lambda pair: pair[0]["retriever"]).items():
        summary = _summarize(pairs)
        summary["by_type"] = {
            label: _summarize(group) for label, group in group_by(pairs, _gold_label("type")).items()
        }
        summary["by_persona"] = {
            label: _summarize(group)
            for label, group in group_by(pairs, _gold_label("persona")).items()
        }
        result[retriever] = summary
    return result
