"""Speed and memory benchmark: `policyqa bench` (or `make bench`, `python -m eval.bench`).

Builds and times, each in a process of its own (so peak RSS is that run's):
(a) corpus/; (b) corpus/ plus the first 100, 1,000 and all documents of the law
collection (unpacked to a temporary folder, in a fixed shuffled order so the
smaller sets are part of the larger), each with its answer latency and Hit@5
on the dev sets; (c) the ANN layer alone on 100k and 1M synthetic unit
vectors (eval/ann_bench.py); the embedding throughput of plain torch against
the default backend; and `POST /api/ask` of a served corpus/ against one plain
query-encoder pass (eval/api_bench.py). Writes bench.json, bench.md (the
table) and bench.png (build time and answer latency against corpus size).
Numbers go in closing notes and the README, not tests.
"""
from __future__ import annotations

import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .lawbench_index import DEFAULT_LAWS

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATASETS = tuple(
    Path("eval/data") / name
    for name in ("dev_qa.jsonl", "dev_qa_extra.jsonl", "dev_related.jsonl", "dev_related_extra.jsonl")
)
LAW_SIZES = (100, 1000, None)  # None: the whole collection
ANN_SIZES = (100_000, 1_000_000)
# Environment the thread policy sets; removed for a "before" run without it.
_POLICY_ENV = ("OMP_WAIT_POLICY", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class BenchOptions:
    """What `policyqa bench` runs; every field has a command-line flag."""

    out: Path = Path("runs/bench")
    corpus: Path = Path("corpus")
    laws: Path = DEFAULT_LAWS
    datasets: tuple[Path, ...] = DEFAULT_DATASETS
    questions: int = 0  # 0: every question of the datasets
    max_docs: int | None = None  # skip law runs with more documents than this
    skip_ann: bool = False
    skip_ann_1m: bool = False
    skip_embedding: bool = False
    skip_api: bool = False
    thread_policy: bool = True
    backend: str | None = None  # embedding backend; None: the default


def peak_rss_mib() -> float:
    """This process's peak resident memory so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _percentile(sorted_values: list[float], share: float) -> float:
    return sorted_values[int(share * (len(sorted_values) - 1))]


def _folder_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def _items(datasets: list[str], limit: int) -> list[dict]:
    from eval.run import load_dataset

    items = [item for path in datasets for item in load_dataset(Path(path))]
    return items[:limit] if limit else items


def _questions(datasets: list[str], limit: int) -> list[str]:
    return [item["question"] for item in _items(datasets, limit)]


def _hit_at_5(assistant, items: list[dict]) -> float:
    """Hybrid Hit@5 over the answerable items, as `policyqa eval` counts it."""
    from eval.metrics import hit_at_k, is_answerable, relevant_ranks
    from eval.run import evaluation_records

    records = [r for r in evaluation_records(assistant, items, ["hybrid"], top_k=10) if is_answerable(r)]
    return sum(hit_at_k(relevant_ranks(record), 5) for record in records) / max(len(records), 1)


def _dense_recall(contents, query_vectors: np.ndarray, k: int = 10, block: int = 16) -> float:
    """Recall@k of the index's dense search against exact inner products
    (a few queries at a time: all of them against the whole collection would
    be a gigabyte of similarities)."""
    k = min(k, len(contents.embeddings))
    _, found = contents.dense.search("clauses", query_vectors, k)
    clauses = np.asarray(contents.embeddings)
    shares = []
    for begin in range(0, len(query_vectors), block):
        similarities = query_vectors[begin : begin + block] @ clauses.T
        exact = np.argpartition(-similarities, k - 1, axis=1)[:, :k]
        shares += [len(set(f) & set(e)) / k for f, e in zip(found[begin : begin + block], exact)]
    return float(np.mean(shares))


def run_corpus(corpus: str, datasets: list[str], questions: int, thread_policy: bool) -> dict:
    """Build, rebuild, load and question one corpus; the measurements as a dict."""
    from indexer.build import build_index
    from indexer.embed import Embedder
    from indexer.facts import extract_facts
    from indexer.store import load_index
    from indexer.threads import apply_thread_policy
    from qa.assistant import Assistant

    if thread_policy:
        apply_thread_policy()
    started = time.perf_counter()
    embedder = Embedder()
    model_load = time.perf_counter() - started
    items = _items(datasets, questions)
    asked = [item["question"] for item in items]
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        started = time.perf_counter()
        report = build_index(Path(corpus), index_dir, embedder=embedder, extract_facts=extract_facts)
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        build_index(Path(corpus), index_dir, embedder=embedder, show_progress=False, extract_facts=extract_facts)
        noop_s = time.perf_counter() - started
        started = time.perf_counter()
        contents = load_index(index_dir, model_id=embedder.model_id)
        assistant = Assistant(contents, embedder)
        load_s = time.perf_counter() - started
        assistant.ask(asked[0])  # warm-up
        latencies = []
        for question in asked:
            started = time.perf_counter()
            assistant.ask(question)
            latencies.append((time.perf_counter() - started) * 1000)
        size_mib = _folder_mib(index_dir)
        hit_at_5 = _hit_at_5(assistant, items)
        # What building, loading and answering took; the exact search below
        # (the benchmark's yardstick, not the product) reads every clause vector.
        peak_mib = peak_rss_mib()
        recall = _dense_recall(contents, embedder.embed_batch(asked))
    latencies.sort()
    return {
        "kind": "corpus",
        "documents": report.documents,
        "chunks": report.chunks,
        "sentences": int(len(contents.sentences)),
        "backend": embedder.backend,
        "thread_policy": thread_policy,
        "model_load_s": round(model_load, 2),
        "build_s": round(build_s, 2),
        "chunks_per_s": round(report.chunks / build_s, 1),
        "noop_rebuild_s": round(noop_s, 3),
        "index_mib": round(size_mib, 1),
        "load_s": round(load_s, 2),
        "questions": len(latencies),
        "answer_ms_p50": round(statistics.median(latencies), 1),
        "answer_ms_p95": round(_percentile(latencies, 0.95), 1),
        "recall_at_10": round(recall, 4),
        "hit_at_5": round(hit_at_5, 3),
        "peak_rss_mib": round(peak_mib, 1),
    }


def run_embedding(corpus: str, texts: int = 600) -> dict:
    """Texts per second of plain torch (sentence-transformers) and of the
    default backend on the same real clauses and sentences, best of two; and
    the clauses per second plain sentence-transformers embeds corpus/'s clause
    texts alone at, the yardstick of a full rebuild's speed."""
    from indexer.build import segment_corpus, statute_title
    from indexer.embed import DEFAULT_BACKEND, Embedder
    from indexer.loaders import load_corpus
    from indexer.segment import embedding_text, sentence_spans
    from indexer.threads import apply_thread_policy

    apply_thread_policy()
    documents, _ = load_corpus(Path(corpus))
    embedders = {backend: Embedder(backend=backend) for backend in ("torch", DEFAULT_BACKEND)}
    by_id = {document.doc_id: document for document in documents}
    pool, clause_texts = [], []
    for chunk in segment_corpus(documents, embedders["torch"]):
        clause_texts.append(embedding_text(chunk, statute_title(by_id[chunk.doc_id])))
        pool.append(chunk.text)
        pool += [by_id[chunk.doc_id].text[start:end] for start, end in sentence_spans(chunk)]
    sample = random.Random(0).sample(pool, min(texts, len(pool)))
    rates: dict[str, list[float]] = {backend: [] for backend in embedders}
    for _ in range(2):  # interleaved, so a burst of load on the machine hits both
        for backend, embedder in embedders.items():
            embedder.embed_batch(sample[:8])
            started = time.perf_counter()
            embedder.embed_batch(sample)
            rates[backend].append(len(sample) / (time.perf_counter() - started))
    best = {backend: round(max(values), 1) for backend, values in rates.items()}
    started = time.perf_counter()
    embedders["torch"].embed_batch(clause_texts)
    plain_clauses_per_s = len(clause_texts) / (time.perf_counter() - started)
    return {
        "kind": "embedding",
        "texts": len(sample),
        "mean_chars": round(sum(map(len, sample)) / len(sample), 1),
        "texts_per_s": best,
        "speed_up": round(best[DEFAULT_BACKEND] / best["torch"], 2),
        "plain_clauses": len(clause_texts),
        "plain_clauses_per_s": round(plain_clauses_per_s, 1),
    }


def _child(task: dict, options: BenchOptions) -> dict:
    """Run one measurement in a fresh interpreter; its result is the last line it prints."""
    env = dict(os.environ)
    if options.backend:
        env["POLICYQA_EMBED_BACKEND"] = options.backend
    if not options.thread_policy:
        for name in _POLICY_ENV:
            env.pop(name, None)
    completed = subprocess.run(
        [sys.executable, "-m", "eval.bench", "--child", json.dumps(task, ensure_ascii=False)],
        env=env, stdout=subprocess.PIPE, text=True, check=False,
    )
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        return {"kind": task["mode"], "label": task.get("label", ""), "error": f"exit {completed.returncode}"}
    return {**json.loads(lines[-1]), "label": task.get("label", "")}


def law_files(tarball: Path, into: Path) -> list[Path]:
    """Unpack the law collection into `into` (a temporary folder) and return its
    Markdown files in a fixed shuffled order."""
    with tarfile.open(tarball) as archive:
        archive.extractall(into, filter="data")
    files = sorted(into.rglob("*.md"))
    random.Random(0).shuffle(files)
    return files


def assemble_corpus(base: Path, laws: list[Path], target: Path) -> Path:
    """corpus/ plus `laws`, copied flat into `target` (names made unique)."""
    shutil.copytree(base, target)
    for number, path in enumerate(laws):
        shutil.copy(path, target / f"law{number:04d}_{path.name}")
    return target


def run_bench(options: BenchOptions, echo=print) -> dict:
    """Every run the options ask for; writes bench.json, bench.md and bench.png
    into options.out and returns what bench.json holds."""
    from indexer.threads import set_environment_defaults

    from .bench_report import render_table, write_plot

    if options.thread_policy:
        set_environment_defaults()  # inherited by every child before it loads OpenMP
    datasets = [str(path) for path in options.datasets]
    runs: list[dict] = []

    def record(result: dict) -> None:
        runs.append(result)
        echo(json.dumps(result, ensure_ascii=False))

    corpus_task = {"mode": "corpus", "datasets": datasets, "questions": options.questions, "thread_policy": options.thread_policy}
    record(_child({**corpus_task, "corpus": str(options.corpus), "label": f"{options.corpus.name}/"}, options))
    # The short runs first, so a long law run cut short still leaves them.
    if not options.skip_embedding:
        record(_child({"mode": "embedding", "corpus": str(options.corpus), "label": "embedding"}, options))
    if not options.skip_api:
        record(_child({**corpus_task, "mode": "api", "corpus": str(options.corpus), "label": f"POST /api/ask, {options.corpus.name}/"}, options))
    sizes = [size for size in LAW_SIZES if options.max_docs is None or (size or 10**9) <= options.max_docs]
    if sizes and not options.laws.exists():
        echo(f"未找到法律法规合集 {options.laws}，跳过 (b)。")
        sizes = []
    if sizes:
        with tempfile.TemporaryDirectory(prefix="policyqa-bench-") as tmp:
            files = law_files(options.laws, Path(tmp) / "laws")
            for size in sizes:
                chosen = files[:size] if size else files
                corpus = assemble_corpus(options.corpus, chosen, Path(tmp) / f"corpus-{len(chosen)}")
                record(_child({**corpus_task, "corpus": str(corpus), "label": f"{options.corpus.name}/ + {len(chosen):,} laws"}, options))
                shutil.rmtree(corpus)
    if not options.skip_ann:
        for n in ANN_SIZES:
            if n >= 1_000_000 and options.skip_ann_1m:
                continue
            record(_child({"mode": "ann", "n": n, "label": f"ANN {n:,}"}, options))
    result = {
        "options": {key: str(value) if isinstance(value, Path) else value for key, value in asdict(options).items()},
        "machine": {"cores": os.cpu_count(), "load_average_1min_at_end": round(os.getloadavg()[0], 2)},
        "runs": runs,
    }
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    result["options"]["datasets"] = datasets
    (out / "bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "bench.md").write_text(render_table(runs), encoding="utf-8")
    write_plot(runs, out / "bench.png")
    return result


def _run_child(task: dict) -> dict:
    if task["mode"] == "corpus":
        return run_corpus(task["corpus"], task["datasets"], task["questions"], task["thread_policy"])
    if task["mode"] == "embedding":
        return run_embedding(task["corpus"])
    if task["mode"] == "api":
        from .api_bench import run_api

        return run_api(task["corpus"], _questions(task["datasets"], task["questions"]))
    from .ann_bench import run_ann

    return run_ann(task["n"])


def main() -> None:
    """`python -m eval.bench` runs the whole benchmark with the defaults (make bench)."""
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(_run_child(json.loads(sys.argv[2])), ensure_ascii=False))
        return
    from .bench_report import render_table

    print(render_table(run_bench(BenchOptions())["runs"]))


if __name__ == "__main__":
    main()
