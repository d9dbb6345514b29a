"""Saved web pages: one line per block element, page furniture left out."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .common import Metadata
from .text import _decode_bytes

_HTML_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_HTML_DROP_TAGS = frozenset(
    {"script", "style", "nav", "noscript", "template", "title", "meta", "link", "iframe", "svg"}
)
# <header>/<footer> of the page are site furniture, but inside <article>/<main>
# they hold the document's own title and date.
_HTML_PAGE_CHROME = frozenset({"header", "footer"})
_HTML_BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "div", "dl", "dt",
     "fieldset", "figcaption", "figure", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer",
     "hr", "li", "main", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"}
)
# HTML collapses ASCII whitespace only: &nbsp; and the ideographic space indent text on purpose.
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")


def html_to_text(html: str) -> str:
    """Text of an HTML page, one line per block element, scripts, navigation and page header/footer removed.

    Args:
        html: the page source.
    Returns:
        Uncleaned text; run `clean_text` on it.
    """
    from bs4 import BeautifulSoup, CData, NavigableString, Tag

    soup = BeautifulSoup(html, "html.parser")
    pieces: list[str] = []

    # An explicit work list instead of recursion: badly nested pages can be very deep.
    # Items are ("text", str) or ("node", tag, inside <pre>, inside <article>/<main>).
    work: list[tuple[Any, ...]] = [("node", soup, False, False)]
    while work:
        item = work.pop()
        if item[0] == "text":
            pieces.append(item[1])
            continue
        _, node, in_pre, in_article = item
        children: list[Any] = []
        for child in node.children:
            if isinstance(child, Tag):
                name = child.name.lower()
                if name in _HTML_DROP_TAGS or (name in _HTML_PAGE_CHROME and not in_article):
                    continue
                if name == "br":
                    children.append(("text", "\n"))
                    continue
                block = name in _HTML_BLOCK_TAGS
                if block:
                    children.append(("text", "\n"))
                children.append(("node", child, in_pre or name == "pre", in_article or name in ("article", "main")))
                if block:
                    children.append(("text", "\n"))
            elif type(child) in (NavigableString, CData):
                # Comments, doctypes and processing instructions are subclasses, skipped here.
                s = str(child)
                children.append(("text", s if in_pre else _HTML_SPACE.sub(" ", s)))
        work.extend(reversed(children))

    lines = (line.strip(" \t\r\f") for line in "".join(pieces).split("\n"))
    return "\n".join(line for line in lines if line)


def _declared_charset(data: bytes) -> str | None:
    match = _HTML_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def read_html(path: Path) -> tuple[str, Metadata]:
    """Read an .html/.htm page (its declared charset honoured). Returns (text, {})."""
    data = path.read_bytes()
    html = _decode_bytes(data, path.name, preferred=_declared_charset(data))
    return html_to_text(html), {}
