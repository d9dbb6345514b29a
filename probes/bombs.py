"""Small files that expand to a large cost (issue 23), built in a test's folder."""
from __future__ import annotations

import random
import zipfile
from pathlib import Path

DOCX_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
)
DOCX_TAIL = "</w:t></w:r></w:p></w:body></w:document>"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)


def docx_bomb(path: Path, megabytes: float) -> Path:
    """A valid .docx whose document.xml inflates to about `megabytes` MB (one
    paragraph of 政 repeated per MB): a few hundred KB on disk."""
    block = ("政" * (1024 * 1024 // 3)).encode("utf-8")
    paragraph = b"</w:t></w:r></w:p><w:p><w:r><w:t>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        package.writestr("_rels/.rels", RELS)
        with package.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(DOCX_HEAD.encode())
            whole, rest = int(megabytes), megabytes - int(megabytes)
            for _ in range(whole):
                part.write(block + paragraph)
            part.write(block[: int(len(block) * rest) // 3 * 3])
            part.write(DOCX_TAIL.encode())
    return path


OFD_ROOT = (
    '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody>'
    "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
)


def ofd_bomb(path: Path, pages: int, content_kb: int, padding_kb: int = 0) -> Path:
    """An OFD of `pages` pages that all name one Content.xml of `content_kb` KB
    of text objects and `padding_kb` KB of an XML comment (random hex, which
    packs only 2:1)."""
    page_list = "".join(f'<ofd:Page ID="{n}" BaseLoc="Pages/Page_0/Content.xml"/>' for n in range(pages))
    text = "".join(
        f'<ofd:TextObject ID="{n}" Boundary="0 {n} 100 5" Size="5"><ofd:TextCode X="0" Y="4">政策条款{n}</ofd:TextCode></ofd:TextObject>'
        for n in range(content_kb * 1024 // 130)
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("OFD.xml", OFD_ROOT)
        package.writestr("Doc_0/Document.xml", f'<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Pages>{page_list}</ofd:Pages></ofd:Document>')
        package.writestr(
            "Doc_0/Pages/Page_0/Content.xml",
            f'<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><!-- {random.Random(0).randbytes(padding_kb * 512).hex()} -->'
            f"<ofd:Content><ofd:Layer>{text}</ofd:Layer></ofd:Content></ofd:Page>",
        )
    return path


def huge_page_pdf(path: Path, pixels: int = 23_000, dpi: int = 200) -> Path:
    """A PDF of one blank page that renders to `pixels` × `pixels` at `dpi`."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    side = pixels * 72 / dpi
    writer.add_blank_page(width=side, height=side)
    with open(path, "wb") as f:
        writer.write(f)
    return path


def huge_image(path: Path, side: int = 13_000) -> Path:
    """A 1-bit PNG or JPEG declaring `side` × `side` pixels: a few KB."""
    from PIL import Image

    Image.new("1", (side, side), 1).save(path)
    return path


def many_frames_tiff(path: Path, frames: int) -> Path:
    """A TIFF of `frames` tiny frames."""
    from PIL import Image

    first = Image.new("L", (8, 8), 255)
    first.save(path, save_all=True, append_images=[Image.new("L", (8, 8), 255) for _ in range(frames - 1)])
    return path
