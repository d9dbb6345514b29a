"""BEIR-format datasets in `policyqa eval` (issue 24, item 5): the folder is
read with its graded judgements, documents are ranked by their best clause,
ranx scores Recall@k / nDCG@10 / MRR@10 with confidence intervals, the index
is built from the corpus on request, and an index of another corpus is refused
in one line. The tiny dataset in tests/data/beir_tiny is made of articles of
corpus/'s laws, with questions asked in other words."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from eval.beir import check_index_matches, doc_keys, is_beir, load_beir
from eval.beir_eval import BEIR_METRICS, document_ranking, per_query_scores
from indexer.errors import InvalidArgumentError

TINY = Path(__file__).resolve().parent / "data" / "beir_tiny"
POLICYQA = str(Path(sys.executable).parent / "policyqa")


def test_tiny_dataset_reads_with_graded_judgements() -> None:
    dataset = load_beir(TINY)
    assert is_beir(TINY) and len(dataset.corpus) == 12
    # q8 has only a judgement of 0: BEIR leaves such queries out.
    assert sorted(dataset.queries) == [f"q{i}" for i in range(1, 8)]
    assert dataset.qrels["q3"] == {"sme:3": 2, "st-progress:1": 1}
    title, text = dataset.corpus["sme:4"]
    assert title == "中华人民共和国中小企业促进法" and text.startswith("第五十三条")


def test_bad_folders_are_refused_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "beir"
    shutil.copytree(TINY, folder)
    shutil.rmtree(folder / "qrels")
    with pytest.raises(InvalidArgumentError, match="没有相关性标注"):
        load_beir(folder)
    (folder / "qrels").mkdir()
    (folder / "qrels" / "dev.tsv").write_text("query-id\tcorpus-id\tscore\nq1\tnowhere\t1\n", encoding="utf-8")
    with pytest.raises(InvalidArgumentError, match="nowhere"):
        load_beir(folder)
    (folder / "qrels" / "dev.tsv").write_text("q1\tsme:1\n", encoding="utf-8")
    with pytest.raises(InvalidArgumentError, match="第 1 行"):
        load_beir(folder)


def test_doc_keys_keep_distinct_ids_apart() -> None:
    keys = doc_keys(["sme:1", "sme 1", "plain_id"])
    assert keys["plain_id"] == "plain_id"
    assert keys["sme:1"] != keys["sme 1"] and keys["sme:1"].startswith("sme_1_")


def test_documents_rank_by_their_best_clause_and_ranx_scores_them() -> None:
    assert document_ranking(["a", "b", "a", "c", "b"]) == ["a", "b", "c"]
    qrels = {"q1": {"a": 1, "b": 1}, "q2": {"c": 1}}
    run = {"q1": {"x": 1.0, "a": 0.5}, "q2": {}}
    scores = per_query_scores(qrels, run)
    assert set(scores) == set(BEIR_METRICS)
    assert sorted(scores["recall@1"]) == [0.0, 0.0]
    assert sorted(scores["recall@5"]) == [0.0, 0.5]
    assert sorted(scores["mrr@10"]) == [0.0, 0.5]


def test_index_of_another_corpus_is_refused() -> None:
    dataset = load_beir(TINY)
    with pytest.raises(InvalidArgumentError, match="不一致：缺少 12 篇.*--build-index"):
        check_index_matches(dataset, {"qingdao_ai_plan"}, "index")
    check_index_matches(dataset, set(doc_keys(list(dataset.corpus)).values()), "index")


def test_beir_end_to_end_with_the_real_model(tmp_path: Path, plan_index: Path) -> None:
    out, home = tmp_path / "run", tmp_path / "beir-index"
    done = subprocess.run(
        [POLICYQA, "eval", "--dataset", str(TINY), "--out", str(out), "--build-index", str(home)],
        capture_output=True, text=True, encoding="utf-8", timeout=900,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Recall@100" in done.stdout and "nDCG@10" in done.stdout
    assert "嵌入条款与句子" in done.stderr  # the build's progress bar
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))["metrics"]
    assert set(metrics) == {"hybrid", "lexical", "dense"}
    for retriever, summary in metrics.items():
        assert summary["n"] == 7
        # Twelve documents: every relevant one is within the first 100.
        assert summary["recall@100"]["value"] == 1.0, retriever
        low, high = summary["ndcg@10"]["ci"]
        assert 0.0 <= low <= summary["ndcg@10"]["value"] <= high <= 1.0
    assert metrics["hybrid"]["mrr@10"]["value"] >= 0.8
    # The run files name BEIR's own ids, so ranx or trec_eval can recompute the table.
    run_lines = (out / "run.hybrid.trec").read_text(encoding="utf-8").splitlines()
    assert run_lines and {line.split()[2] for line in run_lines} <= set(load_beir(TINY).corpus)
    # Evaluated again on the plan's index: refused in one line before any question.
    refused = subprocess.run(
        [POLICYQA, "eval", "--dataset", str(TINY), "--out", str(tmp_path / "again"), "--index-dir", str(plan_index)],
        capture_output=True, text=True, encoding="utf-8", timeout=600,
    )
    assert refused.returncode == 2
    message = [line for line in (refused.stdout + refused.stderr).splitlines() if "不一致" in line]
    assert len(message) == 1 and "Traceback" not in refused.stderr
