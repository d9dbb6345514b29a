"""What `qa.match` returns: the measures matched for a firm, whom to ask, and
the result as the CLI prints it (`policyqa match`)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MatchedMeasure:
    clause: str
    path: str  # breadcrumb
    quote: str  # exact text of the document
    doc_title: str
    support: str  # main kind of support, or GENERAL_SUPPORT
    why: str  # which words matched
    chunk_id: str
    doc_id: str
    start: int  # offsets of the quote in the document text
    end: int
    score: float
    conditions: tuple[str, ...] = ()  # what remains to be checked before counting on it

    def to_json(self) -> dict[str, Any]:
        return {
            "clause": self.clause, "path": self.path, "quote": self.quote, "doc_title": self.doc_title,
            "support": self.support, "why": self.why, "conditions": list(self.conditions),
        }


@dataclass(frozen=True)
class ContactInfo:
    unit: str
    person: str
    phone: str
    clause: str
    doc_title: str = ""
    doc_id: str = ""  # where the contact is written: offsets in the document text
    start: int = 0
    end: int = 0

    def to_json(self) -> dict[str, str]:
        return {"unit": self.unit, "person": self.person, "phone": self.phone, "clause": self.clause, "doc_title": self.doc_title}


@dataclass(frozen=True)
class MatchResult:
    profile: str
    measures: tuple[MatchedMeasure, ...]  # most relevant first
    not_specified: tuple[str, ...]
    contacts: tuple[ContactInfo, ...]
    industries: tuple[str, ...] = ()  # what was recognised in the profile
    firm_kinds: tuple[str, ...] = ()
    wanted: tuple[str, ...] = ()  # kinds of support asked for
    size: str = ""

    def to_json(self) -> dict[str, Any]:
        """The `policyqa match --json` object."""
        return {
            "profile": self.profile,
            "wanted": list(self.wanted),
            "size": self.size,
            "measures": [m.to_json() for m in self.measures],
            "not_specified": list(self.not_specified),
            "contacts": [c.to_json() for c in self.contacts],
        }

    def groups(self) -> list[tuple[str, list[MatchedMeasure]]]:
        """Measures grouped by kind of support (资金与奖励, 税收优惠 …): the kinds
        asked for first, in the order asked, then the others in order of their
        best measure; each card names its document."""
        by_kind: dict[str, list[MatchedMeasure]] = {kind: [] for kind in self.wanted}
        for measure in self.measures:
            by_kind.setdefault(measure.support, []).append(measure)
        return [(kind, measures) for kind, measures in by_kind.items() if measures]

    def render_text(self) -> str:
        """The result in Chinese for the CLI."""
        lines = [f"企业描述：{self.profile}"]
        recognised = "、".join(self.industries) or "未识别出具体行业"
        kinds = f"；企业类型：{'、'.join(self.firm_kinds)}" if self.firm_kinds else ""
        lines.append(f"识别到的行业：{recognised}{kinds}")
        if self.wanted:
            lines.append(f"需要的支持：{'、'.join(self.wanted)}")
        lines.append("")
        if not self.measures:
            lines.append("文件中没有找到与该企业行业或类型明确相关的措施。")
        else:
            lines.append("相关措施（按支持类型分组，所需的支持在前，组内按相关度排序）：")
            n = 0
            for support, measures in self.groups():
                lines.append(f"【{support}】")
                for measure in measures:
                    n += 1
                    lines.append(f"{n}. {measure.clause}（{measure.path}）")
                    lines.append(f"   原文：“{_one_line(measure.quote)}”——《{measure.doc_title}》")
                    lines.append(f"   相关原因：{measure.why}")
                    lines.extend(f"   需核实：{check}" for check in measure.conditions)
        if self.not_specified:
            lines.append("")
            lines.append("文件未明确的事项：")
            lines.extend(f"- {item}" for item in self.not_specified)
        if self.contacts:
            lines.append("")
            lines.append("咨询联系：")
            lines.extend(f"- {c.unit}：{c.person}，电话{c.phone}（《{c.doc_title}》{c.clause}）" for c in self.contacts)
        return "\n".join(lines)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
