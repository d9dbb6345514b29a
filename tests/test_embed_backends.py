"""Every embedding backend gives torch's vectors, and the thread policy holds."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.embed import BACKENDS, DEFAULT_MODEL, Embedder


@pytest.fixture(scope="module")
def corpus_texts(plan, chunks) -> list[str]:
    """A few hundred real clauses and sentences of the plan, short to long."""
    from indexer.segment import sentence_spans

    texts = [chunk.text for chunk in chunks]
    texts += [plan.text[start:end] for chunk in chunks for start, end in sentence_spans(chunk)]
    picked = np.random.default_rng(7).choice(len(texts), size=min(240, len(texts)), replace=False)
    return [texts[i] for i in sorted(picked)]


@pytest.fixture(scope="module")
def torch_vectors(corpus_texts) -> np.ndarray:
    return Embedder(backend="torch").embed_batch(corpus_texts)


@pytest.mark.parametrize("backend", [None, "onnx", "onnx-int8"])
def test_backend_vectors_match_torch(backend, corpus_texts, torch_vectors):
    """None is the default a fresh clone uses, whatever it resolves to on this CPU;
    an explicit backend either gives torch's vectors here or refuses to load."""
    from indexer.onnx_embed import ParityError

    try:
        embedder = Embedder(backend=backend)
    except ParityError:
        assert backend == "onnx-int8", "only the int8 graph may fail its check on some CPUs"
        return
    assert embedder.backend in BACKENDS and embedder.dimension == torch_vectors.shape[1]
    vectors = embedder.embed_batch(corpus_texts)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    cosines = np.sum(vectors * torch_vectors, axis=1)
    assert cosines.min() >= 0.99, f"{embedder.backend}: lowest cosine {cosines.min():.4f}"
    # Order and batching do not change a text's vector.
    alone = embedder.embed_batch(corpus_texts[-1:])[0]
    assert float(alone @ vectors[-1]) >= 0.99  # int8 scales activations per batch


def _export():
    from indexer.embed import _load_model, resolve_model_path
    from indexer.onnx_embed import exported_model

    return exported_model(resolve_model_path(DEFAULT_MODEL), lambda: _load_model(DEFAULT_MODEL))


def test_int8_export_keeps_only_the_outlying_down_projection_fp32():
    """The int8 graph quantises every matrix product but the FFN down-projections
    whose input range the export measured as outlying, and records them."""
    import onnx

    from indexer.onnx_embed import INT8_FORMS, WIDE_INPUT_FACTOR

    folder, meta = _export()
    assert meta["int8_form"] in INT8_FORMS
    kept = meta["int8_kept_fp32"]
    # m3e-small's four ranges on the probes: 10.5, 30.2, 12.5, 3.0.
    assert [name.split("/")[3] for name in kept] == ["layer.1"], kept
    assert min(kept.values()) >= WIDE_INPUT_FACTOR * 10.5
    graph = onnx.load(str(folder / "model.int8.onnx"), load_external_data=False).graph
    float_products = {node.name for node in graph.node if node.op_type == "MatMul" and "/output/dense/" in node.name}
    assert float_products == set(kept)
    assert sum(node.op_type in ("MatMulInteger", "DynamicQuantizeMatMul") for node in graph.node) >= 4 * 6 - len(kept)


def test_exported_graphs_are_checked_on_this_cpu_and_again_on_other_features(monkeypatch):
    """The export records each graph's check on ≥ 200 probe texts under this CPU's
    instruction sets; a reader with other instruction sets checks again."""
    import json

    from indexer import onnx_embed, parity
    from indexer.embed import resolve_model_path

    folder, meta = _export()
    assert len(parity.probe_texts()) >= 200
    this_cpu = json.loads((folder / "checks" / f"{parity.features_key()}-int8.json").read_text(encoding="utf-8"))
    assert this_cpu["passed"] and this_cpu["min_cosine"] >= 0.99 and this_cpu["texts"] >= 200
    assert this_cpu["cpu"] == parity.cpu_features()

    elsewhere = {**parity.cpu_features(), "instruction_sets": ["avx2", "avx512_vnni", "avx512f"]}
    monkeypatch.setattr(onnx_embed, "features_key", lambda: parity.features_key(elsewhere))
    monkeypatch.setattr(onnx_embed, "cpu_features", lambda: elsewhere)
    record_path = folder / "checks" / f"{parity.features_key(elsewhere)}-int8.json"
    record_path.unlink(missing_ok=True)
    _encoder, check = onnx_embed.checked_encoder(folder, resolve_model_path(DEFAULT_MODEL), meta["max_tokens"], quantized=True)
    assert record_path.exists() and check["cpu"] == elsewhere and check["sha256"] == this_cpu["sha256"]
    record_path.unlink()


def _corrupt_int8_copy(folder: Path, cache: Path) -> Path:
    """A copy of the export `folder` under `cache` whose int8 graph has one weight
    tensor's scales multiplied by 4, as a damaged or mis-quantised file would be."""
    import shutil

    import onnx
    from onnx import numpy_helper

    copy = cache / "onnx" / folder.name
    shutil.copytree(folder, copy)
    model = onnx.load(str(copy / "model.int8.onnx"))
    scales = next(t for t in model.graph.initializer if t.name.startswith("onnx::MatMul") and t.name.endswith("_scale"))
    scales.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(scales) * 4, scales.name))
    onnx.save(model, str(copy / "model.int8.onnx"))
    return copy


@pytest.fixture
def corrupted_int8_cache(tmp_path, monkeypatch):
    from indexer import embed
    from indexer.onnx_embed import CACHE_ENV_VAR

    import shutil

    from indexer.onnx_embed import cache_root

    folder, _meta = _export()  # the real export, before the cache is redirected
    # The default model is merged into the cache: the same files (times kept) name the same export.
    shutil.copytree(cache_root() / "models", tmp_path / "models")
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path))
    _corrupt_int8_copy(folder, tmp_path)
    embed._load_onnx.cache_clear()
    yield tmp_path
    embed._load_onnx.cache_clear()  # later tests load the real export again


def test_a_quantised_graph_that_fails_its_check_is_never_served(corrupted_int8_cache, corpus_texts, torch_vectors, monkeypatch):
    from indexer.embed import BACKEND_ENV_VAR
    from indexer.onnx_embed import ParityError

    monkeypatch.delenv(BACKEND_ENV_VAR, raising=False)
    with pytest.raises(ParityError, match="最低余弦"):
        Embedder(backend="onnx-int8")  # asked for explicitly: refused
    default = Embedder()  # the default falls back to the exact fp32 graph, saying why
    assert default.backend == "onnx" and "onnx-int8" in default.fallback_reason
    cosines = np.sum(default.embed_batch(corpus_texts[:40]) * torch_vectors[:40], axis=1)
    assert cosines.min() >= 0.99


def test_an_index_whose_vectors_this_machine_does_not_reproduce_is_queried_by_one_that_does(
    corrupted_int8_cache, plan_index, monkeypatch
):
    """Built with int8 elsewhere, read where int8 fails: the fp32 graph matches
    the stored probes and queries it."""
    from indexer.embed import BACKEND_ENV_VAR, query_embedder
    from indexer.store import read_manifest
    from indexer.versions import open_version

    monkeypatch.delenv(BACKEND_ENV_VAR, raising=False)
    folder = open_version(plan_index).folder
    manifest = {**read_manifest(plan_index), "embed_backend": "onnx-int8"}
    embedder = query_embedder(manifest, DEFAULT_MODEL, folder=folder)
    assert embedder.backend == "onnx"


def test_an_index_no_backend_here_reproduces_is_refused(plan_index, tmp_path):
    """Stored probe vectors no backend makes here (another model's, say) refuse
    the index with a message that says to rebuild it."""
    from indexer.embed import query_embedder
    from indexer.errors import IndexMismatchError
    from indexer.parity import INDEX_PROBE_FILE, index_probe_cosine
    from indexer.store import read_manifest
    from indexer.versions import open_version

    manifest = read_manifest(plan_index)
    folder = open_version(plan_index).folder
    stored = np.load(folder / INDEX_PROBE_FILE)
    assert manifest["probes"]["texts"] and stored.shape == (len(manifest["probes"]["texts"]), 512)
    assert index_probe_cosine(folder, manifest, Embedder().embed_batch) >= 0.99
    np.save(tmp_path / INDEX_PROBE_FILE, np.roll(stored, 1, axis=0))  # each text gets another's vector
    with pytest.raises(IndexMismatchError, match="重建索引"):
        query_embedder(manifest, DEFAULT_MODEL, backend="onnx", folder=tmp_path)


def test_backends_count_tokens_alike(corpus_texts):
    torch_embedder, onnx_embedder = Embedder(backend="torch"), Embedder(backend="onnx")
    assert onnx_embedder.max_tokens == torch_embedder.max_tokens
    for text in corpus_texts[:20]:
        assert onnx_embedder.count_tokens(text) == torch_embedder.count_tokens(text)


def test_queries_use_the_backend_the_index_was_built_with(plan_index, embedder, monkeypatch):
    from indexer.embed import BACKEND_ENV_VAR, query_embedder
    from indexer.errors import IndexMismatchError
    from indexer.store import check_model, read_manifest
    from qa.assistant import Assistant

    monkeypatch.delenv(BACKEND_ENV_VAR, raising=False)
    manifest = read_manifest(plan_index)
    assert manifest["embed_backend"] == embedder.backend
    assert Assistant.open(plan_index).embedder.backend == embedder.backend
    built_by_torch = {**manifest, "embed_backend": "torch"}
    assert query_embedder(built_by_torch, embedder.model_id).backend == "torch"
    assert query_embedder(built_by_torch, embedder.model_id, backend="onnx").backend == "onnx"  # asked for: wins
    monkeypatch.setenv(BACKEND_ENV_VAR, "onnx")
    assert query_embedder(built_by_torch, embedder.model_id).backend == "onnx"
    # The backend is not part of the match; the model and its dimension are.
    check_model(built_by_torch, embedder.model_id, embedder.dimension)
    with pytest.raises(IndexMismatchError, match="维度"):
        check_model(manifest, embedder.model_id, embedder.dimension * 2)


def test_unknown_backend_is_refused():
    from indexer.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="onnx-int8"):
        Embedder(backend="tensorrt")


_POLICY_PROBE = """
import json, faiss, torch
from threadpoolctl import threadpool_info
from indexer.threads import apply_thread_policy
from indexer.embed import Embedder
policy = apply_thread_policy()
state = {"encoder": policy.encoder, "faiss": faiss.omp_get_max_threads(), "torch": torch.get_num_threads(),
         "blas": [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]}
Embedder(backend="torch")
state["torch_encoding"] = torch.get_num_threads()
print(json.dumps(state))
"""


def test_thread_policy_sizes_every_pool():
    """In a fresh process, as the CLI starts: the policy is process-wide and set once."""
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("POLICYQA_THREADS", None)
    completed = subprocess.run([sys.executable, "-c", _POLICY_PROBE], env=env, capture_output=True, text=True, check=True)
    state = json.loads(completed.stdout.strip().splitlines()[-1])
    assert state["faiss"] == 1 and state["torch"] == 1 and set(state["blas"]) == {1}
    assert state["torch_encoding"] == state["encoder"] >= 1  # the torch encoder takes the cores


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("budget", [64, 512, 2048])
def test_token_budget_batches_cover_every_text_once_within_the_budget(seed, budget):
    from indexer.onnx_embed import token_budget_batches

    rng = np.random.default_rng(seed)
    lengths = sorted(int(n) for n in rng.integers(1, 600, size=int(rng.integers(0, 80))))
    batches = token_budget_batches(lengths, budget)
    assert [i for batch in batches for i in range(len(lengths))[batch]] == list(range(len(lengths)))
    for batch in batches:
        padded = (batch.stop - batch.start) * lengths[batch.stop - 1]
        assert padded <= budget or batch.stop - batch.start == 1  # a text longer than the budget goes alone
