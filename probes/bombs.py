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
    packs only 2:1). The text objects are written as a stream:
    a part of gigabytes costs the builder no more memory than a small one."""
    page_list = "".join(f'<ofd:Page ID="{n}" BaseLoc="Pages/Page_0/Content.xml"/>' for n in range(pages))
    objects = content_kb * 1024 // 130

    def text_objects(count: int) -> bytes:
        return "".join(
            f'<ofd:TextObject ID="{n}" Boundary="0 {n} 100 5" Size="5"><ofd:TextCode X="0" Y="4">政策条款{n}</ofd:TextCode></ofd:TextObject>'
            for n in range(count)
        ).encode("utf-8")

    # One object repeated (shorter than deflate's longest match): the part packs
    # about 1000:1, so 12 GB of XML still fits the 20 MB upload limit.
    block, rest = text_objects(1) * 128, text_objects(objects % 128)
    padding = random.Random(0).randbytes(padding_kb * 512).hex()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("OFD.xml", OFD_ROOT)
        package.writestr("Doc_0/Document.xml", f'<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Pages>{page_list}</ofd:Pages></ofd:Document>')
        with package.open("Doc_0/Pages/Page_0/Content.xml", "w", force_zip64=True) as part:
            part.write(f'<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><!-- {padding} --><ofd:Content><ofd:Layer>'.encode())
            for _ in range(objects // 128):
                part.write(block)
            part.write(rest)
            part.write(b"</ofd:Layer></ofd:Content></ofd:Page>")
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
    """A TIFF of `frames` white 8 × 8 frames, every frame's directory naming
    one shared strip: about 100 bytes a frame (10,000 frames in 1 MB, as the
    issue's), written directly since Pillow's writer takes minutes at that count."""
    import struct

    side, strip = 8, b"\xff" * 64
    # Tags in ascending order: width, length, bits per sample, compression (none),
    # photometric (black is zero), strip offsets, rows per strip, strip byte counts.
    def directory(next_offset: int) -> bytes:
        entries = [(256, 3, side), (257, 3, side), (258, 3, 8), (259, 3, 1), (262, 3, 1), (273, 4, 8), (278, 3, side), (279, 4, len(strip))]
        body = b"".join(struct.pack("<HHII", tag, kind, 1, value) if kind == 4 else struct.pack("<HHIHH", tag, kind, 1, value, 0) for tag, kind, value in entries)
        return struct.pack("<H", len(entries)) + body + struct.pack("<I", next_offset)

    size = len(directory(0))
    first = 8 + len(strip)
    with open(path, "wb") as f:
        f.write(b"II*\x00" + struct.pack("<I", first) + strip)
        for n in range(frames):
            f.write(directory(first + (n + 1) * size if n + 1 < frames else 0))
    return path


def declared_image(path: Path, side: int) -> Path:
    """A PNG or JPEG whose header declares `side` × `side` pixels over a few
    bytes of image data (the shape an image bomb takes past what a builder
    can encode: JPEG's header holds at most 65,535). A tiny image is encoded
    and its header's size rewritten, the PNG's CRC recomputed."""
    import io
    import struct
    import zlib

    from PIL import Image

    buffer = io.BytesIO()
    suffix = path.suffix.lower()
    Image.new("L", (8, 8), 255).save(buffer, format="PNG" if suffix == ".png" else "JPEG")
    data = bytearray(buffer.getvalue())
    if suffix == ".png":  # IHDR is the first chunk: length, type, width, height, ..., CRC
        data[16:24] = struct.pack(">II", side, side)
        data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    else:
        if side > 65_535:
            raise ValueError(f"a JPEG declares at most 65,535 px a side, not {side}")
        sof = data.index(b"\xff\xc0")  # baseline frame header: marker, length, precision, height, width
        data[sof + 5 : sof + 9] = struct.pack(">HH", side, side)
    path.write_bytes(bytes(data))
    return path
