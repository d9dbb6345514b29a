"""PDF files with a text layer."""
from __future__ import annotations

from pathlib import Path

from ..errors import UnsupportedDocumentError
from .common import Metadata


def read_pdf(path: Path) -> tuple[str, Metadata]:
    """Read the text layer of a PDF, pages joined with "\\n". Returns (text, {}).

    Raises:
        UnsupportedDocumentError: the PDF is password protected or has no text
            layer (a scan).
    """
    from pypdf import PdfReader

    reader = PdfReader(path)
    # Many PDFs are "encrypted" only to restrict printing, with an empty user password.
    if reader.is_encrypted and not reader.decrypt(""):
        raise UnsupportedDocumentError(f"{path.name}: PDF 有打开密码，无法读取；请提供未加密的版本")
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    if not text.strip():
        raise UnsupportedDocumentError(
            f"{path.name}: PDF 中没有可提取的文字（可能是扫描件或图片）；请先做文字识别（OCR）或提供文字版"
        )
    return text, {}
