"""Crash-proof, checksummed versions of an index folder (as Lucene and SQLite do it).

    index/
      CURRENT            "<version name> <SHA-256 of its manifest.json>\\n"
      v000007-3fa2c1d0/  one complete index; manifest.json lists every other
                         file with its size and SHA-256
      v000006-9b1e0a44/  the previous version: the fallback while CURRENT's is damaged
      .lock              the single-writer lock (fcntl)

A writer fills `.tmp-<hex>/`, fsyncs every file and the folder, renames it to
its version name, then replaces CURRENT in ONE atomic rename (written to a
temporary file and fsynced first) and fsyncs the index folder. A kill at any
moment leaves CURRENT naming a complete version; leftovers of a killed writer
(`.tmp-*`, `CURRENT.tmp-*`, versions beyond the previous one) are removed by
the next writer, under the lock.

Readers take no lock: they resolve CURRENT, verify the manifest against its
checksum and the files against the manifest (sizes always; SHA-256 when asked),
and fall back to the newest other version that verifies, with a warning.
"""
from __future__ import annotations

import contextlib
import fcntl
import fnmatch
import hashlib
import json
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import IndexMismatchError, IndexMissingError, PolicyQAError

CURRENT = "CURRENT"
MANIFEST = "manifest.json"
LOCK_FILE = ".lock"
LOCK_TIMEOUT_S = 600.0  # a rebuild of a large corpus may hold the lock for minutes
REBUILD_HINT = "请运行 `policyqa index --rebuild` 重建索引。"
_VERSION = re.compile(r"^v(\d{6})-[0-9a-f]{8}$")
_LEGACY_FILES = (
    MANIFEST, "documents.jsonl", "chunks.jsonl", "embeddings.npy", "dense.faiss", "lexical",
    "sentences.npy", "sentence_embeddings.npy", "sentence_hashes.json", "facts.json", "sentences.faiss", "milvus.db",
)


class IndexBusyError(PolicyQAError):
    """Another process is writing this index."""


@dataclass(frozen=True)
class IndexVersion:
    """The version a reader uses: its folder, its manifest, and a warning
    (Chinese, for the user) when CURRENT's version was damaged and an older
    one is used instead."""

    folder: Path
    manifest: dict[str, Any]
    warning: str = ""


# ---------------------------------------------------------------------------
# The single-writer lock
# ---------------------------------------------------------------------------

_registry_guard = threading.Lock()
_thread_locks: dict[str, threading.RLock] = {}
_held: dict[str, list[int]] = {}  # real path -> [fd, depth], touched only by the RLock's owner


@contextlib.contextmanager
def index_lock(index_dir: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the writer lock of `index_dir` (created if missing).

    Re-entrant within a thread; other threads of the process and other
    processes wait up to `timeout` seconds, then IndexBusyError.
    """
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    key = os.path.realpath(index_dir)
    with _registry_guard:
        local = _thread_locks.setdefault(key, threading.RLock())
    busy = IndexBusyError(f"索引 {index_dir} 正由另一个任务更新：请稍后再试。")
    if not local.acquire(timeout=timeout):
        raise busy
    try:
        if key not in _held:
            fd = os.open(index_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        os.close(fd)
                        raise busy from None
                    time.sleep(0.05)
            _held[key] = [fd, 0]
        _held[key][1] += 1
        try:
            yield
        finally:
            _held[key][1] -= 1
            if _held[key][1] == 0:
                fd = _held.pop(key)[0]
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
    finally:
        local.release()


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def new_work_folder(index_dir: Path) -> Path:
    """An empty `.tmp-<hex>` folder inside `index_dir` to write a version into."""
    folder = Path(index_dir) / f".tmp-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    return folder


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durably(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _file_table(folder: Path, unchecked: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """Size and SHA-256 of every file under `folder` (manifest aside, and the
    paths matching an `unchecked` pattern), each fsynced on the way, and every
    sub-folder fsynced."""
    table = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST):
        name = path.relative_to(folder).as_posix()
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in unchecked):
            continue
        with open(path, "rb+") as f:
            os.fsync(f.fileno())
        stat = path.stat()
        table[name] = {"size": stat.st_size, "sha256": file_digest(path), "mtime_ns": stat.st_mtime_ns}
    for sub in sorted(p for p in folder.rglob("*") if p.is_dir()):
        _fsync_dir(sub)
    return table


def publish_version(index_dir: Path, work: Path, manifest: dict[str, Any], unchecked: tuple[str, ...] = ()) -> Path:
    """Make the files in `work` (from `new_work_folder`) the current version.

    Adds `files` (size, SHA-256 of each) to `manifest`, leaving out the paths
    that match an `unchecked` glob pattern (files a reader's library rewrites,
    recorded as `unchecked`), writes it, renames
    `work` to the next version name and points CURRENT at it with one atomic
    rename; then removes stale work folders and old versions. Call under
    `index_lock`. Returns the version folder.
    """
    index_dir = Path(index_dir)
    try:  # kept as the fallback: the version readers use now, if it is intact
        previous = open_version(index_dir, full=True).folder.name
    except PolicyQAError:
        previous = None
    manifest = {**manifest, "files": _file_table(work, unchecked), "unchecked": list(unchecked)}
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    _write_durably(work / MANIFEST, manifest_bytes)
    _fsync_dir(work)
    sequence = max((int(m.group(1)) for m in map(_VERSION.match, os.listdir(index_dir)) if m), default=0) + 1
    version = index_dir / f"v{sequence:06d}-{uuid.uuid4().hex[:8]}"
    os.replace(work, version)
    _fsync_dir(index_dir)
    pointer = index_dir / f"{CURRENT}.tmp-{uuid.uuid4().hex[:8]}"
    _write_durably(pointer, f"{version.name} {hashlib.sha256(manifest_bytes).hexdigest()}\n".encode())
    os.replace(pointer, index_dir / CURRENT)  # the commit point
    _fsync_dir(index_dir)
    clean_stale(index_dir, keep={version.name, previous or ""})
    return version


def clean_after_crash(index_dir: Path) -> list[str]:
    """`clean_stale` keeping CURRENT's version and the newest other one: what a
    writer does first, so a killed writer's leftovers go even when the next
    build finds nothing to write. Call under `index_lock`."""
    index_dir = Path(index_dir)
    if not index_dir.is_dir():
        return []
    named = _named_version(index_dir)
    others = sorted((p.name for p in index_dir.iterdir() if _VERSION.match(p.name) and p.name != named), reverse=True)
    keep = {name for name in [named, *others[:1]] if name}
    if not (index_dir / CURRENT).exists():
        return []  # no index yet, or the old layout: nothing of ours to judge
    return clean_stale(index_dir, keep)


def clean_stale(index_dir: Path, keep: set[str]) -> list[str]:
    """Remove what a killed writer or an older layout left in and beside
    `index_dir`: work folders, pointer temporaries, versions not in `keep`,
    the files of the old single-folder layout. Call under `index_lock`."""
    index_dir = Path(index_dir)
    removed = []
    for path in index_dir.iterdir():
        name = path.name
        stale = (
            name.startswith((".tmp-", f"{CURRENT}.tmp-"))
            or (_VERSION.match(name) is not None and name not in keep)
            or name in _LEGACY_FILES
        )
        if stale:
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() and not path.is_symlink() else path.unlink(missing_ok=True)
            removed.append(name)
    # The old layout swapped whole sibling folders: `.index.tmp-*` and `.index.old-*`.
    for path in index_dir.parent.glob(f".{index_dir.name}.*-*"):
        if path.is_dir() and re.fullmatch(rf"\.{re.escape(index_dir.name)}\.(tmp|old)-[0-9a-f]{{8}}", path.name):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def _read_pointer(index_dir: Path) -> tuple[str, str] | None:
    try:
        parts = (index_dir / CURRENT).read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        return None
    return (parts[0], parts[1]) if len(parts) == 2 else None


def _named_version(index_dir: Path) -> str | None:
    pointer = _read_pointer(index_dir)
    return pointer[0] if pointer and _VERSION.match(pointer[0]) and (index_dir / pointer[0]).is_dir() else None


def verify_version(folder: Path, manifest_sha: str | None, full: bool, trust_unmodified: bool = False) -> dict[str, Any]:
    """The manifest of `folder` after checking it (against `manifest_sha` when
    given) and every file it lists: size, and SHA-256 when `full`. With
    `trust_unmodified`, a file whose size and modification time are still the
    ones recorded when it was published is not hashed: every way an index
    gets damaged short of the disk's own bit rot (a truncated copy, an editor,
    a half-finished write) changes one of them, and hashing the whole
    collection's 3.5 GB on every unchanged rebuild took seconds. Raises
    IndexMismatchError naming the first problem."""
    try:
        raw = (folder / MANIFEST).read_bytes()
    except OSError:
        raise IndexMismatchError(f"{folder.name} 缺少 {MANIFEST}") from None
    if manifest_sha is not None and hashlib.sha256(raw).hexdigest() != manifest_sha:
        raise IndexMismatchError(f"{folder.name}/{MANIFEST} 的校验和不符")
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise IndexMismatchError(f"{folder.name}/{MANIFEST} 无法解析") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not files:
        raise IndexMismatchError(f"{folder.name}/{MANIFEST} 没有文件清单")
    root = folder.resolve()
    for name, expected in files.items():
        path = (folder / name).resolve()
        if not path.is_relative_to(root) or not path.is_file() or not isinstance(expected, dict):
            raise IndexMismatchError(f"{folder.name} 缺少文件 {name}")
        if path.stat().st_size != expected.get("size"):
            raise IndexMismatchError(f"{folder.name}/{name} 的大小不符")
        unmodified = trust_unmodified and expected.get("mtime_ns") == path.stat().st_mtime_ns
        if full and not unmodified and file_digest(path) != expected.get("sha256"):
            raise IndexMismatchError(f"{folder.name}/{name} 的校验和不符（文件已损坏）")
    return manifest


def open_version(index_dir: Path, full: bool = False, trust_unmodified: bool = False) -> IndexVersion:
    """The version of `index_dir` to read: CURRENT's when it verifies, else the
    newest other version that does (with a warning). `full` and
    `trust_unmodified` are `verify_version`'s.

    Raises IndexMissingError when there is no index, IndexMismatchError when
    it has the old layout or no version verifies.
    """
    index_dir = Path(index_dir)
    if not (index_dir / CURRENT).exists():
        if (index_dir / MANIFEST).exists():
            raise IndexMismatchError(f"索引 {index_dir} 是旧版格式（没有校验和）。{REBUILD_HINT}")
        if not index_dir.is_dir() or not any(_VERSION.match(p.name) for p in index_dir.iterdir()):
            raise IndexMissingError(f"索引不存在：{index_dir}。请先运行 `policyqa index` 建立索引。")
    pointer = _read_pointer(index_dir)
    named = pointer[0] if pointer and _VERSION.match(pointer[0]) else None
    others = sorted((p.name for p in index_dir.iterdir() if _VERSION.match(p.name) and p.name != named), reverse=True)
    problems = []
    if named is None:
        problems.append(f"{CURRENT} 已损坏")
    for name in ([named] if named else []) + others:
        try:
            manifest = verify_version(index_dir / name, pointer[1] if name == named and pointer else None, full, trust_unmodified)
        except (IndexMismatchError, OSError) as e:
            problems.append(str(e))
            continue
        warning = ""
        if problems:
            warning = (
                f"索引当前版本已损坏（{'；'.join(problems)}），已改用完好的版本 {name}"
                f"（建立于 {manifest.get('built_at', '未知时间')}）。请运行 `policyqa index` 重建索引。"
            )
        return IndexVersion(index_dir / name, manifest, warning)
    raise IndexMismatchError(f"索引 {index_dir} 已损坏（{'；'.join(problems) or '没有完整的版本'}）。{REBUILD_HINT}")


def version_folders(index_dir: Path) -> list[Path]:
    """Every version folder of `index_dir`, verified or not, oldest first."""
    index_dir = Path(index_dir)
    if not index_dir.is_dir():
        return []
    return sorted(p for p in index_dir.iterdir() if _VERSION.match(p.name) and p.is_dir())


def check_versions(index_dir: Path) -> list[tuple[str, bool, str]]:
    """Every version of `index_dir` fully verified: (name, ok, problem), CURRENT's first."""
    index_dir = Path(index_dir)
    pointer = _read_pointer(index_dir)
    named = pointer[0] if pointer else None
    names = sorted((p.name for p in index_dir.iterdir() if _VERSION.match(p.name)), key=lambda n: (n != named, n), reverse=False)
    results = []
    for name in names:
        try:
            verify_version(index_dir / name, pointer[1] if name == named and pointer else None, full=True)
            results.append((name, True, ""))
        except (IndexMismatchError, OSError) as e:
            results.append((name, False, str(e)))
    return results
