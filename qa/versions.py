"""Versions of one work: documents with the same title and jurisdiction (公司法 of
2018 and of 2023) ordered by the date each took effect, so an answer comes
from the version in force on a given day (today by default).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

from indexer.errors import InvalidArgumentError
from indexer.types import Document

_FILE_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")


def validate_day(value: str) -> str:
    """`value` as an ISO date ("" stays ""); raises InvalidArgumentError for anything else."""
    if not value:
        return ""
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError as e:
        raise InvalidArgumentError(f"日期 {value!r} 无法识别：请写成 2020-01-01 这样的格式。") from e


def version_date(document: Document) -> str:
    """The ISO date a version took effect: its 施行 date, else its last
    revision, publication or adoption, else the date in its file name; "" when none."""
    for value in (document.effective, *reversed(document.revisions), document.published, document.adopted):
        if value:
            return value
    match = _FILE_DATE.search(document.source_path)
    return match.group(1) if match else ""


def version_year(document: Document) -> str:
    """The year a version is known by: its last revision (2018年版), else its adoption."""
    for value in (*reversed(document.revisions), document.adopted, version_date(document)):
        if value:
            return value[:4]
    return "？"


def version_label(document: Document) -> str:
    """"2024-07-01 施行" (the version's effective date), or "施行日期不详"."""
    when = version_date(document)
    return f"{when} 施行" if when else "施行日期不详"


class Versions:
    """The works of one index, each a list of doc ids oldest version first.
    A second copy of one text (the same law filed under two categories) is dropped."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self.documents = {d.doc_id: d for d in documents}
        grouped: dict[tuple[str, str], list[Document]] = {}
        for document in documents:
            grouped.setdefault((document.title, document.jurisdiction), []).append(document)
        self.work_of: dict[str, list[str]] = {}
        self.duplicate_of: dict[str, str] = {}
        for members in grouped.values():
            kept: dict[str, Document] = {}
            for document in sorted(members, key=lambda d: (version_date(d), d.doc_id)):
                key = document.content_hash or document.doc_id
                if key in kept:
                    self.duplicate_of[document.doc_id] = kept[key].doc_id
                else:
                    kept[key] = document
            work = [d.doc_id for d in kept.values()]
            for document in members:
                self.work_of[document.doc_id] = work

    def works_of(self, doc_ids: Iterable[str]) -> list[list[str]]:
        """The distinct works the documents belong to, in a stable order."""
        works = {tuple(self.work_of[d]): self.work_of[d] for d in sorted(doc_ids) if d in self.work_of}
        return list(works.values())

    def in_force(self, work: Sequence[str], as_of: str = "") -> Document | None:
        """The version of `work` in force on `as_of` (ISO date; today when ""): the
        latest that took effect by then; a version without a date counts as in force.
        None when every version took effect later."""
        day = as_of or date.today().isoformat()
        current = None
        for doc_id in work:
            when = version_date(self.documents[doc_id])
            if not when or when <= day:
                current = self.documents[doc_id]
        return current

    def superseded(self, as_of: str = "") -> set[str]:
        """Doc ids not in force on `as_of`: older versions, versions not yet in
        force, and second copies, of every work with more than one document."""
        out = set(self.duplicate_of)
        for work in {tuple(w) for w in self.work_of.values() if len(w) > 1}:
            current = self.in_force(work, as_of)
            out.update(d for d in work if current is None or d != current.doc_id)
        return out

    def label(self, doc_id: str) -> str:
        """The version label a citation of `doc_id` shows: its effective date when it
        states one or has other versions, else ""."""
        document = self.documents.get(doc_id)
        if document is None or not (document.effective or len(self.work_of.get(doc_id, ())) > 1):
            return ""
        return version_label(document)
