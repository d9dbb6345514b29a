"""Vector stores (FAISS by size, Milvus Lite) and candidate retrieval against
scoring every clause, with the real model, real FAISS and a real Milvus Lite."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from eval.run import load_dataset
from indexer.errors import InvalidArgumentError
from indexer.store import load_index
from indexer.vectors import StoreSpec, ann_recall_at_k, build_faiss_index, faiss_index_kind
from qa.query import parse_query
from qa.retrieve import Retriever

DEV = Path(__file__).resolve().parents[1] / "eval" / "data" / "dev_qa.jsonl"


def test_index_type_follows_size_and_hnsw_recall_is_measured(plan_index, embedder):
    sentences = load_index(plan_index).sentence_embeddings
    queries = embedder.embed_batch([item["question"] for item in load_dataset(DEV)[:30]])
    exact = build_faiss_index(sentences, exact_below=len(sentences) + 1)
    approximate = build_faiss_index(sentences, exact_below=len(sentences))
    assert faiss_index_kind(exact) == "flat" and faiss_index_kind(approximate) == "hnsw"
    assert ann_recall_at_k(exact, sentences, queries, k=10) == 1.0
    assert 0.95 <= ann_recall_at_k(approximate, sentences, queries, k=10) <= 1.0
    with pytest.raises(InvalidArgumentError):
        ann_recall_at_k(exact, sentences, queries, k=0)


def test_candidates_rank_as_scoring_every_clause(plan_index, embedder):
    """With few candidates per source (20 of the plan's ~150 clauses) the
    top 5 are those of exhaustive scoring, with the same fused scores: the
    calibration is index-wide, not the candidates' own."""
    index = load_index(plan_index)
    few = Retriever(index, embedder, candidates=20)
    every = Retriever(index, embedder, exhaustive=True)
    queries = [parse_query(item["question"]) for item in load_dataset(DEV)]
    vectors = few.embed_queries(queries)
    for mode in ("hybrid", "lexical", "dense"):
        got = few.search_batch(queries, top_k=5, mode=mode, query_vectors=vectors)
        want = every.search_batch(queries, top_k=5, mode=mode, query_vectors=vectors)
        same = [[h.chunk.chunk_id for h in a] == [h.chunk.chunk_id for h in b] for a, b in zip(got, want)]
        assert sum(same) >= 0.95 * len(queries), mode
        for a, b in zip(got, want):
            fused = {h.chunk.chunk_id: h.fused for h in b}
            common = [(h.fused, fused[h.chunk.chunk_id]) for h in a if h.chunk.chunk_id in fused]
            assert np.allclose(*zip(*common), atol=1e-4)


def test_restricting_to_documents_scores_only_theirs(assistant):
    doc_id = assistant.index.chunks[0].doc_id
    hits = assistant.retriever.search_batch([parse_query("牵头单位是谁？")], top_k=5, doc_ids=[doc_id])[0]
    assert hits and {h.chunk.doc_id for h in hits} == {doc_id}
    assert assistant.retriever.search_batch([parse_query("牵头单位是谁？")], doc_ids=["no-such-document"]) == [[]]


def test_milvus_lite_indexes_and_answers_like_faiss(plan_corpus, plan_index, embedder, tmp_path):
    import shutil

    from indexer.build import build_index
    from indexer.facts import extract_facts
    from qa.assistant import Assistant

    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(plan_corpus, corpus)
    store = StoreSpec("milvus")
    build_index(corpus, index_dir, embedder=embedder, show_progress=False, extract_facts=extract_facts, store=store)
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["vector_store"]["kind"] == "milvus" and manifest["vector_store"]["uri"] == "milvus.db"
    assert (index_dir / "milvus.db").exists() and not (index_dir / "dense.faiss").exists()
    # Unchanged corpus, no --store: the index keeps its store and is not rebuilt.
    assert build_index(corpus, index_dir, embedder=embedder, show_progress=False).embedded == 0

    contents = load_index(index_dir, model_id=embedder.model_id)
    try:
        # Chunk ids are the Milvus primary keys; rows point back into chunks.jsonl.
        stored = contents.dense._client.query(
            manifest["vector_store"]["collections"]["clauses"], filter="row < 3", output_fields=["row"]
        )
        assert {record["id"] for record in stored} == {contents.chunks[r["row"]].chunk_id for r in stored}
        milvus = Assistant(contents, embedder)
        faiss = Assistant(load_index(plan_index, model_id=embedder.model_id), embedder)
        question = "2022年新能源汽车产量要达到多少？"
        answer = milvus.ask(question)
        assert "50万辆" in answer.text and not answer.abstained
        assert [h.chunk.chunk_id for h in answer.hits] == [h.chunk.chunk_id for h in faiss.ask(question).hits]
        # As the web UI does after an upload: rebuild in place while the old index is open, then reopen.
        plan = corpus / "qingdao_ai_plan.txt"
        plan.write_text(plan.read_text(encoding="utf-8").replace("产量达到50万辆", "产量达到60万辆"), encoding="utf-8")
        assert build_index(corpus, index_dir, embedder=embedder, show_progress=False).embedded == 1
        reopened = load_index(index_dir, model_id=embedder.model_id)
        assert "60万辆" in Assistant(reopened, embedder).ask(question).text
        reopened.dense.close()
    finally:
        contents.dense.close()


def test_store_spec_refuses_what_it_cannot_do():
    with pytest.raises(InvalidArgumentError, match="向量库"):
        StoreSpec("elastic")
    with pytest.raises(InvalidArgumentError, match="--store milvus"):
        StoreSpec("faiss", "http://localhost:19530")
