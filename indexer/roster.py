"""Who leads and whom to call: the roster found in a plan's 附件.

Rosters in this genre write a unit, then "(联系人:姓名,电话:号码)" on the
same or the next line; people are named with their post ("姜  波  市工业和
信息化局局长"). These rules read that regular language.
"""
from __future__ import annotations

import re

from .types import Contact

_CONTACT = re.compile(
    r"[（(]\s*联系人\s*[:：]\s*(?P<person>[\u4e00-\u9fff][\u4e00-\u9fff\s]{0,6}?[\u4e00-\u9fff])\s*[,，;；、]\s*"
    r"(?:联系)?电话\s*[:：]\s*(?P<phone>[\d\-－—\s]{5,20}\d)\s*[)）]"
)
# A unit name: 市/区/省… followed by words and an office suffix.
UNIT_NAME = re.compile(
    r"(?:[市省区县]委?|青岛)[\u4e00-\u9fff]{1,14}?(?:局|委员会|委|办公室|办|厅|会|中心|集团|管理局)(?![\u4e00-\u9fff]*局长)"
)


def squeeze(text: str) -> str:
    """Remove the spaces used to pad two-character names ("姜  波" → "姜波")."""
    return re.sub(r"\s+", "", text)


def parse_contacts(text: str) -> list[Contact]:
    """Every "(联系人:…,电话:…)" with the unit named just before it."""
    contacts = []
    for m in _CONTACT.finditer(text):
        before = text[max(0, m.start() - 60) : m.start()]
        units = UNIT_NAME.findall(before)
        contacts.append(Contact(unit=units[-1] if units else "", person=squeeze(m.group("person")), phone=squeeze(m.group("phone"))))
    return contacts
