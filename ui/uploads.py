"""What an uploaded file must be before it may enter the corpus: a safe
file name, a supported type; corpus changes as transactions (a journal, rolled
back after a crash); and the removal of staging folders a crash left in the
corpus folder."""
from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
from pathlib import Path

from indexer.errors import PolicyQAError
from indexer.loaders import SUPPORTED_SUFFIXES
from indexer.loaders.corpus import moved_note, quarantine
from indexer.loaders.limits import LimitExceededError

MAX_FILENAME_STEM = 80
SUPPORTED_LIST = " ".join(SUPPORTED_SUFFIXES)
WORK_FOLDER_PREFIXES = (".upload-", ".removed-")  # staging folders inside the corpus

# Letters, digits, _ - ( ) and CJK ideographs (with full-width brackets) are kept;
# anything else in a file name becomes "_".
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9_\-()（）\u3400-\u4dbf\u4e00-\u9fff]+")
_CONVERSION_HINTS = {
    ".doc": "请用 Word 或 WPS 另存为 .docx 后再上传",
    ".wps": "请用 WPS 另存为 .docx 后再上传",
    ".rtf": "请另存为 .docx 或 .txt 后再上传",
    ".ofd": "请导出为 PDF 后再上传",
    ".xls": "请把内容另存为 .docx 或 .txt 后再上传",
    ".xlsx": "请把内容另存为 .docx 或 .txt 后再上传",
}


class UploadRejectedError(PolicyQAError):
    """An uploaded file was refused; nothing was changed."""


def sanitise_filename(name: str) -> str:
    """A safe corpus file name for an uploaded file's original name.

    Only the last path component is kept (both / and \\ separate), so no path
    traversal survives; characters other than letters, digits, _ - ( ) and CJK
    ideographs become "_"; leading dots go (hidden files are never indexed);
    the suffix is lower-cased; a README name is prefixed (README files are not
    indexed). Raises UploadRejectedError when no supported suffix is left.
    """
    base = unicodedata.normalize("NFKC", str(name or "")).replace("\\", "/").split("/")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = f".{suffix.lower()}" if suffix else ""
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "（无扩展名）"
        hint = _CONVERSION_HINTS.get(suffix, f"支持的类型：{SUPPORTED_LIST}")
        raise UploadRejectedError(f"不支持的文件类型 {shown}：{hint}。")
    stem = _UNSAFE_NAME_CHARS.sub("_", stem)
    stem = re.sub(r"_+", "_", stem).strip("_-")[:MAX_FILENAME_STEM].strip("_-")
    if not stem:
        stem = "上传文件"
    if stem.upper().startswith("README"):
        stem = f"文件_{stem}"
    return f"{stem}{suffix}"


def clean_work_folders(corpus_dir: Path) -> list[str]:
    """Remove the `.upload-*` and `.removed-*` staging folders a crash left in
    the corpus folder; returns their names. Call only while holding the
    index's writer lock."""
    removed = []
    if Path(corpus_dir).is_dir():
        for path in Path(corpus_dir).iterdir():
            if path.is_dir() and not path.is_symlink() and path.name.startswith(WORK_FOLDER_PREFIXES):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path.name)
    return removed


# ---------------------------------------------------------------------------
# Corpus changes as transactions
# ---------------------------------------------------------------------------
# An upload or removal writes a journal beside the corpus folder
# (`<corpus>.change.json`: inside, it would change the corpus listing the
# index remembers) before it touches the corpus, and deletes it once its rebuild has
# finished and the admin is about to be told. A journal found later means the
# process died in between: the change is rolled back (the uploaded file taken
# out, the removed files put back), so a restart serves the old corpus and
# rebuilds its index, never a change the admin did not see succeed.

def journal_path(corpus_dir: Path) -> Path:
    corpus_dir = Path(corpus_dir).resolve()
    return corpus_dir.with_name(f"{corpus_dir.name}.change.json")


def begin_change(corpus_dir: Path, entry: dict) -> None:
    """Write the journal of a change, durably, before the corpus is touched.
    `entry`: {"op": "upload", "file": name} or {"op": "remove", "moved": [[original, parked], …]}
    (names relative to the corpus folder)."""
    path = journal_path(corpus_dir)
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as f:
        json.dump(entry, f, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)
    _fsync_dir(path.parent)


def end_change(corpus_dir: Path) -> None:
    """The change is complete (or rolled back in the process): forget it."""
    journal_path(corpus_dir).unlink(missing_ok=True)
    _fsync_dir(journal_path(corpus_dir).parent)


def roll_back_interrupted(corpus_dir: Path) -> list[str]:
    """Undo the change a dead process left in its journal, then remove the
    staging folders; one line per thing done. Call only while holding the
    index's writer lock."""
    corpus_dir = Path(corpus_dir)
    done: list[str] = []
    path = journal_path(corpus_dir)
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        entry = None
    except (OSError, ValueError):
        entry = {}  # a torn journal: written before anything was touched
    if isinstance(entry, dict) and entry.get("op") == "upload":
        target = _inside(corpus_dir, str(entry.get("file", "")))
        if target is not None and target.is_file():
            target.unlink()
            done.append(f"未完成的上传已撤销：{target.name}")
    elif isinstance(entry, dict) and entry.get("op") == "remove":
        for original, parked in entry.get("moved", []):
            source, back = _inside(corpus_dir, str(parked)), _inside(corpus_dir, str(original))
            if source is not None and back is not None and source.is_file() and not back.exists():
                os.replace(source, back)
                done.append(f"未完成的删除已撤销：{back.name}")
    if entry is not None:
        end_change(corpus_dir)
    done += [f"已清理临时文件夹：{name}" for name in clean_work_folders(corpus_dir)]
    return done


def recover_corpus(corpus_dir: Path, index_dir: Path) -> list[str]:
    """`roll_back_interrupted` under the index's writer lock: what `policyqa
    serve` runs at start, before the index is checked or rebuilt."""
    from indexer.store import index_lock

    if not Path(corpus_dir).is_dir():
        return []
    with index_lock(Path(index_dir)):
        return roll_back_interrupted(corpus_dir)


def _inside(corpus_dir: Path, relative: str) -> Path | None:
    """`relative` under the corpus folder, or None when it would leave it."""
    root = corpus_dir.resolve()
    path = (root / relative).resolve()
    return path if path != root and path.is_relative_to(root) else None


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def quarantine_refused(staged: Path, corpus_dir: Path, error: LimitExceededError) -> LimitExceededError:
    """An upload over a reading limit goes where a corpus file over one goes,
    the quarantine folder beside the corpus (kept for the admin to look at,
    never read again); the refusal, saying where it went."""
    moved = quarantine(staged, corpus_dir, staged.name)
    return LimitExceededError(f"{error}{moved_note(moved, corpus_dir)}", error.limit)

