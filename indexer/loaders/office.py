"""Legacy Word (.doc) and WPS (.wps) files, converted with LibreOffice.

LibreOffice (`soffice --headless`, Debian package libreoffice-writer-nogui)
converts the file to .docx in a temporary folder, which the .docx reader then
reads, tables included. Without LibreOffice a .doc is read with antiword
(plain text, Debian package antiword); a .wps needs LibreOffice.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import UnsupportedDocumentError
from .common import Metadata
from .docx import read_docx

LIBREOFFICE_PACKAGE = "libreoffice-writer-nogui"
ANTIWORD_PACKAGE = "antiword"
# Word 97-2003 and WPS files are OLE compound files; sites also publish RTF,
# HTML ("<") and .docx (zip) under the .doc name, which LibreOffice reads too.
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORD_SIGNATURES = (_OLE_SIGNATURE, b"{\\rtf", b"PK\x03\x04")
# A document that takes longer is damaged or hostile; the rest of the corpus goes on.
CONVERT_TIMEOUT_S = 120


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_docx(path: Path, soffice: str) -> Path:
    """Convert `path` with LibreOffice into a .docx in a new temporary folder; the caller removes it.

    An OLE file (Word 97–2003, and WPS, which stores the same format) is opened
    with the Word filter only: left to guess, LibreOffice imports a damaged
    one as plain text and returns garbage.

    Raises:
        UnsupportedDocumentError: LibreOffice failed, timed out or wrote nothing.
    """
    out_dir = Path(tempfile.mkdtemp(prefix="policyqa-convert-"))
    # A profile of its own: a second LibreOffice (or a user's open one) would otherwise block on the lock.
    profile = out_dir / "profile"
    with open(path, "rb") as f:
        ole = f.read(len(_OLE_SIGNATURE)) == _OLE_SIGNATURE
    command = [
        soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
        *(["--infilter=MS Word 97"] if ole else []),
        "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out_dir), str(path),
    ]
    try:
        subprocess.run(command, capture_output=True, timeout=CONVERT_TIMEOUT_S, check=False, env={**os.environ, "HOME": str(out_dir)})
    except subprocess.TimeoutExpired as e:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise UnsupportedDocumentError(f"{path.name}: LibreOffice 转换超时（{CONVERT_TIMEOUT_S} 秒）；请另存为 .docx 后再试") from e
    converted = out_dir / f"{path.stem}.docx"
    if not converted.is_file():
        shutil.rmtree(out_dir, ignore_errors=True)
        raise UnsupportedDocumentError(f"{path.name}: LibreOffice 无法打开此文件（可能已损坏或加密）；请用 Word 或 WPS 另存为 .docx 后再试")
    return converted


def _antiword(path: Path, antiword: str) -> str:
    result = subprocess.run(
        [antiword, "-m", "UTF-8.txt", "-w", "0", str(path)], capture_output=True, timeout=CONVERT_TIMEOUT_S, check=False
    )
    if result.returncode != 0:
        raise UnsupportedDocumentError(f"{path.name}: antiword 无法读取此文件（可能已损坏或加密）；请用 Word 或 WPS 另存为 .docx 后再试")
    return result.stdout.decode("utf-8", errors="replace")


def _check_kind(path: Path) -> None:
    """Refuse a file that is no word-processor document: LibreOffice would import any bytes as plain text."""
    with open(path, "rb") as f:
        start = f.read(64)
    if not start.startswith(_WORD_SIGNATURES) and not start.lstrip().startswith(b"<"):
        raise UnsupportedDocumentError(
            f"{path.name}: 不是有效的 {path.suffix.lower()} 文件（已损坏或类型不符）；请用 Word 或 WPS 重新另存为 .docx 后再试"
        )


def read_legacy_word(path: Path) -> tuple[str, Metadata]:
    """Read a .doc or .wps: LibreOffice when installed, else antiword for a .doc.

    Raises:
        UnsupportedDocumentError: not a Word/WPS file, no converter is installed
            (the message names the Debian package), or the converter cannot open the file.
    """
    _check_kind(path)
    soffice = _soffice()
    if soffice:
        converted = convert_to_docx(path, soffice)
        try:
            return read_docx(converted)
        finally:
            shutil.rmtree(converted.parent, ignore_errors=True)
    antiword = shutil.which("antiword")
    if antiword and path.suffix.lower() == ".doc":
        return _antiword(path, antiword), {}
    packages = LIBREOFFICE_PACKAGE if path.suffix.lower() != ".doc" else f"{LIBREOFFICE_PACKAGE}（或 {ANTIWORD_PACKAGE}）"
    raise UnsupportedDocumentError(
        f"{path.name}: 读取 {path.suffix.lower()} 需要 LibreOffice；请安装 {packages}：apt-get install {LIBREOFFICE_PACKAGE}，或另存为 .docx"
    )
