"""Metadata of a document: the sidecar `.meta.json`, and what the text itself tells."""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import UnsupportedDocumentError
from .common import Metadata

_DOC_ID_DISALLOWED = re.compile(r"[^A-Za-z0-9_\-\u4e00-\u9fff]+")
_MAX_TITLE_LEN = 80
_PUBLISHED_LINE = re.compile(r"^\s*(?:发布日期|成文日期|印发日期|发文日期)\s*[:：]\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_DATE_VALUE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_PUBLISHED_SEARCH_LINES = 30


def sidecar_path(path: Path) -> Path:
    """Where the metadata of `path` lives: `<stem>.meta.json` beside it."""
    return path.with_name(f"{path.stem}.meta.json")


def read_sidecar(path: Path) -> Metadata:
    """Metadata from the `.meta.json` beside a document, or {} when there is none.

    Raises:
        UnsupportedDocumentError: the sidecar exists but is not a JSON object.
    """
    meta_path = sidecar_path(path)
    if not meta_path.is_file():
        return {}
    try:
        with open(meta_path, encoding="utf-8-sig") as f:
            data = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UnsupportedDocumentError(
            f"{path.name}: 元数据文件 {meta_path.name} 无法读取（{e}）；请改正为 UTF-8 编码的 JSON 或删除它"
        ) from e
    if not isinstance(data, dict):
        raise UnsupportedDocumentError(
            f"{path.name}: 元数据文件 {meta_path.name} 应是一个 JSON 对象（{{\"title\": …}}）；请改正或删除它"
        )
    return data


def sanitise_doc_id(raw: str) -> str:
    """A doc id made of letters, digits, _, - and CJK ideographs only ("doc" if nothing is left)."""
    cleaned = _DOC_ID_DISALLOWED.sub("_", raw.strip()).strip("_")
    return cleaned or "doc"


def infer_title(text: str, fallback: str) -> str:
    """The first non-empty line when it reads like a title (short, no 。), else `fallback`."""
    for line in text.split("\n"):
        candidate = line.strip()
        if candidate:
            if len(candidate) <= _MAX_TITLE_LEN and "。" not in candidate:
                return candidate
            break
    return fallback


def normalise_date(value: str) -> str:
    """`2019年8月12日` or `2019/8/12` → `2019-08-12`; anything else is returned stripped."""
    match = _DATE_VALUE.match(value)
    if not match:
        return value.strip()
    year, month, day = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def infer_published(text: str) -> str:
    """The ISO date of a `发布日期：…` (or 成文日期…) line near the top, or ""."""
    for line in text.split("\n")[:_PUBLISHED_SEARCH_LINES]:
        match = _PUBLISHED_LINE.match(line)
        if match:
            year, month, day = match.groups()
            return f"{year}-{int(month):02d}-{int(day):02d}"
    return ""
