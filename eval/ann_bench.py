"""The ANN layer alone, on synthetic unit vectors: build, size, load, search, recall.

Uniform random vectors in 512 dimensions have no near neighbours to find (all
distances look alike), which no real embedding set resembles; so the data are
unit vectors scattered around a few thousand random centres, and the queries
are perturbed data points, as questions land near the clauses that answer them.
Recall@10 is measured against exact inner-product search (faiss.IndexFlatIP).
"""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

DIMENSION = 512


def synthetic_unit_vectors(n: int, dimension: int = DIMENSION, seed: int = 0) -> np.ndarray:
    """`n` float32 unit rows clustered around n/250 random centres (built in
    blocks, so 1M rows never need a second full-size temporary)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(1, n // 250), dimension)).astype(np.float32)
    out = np.empty((n, dimension), dtype=np.float32)
    for begin in range(0, n, 65536):
        end = min(n, begin + 65536)
        block = centres[rng.integers(0, len(centres), end - begin)]
        block += 0.9 * rng.standard_normal(block.shape).astype(np.float32)
        out[begin:end] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def synthetic_queries(vectors: np.ndarray, count: int, seed: int = 1) -> np.ndarray:
    """Perturbed rows of `vectors`, normalised."""
    rng = np.random.default_rng(seed)
    picked = vectors[rng.choice(len(vectors), size=count, replace=False)]
    noisy = picked + 0.5 * rng.standard_normal(picked.shape).astype(np.float32) / np.sqrt(picked.shape[1])
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def build_ann_index(vectors: np.ndarray):
    """The HNSW index the vector store builds above its exact threshold
    (indexer.vectors, same M, efConstruction and efSearch), over every row."""
    from indexer.vectors import build_faiss_index

    return build_faiss_index(vectors, exact_below=0)


def recall_at_k(found: np.ndarray, exact: np.ndarray, k: int = 10) -> float:
    """Mean share of the exact top-k that the ANN top-k holds."""
    return float(np.mean([len(set(f[:k]) & set(e[:k])) / k for f, e in zip(found, exact)]))


def run_ann(n: int, queries: int = 200, k: int = 10) -> dict:
    """Build an ANN index over `n` synthetic vectors and measure it (one process
    per size, so peak RSS is this size's own)."""
    import faiss

    from indexer.threads import apply_thread_policy
    from indexer.vectors import HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M, read_faiss_index

    from .bench import peak_rss_mib

    apply_thread_policy()
    vectors = synthetic_unit_vectors(n)
    questions = synthetic_queries(vectors, queries)
    started = time.perf_counter()
    index = build_ann_index(vectors)
    build_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ann.faiss"
        faiss.write_index(index, str(path))
        size_mib = path.stat().st_size / 2**20
        started = time.perf_counter()
        index = read_faiss_index(path)
        load_s = time.perf_counter() - started
    index.hnsw.efSearch = HNSW_EF_SEARCH  # not stored in the file
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, truth = exact.search(questions, k)
    del exact
    latencies, found = [], []
    for question in questions:  # one at a time, as questions arrive
        started = time.perf_counter()
        _, ids = index.search(question[None, :], k)
        latencies.append((time.perf_counter() - started) * 1000)
        found.append(ids[0])
    latencies.sort()
    return {
        "kind": "ann",
        "label": f"ANN {n:,}",
        "vectors": n,
        "index": f"HNSW float16 M={HNSW_M} efConstruction={HNSW_EF_CONSTRUCTION} efSearch={HNSW_EF_SEARCH}",
        "build_s": round(build_s, 2),
        "vectors_per_s": round(n / build_s, 1),
        "index_mib": round(size_mib, 1),
        "load_s": round(load_s, 3),
        "search_ms_p50": round(statistics.median(latencies), 3),
        "search_ms_p95": round(latencies[int(0.95 * (len(latencies) - 1))], 3),
        f"recall_at_{k}": round(recall_at_k(np.array(found), truth, k), 4),
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }
