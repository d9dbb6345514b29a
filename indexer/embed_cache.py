"""What an unfinished build had embedded, so a killed build resumes.

While a build embeds, every few batches it appends the hash→vector pairs it
computed to a folder beside the index, `.<index name>.embed-cache/`: one part
per flush, its hashes (`part-….hashes`) and then its vectors (`part-….npy`,
the part's commit point), each written under a temporary name and renamed, so
a kill mid-write loses at most that part. The next build reads a vector from
its part only when it needs it (the whole law collection's would be 1.4 GB in
memory); a finished build deletes the folder, since its vectors now live in
the index itself.
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

from .rows import VectorRows


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

    def load(self) -> list[tuple[VectorRows, list[str]]]:
        """Every part flushed by an earlier run for the same model, as its
        vector rows (read on demand; close them) and their hashes; parts that
        are unreadable, incomplete or of another model are ignored."""
        if not self._owns_folder():
            return []
        parts = []
        for vectors_path in sorted(self.folder.glob("part-*.npy")):
            try:
                hashes = vectors_path.with_suffix(".hashes").read_text(encoding="ascii").split()
                rows = VectorRows(vectors_path)
            except (OSError, ValueError, UnicodeDecodeError):
                continue
            if rows.shape[1] == self.key["dimension"] and len(rows) == len(hashes):
                parts.append((rows, hashes))
            else:
                rows.close()
        return parts

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
        name = f"part-{len(list(self.folder.glob('part-*.npy'))):06d}-{uuid.uuid4().hex[:6]}"
        for suffix, write in (
            (".hashes", lambda f: f.write("\n".join(self._hashes).encode("ascii"))),
            (".npy", lambda f: np.save(f, np.concatenate(self._vectors))),  # last: the part is complete
        ):
            tmp = self.folder / f".{name}.tmp{suffix}"
            with open(tmp, "wb") as f:
                write(f)
            os.replace(tmp, self.folder / f"{name}{suffix}")
        self._hashes, self._vectors = [], []

    def clear(self) -> None:
        """Remove the folder (after a finished build, or a cache of another model)."""
        shutil.rmtree(self.folder, ignore_errors=True)
