"""Plain text and Markdown: decoding files whose encoding is unknown, front matter."""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import UnsupportedDocumentError
from ..lawmd import is_lawmd, parse_lawmd
from .common import Metadata

_MAX_NON_TEXT_RATIO = 0.05
_TEXT_CONTROLS = frozenset("\t\n\r\f\v")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# GB18030 is a strict superset of these, and pages labelled GB2312 often use GBK characters.
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}


def _is_non_text(ch: str) -> bool:
    category = unicodedata.category(ch)
    return (category == "Cc" and ch not in _TEXT_CONTROLS) or category in ("Co", "Cn", "Cs") or ch == "\ufffd"


def _looks_like_text(text: str) -> bool:
    """False when a decoded string is mostly control, private-use or replacement
    characters. Each distinct character is classified once (a law has a few
    thousand distinct characters in 100,000): a loop over every character took
    1 of the 3.3 s to read 1,014 laws."""
    if not text:
        return True
    bad = sum(count for ch, count in Counter(text).items() if _is_non_text(ch))
    return bad / len(text) <= _MAX_NON_TEXT_RATIO


def _decode_bytes(data: bytes, name: str, preferred: str | None = None) -> str:
    """Decode file bytes: UTF-16 BOM, UTF-8, then `preferred`, GB18030, charset-normalizer."""
    if data.startswith(_UTF16_BOMS):
        # Windows Notepad's "Unicode" files: NUL bytes there are part of the encoding.
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise UnsupportedDocumentError(f"{name}: UTF-16 文本已损坏；请另存为 UTF-8 编码后再试") from e
    elif b"\x00" in data:
        raise UnsupportedDocumentError(f"{name}: 含有二进制数据（NUL 字节），不是文本文件；请转换为 UTF-8 文本后再放入语料文件夹")
    else:
        text = _decode_text_bytes(data, name, preferred)
    if not _looks_like_text(text):
        raise UnsupportedDocumentError(f"{name}: 内容大多不是可读文字，可能是二进制文件；请转换为 UTF-8 文本后再放入语料文件夹")
    return text


def _decode_text_bytes(data: bytes, name: str, preferred: str | None) -> str:
    candidates = ["utf-8-sig", "gb18030"]
    if preferred:
        # After UTF-8, not before: GBK text is almost never valid UTF-8, while pages
        # re-saved as UTF-8 often still declare gb2312.
        candidates.insert(1, _CHARSET_ALIASES.get(preferred.lower(), preferred))
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UnsupportedDocumentError(f"{name}: 无法识别文字编码；请另存为 UTF-8 编码后再试")
    return str(best)


def read_text_file(path: Path) -> str:
    """Read a text file whose encoding is unknown.

    Tries UTF-8 (with or without BOM), then GB18030 (which covers GBK and
    GB2312), then charset-normalizer's guess; a UTF-16 file with a BOM is read
    too.

    Args:
        path: the file.
    Returns:
        The decoded text, unchanged otherwise (no cleaning, line endings as stored).
    Raises:
        UnsupportedDocumentError: the file holds NUL bytes, cannot be decoded,
            or decodes to mostly non-text.
    """
    path = Path(path)
    return _decode_bytes(path.read_bytes(), path.name)


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_MATTER_LINE = re.compile(r"^([A-Za-z_][\w\-]*)\s*:\s*(.*?)\s*$")


def _front_matter_value(value: str) -> Any:
    """A scalar of the flat YAML subset front matter uses: quoted strings, booleans, plain text."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    lowered = value.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    return re.sub(r"\s+#.*$", "", value)


def split_front_matter(text: str) -> tuple[Metadata, str]:
    """Split a leading YAML front matter block (`---` … `---`) from Markdown text.

    Only flat `key: value` pairs are read, which is all our metadata needs;
    this avoids depending on a YAML library.

    Returns:
        (metadata, body): metadata is empty and body is `text` when there is
        no front matter.
    """
    normalised = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    match = _FRONT_MATTER.match(normalised)
    if not match:
        return {}, text
    metadata: Metadata = {}
    for line in (match.group(1) or "").split("\n"):
        pair = _FRONT_MATTER_LINE.match(line)
        if pair and not line.lstrip().startswith("#"):
            metadata[pair.group(1)] = _front_matter_value(pair.group(2))
    return metadata, normalised[match.end():]


def read_txt(path: Path) -> tuple[str, Metadata]:
    """Read a plain-text file. Returns (text, {})."""
    return read_text_file(path), {}


def read_md(path: Path) -> tuple[str, Metadata]:
    """Read a Markdown file as plain text. Returns (body, front matter metadata).

    A LawRefBook law (`# title`, history lines, `<!-- INFO END -->`) yields its
    body without the markup and its title and history as metadata.
    """
    metadata, body = split_front_matter(read_text_file(path))
    if is_lawmd(body):
        body, law_metadata = parse_lawmd(body)
        metadata = {**law_metadata, **metadata}
    return body, metadata
