"""Check an answer's claims against the sentences they cite.

A claim is a sentence of the answer with the quotes its markers point to.
Every number, date, percentage and unit name (市…局/委/办) the claim states
must appear in one of those quotes; a claim that states one that none of
its quotes holds is dropped rather than shown, because a wrong figure or a
wrong office in an answer about policy is worse than a shorter answer.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from indexer.roster import UNIT_NAME

Claim = tuple[str, list[str]]  # (sentence, quotes it cites)

_MARKER = re.compile(r"\[\d+\]")
# Clause labels such as 二（二）2（3） or 附件·牵头单位 name where a quote is, not a figure.
_CLAUSE_LABEL = re.compile(r"[一二三四五六七八九十]+[（(][一二三四五六七八九十]+[)）](?:\d+(?:[（(]\d+[)）])?)?")
_DATE = re.compile(r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?")
_NUMBER = re.compile(
    r"(?<![\d.])(?P<value>\d+(?:,\d{3})*(?:\.\d+)?)\s*"
    r"(?P<unit>%|个百分点|倍|(?:万|亿|千|百)?(?:元|辆|台|套|个|家|条|项|艘|座|所|件|款|部|种|人|名|亩|吨|公里|平方米|千瓦)|万|亿|年|月|日)?"
)
# A unit named as absent ("名单中没有市生态环境局") is not claimed to be in the text.
_NEGATION = re.compile(r"(?:没有|未列|不在|不包括|不含|并非|无)[^，。；]{0,6}$")


@dataclass(frozen=True)
class DroppedClaim:
    """A claim that failed, with what its quotes did not hold."""

    sentence: str
    quotes: tuple[str, ...]
    missing: tuple[str, ...]


def _normal(text: str) -> str:
    """Half-width, without blanks or thousands separators, for comparing figures."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text)
    return re.sub(r"(?<=\d),(?=\d{3})", "", text)


def checkable_items(sentence: str) -> list[str]:
    """The numbers (with their units), dates, percentages and unit names a
    sentence states, normalised as `_normal` does."""
    text = _CLAUSE_LABEL.sub("", _MARKER.sub("", _normal(sentence)))
    items: list[str] = []
    for m in _DATE.finditer(text):
        items.append(f"{m.group('y')}-{int(m.group('m'))}-{int(m.group('d'))}")
    text = _DATE.sub(" ", text)
    for m in _NUMBER.finditer(text):
        items.append(m.group("value") + (m.group("unit") or ""))
    for m in UNIT_NAME.finditer(text):
        if not _NEGATION.search(text[: m.start()]):
            items.append(m.group(0))
    return list(dict.fromkeys(items))


def _held(item: str, quotes: list[str]) -> bool:
    """Whether a quote states `item`: a unit name or number+unit as written, a
    bare number not as part of a longer one, a date in any usual spelling."""
    date = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", item)
    for quote in quotes:
        if date:
            y, m, d = date.groups()
            if re.search(rf"{y}\s*[-/.年]\s*0?{int(m)}\s*[-/.月]\s*0?{int(d)}(?!\d)", quote):
                return True
            continue
        number = re.fullmatch(r"(\d+(?:\.\d+)?)(.*)", item)
        if number:
            value, unit = number.groups()
            if re.search(rf"(?<![\d.]){re.escape(value)}(?!\d|\.\d)\s*{re.escape(unit)}", quote):
                return True
            continue
        if item in quote:
            return True
    return False


def verify_claims(answer_sentences: list[Claim]) -> tuple[list[Claim], list[DroppedClaim]]:
    """Split claims into those whose figures and unit names appear in one of
    their cited quotes (kept, in order, unchanged) and those that state
    something their quotes do not (dropped, with what was missing). A claim
    without figures or unit names is kept; one that states some but cites
    nothing is dropped."""
    kept: list[Claim] = []
    dropped: list[DroppedClaim] = []
    for sentence, quotes in answer_sentences:
        normal_quotes = [_normal(q) for q in quotes]
        missing = tuple(item for item in checkable_items(sentence) if not _held(item, normal_quotes))
        if missing:
            dropped.append(DroppedClaim(sentence, tuple(quotes), missing))
        else:
            kept.append((sentence, quotes))
    return kept, dropped
