"""OFD files (GB/T 33190, the national format for electronic documents).

An OFD is a zip of XML: OFD.xml names each document's Document.xml, which
lists the pages in order; each page's Content.xml holds TextObjects placed
on the page, and may draw on template pages (where the red header often
lives). Text is put in reading order by position: lines top to bottom, and
left to right within a line. Element names are matched without their
namespace, since producers differ in the namespace they declare.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from ..errors import UnsupportedDocumentError
from .common import RawText, join_pages
from .limits import check, check_zip

# Text items whose baselines differ by less than this fraction of the font size share a line.
_SAME_LINE = 0.5
_NUMBERS = re.compile(r"-?\d+(?:\.\d+)?")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [child for child in element.iter() if _local(child.tag) == name]


def _resolve(base_dir: str, location: str) -> str:
    """A BaseLoc relative to the folder of the file that names it, or absolute from the package root."""
    location = location.strip()
    if location.startswith("/"):
        return location.lstrip("/")
    return posixpath.normpath(posixpath.join(base_dir, location))


def _numbers(value: str | None) -> list[float]:
    return [float(n) for n in _NUMBERS.findall(value or "")]


def _text_items(page: ElementTree.Element) -> list[tuple[float, float, float, str]]:
    """(baseline y, x, font size, text) of every TextCode of a page."""
    items = []
    for text_object in _children(page, "TextObject"):
        box = _numbers(text_object.get("Boundary")) or [0.0, 0.0, 0.0, 0.0]
        size = (_numbers(text_object.get("Size") or text_object.get("size")) or [box[3] or 1.0])[0]
        x = y = 0.0
        for code in _children(text_object, "TextCode"):
            # A TextCode without X or Y continues where the previous one was placed.
            x = (_numbers(code.get("X")) or [x])[0]
            y = (_numbers(code.get("Y")) or [y])[0]
            if code.text:
                items.append((box[1] + y, box[0] + x, size, code.text))
    return items


def _page_text(items: list[tuple[float, float, float, str]]) -> str:
    lines: list[list[tuple[float, str]]] = []
    last_y = last_size = None
    for y, x, size, text in sorted(items):
        if last_y is not None and abs(y - last_y) < _SAME_LINE * max(size, last_size or 0):
            lines[-1].append((x, text))
        else:
            lines.append([(x, text)])
            last_y, last_size = y, size
    return "\n".join("".join(text for _, text in sorted(line)) for line in lines)


def read_ofd(path: Path) -> RawText:
    """Read the text of every page of an OFD, in page order.

    Raises:
        UnsupportedDocumentError: not a zip (damaged), encrypted, or no text
            on any page (a scan packed as OFD).
    """
    try:
        package = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        raise UnsupportedDocumentError(f"{path.name}: OFD 文件已损坏（不是有效的压缩包）；请用原程序重新导出后再试") from e
    with package:
        names = set(package.namelist())
        if "OFD.xml" not in names:
            raise UnsupportedDocumentError(f"{path.name}: 不是 OFD 文件（缺少 OFD.xml）；请用原程序重新导出后再试")
        check_zip(package, path.name)
        sizes = {info.filename: info.file_size for info in package.infolist()}
        inflated = [0]  # every read counts: 5,000 pages may all name one 1 MB Content.xml
        chars = [0]

        def xml(name: str) -> ElementTree.Element:
            if name not in names:
                raise UnsupportedDocumentError(f"{path.name}: OFD 文件不完整（缺少 {name}）；请用原程序重新导出后再试")
            inflated[0] += sizes[name]
            check(path.name, "max_zip_bytes", inflated[0])
            return ElementTree.fromstring(package.read(name))

        root = xml("OFD.xml")
        if _children(root, "Encryptions") or any("encrypt" in name.lower() for name in names):
            raise UnsupportedDocumentError(f"{path.name}: OFD 已加密，无法读取；请提供未加密的版本")
        pages: list[str] = []
        for doc_root in _children(root, "DocRoot"):
            document_path = _resolve("", doc_root.text or "")
            document_dir = posixpath.dirname(document_path)
            document = xml(document_path)
            templates = {
                template.get("ID"): _resolve(document_dir, template.get("BaseLoc", ""))
                for template in _children(document, "TemplatePage")
            }
            listed = [page for page in _children(document, "Page") if page.get("BaseLoc")]
            check(path.name, "max_pages", len(pages) + len(listed))
            for page in listed:
                content = xml(_resolve(document_dir, page.get("BaseLoc", "")))
                items = []
                for template in _children(content, "Template"):
                    location = templates.get(template.get("TemplateID"))
                    if location:
                        items += _text_items(xml(location))
                pages.append(_page_text(items + _text_items(content)))
                chars[0] += len(pages[-1])
                check(path.name, "max_chars", chars[0])
    if not "".join(pages).strip():
        raise UnsupportedDocumentError(f"{path.name}: OFD 中没有可提取的文字（可能是扫描件）；请提供文字版")
    return join_pages(pages)
