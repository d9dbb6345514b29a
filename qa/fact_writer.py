"""Composing an answer from facts: each fact a cited claim, numbered in order
of first use (qa/facts_answer.py and its roster and target questions)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from indexer.facts import DocumentInfo, FactSource, PolicyFacts

from .query import Query

NOT_MENTIONED = "文件未提及"

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


def only_fact_parts(query: Query, own_cue: re.Pattern[str]) -> bool:
    """True unless a part of the question asks something facts cannot answer."""
    return not any(_NON_FACT.search(part) and not own_cue.search(part) for part in _parts(query.text))



@dataclass
class Writer:
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


def write_items(writer: Writer, items: list[tuple[str, FactSource]]) -> None:
    """Items joined by "；" and closed by "。"."""
    for index, (sentence, source) in enumerate(items):
        writer.add(sentence, source, end="。" if index == len(items) - 1 else "；")


def abstain(kind: str, reason: str) -> FactAnswer:
    return FactAnswer(f"{NOT_MENTIONED}：{reason}", (), True, kind)


def period_note(info: DocumentInfo, today: date | None) -> str:
    """"《…》的实施期限为2019—2022年，已经到期。" when `today` is past the period, else ""."""
    if today is None or info.period_end is None or today.year <= info.period_end:
        return ""
    return f"《{info.title}》的实施期限为{info.period}年，已于{info.period_end}年底到期，请以现行政策为准。"


def fact_notes(facts: PolicyFacts, doc_ids: set[str], today: date | None) -> tuple[str, ...]:
    return tuple(note for info in facts.documents if info.doc_id in doc_ids for note in [period_note(info, today)] if note)

