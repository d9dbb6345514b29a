"""The facts as plain data: what extraction returns and facts.json holds."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


FACTS_VERSION = 2  # 2: duties statutes assign
DATA_DIR = Path(__file__).parents[1] / "data"
INDUSTRIES_PATH = DATA_DIR / "industries.json"
SUPPORT_KINDS_PATH = DATA_DIR / "support_kinds.json"

# Tag groups: a sector or enabler found in a clause, a kind of firm, a kind of support.
SECTOR, ENABLER, FIRM_KIND, SUPPORT = "industry", "enabler", "firm_kind", "support"
LEAD_ROLE = "牵头单位"  # the role whose units carry the contacts of a roster


# ---------------------------------------------------------------------------
# Plain data
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FactSource:
    """Where a fact was read: the chunk and the exact sentence (offsets in Document.text)."""

    chunk_id: str
    doc_id: str
    clause: str
    quote: str
    start: int
    end: int


@dataclass(frozen=True)
class DocumentInfo:
    """Title, issuer, dates and period of validity of one document."""

    doc_id: str
    title: str
    issuer: str
    published: str  # ISO date or ""
    source_site: str
    period: str  # as written, e.g. "2019—2022"
    period_start: int | None
    period_end: int | None
    source: FactSource | None  # the title line, when the text shows it


@dataclass(frozen=True)
class Target:
    """A numeric target (指标): 新能源汽车产量 · 50万辆 · 达到 · 2022 · 二（二）1."""

    metric: str  # what is measured, as written
    value: str  # "50", "20", or a multiple such as "翻一番"
    unit: str  # "万辆", "%", "个", "" for a multiple
    comparison: str  # 达到 / 提高…以上 / 约 / 翻一番 / 突破 …; "" when the text gives none
    year: int | None  # the year to reach it
    base_year: int | None  # "在2018年基础上"
    scope: str  # the 攻坚战 or section the target belongs to
    phrase: str  # the words of the target, a substring of the quote
    source: FactSource

    @property
    def amount(self) -> str:
        return f"{self.value}{self.unit}"


@dataclass(frozen=True)
class TagHit:
    """A vocabulary tag found in a text, with the words that matched."""

    tag: str
    group: str  # SECTOR, ENABLER, FIRM_KIND or SUPPORT
    words: tuple[str, ...]


@dataclass(frozen=True)
class Measure:
    """A numbered task or action (措施), or the goal clause of a 攻坚战."""

    chunk_id: str
    doc_id: str
    clause: str
    path: tuple[str, ...]
    role: str  # "task" or "goal"
    heading: str  # the item's own heading sentence
    quote: str  # the whole clause text
    start: int
    end: int
    ordinal: int
    own: tuple[TagHit, ...]  # sectors, enablers and kinds of firm named by the clause itself
    scope: tuple[TagHit, ...]  # sectors and enablers named by the headings above it (its 攻坚战)
    supports: tuple[TagHit, ...]  # kinds of support the clause offers, main kind first

    @property
    def breadcrumb(self) -> str:
        return " › ".join(self.path)

    @property
    def main_support(self) -> str:
        return self.supports[0].tag if self.supports else ""


@dataclass(frozen=True)
class Person:
    """A person named in a roster: 指挥长, 队长…"""

    name: str
    post: str
    role: str
    source: FactSource


@dataclass(frozen=True)
class UnitRole:
    """A unit and its role: 牵头单位 (with contact), 参与单位, 责任单位, 配合单位."""

    unit: str
    role: str
    person: str  # contact person, "" when none is given
    phone: str
    source: FactSource

    @property
    def in_roster(self) -> bool:
        """Named in the plan's roster (附件), not by one clause for that clause's task."""
        return self.source.clause.startswith("附件")


@dataclass(frozen=True)
class Duty:
    """What a body is responsible for: "攻坚队 负责统筹推进…"."""

    body: str
    duty: str
    source: FactSource


@dataclass(frozen=True)
class PolicyFacts:
    """All facts of an index, in document order."""

    version: int = FACTS_VERSION
    vocabulary: str = ""  # fingerprint of the vocabularies the tags were read with
    documents: tuple[DocumentInfo, ...] = ()
    targets: tuple[Target, ...] = ()
    measures: tuple[Measure, ...] = ()
    people: tuple[Person, ...] = ()
    units: tuple[UnitRole, ...] = ()
    duties: tuple[Duty, ...] = ()

    def document(self, doc_id: str) -> DocumentInfo | None:
        return next((d for d in self.documents if d.doc_id == doc_id), None)

    def units_with_role(self, role: str, doc_id: str | None = None) -> list[UnitRole]:
        """Units with `role`; those of a roster (附件) when it names any, else those clauses name."""
        units = [u for u in self.units if u.role == role and (doc_id is None or u.source.doc_id == doc_id)]
        return [u for u in units if u.in_roster] or units

    @property
    def empty(self) -> bool:
        return not (self.documents or self.targets or self.measures or self.people or self.units)

