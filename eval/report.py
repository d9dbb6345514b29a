"""Render evaluation metrics as Markdown and PNG, and write a run's output folder."""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .metrics import HEADLINE_METRICS, MetricSpec, Record, aggregate
from .trec import write_trec
from .summary import summary_md

RESULTS_FILE = "results.jsonl"
METRICS_FILE = "metrics.json"
REPORT_MD_FILE = "report.md"
REPORT_PNG_FILE = "report.png"

# Latency is shown as one "p50/p95 ms" column and on its own chart axis;
# everything else is a share in [0, 1].
_LATENCY = tuple(spec for spec in HEADLINE_METRICS if spec.unit == "ms")
_SHARES = tuple(spec for spec in HEADLINE_METRICS if spec.unit != "ms")
_MISSING = "–"


# ---------------------------------------------------------------- results.jsonl


def write_results(records: Iterable[Record], path: str | Path) -> Path:
    """Write records as JSON Lines (UTF-8, Chinese kept readable)."""
    target = Path(path)
    with target.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return target


def read_results(path: str | Path) -> list[dict[str, Any]]:
    """Read a results.jsonl file back into records, skipping blank lines."""
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# ---------------------------------------------------------------- Markdown


def format_estimate(entry: Mapping[str, Any] | None, digits: int = 2) -> str:
    """A metric entry as "0.93 [0.88,0.97]", or "–" when it has no value."""
    if not entry or entry.get("value") is None:
        return _MISSING
    low, high = entry["ci"]
    return f"{entry['value']:.{digits}f} [{low:.{digits}f},{high:.{digits}f}]"


def _format_latency(summary: Mapping[str, Any]) -> str:
    values = [summary.get(spec.key, {}).get("value") for spec in _LATENCY]
    if any(value is None for value in values):
        return _MISSING
    return "/".join(f"{value:.0f}" for value in values)


def _cell(text: str) -> str:
    # A "|" inside a label would split the Markdown cell.
    return text.replace("|", "\\|")


def _markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(map(_cell, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(_cell, row)) + " |" for row in rows]
    return "\n".join(lines)


_METRIC_HEADER = ["n"] + [spec.label for spec in _SHARES] + ["p50/p95 ms"]


def _metric_cells(summary: Mapping[str, Any]) -> list[str]:
    return (
        [str(summary["n_items"])]
        + [format_estimate(summary.get(spec.key)) for spec in _SHARES]
        + [_format_latency(summary)]
    )


def _breakdown_table(metrics: Mapping[str, Any], field: str, heading: str) -> str:
    rows = [
        [label, retriever, *_metric_cells(summary)]
        for retriever, by_retriever in metrics.items()
        for label, summary in by_retriever[field].items()
    ]
    # Group rows by label so retrievers sit next to each other for comparison.
    rows.sort(key=lambda row: row[0])
    return _markdown_table([heading, "Retriever", *_METRIC_HEADER], rows)


_HOW_TO_READ = """\
## 如何阅读 / How to read

- 每格为 点估计 [95% 置信区间]：对题目做 1000 次有放回自助重采样（固定种子）。区间互相重叠时，差异可能只是抽样噪声；用 `policyqa eval --compare` 做配对检验。
- Hit@k / MRR@10 / nDCG@10 / EvR@5 / CitEvR 只在有答案题上计算；Abst(unans) 只在无答案题上计算，FalseAbst(ans) 只在有答案题上计算（越低越好）。
- F1 / EM 按 CMRC2018 规则（去标点与空白、小写、最长公共子串）；无答案题拒答记为 1，否则记为 0；有答案题拒答记为 0。
- p50/p95 ms 为检索+生成耗时的中位数与 95 分位（不含每个检索器的预热题）。n 为该行题目数。
- Each cell is point estimate [95% bootstrap CI over items]. See eval/README.md for definitions.
"""


def headline_table(metrics: Mapping[str, Any]) -> str:
    """The headline Markdown table: one row per retriever, each metric with its 95% CI."""
    return _markdown_table(
        ["Retriever", *_METRIC_HEADER],
        [[retriever, *_metric_cells(summary)] for retriever, summary in metrics.items()],
    )


def render_report_md(metrics: Mapping[str, Any]) -> str:
    """The report.md text: the one-screen summary (retrieval and answering
    apart), the headline table, then the same metrics by question type and persona."""
    counts = ", ".join(
        f"{retriever}: {s['n_items']} 题（有答案 {s['n_answerable']}，无答案 {s['n_unanswerable']}）"
        for retriever, s in metrics.items()
    )
    sections = [
        "# PolicyQA 评测报告 / Evaluation report",
        f"题目数 Items — {counts}",
        summary_md(metrics),
        "## 总览 / Headline（各指标含 95% 置信区间）",
        headline_table(metrics),
        "## 按题型 / By question type",
        _breakdown_table(metrics, "by_type", "Type"),
        "## 按用户角色 / By persona",
        _breakdown_table(metrics, "by_persona", "Persona"),
        _HOW_TO_READ,
    ]
    return "\n\n".join(sections)


# ---------------------------------------------------------------- PNG


def _values_and_errors(
    summary: Mapping[str, Any], specs: Sequence[MetricSpec]
) -> tuple[np.ndarray, np.ndarray]:
    """Bar heights and asymmetric error bars (2 x n); NaN where a metric has no value."""
    heights, errors = [], []
    for spec in specs:
        entry = summary.get(spec.key) or {}
        value = entry.get("value")
        if value is None:
            heights.append(np.nan)
            errors.append((0.0, 0.0))
        else:
            low, high = entry["ci"]
            heights.append(value)
            errors.append((max(value - low, 0.0), max(high - value, 0.0)))
    return np.asarray(heights), np.asarray(errors).T.reshape(2, len(specs))


def _grouped_bars(ax: Any, metrics: Mapping[str, Any], specs: Sequence[MetricSpec]) -> None:
    positions = np.arange(len(specs))
    width = 0.8 / max(len(metrics), 1)
    for index, (retriever, summary) in enumerate(metrics.items()):
        heights, errors = _values_and_errors(summary, specs)
        offset = (index - (len(metrics) - 1) / 2) * width
        ax.bar(positions + offset, heights, width, yerr=errors, capsize=2, label=retriever)
    ax.set_xticks(positions)
    ax.set_xticklabels([spec.label for spec in specs], rotation=30, ha="right")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)


def render_report_png(metrics: Mapping[str, Any], path: str | Path) -> Path:
    """Grouped bar chart of the headline metrics per retriever, with 95% CI error bars.

    Labels are English so no CJK font is needed. Uses the Agg canvas
    directly rather than pyplot, so it never touches global backend state.
    """
    figure = Figure(figsize=(16, 6), constrained_layout=True)
    FigureCanvasAgg(figure)
    shares_ax, latency_ax = figure.subplots(1, 2, gridspec_kw={"width_ratios": [6, 1]})
    _grouped_bars(shares_ax, metrics, _SHARES)
    # Headroom above 1.0 keeps the legend clear of bars near the top.
    shares_ax.set_ylim(0, 1.18)
    shares_ax.set_yticks(np.linspace(0, 1, 6))
    shares_ax.set_ylabel("score (share of items)")
    shares_ax.set_title("Quality (higher is better, except FalseAbst)")
    _grouped_bars(latency_ax, metrics, _LATENCY)
    latency_ax.set_ylabel("milliseconds")
    latency_ax.set_title("Latency (lower is better)")
    shares_ax.legend(title="retriever", loc="upper center", ncol=max(len(metrics), 1))
    figure.suptitle("PolicyQA evaluation: headline metrics by retriever (error bars: 95% bootstrap CI)")
    target = Path(path)
    figure.savefig(target, dpi=120)
    return target


# ---------------------------------------------------------------- output folder


def write_outputs(records: Sequence[Record], out_dir: str | Path) -> dict[str, Any]:
    """Write a run's folder and return its metrics (the `aggregate` dict).

    Files: results.jsonl, metrics.json, report.md, report.png, run.trec,
    qrels.trec, plus run.<retriever>.trec / qrels.<retriever>.trec.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    metrics = aggregate(records)
    write_results(records, out / RESULTS_FILE)
    (out / METRICS_FILE).write_text(
        json.dumps(metrics, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out / REPORT_MD_FILE).write_text(render_report_md(metrics), encoding="utf-8")
    render_report_png(metrics, out / REPORT_PNG_FILE)
    write_trec(records, out)
    return metrics
