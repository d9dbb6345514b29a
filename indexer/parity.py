"""Vectors are checked where they are made: on this CPU, against torch's.

ONNX Runtime's integer kernels differ by instruction set: on x86 without VNNI
the u8×s8 products are summed in pairs into saturating 16-bit lanes, and an
int8 graph that is exact on a VNNI machine gave vectors at cosine 0.66 to
torch's on an AVX2-only AMD EPYC. So an exported graph is never trusted from
another machine: each is checked on the probe texts of
`data/parity_probes.json` against torch's vectors of them (made once, at
export), and the check is recorded per CPU feature set and graph checksum; a
cache read on other features, or a graph changed since, is checked again.
An index keeps a few texts with the vectors it was built with, and loading
re-embeds them (`index_probe_cosine`), so an index copied from another
machine is not queried with vectors that do not match its own.
"""
from __future__ import annotations

import hashlib
import json
import platform
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

# Lowest cosine to torch a backend's vectors may have on any probe text.
PARITY_COSINE = 0.99
# Texts an index keeps with its own vectors (a question, short and long clauses).
INDEX_PROBE_COUNT = 8
INDEX_PROBE_FILE = "probe_vectors.npy"

# Instruction-set flags that select ONNX Runtime's (MLAS) and torch's kernels;
# the rest of /proc/cpuinfo's flags (bugs, power management) do not change a vector.
_KERNEL_FLAGS = frozenset({
    "sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512dq",
    "avx512_vnni", "avx_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_int8", "amx_bf16",
    "asimd", "asimddp", "i8mm", "sve", "sve2", "bf16",  # Arm's names
})


@lru_cache(maxsize=1)
def probe_texts() -> tuple[str, ...]:
    """The texts every backend is checked on (≥ 200 real clauses and sentences)."""
    data = resources.files("indexer").joinpath("data/parity_probes.json").read_text(encoding="utf-8")
    return tuple(json.loads(data)["texts"])


def index_probe_texts() -> list[str]:
    """The few probe texts an index keeps with their vectors."""
    return list(probe_texts()[:INDEX_PROBE_COUNT])


@lru_cache(maxsize=1)
def cpu_features() -> dict[str, object]:
    """This CPU: its model name, architecture and the kernel-selecting instruction sets."""
    model, flags = "", set()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            key = key.strip().lower()
            if key in ("model name", "cpu model") and not model:
                model = value.strip()
            elif key in ("flags", "features") and not flags:
                flags = set(value.split())
    except OSError:  # not Linux: numpy's own table of what it detected
        from numpy._core._multiarray_umath import __cpu_features__

        flags = {name.lower() for name, present in __cpu_features__.items() if present}
    return {
        "model": model or platform.processor() or "unknown",
        "machine": platform.machine(),
        "instruction_sets": sorted(flags & _KERNEL_FLAGS),
    }


def features_key(features: dict[str, object] | None = None) -> str:
    """A short name for a feature set: the checks recorded under it hold for every
    CPU with the same instruction sets (the model name does not choose kernels)."""
    features = features or cpu_features()
    text = f"{features['machine']}|{' '.join(features['instruction_sets'])}"  # type: ignore[arg-type]
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def has_vnni(features: dict[str, object] | None = None) -> bool:
    """Whether ONNX Runtime can use VNNI's unsaturated integer dot products here."""
    sets = set((features or cpu_features())["instruction_sets"])  # type: ignore[arg-type]
    return bool(sets & {"avx512_vnni", "avx_vnni", "amx_int8"})


def cosines(vectors: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Row-wise cosine of unit rows."""
    return np.sum(np.asarray(vectors, dtype=np.float32) * np.asarray(reference, dtype=np.float32), axis=1)


def write_index_probes(folder: Path, vectors: np.ndarray) -> dict[str, object]:
    """Store the index probes' vectors in `folder`; returns the manifest entry."""
    np.save(Path(folder) / INDEX_PROBE_FILE, np.asarray(vectors, dtype=np.float32))
    return {"texts": index_probe_texts(), "file": INDEX_PROBE_FILE}


def index_probe_cosine(folder: Path, manifest: dict, embed_batch) -> float | None:
    """The lowest cosine between the index's stored probe vectors and what
    `embed_batch` makes of the same texts now; None for an index built before
    indexes kept probes."""
    entry = manifest.get("probes")
    if not entry or not (Path(folder) / entry["file"]).exists():
        return None
    stored = np.load(Path(folder) / entry["file"])
    return float(cosines(embed_batch(list(entry["texts"])), stored).min())
