"""What a firm needs and what a clause offers it, for `qa.match`.

Read with the rules of data/match_needs.json: whether a clause is support at
all (penalties and firms' obligations never are), whether it offers
something (给予, 享受, 减征…), the firm's size from its headcount and the
words documents use for firms of that size, the conditions a clause or its
document leaves to check, and the contact lines a document gives.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from indexer.facts import LEAD_ROLE, Measure, PolicyFacts
from indexer.types import Document

from .match_result import ContactInfo

NEEDS_PATH = Path(__file__).resolve().parent / "data" / "match_needs.json"
CONDITION_CHARS = 80  # a 支持对象 clause quoted as a condition is cut here

# "80人", "员工80名", "80多名员工": a headcount in a profile.
_HEADCOUNT = re.compile(r"(\d{1,6})\s*(?:多|余)?\s*(?:个|位)?(?:人|名)(?:员工|职工)?")
# "对年度研发投入超过500万元的传感器企业，给予…": whom a clause is for.
_FOR_WHOM = re.compile(r"对([^，。；;]{4,60}?的(?:[^，。；;]{0,8}?(?:企业|单位|项目|个人|团队)))[，,]")
# "崂山区科技局，联系人：李明，联系电话：0532-88990011"
_CONTACT = re.compile(
    r"(?P<unit>[\u4e00-\u9fff（）()]{2,24}?)[，,、：:\s]*联系人[：:]\s*(?P<person>[\u4e00-\u9fff]{2,4})"
    r"[，,；;、\s]*(?:联系电话|咨询电话|电话)[：:]\s*(?P<phone>[0-9][0-9\-－]{6,19})"
)


@dataclass(frozen=True)
class NeedRules:
    not_support_headings: tuple[str, ...]
    penalties: tuple[str, ...]
    obligations: tuple[str, ...]
    offers: tuple[str, ...]
    sizes: tuple[tuple[int, str], ...]  # (fewer than this many people, size), ascending
    size_names: tuple[tuple[str, tuple[str, ...]], ...]  # size -> how documents name such firms
    size_said: tuple[tuple[str, tuple[str, ...]], ...]  # size -> how a profile says it without a headcount
    condition_headings: tuple[str, ...]
    condition_phrases: tuple[tuple[tuple[str, ...], str], ...]  # (words, what to check)

    def named_as(self, size: str) -> tuple[str, ...]:
        return next((names for s, names in self.size_names if s == size), ())


@lru_cache(maxsize=2)
def load_needs(path: Path = NEEDS_PATH) -> NeedRules:
    """The rules of data/match_needs.json."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    bad, size, cond = data["not_support"], data["firm_size"], data["conditions"]
    return NeedRules(
        not_support_headings=tuple(bad["headings"]),
        penalties=tuple(bad["penalties"]),
        obligations=tuple(bad["obligations"]),
        offers=tuple(data["offers"]),
        sizes=tuple(sorted((int(row["below"]), row["size"]) for row in size["by_headcount"])),
        size_names=tuple((s, tuple(names)) for s, names in size["named_as"].items()),
        size_said=tuple((s, tuple(words)) for s, words in size["said_as"].items()),
        condition_headings=tuple(cond["headings"]),
        condition_phrases=tuple((tuple(p["words"]), p["check"]) for p in cond["phrases"]),
    )


def headcount(profile: str) -> int | None:
    """The number of people a profile says the firm employs, None when it says none."""
    found = _HEADCOUNT.search(profile)
    return int(found.group(1)) if found else None


def firm_size(profile: str, people: int | None, rules: NeedRules) -> str:
    """微型企业 / 小型企业 / 中型企业 by headcount, else as the profile says it
    (小微企业); "" when unknown or larger."""
    if people is not None:
        return next((size for below, size in rules.sizes if people < below), "")
    return next((size for size, words in rules.size_said if any(word in profile for word in words)), "")


def is_support(measure: Measure, rules: NeedRules) -> bool:
    """False for a penalty, a firm's obligation, or a clause under 法律责任 / 附则…"""
    if any(word in part for part in measure.path for word in rules.not_support_headings):
        return False
    return not any(word in measure.quote for word in rules.penalties + rules.obligations)


def offers(text: str, rules: NeedRules) -> bool:
    """Whether a clause offers something (给予, 享受, 减征…), not only names a field."""
    return any(word in text for word in rules.offers)


def is_condition_clause(measure: Measure, rules: NeedRules) -> bool:
    """A clause headed 支持对象 / 申报条件…: conditions of its document's measures, not a measure."""
    return any(word in measure.path[-1] for word in rules.condition_headings)


def size_words(text: str, size: str, rules: NeedRules) -> list[str]:
    """The words `text` names firms of `size` with (小型微型企业…), longest first."""
    found = [name for name in rules.named_as(size) if name in text]
    return [name for name in found if not any(name != other and name in other for other in found)]


def clause_conditions(measure: Measure, rules: NeedRules, size_note: str = "") -> list[str]:
    """What the clause itself leaves to check: whom it is for (对…的企业), its
    terms (符合条件的, 按照规定, 经认定…), and the firm's size when it names one."""
    checks = []
    whom = _FOR_WHOM.search(measure.quote)
    if whom:
        checks.append(f"适用于：{whom.group(1)}")
    checks.extend(check for words, check in rules.condition_phrases if any(word in measure.quote for word in words))
    if size_note:
        checks.append(size_note)
    return checks


def document_conditions(measures: list[Measure], rules: NeedRules) -> list[str]:
    """Conditions the document states once for all its measures (一、支持对象 …)."""
    out = []
    for measure in measures:
        if is_condition_clause(measure, rules):
            body = measure.quote.split("\n", 1)[-1].strip()
            body = body if len(body) <= CONDITION_CHARS else body[:CONDITION_CHARS] + "…"
            out.append(f"{measure.path[-1]}：{body}")
    return out


@dataclass(frozen=True)
class TextContact:
    unit: str
    person: str
    phone: str
    start: int  # offsets of the contact line in the document text
    end: int


def text_contacts(text: str) -> list[TextContact]:
    """Contact lines a document writes out ("…局，联系人：…，联系电话：…")."""
    return [
        TextContact(m.group("unit").strip("（）()"), m.group("person"), m.group("phone"), m.start("unit"), m.end("phone"))
        for m in _CONTACT.finditer(text)
    ]


# What firms always need to act on a measure, and how a document would say it.
_NEEDS = (
    ("资金额度/补贴金额", re.compile(r"\d[\d.,]*\s*(?:万|亿)?元[^。；]{0,20}(?:补贴|奖励|资助|补助|奖补)|(?:补贴|奖励|资助|补助|奖补)[^。；]{0,20}\d[\d.,]*\s*(?:万|亿)?元")),
    ("申请流程和所需材料", re.compile(r"(?:申报|申请)(?:程序|流程|材料|方式|指南)|受理|报送")),
    ("申报截止时间", re.compile(r"\d{1,2}月\d{1,2}日|截止|截至\d|月底前|年底前")),
    ("申报条件和认定标准", re.compile(r"(?:申报|申请|认定|支持)条件|门槛|认定标准")),
)
_PRINCIPLE = re.compile(r"给予[^，,。；;]{0,12}(?:奖励|补贴|支持|扶持)")
MONEY = _NEEDS[0][1]  # a clause that states an amount of money


def not_specified(place: str, facts: PolicyFacts, doc_ids: set[str]) -> list[str]:
    """What a firm (in `place`, "" when unknown) will need that the documents `doc_ids` do not say."""
    texts = [m.quote for m in facts.measures if m.doc_id in doc_ids]
    found: list[str] = []
    for need, pattern in _NEEDS:
        if any(pattern.search(text) for text in texts):
            continue
        principle = next((m for m in facts.measures if m.doc_id in doc_ids and _PRINCIPLE.search(m.quote)), None) if need.startswith("资金") else None
        said = f"（只在{principle.clause}提到“{_PRINCIPLE.search(principle.quote).group(0)}”）" if principle else ""
        found.append(f"{need}：文件未规定{said}")
    if place and not any(re.search(rf"{re.escape(place)}(?:区|市|新区|县)", text) for text in texts):
        found.append(f"针对{place}的区域性政策：文件按全市部署，未列出分区（市）的措施")
    for info in facts.documents:
        if info.doc_id in doc_ids and info.period:
            found.append(f"{info.period_end or info.period}年以后的安排：《{info.title}》的实施期限为{info.period}年，文件未涉及此后的政策")
    return found


def contacts_of(facts: PolicyFacts, documents: dict[str, Document], doc_ids: list[str]) -> list[ContactInfo]:
    """Whom to ask about the documents `doc_ids` (in that order): the lead units
    of a roster, then the contact lines a document writes out (an uploaded
    policy's 咨询联系); each phone number once."""
    titles = {doc_id: documents[doc_id].title if doc_id in documents else "" for doc_id in doc_ids}
    found = [
        ContactInfo(u.unit, u.person, u.phone, u.source.clause, titles[u.source.doc_id], u.source.doc_id, u.source.start, u.source.end)
        for u in facts.units_with_role(LEAD_ROLE)
        if u.phone and u.source.doc_id in titles
    ]
    for doc_id in doc_ids:
        if doc_id not in documents:
            continue
        for line in text_contacts(documents[doc_id].text):
            clause = next((m.clause for m in facts.measures if m.doc_id == doc_id and m.start <= line.start < m.end), "")
            found.append(ContactInfo(line.unit, line.person, line.phone, clause, titles[doc_id], doc_id, line.start, line.end))
    seen: set[str] = set()
    return [c for c in found if not (c.phone in seen or seen.add(c.phone))]
