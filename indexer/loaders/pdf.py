"""PDF files: the text layer of each page, ruled tables as rows, and text
recognition for pages that are scans."""
from __future__ import annotations

import time
from pathlib import Path

from ..errors import UnsupportedDocumentError
from .common import RawText, join_pages, table_lines
from .limits import LIMITS, active_limits, check, exceeded

# A page whose text layer has fewer characters than this is treated as a scan.
_MIN_TEXT_CHARS = 10
# Pages are rendered for recognition at this resolution: enough for 小四 print.
_OCR_DPI = 200
MAX_OCR_PAGES = LIMITS.max_ocr_pages  # the default; the active limit is active_limits().max_ocr_pages
# A page with less ink than this share of dark pixels is blank (a sheet's empty back).
_DARK = 128
_MIN_INK = 1e-4


def _with_table_rows(path: Path, pages: list[str], skip: set[int]) -> list[str]:
    """The page texts with each page that holds ruled tables rewritten: the lines
    outside the tables as they are, each table as row lines (see
    common.table_lines), in order down the page. Other pages keep their text."""
    import pdfplumber

    counter = [0]
    pages = list(pages)
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages):
            if number in skip:
                continue
            tables = page.find_tables()
            if not tables:
                continue
            outside = page
            for table in tables:
                outside = outside.outside_bbox(table.bbox)
            blocks: list[tuple[float, list[str]]] = [(line["top"], [line["text"]]) for line in outside.extract_text_lines()]
            for table in tables:
                # A cell's text wraps inside the cell: its lines are one value.
                rows = [[(cell or "").replace("\n", "") for cell in row] for row in table.extract()]
                blocks.append((table.bbox[1], table_lines(rows, counter)))
            pages[number] = "\n".join(line for _, lines in sorted(blocks, key=lambda block: block[0]) for line in lines)
    return pages


def is_blank(image) -> bool:
    """Whether a page image has (almost) no dark pixels."""
    import numpy as np

    return float((np.asarray(image.convert("L")) < _DARK).mean()) < _MIN_INK


def _recognise_pages(path: Path, pages: list[str], numbers: list[int], show_progress: bool) -> list[int]:
    """Render and recognise the given 0-based pages, replacing their text when OCR finds more.
    Returns the pages whose text now comes from recognition."""
    import pypdfium2 as pdfium
    from tqdm import tqdm

    from .ocr import recognise

    recognised = []
    scale = _OCR_DPI / 72
    document = pdfium.PdfDocument(str(path))
    try:
        for number in tqdm(numbers, desc=f"识别扫描件 {path.name}", unit="页", disable=not show_progress, leave=False):
            page = document[number]
            width, height = page.get_size()  # points: checked before a pixel is rendered
            check(path.name, "max_pixels", round(width * scale) * round(height * scale))
            image = page.render(scale=scale).to_pil()
            if is_blank(image):  # the empty back of a sheet: nothing to recognise
                continue
            started = time.monotonic()
            text = recognise(image)
            check(path.name, "max_ocr_seconds_per_page", time.monotonic() - started)
            if len(text.strip()) > len(pages[number].strip()):
                pages[number] = text
                recognised.append(number)
    finally:
        document.close()
    return recognised


def read_pdf(path: Path, show_progress: bool = True) -> RawText:
    """Read a PDF page by page; ruled tables become row lines, and pages without a
    text layer are recognised with OCR.

    Args:
        path: the file.
        show_progress: a progress bar per recognised page.
    Returns:
        RawText with the page starts and the numbers of the OCR'd pages.
    Raises:
        UnsupportedDocumentError: the PDF is password protected, is a scan of
            more than MAX_OCR_PAGES pages, or no text was found on any page.
    """
    from pypdf import PdfReader

    reader = PdfReader(path)
    # Many PDFs are "encrypted" only to restrict printing, with an empty user password.
    if reader.is_encrypted and not reader.decrypt(""):
        raise UnsupportedDocumentError(f"{path.name}: PDF 有打开密码，无法读取；请提供未加密的版本")
    check(path.name, "max_pages", len(reader.pages))
    pages, chars = [], 0
    for page in reader.pages:
        pages.append(page.extract_text() or "")
        chars += len(pages[-1])
        check(path.name, "max_chars", chars)
    scanned = [number for number, text in enumerate(pages) if len("".join(text.split())) < _MIN_TEXT_CHARS]
    if len(scanned) > active_limits().max_ocr_pages:
        error = exceeded(path.name, "max_ocr_pages", len(scanned))
        raise type(error)(
            f"{path.name}: 扫描件共 {len(scanned)} 页，超过文字识别上限 {active_limits().max_ocr_pages} 页；请拆分后再放入语料文件夹，或提供文字版",
            error.limit,
        )
    if len(scanned) < len(pages):
        try:
            pages = _with_table_rows(path, pages, set(scanned))
        except Exception:  # tables are a refinement: a PDF pdfplumber cannot parse keeps pypdf's text
            pass
    recognised = _recognise_pages(path, pages, scanned, show_progress) if scanned else []
    if not "".join(pages).strip():
        raise UnsupportedDocumentError(
            f"{path.name}: PDF 中没有可提取的文字，文字识别也未找到文字；请提供文字版或更清晰的扫描件"
        )
    return join_pages(pages, ocr_pages=tuple(number + 1 for number in recognised))
