"""What an unfinished build had embedded, so a killed build resumes.

While a build embeds, every few batches it appends the hash→vector pairs it
computed to a folder beside the index, `.<index name>.embed-cache/` (one `.npz`
part per flush, each written under a temporary name and renamed, so a kill
mid-write loses at most that part). The next build reads them back; a finished
build deletes the folder, since its vectors now live in the index itself.
Parts are keyed by model id and dimension only: every backend's vectors are
interchangeable (see indexer/embed.py).
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import numpy as np


class EmbeddingCache:
    """Hash→vector pairs of an interrupted build of `index_dir`."""

    def __init__(self, index_dir: Path, model_id: str, dimension: int) -> None:
        index_dir = Path(index_dir)
        self.folder = index_dir.parent / f".{index_dir.name}.embed-cache"
        self.key = {"model_id": model_id, "dimension": int(dimension)}
        self._hashes: list[str] = []
        self._vectors: list[np.ndarray] = []

    def _owns_folder(self) -> bool:
        try:
            return json.loads((self.folder / "key.json").read_text(encoding="utf-8")) == self.key
        except (OSError, ValueError):
            return False

    def load(self) -> dict[str, np.ndarray]:
        """Every pair flushed by an earlier run for the same model; parts that are
        unreadable (or from another model) are ignored."""
        if not self._owns_folder():
            return {}
        known: dict[str, np.ndarray] = {}
        for part in sorted(self.folder.glob("part-*.npz")):
            try:
                with np.load(part) as data:
                    hashes, vectors = data["hashes"], data["vectors"]
            except (OSError, ValueError, KeyError):
                continue
            if vectors.shape[1:] == (self.key["dimension"],) and len(hashes) == len(vectors):
                known.update(zip((h.decode("ascii") for h in hashes), vectors.astype(np.float32)))
        return known

    def add(self, hashes: list[str], vectors: np.ndarray) -> None:
        """Buffer pairs until the next `flush`."""
        self._hashes.extend(hashes)
        self._vectors.append(np.asarray(vectors, dtype=np.float32))

    def flush(self) -> None:
        """Write the buffered pairs as one part (atomically)."""
        if not self._hashes:
            return
        if not self._owns_folder():
            self.clear()
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / "key.json").write_text(json.dumps(self.key), encoding="utf-8")
        name = f"part-{len(list(self.folder.glob('part-*.npz'))):06d}-{uuid.uuid4().hex[:6]}"
        tmp = self.folder / f".{name}.tmp.npz"
        np.savez(tmp, hashes=np.array(self._hashes, dtype="S64"), vectors=np.concatenate(self._vectors))
        os.replace(tmp, self.folder / f"{name}.npz")
        self._hashes, self._vectors = [], []

    def clear(self) -> None:
        """Remove the folder (after a finished build, or a cache of another model)."""
        shutil.rmtree(self.folder, ignore_errors=True)
