"""Read the files of a corpus folder into cleaned `Document`s.

Each reader turns one file type into raw text plus whatever metadata the file
itself carries; `clean_text` then removes web-page debris line by line, and
`load_document` adds sidecar metadata, the inferred title and the content
hash. Later stages index character offsets into `Document.text`, so cleaning
only ever drops whole lines and never rewrites the lines it keeps.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

from .docmeta import document_extras
from .errors import EmptyCorpusError, UnsupportedDocumentError
from .lawmd import is_lawmd, parse_lawmd
from .types import Document

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")

Metadata = dict[str, Any]
Reader = Callable[[Path], tuple[str, Metadata]]

_SUPPORTED_LIST = "、".join(SUPPORTED_SUFFIXES)
_META_STRING_KEYS = ("title", "published", "issuer", "source", "period", "doc_id")
# Formats people often drop into a corpus folder, with what to do about them.
_CONVERSION_HINTS = {
    ".doc": "请用 Word 或 WPS 另存为 .docx",
    ".wps": "请用 WPS 另存为 .docx",
    ".rtf": "请另存为 .docx 或 .txt",
    ".ofd": "请导出为 PDF",
    ".xls": "请把内容另存为 .docx 或 .txt",
    ".xlsx": "请把内容另存为 .docx 或 .txt",
}

# ---------------------------------------------------------------------------
# Cleaning
# ---------------------------------------------------------------------------

# A line holding any of these is (part of) a body sentence and is always kept.
_SENTENCE_PUNCT = re.compile(r"[。！？；]")
# Debris lines are short; a long line is body text whatever it contains.
_MAX_DEBRIS_LEN = 200

_COLUMN_SEPARATOR = re.compile(r"\s*[丨|｜]\s*")
_MAX_COLUMN_NAME_LEN = 20

_DATE = r"\d{4}(?:[-/.]\d{1,2}[-/.]\d{1,2}|年\d{1,2}月\d{1,2}日)"
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?"
_CMS_LABEL = (
    r"(?:发布时间|发表时间|更新时间|时间|日期|作者|来源|编辑|责任编辑|编审|审核|发布者|发布人|发布|"
    r"阅读|浏览|点击|访问|阅读量|浏览量|点击量|访问量|阅读数|浏览数|点击数|阅读次数|浏览次数|点击次数|访问次数|次数|人气)"
)
_TOKEN_DATE = re.compile(rf"(?:{_CMS_LABEL}[:：])?{_DATE}")
_TOKEN_TIME = re.compile(_TIME)
_TOKEN_COUNT = re.compile(r"[(（]?\d+(?:次|人次)?[)）]?")
_TOKEN_MARKER = re.compile(
    rf"(?:转贴|转载|原创|阅读|浏览|点击|评论|{_CMS_LABEL}[:：][^\s:：]{{0,20}}"
    rf"|{_CMS_LABEL}[(（]?\d+[)）]?次?)"
)
_TOKEN_NAME = re.compile(r"[\u4e00-\u9fffA-Za-z·]{1,8}")
_MAX_NAMES_IN_HEADER = 2
# The document's own date fields (as opposed to a CMS posting time) stay.
_DOCUMENT_DATE_LABEL = re.compile(r"(?:成文日期|发布日期|印发日期|发文日期)")

_SOURCE_LINE = re.compile(
    r"^[（(【\[]?\s*(?:文章|信息|稿件|新闻|内容|消息)?来源\s*[:：][^。！？；]{0,40}?[)）】\]]?$"
)
_ICP_LINE = re.compile(r"ICP\s*[备证]|公网安备|网安备\s*\d")
_CMS_FOOTER = re.compile(
    r"(?i)^(?:powered\s+by\b|技术支持\s*[:：]|copyright\b|©|\(c\)\s*\d{4}|网站标识码|网站地图\b)"
    r"|版权所有\s*(?:[:：©(（]|$|\s)"
    r"|^(?:蝉知|zentao|dedecms|织梦|phpcms|帝国cms|empirecms|pbootcms|discuz!?|wordpress)\s*v?\d+(?:\.\d+)*$"
)
_NAV_LINE = re.compile(r"^(?:当前位置|您的位置|您现在的位置|上一篇|下一篇)\s*[:：]|^首页\s*[>»›]")
_SHARE_LINE = re.compile(r"^分享到\s*[:：]?")
_MAX_SHARE_LINE_LEN = 40
_UI_SPLIT = re.compile(r"[\s【】\[\]|｜/:：]+")
_UI_ACTIONS = frozenset(
    {"打印本页", "打印此页", "打印", "关闭窗口", "关闭本页", "关闭", "返回顶部", "收藏本页",
     "加入收藏", "保存本页", "分享到", "字号", "字体"}
)
_UI_WORDS = _UI_ACTIONS | frozenset({"返回", "收藏", "分享", "大", "中", "小", "默认", "扫一扫", "纠错"})


def _is_column_line(line: str, other_lines: AbstractSet[str]) -> bool:
    """`栏目丨标题` (or `标题 | 栏目`) where `标题` is also a line of its own."""
    for match in _COLUMN_SEPARATOR.finditer(line):
        before, after = line[: match.start()].strip(), line[match.end():].strip()
        if not before or not after:
            continue
        if after in other_lines and len(before) <= _MAX_COLUMN_NAME_LEN:
            return True
        if before in other_lines and len(after) <= _MAX_COLUMN_NAME_LEN:
            return True
    return False


def _is_header_line(line: str) -> bool:
    """A CMS byline made only of a date plus time, author, view count and 转贴-like markers."""
    if _DOCUMENT_DATE_LABEL.search(line):
        return False
    tokens = line.split()
    has_date = has_marker = False
    names = 0
    for token in tokens:
        if _TOKEN_DATE.fullmatch(token):
            has_date = True
        elif _TOKEN_TIME.fullmatch(token) or _TOKEN_COUNT.fullmatch(token):
            pass
        elif _TOKEN_MARKER.fullmatch(token):
            has_marker = True
        elif _TOKEN_NAME.fullmatch(token):
            names += 1
        else:
            return False
    # A date alone, or a date with a name, may be a signature or a table row of
    # the policy itself; a CMS marker (转贴, 浏览 123, 作者：…) is what gives it away.
    return has_date and has_marker and names <= _MAX_NAMES_IN_HEADER


def _is_ui_line(line: str) -> bool:
    """Page chrome such as 【打印本页】【关闭窗口】, 字号：大 中 小, 分享到：微信 微博."""
    if _SHARE_LINE.match(line) and len(line) <= _MAX_SHARE_LINE_LEN:
        return True
    words = [word for word in _UI_SPLIT.split(line) if word]
    return bool(words) and all(w in _UI_WORDS for w in words) and any(w in _UI_ACTIONS for w in words)


def is_debris_line(line: str, other_lines: AbstractSet[str] = frozenset()) -> bool:
    """Whether one line of a saved web page is site furniture rather than policy text.

    `other_lines` holds the stripped non-empty lines of the rest of the page; it
    lets a column line be recognised as a mere repetition of the title.
    """
    stripped = line.strip()
    if not stripped or len(stripped) > _MAX_DEBRIS_LEN or _SENTENCE_PUNCT.search(stripped):
        return False
    return (
        _is_column_line(stripped, other_lines)
        or _is_header_line(stripped)
        or bool(_SOURCE_LINE.match(stripped))
        or bool(_ICP_LINE.search(stripped))
        or bool(_CMS_FOOTER.search(stripped))
        or bool(_NAV_LINE.match(stripped))
        or _is_ui_line(stripped)
    )


def clean_text(raw: str) -> str:
    """Remove web-page debris from a document's text, keeping every policy line verbatim.

    Drops whole lines only: a column line repeating the title, CMS bylines
    (date, author, view count, 转贴), 来源 attributions, ICP/公网安备 lines,
    CMS footers (蝉知, Powered by, 版权所有, 技术支持) and page chrome (打印本页,
    关闭窗口, 分享到). A line with sentence punctuation is never dropped.
    Line endings become "\\n", a leading BOM goes, blank lines at the start and
    whitespace at the end are removed; kept lines are not altered.

    Args:
        raw: text as read from the file.
    Returns:
        The cleaned text (possibly empty).
    """
    text = raw.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    stripped = [line.strip() for line in lines]
    # A column line is compared with its own parts only, which can never equal
    # the whole line, so the set of all lines serves as "the other lines".
    all_lines = {s for s in stripped if s}

    kept: list[str] = []
    after_drop = False
    for line, s in zip(lines, stripped):
        if s:
            if is_debris_line(line, all_lines):
                after_drop = True
                continue
            after_drop = False
        elif (after_drop or not kept) and (not kept or not kept[-1].strip()):
            # A dropped line leaves its blank neighbours behind; keep one gap, not two.
            continue
        kept.append(line)
    return "\n".join(kept).rstrip()


# ---------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------

_MAX_NON_TEXT_RATIO = 0.05
_TEXT_CONTROLS = frozenset("\t\n\r\f\v")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_HTML_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
# GB18030 is a strict superset of these, and pages labelled GB2312 often use GBK characters.
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}


def _looks_like_text(text: str) -> bool:
    """False when a decoded string is mostly control, private-use or replacement characters."""
    if not text:
        return True
    bad = 0
    for ch in text:
        category = unicodedata.category(ch)
        if (category == "Cc" and ch not in _TEXT_CONTROLS) or category in ("Co", "Cn", "Cs") or ch == "\ufffd":
            bad += 1
    return bad / len(text) <= _MAX_NON_TEXT_RATIO


def _decode_bytes(data: bytes, name: str, preferred: str | None = None) -> str:
    """Decode file bytes: UTF-16 BOM, UTF-8, then `preferred`, GB18030, charset-normalizer."""
    if data.startswith(_UTF16_BOMS):
        # Windows Notepad's "Unicode" files: NUL bytes there are part of the encoding.
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise UnsupportedDocumentError(f"{name}: UTF-16 文本已损坏；请另存为 UTF-8 编码后再试") from e
    elif b"\x00" in data:
        raise UnsupportedDocumentError(f"{name}: 含有二进制数据（NUL 字节），不是文本文件；请转换为 UTF-8 文本后再放入语料文件夹")
    else:
        text = _decode_text_bytes(data, name, preferred)
    if not _looks_like_text(text):
        raise UnsupportedDocumentError(f"{name}: 内容大多不是可读文字，可能是二进制文件；请转换为 UTF-8 文本后再放入语料文件夹")
    return text


def _decode_text_bytes(data: bytes, name: str, preferred: str | None) -> str:
    candidates = ["utf-8-sig", "gb18030"]
    if preferred:
        # After UTF-8, not before: GBK text is almost never valid UTF-8, while pages
        # re-saved as UTF-8 often still declare gb2312.
        candidates.insert(1, _CHARSET_ALIASES.get(preferred.lower(), preferred))
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UnsupportedDocumentError(f"{name}: 无法识别文字编码；请另存为 UTF-8 编码后再试")
    return str(best)


def read_text_file(path: Path) -> str:
    """Read a text file whose encoding is unknown.

    Tries UTF-8 (with or without BOM), then GB18030 (which covers GBK and
    GB2312), then charset-normalizer's guess; a UTF-16 file with a BOM is read
    too.

    Args:
        path: the file.
    Returns:
        The decoded text, unchanged otherwise (no cleaning, line endings as stored).
    Raises:
        UnsupportedDocumentError: the file holds NUL bytes, cannot be decoded,
            or decodes to mostly non-text.
    """
    path = Path(path)
    return _decode_bytes(path.read_bytes(), path.name)


# ---------------------------------------------------------------------------
# Readers: one per file type, each returning (raw text, metadata found in the file)
# ---------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_MATTER_LINE = re.compile(r"^([A-Za-z_][\w\-]*)\s*:\s*(.*?)\s*$")


def _front_matter_value(value: str) -> Any:
    """A scalar of the flat YAML subset front matter uses: quoted strings, booleans, plain text."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    lowered = value.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    return re.sub(r"\s+#.*$", "", value)


def split_front_matter(text: str) -> tuple[Metadata, str]:
    """Split a leading YAML front matter block (`---` … `---`) from Markdown text.

    Only flat `key: value` pairs are read, which is all our metadata needs;
    this avoids depending on a YAML library.

    Returns:
        (metadata, body): metadata is empty and body is `text` when there is
        no front matter.
    """
    normalised = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    match = _FRONT_MATTER.match(normalised)
    if not match:
        return {}, text
    metadata: Metadata = {}
    for line in (match.group(1) or "").split("\n"):
        pair = _FRONT_MATTER_LINE.match(line)
        if pair and not line.lstrip().startswith("#"):
            metadata[pair.group(1)] = _front_matter_value(pair.group(2))
    return metadata, normalised[match.end():]


def read_txt(path: Path) -> tuple[str, Metadata]:
    """Read a plain-text file. Returns (text, {})."""
    return read_text_file(path), {}


def read_md(path: Path) -> tuple[str, Metadata]:
    """Read a Markdown file as plain text. Returns (body, front matter metadata).

    A LawRefBook law (`# title`, history lines, `<!-- INFO END -->`) yields its
    body without the markup and its title and history as metadata.
    """
    metadata, body = split_front_matter(read_text_file(path))
    if is_lawmd(body):
        body, law_metadata = parse_lawmd(body)
        metadata = {**law_metadata, **metadata}
    return body, metadata


_HTML_DROP_TAGS = frozenset(
    {"script", "style", "nav", "noscript", "template", "title", "meta", "link", "iframe", "svg"}
)
# <header>/<footer> of the page are site furniture, but inside <article>/<main>
# they hold the document's own title and date.
_HTML_PAGE_CHROME = frozenset({"header", "footer"})
_HTML_BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "div", "dl", "dt",
     "fieldset", "figcaption", "figure", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer",
     "hr", "li", "main", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"}
)
# HTML collapses ASCII whitespace only: &nbsp; and the ideographic space indent text on purpose.
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")


def html_to_text(html: str) -> str:
    """Text of an HTML page, one line per block element, scripts, navigation and page header/footer removed.

    Args:
        html: the page source.
    Returns:
        Uncleaned text; run `clean_text` on it.
    """
    from bs4 import BeautifulSoup, CData, NavigableString, Tag

    soup = BeautifulSoup(html, "html.parser")
    pieces: list[str] = []

    # An explicit work list instead of recursion: badly nested pages can be very deep.
    # Items are ("text", str) or ("node", tag, inside <pre>, inside <article>/<main>).
    work: list[tuple[Any, ...]] = [("node", soup, False, False)]
    while work:
        item = work.pop()
        if item[0] == "text":
            pieces.append(item[1])
            continue
        _, node, in_pre, in_article = item
        children: list[Any] = []
        for child in node.children:
            if isinstance(child, Tag):
                name = child.name.lower()
                if name in _HTML_DROP_TAGS or (name in _HTML_PAGE_CHROME and not in_article):
                    continue
                if name == "br":
                    children.append(("text", "\n"))
                    continue
                block = name in _HTML_BLOCK_TAGS
                if block:
                    children.append(("text", "\n"))
                children.append(("node", child, in_pre or name == "pre", in_article or name in ("article", "main")))
                if block:
                    children.append(("text", "\n"))
            elif type(child) in (NavigableString, CData):
                # Comments, doctypes and processing instructions are subclasses, skipped here.
                s = str(child)
                children.append(("text", s if in_pre else _HTML_SPACE.sub(" ", s)))
        work.extend(reversed(children))

    lines = (line.strip(" \t\r\f") for line in "".join(pieces).split("\n"))
    return "\n".join(line for line in lines if line)


def _declared_charset(data: bytes) -> str | None:
    match = _HTML_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def read_html(path: Path) -> tuple[str, Metadata]:
    """Read an .html/.htm page (its declared charset honoured). Returns (text, {})."""
    data = path.read_bytes()
    html = _decode_bytes(data, path.name, preferred=_declared_charset(data))
    return html_to_text(html), {}


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


def _docx_lines(container: Any) -> list[str]:
    """Paragraph and table-cell texts of a document or cell, in reading order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    for block in container.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                seen: set[int] = set()
                for cell in row.cells:
                    # A merged cell is returned once per grid column it spans.
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    lines.extend(_docx_lines(cell))
    return lines


def read_docx(path: Path) -> tuple[str, Metadata]:
    """Read a .docx: paragraphs and table cells in document order, one per line. Returns (text, {})."""
    import docx

    lines = _docx_lines(docx.Document(str(path)))
    return "\n".join(line for line in lines if line.strip()), {}


_READERS: dict[str, Reader] = {
    ".txt": read_txt,
    ".md": read_md,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
}

# ---------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------

_DOC_ID_DISALLOWED = re.compile(r"[^A-Za-z0-9_\-\u4e00-\u9fff]+")
_MAX_TITLE_LEN = 80
_PUBLISHED_LINE = re.compile(r"^\s*(?:发布日期|成文日期|印发日期|发文日期)\s*[:：]\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_DATE_VALUE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_PUBLISHED_SEARCH_LINES = 30


def sidecar_path(path: Path) -> Path:
    """Where the metadata of `path` lives: `<stem>.meta.json` beside it."""
    return path.with_name(f"{path.stem}.meta.json")


def read_sidecar(path: Path) -> Metadata:
    """Metadata from the `.meta.json` beside a document, or {} when there is none.

    Raises:
        UnsupportedDocumentError: the sidecar exists but is not a JSON object.
    """
    meta_path = sidecar_path(path)
    if not meta_path.is_file():
        return {}
    try:
        with open(meta_path, encoding="utf-8-sig") as f:
            data = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UnsupportedDocumentError(
            f"{path.name}: 元数据文件 {meta_path.name} 无法读取（{e}）；请改正为 UTF-8 编码的 JSON 或删除它"
        ) from e
    if not isinstance(data, dict):
        raise UnsupportedDocumentError(
            f"{path.name}: 元数据文件 {meta_path.name} 应是一个 JSON 对象（{{\"title\": …}}）；请改正或删除它"
        )
    return data


def sanitise_doc_id(raw: str) -> str:
    """A doc id made of letters, digits, _, - and CJK ideographs only ("doc" if nothing is left)."""
    cleaned = _DOC_ID_DISALLOWED.sub("_", raw.strip()).strip("_")
    return cleaned or "doc"


def infer_title(text: str, fallback: str) -> str:
    """The first non-empty line when it reads like a title (short, no 。), else `fallback`."""
    for line in text.split("\n"):
        candidate = line.strip()
        if candidate:
            if len(candidate) <= _MAX_TITLE_LEN and "。" not in candidate:
                return candidate
            break
    return fallback


def normalise_date(value: str) -> str:
    """`2019年8月12日` or `2019/8/12` → `2019-08-12`; anything else is returned stripped."""
    match = _DATE_VALUE.match(value)
    if not match:
        return value.strip()
    year, month, day = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def infer_published(text: str) -> str:
    """The ISO date of a `发布日期：…` (or 成文日期…) line near the top, or ""."""
    for line in text.split("\n")[:_PUBLISHED_SEARCH_LINES]:
        match = _PUBLISHED_LINE.match(line)
        if match:
            year, month, day = match.groups()
            return f"{year}-{int(month):02d}-{int(day):02d}"
    return ""


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1", "on")
    return bool(value)


def _relative_posix(path: Path, corpus_dir: Path) -> str:
    try:
        return path.resolve().relative_to(corpus_dir.resolve()).as_posix()
    except ValueError:
        return path.name


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def _read_raw(path: Path) -> tuple[str, Metadata]:
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        hint = _CONVERSION_HINTS.get(suffix, f"支持的类型：{_SUPPORTED_LIST}")
        kind = suffix or "（无扩展名）"
        raise UnsupportedDocumentError(f"{path.name}: 不支持的文件类型 {kind}；{hint}")
    try:
        return reader(path)
    except UnsupportedDocumentError:
        raise
    except Exception as e:  # any parser failure: the file is unreadable, not the program broken
        raise UnsupportedDocumentError(
            f"{path.name}: 文件已损坏或格式无法解析（{type(e).__name__}: {e}）；请用原程序重新导出后再试"
        ) from e


def load_document(path: Path, corpus_dir: Path) -> Document:
    """Read, clean and describe one corpus file.

    Metadata comes from `<stem>.meta.json` beside the file (keys title,
    published, issuer, source, period, fixture, doc_id, jurisdiction, level,
    adopted, effective), overriding Markdown front matter and a law's own
    history lines. Without a title one is inferred from the first line; without
    a published date, from a `发布日期：` line.

    Args:
        path: the file.
        corpus_dir: the corpus folder; `source_path` is relative to it.
    Returns:
        The Document, `text` cleaned and `content_hash` its SHA-256.
    Raises:
        UnsupportedDocumentError: unsupported type, unreadable or empty content,
            or a broken sidecar. The message names the file.
    """
    path, corpus_dir = Path(path), Path(corpus_dir)
    raw, metadata = _read_raw(path)
    metadata = {**metadata, **read_sidecar(path)}
    text = clean_text(raw)
    if not text.strip():
        raise UnsupportedDocumentError(f"{path.name}: 文件中没有可读取的文字；请检查文件内容，或把它移出语料文件夹")

    strings = {key: str(metadata[key]).strip() for key in _META_STRING_KEYS if metadata.get(key) is not None}
    title = strings.get("title") or infer_title(text, path.stem)
    return Document(
        doc_id=sanitise_doc_id(strings.get("doc_id") or path.stem),
        title=title,
        text=text,
        source_path=_relative_posix(path, corpus_dir),
        published=normalise_date(strings["published"]) if strings.get("published") else infer_published(text),
        issuer=strings.get("issuer", ""),
        source=strings.get("source", ""),
        period=strings.get("period", ""),
        fixture=_as_bool(metadata.get("fixture", False)),
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        **document_extras(metadata, title),
    )


def _is_candidate(relative: Path) -> bool:
    """Files the corpus walk considers: not hidden, not a sidecar, not a README."""
    if any(part.startswith(".") for part in relative.parts):
        return False
    name = relative.name
    return not name.lower().endswith(".meta.json") and not name.upper().startswith("README")


def _outside_jail(path: Path, corpus_dir: Path) -> str:
    """Why `path` (or its sidecar) must not be read although it sits in the
    corpus folder: a symbolic link on the way, or a real location outside the
    folder. "" when it may be read."""
    root = os.path.realpath(corpus_dir)
    for candidate in (path, sidecar_path(path)):
        probe = corpus_dir
        for part in candidate.relative_to(corpus_dir).parts:
            probe = probe / part
            if probe.is_symlink():
                return "是符号链接，已跳过：语料文件夹中只读取普通文件，请把文件本身复制进来"
        if candidate.exists() and not Path(os.path.realpath(candidate)).is_relative_to(root):
            return "实际位置在语料文件夹之外，已跳过"
    return ""


def _skip_reason(relative: str, error: Exception, name: str) -> str:
    message = str(error).removeprefix(f"{name}: ")
    return f"{relative}: {message}"


def load_corpus(corpus_dir: Path) -> tuple[list[Document], list[str]]:
    """Load every document of a corpus folder, recursively and in sorted order.

    Hidden files and folders, `*.meta.json` sidecars and README files are
    ignored. The folder is a jail: a symbolic link, or a file whose real
    location is outside the folder, is skipped with a reason. A file that cannot be read is skipped with a reason and never
    stops the others; so is a second file with an already used doc_id.

    Args:
        corpus_dir: the corpus folder.
    Returns:
        (documents, skipped), skipped holding "文件名: 原因" strings.
    Raises:
        EmptyCorpusError: the folder is missing or no document could be read.
    """
    corpus_dir = Path(corpus_dir)
    how_to_fix = f"请把政策文件（{_SUPPORTED_LIST} 格式）放入该文件夹后重试"
    if not corpus_dir.is_dir():
        raise EmptyCorpusError(f"语料文件夹 {corpus_dir} 不存在；{how_to_fix}")

    files = sorted(
        (p for p in corpus_dir.rglob("*") if p.is_file() and _is_candidate(p.relative_to(corpus_dir))),
        key=lambda p: p.relative_to(corpus_dir).as_posix(),
    )
    documents: list[Document] = []
    skipped: list[str] = []
    owners: dict[str, str] = {}
    for path in files:
        relative = path.relative_to(corpus_dir).as_posix()
        jailed = _outside_jail(path, corpus_dir)
        if jailed:
            skipped.append(f"{relative}: {jailed}")
            continue
        try:
            document = load_document(path, corpus_dir)
        except (UnsupportedDocumentError, OSError) as e:
            skipped.append(_skip_reason(relative, e, path.name))
            continue
        if document.doc_id in owners:
            skipped.append(
                f"{relative}: 文档编号 {document.doc_id} 与 {owners[document.doc_id]} 重复，已跳过；"
                f"请重命名其中一个文件，或在 {sidecar_path(path).name} 中设置不同的 \"doc_id\""
            )
            continue
        owners[document.doc_id] = relative
        documents.append(document)

    if not documents:
        detail = f"（已跳过：{'；'.join(skipped)}）" if skipped else ""
        raise EmptyCorpusError(f"语料文件夹 {corpus_dir} 中没有可读取的文档{detail}；{how_to_fix}")
    return documents, skipped
