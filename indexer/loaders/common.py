"""Types shared by the readers of `indexer.loaders`."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

Metadata = dict[str, Any]


@dataclass(frozen=True)
class RawText:
    """What a reader of a paged format returns: the uncleaned text and where its pages start.

    `page_lines[i]` is the 0-based line of `text` where page i + 1 starts;
    `ocr_pages` lists the 1-based pages whose text was recognised from an image.
    """

    text: str
    metadata: Metadata = field(default_factory=dict)
    page_lines: tuple[int, ...] = ()
    ocr_pages: tuple[int, ...] = ()


# A reader returns (text, metadata) for a format without pages, RawText for one with pages.
Reader = Callable[[Path], Union[tuple[str, Metadata], RawText]]


def join_pages(pages: list[str], metadata: Metadata | None = None, ocr_pages: tuple[int, ...] = ()) -> RawText:
    """Join page texts with "\\n", remembering the line each page starts at."""
    page_lines: list[int] = []
    texts: list[str] = []
    line = 0
    for page in pages:
        page = page.replace("\r\n", "\n").replace("\r", "\n")
        page_lines.append(line)
        texts.append(page)
        line += page.count("\n") + 1
    return RawText("\n".join(texts), dict(metadata or {}), tuple(page_lines), tuple(ocr_pages))


def as_raw_text(result: tuple[str, Metadata] | RawText) -> RawText:
    """A reader's result as RawText, whichever form the reader returned."""
    if isinstance(result, RawText):
        return result
    text, metadata = result
    return RawText(text, metadata)


# What a table looks like in the text: "表N：" and its header row, then one
# line per row, "列名：值" cells joined by CELL_SEPARATOR. indexer/segment.py
# cuts such a table into one chunk per row, cited as 表N第M行.
CELL_SEPARATOR = " | "
TABLE_LABEL = "表{n}："


def table_lines(rows: list[list[str]], counter: list[int]) -> list[str]:
    """The lines of a table given as rows of cell texts; `counter[0]` numbers the
    tables of a document and is advanced. A table of one row or one column (a
    layout box rather than a table) comes back as plain lines."""
    rows = [[" ".join(cell.split()) for cell in cells] for cells in rows if any(cell.strip() for cell in cells)]
    if len(rows) < 2 or max(len(cells) for cells in rows) < 2:
        return [text for cells in rows for text in cells if text]
    counter[0] += 1
    header = rows[0]
    lines = [TABLE_LABEL.format(n=counter[0]) + CELL_SEPARATOR.join(header)]
    for cells in rows[1:]:
        # Each row names its columns, so a row read alone (a cited chunk) still says
        # that 6万亩 is the 2022年目标; rows merged unlike the header stay bare.
        names = header if len(cells) == len(header) else [""] * len(cells)
        lines.append(CELL_SEPARATOR.join(f"{name}：{value}" if name and value else value for name, value in zip(names, cells)))
    return lines
