"""The Document fields beyond the basic ones: jurisdiction, level, adoption and effective dates, history."""
from __future__ import annotations

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
