"""Fact questions about a plan's roster: who leads, whom to call, which units
take part, who the 指挥长 and 队长 are, what a body is charged with.

When the question names someone the roster gives no contact for (市医保局的
联系人, 指挥长的电话) or asks for something rosters never hold (邮箱, 地址),
the answer says so explicitly instead of offering another unit's contact."""
from __future__ import annotations

import re

from indexer.facts import LEAD_ROLE, FactSource, Person, PolicyFacts, UnitRole
from indexer.roster import UNIT_NAME, squeeze

from .cues import load_cues
from .fact_writer import NOT_MENTIONED, FactAnswer, Writer, abstain, write_items
from .facts_targets import TARGET_CUE, select_targets
from .query import Query

MEMBER_ROLES = ("参与单位", "成员单位", "配合单位")

_CONTACT_PERSON = re.compile(r"联系人|对接人|联络人|找谁|联系谁")
_CONTACT = re.compile(rf"{_CONTACT_PERSON.pattern}|联系方式|怎么联系|电话|电化|手机号|座机|热线|打啥电|打什么电|打哪个电")
_CHANNELS = (("邮箱", r"邮箱|e-?mail|电子邮件"), ("传真", r"传真"), ("办公地址", r"地址|办公地点|在哪里办公|设在哪"), ("网址", r"网址|网站|官网"), ("微信", r"微信"))
_CHANNEL = re.compile("|".join(pattern for _, pattern in _CHANNELS), re.I)
_COMMANDER = re.compile(r"指挥长|总指挥|总负责人|挂帅|牵头领导")
_LEADER = re.compile(r"队长|组长")
_POST_ONLY = re.compile(r"指挥长|队长|组长|局长|市长|书记|主任")
_LEAD = re.compile(r"牵头|主管部门|主责部门|负责部门|哪个部门负责|找哪个部门|找哪个单位|该找哪")
_MEMBER_LIST = re.compile(r"参与单位|配合单位|参加单位|协作单位|成员单位|参与部门|(?:哪些|哪几个)(?:部门|单位)(?:参与|参加|配合)")
_MEMBERS = re.compile(rf"{_MEMBER_LIST.pattern}|参与|参加")  # the bare verbs only with a unit named
_YES_NO = re.compile(r"吗|是不是|是否|有没有|要不要|算不算|在不在|属不属于|包不包括|包括.{0,8}不")
_DUTY = re.compile(r"职责|负责什么|承担什么|干什么|做什么|任务是什么|负责啥|干啥")
_DUTY_BODY = re.compile(r"攻坚队|指挥部|工作专班|专班|领导小组|工作组")
_ROLE_OF_UNIT = re.compile(r"分工|职责|角色|担任|负责什么|干什么|干啥|负责啥")
_SPECIFIC_ASSIGNMENT = re.compile(r"负责哪|管哪|分管哪|对应哪")


# A body named as statutes name them (县级以上人民政府科学技术行政部门, 专利管理部门):
# when the roster holds no such unit, the plan's lead units are not its contact.
_BODY = re.compile(r"[\u4e00-\u9fff]{2,8}?(?:管理|行政|主管|工作|监管|执法)(?:部门|机构)")


def _unit_forms(unit: str) -> set[str]:
    """How a question may write a roster unit: 青岛地铁集团 → 地铁集团, 各区(市) → 各区市."""
    plain = squeeze(re.sub(r"[（(）)]", "", unit))
    forms = {squeeze(unit), plain}
    short = re.sub(r"^(?:青岛市?|市委?|省)", "", plain)
    if len(short) >= 3:
        forms.add(short)
    return forms


def _named_units(query: Query, facts: PolicyFacts) -> tuple[list[UnitRole], list[str]]:
    """Roster units the question names (every role they hold), and unit names
    it uses that the roster does not hold."""
    asked = squeeze(query.expanded)
    known: list[UnitRole] = []
    names: set[str] = set()
    for unit in facts.units:
        if any(form in asked for form in _unit_forms(unit.unit)):
            known.append(unit)
            names |= _unit_forms(unit.unit)
    unknown = []
    # "找哪个部门" asks which body; it names none.
    bodies = [name for name in _BODY.findall(squeeze(query.text)) if not load_cues().wh.search(name)]
    for name in UNIT_NAME.findall(squeeze(query.text)) + bodies:
        if not any(form in name or name in form for form in names) and name not in unknown:
            unknown.append(name)
    return known, unknown


def named_people(query: Query, facts: PolicyFacts) -> tuple[list[Person], list[UnitRole]]:
    """Roster people and contact persons the question names."""
    asked = squeeze(query.text)
    people = [p for p in facts.people if p.name and p.name in asked]
    contacts = [u for u in facts.units if u.person and u.person in asked]
    return people, contacts


def _unit_with_contact(unit: UnitRole) -> str:
    return f"{unit.unit}（联系人{unit.person}，电话{unit.phone}）" if unit.phone else unit.unit





def answer_channel(query: Query, facts: PolicyFacts) -> FactAnswer | None:
    """邮箱/地址/网址 of someone in the roster: rosters list names and phones only."""
    asked = next((name for name, pattern in _CHANNELS if re.search(pattern, query.text, re.I)), "")
    if not asked:
        return None
    people, contact_people = named_people(query, facts)
    units, unknown = _named_units(query, facts)
    bodies = [m.group(0) for m in _DUTY_BODY.finditer(query.text)]
    roles = [m.group(0) for m in _POST_ONLY.finditer(query.text)]
    who = list(dict.fromkeys([p.name for p in people] + [u.person for u in contact_people] + [u.unit for u in units] + unknown + bodies + roles))
    if not (who or _CONTACT.search(query.text)):
        return None
    return abstain("contact", f"文件只列出牵头单位的联系人和电话，没有{'、'.join(who) or '相关单位'}的{asked}。")


def answer_contact(query: Query, facts: PolicyFacts) -> FactAnswer | None:
    if not _CONTACT.search(query.text):
        return None
    with_contact = [u for u in facts.units if u.phone or u.person]
    people, contact_people = named_people(query, facts)
    units, unknown = _named_units(query, facts)
    if contact_people:  # "王法体的电话"
        writer = Writer()
        write_items(writer, [(_unit_with_contact(u), u.source) for u in dict.fromkeys(contact_people)])
        return writer.answer("contact")
    post = _POST_ONLY.search(query.text)
    if people or (post and not _CONTACT_PERSON.search(query.text)):
        # A leader or a post ("指挥长的电话", "工信局局长的电话"): the roster gives
        # phones of contact persons only, never of the people who lead.
        who = "、".join(f"{p.role}{p.name}" for p in people) or "".join(u.unit for u in units[:1]) + post.group(0)
        return abstain("contact", f"附件只列出牵头单位的联系人和电话，没有{who}的联系方式。")
    if units or unknown:
        answered = [u for u in units if u.phone or u.person]
        answered_names = {u.unit for u in answered}
        missing = list(dict.fromkeys([u.unit for u in units if u.unit not in answered_names] + unknown))
        if not answered:
            return abstain("contact", f"附件只列出牵头单位的联系人和电话，没有{'、'.join(missing)}的联系人或电话。")
        writer = Writer()
        write_items(writer, [(_unit_with_contact(u), u.source) for u in dict.fromkeys(answered)])
        if missing:
            writer.say(f"{NOT_MENTIONED}{'、'.join(missing)}的联系人或电话。")
        return writer.answer("contact")
    if not with_contact:
        return None
    writer = Writer()
    writer.say("牵头单位及联系人：")
    write_items(writer, [(_unit_with_contact(u), u.source) for u in with_contact])
    return writer.answer("contact")


def answer_people(query: Query, facts: PolicyFacts) -> FactAnswer | None:
    """指挥长 / 队长 questions, and what a named person does."""
    people, _ = named_people(query, facts)
    if people:
        writer = Writer()
        items = []
        for person in people:
            items.append((f"{person.name}：{person.post}，任{person.role}", person.source))
            peers = [p for p in facts.people if p.role == person.role and p.name != person.name]
            items += [(f"同任{p.role}的还有{p.name}（{p.post}）", p.source) for p in peers if p not in people]
        write_items(writer, items)
        return writer.answer("person")
    for kind, cue, match in (("commander", _COMMANDER, lambda role: "指挥长" in role), ("leaders", _LEADER, lambda role: bool(_LEADER.search(role)))):
        if not cue.search(query.text):
            continue
        holders = [p for p in facts.people if match(p.role)]
        if not holders:
            return None
        writer = Writer()
        roles = list(dict.fromkeys(p.role for p in holders))
        if len(roles) == 1:
            writer.say(f"{roles[0]}：")
        write_items(writer, [(f"{'' if len(roles) == 1 else p.role + '：'}{p.name}（{p.post}）", p.source) for p in holders])
        return writer.answer(kind)
    return None


def answer_units(query: Query, facts: PolicyFacts) -> FactAnswer | None:
    """牵头单位 / 参与单位 lists, membership ("市生态环境局是参与单位吗"), and
    what the roster says a named unit does."""
    units, unknown = _named_units(query, facts)
    leads = facts.units_with_role(LEAD_ROLE)
    members = [u for u in facts.units if u.role in MEMBER_ROLES]
    members = [u for u in members if u.in_roster] or members  # the roster's list, when there is one
    asks_lead = bool(_LEAD.search(query.text))
    asks_members = bool((_MEMBERS if units or unknown else _MEMBER_LIST).search(query.text))
    named = list(dict.fromkeys(u.unit for u in units)) + unknown
    if named and _SPECIFIC_ASSIGNMENT.search(query.text):
        roles = "；".join(f"{u.unit}为{u.role}" for u in units) or "、".join(unknown) + "不在名单中"
        return abstain("unit_role", f"附件只列出单位名单（{roles}），没有规定各单位具体负责哪项任务。")
    if named and (asks_lead or asks_members) and _YES_NO.search(query.text):
        role = LEAD_ROLE if asks_lead and not asks_members else MEMBER_ROLES[0]
        return _membership(named, units, leads if role == LEAD_ROLE else members, role)
    if named and units and _ROLE_OF_UNIT.search(query.text):
        return _unit_roles(units, facts)
    if asks_lead and leads and not named:
        writer = Writer()
        writer.say("牵头单位：")
        write_items(writer, [(_unit_with_contact(u), u.source) for u in leads])
        targets = select_targets(query, facts.targets) if TARGET_CUE.search(query.text) else []
        if targets:
            # "产量目标由哪个单位牵头": the roster names leads of the whole plan, not of a target.
            metrics = "、".join(dict.fromkeys(t.metric for t in targets))
            writer.say(f"文件没有把{metrics}目标分配给具体单位，以上是整个文件的牵头单位；文件未进一步规定各单位的具体分工。")
        return writer.answer("lead_units")
    if asks_members and members and not named:
        writer = Writer()
        by_source: dict[FactSource, list[UnitRole]] = {}
        for unit in members:
            by_source.setdefault(unit.source, []).append(unit)
        write_items(writer, [(f"{group[0].role}：{'、'.join(u.unit for u in group)}", source) for source, group in by_source.items()])
        return writer.answer("participants")
    return None


def _membership(named: list[str], units: list[UnitRole], listed: list[UnitRole], role: str) -> FactAnswer | None:
    """Whether each named unit is on the `role` list, grouped: yes, another role, no."""
    if not listed:
        return None
    present = [u for name in named for u in listed if u.unit == name]
    elsewhere = [u for name in named for u in units if u.unit == name and u.role != role and not any(p.unit == name for p in present)]
    absent = [name for name in named if not any(u.unit == name for u in present + elsewhere)]
    writer = Writer()
    items: list[tuple[str, FactSource]] = []
    if present:
        both = "都" if len(present) > 1 else ""
        items.append((f"是，{'、'.join(u.unit for u in present)}{both}列在{role}中", present[0].source))
    items += [(f"{u.unit}不在{role}中，它是{u.role}", u.source) for u in elsewhere]
    if absent:
        items.append((f"不是，{role}名单中没有{'、'.join(absent)}", listed[0].source))
    write_items(writer, items)
    return writer.answer("membership")


def _unit_roles(units: list[UnitRole], facts: PolicyFacts) -> FactAnswer:
    """What the roster says about named units: their role, contact, and heads who hold a post."""
    writer = Writer()
    items = []
    for unit in dict.fromkeys(units):
        items.append((f"{_unit_with_contact(unit)}为{unit.role}", unit.source))
        for person in facts.people:
            if unit.unit in person.post:
                items.append((f"{person.post}{person.name}任{person.role}", person.source))
    write_items(writer, items)
    writer.say("文件未进一步规定各单位的具体分工。")
    return writer.answer("unit_role")


def answer_duty(query: Query, facts: PolicyFacts) -> FactAnswer | None:
    body = _DUTY_BODY.search(query.text)
    if not (body and _DUTY.search(query.text) and facts.duties):
        return None
    duties = [d for d in facts.duties if d.body in query.text] or list(facts.duties)
    writer = Writer()
    write_items(writer, [(d.body + duty_phrase(d.duty), d.source) for d in duties])
    return writer.answer("duty")


def duty_phrase(duty: str) -> str:
    """"负责…" for a duty read from "X负责…" (the verb kept by the extractor or not), never "负责负责…"."""
    return duty if duty.startswith("负责") else f"负责{duty}"



ROSTER_CUES = (_CONTACT, _COMMANDER, _LEADER, _LEAD, _MEMBERS, _DUTY, _ROLE_OF_UNIT, _SPECIFIC_ASSIGNMENT, _CHANNEL)
ROSTER_CUE = re.compile("|".join(cue.pattern for cue in ROSTER_CUES), re.I)
