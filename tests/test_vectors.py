"""Vector stores (FAISS by size, Milvus Lite) and candidate retrieval against
scoring every clause, with the real model, real FAISS and a real Milvus Lite."""
from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from eval.run import load_dataset
from indexer.errors import InvalidArgumentError
from indexer.store import load_index, open_version
from indexer.vectors import UNCHECKED_FILES, StoreSpec, ann_recall_at_k, build_faiss_index, faiss_index_kind
from indexer.versions import check_versions
from qa.query import parse_query
from qa.retrieve import Retriever

DEV = Path(__file__).resolve().parents[1] / "eval" / "data" / "dev_qa.jsonl"


def test_index_type_follows_size_and_hnsw_recall_is_measured(plan_index, embedder):
    sentences = load_index(plan_index).sentence_embeddings
    queries = embedder.embed_batch([item["question"] for item in load_dataset(DEV)[:30]])
    exact = build_faiss_index(sentences, exact_below=len(sentences) + 1)
    approximate = build_faiss_index(sentences, exact_below=len(sentences))
    assert faiss_index_kind(exact) == "flat" and faiss_index_kind(approximate) == "hnsw"
    # HNSW keeps float16 vectors: its whole file is smaller than the exact index's float32 vectors.
    assert len(faiss.serialize_index(approximate)) < len(faiss.serialize_index(exact))
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


def test_a_scope_of_most_of_the_collection_is_searched_through_candidates(plan_index, embedder, monkeypatch):
    """Every version in force of thousands of laws is a scope of nearly every
    clause: it goes through candidates, filtered to the scope, and ranks as the
    unrestricted search does over the same clauses."""
    import qa.retrieve

    index = load_index(plan_index)
    retriever = Retriever(index, embedder, candidates=20)
    queries = [parse_query(item["question"]) for item in load_dataset(DEV)]
    vectors = retriever.embed_queries(queries)
    doc_ids = sorted({c.doc_id for c in index.chunks})
    free = retriever.search_batch(queries, top_k=5, query_vectors=vectors)
    monkeypatch.setattr(qa.retrieve, "SCORED_SCOPE", 10)  # the plan's clauses count as "most of a collection"
    scoped = retriever.search_batch(queries, top_k=5, doc_ids=doc_ids, query_vectors=vectors)
    assert [[h.chunk.chunk_id for h in a] for a in scoped] == [[h.chunk.chunk_id for h in a] for a in free]
    assert retriever.search_batch(queries[:1], doc_ids=["no-such-document"]) == [[]]


def test_milvus_lite_indexes_and_answers_like_faiss(plan_corpus, plan_index, embedder, tmp_path):
    import shutil

    from indexer.build import build_index
    from indexer.facts import extract_facts
    from qa.assistant import Assistant

    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(plan_corpus, corpus)
    build_index(corpus, index_dir, embedder=embedder, show_progress=False, extract_facts=extract_facts, store=StoreSpec("milvus"))
    version = open_version(index_dir)
    manifest = version.manifest
    assert manifest["vector_store"]["kind"] == "milvus" and manifest["vector_store"]["uri"] == "milvus.db"
    # The Milvus Lite folder lives inside the version; its data files are checksummed, its lock and log are not.
    assert (version.folder / "milvus.db").is_dir() and not (version.folder / "dense.faiss").exists()
    milvus_files = [name for name in manifest["files"] if name.startswith("milvus.db/")]
    assert any(name.endswith(".parquet") for name in milvus_files) and "milvus.db/LOCK" not in manifest["files"]
    assert manifest["unchecked"] == list(UNCHECKED_FILES)
    # Unchanged corpus, no --store: the index keeps its store and is not rebuilt.
    assert build_index(corpus, index_dir, embedder=embedder, show_progress=False).embedded == 0

    # Loaded twice in one process: both share the Milvus Lite server; closing one leaves the other working.
    first = load_index(index_dir, model_id=embedder.model_id)
    second = load_index(index_dir, model_id=embedder.model_id)
    try:
        # Chunk ids are the Milvus primary keys; rows point back into chunks.jsonl.
        stored = first.dense._client.query(
            manifest["vector_store"]["collections"]["clauses"], filter="row < 3", output_fields=["row"]
        )
        assert {record["id"] for record in stored} == {first.chunks[r["row"]].chunk_id for r in stored}
        faiss = Assistant(load_index(plan_index, model_id=embedder.model_id), embedder)
        question = "2022年新能源汽车产量要达到多少？"
        answer = Assistant(first, embedder).ask(question)
        assert "50万辆" in answer.text and not answer.abstained
        assert [h.chunk.chunk_id for h in answer.hits] == [h.chunk.chunk_id for h in faiss.ask(question).hits]
        second.dense.close()
        assert "50万辆" in Assistant(first, embedder).ask(question).text
        # Opening Milvus Lite changed no checksummed file, even while it is open.
        assert [ok for _, ok, _ in check_versions(index_dir)] == [True]
        assert not open_version(index_dir, full=True).warning

        # As the web UI does after an upload: rebuild while the old version is open, then open the new one.
        plan = corpus / "qingdao_ai_plan.txt"
        plan.write_text(plan.read_text(encoding="utf-8").replace("产量达到50万辆", "产量达到60万辆"), encoding="utf-8")
        assert build_index(corpus, index_dir, embedder=embedder, show_progress=False).embedded == 1
        reopened = load_index(index_dir, model_id=embedder.model_id)
        try:
            assert reopened.folder != first.folder and "60万辆" in Assistant(reopened, embedder).ask(question).text
            assert "50万辆" in Assistant(first, embedder).ask(question).text  # the old version still serves
        finally:
            reopened.dense.close()
        # A damaged Milvus data file is caught like any other: the previous version is used instead.
        damaged = next((reopened.folder / name) for name in open_version(index_dir).manifest["files"] if name.endswith(".parquet"))
        damaged.write_bytes(damaged.read_bytes()[:-1] + b"\0")
        fallback = load_index(index_dir, model_id=embedder.model_id)
        try:
            assert fallback.folder == first.folder and fallback.warning
        finally:
            fallback.dense.close()
        assert [ok for _, ok, _ in check_versions(index_dir)] == [False, True]
    finally:
        first.dense.close()
        second.dense.close()  # closing twice does nothing


def test_store_spec_refuses_what_it_cannot_do():
    with pytest.raises(InvalidArgumentError, match="向量库"):
        StoreSpec("elastic")
    with pytest.raises(InvalidArgumentError, match="--store milvus"):
        StoreSpec("faiss", "http://localhost:19530")
