"""The policy facts of a loaded index (indexer.facts) as plain table rows for
the 职责与指标 tab: each row with the `source` clause it was read from."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from indexer.docmeta import document_dates


def facts_rows(
    facts: Any, documents: Mapping[str, Any] | None = None, status_of: Callable[[str], str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """`documents`, `targets` and `roles` rows of `facts` (see Service.facts_tables).
    With the index's `documents` (doc id → Document), a document row carries
    the date model (`dates`: label → value as shown) and, with `status_of`, its status."""
    documents = documents or {}
    titles = {info.doc_id: info.title for info in facts.documents}

    def source(src: Any) -> dict[str, Any] | None:
        if src is None:
            return None
        return {
            "doc_id": src.doc_id,
            "doc_title": titles.get(src.doc_id, src.doc_id),
            "chunk_id": src.chunk_id,
            "clause": src.clause,
            "quote": src.quote,
            "start": src.start,
            "end": src.end,
        }

    rows = [
        {
            "dates": dict(document_dates(documents[info.doc_id]).items()) if info.doc_id in documents else {},
            "status": status_of(info.doc_id) if status_of else "",
            "doc_id": info.doc_id,
            "title": info.title,
            "issuer": info.issuer,
            "published": info.published,
            "period": info.period,
            "period_start": info.period_start,
            "period_end": info.period_end,
            "source": source(info.source),
        }
        for info in facts.documents
    ]
    targets = [
        {
            "metric": t.metric,
            "value": t.value,
            "unit": t.unit,
            "amount": t.amount,
            "comparison": t.comparison,
            "year": t.year,
            "base_year": t.base_year,
            "scope": t.scope,
            "phrase": t.phrase,
            "source": source(t.source),
        }
        for t in facts.targets
    ]
    empty = {"post": "", "contact": "", "phone": "", "duty": ""}
    roles = [{**empty, "role": p.role, "name": p.name, "post": p.post, "source": source(p.source)} for p in facts.people]
    roles += [
        {**empty, "role": u.role, "name": u.unit, "contact": u.person, "phone": u.phone, "source": source(u.source)}
        for u in facts.units
    ]
    roles += [{**empty, "role": "职责", "name": d.body, "duty": d.duty, "source": source(d.source)} for d in facts.duties]
    return {"documents": rows, "targets": targets, "roles": roles}
