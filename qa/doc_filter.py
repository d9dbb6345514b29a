"""Choosing documents by their metadata: `issuer=青岛市人民政府`, `year=2019`.

A filter is a few `key=value` conditions, all of which a document must meet.
Text fields match when the document's value contains the given text, so
`issuer=青岛市` chooses every body of the city; `year` is the year of the
成文日期 (or, without one, of the 发布日期, else the 施行日期).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from indexer.errors import InvalidArgumentError
from indexer.docmeta import document_dates
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

    @classmethod
    def of(cls, conditions: Iterable[tuple[str, str]]) -> "DocFilter":
        """A filter from (key, value) pairs, checked as `parse_doc_filter` checks
        them; pairs with an empty value are left out (a choice not made).

        Raises:
            InvalidArgumentError: an unknown key or a year that is not four digits.
        """
        return cls(tuple(_checked(key, value) for key, value in conditions if str(value or "").strip()))

    def doc_ids(self, documents: Iterable[Document]) -> list[str]:
        """The ids of the documents that pass, in the order given."""
        return [document.doc_id for document in documents if self(document)]

    def describe(self) -> str:
        return "，".join(f"{key}={value}" for key, value in self.conditions)


def choose(where: Callable[[Document], bool], documents: Iterable[Document], doc_ids: Iterable[str] | None = None) -> list[str]:
    """The ids of the documents `where` accepts (a DocFilter or any predicate) and,
    when `doc_ids` is given, are among them; in the order given.

    Raises:
        InvalidArgumentError: no document passes.
    """
    allowed = set(doc_ids) if doc_ids else None
    chosen = [d.doc_id for d in documents if where(d) and (allowed is None or d.doc_id in allowed)]
    if not chosen:
        named = f"（{where.describe()}）" if isinstance(where, DocFilter) else ""
        raise InvalidArgumentError(f"没有文件符合筛选条件{named}；请放宽条件，或先查看已索引文件的发文机关和年份")
    return chosen


def document_year(document: Document) -> str:
    """The year a `year=` condition reads: of the 成文日期 (a statute's adoption
    of its version), else the 发布日期, else the 施行日期 (indexer.docmeta's date
    model, so every dated document has one); "" when none is known."""
    return document_dates(document).year()


def _meets(document: Document, key: str, value: str) -> bool:
    if key == "year":
        return document_year(document) == value
    if key in _LIST_FIELDS:
        return any(value in item for item in getattr(document, _LIST_FIELDS[key]))
    return value in getattr(document, _TEXT_FIELDS[key])


def _checked(key: str, value: str) -> tuple[str, str]:
    key, value = str(key).strip().lower(), str(value).strip()
    if key not in KEYS:
        raise InvalidArgumentError(f"未知的文件筛选键“{key}”；可用的键：{'、'.join(KEYS)}")
    if key == "year" and not re.fullmatch(r"\d{4}", value):
        raise InvalidArgumentError(f"year 应是四位年份，例如 year=2019，收到“{value}”")
    return key, value


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
        if not sep or not value.strip():
            raise InvalidArgumentError(f"文件筛选条件“{part}”应写成 键=值，例如 issuer=青岛市人民政府")
        conditions.append(_checked(key, value))
    if not conditions:
        raise InvalidArgumentError("文件筛选条件为空；例如 --doc-filter 'issuer=青岛市人民政府'")
    return DocFilter(tuple(conditions))
