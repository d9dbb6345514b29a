"""Whether each document is in force, derived from what the documents say.

A firm asks whether a policy still applies before anything else. The status
is read, never guessed, from: another document repealing it ("《…》同时废止"),
a newer version of the same work (versions.py), its 有效期至, the end of its
implementation period (2019—2022), and its 施行日期. The first that applies
decides, in that order; a document none of them concerns is 现行有效.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from indexer.types import Document

from .versions import Versions, version_date, version_label

DATA_PATH = Path(__file__).parent / "data" / "status.json"

IN_FORCE = "现行有效"
AMENDED = "已修订"
REPEALED = "已失效"
EXPIRED = "有效期已过"
PERIOD_ENDED = "实施期已结束"
NOT_YET = "尚未施行"
STATUSES = (IN_FORCE, AMENDED, REPEALED, EXPIRED, PERIOD_ENDED, NOT_YET)

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR = re.compile(r"(\d{4})")
_TITLE_REFERENCE = re.compile(r"《([^《》]{2,80})》")
_REPEAL_GAP = 12  # characters allowed between 《title》 and 同时废止 (e.g. "（青政发〔2010〕3号）")


@lru_cache(maxsize=1)
def status_vocabulary() -> dict:
    """qa/data/status.json (repeal phrases, question cues, statement cues)."""
    return json.loads(DATA_PATH.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class DocumentStatus:
    """A document's status on a day, with why.

    `basis` names what decided it: repealed, version, valid_until, period,
    effective, or "" (nothing says otherwise). `other` is the doc id of the
    newer version (已修订) or of the repealing document (已失效)."""

    label: str
    detail: str = ""
    basis: str = ""
    other: str = ""

    @property
    def text(self) -> str:
        """"有效期已过（有效期至 2025-12-31）", or the label alone."""
        return f"{self.label}（{self.detail}）" if self.detail else self.label

    @property
    def in_force(self) -> bool:
        return self.label == IN_FORCE


def period_years(period: str) -> tuple[int, int] | None:
    """"2019—2022" → (2019, 2022); a single year → (y, y); None without a year."""
    years = [int(y) for y in _YEAR.findall(period or "")]
    return (years[0], years[-1]) if years else None


def _today(as_of: str) -> str:
    return as_of or date.today().isoformat()


class Statuses:
    """The status of every document of one index, on any day."""

    def __init__(self, documents: Sequence[Document], versions: Versions | None = None) -> None:
        self.documents = {d.doc_id: d for d in documents}
        self.versions = versions or Versions(documents)
        self.repealed_by = self._repeals(documents)

    @staticmethod
    def _repeals(documents: Sequence[Document]) -> dict[str, tuple[str, str]]:
        """doc id → (repealing doc id, the sentence that repeals it), from
        "《title》…同时废止" in another document's text."""
        phrases = tuple(status_vocabulary()["repeal_phrases"])
        by_title: dict[str, list[str]] = {}
        for document in documents:
            by_title.setdefault(document.title.strip("《》 "), []).append(document.doc_id)
        found: dict[str, tuple[str, str]] = {}
        for document in documents:
            for match in _TITLE_REFERENCE.finditer(document.text):
                after = document.text[match.end() : match.end() + _REPEAL_GAP + 4]
                after = re.split(r"[。；\n]", after, maxsplit=1)[0]
                if not any(phrase in after for phrase in phrases):
                    continue
                for doc_id in by_title.get(match.group(1).strip(), []):
                    if doc_id != document.doc_id:
                        found.setdefault(doc_id, (document.doc_id, match.group(0) + after))
        return found

    def of(self, doc_id: str, as_of: str = "") -> DocumentStatus:
        """The status of `doc_id` on `as_of` (ISO date, default today)."""
        day = _today(as_of)
        doc_id = self.versions.duplicate_of.get(doc_id, doc_id)
        document = self.documents[doc_id]
        repeal = self.repealed_by.get(doc_id)
        if repeal:
            repealing = self.documents[repeal[0]]
            when = version_date(repealing)
            if not when or when <= day:
                return DocumentStatus(REPEALED, f"已由《{repealing.title}》废止", "repealed", repealing.doc_id)
        work = self.versions.work_of.get(doc_id, [doc_id])
        current = self.versions.in_force(work, day) if len(work) > 1 else None
        if current is not None and current.doc_id != doc_id and version_date(document) <= version_date(current):
            return DocumentStatus(AMENDED, f"现行版本：{version_label(current)}", "version", current.doc_id)
        if _ISO.match(document.valid_until) and document.valid_until < day:
            return DocumentStatus(EXPIRED, f"有效期至 {document.valid_until}", "valid_until")
        years = period_years(document.period)
        if years and years[1] < int(day[:4]):
            return DocumentStatus(PERIOD_ENDED, f"实施期限 {document.period} 年，已于 {years[1]} 年底结束", "period")
        if document.effective and document.effective > day:
            return DocumentStatus(NOT_YET, f"自 {document.effective} 起施行", "effective")
        return DocumentStatus(IN_FORCE, self._in_force_detail(document, years), "")

    @staticmethod
    def _in_force_detail(document: Document, years: tuple[int, int] | None) -> str:
        parts = []
        if document.effective:
            parts.append(f"自 {document.effective} 起施行")
        if _ISO.match(document.valid_until):
            parts.append(f"有效期至 {document.valid_until}")
        elif years:
            parts.append(f"实施期限至 {years[1]} 年底")
        return "，".join(parts)

    def all(self, as_of: str = "") -> dict[str, DocumentStatus]:
        """doc id → status, for every document."""
        return {doc_id: self.of(doc_id, as_of) for doc_id in self.documents}
