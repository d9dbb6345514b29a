"""The benchmark's pieces on small real inputs (the benchmark itself is a command)."""
from __future__ import annotations

import tarfile
from pathlib import Path

from eval.ann_bench import run_ann, synthetic_unit_vectors
from eval.bench import assemble_corpus, law_files, run_corpus
from eval.bench_report import render_table, write_plot

REPO = Path(__file__).resolve().parents[1]


def test_ann_run_measures_recall_against_exact_search():
    result = run_ann(3000, queries=40)
    assert result["vectors"] == 3000 and result["recall_at_10"] >= 0.95
    # The file holds every vector, in float16 (indexer/vectors.py), and its links.
    assert result["search_ms_p50"] <= result["search_ms_p95"] and 3000 * 512 * 2 / 2**20 < result["index_mib"] < 3000 * 512 * 4 / 2**20
    vectors = synthetic_unit_vectors(100)
    assert abs(float((vectors**2).sum(axis=1).max()) - 1.0) < 1e-5


def test_corpus_run_builds_questions_and_measures(plan_corpus: Path):
    # The whole path of one corpus size, in this process: build, no-op rebuild, load, answer.
    result = run_corpus(str(plan_corpus), [str(REPO / "eval" / "data" / "dev_qa.jsonl")], questions=3, thread_policy=True)
    assert result["chunks"] > 100 and result["sentences"] > result["chunks"] and result["questions"] == 3
    assert result["recall_at_10"] == 1.0  # below the HNSW threshold the search is exact
    assert 0 < result["noop_rebuild_s"] < result["build_s"] and result["answer_ms_p50"] <= result["answer_ms_p95"]
    assert 0 <= result["hit_at_5"] <= 1


def test_api_run_serves_the_corpus_and_times_answers_against_the_encoder(plan_corpus: Path):
    # `policyqa serve` started as a user starts it: it builds the index, then answers over HTTP.
    from eval.api_bench import run_api

    result = run_api(str(plan_corpus), ["2022年新能源汽车产量要达到多少？", "谁担任攻势指挥长？", "牵头单位是谁？"])
    assert result["questions"] == 3 and 0 < result["api_ms_p50"] <= result["api_ms_p95"]
    assert result["encoder_ms_p50"] > 0
    assert abs(result["api_over_encoder"] - result["api_ms_p50"] / result["encoder_ms_p50"]) < 0.02  # from unrounded times


def test_law_subsets_are_nested_and_copied_beside_the_corpus(plan_corpus: Path, tmp_path: Path):
    laws = tmp_path / "src" / "lawrefbook-laws"
    for number in range(5):
        folder = laws / f"省{number % 2}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"条例{number // 2}.md").write_text(f"# 条例{number}\n\n第一条 内容{number}。\n", encoding="utf-8")
    tarball = tmp_path / "laws.tar.xz"
    with tarfile.open(tarball, "w:xz") as archive:
        archive.add(laws, arcname="lawrefbook-laws")
    files = law_files(tarball, tmp_path / "unpacked")
    again = law_files(tarball, tmp_path / "again")
    assert len(files) == 5 and [f.relative_to(tmp_path / "unpacked") for f in files] == [f.relative_to(tmp_path / "again") for f in again]
    corpus = assemble_corpus(plan_corpus, files[:3], tmp_path / "corpus")
    copied = sorted(path.name for path in corpus.glob("law*.md"))
    assert len(copied) == 3  # same file names in two folders stay apart
    assert (corpus / "qingdao_ai_plan.txt").exists()


def test_table_and_plot(tmp_path: Path):
    runs = [
        {"kind": "corpus", "label": "corpus/", "documents": 1, "chunks": 154, "build_s": 20.0, "chunks_per_s": 7.7, "answer_ms_p50": 15.0,
         "answer_ms_p95": 30.0},
        {"kind": "corpus", "label": "corpus/ + 100 laws", "documents": 101, "chunks": 6000, "build_s": 500.0,
         "answer_ms_p50": 25.0, "answer_ms_p95": 60.0},
        {"kind": "corpus", "label": "corpus/ + 1,000 laws", "error": "exit 1"},
        {"kind": "embedding", "texts": 600, "mean_chars": 50.0, "texts_per_s": {"torch": 10.0, "onnx-int8": 40.0},
         "speed_up": 4.0, "plain_clauses": 154, "plain_clauses_per_s": 5.0},
        {"kind": "api", "label": "POST /api/ask, corpus/", "questions": 3, "api_ms_p50": 30.0, "api_ms_p95": 40.0,
         "encoder_ms_p50": 15.0, "api_over_encoder": 2.0},
    ]
    table = render_table(runs)
    assert "| corpus/ + 100 laws | 101 | 6,000 |" in table and "failed: exit 1" in table and "×4.0" in table
    assert "a full build of corpus/ indexes 7.7 clauses/s with their sentences: ×1.54" in table
    assert "POST /api/ask, corpus/: p50 30.0 ms" in table and "×2.0" in table
    write_plot(runs, tmp_path / "bench.png")
    assert (tmp_path / "bench.png").read_bytes()[:4] == b"\x89PNG"
