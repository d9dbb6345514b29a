"""The index folder: manifest, atomic writes, incremental rebuilds, refusals."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.embed import DEFAULT_MODEL
from indexer.errors import EmptyCorpusError, IndexMismatchError, IndexMissingError
from indexer.store import FORMAT_VERSION, load_index, open_version, read_manifest


def test_manifest_describes_the_index(plan_index: Path, embedder):
    manifest = read_manifest(plan_index)
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["model_id"] == DEFAULT_MODEL and manifest["dimension"] == 512
    assert manifest["normalized"] is True and len(manifest["corpus_hash"]) == 64
    assert manifest["chunker"] and manifest["tokenizer"].startswith("jieba-")
    assert manifest["counts"]["chunks"] > 100
    contents = load_index(plan_index, model_id=embedder.model_id)
    assert contents.dense.size("clauses") == len(contents.chunks) == contents.embeddings.shape[0]
    assert manifest["vector_store"]["kind"] == "faiss" and contents.dense.size("sentences") == len(contents.sentences)
    assert len(contents.sentences) == len(contents.sentence_embeddings) > len(contents.chunks)
    assert sorted(p.name for p in plan_index.iterdir() if not p.name.startswith("v")) == [".lock", "CURRENT"]
    assert all(entry["size"] > 0 and len(entry["sha256"]) == 64 for entry in manifest["files"].values())


def test_rebuild_reembeds_only_changed_chunks(plan_corpus: Path, embedder, tmp_path: Path):
    corpus = tmp_path / "corpus"
    shutil.copytree(plan_corpus, corpus)
    index_dir = tmp_path / "index"
    first = build_index(corpus, index_dir, embedder=embedder, show_progress=False)
    assert first.embedded == first.chunks
    again = build_index(corpus, index_dir, embedder=embedder, show_progress=False)
    assert again.embedded == 0  # already current
    plan = corpus / "qingdao_ai_plan.txt"
    text = plan.read_text(encoding="utf-8").replace("新能源汽车产量达到50万辆", "新能源汽车产量达到60万辆")
    plan.write_text(text, encoding="utf-8")
    changed = build_index(corpus, index_dir, embedder=embedder, show_progress=False)
    assert changed.embedded == 1 and changed.chunks == first.chunks
    assert any("60万辆" in c.text for c in load_index(index_dir).chunks)


def test_index_built_with_another_model_is_refused(plan_index: Path, tmp_path: Path):
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        load_index(plan_index, model_id="another-model")


def test_damaged_or_missing_index_is_refused(plan_index: Path, tmp_path: Path):
    with pytest.raises(IndexMissingError, match="policyqa index"):
        load_index(tmp_path / "nowhere")
    damaged = tmp_path / "damaged"
    shutil.copytree(plan_index, damaged)
    folder = open_version(damaged).folder
    (folder / "chunks.jsonl").write_text("{not json\n", encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        load_index(damaged)
    (folder / "manifest.json").write_text("garbage", encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        load_index(damaged)


def test_failed_build_leaves_the_old_index_intact(plan_index: Path, embedder, tmp_path: Path):
    index_dir = tmp_path / "index"
    shutil.copytree(plan_index, index_dir)
    before = read_manifest(index_dir)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(EmptyCorpusError):
        build_index(empty, index_dir, embedder=embedder, show_progress=False)
    assert read_manifest(index_dir) == before
    load_index(index_dir)


def test_bad_file_is_skipped_and_the_rest_indexed(plan_corpus: Path, embedder, tmp_path: Path):
    corpus = tmp_path / "corpus"
    shutil.copytree(plan_corpus, corpus)
    (corpus / "broken.pdf").write_bytes(b"\x00\x01 not a pdf")
    report = build_index(corpus, tmp_path / "index", embedder=embedder, show_progress=False)
    assert report.documents == 1 and any("broken.pdf" in reason for reason in report.skipped)


def test_an_unchanged_rebuild_reads_no_file_until_one_changes(plan_corpus: Path, embedder, tmp_path: Path, monkeypatch):
    """Parsing 1,014 laws took 3.3 s of an unchanged rebuild; the manifest's
    listing of the corpus (paths, sizes, modification times) now answers it
    without reading a file, and any change to the listing reads them again
    (once: a touched but unchanged corpus's listing is remembered)."""
    import indexer.build as build

    corpus = tmp_path / "corpus"
    shutil.copytree(plan_corpus, corpus)
    (corpus / "broken.pdf").write_bytes(b"\x00\x01 not a pdf")
    index_dir = tmp_path / "index"
    first = build_index(corpus, index_dir, embedder=embedder, show_progress=False)
    current = open_version(index_dir).folder
    reads: list[Path] = []
    real_load = build.load_corpus
    monkeypatch.setattr(build, "load_corpus", lambda folder: reads.append(folder) or real_load(folder))

    again = build_index(corpus, index_dir, embedder=embedder, show_progress=False)
    assert reads == [] and again.embedded == 0 and open_version(index_dir).folder == current
    assert (again.documents, again.chunks, again.skipped) == (first.documents, first.chunks, first.skipped)
    assert any("broken.pdf" in reason for reason in again.skipped)

    plan = corpus / "qingdao_ai_plan.txt"
    os.utime(plan, ns=(plan.stat().st_atime_ns, plan.stat().st_mtime_ns + 10**9))  # touched, same text
    touched = build_index(corpus, index_dir, embedder=embedder, show_progress=False)
    assert reads == [corpus] and touched.embedded == 0 and open_version(index_dir).folder == current
    # The touched listing is remembered: the rebuilds after it read nothing again.
    still = build_index(corpus, index_dir, embedder=embedder, show_progress=False)
    assert reads == [corpus] and still.embedded == 0 and still.skipped == first.skipped

    plan.write_text(plan.read_text(encoding="utf-8").replace("新能源汽车产量达到50万辆", "新能源汽车产量达到60万辆"), encoding="utf-8")
    changed = build_index(corpus, index_dir, embedder=embedder, show_progress=False)
    assert len(reads) == 2 and changed.embedded == 1 and open_version(index_dir).folder != current
