"""Who is responsible: roster attachments, "由…牵头" clauses and the duties statutes assign."""
from __future__ import annotations

import re

from ..roster import (
    UNIT_NAME,
    find_appointments,
    find_contacts,
    parse_person_line,
    split_list,
    strip_field_label,
)
from ..types import Chunk
from .model import Duty, Person, UnitRole
from .text import sentence_around, source_of

_LEAD_FIELDS = re.compile(r"牵头|责任单位|责任部门|主管")
_MEMBER_FIELDS = re.compile(r"参与|成员单位|配合|协同单位|参加")
_PERSON_FIELDS = re.compile(r"长$|成员$|组长|主任")
_DUTY = re.compile(r"(?P<body>攻坚队|指挥部|领导小组|工作专班|专班|办公室|工作组)[,，]?(?:主要|具体)?(?:负责|承担)(?P<duty>[^。；;]+)")
_UNIT_LIST = rf"(?:{UNIT_NAME.pattern})(?:[、,，](?:{UNIT_NAME.pattern}))*"
_CLAUSE_RESPONSIBLE = re.compile(
    rf"(?:(?:牵头单位|责任单位|牵头部门|责任部门)\s*[:：]\s*(?P<listed>{_UNIT_LIST}))"
    rf"|(?:由?(?P<leads>{_UNIT_LIST})(?P<verb>牵头|负责))"
    rf"|(?:[,，、](?P<helpers>{_UNIT_LIST})(?:配合|参与))"
)


def _field_of(chunk: Chunk) -> str:
    """The roster field a chunk holds ("队长", "牵头单位"…), from its clause label."""
    return chunk.clause.split("·")[-1] if "·" in chunk.clause else ""


def _lines(chunk: Chunk) -> list[tuple[int, int]]:
    spans, start = [], 0
    for line in chunk.text.split("\n"):
        end = start + len(line)
        if line.strip():
            spans.append((start, end))
        start = end + 1
    return spans


def roster_facts(chunk: Chunk) -> tuple[list[Person], list[UnitRole], list[Duty]]:
    """People, units and duties stated in one attachment chunk."""
    people: list[Person] = []
    units: list[UnitRole] = []
    duties: list[Duty] = []
    text, field_name = chunk.text, _field_of(chunk)
    for appointment in find_appointments(text):
        people.append(Person(appointment.name, appointment.post, appointment.role, sentence_around(chunk, appointment.start, appointment.end)))
    for m in _DUTY.finditer(text):
        duties.append(Duty(m.group("body"), m.group("duty").strip(), sentence_around(chunk, m.start(), m.end())))
    if _LEAD_FIELDS.search(field_name):
        contacts = find_contacts(text)
        for contact in contacts:
            line_start = text.rfind("\n", 0, contact.start) + 1  # keep "牵头单位:" when on the same line
            units.append(UnitRole(contact.contact.unit, field_name, contact.contact.person, contact.contact.phone, source_of(chunk, line_start, contact.end)))
        covered = [(c.start, c.end) for c in contacts]
        for m in UNIT_NAME.finditer(text):  # lead units listed without a contact
            if not any(s <= m.start() < e for s, e in covered):
                units.append(UnitRole(m.group(0), field_name, "", "", sentence_around(chunk, m.start(), m.end())))
        units.sort(key=lambda u: u.source.start)
    elif _MEMBER_FIELDS.search(field_name):
        body, skipped = strip_field_label(text)
        for item in split_list(body, skipped):
            name = item.text.strip("。")
            if name:
                units.append(UnitRole(name, field_name, "", "", source_of(chunk, 0, len(text))))
    elif _PERSON_FIELDS.search(field_name):
        for line_start, line_end in _lines(chunk):
            line, skipped = strip_field_label(text[line_start:line_end])
            person = parse_person_line(line)
            if person:
                people.append(Person(person[0], person[1], field_name, source_of(chunk, line_start, line_end)))
    return people, units, duties


def clause_responsibilities(chunk: Chunk) -> list[UnitRole]:
    """Units a clause makes responsible: "（市工业和信息化局牵头，市财政局配合）",
    "由市科技局负责", "责任单位：市…局、市…委"."""
    found = []
    for m in _CLAUSE_RESPONSIBLE.finditer(chunk.text):
        if m.group("listed"):
            group, role = "listed", "责任单位"
        elif m.group("leads"):
            group, role = "leads", "牵头单位" if m.group("verb") == "牵头" else "责任单位"
        else:
            group, role = "helpers", "配合单位"
        source = sentence_around(chunk, m.start(), m.end())
        for unit in UNIT_NAME.finditer(m.group(group)):
            found.append(UnitRole(unit.group(0), role, "", "", source))
    return found


# A statute assigns a duty to a body of government: "县级以上人民政府科学技术行政部门负责…".
_STATUTE_DUTY = re.compile(
    r"(?P<body>(?:国务院|县级以上|省|设区的市|市|县|区（市）|地方各级|各级)[^，。；：]{0,30}?(?:部门|人民政府|机关|机构))"
    # "…负责相关工作的部门应当…" names another body, not a duty.
    r"(?:应当)?(?P<verb>负责|主管|统筹|指导|协调|组织)(?![^。；，]{0,12}的部门)(?P<duty>[^。；]{4,120})"
)


def statute_duties(chunk: Chunk) -> list[Duty]:
    """The duties an article assigns, each with the sentence that says so."""
    return [
        Duty(m.group("body"), m.group("verb") + m.group("duty"), sentence_around(chunk, m.start(), m.end()))
        for m in _STATUTE_DUTY.finditer(chunk.text)
    ]


