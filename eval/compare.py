"""Compare two evaluation runs item by item, with a paired significance test.

Per-item scores are recomputed from each run's results.jsonl (not read from
metrics.json), so both runs are scored by the current metric code, and items
are paired by (id, retriever).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .metrics import HEADLINE_METRICS, ItemScores, MetricSpec, Record, check_unique, item_scores
from .report import RESULTS_FILE, read_results

ALPHA = 0.05
TEST_RESAMPLES = 10_000
TEST_SEED = 20240601
_BLOCK = 1_000  # resamples per numpy batch, to bound memory on large datasets


@dataclass(frozen=True)
class MetricComparison:
    """One retriever × metric line of a comparison."""

    retriever: str
    metric: str  # MetricSpec.key
    label: str
    label_zh: str
    value_a: float | None
    value_b: float | None
    delta: float | None  # B − A
    p_value: float | None
    significant: bool
    higher_is_better: bool
    unit: str  # "share" or "ms"
    n_pairs: int


@dataclass(frozen=True)
class Comparison:
    """The result of comparing run A with run B."""

    dir_a: str
    dir_b: str
    rows: tuple[MetricComparison, ...]
    n_pairs: int  # (id, retriever) pairs found in both runs
    only_in_a: int
    only_in_b: int
    alpha: float
    n_resamples: int

    def render(self) -> str:
        """The printable bilingual table; same as `render_comparison(self)`."""
        return render_comparison(self)


def paired_randomization_test(
    a: Sequence[float],
    b: Sequence[float],
    statistic: Callable[[np.ndarray, int], np.ndarray] = np.mean,
    n_resamples: int = TEST_RESAMPLES,
    seed: int = TEST_SEED,
) -> float:
    """Two-sided p-value of statistic(B) − statistic(A) under a paired randomization test.

    Under the null hypothesis the two runs are exchangeable for each item, so
    each resample swaps A and B independently per item. Works for means and
    for percentiles alike. p = (1 + #{|resampled| >= |observed|}) / (1 + R).
    """
    first, second = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if first.shape != second.shape or first.size == 0:
        raise ValueError("paired test needs two non-empty score lists of equal length")
    observed = abs(float(statistic(second, axis=-1) - statistic(first, axis=-1)))
    rng = np.random.default_rng(seed)
    extreme = 0
    for start in range(0, n_resamples, _BLOCK):
        swap = rng.random((min(_BLOCK, n_resamples - start), first.size)) < 0.5
        resampled_a = np.where(swap, second, first)
        resampled_b = np.where(swap, first, second)
        differences = np.abs(statistic(resampled_b, axis=1) - statistic(resampled_a, axis=1))
        # The tolerance keeps float noise from making an identical run look extreme-or-not.
        extreme += int(np.sum(differences >= observed - 1e-12))
    return (1 + extreme) / (1 + n_resamples)


def _scores_by_key(records: Sequence[Record]) -> dict[tuple[str, str], ItemScores]:
    check_unique(records)
    return {(record["id"], record["retriever"]): item_scores(record) for record in records}


def _compare_metric(
    retriever: str,
    spec: MetricSpec,
    pairs: Sequence[tuple[ItemScores, ItemScores]],
    alpha: float,
    n_resamples: int,
) -> MetricComparison:
    usable = [
        (a[spec.score], b[spec.score])
        for a, b in pairs
        if a[spec.score] is not None and b[spec.score] is not None
    ]
    values_a = np.asarray([a for a, _ in usable], dtype=float)
    values_b = np.asarray([b for _, b in usable], dtype=float)
    if not usable:
        value_a = value_b = delta = p_value = None
    else:
        value_a = float(spec.statistic(values_a, axis=-1))
        value_b = float(spec.statistic(values_b, axis=-1))
        delta = value_b - value_a
        p_value = paired_randomization_test(values_a, values_b, spec.statistic, n_resamples)
    return MetricComparison(
        retriever=retriever,
        metric=spec.key,
        label=spec.label,
        label_zh=spec.label_zh,
        value_a=value_a,
        value_b=value_b,
        delta=delta,
        p_value=p_value,
        significant=p_value is not None and p_value < alpha,
        higher_is_better=spec.higher_is_better,
        unit=spec.unit,
        n_pairs=len(usable),
    )


def compare_records(
    records_a: Sequence[Record],
    records_b: Sequence[Record],
    *,
    dir_a: str = "A",
    dir_b: str = "B",
    alpha: float = ALPHA,
    n_resamples: int = TEST_RESAMPLES,
) -> Comparison:
    """Compare two lists of records; see `compare_runs`."""
    scores_a, scores_b = _scores_by_key(records_a), _scores_by_key(records_b)
    shared = [key for key in scores_a if key in scores_b]
    retrievers = list(dict.fromkeys(retriever for _, retriever in shared))
    rows = tuple(
        _compare_metric(
            retriever,
            spec,
            [(scores_a[key], scores_b[key]) for key in shared if key[1] == retriever],
            alpha,
            n_resamples,
        )
        for retriever in retrievers
        for spec in HEADLINE_METRICS
    )
    return Comparison(
        dir_a=dir_a,
        dir_b=dir_b,
        rows=rows,
        n_pairs=len(shared),
        only_in_a=len(scores_a) - len(shared),
        only_in_b=len(scores_b) - len(shared),
        alpha=alpha,
        n_resamples=n_resamples,
    )


def compare_runs(
    dir_a: str | Path,
    dir_b: str | Path,
    *,
    alpha: float = ALPHA,
    n_resamples: int = TEST_RESAMPLES,
) -> Comparison:
    """Compare the runs in two output folders (each holding results.jsonl).

    For every retriever present in both runs and every headline metric:
    value in A, value in B, delta B − A over the paired items, and a
    paired randomization test; p < alpha is flagged significant.
    """
    return compare_records(
        read_results(Path(dir_a) / RESULTS_FILE),
        read_results(Path(dir_b) / RESULTS_FILE),
        dir_a=str(dir_a),
        dir_b=str(dir_b),
        alpha=alpha,
        n_resamples=n_resamples,
    )


def _number(value: float | None, unit: str, signed: bool = False) -> str:
    if value is None:
        return "–"
    sign = "+" if signed else ""
    return f"{value:{sign}.0f}" if unit == "ms" else f"{value:{sign}.3f}"


def _verdict(row: MetricComparison) -> str:
    if not row.significant or not row.delta:
        return "否 no"
    improved = (row.delta > 0) == row.higher_is_better
    return "是 yes ↑ 更好 better" if improved else "是 yes ↓ 更差 worse"


def render_comparison(comparison: Comparison) -> str:
    """A printable bilingual Markdown table of a comparison."""
    header = "| 检索器 Retriever | 指标 Metric | A | B | 差值 Δ (B−A) | p | n | 显著 Sig. |"
    lines = [
        f"A: {comparison.dir_a}",
        f"B: {comparison.dir_b}",
        f"配对样本 Paired (id, retriever): {comparison.n_pairs}；仅在 A Only in A: "
        f"{comparison.only_in_a}；仅在 B Only in B: {comparison.only_in_b}",
        f"检验 Test: 配对随机化检验 paired randomization, {comparison.n_resamples} 次, "
        f"p < {comparison.alpha} 为显著 significant",
        "",
        header,
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in comparison.rows:
        p_text = "–" if row.p_value is None else f"{row.p_value:.4f}"
        lines.append(
            f"| {row.retriever} | {row.label_zh} {row.label} | {_number(row.value_a, row.unit)} "
            f"| {_number(row.value_b, row.unit)} | {_number(row.delta, row.unit, signed=True)} "
            f"| {p_text} | {row.n_pairs} | {_verdict(row)} |"
        )
    return "\n".join(lines)
