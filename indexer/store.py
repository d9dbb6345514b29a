"""The index folder: it describes itself and is written atomically.

Layout (format 1):
    manifest.json    format version, model id, dimension, corpus hash, settings, versions
    documents.jsonl  the cleaned documents (citations show their context)
    chunks.jsonl     one Chunk per line, with the hash of the text that was embedded
    embeddings.npy   float32 (chunks, dimension), unit rows, aligned with chunks.jsonl
    sentences.npy    int64 (sentences, 3): chunk position, start, end of every sentence
    sentence_embeddings.npy  float32 (sentences, dimension), unit rows
    sentence_hashes.json     hash of each embedded sentence text (to reuse vectors)
    dense.faiss, sentences.faiss   FAISS indexes over those rows (inner product = cosine),
                     or milvus.db / a Milvus server: see indexer/vectors.py and the
                     manifest's "vector_store" entry
    lexical/         bm25s index over jieba tokens
    facts.json       policy facts extracted at indexing time (optional)
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from .errors import IndexMismatchError, IndexMissingError, PolicyQAError
from .types import Chunk, Document
from .vectors import StoreSpec, open_vectors, write_vectors

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
REBUILD_HINT = "请运行 `policyqa index --rebuild` 重建索引。"
_REQUIRED_FILES = (
    MANIFEST, "documents.jsonl", "chunks.jsonl", "embeddings.npy", "lexical",
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
    embeddings: np.ndarray
    dense: Any  # indexer.vectors.FaissStore | MilvusStore: nearest clauses and sentences
    lexical: Any  # bm25s.BM25
    sentences: np.ndarray  # (n, 3) chunk position, start, end
    sentence_embeddings: np.ndarray
    facts: dict[str, Any] = field(default_factory=dict)

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
    embeddings: np.ndarray,
    chunk_tokens: list[list[str]],
    sentences: np.ndarray,
    sentence_hashes: list[str],
    sentence_embeddings: np.ndarray,
    facts: dict[str, Any] | None = None,
    vector_store: StoreSpec | None = None,
) -> None:
    """Write the whole index into a temporary sibling folder, then swap it into
    place, so a crash never leaves half an index where the old one was.
    `vector_store` says where the vectors are searched (default: FAISS files)."""
    import bm25s

    index_dir = Path(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp_dir = index_dir.parent / f".{index_dir.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp_dir.mkdir()
    try:
        with open(tmp_dir / "documents.jsonl", "w", encoding="utf-8") as f:
            for document in documents:
                f.write(json.dumps(asdict(document), ensure_ascii=False) + "\n")
        with open(tmp_dir / "chunks.jsonl", "w", encoding="utf-8") as f:
            for chunk, embed_hash in zip(chunks, embed_hashes, strict=True):
                f.write(json.dumps({**asdict(chunk), "embed_hash": embed_hash}, ensure_ascii=False) + "\n")
        np.save(tmp_dir / "embeddings.npy", embeddings)
        np.save(tmp_dir / "sentences.npy", sentences.astype(np.int64).reshape(-1, 3))
        np.save(tmp_dir / "sentence_embeddings.npy", sentence_embeddings.astype(np.float32))
        with open(tmp_dir / "sentence_hashes.json", "w", encoding="utf-8") as f:
            json.dump(sentence_hashes, f)
        sentence_ids = [f"{chunks[int(position)].chunk_id}:{int(start)}" for position, start, _ in sentences]
        store_entry = write_vectors(
            tmp_dir, vector_store or StoreSpec(), [c.chunk_id for c in chunks], embeddings,
            sentence_ids, sentence_embeddings, settings.dimension,
        )
        lexical = bm25s.BM25(k1=1.2, b=0.75)
        # An empty token list would make bm25s drop the row and shift ids.
        lexical.index([tokens or ["∅"] for tokens in chunk_tokens], show_progress=False)
        lexical.save(str(tmp_dir / "lexical"), show_progress=False)
        with open(tmp_dir / "facts.json", "w", encoding="utf-8") as f:
            json.dump(facts or {}, f, ensure_ascii=False, indent=1)
        manifest = {
            "format_version": FORMAT_VERSION,
            **asdict(settings),
            "normalized": True,
            "metric": "inner_product",
            "corpus_hash": corpus_hash(documents),
            "documents": [
                {"doc_id": d.doc_id, "title": d.title, "source_path": d.source_path, "content_hash": d.content_hash}
                for d in documents
            ],
            "counts": {"documents": len(documents), "chunks": len(chunks)},
            "vector_store": store_entry,
            "versions": package_versions(),
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        # The manifest goes last: a folder without one is never taken for an index.
        with open(tmp_dir / MANIFEST, "w", encoding="utf-8") as f:
            json.dump(manifest, f, ensure_ascii=False, indent=2)
        _swap_into_place(tmp_dir, index_dir)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise


def _swap_into_place(tmp_dir: Path, index_dir: Path) -> None:
    old_dir = None
    if index_dir.exists():
        old_dir = index_dir.parent / f".{index_dir.name}.old-{uuid.uuid4().hex[:8]}"
        os.replace(index_dir, old_dir)
    os.replace(tmp_dir, index_dir)
    if old_dir is not None:
        shutil.rmtree(old_dir, ignore_errors=True)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest, or IndexMissingError / IndexMismatchError saying how to fix it."""
    index_dir = Path(index_dir)
    path = index_dir / MANIFEST
    if not path.exists():
        raise IndexMissingError(f"索引不存在：{index_dir}。请先运行 `policyqa index` 建立索引。")
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        raise IndexMismatchError(f"索引清单 {path} 已损坏。{REBUILD_HINT}") from e
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"索引格式版本为 {manifest.get('format_version') if isinstance(manifest, dict) else '未知'}，"
            f"本程序需要 {FORMAT_VERSION}。{REBUILD_HINT}"
        )
    return manifest


def check_model(manifest: dict[str, Any], model_id: str) -> None:
    if manifest.get("model_id") != model_id:
        raise IndexMismatchError(
            f"索引由嵌入模型 {manifest.get('model_id')!r} 建立，当前配置的模型是 {model_id!r}。"
            f"{REBUILD_HINT}（或把 POLICYQA_MODEL 设回 {manifest.get('model_id')!r}）"
        )


def load_index(index_dir: Path, model_id: str | None = None) -> IndexContents:
    """Load and verify an index; refuse one built with another model or damaged."""
    import bm25s

    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    if model_id is not None:
        check_model(manifest, model_id)
    missing = [name for name in _REQUIRED_FILES if not (index_dir / name).exists()]
    if missing:
        raise IndexMismatchError(f"索引 {index_dir} 缺少文件：{', '.join(missing)}。{REBUILD_HINT}")
    try:
        documents = [Document(**json.loads(line)) for line in _read_lines(index_dir / "documents.jsonl")]
        chunks, embed_hashes = [], []
        for line in _read_lines(index_dir / "chunks.jsonl"):
            record = json.loads(line)
            embed_hashes.append(record.pop("embed_hash"))
            record["path"] = tuple(record["path"])
            chunks.append(Chunk(**record))
        embeddings = np.load(index_dir / "embeddings.npy")
        dense = open_vectors(index_dir, manifest)
        sentences = np.load(index_dir / "sentences.npy")
        sentence_embeddings = np.load(index_dir / "sentence_embeddings.npy")
        lexical = bm25s.BM25.load(str(index_dir / "lexical"), show_progress=False, verbosity=0)
        facts_path = index_dir / "facts.json"
        facts = json.loads(facts_path.read_text(encoding="utf-8")) if facts_path.exists() else {}
    except PolicyQAError:
        raise
    except Exception as e:  # any parse failure means the folder is damaged
        raise IndexMismatchError(f"索引 {index_dir} 已损坏（{type(e).__name__}）。{REBUILD_HINT}") from e
    expected = manifest["counts"]["chunks"]
    consistent = len(chunks) == expected == dense.size("clauses") == embeddings.shape[0]
    consistent = consistent and dense.dimension == manifest["dimension"]
    consistent = consistent and len(sentences) == len(sentence_embeddings) == dense.size("sentences")
    if not consistent:
        raise IndexMismatchError(f"索引 {index_dir} 的各文件互不一致。{REBUILD_HINT}")
    return IndexContents(
        manifest, documents, chunks, embed_hashes, embeddings, dense, lexical, sentences, sentence_embeddings, facts
    )


def _read_lines(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return [line for line in f if line.strip()]
