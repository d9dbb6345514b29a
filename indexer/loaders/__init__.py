"""Read the files of a corpus folder into cleaned `Document`s.

One module per file format, each turning a file into raw text plus whatever
metadata the file itself carries (`text`, `html`, `pdf`, `docx`, `ofd`, `office`
for .doc/.wps through LibreOffice, `image` with `ocr`); `cleaning`
removes web-page debris line by line; `metadata` reads sidecars and infers
title and dates; `corpus` picks the reader by suffix and walks a folder.
Later stages index character offsets into `Document.text`, so cleaning only
ever drops whole lines and never rewrites the lines it keeps.
"""
from __future__ import annotations

from .cleaning import clean_text, is_debris_line
from .common import Metadata, RawText, Reader
from .corpus import SUPPORTED_SUFFIXES, corpus_listing, load_corpus, load_document
from .docx import read_docx
from .html import html_to_text, read_html
from .image import read_image
from .metadata import infer_published, infer_title, normalise_date, read_sidecar, sanitise_doc_id, sidecar_path
from .ofd import read_ofd
from .office import read_legacy_word
from .pdf import read_pdf
from .text import read_md, read_text_file, read_txt, split_front_matter

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Metadata",
    "RawText",
    "Reader",
    "clean_text",
    "corpus_listing",
    "html_to_text",
    "infer_published",
    "infer_title",
    "is_debris_line",
    "load_corpus",
    "load_document",
    "normalise_date",
    "read_docx",
    "read_html",
    "read_image",
    "read_legacy_word",
    "read_md",
    "read_ofd",
    "read_pdf",
    "read_sidecar",
    "read_text_file",
    "read_txt",
    "sanitise_doc_id",
    "sidecar_path",
    "split_front_matter",
]
