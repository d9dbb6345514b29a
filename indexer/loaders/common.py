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
