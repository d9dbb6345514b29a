"""Remove web-page debris from a document's text, line by line.

Later stages index character offsets into `Document.text`, so cleaning only
ever drops whole lines and never rewrites the lines it keeps.
"""
from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

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
    return "\n".join(line for _, line in kept_lines(raw)).rstrip()


def kept_lines(raw: str) -> list[tuple[int, str]]:
    """The lines `clean_text` keeps, each with its 0-based line number in `raw`.

    Paged readers use the numbers to find where each page starts in the cleaned text.
    """
    text = raw.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    stripped = [line.strip() for line in lines]
    # A column line is compared with its own parts only, which can never equal
    # the whole line, so the set of all lines serves as "the other lines".
    all_lines = {s for s in stripped if s}

    kept: list[tuple[int, str]] = []
    after_drop = False
    for number, (line, s) in enumerate(zip(lines, stripped)):
        if s:
            if is_debris_line(line, all_lines):
                after_drop = True
                continue
            after_drop = False
        elif (after_drop or not kept) and (not kept or not kept[-1][1].strip()):
            # A dropped line leaves its blank neighbours behind; keep one gap, not two.
            continue
        kept.append((number, line))
    return kept


def page_offsets(raw: str, page_lines: tuple[int, ...]) -> tuple[int, ...]:
    """Where each page starts in `clean_text(raw)`, given the raw line number each page starts at."""
    kept = kept_lines(raw)
    length = len(clean_text(raw))
    offsets: list[int] = []
    position = 0
    line_offsets: list[tuple[int, int]] = []
    for number, line in kept:
        line_offsets.append((number, position))
        position += len(line) + 1
    index = 0
    for first_line in page_lines:
        while index < len(line_offsets) and line_offsets[index][0] < first_line:
            index += 1
        offsets.append(min(line_offsets[index][1], length) if index < len(line_offsets) else length)
    return tuple(offsets)
