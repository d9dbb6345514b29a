"""What reading one document may cost, in one place.

Every limit has a default below; raise one for a whole run with
`set_limits(dataclasses.replace(LIMITS, max_chars=20_000_000))` before
indexing, or pass `limits=` to `load_corpus` / `load_document`. The readers
check them while reading (zip members before they are inflated, pages and
pixels before they are rendered); the child process that reads risky formats
(indexer/loaders/sandbox.py) enforces the memory and wall-clock limits
whatever a parser does. A file over a limit is skipped with one line naming
the limit, and `load_corpus` moves it to the quarantine folder beside the
corpus (`<corpus>.quarantine/`), so a restart never reads it again.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

from ..errors import UnsupportedDocumentError


@dataclass(frozen=True)
class ReadLimits:
    """Limits on reading one file (defaults measured against the corpus: the
    longest law is about 120,000 characters, an A4 page at 200 dpi 3.9 M pixels)."""

    max_zip_bytes: int = 256 * 1024 * 1024  # bytes a .docx/.ofd may inflate to in all (an OFD's repeated parts count each time)
    max_zip_ratio: float = 200.0  # inflated / compressed size of one zip member over 1 MB (text XML packs 5–20×)
    max_chars: int = 5_000_000  # characters of text per document
    max_pages: int = 2_000  # pages of a PDF or OFD, frames of a TIFF
    max_ocr_pages: int = 200  # pages recognised with OCR per document
    max_pixels: int = 60_000_000  # pixels of a rendered page or a decoded image (a 4,096 × 4,096 px scan is 16.8 M)
    max_ocr_seconds_per_page: float = 60.0  # one page's text recognition
    max_memory_bytes: int = 2 * 1024**3  # address space of the reading child process (RLIMIT_AS)
    max_seconds: float = 1800.0  # wall clock to read one file in the child process (200 scanned pages at 9 s each)

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) <= 0:
                raise ValueError(f"ReadLimits.{f.name} must be positive, got {getattr(self, f.name)}")


LIMITS = ReadLimits()
_active = [LIMITS]

# How each limit is named to the user.
LIMIT_NAMES = {
    "max_zip_bytes": "解压后的总大小",
    "max_zip_ratio": "压缩比",
    "max_chars": "文字字数",
    "max_pages": "页数",
    "max_ocr_pages": "文字识别页数",
    "max_pixels": "单页或单张图片的像素数",
    "max_ocr_seconds_per_page": "单页文字识别时间",
    "max_memory_bytes": "读取时的内存",
    "max_seconds": "读取时间",
}


class LimitExceededError(UnsupportedDocumentError):
    """A file would cost more than a `ReadLimits` limit to read; `limit` names it."""

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


def active_limits() -> ReadLimits:
    """The limits the readers of this process check."""
    return _active[0]


def set_limits(limits: ReadLimits) -> ReadLimits:
    """Make `limits` the active ones; returns the previous."""
    previous, _active[0] = _active[0], limits
    return previous


def _shown(limit: str, value: float) -> str:
    if limit in ("max_zip_bytes", "max_memory_bytes"):
        return f"{value / 1024 / 1024:,.0f} MB"
    if limit in ("max_seconds", "max_ocr_seconds_per_page"):
        return f"{value:g} 秒"
    return f"{value:,.0f}"


def exceeded(name: str, limit: str, found: float | None = None) -> LimitExceededError:
    """The error for file `name` going over `limit` (a ReadLimits field), with
    what was found when known."""
    value = getattr(active_limits(), limit)
    seen = f"（{_shown(limit, found)}）" if found is not None else ""
    return LimitExceededError(
        f"{name}: {LIMIT_NAMES[limit]}超过上限 {_shown(limit, value)}{seen}，未读取（限制 {limit}，见 indexer/loaders/limits.py）",
        limit,
    )


def check(name: str, limit: str, found: float) -> None:
    """Raise `exceeded` when `found` is over `limit`."""
    if found > getattr(active_limits(), limit):
        raise exceeded(name, limit, found)


def check_zip(package, name: str) -> None:
    """Refuse a zip whose members would inflate past max_zip_bytes in all, or
    one member (over 1 MB) past max_zip_ratio, before anything is inflated.
    zipfile never inflates a member past the size its header declares, so the
    declared sizes are what reading can cost."""
    members = package.infolist()
    check(name, "max_zip_bytes", sum(member.file_size for member in members))
    for member in members:
        if member.file_size > 1024 * 1024:
            check(name, "max_zip_ratio", member.file_size / max(member.compress_size, 1))
