"""Refuse a dataset whose documents the index does not hold.

Evaluating LawBench against the plan's index answers nothing and reports zeros
that look like a result. Before any question is asked, each item's documents
are looked for: the files an item names (`doc`), the law a question cites
("公司法第六十条"), and otherwise its evidence text. The missing ones are
named in one line.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from indexer.errors import InvalidArgumentError
from indexer.loaders.metadata import sanitise_doc_id
from indexer.types import Document
from qa.references import parse_reference
from qa.route import DocumentRouter

from .metrics import MIN_OVERLAP, squeeze

SHOWN = 5  # names in the message; the rest are counted


def _cited_law_found(router: DocumentRouter, name: str) -> bool:
    return bool(router.named_at_end(name)[1] or router.named_loosely(name)[1])


def _evidence_found(evidence: Sequence[str], text: str) -> bool:
    """Whether any evidence string is in `text` (both squeezed): whole, or its
    first or last MIN_OVERLAP characters as the relevance rule allows."""
    for quote in map(squeeze, evidence):
        if quote in text or (len(quote) > MIN_OVERLAP and (quote[:MIN_OVERLAP] in text or quote[-MIN_OVERLAP:] in text)):
            return True
    return False


def missing_documents(items: Sequence[Mapping], documents: Sequence[Document]) -> tuple[list[str], int]:
    """(names of the documents the items need and the index lacks, number of
    answerable items whose evidence is found in no document)."""
    router = DocumentRouter(documents)
    doc_ids = {document.doc_id for document in documents}
    text = "".join(squeeze(document.text) for document in documents)
    missing: dict[str, None] = {}
    # A file named by another name than the index's (the plan as given, 000_81e3…, is
    # corpus/qingdao_ai_plan.txt) is held when the evidence of an item naming it is found.
    held_under_another_name: set[str] = set()
    unfound = 0
    for item in items:
        named = [str(doc) for doc in item.get("doc") or []]
        if named:
            absent = [doc for doc in named if sanitise_doc_id(doc) not in doc_ids]
            missing.update((doc, None) for doc in absent)
            if absent and item.get("evidence") and _evidence_found(item["evidence"], text):
                held_under_another_name.update(absent)
            continue
        reference = parse_reference(item["question"])
        if reference is not None and reference.name:
            if not _cited_law_found(router, reference.name):
                missing[str(item.get("law") or reference.name)] = None
            continue
        if item.get("evidence") and not _evidence_found(item["evidence"], text):
            unfound += 1
    return [doc for doc in missing if doc not in held_under_another_name], unfound


def check_coverage(items: Sequence[Mapping], documents: Sequence[Document], index_name: str) -> None:
    """Raise InvalidArgumentError, in one line naming what is missing, when the
    items need documents the index lacks, or when no answerable item's
    evidence is in the index at all."""
    missing, unfound = missing_documents(items, documents)
    if missing:
        shown = "、".join(missing[:SHOWN]) + (f" 等 {len(missing)} 份" if len(missing) > SHOWN else "")
        raise InvalidArgumentError(
            f"索引 {index_name} 中没有数据集所需的文件：{shown}；请把它们加入语料并重建索引，或用 --index-dir 指向含有它们的索引"
        )
    answerable = sum(1 for item in items if item.get("evidence"))
    if answerable and unfound == answerable:
        raise InvalidArgumentError(
            f"索引 {index_name} 中找不到数据集任何一题的证据原文：数据集问的是索引之外的文件；请用 --index-dir 指向含有它们的索引"
        )
