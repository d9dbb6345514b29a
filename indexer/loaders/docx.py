"""Word .docx files: paragraphs and table cells in document order."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .common import Metadata


def _docx_lines(container: Any) -> list[str]:
    """Paragraph and table-cell texts of a document or cell, in reading order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    for block in container.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                seen: set[int] = set()
                for cell in row.cells:
                    # A merged cell is returned once per grid column it spans.
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    lines.extend(_docx_lines(cell))
    return lines


def read_docx(path: Path) -> tuple[str, Metadata]:
    """Read a .docx: paragraphs and table cells in document order, one per line. Returns (text, {})."""
    import docx

    lines = _docx_lines(docx.Document(str(path)))
    return "\n".join(line for line in lines if line.strip()), {}
