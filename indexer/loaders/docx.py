"""Word .docx files: paragraphs and table cells in document order."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .common import Metadata, table_lines
from .limits import check, check_zip


def _cell_text(cell: Any, counter: list[int]) -> str:
    return " ".join(line.strip() for line in _docx_lines(cell, counter) if line.strip())


def _table_lines(table: Any, counter: list[int]) -> list[str]:
    """A table's rows, one line each; a one-column or one-row table (a layout box) as plain lines."""
    rows: list[list[str]] = []
    for row in table.rows:
        seen: set[int] = set()
        cells = []
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(_cell_text(cell, counter))
        rows.append(cells)
    return table_lines(rows, counter)


def _docx_lines(container: Any, counter: list[int] | None = None) -> list[str]:
    """Paragraph texts and table rows of a document or cell, in reading order.
    `counter` numbers the tables of the whole document."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    counter = counter if counter is not None else [0]
    lines: list[str] = []
    for block in container.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            lines.extend(_table_lines(block, counter))
    return lines


def read_docx(path: Path) -> tuple[str, Metadata]:
    """Read a .docx: paragraphs in document order, one per line, and each table as
    `表N：列名 | 列名 | …` followed by one `列名：值 | 列名：值 | …` line per row. Returns (text, {})."""
    import zipfile

    import docx

    try:
        with zipfile.ZipFile(path) as package:
            check_zip(package, path.name)  # before python-docx inflates document.xml
    except zipfile.BadZipFile:
        pass  # python-docx says what is wrong with it
    lines = _docx_lines(docx.Document(str(path)))
    text = "\n".join(line for line in lines if line.strip())
    check(path.name, "max_chars", len(text))
    return text, {}
