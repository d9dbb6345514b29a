"""Score a BEIR dataset: rank its corpus documents per query, then Recall@k,
nDCG@10 and MRR@10 computed by ranx, each with a bootstrap confidence interval.

Questions are read and searched by the serving code (`Assistant.parser`,
`Retriever.search_batch`), not answered: BEIR judges rankings. A document
ranks where its best clause ranks (the index splits long documents into
clauses). ranx gives each query's score, `eval.metrics.bootstrap_ci` the
interval over queries, as for our own datasets.
"""
from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

from tqdm import tqdm

from qa.assistant import Assistant

from .beir import BeirDataset, doc_keys
from .metrics import MetricSpec, summarize_metric

RECALL_KS = (1, 5, 10, 20, 100)
BEIR_METRICS = tuple(f"recall@{k}" for k in RECALL_KS) + ("ndcg@10", "mrr@10")
DEPTH = 100  # documents kept per query: the deepest cut-off reported
# Clauses asked of the retriever per query: enough for DEPTH distinct documents
# in all but corpora of very long documents (a query's candidates are fewer anyway).
CLAUSES = 1000
_MEAN = MetricSpec("beir", "beir", "beir", "beir")


def document_ranking(doc_ids: Sequence[str], depth: int = DEPTH) -> list[str]:
    """Documents in order of their best clause: the first `depth` distinct doc ids."""
    ranked = list(dict.fromkeys(doc_ids))
    return ranked[:depth]


def rank_documents(
    assistant: Assistant, dataset: BeirDataset, retriever: str, batch_size: int = 16
) -> dict[str, dict[str, float]]:
    """{query id: {BEIR doc id: score}} for every query, best first, scores 1/rank
    (tools order by score; ties would let them reorder our ranking)."""
    beir_id = {key: original for original, key in doc_keys(list(dataset.corpus)).items()}
    run: dict[str, dict[str, float]] = {}
    ids = list(dataset.queries)
    with tqdm(total=len(ids), desc=f"BEIR {retriever}", unit="题") as progress:
        for begin in range(0, len(ids), batch_size):
            batch = ids[begin : begin + batch_size]
            queries = [assistant.parser.parse(dataset.queries[query_id]) for query_id in batch]
            hits = assistant.retriever.search_batch(queries, top_k=CLAUSES, mode=retriever)
            for query_id, found in zip(batch, hits):
                ranked = document_ranking([hit.chunk.doc_id for hit in found])
                run[query_id] = {beir_id.get(doc, doc): 1.0 / rank for rank, doc in enumerate(ranked, start=1)}
            progress.update(len(batch))
    return run


def per_query_scores(qrels: Mapping[str, Mapping[str, int]], run: Mapping[str, Mapping[str, float]]) -> dict[str, list[float]]:
    """{metric: score of each judged query} from ranx; a query the run leaves
    empty scores 0."""
    from ranx import Qrels, Run, evaluate

    # ranx refuses a query with no documents: give it one that no one judged.
    filled = {query: dict(run.get(query) or {"\u2205": 0.0}) for query in qrels}
    with warnings.catch_warnings():
        # numba's note on ranx's own uint64 → int64 cast of small counts, not ours to act on.
        warnings.simplefilter("ignore")
        scores = evaluate(Qrels.from_dict({q: dict(d) for q, d in qrels.items()}), Run.from_dict(filled), list(BEIR_METRICS), return_mean=False)
    return {metric: [float(value) for value in scores[metric]] for metric in BEIR_METRICS}


def beir_metrics(qrels: Mapping[str, Mapping[str, int]], runs: Mapping[str, Mapping[str, Mapping[str, float]]]) -> dict:
    """{retriever: {"n": queries, metric: {"value", "ci", "n"}}}."""
    result = {}
    for retriever, run in runs.items():
        scores = per_query_scores(qrels, run)
        result[retriever] = {"n": len(qrels), **{metric: summarize_metric(values, _MEAN) for metric, values in scores.items()}}
    return result


def beir_table(metrics: Mapping[str, Mapping]) -> str:
    """The Markdown table: one row per retriever, each metric with its 95% CI."""
    from .report import format_estimate

    header = ["Retriever", "n", *(metric.replace("recall", "Recall").replace("ndcg", "nDCG").replace("mrr", "MRR") for metric in BEIR_METRICS)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for retriever, summary in metrics.items():
        cells = [retriever, str(summary["n"]), *(format_estimate(summary[metric], digits=3) for metric in BEIR_METRICS)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _write_trec(path: Path, lines: list[str]) -> None:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def evaluate_beir(assistant: Assistant, dataset: BeirDataset, retrievers: Sequence[str], out_dir: Path) -> str:
    """Rank, score and write `out_dir`: metrics.json, report.md, run.<retriever>.trec
    and qrels.trec (ranx or trec_eval recompute the table from them); returns the table."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    runs = {retriever: rank_documents(assistant, dataset, retriever) for retriever in retrievers}
    metrics = beir_metrics(dataset.qrels, runs)
    for retriever, run in runs.items():
        _write_trec(out / f"run.{retriever}.trec", [
            f"{query} Q0 {doc} {rank} {score:.6f} {retriever}"
            for query, ranked in run.items()
            for rank, (doc, score) in enumerate(ranked.items(), start=1)
        ])
    _write_trec(out / "qrels.trec", [f"{query} 0 {doc} {grade}" for query, judged in dataset.qrels.items() for doc, grade in judged.items()])
    (out / "metrics.json").write_text(json.dumps({"dataset": dataset.name, "metrics": metrics}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    table = beir_table(metrics)
    report = (
        f"# BEIR 评测 / BEIR evaluation: {dataset.name}\n\n"
        f"{len(dataset.queries)} 个问题，{len(dataset.corpus)} 篇文档；文档按其最佳条款排名，指标由 ranx 计算，"
        "每格为 点估计 [95% 自助法置信区间]。\n\n" + table + "\n"
    )
    (out / "report.md").write_text(report, encoding="utf-8")
    return table
