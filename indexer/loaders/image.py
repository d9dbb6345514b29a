"""Photos and scans of document pages (.png, .jpg, .tif): one page each, or one per frame."""
from __future__ import annotations

import time
from pathlib import Path

from ..errors import UnsupportedDocumentError
from .common import RawText, join_pages
from .limits import active_limits, check


def read_image(path: Path) -> RawText:
    """Recognise the text of a page image; every frame of a multi-page TIFF is a page.

    Raises:
        UnsupportedDocumentError: no text was found.
    """
    from PIL import Image, ImageSequence

    from .ocr import recognise

    # Ours is checked on each frame's header, before decoding; Pillow's own
    # check would refuse at open as a damaged file rather than name the limit.
    Image.MAX_IMAGE_PIXELS = None
    pages = []
    with Image.open(path) as image:
        check(path.name, "max_pages", _frames_up_to(image, active_limits().max_pages))
        for frame in ImageSequence.Iterator(image):
            check(path.name, "max_pixels", frame.size[0] * frame.size[1])
            check(path.name, "max_ocr_pages", len(pages) + 1)
            started = time.monotonic()
            pages.append(recognise(frame.convert("RGB")))
            check(path.name, "max_ocr_seconds_per_page", time.monotonic() - started)
    if not "".join(pages).strip():
        raise UnsupportedDocumentError(f"{path.name}: 图片中未识别出文字；请提供更清晰的扫描件或文字版")
    return join_pages(pages, ocr_pages=tuple(range(1, len(pages) + 1)))


def _frames_up_to(image, most: int) -> int:
    """Frames of `image` counted from their headers, but at most `most` + 1:
    Pillow's n_frames walks every frame of a TIFF and checks each against all
    before it (100,000 frames in 10 MB took minutes; 2,001 take milliseconds)."""
    try:
        image.seek(most)  # frame `most` exists: there are more than `most`
        count = most + 1
    except EOFError:
        # It stopped on the last frame. (Not n_frames: after a failed seek
        # Pillow 12 takes the frame asked for as the count.)
        count = image.tell() + 1
    image.seek(0)
    return count

