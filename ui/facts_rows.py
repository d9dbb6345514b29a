"""The policy facts of a loaded index (indexer.facts) as plain table rows for
the 职责与指标 tab: each row with the `source` clause it was read from."""
from __future__ import annotations

from typing import Any


def facts_rows(facts: Any) -> dict[str, list[dict[str, Any]]]:
    """`documents`, `targets` and `roles` rows of `facts` (see Service.facts_tables)."""
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

    documents = [
        {
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
    return {"documents": documents, "targets": targets, "roles": roles}
