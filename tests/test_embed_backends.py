"""Every embedding backend gives torch's vectors, and the thread policy holds."""
from __future__ import annotations

import numpy as np
import pytest

from indexer.embed import BACKENDS, Embedder


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


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b != "torch"])
def test_backend_vectors_match_torch(backend, corpus_texts, torch_vectors):
    embedder = Embedder(backend=backend)
    assert embedder.backend == backend and embedder.dimension == torch_vectors.shape[1]
    vectors = embedder.embed_batch(corpus_texts)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    cosines = np.sum(vectors * torch_vectors, axis=1)
    assert cosines.min() >= 0.99, f"{backend}: lowest cosine {cosines.min():.4f}"
    # Order and batching do not change a text's vector.
    alone = embedder.embed_batch(corpus_texts[-1:])[0]
    assert float(alone @ vectors[-1]) >= 0.99  # int8 scales activations per batch


def test_backends_count_tokens_alike(corpus_texts):
    torch_embedder, onnx_embedder = Embedder(backend="torch"), Embedder(backend="onnx")
    assert onnx_embedder.max_tokens == torch_embedder.max_tokens
    for text in corpus_texts[:20]:
        assert onnx_embedder.count_tokens(text) == torch_embedder.count_tokens(text)


def test_unknown_backend_is_refused():
    from indexer.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="onnx-int8"):
        Embedder(backend="tensorrt")


def test_thread_policy_sizes_every_pool():
    import faiss
    import torch
    from threadpoolctl import threadpool_info

    from indexer.threads import apply_thread_policy, current_policy

    policy = apply_thread_policy()
    assert current_policy() == policy and policy.search == 1 and policy.blas == 1
    assert faiss.omp_get_max_threads() == 1 and torch.get_num_threads() == 1
    assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")
    Embedder(backend="torch")  # the torch encoder takes the cores
    assert torch.get_num_threads() == policy.encoder
