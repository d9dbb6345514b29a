"""The ONNX Runtime embedding backend: the same vectors as sentence-transformers, faster.

On first use the model's transformer is exported with `torch.onnx.export`
together with the pooling sentence-transformers applies (mean over the tokens
the attention mask keeps, then L2 normalisation), into a cache folder outside
the repository: $POLICYQA_CACHE_DIR/onnx/<fingerprint>/ (default
~/.cache/policyqa). The export checks itself against sentence-transformers on
probe sentences before it is kept, and an int8 copy (dynamic, per-channel
weight quantisation with 7-bit weights, which no x86 instruction set saturates;
an FFN down-projection whose input range is an outlier stays fp32) is made
beside it. Both graphs are checked against torch's vectors of the probe texts
on the CPU that runs them (indexer/parity.py): at export, and again on a CPU
with other instruction sets or after a graph file changed. Later runs load the
ONNX file and the tokenizer only; torch's model is never loaded.

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
from .parity import PARITY_COSINE, cosines, cpu_features, features_key, probe_texts
from .threads import current_policy
from .versions import file_digest

# Bump when the exported graph changes, so old cache folders are not reused.
EXPORT_VERSION = "4"
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


class ParityError(OnnxExportError):
    """An exported graph's vectors differ from torch's on this CPU."""


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
        reference = st_model.encode(list(_PROBES), normalize_embeddings=True, convert_to_numpy=True)
        max_tokens = int(st_model.max_seq_length)
        exported = OnnxEncoder(tmp, model_path, quantized=False, max_tokens=max_tokens)
        worst = float(np.min(cosines(exported.encode(list(_PROBES)), reference)))
        if worst < _CHECK_COSINE:
            raise OnnxExportError(f"ONNX 导出的向量与 torch 不一致（最低余弦 {worst:.4f}）；请设置 POLICYQA_EMBED_BACKEND=torch。")
        # torch's vectors of the probe texts: what every graph is checked against, here and on other CPUs.
        np.save(tmp / REFERENCE_FILE, st_model.encode(list(probe_texts()), normalize_embeddings=True, convert_to_numpy=True))
        _encoder, fp32_check = checked_encoder(tmp, model_path, max_tokens, quantized=False)
        if not fp32_check["passed"]:
            raise OnnxExportError(f"ONNX 导出的向量与 torch 不一致（最低余弦 {fp32_check['min_cosine']:.4f}）；请设置 POLICYQA_EMBED_BACKEND=torch。")
        probe_feed = dict(st_model.tokenizer(list(_PROBES), padding=True, return_tensors="np"))
        int8 = _quantize_checked(tmp, model_path, max_tokens, probe_feed)
        meta = {
            "model_path": model_path,
            "dimension": int(reference.shape[1]),
            "max_tokens": max_tokens,
            "export_version": EXPORT_VERSION,
            "probe_min_cosine": worst,
            "exported_on": cpu_features(),
            **int8,
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
# times the median range of all of them (see _outlying_down_projections).
WIDE_INPUT_FACTOR = 2.0


# The int8 forms tried, in order; the first whose vectors pass the check here is
# kept. 7-bit weights first: x86 without VNNI sums u8×s8 products in pairs into
# saturating 16-bit lanes (vpmaddubsw), which full-range s8 weights overflow
# (lowest cosine 0.66 on an AVX2-only AMD EPYC), while VNNI machines run the
# same kernels as before. u8 weights take another kernel on every x86.
INT8_FORMS = {
    "s8-7bit": {"weight_type": "QInt8", "reduce_range": True},
    "u8u8": {"weight_type": "QUInt8", "reduce_range": False},
}
REFERENCE_FILE = "reference.npy"
INT8_FILE, FP32_FILE = "model.int8.onnx", "model.onnx"


def _outlying_down_projections(source: Path, probe_feed: dict) -> dict[str, float]:
    """The FFN down-projections whose input spans an outlying range, with their
    ranges: int8 activations are quantised per batch (dynamic), and one scale
    per batch rounds away the small values beside an outlier. Each
    down-projection's input (the GELU output) range is measured on the probe
    texts; those reaching WIDE_INPUT_FACTOR × the median range stay fp32.

    m3e-small's ranges are 10.5, 30.2, 12.5 and 3.0 (layer 1 is kept). Measured
    on corpus/'s 2,863 clauses and sentences (2 cores): all four down-projections
    fp32 (export version 2) ran 143 texts/s, lowest cosine to torch 0.9967; this
    192 texts/s, 0.9958; all int8 199 texts/s, 0.9945, but the dev sets' MRR
    then fell 0.006 below torch's on dev_qa_extra (README, "Embedding backends")."""
    import onnx
    import onnxruntime as ort

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
    return {name: round(value, 2) for name, value in ranges.items() if value >= threshold}


def quantize(source: Path, target: Path, keep_fp32: dict[str, float], settings: dict) -> None:
    """int8 weights per channel as `settings` say (a value of INT8_FORMS), but `keep_fp32`."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # "consider pre-processing" advice on every call
    try:
        quantize_dynamic(
            source, target, weight_type=getattr(QuantType, settings["weight_type"]), per_channel=True,
            reduce_range=settings["reduce_range"], nodes_to_exclude=list(keep_fp32),
        )
    finally:
        root.setLevel(level)


def _quantize_checked(folder: Path, model_path: str, max_tokens: int, probe_feed: dict) -> dict:
    """Write the first int8 form (INT8_FORMS) whose vectors pass the parity
    check on this CPU as model.int8.onnx; returns meta.json's int8 fields
    (`int8_form` None, with each form's lowest cosine, when none passes)."""
    keep_fp32 = _outlying_down_projections(folder / FP32_FILE, probe_feed)
    refused = {}
    for form in INT8_FORMS:
        quantize(folder / FP32_FILE, folder / INT8_FILE, keep_fp32, INT8_FORMS[form])
        _encoder, check = checked_encoder(folder, model_path, max_tokens, quantized=True)
        if check["passed"]:
            return {"int8_form": form, "int8_kept_fp32": keep_fp32, "int8_refused": refused}
        refused[form] = round(check["min_cosine"], 4)
    (folder / INT8_FILE).unlink()
    return {"int8_form": None, "int8_kept_fp32": keep_fp32, "int8_refused": refused}


def checked_encoder(folder: Path, model_path: str, max_tokens: int, quantized: bool) -> tuple["OnnxEncoder", dict]:
    """An encoder of the graph in `folder` and its parity check on this CPU:
    {"passed", "min_cosine", "mean_cosine", "cpu", "sha256", ...}. The check is
    read from `checks/` when one was recorded for these instruction sets and
    this graph file (its SHA-256), else run on the probe texts against torch's
    vectors and recorded. The caller refuses a graph that did not pass."""
    import time

    folder = Path(folder)
    graph = folder / (INT8_FILE if quantized else FP32_FILE)
    record_path = folder / "checks" / f"{features_key()}-{'int8' if quantized else 'fp32'}.json"
    digest = file_digest(graph)
    encoder = OnnxEncoder(folder, model_path, quantized=quantized, max_tokens=max_tokens)
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if record.get("sha256") == digest:
            return encoder, record
    except (OSError, ValueError):
        pass
    reference = np.load(folder / REFERENCE_FILE)
    started = time.perf_counter()
    values = cosines(encoder.encode(list(probe_texts())), reference)
    record = {
        "passed": bool(values.min() >= PARITY_COSINE),
        "min_cosine": float(values.min()),
        "mean_cosine": float(values.mean()),
        "texts": len(values),
        "texts_per_second": round(len(values) / (time.perf_counter() - started), 1),
        "cpu": cpu_features(),
        "sha256": digest,
    }
    record_path.parent.mkdir(exist_ok=True)
    work = record_path.with_name(f".{record_path.name}.{uuid.uuid4().hex[:8]}")
    work.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(work, record_path)  # readers see a whole record or none
    return encoder, record


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
