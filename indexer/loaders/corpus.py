"""Which reader reads which file, and the walk over a corpus folder.

`load_document` reads one file with the reader of its suffix, cleans the
text, adds sidecar metadata, the inferred title and the content hash;
`load_corpus` does that for every file of a folder, skipping (with a reason)
what cannot be read, and moving what is over a reading limit
(indexer/loaders/limits.py) to the quarantine folder beside the corpus.
"""
from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import stat
from pathlib import Path
from typing import Any

from ..docmeta import document_extras
from ..errors import EmptyCorpusError, UnsupportedDocumentError
from ..header import read_header
from ..types import Document
from .cleaning import clean_text, page_offsets
from .common import RawText, Reader, as_raw_text
from .docx import read_docx
from .limits import LimitExceededError, ReadLimits, active_limits, check, set_limits
from .html import read_html
from .image import read_image
from .metadata import (
    infer_published,
    infer_title,
    normalise_date,
    read_sidecar,
    sanitise_doc_id,
    sidecar_path,
)
from .ofd import read_ofd
from .office import read_legacy_word
from .pdf import read_pdf
from .sandbox import SANDBOXED_SUFFIXES, read_sandboxed
from .text import read_md, read_txt

_READERS: dict[str, Reader] = {
    ".txt": read_txt,
    ".md": read_md,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".doc": read_legacy_word,
    ".wps": read_legacy_word,
    ".ofd": read_ofd,
    ".png": read_image,
    ".jpg": read_image,
    ".jpeg": read_image,
    ".tif": read_image,
    ".tiff": read_image,
}

SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(_READERS)
_SUPPORTED_LIST = "、".join(SUPPORTED_SUFFIXES)
_META_STRING_KEYS = (
    "title", "published", "issuer", "source", "period", "doc_id",
    "doc_number", "written", "valid_until", "printed_by",
)
# Formats people often drop into a corpus folder, with what to do about them.
_CONVERSION_HINTS = {
    ".rtf": "请另存为 .docx 或 .txt",
    ".xls": "请把内容另存为 .docx 或 .txt",
    ".xlsx": "请把内容另存为 .docx 或 .txt",
}

def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1", "on")
    return bool(value)


def _relative_posix(path: Path, corpus_dir: Path) -> str:
    try:
        return path.resolve().relative_to(corpus_dir.resolve()).as_posix()
    except ValueError:
        return path.name


def _read_raw(path: Path, limits: ReadLimits) -> RawText:
    """The raw text of `path`: risky formats in the child process (sandbox.py),
    the others here; every limit of `limits` applies either way."""
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        hint = _CONVERSION_HINTS.get(suffix, f"支持的类型：{_SUPPORTED_LIST}")
        kind = suffix or "（无扩展名）"
        raise UnsupportedDocumentError(f"{path.name}: 不支持的文件类型 {kind}；{hint}")
    if suffix in SANDBOXED_SUFFIXES:
        return read_sandboxed(path, limits)
    previous = set_limits(limits)
    try:
        return read_in_process(path)
    finally:
        set_limits(previous)


def read_in_process(path: Path) -> RawText:
    """`path` read by the reader of its suffix in this process, under the active limits."""
    reader = _READERS[path.suffix.lower()]
    if path.suffix.lower() not in SANDBOXED_SUFFIXES:
        # Text formats cost their size: refused before reading (4 bytes per character at most).
        check(path.name, "max_chars", path.stat().st_size // 4)
    try:
        raw = as_raw_text(reader(path))
        check(path.name, "max_chars", len(raw.text))
        return raw
    except UnsupportedDocumentError:
        raise
    except MemoryError:
        raise LimitExceededError(f"{path.name}: 读取时内存不足，未读取（限制 max_memory_bytes）", "max_memory_bytes") from None
    except Exception as e:  # any parser failure: the file is unreadable, not the program broken
        raise UnsupportedDocumentError(
            f"{path.name}: 文件已损坏或格式无法解析（{type(e).__name__}: {e}）；请用原程序重新导出后再试"
        ) from e


def load_document(path: Path, corpus_dir: Path, limits: ReadLimits | None = None) -> Document:
    """Read, clean and describe one corpus file.

    Metadata comes from `<stem>.meta.json` beside the file (keys title,
    published, issuer, source, period, fixture, doc_id, jurisdiction, level,
    adopted, effective and the header fields doc_number, written, valid_until,
    subject_words, attachments, cc, printed_by), overriding what the file
    carries (Markdown front matter, a law's own history lines), which
    overrides what the red header and closing lines say (`indexer/header.py`).
    Without a title one is inferred from the first line; without a published
    date, from a `发布日期：` line.

    Args:
        path: the file.
        corpus_dir: the corpus folder; `source_path` is relative to it.
        limits: what reading may cost (the active limits when None).
    Returns:
        The Document, `text` cleaned and `content_hash` its SHA-256.
    Raises:
        UnsupportedDocumentError: unsupported type, unreadable or empty content,
            or a broken sidecar. The message names the file.
        LimitExceededError (an UnsupportedDocumentError): over a reading limit.
    """
    path, corpus_dir = Path(path), Path(corpus_dir)
    raw = _read_raw(path, limits or active_limits())
    metadata = {**raw.metadata, **read_sidecar(path)}
    text = clean_text(raw.text)
    if not text.strip():
        raise UnsupportedDocumentError(f"{path.name}: 文件中没有可读取的文字；请检查文件内容，或把它移出语料文件夹")

    strings = {key: str(metadata[key]).strip() for key in _META_STRING_KEYS if metadata.get(key) is not None}
    header = read_header(text)
    published = strings.get("published")
    title = strings.get("title") or header.title or infer_title(text, path.stem)
    issuer = strings.get("issuer") or header.issuer
    # The header's 施行日期 is only a default: a law's history says "" on purpose when
    # its "自…起施行" sentence is older than its last revision (indexer/lawmd.py).
    extras = document_extras({"effective": header.effective, **metadata, "issuer": issuer}, title)
    return Document(
        doc_id=sanitise_doc_id(strings.get("doc_id") or path.stem),
        title=title,
        text=text,
        source_path=_relative_posix(path, corpus_dir),
        published=normalise_date(published) if published else header.published or infer_published(text),
        issuer=issuer,
        source=strings.get("source", ""),
        period=strings.get("period", ""),
        fixture=_as_bool(metadata.get("fixture", False)),
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        doc_number=strings.get("doc_number") or header.doc_number,
        written=normalise_date(strings["written"]) if strings.get("written") else header.written,
        valid_until=normalise_date(strings["valid_until"]) if strings.get("valid_until") else header.valid_until,
        subject_words=_as_list(metadata.get("subject_words"), header.subject_words),
        attachments=_as_list(metadata.get("attachments"), header.attachments),
        cc=_as_list(metadata.get("cc"), header.cc),
        printed_by=strings.get("printed_by") or header.printed_by,
        page_starts=page_offsets(raw.text, raw.page_lines) if raw.page_lines else (),
        ocr_pages=raw.ocr_pages,
        **extras,
    )


def _as_list(value: Any, default: tuple[str, ...]) -> tuple[str, ...]:
    """A sidecar list (or a string separated by 、，; or spaces) as a tuple; `default` when absent."""
    if value is None:
        return default
    items = value if isinstance(value, list) else re.split(r"[\s、，,;；]+", str(value))
    return tuple(str(item).strip() for item in items if str(item).strip())


def _is_candidate(relative: Path) -> bool:
    """Files the corpus walk considers: not hidden, not a sidecar, not a README."""
    if any(part.startswith(".") for part in relative.parts):
        return False
    name = relative.name
    return not name.lower().endswith(".meta.json") and not name.upper().startswith("README")


def _outside_jail(path: Path, corpus_dir: Path) -> str:
    """Why `path` (or its sidecar) must not be read although it sits in the
    corpus folder: a symbolic link on the way, or a real location outside the
    folder. "" when it may be read."""
    root = os.path.realpath(corpus_dir)
    for candidate in (path, sidecar_path(path)):
        probe = corpus_dir
        for part in candidate.relative_to(corpus_dir).parts:
            probe = probe / part
            if probe.is_symlink():
                return "是符号链接，已跳过：语料文件夹中只读取普通文件，请把文件本身复制进来"
        if candidate.exists() and not Path(os.path.realpath(candidate)).is_relative_to(root):
            return "实际位置在语料文件夹之外，已跳过"
    return ""


def _skip_reason(relative: str, error: Exception, name: str) -> str:
    message = str(error).removeprefix(f"{name}: ")
    return f"{relative}: {message}"


def quarantine_dir(corpus_dir: Path) -> Path:
    """Where files over a reading limit go: `<corpus>.quarantine` beside the corpus."""
    corpus_dir = Path(corpus_dir).resolve()
    return corpus_dir.with_name(f"{corpus_dir.name}.quarantine")


def quarantine(path: Path, corpus_dir: Path, relative: str | None = None) -> Path | None:
    """Move `path` out of the corpus into the quarantine folder, keeping its
    relative path, or `relative` for a file that is not in the corpus yet (an
    upload being checked), never over another file; the new path, or None
    when it could not be moved."""
    target = quarantine_dir(corpus_dir) / (relative or Path(path).resolve().relative_to(Path(corpus_dir).resolve()))
    n = 1
    while target.exists():
        target = target.with_name(f"{Path(path).stem}.{n}{Path(path).suffix}")
        n += 1
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), target)
    except OSError:
        return None
    return target


def moved_note(moved: Path | None, corpus_dir: Path) -> str:
    """What a refusal adds when the file went to quarantine: where to."""
    return f"；已移到 {moved.relative_to(quarantine_dir(corpus_dir).parent).as_posix()}" if moved else ""


def load_corpus(corpus_dir: Path, limits: ReadLimits | None = None) -> tuple[list[Document], list[str]]:
    """Load every document of a corpus folder, recursively and in sorted order.

    Hidden files and folders, `*.meta.json` sidecars and README files are
    ignored. The folder is a jail: a symbolic link, or a file whose real
    location is outside the folder, is skipped with a reason. A file that
    cannot be read is skipped with a reason and never stops the others; so is
    a second file with an already used doc_id. A file over a reading limit is
    also moved to `quarantine_dir(corpus_dir)`, so it is never read again.

    Args:
        corpus_dir: the corpus folder.
        limits: what reading one file may cost (the active limits when None).
    Returns:
        (documents, skipped), skipped holding "文件名: 原因" strings.
    Raises:
        EmptyCorpusError: the folder is missing or no document could be read.
    """
    corpus_dir = Path(corpus_dir)
    how_to_fix = f"请把政策文件（{_SUPPORTED_LIST} 格式）放入该文件夹后重试"
    if not corpus_dir.is_dir():
        raise EmptyCorpusError(f"语料文件夹 {corpus_dir} 不存在；{how_to_fix}")

    files = sorted(
        (p for p in corpus_dir.rglob("*") if p.is_file() and _is_candidate(p.relative_to(corpus_dir))),
        key=lambda p: p.relative_to(corpus_dir).as_posix(),
    )
    documents: list[Document] = []
    skipped: list[str] = []
    owners: dict[str, str] = {}
    for path in files:
        relative = path.relative_to(corpus_dir).as_posix()
        jailed = _outside_jail(path, corpus_dir)
        if jailed:
            skipped.append(f"{relative}: {jailed}")
            continue
        try:
            document = load_document(path, corpus_dir, limits)
        except LimitExceededError as e:
            skipped.append(_skip_reason(relative, e, path.name) + moved_note(quarantine(path, corpus_dir), corpus_dir))
            continue
        except (UnsupportedDocumentError, OSError) as e:
            skipped.append(_skip_reason(relative, e, path.name))
            continue
        if document.doc_id in owners:
            skipped.append(
                f"{relative}: 文档编号 {document.doc_id} 与 {owners[document.doc_id]} 重复，已跳过；"
                f"请重命名其中一个文件，或在 {sidecar_path(path).name} 中设置不同的 \"doc_id\""
            )
            continue
        owners[document.doc_id] = relative
        documents.append(document)

    if not documents:
        detail = f"（已跳过：{'；'.join(skipped)}）" if skipped else ""
        raise EmptyCorpusError(f"语料文件夹 {corpus_dir} 中没有可读取的文档{detail}；{how_to_fix}")
    return documents, skipped


@functools.lru_cache(maxsize=1)
def _reader_fingerprint() -> str:
    """The code and data that turn files into documents (the whole `indexer`
    package, its vocabularies included): an upgrade that reads the same file
    differently must not pass for an unchanged corpus."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode("utf-8"))
            digest.update(path.read_bytes())
    return digest.hexdigest()


def corpus_listing(corpus_dir: Path) -> str:
    """A fingerprint of every file under `corpus_dir` (relative path, size,
    modification time in ns) and of the reader code, taken without reading a
    file: equal listings mean `load_corpus` would return the same documents,
    so an unchanged rebuild need not parse thousands of files (3.3 s for
    1,014 laws). Like make, it trusts that a rewritten file changes its
    modification time. "" for a missing folder."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        return ""
    digest = hashlib.sha256(_reader_fingerprint().encode("ascii"))
    for path in sorted(corpus_dir.rglob("*")):
        status = path.lstat()
        if not stat.S_ISDIR(status.st_mode):
            digest.update(f"{path.relative_to(corpus_dir).as_posix()}\0{status.st_size}\0{status.st_mtime_ns}\n".encode("utf-8"))
    return digest.hexdigest()
