"""Run a QA dataset through the serving code path and write the evaluation."""
from __future__ import annotations

from pathlib import Path

from tqdm import tqdm

from indexer.errors import InvalidArgumentError
from qa.assistant import Assistant
from qa.retrieve import RETRIEVERS

from .beir import is_beir
from .jsonl import json_lines
from .lawbench import is_lawbench, load_lawbench

REQUIRED_FIELDS = ("id", "question", "answer", "evidence")
GOLD_FIELDS = ("answer", "evidence", "type", "persona", "section")


def load_dataset(path: Path) -> list[dict]:
    """Items of a JSON Lines dataset (format: eval/README.md) or of a LawBench
    task file (.json, eval/lawbench.py), checked early
    so a typo on line 80 does not surface after minutes of work."""
    path = Path(path)
    if not path.exists():
        raise InvalidArgumentError(f"数据集不存在：{path}")
    if is_lawbench(path):
        return load_lawbench(path)
    items, seen = [], set()
    for line_number, item in json_lines(path):
        missing = [field for field in REQUIRED_FIELDS if not isinstance(item, dict) or field not in item]
        if missing:
            raise InvalidArgumentError(f"{path} 第 {line_number} 行缺少字段：{', '.join(missing)}")
        if item["id"] in seen:
            raise InvalidArgumentError(f"{path} 第 {line_number} 行的 id {item['id']!r} 重复")
        seen.add(item["id"])
        items.append(item)
    if not items:
        raise InvalidArgumentError(f"数据集 {path} 是空的")
    return items


def evaluation_records(
    assistant: Assistant, items: list[dict], retrievers: list[str], top_k: int = 10, batch_size: int = 1
) -> list[dict]:
    """One record per (item, retriever): the `ask --json` object plus the gold fields.

    Questions go one at a time by default, as a user sends them, so the
    latencies are per question; a larger batch is faster but reports the
    batch's average for each of its questions. Each retriever first answers
    the first question once, unrecorded: loading the model and the first
    call's set-up are not what a user waits for on every question, and
    would otherwise land in p95."""
    for retriever in retrievers:
        if retriever not in RETRIEVERS:
            raise InvalidArgumentError(f"未知的检索方式 {retriever!r}：可选 {', '.join(RETRIEVERS)}")
    records = []
    with tqdm(total=len(items) * len(retrievers), desc="评测", unit="题") as progress:
        for retriever in retrievers:
            if items:
                assistant.ask_batch([items[0]["question"]], top_k=top_k, mode=retriever)  # warm-up
            for begin in range(0, len(items), batch_size):
                batch = items[begin : begin + batch_size]
                answers = assistant.ask_batch([item["question"] for item in batch], top_k=top_k, mode=retriever)
                for item, answer in zip(batch, answers):
                    records.append(
                        {
                            "id": item["id"],
                            "retriever": retriever,
                            **answer.to_json(),
                            "gold": {field: item.get(field, "" if field != "evidence" else []) for field in GOLD_FIELDS},
                        }
                    )
                progress.update(len(batch))
    return records


def run_evaluation(
    dataset: Path | list[Path],
    out_dir: Path,
    index_dir: Path | None = None,
    retrievers: list[str] | None = None,
    top_k: int = 10,
    exhaustive: bool = False,
    leave_one_out: bool = True,
    build_index: Path | None = None,
) -> str:
    """Evaluate and write results.jsonl, metrics.json, report.md, report.png and
    the TREC files into `out_dir`; returns the headline table as text.

    `exhaustive` scores every clause instead of the retrieval candidates (the
    reference `--compare` checks the candidates against). With several
    datasets and `leave_one_out`, report.md also scores each dataset with
    answer models trained on the others only (eval/train.py).

    `index_dir` None is the default index, or for LawBench task files the
    statute index they need, built beside the runs (eval/lawbench_index.py).
    A dataset whose documents the index lacks is refused before any question
    is asked (eval/coverage.py). A BEIR folder is scored by document
    (eval/beir_eval.py), on the index `build_index`/index built from its
    corpus when given, else on `index_dir` if it holds exactly that corpus."""
    from .coverage import check_coverage
    from .lawbench_index import DEFAULT_LAWS, statute_index, statute_list
    from .report import write_outputs
    from .summary import summary_md

    from indexer.threads import apply_thread_policy

    apply_thread_policy()  # measure latencies as they are served
    paths = dataset if isinstance(dataset, list) else [dataset]
    if any(is_beir(path) for path in paths) or build_index is not None:
        return _run_beir(paths, Path(out_dir), index_dir, build_index, retrievers or ["hybrid", "lexical", "dense"])
    items = [item for path in paths for item in load_dataset(path)]
    if index_dir is None:
        listing = statute_list(paths)
        index_dir = statute_index(listing, DEFAULT_LAWS) if listing else Path("index")
    assistant = Assistant.open(index_dir)
    check_coverage(items, assistant.index.documents, str(index_dir))
    assistant.retriever.exhaustive = exhaustive
    records = evaluation_records(assistant, items, retrievers or ["hybrid", "lexical", "dense"], top_k=top_k)
    metrics = write_outputs(records, Path(out_dir))
    summary = summary_md(metrics) + f"\n\n详细表格 Details: {Path(out_dir) / 'report.md'}"
    if leave_one_out and len(paths) > 1:
        from .train import collect_samples, load_datasets, loo_table
        from .train import leave_one_out as score_left_out

        datasets = load_datasets(paths)
        table = loo_table(score_left_out(assistant, datasets, collect_samples(assistant, datasets)))
        section = "\n\n## 留一数据集 / Leave one dataset out\n\n每行：该数据集的题目由只用其余数据集训练的作答模型回答（hybrid）。\n\n" + table + "\n"
        with open(Path(out_dir) / "report.md", "a", encoding="utf-8") as f:
            f.write(section)
        summary += "\n\nLeave one dataset out:\n" + table
    return summary


def _run_beir(paths: list[Path], out_dir: Path, index_dir: Path | None, build_index: Path | None, retrievers: list[str]) -> str:
    """One BEIR dataset, on the index built from its corpus or on `index_dir`."""
    from .beir import build_beir_index, check_index_matches, load_beir
    from .beir_eval import evaluate_beir

    if len(paths) != 1 or not is_beir(paths[0]):
        raise InvalidArgumentError("BEIR 数据集（含 corpus.jsonl、queries.jsonl 的文件夹）须单独评测：只给一个 --dataset；--build-index 只用于 BEIR 数据集")
    for retriever in retrievers:
        if retriever not in RETRIEVERS:
            raise InvalidArgumentError(f"未知的检索方式 {retriever!r}：可选 {', '.join(RETRIEVERS)}")
    dataset = load_beir(paths[0])
    if build_index is not None:
        index_dir = build_beir_index(dataset, build_index)
    index_dir = index_dir or Path("index")
    assistant = Assistant.open(index_dir)
    check_index_matches(dataset, {document.doc_id for document in assistant.index.documents}, str(index_dir))
    table = evaluate_beir(assistant, dataset, retrievers, out_dir)
    return f"{table}\n\n详细表格 Details: {out_dir / 'report.md'}"
