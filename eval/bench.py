"""Speed and memory benchmark: `python -m eval.bench` (or `make bench`).

Measures, on this machine, the time to load the model, to build the index of
corpus/ from scratch and incrementally, and to answer questions one at a
time, plus the peak resident memory. Numbers go in closing notes, not tests.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

from eval.run import load_dataset


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_benchmark(corpus: Path, dataset: Path, questions: int) -> dict:
    from indexer.build import build_index
    from indexer.embed import Embedder
    from indexer.facts import extract_facts
    from indexer.store import load_index
    from qa.assistant import Assistant

    started = time.perf_counter()
    embedder = Embedder()
    model_load = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        started = time.perf_counter()
        report = build_index(corpus, index_dir, embedder=embedder, show_progress=False, extract_facts=extract_facts)
        full_build = time.perf_counter() - started
        started = time.perf_counter()
        build_index(corpus, index_dir, embedder=embedder, show_progress=False, rebuild=False, extract_facts=extract_facts)
        noop_build = time.perf_counter() - started
        started = time.perf_counter()
        assistant = Assistant(load_index(index_dir, model_id=embedder.model_id), embedder)
        index_load = time.perf_counter() - started
        items = load_dataset(dataset)[:questions]
        assistant.ask(items[0]["question"])  # warm-up
        latencies = []
        for item in items:
            started = time.perf_counter()
            assistant.ask(item["question"])
            latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    return {
        "documents": report.documents,
        "chunks": report.chunks,
        "model_load_s": round(model_load, 2),
        "index_build_s": round(full_build, 2),
        "index_noop_update_s": round(noop_build, 3),
        "index_load_s": round(index_load, 2),
        "questions": len(latencies),
        "answer_ms_p50": round(statistics.median(latencies), 1),
        "answer_ms_p95": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
        "peak_rss_mib": round(_peak_rss_mib(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="PolicyQA speed and memory benchmark")
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--dataset", type=Path, default=Path("eval/data/dev_qa.jsonl"))
    parser.add_argument("--questions", type=int, default=50)
    args = parser.parse_args()
    print(json.dumps(run_benchmark(args.corpus, args.dataset, args.questions), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
