"""The Document fields beyond the basic ones: jurisdiction, level, adoption and effective dates, history."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .jurisdiction import jurisdiction_of
from .lawmd import iso_date


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else ()
    return tuple(str(item).strip() for item in value if str(item).strip())


def document_extras(metadata: dict[str, Any], title: str) -> dict[str, Any]:
    """Keyword arguments for `Document` from a file's metadata (sidecar over file).

    `jurisdiction` and `level` come from the metadata when given (a sidecar may
    say `"jurisdiction": "青岛市", "level": "市级"`), else from the place the
    title starts with, else from the organs of the document's history.

    Args:
        metadata: merged metadata of the file and its sidecar.
        title: the document's final title.
    Returns:
        dict with jurisdiction, level, adopted, effective, revisions, history.
    """
    jurisdiction = str(metadata.get("jurisdiction") or "").strip()
    level = str(metadata.get("level") or "").strip()
    if not jurisdiction:
        place = jurisdiction_of(title, _strings(metadata.get("bodies")) + _strings(metadata.get("issuer")))
        if place:
            jurisdiction, level = place.name, level or place.level
    return {
        "jurisdiction": jurisdiction,
        "level": level,
        "adopted": iso_date(str(metadata.get("adopted") or "")),
        "effective": iso_date(str(metadata.get("effective") or "")),
        "revisions": tuple(iso_date(d) for d in _strings(metadata.get("revisions"))),
        "history": _strings(metadata.get("history")),
    }


# ---------------------------------------------------------------------------
# The date model: one set of dates, shown the same way everywhere
# ---------------------------------------------------------------------------

# 成文 (written or adopted), 发布 (published), 施行 (in force from), 有效期至 (valid until).
DATE_LABELS = (("written", "成文日期"), ("published", "发布日期"), ("effective", "施行日期"), ("valid_until", "有效期至"))
NOT_STATED = "文件未写明"


@dataclass(frozen=True)
class DocumentDates:
    """The four dates of a document, each an ISO date or "" when not stated
    (`valid_until` may be as stated, e.g. "5年"). A statute has no 成文日期
    line: the date its version was adopted (its last 修订 / 修正, else its
    通过) stands for it, and `written_note` says so."""

    written: str = ""
    published: str = ""
    effective: str = ""
    valid_until: str = ""
    written_note: str = ""  # "修订通过" / "通过" when `written` comes from a statute's history

    def items(self) -> list[tuple[str, str]]:
        """(label, value as shown) for all four dates, NOT_STATED where unknown."""
        shown = []
        for key, label in DATE_LABELS:
            value = getattr(self, key)
            if key == "written" and value and self.written_note:
                value = f"{value}（{self.written_note}）"
            shown.append((label, value or NOT_STATED))
        return shown

    def year(self) -> str:
        """The year the document is filed under: of its 成文, else 发布, else 施行 date."""
        for value in (self.written, self.published, self.effective):
            if value[:4].isdigit():
                return value[:4]
        return ""


def document_dates(document: Any) -> DocumentDates:
    """The date model of a `Document` (indexer.types)."""
    written, note = document.written, ""
    if not written and document.revisions:
        written, note = document.revisions[-1], "修订通过"
    elif not written and document.adopted:
        written, note = document.adopted, "通过"
    return DocumentDates(written, document.published, document.effective, document.valid_until, note)
