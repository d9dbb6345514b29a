"""The one-screen summary that opens report.md: retrieval and answering apart.

A retriever can find the evidence and the answer layer still refuse to use it
(or the reverse), and one table mixing Hit@5 with abstention hides which layer
to fix. The summary gives each layer its own columns and says, in words, what
the numbers mean for each retriever; the detailed tables follow it.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# What the evaluator reads first; the detailed tables have every metric with its CI.
RETRIEVAL_COLUMNS = (("hit@5", "Hit@5"), ("mrr@10", "MRR@10"), ("evr@5", "EvR@5"))
ANSWERING_COLUMNS = (
    ("false_abstention", "误拒 FalseAbst(ans)"),
    ("abstention", "拒答 Abst(unans)"),
    ("cit_evr", "CitEvR"),
    ("f1", "F1"),
)

# Where a finding is worth a sentence. Retrieval "finds" the evidence when
# Hit@5 reaches GOOD_RETRIEVAL; the answer layer "refuses" when it abstains on
# at least REFUSES of the answerable items; "answers the unanswerable" when it
# abstains on fewer than ABSTAINS of the unanswerable ones.
GOOD_RETRIEVAL = 0.8
WEAK_RETRIEVAL = 0.5
REFUSES = 0.2
ABSTAINS = 0.8


def _value(summary: Mapping[str, Any], key: str) -> float | None:
    entry = summary.get(key) or {}
    return entry.get("value")


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def findings(retriever: str, summary: Mapping[str, Any]) -> list[str]:
    """Sentences saying which layer a retriever's weak numbers come from."""
    hit5 = _value(summary, "hit@5")
    refused = _value(summary, "false_abstention")
    abstained = _value(summary, "abstention")
    lines = []
    if hit5 is not None and refused is not None and hit5 >= GOOD_RETRIEVAL and refused >= REFUSES:
        lines.append(
            f"{retriever}：检索层找到了证据（Hit@5 {hit5:.2f}），但作答层拒答了 {_percent(refused)} 的有答案题"
            "——要改的是作答层（是否作答的判断），不是检索。"
        )
    elif hit5 is not None and hit5 < WEAK_RETRIEVAL:
        lines.append(
            f"{retriever}：检索层弱（Hit@5 {hit5:.2f}），作答层的 CitEvR 与 F1 也因此偏低——要改的是检索。"
        )
    if abstained is not None and abstained < ABSTAINS:
        lines.append(
            f"{retriever}：作答层只对 {_percent(abstained)} 的无答案题回答“文件未提及”，其余给出了文件并未支持的答案。"
        )
    return lines


def _best(metrics: Mapping[str, Any], key: str, higher: bool = True) -> str:
    scored = [(r, _value(s, key)) for r, s in metrics.items() if _value(s, key) is not None]
    if len(scored) < 2:
        return ""
    name, value = (max if higher else min)(scored, key=lambda pair: pair[1])
    return f"{name}（{value:.2f}）"


def summary_md(metrics: Mapping[str, Any]) -> str:
    """The summary section: a compact table with retrieval and answering
    columns apart, then one line per finding. Fits one screen for a few retrievers."""
    header = ["检索器", "题数 有答案/无答案"]
    header += [f"检索 {label}" for _, label in RETRIEVAL_COLUMNS]
    header += [f"作答 {label}" for _, label in ANSWERING_COLUMNS]
    header += ["延迟 p50/p95 ms"]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for retriever, summary in metrics.items():
        p50, p95 = _value(summary, "latency_p50_ms"), _value(summary, "latency_p95_ms")
        cells = [retriever, f"{summary['n_items']}（{summary['n_answerable']}/{summary['n_unanswerable']}）"]
        cells += [_share(_value(summary, key)) for key, _ in RETRIEVAL_COLUMNS + ANSWERING_COLUMNS]
        cells.append("–" if p50 is None or p95 is None else f"{p50:.0f}/{p95:.0f}")
        rows.append("| " + " | ".join(cells) + " |")
    lines = [
        "## 摘要 / Summary",
        "**检索层**（Hit@5、MRR@10、EvR@5）只看检索排出的段落里有没有证据；**作答层**（误拒、拒答、CitEvR、F1）"
        "看给用户的回答：该答时是否拒答、该拒时是否拒答、引用是否含证据、与标准答案的重合。两层分开读。",
        "\n".join(rows),
    ]
    notes = []
    best_retrieval, best_refusal = _best(metrics, "hit@5"), _best(metrics, "false_abstention", higher=False)
    if best_retrieval:
        notes.append(f"检索最好：{best_retrieval}，按 Hit@5；作答误拒最少：{best_refusal}。")
    notes += [line for retriever, summary in metrics.items() for line in findings(retriever, summary)]
    notes.append("延迟为检索+作答的耗时；每个检索器先答一道预热题（载入模型、首次调用），不计入。")
    lines.append("\n".join(f"- {note}" for note in notes))
    return "\n\n".join(lines)
