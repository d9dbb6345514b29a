"""Read the Markdown of the LawRefBook/Laws collection (national laws and regulations database).

A file looks like::

    # 中华人民共和国中小企业促进法

    2002年6月29日 第九届全国人民代表大会常务委员会第二十八次会议通过

    2017年9月1日 第十二届全国人民代表大会常务委员会第二十九次会议修订

    <!-- INFO END -->

    ## 第一章 总则

    第一条 为了改善中小企业经营环境，……

The `# title` and the dated lines before `<!-- INFO END -->` (通过 / 批准 /
公布 / 施行 / 修正 / 修订, with the body acting) are metadata, not text: they
leave the body, which keeps its headings without their Markdown `#` marks so
no markup ever reaches a chunk. Segmentation of 第X章 / 第X节 / 第X条 is the
generic one of `segment.py`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

INFO_END = "<!-- INFO END -->"

_CN_DIGITS = "一二三四五六七八九十百千零〇"
_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*")
_HEADING_MARK = re.compile(r"^#{1,6}(?:[ \t]+|$)", re.M)
_TITLE_LINE = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.M)
# The action of a history entry is its last word outside 《》 (a "修正案" inside a title is no action).
_ACTIONS = ("通过", "批准", "公布", "施行", "修正", "修订", "发布", "印发", "废止")
_QUOTED = re.compile(r"《[^》]*》|<[^>]*>|〈[^〉]*〉")
# "本法自2018年1月1日起施行" in the closing article.
_IN_FORCE = re.compile(
    r"本(?:法|条例|规定|办法|细则|决定|规则|解释)[^。\n]{0,12}?自\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*起[^。\n]{0,4}?施行"
)
# The organ acting in a history entry: "第十二届全国人民代表大会常务委员会第二十九次会议" → 全国人民代表大会常务委员会.
_SESSION = re.compile(rf"第[{_CN_DIGITS}\d]+次(?:全体|常务)?会议.*$")
_TERM = re.compile(rf"第[{_CN_DIGITS}\d]+届")


@dataclass(frozen=True)
class HistoryEntry:
    """One dated line of a law's history, e.g. 2017-09-01 修订 by 全国人民代表大会常务委员会."""

    date: str  # ISO date, "" when the line carries none
    action: str  # one of _ACTIONS, "" when none is named
    body: str  # the organ acting, e.g. "全国人民代表大会常务委员会"
    line: str  # the line as written (whitespace squeezed)


def is_lawmd(text: str) -> bool:
    """Whether `text` is in the LawRefBook format (it carries the `<!-- INFO END -->` marker)."""
    return INFO_END in text


def _iso(year: str, month: str, day: str) -> str:
    return f"{year}-{int(month):02d}-{int(day):02d}"


_ANY_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def iso_date(value: str) -> str:
    """`2017年9月1日`, `2017/9/1` or `2017-09-01` → `2017-09-01`; anything else stripped as is."""
    match = _ANY_DATE.match(value)
    return _iso(*match.groups()) if match else value.strip()


def _action(line: str) -> str:
    unquoted = _QUOTED.sub("", line)
    best, where = "", -1
    for action in _ACTIONS:
        position = unquoted.rfind(action)
        if position > where:
            best, where = action, position
    return best


def _organ(words: str) -> str:
    """The acting organ of an entry's words, without term and session numbers."""
    words = re.split(r"[《<〈]", words, maxsplit=1)[0]
    words = _SESSION.sub("", words)
    words = _TERM.sub("", words)
    for action in _ACTIONS:
        words = words.removesuffix(action)
    return words.strip(" 　")


def parse_history(lines: list[str]) -> list[HistoryEntry]:
    """Entries of the lines between the title and `<!-- INFO END -->`.

    A line starting with a date opens an entry; a line without one continues
    the open entry when that entry names no action yet (a long line the
    collection wrapped), else it is an entry of its own. Lines before any
    entry that name no action repeat the title and are dropped.
    """
    texts: list[str] = []
    for raw in lines:
        line = re.sub(r"\s+", " ", raw).strip()
        if not line:
            continue
        if _DATE.match(line) or not texts or _action(texts[-1]):
            texts.append(line)
        else:
            texts[-1] += line
    entries = []
    for line in texts:
        date_match = _DATE.match(line)
        action = _action(line)
        if not date_match and not action:
            continue  # a repeated (wrapped) title
        rest = line[date_match.end():] if date_match else line
        entries.append(HistoryEntry(_iso(*date_match.groups()) if date_match else "", action, _organ(rest), line))
    return entries


def _first(entries: list[HistoryEntry], *actions: str) -> HistoryEntry | None:
    return next((e for e in entries if e.action in actions), None)


def in_force_date(body: str) -> str:
    """The ISO date of the last "本法自…起施行" sentence of the body, or ""."""
    matches = list(_IN_FORCE.finditer(body))
    return _iso(*matches[-1].groups()) if matches else ""


def effective_date(entries: list[HistoryEntry], body: str) -> str:
    """施行日期: the history's 施行 line; else the body's "自…起施行" when that date is
    not older than the last adoption or revision (a 修正 by 决定 leaves the old
    date in the text, which is then not this version's); else ""."""
    stated = _first(entries, "施行")
    if stated and stated.date:
        return stated.date
    in_text = in_force_date(body)
    latest = max((e.date for e in entries if e.action in ("通过", "修正", "修订") and e.date), default="")
    return in_text if in_text and in_text >= latest else ""


def parse_lawmd(text: str) -> tuple[str, dict[str, Any]]:
    """Split a LawRefBook Markdown file into its body and its metadata.

    Args:
        text: the file's text (front matter already removed).
    Returns:
        (body, metadata). The body is the history lines (the 题注), then the text
        after `<!-- INFO END -->` with the `#` marks of its headings removed
        (each line otherwise verbatim).
        Metadata keys: title, issuer (organ that adopted it), adopted, published,
        effective, revisions (ISO dates of 修正/修订), history (the lines as written),
        bodies (every organ named, for the jurisdiction).
    """
    head, _, body = text.partition(INFO_END)
    # A part of a code has two title lines ("# 中华人民共和国民法典", "# 附则"): both name it.
    titles = [re.sub(r"\s+", "", m.group(1)) for m in _TITLE_LINE.finditer(head)]
    title = " ".join(titles)
    header_lines = [line for line in head.split("\n") if not _TITLE_LINE.match(line)]
    entries = parse_history(header_lines)
    body = _HEADING_MARK.sub("", body.lstrip("\n"))
    if entries:
        # The history stays in the text too, as the 题注 before the first article, so that
        # "什么时候施行" is answered by quoting it (the segmenter labels it 题注).
        body = "\n".join(e.line for e in entries) + "\n\n" + body
    adopted = _first(entries, "通过", "发布", "印发")
    published = _first(entries, "公布", "发布", "印发")
    metadata: dict[str, Any] = {
        "adopted": adopted.date if adopted else "",
        "issuer": adopted.body if adopted else next((e.body for e in entries if e.body), ""),
        "published": published.date if published else "",
        "effective": effective_date(entries, body),
        "revisions": tuple(e.date for e in entries if e.action in ("修正", "修订") and e.date),
        "history": tuple(e.line for e in entries),
        "bodies": tuple(e.body for e in entries if e.body),
    }
    if title:
        metadata["title"] = title
    return body, metadata
