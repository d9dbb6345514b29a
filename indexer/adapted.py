"""m3e-small adapted to statute language: the bundled model plus a LoRA adapter.

The default model of new indexes (POLICYQA_MODEL=m3e-small chooses the base;
README, "Embedding model"). The adapter (indexer/data/m3e-small-law/, 2.4 MB) was
trained by `policyqa adapt` on pairs mined from the law collection without
hand labels (eval/adapt_pairs.py); its config merges half the trained update
(lora_alpha, eval/adapt_model.py's merge_weight). Only it ships; the full weights are made on each
machine by merging it into the bundled m3e-small (peft's merge_and_unload),
once, into the cache folder beside the ONNX exports:
$POLICYQA_CACHE_DIR/models/m3e-small-law-<digest>/, written elsewhere and then
renamed, so a crash never leaves a half-written model. The digest covers the
adapter's files, so a retrained adapter is merged anew. The merged folder is an
ordinary sentence-transformers model: the ONNX export and its parity check on
this CPU (indexer/onnx_embed.py) treat it like any other.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path

ADAPTED_MODEL = "m3e-small-law"
ADAPTER_DIR = Path(__file__).parent / "data" / ADAPTED_MODEL
TRAINING_REPORT = "training.json"  # how the adapter was made (eval/adapt_model.py)


def adapter_digest(adapter_dir: Path = ADAPTER_DIR) -> str:
    """A short hash of the adapter's files (about 1 MB, read once per process)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in adapter_dir.iterdir() if p.is_file() and p.name != TRAINING_REPORT):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def merged_model_path(base_path: str, cache: Path, adapter_dir: Path = ADAPTER_DIR) -> str:
    """The folder of the base model with the adapter merged in, made on first use.

    Raises FileNotFoundError when the adapter is missing."""
    if not (adapter_dir / "adapter_config.json").is_file():
        raise FileNotFoundError(f"适配器文件缺失：{adapter_dir}")
    folder = cache / "models" / f"{adapter_dir.name}-{adapter_digest(adapter_dir)}"
    if (folder / "modules.json").is_file():
        return str(folder)
    tmp = folder.parent / f".{folder.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        _merge(base_path, adapter_dir, tmp)
        try:
            os.replace(tmp, folder)
        except OSError:  # another process merged it first: keep theirs
            pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return str(folder)


def _merge(base_path: str, adapter_dir: Path, out: Path) -> None:
    from peft import PeftModel
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(base_path, device="cpu")
    transformer = model[0]
    transformer.model = PeftModel.from_pretrained(transformer.model, str(adapter_dir)).merge_and_unload()
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(str(out))
