"""A build killed while embedding resumes from what it had embedded."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer.build import build_index
from indexer.embed_cache import EmbeddingCache
from indexer.errors import IndexMissingError
from indexer.store import load_index, open_version


class Killed(KeyboardInterrupt):
    """What Ctrl-C or a kill during embedding looks like to the build."""


def test_killed_build_resumes_and_cleans_up(plan_corpus: Path, plan_index: Path, embedder, tmp_path: Path):
    corpus = tmp_path / "corpus"
    shutil.copytree(plan_corpus, corpus)
    index_dir = tmp_path / "index"
    first_run: list[str] = []

    def kill_after_first_flush(fraction: float, message: str) -> None:
        first_run.append(message)
        raise Killed

    with pytest.raises(Killed):
        build_index(corpus, index_dir, embedder=embedder, show_progress=False, progress=kill_after_first_flush)
    with pytest.raises(IndexMissingError):  # no version was published
        open_version(index_dir)
    cache = tmp_path / ".index.embed-cache"  # beside the index, outside its checksummed versions
    assert list(cache.glob("part-*.npy"))
    assert not any(index_dir.rglob("part-*.npy"))

    second_run: list[str] = []
    report = build_index(
        corpus, index_dir, embedder=embedder, show_progress=False, progress=lambda f, m: second_run.append(m)
    )
    # "已嵌入 done/total 段": the resumed run had fewer texts left to embed.
    total_first = int(first_run[0].split("/")[1].split()[0])
    total_second = int(second_run[-1].split("/")[1].split()[0])
    done_first = int(first_run[0].split()[1].split("/")[0])
    assert total_second == total_first - done_first
    assert not cache.exists()  # the finished index holds every vector
    resumed, fresh = load_index(index_dir), load_index(plan_index)
    assert report.chunks == len(fresh.chunks)
    assert np.allclose(resumed.embeddings, fresh.embeddings, atol=1e-5)
    assert np.allclose(resumed.sentence_embeddings, fresh.sentence_embeddings, atol=1e-5)
    assert resumed.manifest["embed_backend"] == embedder.backend

    # A cache left by a killed build is of no use once the index is current: it goes.
    stale = EmbeddingCache(index_dir, embedder.model_id, embedder.dimension)
    stale.add(["0" * 64], np.zeros((1, embedder.dimension), dtype=np.float32))
    stale.flush()
    assert cache.exists()
    assert build_index(corpus, index_dir, embedder=embedder, show_progress=False).embedded == 0
    assert not cache.exists()


def test_cache_parts_are_read_on_demand_and_torn_parts_ignored(tmp_path: Path):
    cache = EmbeddingCache(tmp_path / "index", "m", 4)
    vectors = np.arange(12, dtype=np.float32).reshape(3, 4)
    cache.add(["a" * 64, "b" * 64], vectors[:2])
    cache.flush()
    cache.add(["c" * 64], vectors[2:])
    cache.flush()
    torn = sorted(cache.folder.glob("part-*.npy"))[1]
    torn.unlink()  # killed between a part's hashes and its vectors
    parts = cache.load()
    assert [hashes for _, hashes in parts] == [["a" * 64, "b" * 64]]
    rows, _ = parts[0]
    assert np.array_equal(rows[1], vectors[1])
    rows.close()
    assert EmbeddingCache(tmp_path / "index", "other-model", 4).load() == []
