"""Plain data flowing out of the QA stage."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from indexer.types import Chunk


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with the score each retriever gave it and the fused score."""

    chunk: Chunk
    scores: dict[str, float]
    fused: float


@dataclass(frozen=True)
class Citation:
    n: int
    chunk: Chunk
    doc_title: str
    quote: str
    start: int  # offsets of the quote in the document's cleaned text
    end: int
    version: str = ""  # the version quoted, e.g. "2024-07-01 施行"; "" when the document has one
    page: int = 0  # 1-based page of a paged document (PDF, OFD, scan); 0 when the format has none
    ocr: bool = False  # the quote was recognised from a scanned page (识别自扫描件)
    # "answer": the quote answers; "related": it speaks of what was asked about
    # but does not give what was asked (文件提到了X，但没有规定Y).
    role: str = "answer"
    status: str = ""  # the document's status, e.g. "现行有效", "有效期已过（有效期至 2025-12-31）" (qa/doc_status.py)

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "chunk_id": self.chunk.chunk_id,
            "doc_id": self.chunk.doc_id,
            "doc_title": self.doc_title,
            "clause": self.chunk.clause,
            "path": self.chunk.breadcrumb,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
            "version": self.version,
            "page": self.page,
            "ocr": self.ocr,
            "role": self.role,
            "status": self.status,
        }


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    abstained: bool
    citations: list[Citation]
    hits: list[Hit]
    timings_ms: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # e.g. the policy period has ended
    parts: tuple["Answer", ...] = ()  # a question asking several things: each part's own answer
    understood_as: str = ""  # a follow-up as it was read in its conversation (qa/conversation.py); "" when read as asked

    @property
    def outcome(self) -> str:
        """"answered"; "partial" when the documents speak of what was asked about
        but not of what was asked (its citations are related, not answers);
        "not_mentioned" otherwise."""
        if not self.abstained:
            return "answered"
        return "partial" if any(c.role == "related" for c in self.citations) else "not_mentioned"

    def to_json(self) -> dict[str, Any]:
        """The `policyqa ask --json` object."""
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "outcome": self.outcome,
            "citations": [citation.to_json() for citation in self.citations],
            "passages": [
                {
                    "rank": rank,
                    "chunk_id": hit.chunk.chunk_id,
                    "doc_id": hit.chunk.doc_id,
                    "clause": hit.chunk.clause,
                    "path": hit.chunk.breadcrumb,
                    "text": hit.chunk.text,
                    "score": round(float(hit.fused), 6),
                }
                for rank, hit in enumerate(self.hits, start=1)
            ],
            "timings_ms": {key: round(value, 2) for key, value in self.timings_ms.items()},
            "notes": self.notes,
            "parts": [{"question": part.question, "outcome": part.outcome, "answer": part.text} for part in self.parts],
            "understood_as": self.understood_as,
        }
