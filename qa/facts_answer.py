"""Answer exactly from policy facts when the question asks for one.

Civil servants ask for facts the indexer has already read: who leads, whom
to call, which units take part, who the 指挥长 and 队长 are, what a target
is, how long a plan runs. For those `answer_from_facts` gives the complete
answer (a list question gets the whole list), each fact cited with the
exact sentence it came from. It answers only when the question clearly asks
for such a fact and returns None otherwise, so the extractive path answers.
When the question names someone the roster gives no contact for (市医保局的
联系人, 指挥长的电话) or asks for something rosters never hold (邮箱, 地址),
the answer says so explicitly instead of offering another unit's contact.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from indexer.facts import LEAD_ROLE, DocumentInfo, FactSource, Person, PolicyFacts, Target, UnitRole
from indexer.roster import UNIT_NAME, squeeze
from indexer.types import Chunk, Document

from .cues import load_cues
from .query import Query
from .types import Citation

NOT_MENTIONED = "文件未提及"
MEMBER_ROLES = ("参与单位", "成员单位", "配合单位")

Cite = tuple[str, str, int, int]  # (chunk_id, quote, start, end)


@dataclass(frozen=True)
class FactAnswer:
    """An answer composed from facts.

    `text` carries [n] markers; `citations[n-1]` is (chunk_id, quote, start,
    end) with offsets in the document text. `claims` pairs every cited
    sentence (without markers) with the quotes it cites, ready for
    qa.verify.verify_claims. `abstained` is True when the document does not
    hold what was asked (the text then starts with 文件未提及).
    """

    text: str
    citations: tuple[Cite, ...] = ()
    abstained: bool = False
    kind: str = ""  # contact, lead_units, participants, membership, commander, leaders, person, duty, unit_role, period, target, target_list
    claims: tuple[tuple[str, tuple[str, ...]], ...] = ()
    notes: tuple[str, ...] = ()


# ---------------------------------------------------------------------------
# Question cues
# ---------------------------------------------------------------------------

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
_PERIOD = re.compile(r"实施期限|有效期|执行期|期限是|几年|多少年|哪几年|什么时候(?:结束|到期)|何时(?:结束|到期)|到期(?!末)|过期|还有效|是否有效|失效")
_APPLICATION = re.compile(r"申报|申请|报名|认定|截止")
# "几条" asks a number, "哪几条" asks which ones.
_TARGET_CUE = re.compile(r"目标|指标|多少|(?<!哪)几(?:个|家|条|座|成|项)|百分之|比例|比重|占比|要达到|达到多少|定了")
_TARGET_LIST = re.compile(r"(?:哪些|哪几项|全部|所有|主要|量化|数量)的?(?:指标|目标)|指标.{0,4}(?:有哪些|是什么|有什么|都有啥|有啥)|(?:有哪些|什么)(?:量化)?指标")
_MULTI_PART = re.compile(r"分别|各是|各自|各为|两个|哪两")
_SEVERAL = re.compile(rf"{_MULTI_PART.pattern}|和|及|与|、")
_MONEY = re.compile(r"补贴|补助|奖励|资助|奖补|资金|多少钱|费用|优惠|减免")
# A sub-question that facts cannot answer: the extractive path must take the whole question.
_NON_FACT = re.compile(
    r"怎么|怎样|如何|为什么|为啥|什么模式|什么方式|哪些方面|安排|组成|措施|政策|扶持|支持|方向|规划|"
    r"哪些(?:领域|产业|企业|项目|技术|产品|行业|平台)|哪(?:几|些)家|写在|哪一部分|哪个部分|材料|流程|条件|门槛"
)
# Everyday words for the measured quantity, as plans write them.
_METRIC_ALIASES = (("营收", "营业收入"), ("销售收入", "营业收入"), ("人均产出", "全员劳动生产率"), ("能耗", "能源利用"), ("研发时间", "研发周期"))
_PARTS = re.compile(r"[？?；;。!！，,]")


def _parts(text: str) -> list[str]:
    return [p.strip() for p in _PARTS.split(text) if p.strip()]


def _only_fact_parts(query: Query, own_cue: re.Pattern[str]) -> bool:
    """True unless a part of the question asks something facts cannot answer."""
    return not any(_NON_FACT.search(part) and not own_cue.search(part) for part in _parts(query.text))


# ---------------------------------------------------------------------------
# Composition
# ---------------------------------------------------------------------------


@dataclass
class _Writer:
    """Collects sentences and numbers their citations in order of first use."""

    citations: list[Cite] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    claims: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def cite(self, source: FactSource) -> int:
        entry = (source.chunk_id, source.quote, source.start, source.end)
        if entry not in self.citations:
            self.citations.append(entry)
        return self.citations.index(entry) + 1

    def add(self, sentence: str, *sources: FactSource, end: str = "") -> None:
        """A claim followed by its markers, then `end` ("；" or "。")."""
        markers = "".join(f"[{self.cite(s)}]" for s in dict.fromkeys(sources))
        self.parts.append(f"{sentence}{markers}{end}")
        self.claims.append((sentence, tuple(s.quote for s in dict.fromkeys(sources))))

    def say(self, text: str) -> None:
        """Words that state no fact (a lead-in); they carry no number or unit."""
        self.parts.append(text)

    def answer(self, kind: str, notes: tuple[str, ...] = ()) -> FactAnswer:
        text = "".join(self.parts)
        if notes:
            text += "".join(f"（注：{note}）" for note in notes)
        return FactAnswer(text, tuple(self.citations), False, kind, tuple(self.claims), notes)


def _items(writer: _Writer, items: list[tuple[str, FactSource]]) -> None:
    """Items joined by "；" and closed by "。"."""
    for index, (sentence, source) in enumerate(items):
        writer.add(sentence, source, end="。" if index == len(items) - 1 else "；")


def _abstain(kind: str, reason: str) -> FactAnswer:
    return FactAnswer(f"{NOT_MENTIONED}：{reason}", (), True, kind)


def period_note(info: DocumentInfo, today: date | None) -> str:
    """"《…》的实施期限为2019—2022年，已经到期。" when `today` is past the period, else ""."""
    if today is None or info.period_end is None or today.year <= info.period_end:
        return ""
    return f"《{info.title}》的实施期限为{info.period}年，已于{info.period_end}年底到期，请以现行政策为准。"


def _notes(facts: PolicyFacts, doc_ids: set[str], today: date | None) -> tuple[str, ...]:
    return tuple(note for info in facts.documents if info.doc_id in doc_ids for note in [period_note(info, today)] if note)


# ---------------------------------------------------------------------------
# Who is named in the question
# ---------------------------------------------------------------------------


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


def _named_people(query: Query, facts: PolicyFacts) -> tuple[list[Person], list[UnitRole]]:
    """Roster people and contact persons the question names."""
    asked = squeeze(query.text)
    people = [p for p in facts.people if p.name and p.name in asked]
    contacts = [u for u in facts.units if u.person and u.person in asked]
    return people, contacts


def _unit_with_contact(unit: UnitRole) -> str:
    return f"{unit.unit}（联系人{unit.person}，电话{unit.phone}）" if unit.phone else unit.unit


# ---------------------------------------------------------------------------
# Roster questions
# ---------------------------------------------------------------------------


def _answer_channel(query: Query, facts: PolicyFacts) -> FactAnswer | None:
    """邮箱/地址/网址 of someone in the roster: rosters list names and phones only."""
    asked = next((name for name, pattern in _CHANNELS if re.search(pattern, query.text, re.I)), "")
    if not asked:
        return None
    people, contact_people = _named_people(query, facts)
    units, unknown = _named_units(query, facts)
    bodies = [m.group(0) for m in _DUTY_BODY.finditer(query.text)]
    roles = [m.group(0) for m in _POST_ONLY.finditer(query.text)]
    who = list(dict.fromkeys([p.name for p in people] + [u.person for u in contact_people] + [u.unit for u in units] + unknown + bodies + roles))
    if not (who or _CONTACT.search(query.text)):
        return None
    return _abstain("contact", f"文件只列出牵头单位的联系人和电话，没有{'、'.join(who) or '相关单位'}的{asked}。")


def _answer_contact(query: Query, facts: PolicyFacts) -> FactAnswer | None:
    if not _CONTACT.search(query.text):
        return None
    with_contact = [u for u in facts.units if u.phone or u.person]
    people, contact_people = _named_people(query, facts)
    units, unknown = _named_units(query, facts)
    if contact_people:  # "王法体的电话"
        writer = _Writer()
        _items(writer, [(_unit_with_contact(u), u.source) for u in dict.fromkeys(contact_people)])
        return writer.answer("contact")
    post = _POST_ONLY.search(query.text)
    if people or (post and not _CONTACT_PERSON.search(query.text)):
        # A leader or a post ("指挥长的电话", "工信局局长的电话"): the roster gives
        # phones of contact persons only, never of the people who lead.
        who = "、".join(f"{p.role}{p.name}" for p in people) or "".join(u.unit for u in units[:1]) + post.group(0)
        return _abstain("contact", f"附件只列出牵头单位的联系人和电话，没有{who}的联系方式。")
    if units or unknown:
        answered = [u for u in units if u.phone or u.person]
        answered_names = {u.unit for u in answered}
        missing = list(dict.fromkeys([u.unit for u in units if u.unit not in answered_names] + unknown))
        if not answered:
            return _abstain("contact", f"附件只列出牵头单位的联系人和电话，没有{'、'.join(missing)}的联系人或电话。")
        writer = _Writer()
        _items(writer, [(_unit_with_contact(u), u.source) for u in dict.fromkeys(answered)])
        if missing:
            writer.say(f"{NOT_MENTIONED}{'、'.join(missing)}的联系人或电话。")
        return writer.answer("contact")
    if not with_contact:
        return None
    writer = _Writer()
    writer.say("牵头单位及联系人：")
    _items(writer, [(_unit_with_contact(u), u.source) for u in with_contact])
    return writer.answer("contact")


def _answer_people(query: Query, facts: PolicyFacts) -> FactAnswer | None:
    """指挥长 / 队长 questions, and what a named person does."""
    people, _ = _named_people(query, facts)
    if people:
        writer = _Writer()
        items = []
        for person in people:
            items.append((f"{person.name}：{person.post}，任{person.role}", person.source))
            peers = [p for p in facts.people if p.role == person.role and p.name != person.name]
            items += [(f"同任{p.role}的还有{p.name}（{p.post}）", p.source) for p in peers if p not in people]
        _items(writer, items)
        return writer.answer("person")
    for kind, cue, match in (("commander", _COMMANDER, lambda role: "指挥长" in role), ("leaders", _LEADER, lambda role: bool(_LEADER.search(role)))):
        if not cue.search(query.text):
            continue
        holders = [p for p in facts.people if match(p.role)]
        if not holders:
            return None
        writer = _Writer()
        roles = list(dict.fromkeys(p.role for p in holders))
        if len(roles) == 1:
            writer.say(f"{roles[0]}：")
        _items(writer, [(f"{'' if len(roles) == 1 else p.role + '：'}{p.name}（{p.post}）", p.source) for p in holders])
        return writer.answer(kind)
    return None


def _answer_units(query: Query, facts: PolicyFacts) -> FactAnswer | None:
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
        return _abstain("unit_role", f"附件只列出单位名单（{roles}），没有规定各单位具体负责哪项任务。")
    if named and (asks_lead or asks_members) and _YES_NO.search(query.text):
        role = LEAD_ROLE if asks_lead and not asks_members else MEMBER_ROLES[0]
        return _membership(named, units, leads if role == LEAD_ROLE else members, role)
    if named and units and _ROLE_OF_UNIT.search(query.text):
        return _unit_roles(units, facts)
    if asks_lead and leads and not named:
        writer = _Writer()
        writer.say("牵头单位：")
        _items(writer, [(_unit_with_contact(u), u.source) for u in leads])
        targets = select_targets(query, facts.targets) if _TARGET_CUE.search(query.text) else []
        if targets:
            # "产量目标由哪个单位牵头": the roster names leads of the whole plan, not of a target.
            metrics = "、".join(dict.fromkeys(t.metric for t in targets))
            writer.say(f"文件没有把{metrics}目标分配给具体单位，以上是整个文件的牵头单位；文件未进一步规定各单位的具体分工。")
        return writer.answer("lead_units")
    if asks_members and members and not named:
        writer = _Writer()
        by_source: dict[FactSource, list[UnitRole]] = {}
        for unit in members:
            by_source.setdefault(unit.source, []).append(unit)
        _items(writer, [(f"{group[0].role}：{'、'.join(u.unit for u in group)}", source) for source, group in by_source.items()])
        return writer.answer("participants")
    return None


def _membership(named: list[str], units: list[UnitRole], listed: list[UnitRole], role: str) -> FactAnswer | None:
    """Whether each named unit is on the `role` list, grouped: yes, another role, no."""
    if not listed:
        return None
    present = [u for name in named for u in listed if u.unit == name]
    elsewhere = [u for name in named for u in units if u.unit == name and u.role != role and not any(p.unit == name for p in present)]
    absent = [name for name in named if not any(u.unit == name for u in present + elsewhere)]
    writer = _Writer()
    items: list[tuple[str, FactSource]] = []
    if present:
        both = "都" if len(present) > 1 else ""
        items.append((f"是，{'、'.join(u.unit for u in present)}{both}列在{role}中", present[0].source))
    items += [(f"{u.unit}不在{role}中，它是{u.role}", u.source) for u in elsewhere]
    if absent:
        items.append((f"不是，{role}名单中没有{'、'.join(absent)}", listed[0].source))
    _items(writer, items)
    return writer.answer("membership")


def _unit_roles(units: list[UnitRole], facts: PolicyFacts) -> FactAnswer:
    """What the roster says about named units: their role, contact, and heads who hold a post."""
    writer = _Writer()
    items = []
    for unit in dict.fromkeys(units):
        items.append((f"{_unit_with_contact(unit)}为{unit.role}", unit.source))
        for person in facts.people:
            if unit.unit in person.post:
                items.append((f"{person.post}{person.name}任{person.role}", person.source))
    _items(writer, items)
    writer.say("文件未进一步规定各单位的具体分工。")
    return writer.answer("unit_role")


def _answer_duty(query: Query, facts: PolicyFacts) -> FactAnswer | None:
    body = _DUTY_BODY.search(query.text)
    if not (body and _DUTY.search(query.text) and facts.duties):
        return None
    duties = [d for d in facts.duties if d.body in query.text] or list(facts.duties)
    writer = _Writer()
    _items(writer, [(d.body + duty_phrase(d.duty), d.source) for d in duties])
    return writer.answer("duty")


def duty_phrase(duty: str) -> str:
    """"负责…" for a duty read from "X负责…" (the verb kept by the extractor or not), never "负责负责…"."""
    return duty if duty.startswith("负责") else f"负责{duty}"


# ---------------------------------------------------------------------------
# Document and target questions
# ---------------------------------------------------------------------------


_CN_NUMBERS = "零一二三四五六七八九十"


def _answer_period(query: Query, facts: PolicyFacts, today: date | None) -> FactAnswer | None:
    if not _PERIOD.search(query.text) or _APPLICATION.search(query.text):
        return None
    infos = [info for info in facts.documents if info.period and info.source]
    if not infos:
        return None
    writer = _Writer()
    items = []
    for info in infos:
        years = info.period_end - info.period_start + 1 if info.period_start and info.period_end else 0
        span = f"（共{_CN_NUMBERS[years]}年）" if 0 < years < len(_CN_NUMBERS) else ""
        items.append((f"《{info.title}》的实施期限为{info.period}年{span}", info.source))
    _items(writer, items)
    return writer.answer("period", _notes(facts, {i.doc_id for i in infos}, today))


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"[\s，,。？?！!、：:；;“”\"（）()]", "", text.lower())
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _core(metric: str) -> str:
    """The measured thing without its praise: "行业领先的智能互联工厂" → "智能互联工厂"."""
    return metric.rsplit("的", 1)[-1] if len(metric.rsplit("的", 1)[-1]) >= 2 else metric


def _scope_name(scope: str) -> str:
    return re.sub(r"^[（(]?[一二三四五六七八九十\d]+[)）、.．]?", "", scope)


def _asked_bigrams(query: Query) -> set[str]:
    asked = query.text
    for everyday, written in _METRIC_ALIASES:
        if everyday in asked:
            asked += written
    return _bigrams(asked + " " + query.expanded)


def select_targets(query: Query, targets: tuple[Target, ...]) -> list[Target]:
    """The targets whose measured thing the question names. The best match is
    taken first and the words it used are spent, so a second target is taken
    only for words of its own ("智能互联工厂和数字化车间"), and only when the
    question asks for several."""
    remaining = _asked_bigrams(query)
    several = bool(_SEVERAL.search(query.text))
    chosen: list[Target] = []
    while True:
        scored = []
        for target in targets:
            if target in chosen:
                continue
            metric, core = _bigrams(target.metric), _bigrams(_core(target.metric))
            hits = len(metric & remaining)
            coverage = len(core & remaining) / len(core) if core else 0.0
            # The measured thing outweighs its 攻坚战: "汽车产业链产值" is not "营业收入" of the same scope.
            score = 2 * hits + len((_bigrams(_scope_name(target.scope)) - metric) & remaining)
            if hits >= 2 or coverage == 1.0:
                if not chosen or (hits >= 2 and coverage >= 0.5):
                    scored.append((score, target))
        if not scored:
            return chosen
        best = max(score for score, _ in scored)
        picked = [t for score, t in scored if score == best]
        picked += [t for t in targets if t not in picked and t not in chosen and any(t.metric == p.metric and t.source == p.source for p in picked)]
        chosen += picked
        for target in picked:
            remaining -= _bigrams(target.metric)
        if not several:
            return chosen


def _target_line(targets: list[Target]) -> str:
    """"新能源汽车产业倍增攻坚战：到2022年，新能源汽车产量达到50万辆" for targets of one sentence."""
    phrases = [t.phrase for t in targets]
    kept = [p for i, p in enumerate(phrases) if p not in phrases[:i] and not any(p != o and p in o for o in phrases)]
    year = targets[0].year
    when = f"到{year}年，" if year else ""
    return f"{_scope_name(targets[0].scope)}：{when}{'、'.join(kept)}"


def _write_targets(targets: list[Target], kind: str, facts: PolicyFacts, today: date | None) -> FactAnswer:
    writer = _Writer()
    by_sentence: dict[FactSource, list[Target]] = {}
    for target in targets:
        by_sentence.setdefault(target.source, []).append(target)
    _items(writer, [(_target_line(group), source) for source, group in by_sentence.items()])
    return writer.answer(kind, _notes(facts, {t.source.doc_id for t in targets}, today))


def _answer_targets(query: Query, facts: PolicyFacts, today: date | None) -> FactAnswer | None:
    if not facts.targets or not _TARGET_CUE.search(query.text) or _MONEY.search(query.text):
        return None
    if query.asks & {"money", "company_names", "procedure", "date"} or not _only_fact_parts(query, _TARGET_CUE):
        return None
    ends = [info.period_end for info in facts.documents if info.period_end]
    late = [y for y in query.years if ends and y > max(ends)]
    if late and (select_targets(query, facts.targets) or _TARGET_LIST.search(query.text)):
        info = max((i for i in facts.documents if i.period_end), key=lambda i: i.period_end)
        return _abstain("target", f"《{info.title}》的实施期限为{info.period}年，文件未涉及{max(late)}年的目标。")
    candidates = tuple(t for t in facts.targets if not query.years or t.year in query.years)
    if query.years and not candidates:
        return None  # a past year (a base year or actual figures): not a target question
    chosen = select_targets(query, candidates)
    if chosen:
        if _MULTI_PART.search(query.text) and len({t.metric for t in chosen}) < 2:
            return None  # asks for several figures and only one was recognised
        return _write_targets(chosen, "target", facts, today)
    if _TARGET_LIST.search(query.text):
        return _write_targets(list(candidates), "target_list", facts, today)
    return None


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------


_ROSTER_CUES = (_CONTACT, _COMMANDER, _LEADER, _LEAD, _MEMBERS, _DUTY, _ROLE_OF_UNIT, _SPECIFIC_ASSIGNMENT, _CHANNEL)
_ROSTER_CUE = re.compile("|".join(cue.pattern for cue in _ROSTER_CUES), re.I)


def answer_from_facts(
    query: Query,
    facts: PolicyFacts,
    documents: dict[str, Document],
    today: date | None = None,
) -> FactAnswer | None:
    """The answer to `query` from `facts`, or None when the question is not a
    fact question (the extractive path then answers). `documents` (by doc_id)
    restricts the facts to those documents; `today`, when given, adds a note
    to answers from a plan whose period has ended."""
    if documents:
        facts = _restrict(facts, set(documents))
    if query.focus and query.focus != query.text:
        # A long question's background ("前几年主要给外地供货") asks nothing.
        query = replace(query, text=query.focus)
    about_roster = _ROSTER_CUE.search(query.text) or any(_named_people(query, facts))
    if about_roster and _only_fact_parts(query, _ROSTER_CUE):
        for roster_step in (_answer_channel, _answer_contact, _answer_people, _answer_units, _answer_duty):
            answer = roster_step(query, facts)
            if answer is not None:
                return answer
    for step in (_answer_period, _answer_targets):
        answer = step(query, facts, today)
        if answer is not None:
            return answer
    return None


def _restrict(facts: PolicyFacts, doc_ids: set[str]) -> PolicyFacts:
    def keep(items):
        return tuple(item for item in items if item.source and item.source.doc_id in doc_ids)

    return PolicyFacts(
        version=facts.version,
        vocabulary=facts.vocabulary,
        documents=tuple(d for d in facts.documents if d.doc_id in doc_ids),
        targets=keep(facts.targets),
        measures=tuple(m for m in facts.measures if m.doc_id in doc_ids),
        people=keep(facts.people),
        units=keep(facts.units),
        duties=keep(facts.duties),
    )


def to_citations(answer: FactAnswer, chunks_by_id: dict[str, Chunk], documents: dict[str, Document]) -> list[Citation]:
    """The answer's citations as qa.types.Citation, for Answer objects and the UI."""
    citations = []
    for n, (chunk_id, quote, start, end) in enumerate(answer.citations, start=1):
        chunk = chunks_by_id[chunk_id]
        citations.append(Citation(n, chunk, documents[chunk.doc_id].title, quote, start, end))
    return citations
