"""Who leads and whom to call: the roster found in a plan's 附件.

Rosters in this genre write a unit, then "(联系人:姓名,电话:号码)" on the
same or the next line; people are named with their post ("姜  波  市工业和
信息化局局长"); a leader is appointed in prose ("由市委常委、副市长薛庆国
同志担任…指挥长"); member units are one long list split by 、 and ，. These
rules read that regular language and keep the offsets of what they read, so
every fact built from them can be cited.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .types import Contact

_CONTACT = re.compile(
    r"[（(]?\s*联系人\s*[:：]\s*(?P<person>[\u4e00-\u9fff][\u4e00-\u9fff\s]{0,6}?[\u4e00-\u9fff])\s*[,，;；、]\s*"
    r"(?:联系)?电话\s*[:：]\s*(?P<phone>[\d\-－—]{5,20}\d)\s*[)）]?"
)
# A unit name: 市/区/省… followed by words and an office suffix.
UNIT_NAME = re.compile(
    r"(?:[市省区县]委?|青岛)[\u4e00-\u9fff]{1,14}?(?:局|委员会|委|办公室|办|厅|会|中心|集团|管理局)(?![\u4e00-\u9fff]*局长)"
)
# Posts end with a title word; a name (2–3 characters) follows the post and
# precedes 同志 in an appointment sentence.
_POST_END = r"(?:长|书记|主任|常委|委员|主席|部长|秘书长|巡视员|调研员)"
_APPOINTMENT = re.compile(
    rf"由(?P<post>[^,，;；。由]*?{_POST_END})(?P<name>[\u4e00-\u9fff]{{2,3}})同志担任"
    r"(?P<body>[^;；。]*?)(?P<role>副?总?(?:指挥长|组长|队长|主任))"
)
# "姜  波  市工业和信息化局局长": a padded name, blanks, then the post.
_PERSON_LINE = re.compile(
    r"^(?P<name>[\u4e00-\u9fff](?:[^\S\n]*[\u4e00-\u9fff]){1,3}?)[^\S\n]+(?P<post>[\u4e00-\u9fff][^\n]*?)[^\S\n]*$"
)
_FIELD_PREFIX = re.compile(r"^[^\S\n]*[\u4e00-\u9fff][\u4e00-\u9fff\s]{0,10}?[:：][^\S\n]*")
_LIST_SEPARATOR = re.compile(r"[、，,；;]")
_BLANKS = re.compile(r"\s+")


@dataclass(frozen=True)
class ContactMatch:
    """A contact and where the roster states it: `start` is where the unit
    named before it begins (or the contact itself when no unit is named),
    `end` where the contact's closing parenthesis ends."""

    contact: Contact
    start: int
    end: int


@dataclass(frozen=True)
class PersonMatch:
    """A person named in a roster with their post; offsets span what was read."""

    name: str
    post: str
    role: str  # 指挥长, 队长…; "" when the line does not say
    start: int
    end: int


@dataclass(frozen=True)
class ItemMatch:
    """One entry of a list (a unit name) with its offsets."""

    text: str
    start: int
    end: int


def squeeze(text: str) -> str:
    """Remove the spaces used to pad two-character names ("姜  波" → "姜波")."""
    return _BLANKS.sub("", text)


def find_contacts(text: str) -> list[ContactMatch]:
    """Every "(联系人:…,电话:…)" with the unit named just before it and its span."""
    found = []
    for m in _CONTACT.finditer(text):
        window_start = max(0, m.start() - 60)
        units = list(UNIT_NAME.finditer(text, window_start, m.start()))
        unit = units[-1] if units else None
        contact = Contact(
            unit=unit.group(0) if unit else "",
            person=squeeze(m.group("person")),
            phone=squeeze(m.group("phone")),
        )
        found.append(ContactMatch(contact, unit.start() if unit else m.start(), m.end()))
    return found


def parse_contacts(text: str) -> list[Contact]:
    """Every "(联系人:…,电话:…)" with the unit named just before it."""
    return [match.contact for match in find_contacts(text)]


def find_appointments(text: str) -> list[PersonMatch]:
    """People appointed in prose: "由<post><name>同志担任…<role>"."""
    return [
        PersonMatch(squeeze(m.group("name")), squeeze(m.group("post")), m.group("role"), m.start(), m.end())
        for m in _APPOINTMENT.finditer(text)
    ]


def strip_field_label(line: str) -> tuple[str, int]:
    """A roster line without its "队    长:" label, and how many characters the label took."""
    m = _FIELD_PREFIX.match(line)
    return (line[m.end() :], m.end()) if m else (line, 0)


def parse_person_line(line: str) -> tuple[str, str] | None:
    """(name, post) of a line such as "姜  波  市工业和信息化局局长", or None."""
    m = _PERSON_LINE.match(line.strip())
    if not m:
        return None
    name, post = squeeze(m.group("name")), squeeze(m.group("post"))
    # A post is a phrase, a name is short; "市科技局" alone is a unit, not a person.
    if not 2 <= len(name) <= 4 or len(post) < 2 or UNIT_NAME.fullmatch(name):
        return None
    return name, post


def split_list(text: str, offset: int = 0) -> list[ItemMatch]:
    """Entries of a list written "甲、乙，丙" with offsets (+`offset`); blanks inside
    an entry are kept in the span but squeezed from its text."""
    items, start = [], 0
    for m in [*_LIST_SEPARATOR.finditer(text), None]:
        end = m.start() if m else len(text)
        piece = text[start:end]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece.rstrip())
        if trail > lead:
            items.append(ItemMatch(squeeze(piece), offset + start + lead, offset + start + trail))
        if m:
            start = m.end()
    return items
