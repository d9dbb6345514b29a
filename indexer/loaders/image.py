"""Photos and scans of document pages (.png, .jpg, .tif): one page each, or one per frame."""
from __future__ import annotations

from pathlib import Path

from ..errors import UnsupportedDocumentError
from .common import RawText, join_pages


def read_image(path: Path) -> RawText:
    """Recognise the text of a page image; every frame of a multi-page TIFF is a page.

    Raises:
        UnsupportedDocumentError: no text was found.
    """
    from PIL import Image, ImageSequence

    from .ocr import recognise

    with Image.open(path) as image:
        pages = [recognise(frame.convert("RGB")) for frame in ImageSequence.Iterator(image)]
    if not "".join(pages).strip():
        raise UnsupportedDocumentError(f"{path.name}: 图片中未识别出文字；请提供更清晰的扫描件或文字版")
    return join_pages(pages, ocr_pages=tuple(range(1, len(pages) + 1)))
