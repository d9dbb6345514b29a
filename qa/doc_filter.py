"""Choosing documents by their metadata: `issuer=青岛市人民政府`, `year=2019`.

A filter is a few `key=value` conditions, all of which a document must meet.
Text fields match when the document's value contains the given text, so
`issuer=青岛市` chooses every body of the city; `year` is the year of the
成文日期 (or, without one, of the 发布日期).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from indexer.errors import InvalidArgumentError
from indexer.types import Document

# Filter key -> the Document field it reads (or a special rule below).
_TEXT_FIELDS = {
    "issuer": "issuer",
    "doc_number": "doc_number",
    "title": "title",
    "doc_id": "doc_id",
    "source": "source",
    "printed_by": "printed_by",
}
_LIST_FIELDS = {"subject": "subject_words", "cc": "cc", "attachment": "attachments"}
KEYS: tuple[str, ...] = (*_TEXT_FIELDS, *_LIST_FIELDS, "year")
_SEPARATORS = re.compile(r"[,;，；]\s*")


@dataclass(frozen=True)
class DocFilter:
    """Conditions (key, value), all of which a document must meet."""

    conditions: tuple[tuple[str, str], ...]

    def __call__(self, document: Document) -> bool:
        return all(_meets(document, key, value) for key, value in self.conditions)

    def doc_ids(self, documents: Iterable[Document]) -> list[str]:
        """The ids of the documents that pass, in the order given."""
        return [document.doc_id for document in documents if self(document)]

    def describe(self) -> str:
        return "，".join(f"{key}={value}" for key, value in self.conditions)


def _meets(document: Document, key: str, value: str) -> bool:
    if key == "year":
        return (document.written or document.published).startswith(value)
    if key in _LIST_FIELDS:
        return any(value in item for item in getattr(document, _LIST_FIELDS[key]))
    return value in getattr(document, _TEXT_FIELDS[key])


def parse_doc_filter(spec: str) -> DocFilter:
    """Parse `issuer=青岛市人民政府,year=2019` (conditions separated by , ; ， or ；).

    Raises:
        InvalidArgumentError: a condition without "=", an unknown key, an empty
            value or a year that is not four digits.
    """
    conditions = []
    for part in _SEPARATORS.split(spec.strip()):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or not value:
            raise InvalidArgumentError(f"文件筛选条件“{part}”应写成 键=值，例如 issuer=青岛市人民政府")
        if key not in KEYS:
            raise InvalidArgumentError(f"未知的文件筛选键“{key}”；可用的键：{'、'.join(KEYS)}")
        if key == "year" and not re.fullmatch(r"\d{4}", value):
            raise InvalidArgumentError(f"year 应是四位年份，例如 year=2019，收到“{value}”")
        conditions.append((key, value))
    if not conditions:
        raise InvalidArgumentError("文件筛选条件为空；例如 --doc-filter 'issuer=青岛市人民政府'")
    return DocFilter(tuple(conditions))
