"""Text helpers of fact extraction: folding for matching, sentences, quoted sources."""
from __future__ import annotations

import re

from ..types import Chunk
from .model import FactSource

# Full-width ASCII to half-width, one character for one so offsets survive.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0xA0: 0x20}
_SENTENCE = re.compile(r"[^。；;！!？?\n]+(?:[。；;！!？?]+[”’」』)）]*)?")


def fold(text: str) -> str:
    """Half-width, lower-case, same length: for matching only, never for display."""
    return text.translate(_FOLD).lower()


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, cut at 。；！？ and line ends, blanks trimmed."""
    spans = []
    for m in _SENTENCE.finditer(text):
        piece = m.group(0)
        start = m.start() + len(piece) - len(piece.lstrip())
        end = m.start() + len(piece.rstrip())
        if end > start and re.search(r"\w", text[start:end]):
            spans.append((start, end))
    return spans


def source_of(chunk: Chunk, rel_start: int, rel_end: int) -> FactSource:
    """A source quoting chunk.text[rel_start:rel_end], blanks trimmed, with document offsets."""
    piece = chunk.text[rel_start:rel_end]
    rel_start, rel_end = rel_start + len(piece) - len(piece.lstrip()), rel_start + len(piece.rstrip())
    return FactSource(chunk.chunk_id, chunk.doc_id, chunk.clause, chunk.text[rel_start:rel_end], chunk.start + rel_start, chunk.start + rel_end)


def sentence_around(chunk: Chunk, rel_start: int, rel_end: int) -> FactSource:
    """The sentence(s) of `chunk` that contain chunk.text[rel_start:rel_end]."""
    spans = [s for s in sentence_spans(chunk.text) if s[1] > rel_start and s[0] < rel_end]
    if not spans:
        return source_of(chunk, rel_start, rel_end)
    return source_of(chunk, spans[0][0], spans[-1][1])

