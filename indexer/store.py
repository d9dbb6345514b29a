"""The index: what one version holds, written and loaded whole.

An index folder holds checksummed versions and a CURRENT pointer (see
indexer/versions.py: atomic swap, fsync, fallback, writer lock). One version
(format 3):
    manifest.json    format version, model id, dimension, embedding backend,
                     corpus hash, settings, versions, and each file's size and SHA-256
    documents.jsonl  the cleaned documents (citations show their context)
    chunks.jsonl     one Chunk per line, with the hash of the text that was embedded
    embeddings.npy   float32 (chunks, dimension), unit rows, aligned with chunks.jsonl
    sentences.npy    int64 (sentences, 3): chunk position, start, end of every sentence
    sentence_embeddings.npy  float32 (sentences, dimension), unit rows
    sentence_hashes.json     hash of each embedded sentence text (to reuse vectors)
    dense.faiss, sentences.faiss   FAISS indexes over those rows (inner product = cosine),
                     or milvus.db/ (Milvus Lite; its lock and write-ahead log are left
                     out of the checksums: Milvus Lite touches them when it opens) or a
                     Milvus server: see indexer/vectors.py and the manifest's "vector_store"
    lexical/         bm25s index over jieba tokens
    facts.json       policy facts extracted at indexing time (optional)
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from .errors import IndexMismatchError, PolicyQAError
from .rows import VectorRows
from .types import Chunk, Document
from .parity import write_index_probes
from .vectors import UNCHECKED_FILES, StoreSpec, open_vectors, write_vectors
from .versions import (
    MANIFEST,
    REBUILD_HINT,
    IndexBusyError,
    clean_after_crash,
    index_lock,
    new_work_folder,
    open_version,
    publish_version,
)

__all__ = [
    "MANIFEST", "REBUILD_HINT", "BuildSettings", "IndexBusyError", "IndexContents", "clean_after_crash", "check_model", "corpus_hash", "index_lock",
    "load_index", "open_version", "read_manifest", "text_hash", "write_index",
]

log = logging.getLogger("policyqa.index")

# 3: vectors through indexer/vectors.py (sentences.faiss or Milvus, "vector_store" in the manifest).
FORMAT_VERSION = 3
_REQUIRED_FILES = (
    "documents.jsonl", "chunks.jsonl", "embeddings.npy",
    "sentences.npy", "sentence_embeddings.npy",
)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def corpus_hash(documents: list[Document]) -> str:
    """Changes whenever any document's text or metadata changes."""
    digest = hashlib.sha256()
    for document in sorted(documents, key=lambda d: d.doc_id):
        digest.update(json.dumps(asdict(document), ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    versions = {}
    for name in ("sentence-transformers", "transformers", "torch", "faiss-cpu", "bm25s", "jieba", "numpy"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


@dataclass(frozen=True)
class BuildSettings:
    """Everything that decides what an index means; a mismatch means rebuild."""

    model_id: str
    dimension: int
    max_tokens: int
    chunker: str
    tokenizer: str


@dataclass
class IndexContents:
    """An index loaded in memory."""

    manifest: dict[str, Any]
    documents: list[Document]
    chunks: list[Chunk]
    embed_hashes: list[str]
    embeddings: VectorRows  # (chunks, dimension), read row by row
    dense: Any  # indexer.vectors.FaissStore | MilvusStore: nearest clauses and sentences
    lexical: Any  # bm25s.BM25
    sentences: np.ndarray  # (n, 3) chunk position, start, end
    sentence_embeddings: VectorRows  # (sentences, dimension)
    facts: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None  # the version folder it was read from
    warning: str = ""  # set when a damaged current version was passed over for an older one

    @property
    def settings(self) -> BuildSettings:
        m = self.manifest
        return BuildSettings(m["model_id"], m["dimension"], m["max_tokens"], m["chunker"], m["tokenizer"])


def write_index(
    index_dir: Path,
    settings: BuildSettings,
    documents: list[Document],
    chunks: list[Chunk],
    embed_hashes: list[str],
    embeddings: Path,
    chunk_tokens: list[list[str]],
    sentences: np.ndarray,
    sentence_hashes: list[str],
    sentence_embeddings: Path,
    facts: dict[str, Any] | None = None,
    vector_store: StoreSpec | None = None,
    embed_backend: str = "",
    corpus_files: str = "",
    skipped: list[str] | None = None,
    probe_vectors: np.ndarray | None = None,
) -> None:
    """Write the whole index as a new version of `index_dir` and make it current
    in one atomic step (indexer/versions.py), under the writer lock; a crash
    at any moment leaves the previous version current. `embeddings` and
    `sentence_embeddings` are the .npy files of the clause and sentence
    vectors (indexer.rows.VectorFileWriter), moved into it. `vector_store` says
    where the vectors are searched (default: FAISS files); a Milvus Lite file
    is written, closed and checksummed inside the version folder.
    `embed_backend` (torch, onnx, onnx-int8) is recorded so that queries use
    the backend the index was built with. `corpus_files` (the corpus folder's
    `corpus_listing` when it was read) and `skipped` let an unchanged rebuild
    answer without reading the corpus. `probe_vectors` are the build's vectors
    of `indexer.parity.index_probe_texts()`, kept so that loading can check
    that this machine reproduces them. Raises IndexBusyError when another
    process holds the lock past its timeout, VectorStoreError when Milvus
    refuses the vectors."""
    import bm25s

    with index_lock(index_dir):
        tmp_dir = new_work_folder(index_dir)
        try:
            with open(tmp_dir / "documents.jsonl", "w", encoding="utf-8") as f:
                for document in documents:
                    f.write(json.dumps(asdict(document), ensure_ascii=False) + "\n")
            with open(tmp_dir / "chunks.jsonl", "w", encoding="utf-8") as f:
                for chunk, embed_hash in zip(chunks, embed_hashes, strict=True):
                    f.write(json.dumps({**asdict(chunk), "embed_hash": embed_hash}, ensure_ascii=False) + "\n")
            # The vector files are moved in, never read whole (indexer/rows.py).
            os.replace(embeddings, tmp_dir / "embeddings.npy")
            os.replace(sentence_embeddings, tmp_dir / "sentence_embeddings.npy")
            np.save(tmp_dir / "sentences.npy", sentences.astype(np.int64).reshape(-1, 3))
            with open(tmp_dir / "sentence_hashes.json", "w", encoding="utf-8") as f:
                json.dump(sentence_hashes, f)
            sentence_ids = [f"{chunks[int(position)].chunk_id}:{int(start)}" for position, start, _ in sentences]
            # Written and closed here, before the checksums are taken.
            with VectorRows(tmp_dir / "embeddings.npy") as clause_rows, \
                    VectorRows(tmp_dir / "sentence_embeddings.npy") as sentence_rows:
                store_entry = write_vectors(
                    tmp_dir, vector_store or StoreSpec(), [c.chunk_id for c in chunks], clause_rows,
                    sentence_ids, sentence_rows, settings.dimension,
                )
            lexical = bm25s.BM25(k1=1.2, b=0.75)
            # An empty token list would make bm25s drop the row and shift ids.
            lexical.index([tokens or ["∅"] for tokens in chunk_tokens], show_progress=False)
            lexical.save(str(tmp_dir / "lexical"), show_progress=False)
            with open(tmp_dir / "facts.json", "w", encoding="utf-8") as f:
                json.dump(facts or {}, f, ensure_ascii=False, indent=1)
            probes = write_index_probes(tmp_dir, probe_vectors) if probe_vectors is not None else None
            manifest = {
                "format_version": FORMAT_VERSION,
                **asdict(settings),
                # Not a setting: every backend's vectors are interchangeable (indexer/embed.py).
                "embed_backend": embed_backend,
                "probes": probes,
                "normalized": True,
                "metric": "inner_product",
                "corpus_hash": corpus_hash(documents),
                "corpus_files": corpus_files,
                "skipped": list(skipped or []),
                "documents": [
                    {"doc_id": d.doc_id, "title": d.title, "source_path": d.source_path, "content_hash": d.content_hash}
                    for d in documents
                ],
                "counts": {"documents": len(documents), "chunks": len(chunks)},
                "vector_store": store_entry,
                "versions": package_versions(),
                "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            }
            publish_version(index_dir, tmp_dir, manifest, unchecked=UNCHECKED_FILES)
        except BaseException:
            shutil.rmtree(tmp_dir, ignore_errors=True)
            raise


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest of the version a load would use (cheaply verified: the
    manifest's checksum and every file's size), or IndexMissingError /
    IndexMismatchError saying how to fix it."""
    return _checked_manifest(open_version(Path(index_dir)))


def _checked_manifest(version: Any) -> dict[str, Any]:
    manifest = version.manifest
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"索引格式版本为 {manifest.get('format_version', '未知')}，本程序需要 {FORMAT_VERSION}。{REBUILD_HINT}"
        )
    return manifest


def check_model(manifest: dict[str, Any], model_id: str, dimension: int | None = None) -> None:
    """Refuse an index built with another model (or one of another `dimension`,
    when given) with IndexMismatchError. The backend is not compared: any
    backend's vectors serve any other's queries."""
    if manifest.get("model_id") != model_id:
        raise IndexMismatchError(
            f"索引由嵌入模型 {manifest.get('model_id')!r} 建立，当前配置的模型是 {model_id!r}。"
            f"{REBUILD_HINT}（或把 POLICYQA_MODEL 设回 {manifest.get('model_id')!r}）"
        )
    if dimension is not None and manifest.get("dimension") != dimension:
        raise IndexMismatchError(
            f"索引的向量维度为 {manifest.get('dimension')}，当前模型 {model_id!r} 的维度为 {dimension}。{REBUILD_HINT}"
        )


def load_index(index_dir: Path, model_id: str | None = None, full_check: bool = True) -> IndexContents:
    """Load and verify an index; refuse one built with another model or damaged.

    Every file's SHA-256 is checked against the manifest (`full_check`; sizes
    only when False). When the current version is damaged the newest older
    version that verifies is loaded instead, with `IndexContents.warning` set
    and logged. Raises IndexMissingError / IndexMismatchError with a message
    that says how to fix it.
    """
    index_dir = Path(index_dir)
    for attempt in range(2):
        version = open_version(index_dir, full=full_check)
        try:
            contents = _load_version(version, model_id)
        except IndexMismatchError:
            # A writer may have removed this version between choosing and reading it.
            if attempt == 0 and not version.folder.exists():
                continue
            raise
        if contents.warning:
            log.warning("%s", contents.warning)
        return contents
    raise AssertionError("unreachable")


def _load_version(version: Any, model_id: str | None) -> IndexContents:
    import bm25s

    manifest = _checked_manifest(version)
    if model_id is not None:
        check_model(manifest, model_id)
    folder = version.folder
    missing = [name for name in _REQUIRED_FILES if not (folder / name).exists()]
    if missing or not (folder / "lexical").is_dir():
        raise IndexMismatchError(f"索引 {folder} 缺少文件：{', '.join(missing) or 'lexical'}。{REBUILD_HINT}")
    try:
        documents = [Document(**json.loads(line)) for line in _read_lines(folder / "documents.jsonl")]
        chunks, embed_hashes = [], []
        for line in _read_lines(folder / "chunks.jsonl"):
            record = json.loads(line)
            embed_hashes.append(record.pop("embed_hash"))
            record["path"] = tuple(record["path"])
            chunks.append(Chunk(**record))
        # Read row by row when asked for (indexer/rows.py): questions need only
        # their candidates' rows, and the vector store holds its own copy (the
        # whole law collection's vectors are ~1.5 GB).
        embeddings = VectorRows(folder / "embeddings.npy")
        sentences = np.load(folder / "sentences.npy")
        sentence_embeddings = VectorRows(folder / "sentence_embeddings.npy")
        lexical = bm25s.BM25.load(str(folder / "lexical"), show_progress=False, verbosity=0)
        facts_path = folder / "facts.json"
        facts = json.loads(facts_path.read_text(encoding="utf-8")) if facts_path.exists() else {}
        dense = open_vectors(folder, manifest)  # last, so no failure above leaves it open
    except PolicyQAError:
        raise
    except Exception as e:  # any parse failure means the folder is damaged
        raise IndexMismatchError(f"索引 {folder} 已损坏（{type(e).__name__}）。{REBUILD_HINT}") from e
    expected = manifest["counts"]["chunks"]
    consistent = len(chunks) == expected == dense.size("clauses") == embeddings.shape[0]
    consistent = consistent and dense.dimension == manifest["dimension"]
    consistent = consistent and len(sentences) == len(sentence_embeddings) == dense.size("sentences")
    if not consistent:
        dense.close()
        raise IndexMismatchError(f"索引 {folder} 的各文件互不一致。{REBUILD_HINT}")
    return IndexContents(
        manifest, documents, chunks, embed_hashes, embeddings, dense, lexical, sentences, sentence_embeddings, facts,
        folder=folder, warning=version.warning,
    )


def _read_lines(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return [line for line in f if line.strip()]
