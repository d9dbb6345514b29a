"""Where the vectors are searched: FAISS files in the index folder, or Milvus.

Two collections per index, "clauses" and "sentences", each row keyed by the
chunk id (sentences: chunk id and start offset), so ids are the same in both
stores, and carrying its row number in chunks.jsonl / sentences.npy. The
`.npy` files stay in the folder in both cases: they are what a rebuild
reuses and what the retriever reads for the few candidates it scores; the
store only answers "which rows are nearest to this query".

The FAISS index type follows the size: exact inner product below
`EXACT_BELOW` vectors (fast enough, and exact), HNSW above it, its vectors
kept in float16: half the memory and disk, the same neighbours (the retriever
rescores its candidates with the float32 rows of the .npy files).
`ann_recall_at_k` measures what HNSW loses against exact search.
"""
from __future__ import annotations

import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import IndexMismatchError, InvalidArgumentError, PolicyQAError
from .rows import VectorRows, row_blocks

STORES = ("faiss", "milvus")
COLLECTIONS = ("clauses", "sentences")
FAISS_FILES = {"clauses": "dense.faiss", "sentences": "sentences.faiss"}
MILVUS_LITE_FILE = "milvus.db"
# What Milvus Lite creates or rewrites whenever it opens its folder, even to
# read: its flock file, write-ahead logs (empty once flushed) and staging
# folder. A version's checksums leave these out; everything else in milvus.db/
# (schemas, manifests, parquet data, index sidecars) is checksummed as written
# and closed, and opening it for reading leaves those files as they are
# (tests/test_vectors.py checks it).
UNCHECKED_FILES = (
    f"{MILVUS_LITE_FILE}/LOCK",
    f"{MILVUS_LITE_FILE}/.database-staging/*",
    f"{MILVUS_LITE_FILE}/*/wal/*",
)
# Below this many vectors exact search costs well under a millisecond per
# 10k rows; above it HNSW keeps a query at a few milliseconds.
EXACT_BELOW = 50_000
# HNSW settings: M=32 links per node and a search beam of 128, twice the beam
# that already gave recall@10 = 1.0 at 0.4 ms on 100k clustered synthetic
# vectors; `policyqa bench` measures them at a million with ann_recall_at_k.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 100
HNSW_EF_SEARCH = 128
_INSERT_BATCH = 2_000
_ADD_BLOCK = 65_536  # rows per FAISS add: 128 MB of float32 vectors
_REBUILD_HINT = "请运行 `policyqa index --rebuild` 重建索引。"


class VectorStoreError(PolicyQAError):
    """The vector store cannot be reached or refuses an operation."""


@dataclass(frozen=True)
class StoreSpec:
    """Which store holds the vectors. `uri` is for Milvus only: "" means a
    Milvus Lite file inside the index folder, else e.g. http://host:19530."""

    kind: str = "faiss"
    uri: str = ""

    def __post_init__(self) -> None:
        if self.kind not in STORES:
            raise InvalidArgumentError(f"未知的向量库 {self.kind!r}：可选 {', '.join(STORES)}。")
        if self.uri and self.kind != "milvus":
            raise InvalidArgumentError("--milvus-uri 只能与 --store milvus 一起使用。")

    @classmethod
    def of_manifest(cls, manifest: dict[str, Any]) -> "StoreSpec":
        """The store an existing index uses (indexes from before stores were recorded: FAISS)."""
        entry = manifest.get("vector_store") or {}
        uri = entry.get("uri", "")
        return cls(entry.get("kind", "faiss"), "" if uri == MILVUS_LITE_FILE else uri)


# -- FAISS --------------------------------------------------------------------


def build_faiss_index(vectors: np.ndarray | VectorRows, exact_below: int = EXACT_BELOW):
    """An inner-product FAISS index over unit `vectors`: IndexFlatIP below
    `exact_below` rows, HNSW (M=HNSW_M) over float16 copies of the vectors
    from there on. Measured on 100k synthetic unit vectors against float32
    storage: recall@10 1.0 for both, 123 against 221 MiB, built in 30 against
    42 s, 0.22 against 0.32 ms a query."""
    import faiss

    dimension = vectors.shape[1]
    if len(vectors) < exact_below:
        index = faiss.IndexFlatIP(dimension)
    else:
        index = faiss.IndexHNSWSQ(dimension, faiss.ScalarQuantizer.QT_fp16, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    for block in row_blocks(vectors, _ADD_BLOCK):  # a file's rows are read a block at a time
        index.add(np.ascontiguousarray(block, dtype=np.float32))
    return index


def read_faiss_index(path: Path):
    """A FAISS index file opened for searching. Its vectors stay in the file,
    mapped: opening reads nothing, and a search reads the pages it visits.
    Over a few hundred questions that is most of them (the kernel maps the
    cached pages around each one read), which is why HNSW keeps float16
    vectors. A version folder is never written after it is published, so the
    mapping holds."""
    import faiss

    return faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC)


def faiss_index_kind(index) -> str:
    """"flat" or "hnsw", as recorded in the manifest."""
    import faiss

    return "hnsw" if isinstance(index, faiss.IndexHNSW) else "flat"


def ann_recall_at_k(index, vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> float:
    """Share of the exact top-`k` inner-product neighbours of `queries` among
    `vectors` that `index` (built over the same `vectors`) also returns.

    1.0 for an exact index; what `policyqa bench` reports for HNSW."""
    import faiss

    if k <= 0 or len(vectors) == 0 or len(queries) == 0:
        raise InvalidArgumentError(f"召回率需要 k>0 且向量与查询非空，收到 k={k}。")
    k = min(k, len(vectors))
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(np.ascontiguousarray(vectors, dtype=np.float32))
    _, truth = exact.search(queries, k)
    _, found = index.search(queries, k)
    hits = sum(len(set(t.tolist()) & set(f.tolist())) for t, f in zip(truth, found))
    return hits / truth.size


class FaissStore:
    """Vectors searched with FAISS files of the index folder."""

    kind = "faiss"

    def __init__(self, indexes: dict[str, Any]) -> None:
        self._indexes = indexes

    def size(self, collection: str) -> int:
        return int(self._indexes[collection].ntotal)

    @property
    def dimension(self) -> int:
        return int(self._indexes["clauses"].d)

    def search(self, collection: str, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(similarities, rows), each (len(queries), k); rows -1 where fewer exist."""
        index = self._indexes[collection]
        k = max(1, min(k, index.ntotal))
        if index.ntotal == 0:
            return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
        return index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def close(self) -> None:
        """Nothing to release."""


def _write_faiss(folder: Path, vectors: dict[str, np.ndarray]) -> dict[str, Any]:
    import faiss

    kinds = {}
    for collection, rows in vectors.items():
        index = build_faiss_index(rows)
        faiss.write_index(index, str(folder / FAISS_FILES[collection]))
        kinds[collection] = faiss_index_kind(index)
        del index  # before the next collection's is built: each holds a copy of its vectors
    return {"kind": "faiss", "index": kinds, "exact_below": EXACT_BELOW}


def _open_faiss(folder: Path) -> FaissStore:
    import faiss

    missing = [name for name in FAISS_FILES.values() if not (folder / name).exists()]
    if missing:
        raise IndexMismatchError(f"索引 {folder} 缺少文件：{', '.join(missing)}。{_REBUILD_HINT}")
    indexes = {}
    for collection, name in FAISS_FILES.items():
        index = read_faiss_index(folder / name)
        if isinstance(index, faiss.IndexHNSW):
            index.hnsw.efSearch = HNSW_EF_SEARCH
        indexes[collection] = index
    return FaissStore(indexes)


# -- Milvus -------------------------------------------------------------------


def _milvus_client(uri: str):
    try:
        from pymilvus import MilvusClient

        return MilvusClient(uri=uri)
    except ImportError as e:
        raise VectorStoreError("未安装 pymilvus：请运行 pip install pymilvus milvus-lite。") from e
    except Exception as e:  # pymilvus raises many kinds; the user needs one line
        raise VectorStoreError(f"无法连接 Milvus（{uri}）：{e}") from e


def _is_server(uri: str) -> bool:
    return uri.startswith(("http://", "https://", "tcp://", "unix:"))


# Milvus Lite runs one in-process server per file, shared by every client of
# that file in the process (two loads of one version, the web UI's old and new
# index): it is stopped when the last of them closes.
_lite_guard = threading.Lock()
_lite_users: Counter[str] = Counter()


def _open_client(uri: str):
    client = _milvus_client(uri)
    if not _is_server(uri):
        with _lite_guard:
            _lite_users[uri] += 1
    return client


def _close_milvus(client, uri: str) -> None:
    """Close the connection; for a Milvus Lite file, stop its server once no
    client of this process uses it (it holds the file's lock until then)."""
    client.close()
    if _is_server(uri):
        return
    with _lite_guard:
        _lite_users[uri] -= 1
        if _lite_users[uri] > 0:
            return
        del _lite_users[uri]
    try:
        from milvus_lite.server_manager import server_manager_instance
    except ImportError:  # an older milvus-lite runs a separate process that stops with the client
        return
    server_manager_instance.release_server(uri)


class MilvusStore:
    """Vectors searched in Milvus: a Milvus Lite file in the index folder, or a
    Milvus server / cluster for more than one machine can hold."""

    kind = "milvus"

    def __init__(self, client, uri: str, collections: dict[str, str], dimension: int) -> None:
        self._client = client
        self._uri = uri
        self._collections = collections
        self._dimension = dimension

    def size(self, collection: str) -> int:
        stats = self._client.get_collection_stats(self._collections[collection])
        return int(stats["row_count"])

    @property
    def dimension(self) -> int:
        return self._dimension

    def search(self, collection: str, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(similarities, rows), each (len(queries), k); rows -1 where fewer exist."""
        similarities = np.full((len(queries), k), -np.inf, dtype=np.float32)
        rows = np.full((len(queries), k), -1, dtype=np.int64)
        if len(queries) == 0:
            return similarities, rows
        results = self._client.search(
            self._collections[collection],
            data=np.asarray(queries, dtype=np.float32).tolist(),
            limit=k,
            output_fields=["row"],
            search_params={"metric_type": "IP", "params": {"ef": max(HNSW_EF_SEARCH, k)}},
        )
        for q, hits in enumerate(results):
            for j, hit in enumerate(hits[:k]):
                similarities[q, j] = hit["distance"]
                rows[q, j] = hit["entity"]["row"]
        return similarities, rows

    def close(self) -> None:
        """Release the connection (and a Milvus Lite server no one else uses); idempotent."""
        if self._client is not None:
            _close_milvus(self._client, self._uri)
            self._client = None


def _milvus_schema(dimension: int):
    from pymilvus import DataType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=96)
    schema.add_field("row", DataType.INT64)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    return schema


def _write_milvus(
    folder: Path, spec: StoreSpec, ids: dict[str, list[str]], vectors: dict[str, np.ndarray], dimension: int
) -> dict[str, Any]:
    uri = spec.uri or str(folder / MILVUS_LITE_FILE)
    client = _open_client(uri)
    # A fresh name per build: a server may hold the previous build's collections
    # until the new index folder is in place.
    prefix = f"policyqa_{uuid.uuid4().hex[:12]}"
    names = {collection: f"{prefix}_{collection}" for collection in COLLECTIONS}
    kinds = {}
    try:
        for collection, name in names.items():
            rows = vectors[collection]
            # Milvus Lite offers FLAT and IVF only; a server gets HNSW like FAISS does.
            kind = "hnsw" if spec.uri and len(rows) >= EXACT_BELOW else "flat"
            index_params = client.prepare_index_params()
            params = {"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION} if kind == "hnsw" else {}
            index_params.add_index(field_name="vector", index_type=kind.upper(), metric_type="IP", params=params)
            client.create_collection(name, schema=_milvus_schema(dimension), index_params=index_params)
            for start in range(0, len(rows), _INSERT_BATCH):
                batch = rows[start : start + _INSERT_BATCH].astype(np.float32)
                client.insert(
                    name,
                    [
                        {"id": key, "row": start + offset, "vector": vector}
                        for offset, (key, vector) in enumerate(zip(ids[collection][start:], batch.tolist()))
                    ],
                )
            client.flush(name)
            kinds[collection] = kind
    except PolicyQAError:
        raise
    except Exception as e:
        raise VectorStoreError(f"写入 Milvus（{uri}）失败：{e}") from e
    finally:
        _close_milvus(client, uri)
    return {
        "kind": "milvus",
        "uri": spec.uri or MILVUS_LITE_FILE,
        "collections": names,
        "index": kinds,
        "dimension": dimension,
    }


def _open_milvus(folder: Path, entry: dict[str, Any]) -> MilvusStore:
    uri = entry["uri"]
    if uri == MILVUS_LITE_FILE:
        if not (folder / MILVUS_LITE_FILE).exists():
            raise IndexMismatchError(f"索引 {folder} 缺少 Milvus Lite 文件 {MILVUS_LITE_FILE}。{_REBUILD_HINT}")
        # A version folder never changes once published, so a server already
        # running for it (another load in this process) is the right one to share.
        uri = str(folder / MILVUS_LITE_FILE)
    client = _open_client(uri)
    try:
        for name in entry["collections"].values():
            client.load_collection(name)
    except Exception as e:
        _close_milvus(client, uri)
        raise IndexMismatchError(f"Milvus（{entry['uri']}）中没有本索引的向量集合（{e}）。{_REBUILD_HINT}") from e
    return MilvusStore(client, uri, dict(entry["collections"]), int(entry["dimension"]))


def drop_milvus_collections(entry: dict[str, Any]) -> None:
    """Remove a replaced build's collections from a Milvus server (a Lite
    file goes away with its index folder). Best effort: a server that is
    down only keeps some stale collections."""
    if entry.get("kind") != "milvus" or entry.get("uri", MILVUS_LITE_FILE) == MILVUS_LITE_FILE:
        return
    try:
        client = _open_client(entry["uri"])
    except VectorStoreError:
        return
    try:
        for name in entry.get("collections", {}).values():
            if client.has_collection(name):
                client.drop_collection(name)
    finally:
        _close_milvus(client, entry["uri"])


# -- the two entry points store.py calls ----------------------------------------


def write_vectors(
    folder: Path,
    spec: StoreSpec,
    clause_ids: list[str],
    clause_vectors: np.ndarray | VectorRows,
    sentence_ids: list[str],
    sentence_vectors: np.ndarray | VectorRows,
    dimension: int,
) -> dict[str, Any]:
    """Put both collections ((rows, dimension) each) into the store, a block of
    rows at a time; returns the manifest's "vector_store" entry."""
    vectors = {"clauses": clause_vectors, "sentences": sentence_vectors}
    if spec.kind == "faiss":
        return _write_faiss(Path(folder), vectors)
    return _write_milvus(Path(folder), spec, {"clauses": clause_ids, "sentences": sentence_ids}, vectors, dimension)


def open_vectors(folder: Path, manifest: dict[str, Any]) -> FaissStore | MilvusStore:
    """The store the manifest names, ready to search."""
    entry = manifest.get("vector_store") or {"kind": "faiss"}
    if entry.get("kind") == "milvus":
        return _open_milvus(Path(folder), entry)
    return _open_faiss(Path(folder))
