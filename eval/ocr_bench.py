"""OCR benchmark: `python -m eval.ocr_bench --pages 50`.

Renders pages of the plan (corpus/) to A4 images at 150 dpi with a CJK font,
wraps them in a PDF without a text layer — a scan, as an office's scanner
makes one — loads it with the corpus loader (RapidOCR on every page) and
reports the time (wall clock and CPU) and the character accuracy against the
text that was rendered. `render_scan_pdf` and `character_accuracy` are also
used by tests/test_formats.py.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
import unicodedata
from pathlib import Path

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
PAGE_SIZE = (1240, 1754)  # A4 at 150 dpi
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28


def render_scan_pdf(path: Path, pages: list[list[str]], font_path: Path = CJK_FONT, font_size: int = 34) -> None:
    """Write a PDF of page images (no text layer), one image per list of lines."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(font_path), font_size)
    images = []
    for lines in pages:
        page = Image.new("L", PAGE_SIZE, 255)
        draw = ImageDraw.Draw(page)
        for number, line in enumerate(lines):
            draw.text((120, 150 + number * 70), line, font=font, fill=0)
        images.append(page)
    images[0].save(path, "PDF", resolution=150, save_all=True, append_images=images[1:])


def character_accuracy(reference: str, recognised: str, normalise: bool = True) -> float:
    """1 - Levenshtein distance / reference length, whitespace ignored; NFKC first
    when `normalise` (a half-width comma for a full-width one is the same character)."""
    if normalise:
        reference, recognised = unicodedata.normalize("NFKC", reference), unicodedata.normalize("NFKC", recognised)
    a, b = "".join(reference.split()), "".join(recognised.split())
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return 1 - previous[-1] / max(len(a), 1)


def plan_pages(count: int, corpus: Path = Path("corpus")) -> list[list[str]]:
    """`count` pages of wrapped lines of the plan's text (repeated when the plan is shorter)."""
    text = "".join((corpus / "qingdao_ai_plan.txt").read_text(encoding="utf-8").split())
    lines = [text[i:i + CHARS_PER_LINE] for i in range(0, len(text), CHARS_PER_LINE)]
    needed = count * LINES_PER_PAGE
    lines = (lines * (needed // len(lines) + 1))[:needed]
    return [lines[i:i + LINES_PER_PAGE] for i in range(0, needed, LINES_PER_PAGE)]


def run(pages: int) -> dict:
    from indexer.loaders import load_document
    from indexer.loaders.ocr import _engine

    _engine()  # model loading is timed apart
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        content = plan_pages(pages)
        render_scan_pdf(folder / "scan.pdf", content)
        wall, cpu = time.perf_counter(), time.process_time()
        document = load_document(folder / "scan.pdf", folder)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    # Page by page: the edit distance of a whole 50-page text is quadratic in its length.
    ends = (*document.page_starts[1:], len(document.text))
    recognised = [document.text[start:end] for start, end in zip(document.page_starts, ends)]
    references = ["\n".join(page) for page in content]
    total = sum(len("".join(reference.split())) for reference in references)

    def accuracy(normalise: bool) -> float:
        errors = sum(
            (1 - character_accuracy(reference, text, normalise)) * len("".join(reference.split()))
            for reference, text in zip(references, recognised)
        )
        return round(1 - errors / total, 4)

    return {
        "pages": pages,
        "ocr_pages": len(document.ocr_pages),
        "seconds_wall": round(wall, 1),
        "seconds_cpu": round(cpu, 1),
        "seconds_wall_per_page": round(wall / pages, 2),
        "character_accuracy_nfkc": accuracy(True),
        "character_accuracy_raw": accuracy(False),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=50)
    print(json.dumps(run(parser.parse_args().pages), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
