"""What an uploaded file must be before it may enter the corpus: a safe
file name, a supported type; and the removal of staging folders a crash left
in the corpus folder."""
from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

from indexer.errors import PolicyQAError
from indexer.loaders import SUPPORTED_SUFFIXES

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
