"""The red header and closing lines of a formal government document.

A 公文 (GB/T 9704) opens with its issuing body (`青岛市人民政府文件`) and its
document number (`青政发〔2019〕12号`), is signed with the body's name and the
date of writing, and closes with 附件, 主题词, 抄送 and 印发 lines; pages of
government web sites carry the same facts in a labelled table (`发文机关：…`).
`read_header` finds them in the text of any format. The labels live in
data/header_labels.json; what is found here is only ever a default that a
sidecar overrides.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LABELS_PATH = Path(__file__).parent / "data" / "header_labels.json"

# The header fields sit in the first lines; the labelled table of a web page too.
_HEAD_LINES = 40
_MAX_NAME_LEN = 40  # an issuing body's name, a signature line
_DIGITS = "〇○零一二三四五六七八九"
_CN_DATE = rf"[{_DIGITS}]{{4}}\s*年\s*[{_DIGITS}十]{{1,2}}\s*月\s*[{_DIGITS}十]{{1,3}}\s*日"
_AR_DATE = r"\d{4}\s*(?:年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2})"
DATE = rf"(?:{_AR_DATE}|{_CN_DATE})"
_DATE_RE = re.compile(DATE)
# 青政发〔2019〕12号, 国办发[2020]7号, 鲁政字（2021）3号: a short prefix, a bracketed year, a number.
DOC_NUMBER = re.compile(r"[\u4e00-\u9fffA-Za-z]{1,12}\s*[〔\[［(（【]\s*\d{4}\s*[〕\]］)）】]\s*第?\s*\d{1,5}\s*号")
_LIST_SPLIT = re.compile(r"[，,、；;]+")
_WORD_SPLIT = re.compile(r"[\s，,、；;]+")
_NUMBERED_ITEM = re.compile(r"^\s*(\d{1,2})\s*[.．、]\s*(\S.*?)\s*$")
_YEARS = re.compile(rf"有效期\s*(?:为|是)?\s*([0-9{_DIGITS}十两]{{1,3}})\s*年")
_SENTENCE_PUNCT = re.compile(r"[。，；：:！？]")
# GB/T 9704 writes the year of a document number in 〔〕; scans and web pages give [] 【】 ().
_NUMBER_BRACKETS = str.maketrans({"[": "〔", "［": "〔", "(": "〔", "（": "〔", "【": "〔",
                                  "]": "〕", "］": "〕", ")": "〕", "）": "〕", "】": "〕"})
_MAX_TITLE_LEN = 80


@dataclass(frozen=True)
class Header:
    """What a document says about itself; every field is "" (or ()) when not found."""

    issuer: str = ""
    doc_number: str = ""
    written: str = ""  # 成文日期, ISO
    published: str = ""  # 发布日期, ISO
    effective: str = ""  # 施行日期, ISO
    valid_until: str = ""  # ISO when known, else as stated ("5年")
    subject_words: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    printed_by: str = ""
    title: str = ""  # the title line below a red header, when there is a red header


@lru_cache(maxsize=2)
def load_labels(path: Path = LABELS_PATH) -> dict[str, tuple[str, ...]]:
    """Field -> labels from data/header_labels.json (keys starting with "_about" left out)."""
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    return {key: tuple(values) for key, values in raw.items() if key != "_about"}


def _cn_number(text: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 三十一 → 31, 二〇一九 → 2019 (digit by digit), 5 → 5."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    values = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "○": 0, "两": 2}
    if "十" not in text:
        return int("".join(str(values[ch]) for ch in text))
    tens, _, ones = text.partition("十")
    return (values[tens] if tens else 1) * 10 + (values[ones] if ones else 0)


def iso_date(text: str) -> str:
    """`2019年8月12日`, `2019-8-12` or `二〇一九年八月十二日` → `2019-08-12`; "" when not a date."""
    match = re.fullmatch(r"\s*(\S+?)\s*[年\-/.]\s*(\S+?)\s*[月\-/.]\s*(\S+?)\s*日?\s*", text)
    if not match:
        return ""
    try:
        year, month, day = (_cn_number(part) for part in match.groups())
        return dt.date(year, month, day).isoformat()
    except (KeyError, ValueError):
        return ""


@lru_cache(maxsize=32)
def _label_pattern(labels: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first, so 有效期至 wins over 有效期.
    alternatives = "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))
    return re.compile(rf"^\s*(?:{alternatives})\s*(?:[:：]\s*(.*?)\s*|)$")


def _labelled(lines: list[str], labels: tuple[str, ...]) -> tuple[int, str] | None:
    """(line number, value) of the first `label：value` line; a label alone on its line
    (a cell of a web page's metadata table) takes the next non-empty line as its value."""
    pattern = _label_pattern(labels)
    for number, line in enumerate(lines):
        match = pattern.match(line)
        if not match:
            continue
        if match.group(1):
            return number, match.group(1)
        following = next((n for n in range(number + 1, min(number + 3, len(lines))) if lines[n].strip()), None)
        if following is not None and not _SENTENCE_PUNCT.search(lines[following]):
            return following, lines[following].strip()
    return None


def _labelled_value(lines: list[str], labels: tuple[str, ...]) -> str:
    found = _labelled(lines, labels)
    return found[1] if found else ""


def _first_date(text: str) -> str:
    match = _DATE_RE.search(text)
    return iso_date(match.group(0)) if match else ""


def _red_header_issuer(head: list[str], suffixes: tuple[str, ...]) -> str:
    for line in head:
        s = line.strip()
        for suffix in suffixes:
            if s.endswith(suffix) and len(s) <= _MAX_NAME_LEN and len(s) > len(suffix) and not _SENTENCE_PUNCT.search(s):
                return s.removesuffix(suffix).strip()
    return ""


def _signature(lines: list[str], closing_start: int) -> tuple[str, str]:
    """(issuer, ISO date) of the signature: the last line before the closing block that is
    only a date, and the short line above it."""
    for number in range(closing_start - 1, -1, -1):
        s = lines[number].strip()
        if s and _DATE_RE.fullmatch(s):
            above = next((lines[n].strip() for n in range(number - 1, -1, -1) if lines[n].strip()), "")
            issuer = above if len(above) <= _MAX_NAME_LEN and not _SENTENCE_PUNCT.search(above) else ""
            return issuer, iso_date(s)
    return "", ""


def _numbered_list(lines: list[str], start: int, first: str) -> tuple[str, ...]:
    """附件：1．A / 2．B … (the first item may share the label's line)."""
    first_item = _NUMBERED_ITEM.match(first)
    items = [first_item.group(2) if first_item else first.strip()]
    if not first_item:
        return tuple(item for item in items if item)
    for line in lines[start + 1:]:
        item = _NUMBERED_ITEM.match(line)
        if not item:
            break
        items.append(item.group(2))
    return tuple(items)


def _list_value(lines: list[str], number: int, value: str, stop: re.Pattern[str]) -> tuple[str, ...]:
    """A 抄送 value, continued on the following lines until a blank line or the 印发 line."""
    parts = [value]
    for line in lines[number + 1:]:
        s = line.strip()
        if not s or stop.search(s) or ("：" in s or ":" in s):
            break
        parts.append(s)
    text = "".join(parts).rstrip("。.")
    return tuple(part.strip() for part in _LIST_SPLIT.split(text) if part.strip())


def _add_years(start: str, years: int) -> str:
    """The last day of a period of `years` years beginning on ISO date `start`."""
    begin = dt.date.fromisoformat(start)
    try:
        end = begin.replace(year=begin.year + years)
    except ValueError:  # 29 February
        end = begin.replace(year=begin.year + years, day=28)
    return (end - dt.timedelta(days=1)).isoformat()


def read_header(text: str) -> Header:
    """Find the header fields of a document in its cleaned text.

    Labelled lines (`发文字号：…`) win; otherwise the red header line
    (`…文件`) gives the issuer, the first line shaped like a document number
    gives 发文字号, the signature (the body's name above a date alone on its
    line) gives the issuer and 成文日期, `自…起施行` gives 施行日期 and
    `有效期N年`/`有效期至…` the end of validity.

    Args:
        text: the document's cleaned text.
    Returns:
        The Header; fields not found are empty.
    """
    labels = load_labels()
    lines = text.split("\n")
    head = lines[:_HEAD_LINES]

    issuer = _labelled_value(head, labels["issuer"]) or _red_header_issuer(head, labels["_red_header_suffix"])
    doc_number = ""
    number_line = -1
    labelled_number = _labelled_value(head, labels["doc_number"])
    candidates = [(-1, labelled_number)] if labelled_number else []
    candidates += [(n, line) for n, line in enumerate(head) if len(line.strip()) <= _MAX_NAME_LEN]
    for number, candidate in candidates:
        match = DOC_NUMBER.search(candidate)
        if match:
            doc_number = re.sub(r"\s+", "", match.group(0)).translate(_NUMBER_BRACKETS)
            number_line = number
            break
    title = _title_below(head, number_line) if number_line >= 0 else ""

    printed = re.compile(rf"^\s*(\S.*?)\s+({DATE})\s*(?:{'|'.join(labels['_printed'])})\s*$")
    closing_labels = labels["cc"] + labels["subject_words"]
    closing = _label_pattern(closing_labels)
    closing_start = next(
        (n for n, line in enumerate(lines) if n >= _HEAD_LINES // 4 and (closing.match(line) or printed.match(line))), len(lines)
    )
    signer, signed = _signature(lines, closing_start)
    issuer = issuer or signer
    written = iso_date(_labelled_value(head, labels["written"])) or signed
    published = iso_date(_labelled_value(head, labels["published"]))

    verbs = "|".join(labels["_effective_verbs"])
    effective = iso_date(_labelled_value(lines, labels["effective"]))
    if not effective:
        match = re.search(rf"自\s*({DATE})\s*起\s*(?:{verbs})", text)
        effective = iso_date(match.group(1)) if match else ""

    valid_until = ""
    stated = _labelled_value(lines, labels["valid_until"])
    until = re.search(rf"有效期\s*(?:至|到)\s*({DATE})", text)
    years = _YEARS.search(text)
    if until:
        valid_until = iso_date(until.group(1))
    elif stated and _first_date(stated):
        valid_until = _first_date(stated)
    elif years:
        count = _cn_number(years.group(1))
        start = effective or written
        valid_until = _add_years(start, count) if start else f"{count}年"

    subject = _labelled_value(lines, labels["subject_words"])
    subject_words = tuple(word for word in _WORD_SPLIT.split(subject) if word)

    attachments: tuple[str, ...] = ()
    found = _labelled(lines, labels["attachments"])
    if found:
        attachments = _numbered_list(lines, found[0], found[1])

    cc: tuple[str, ...] = ()
    found = _labelled(lines, labels["cc"])
    if found:
        cc = _list_value(lines, found[0], found[1], printed)

    printed_by = next((m.group(1).strip() for m in map(printed.match, lines) if m), "")
    return Header(
        issuer=issuer.strip(), doc_number=doc_number, written=written, published=published, effective=effective,
        valid_until=valid_until, subject_words=subject_words, attachments=attachments, cc=cc, printed_by=printed_by,
        title=title,
    )


def _title_below(head: list[str], number_line: int) -> str:
    """The title of a red-header document: the first line below the document number
    that is neither a signer line (签发人：…) nor a sentence; "" when there is none."""
    for line in head[number_line + 1:]:
        s = line.strip()
        if not s or DOC_NUMBER.search(s) or "签发人" in s:
            continue
        if len(s) <= _MAX_TITLE_LEN and "。" not in s and not s.endswith(("：", ":")):
            return s
        return ""
    return ""
