"""Text recognition for page scans and photos of pages, with RapidOCR.

RapidOCR (`rapidocr-onnxruntime`) carries its PP-OCR detection, direction and
recognition models inside the wheel, so nothing is downloaded at run time.
The engine loads once per process (about 2 s) and is shared.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..errors import UnsupportedDocumentError

# Boxes whose vertical centres are closer than this fraction of the box height
# are on one line.
_SAME_LINE = 0.5
OCR_PACKAGE = "rapidocr-onnxruntime"


@lru_cache(maxsize=1)
def _engine() -> Any:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as e:
        raise UnsupportedDocumentError(
            f"缺少文字识别组件，无法读取扫描件；请安装 {OCR_PACKAGE}（pip install {OCR_PACKAGE}）"
        ) from e
    return RapidOCR()


def _lines(results: list[Any]) -> list[str]:
    """RapidOCR's boxes in reading order: top to bottom, and left to right within a line."""
    boxes = []
    for box, text, _score in results:
        ys = [point[1] for point in box]
        xs = [point[0] for point in box]
        boxes.append(((min(ys) + max(ys)) / 2, max(ys) - min(ys), min(xs), text))
    boxes.sort()
    lines: list[list[tuple[float, str]]] = []
    last_centre = last_height = None
    for centre, height, left, text in boxes:
        if last_centre is not None and abs(centre - last_centre) <= _SAME_LINE * max(height, last_height or 0):
            lines[-1].append((left, text))
        else:
            lines.append([(left, text)])
            last_centre, last_height = centre, height
    return ["".join(text for _, text in sorted(line)) for line in lines]


def recognise(image: Any) -> str:
    """The text of one page image (a PIL image, a numpy array or a file path), one line per text line.

    Raises:
        UnsupportedDocumentError: RapidOCR is not installed.
    """
    import numpy as np

    if hasattr(image, "convert"):  # PIL
        image = np.asarray(image.convert("RGB"))[:, :, ::-1]  # RapidOCR expects OpenCV's BGR
    # No per-line direction classifier: on upright page scans it turned whole lines
    # upside down (then dropped as unreadable), 4 of 22 lines on a test page.
    results, _elapsed = _engine()(image, use_cls=False)
    return "\n".join(_lines(results or []))
