"""The ONNX Runtime embedding backend: the same vectors as sentence-transformers, faster.

On first use the model's transformer is exported with `torch.onnx.export`
together with the pooling sentence-transformers applies (mean over the tokens
the attention mask keeps, then L2 normalisation), into a cache folder outside
the repository: $POLICYQA_CACHE_DIR/onnx/<fingerprint>/ (default
~/.cache/policyqa). The export checks itself against sentence-transformers on
probe sentences before it is kept, and an int8 copy (dynamic, per-channel
weight quantisation; an FFN down-projection whose input range is an outlier
stays fp32) is made beside it. Later runs load the ONNX file and the tokenizer
only; torch's model is never loaded.

Only pipelines of a Transformer followed by mean pooling (optionally Normalize)
are exported; `supports_model` says whether a model is one.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import uuid
import warnings
from pathlib import Path

import numpy as np

from .errors import PolicyQAError
from .threads import current_policy

# Bump when the exported graph changes, so old cache folders are not reused.
EXPORT_VERSION = "3"
CACHE_ENV_VAR = "POLICYQA_CACHE_DIR"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
# Texts the export is checked on: short, long, mixed digits and Latin letters.
_PROBES = (
    "青岛市人工智能产业发展的主要目标是什么？",
    "到2022年，全市新能源汽车产量达到50万辆，培育10家以上骨干企业。",
    "短",
    "对首次认定的国家级企业技术中心给予一次性奖励100万元；对省级给予30万元。" * 3,
)
_CHECK_COSINE = 0.9999
# Tokens per batch, padding included. Measured on 3,000 clauses and sentences of
# corpus/ + 100 laws (2 cores, int8): 268 texts/s at 2,048 and 266 at 1,024,
# against 232 with 32 texts a batch, whose last batches of 512-token articles
# also grew ONNX Runtime's memory arena by 500-900 MB. int8 scales activations
# per batch, so another batching moves each vector a little (mean cosine to
# torch 0.9987 under both on corpus/); the answer models are trained on these.
TOKEN_BUDGET = 2048


class OnnxExportError(PolicyQAError):
    """The model could not be exported to ONNX, or the export's vectors differ."""


def cache_root() -> Path:
    """Where exported models live: $POLICYQA_CACHE_DIR, else $XDG_CACHE_HOME/policyqa."""
    configured = os.environ.get(CACHE_ENV_VAR, "").strip()
    if configured:
        return Path(configured).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")).expanduser() / "policyqa"


def model_fingerprint(model_path: str) -> str:
    """A short hash naming the export of the model at `model_path`: its files'
    names, sizes and modification times (hashing ~100 MB of weights on every
    start would cost more than it guards against), the export version and the
    torch version that exports."""
    from importlib import metadata

    digest = hashlib.sha256(f"{EXPORT_VERSION}|{metadata.version('torch')}|".encode())
    root = Path(model_path)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def supports_model(st_model) -> bool:
    """Whether a loaded SentenceTransformer is Transformer → mean Pooling [→ Normalize]."""
    names = [type(module).__name__ for module in st_model]
    if names[:2] != ["Transformer", "Pooling"] or names[2:] not in ([], ["Normalize"]):
        return False
    return st_model[1].get_config_dict().get("pooling_mode") == "mean"


def _export(st_model, model_path: str, folder: Path) -> None:
    """Export fp32 and int8 graphs into `folder` (written elsewhere, then renamed)."""
    import torch
    from transformers import AutoModel

    if not supports_model(st_model):
        raise OnnxExportError("该模型不是“Transformer + 平均池化”结构，无法使用 ONNX 后端；请设置 POLICYQA_EMBED_BACKEND=torch。")
    # Eager attention traces to plain ops; the SDPA path specialises on shapes.
    transformer = AutoModel.from_pretrained(model_path, attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        """The transformer plus sentence-transformers' mean pooling and normalisation."""

        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    sample = st_model.tokenizer(list(_PROBES[:2]), padding=True, return_tensors="pt")
    tmp = folder.parent / f".{folder.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    try:
        # The exporter's deprecation and tracer warnings say nothing a user can act on.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Pooled(), tuple(sample[name] for name in INPUT_NAMES), str(tmp / "model.onnx"),
                input_names=list(INPUT_NAMES), output_names=["embedding"],
                dynamic_axes={**{name: {0: "batch", 1: "tokens"} for name in INPUT_NAMES}, "embedding": {0: "batch"}},
                opset_version=17, dynamo=False,  # the TorchScript exporter needs no onnxscript
            )
        probe_feed = dict(st_model.tokenizer(list(_PROBES), padding=True, return_tensors="np"))
        kept_fp32 = _quantize(tmp / "model.onnx", tmp / "model.int8.onnx", probe_feed)
        reference = st_model.encode(list(_PROBES), normalize_embeddings=True, convert_to_numpy=True)
        exported = OnnxEncoder(tmp, model_path, quantized=False, max_tokens=int(st_model.max_seq_length))
        worst = float(np.min(np.sum(exported.encode(list(_PROBES)) * reference, axis=1)))
        if worst < _CHECK_COSINE:
            raise OnnxExportError(f"ONNX 导出的向量与 torch 不一致（最低余弦 {worst:.4f}）；请设置 POLICYQA_EMBED_BACKEND=torch。")
        meta = {
            "model_path": model_path,
            "dimension": int(reference.shape[1]),
            "max_tokens": int(st_model.max_seq_length),
            "export_version": EXPORT_VERSION,
            "probe_min_cosine": worst,
            "int8_kept_fp32": kept_fp32,
        }
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        try:
            os.replace(tmp, folder)
        except OSError:  # another process exported it first: keep theirs
            pass
    finally:
        if tmp.exists():
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)


# A down-projection is kept in fp32 when its input spans at least this many
# times the median range of all of them (see _quantize).
WIDE_INPUT_FACTOR = 2.0


def _quantize(source: Path, target: Path, probe_feed: dict) -> dict[str, float]:
    """int8 weights per channel, activations quantised per batch (dynamic), except
    the FFN down-projections whose input spans an outlying range: one scale per
    batch then rounds away the small values beside it. Each down-projection's
    input (the GELU output) range is measured on the probe texts, and those
    reaching WIDE_INPUT_FACTOR × the median range stay fp32. Returns them with
    their ranges.

    m3e-small's ranges are 10.5, 30.2, 12.5 and 3.0 (layer 1 is kept). Measured
    on corpus/'s 2,863 clauses and sentences (2 cores): all four down-projections
    fp32 (export version 2) ran 143 texts/s, lowest cosine to torch 0.9967; this
    192 texts/s, 0.9958; all int8 199 texts/s, 0.9945, but the dev sets' MRR
    then fell 0.006 below torch's on dev_qa_extra (README, "Embedding backends")."""
    import logging

    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(source))
    down_projections = [node for node in model.graph.node if re.search(r"layer\.\d+/output/dense/MatMul$", node.name)]
    for node in down_projections:
        model.graph.output.append(onnx.helper.make_tensor_value_info(node.input[0], onnx.TensorProto.FLOAT, None))
    probe = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feed = {name: np.asarray(probe_feed[name], dtype=np.int64) for name in INPUT_NAMES}
    real_tokens = feed["attention_mask"].astype(bool)  # padding is not input the model sees
    inputs = probe.run([node.input[0] for node in down_projections], feed)
    ranges = {node.name: float(np.abs(values[real_tokens]).max()) for node, values in zip(down_projections, inputs)}
    threshold = WIDE_INPUT_FACTOR * float(np.median(list(ranges.values()))) if ranges else 0.0
    keep_fp32 = {name: round(value, 2) for name, value in ranges.items() if value >= threshold}
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # "consider pre-processing" advice on every call
    try:
        quantize_dynamic(source, target, weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=list(keep_fp32))
    finally:
        root.setLevel(level)
    return keep_fp32


def exported_model(model_path: str, load_st_model) -> tuple[Path, dict]:
    """The cache folder holding `model_path`'s export and its meta.json, exporting
    on first use; `load_st_model()` returns the SentenceTransformer (only called
    then). Raises OnnxExportError."""
    folder = cache_root() / "onnx" / model_fingerprint(model_path)
    if not (folder / "meta.json").exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        print(f"首次使用：正在把嵌入模型导出为 ONNX（约半分钟）→ {folder}", file=sys.stderr)
        try:
            _export(load_st_model(), model_path, folder)
        except OnnxExportError:
            raise
        except Exception as e:  # the exporter raises many kinds
            raise OnnxExportError(f"导出 ONNX 模型失败（{type(e).__name__}: {e}）；请设置 POLICYQA_EMBED_BACKEND=torch。") from e
    return folder, json.loads((folder / "meta.json").read_text(encoding="utf-8"))


class OnnxEncoder:
    """Normalised embeddings from an exported graph, in batches of similar length."""

    def __init__(self, folder: Path, model_path: str, quantized: bool, max_tokens: int) -> None:
        import onnxruntime as ort
        import transformers
        from transformers import AutoTokenizer

        # count_tokens measures over-long texts on purpose; no warning for that.
        transformers.logging.set_verbosity_error()

        options = ort.SessionOptions()
        options.intra_op_num_threads = current_policy().encoder
        options.inter_op_num_threads = 1
        # Idle threads sleep: a spinning pool steals the core FAISS and numpy need.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        name = "model.int8.onnx" if quantized else "model.onnx"
        self.session = ort.InferenceSession(str(Path(folder) / name), options, providers=["CPUExecutionProvider"])
        self.tokenizer = AutoTokenizer.from_pretrained(model_path)
        self.pad_id = int(self.tokenizer.pad_token_id or 0)
        self.max_tokens = max_tokens

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def encode(self, texts: list[str], token_budget: int = TOKEN_BUDGET, on_batch=None) -> np.ndarray:
        """float32 (len(texts), dimension) unit rows. Texts are tokenized once and
        batched in order of token length, each batch holding at most
        `token_budget` tokens with its padding (so many short sentences go
        together and a long article goes with few); `on_batch(n)` is called
        after each batch of n texts."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        encoded = self.tokenizer(texts, truncation=True, max_length=self.max_tokens)
        ids, types = encoded["input_ids"], encoded.get("token_type_ids")
        order = np.argsort([len(row) for row in ids], kind="stable")
        out: np.ndarray | None = None
        for positions in token_budget_batches([len(ids[i]) for i in order], token_budget):
            chosen = order[positions]
            width = len(ids[chosen[-1]])  # the longest: sorted ascending
            feed = {name: np.zeros((len(chosen), width), dtype=np.int64) for name in INPUT_NAMES}
            for row, i in enumerate(chosen):
                n = len(ids[i])
                feed["input_ids"][row, :n] = ids[i]
                feed["attention_mask"][row, :n] = 1
                if types is not None:
                    feed["token_type_ids"][row, :n] = types[i]
            if self.pad_id:
                feed["input_ids"][feed["attention_mask"] == 0] = self.pad_id
            vectors = self.session.run(None, feed)[0]
            if out is None:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[chosen] = vectors
            if on_batch:
                on_batch(len(chosen))
        return out


def token_budget_batches(sorted_lengths: list[int], budget: int) -> list[slice]:
    """Consecutive slices of ascending `sorted_lengths` whose padded size (count
    × the slice's longest) stays within `budget`; a text longer than the
    budget goes alone."""
    batches, begin = [], 0
    while begin < len(sorted_lengths):
        end = begin + 1
        while end < len(sorted_lengths) and (end - begin + 1) * sorted_lengths[end] <= budget:
            end += 1
        batches.append(slice(begin, end))
        begin = end
    return batches
