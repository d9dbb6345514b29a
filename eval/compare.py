"""Compare two evaluation runs item by item, with a paired significance test.

Per-item scores are recomputed from each run's results.jsonl (not read from
metrics.json), so both runs are scored by the current metric code. Items are
paired by question id: per retriever when both runs hold the same retrievers
(before / after a change), across retrievers when each side holds one
(`runs/hybrid` against `runs/dense`, or `runs/dev:hybrid` against
`runs/dev:dense` to pick them out of one run). When nothing pairs, the
comparison says why.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.errors import InvalidArgumentError

from .metrics import HEADLINE_METRICS, ItemScores, MetricSpec, Record, check_unique, item_scores
from .report import RESULTS_FILE, read_results

ALPHA = 0.05
TEST_RESAMPLES = 10_000
TEST_SEED = 20240601
_BLOCK = 1_000  # resamples per numpy batch, to bound memory on large datasets


@dataclass(frozen=True)
class MetricComparison:
    """One retriever × metric line of a comparison."""

    retriever: str  # "hybrid", or "hybrid → dense" when two retrievers are paired
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
    n_pairs: int  # items found in both runs (per retriever pair)
    only_in_a: int
    only_in_b: int
    alpha: float
    n_resamples: int
    pairing: str = ""  # how items were paired, in words
    reason: str = ""  # why nothing paired (empty when something did)

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


def _by_retriever(records: Sequence[Record]) -> dict[str, dict[str, ItemScores]]:
    check_unique(records)
    grouped: dict[str, dict[str, ItemScores]] = {}
    for record in records:
        grouped.setdefault(record["retriever"], {})[record["id"]] = item_scores(record)
    return grouped


def _sample(ids: Sequence[str]) -> str:
    shown = "、".join(list(ids)[:3])
    return shown + ("…" if len(ids) > 3 else "") if ids else "无"


def _why_unpaired(a: dict[str, dict[str, ItemScores]], b: dict[str, dict[str, ItemScores]]) -> str:
    """One line saying why no item of A pairs with one of B, and what to do."""
    if not a or not b:
        return f"{'A' if not a else 'B'} 中没有可比较的记录（检索器选错了？）"
    ids_a = list(dict.fromkeys(i for scores in a.values() for i in scores))
    ids_b = list(dict.fromkeys(i for scores in b.values() for i in scores))
    if not set(ids_a) & set(ids_b):
        return (
            f"两次运行没有相同的题目 id（A：{_sample(ids_a)}；B：{_sample(ids_b)}），评测的是不同的数据集，无法配对"
        )
    return (
        f"两次运行的检索器不同（A：{', '.join(a)}；B：{', '.join(b)}），不知道该拿哪两个配对；"
        f"请在文件夹后写明，例如 --compare runs/a:{next(iter(a))} runs/b:{next(iter(b))}"
    )


def _pair(
    a: dict[str, dict[str, ItemScores]], b: dict[str, dict[str, ItemScores]]
) -> tuple[list[tuple[str, dict[str, ItemScores], dict[str, ItemScores]]], str]:
    """(label, scores of A, scores of B) per compared retriever, and how they were paired."""
    shared = [retriever for retriever in a if retriever in b]
    if shared:
        return [(r, a[r], b[r]) for r in shared], "按题目 id 与检索器配对 paired by (id, retriever)"
    if len(a) == 1 and len(b) == 1:
        (name_a, scores_a), (name_b, scores_b) = next(iter(a.items())), next(iter(b.items()))
        return [(f"{name_a} → {name_b}", scores_a, scores_b)], (
            f"按题目 id 配对，比较检索器 A={name_a} 与 B={name_b} paired by id across retrievers"
        )
    return [], ""


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
    retriever_a: str | None = None,
    retriever_b: str | None = None,
) -> Comparison:
    """Compare two lists of records; see `compare_runs`. `retriever_a` /
    `retriever_b` keep only that retriever's records of each side."""
    a, b = _by_retriever(records_a), _by_retriever(records_b)
    if retriever_a is not None:
        a = {r: s for r, s in a.items() if r == retriever_a}
    if retriever_b is not None:
        b = {r: s for r, s in b.items() if r == retriever_b}
    groups, pairing = _pair(a, b)
    rows, paired = [], 0
    for label, scores_a, scores_b in groups:
        shared = [item for item in scores_a if item in scores_b]
        paired += len(shared)
        pairs = [(scores_a[item], scores_b[item]) for item in shared]
        if pairs:
            rows += [_compare_metric(label, spec, pairs, alpha, n_resamples) for spec in HEADLINE_METRICS]
    total_a = sum(len(scores) for _, scores, _ in groups) if groups else sum(map(len, a.values()))
    total_b = sum(len(scores) for _, _, scores in groups) if groups else sum(map(len, b.values()))
    return Comparison(
        dir_a=dir_a,
        dir_b=dir_b,
        rows=tuple(rows),
        n_pairs=paired,
        only_in_a=total_a - paired,
        only_in_b=total_b - paired,
        alpha=alpha,
        n_resamples=n_resamples,
        pairing=pairing if paired else "",
        reason="" if paired else _why_unpaired(a, b),
    )


def split_run(argument: str | Path) -> tuple[Path, str | None]:
    """"runs/dev:dense" → (runs/dev, "dense"); a folder alone → (folder, None).
    Raises InvalidArgumentError when the folder holds no results.jsonl."""
    text = str(argument)
    folder, retriever = Path(text), None
    if not (folder / RESULTS_FILE).is_file() and ":" in text:
        head, _, tail = text.rpartition(":")
        folder, retriever = Path(head), tail.strip() or None
    if not (folder / RESULTS_FILE).is_file():
        raise InvalidArgumentError(f"{folder} 中没有 {RESULTS_FILE}：请给出 policyqa eval --out 写出的文件夹")
    return folder, retriever


def compare_runs(
    dir_a: str | Path,
    dir_b: str | Path,
    *,
    alpha: float = ALPHA,
    n_resamples: int = TEST_RESAMPLES,
) -> Comparison:
    """Compare the runs in two output folders (each holding results.jsonl);
    "folder:retriever" picks one retriever of a run.

    For every retriever present in both runs (or the one retriever of each
    side) and every headline metric: value in A, value in B, delta B − A over
    the paired items, and a paired randomization test; p < alpha is flagged
    significant. Raises InvalidArgumentError for a folder without results.
    """
    (folder_a, retriever_a), (folder_b, retriever_b) = split_run(dir_a), split_run(dir_b)
    return compare_records(
        read_results(folder_a / RESULTS_FILE),
        read_results(folder_b / RESULTS_FILE),
        dir_a=str(dir_a),
        dir_b=str(dir_b),
        alpha=alpha,
        n_resamples=n_resamples,
        retriever_a=retriever_a,
        retriever_b=retriever_b,
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
        f"配对样本 Paired: {comparison.n_pairs}；仅在 A Only in A: "
        f"{comparison.only_in_a}；仅在 B Only in B: {comparison.only_in_b}",
    ]
    if comparison.reason:
        return "\n".join(lines + [f"无法比较：{comparison.reason}。"])
    lines += [
        f"配对方式 Pairing: {comparison.pairing}",
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
