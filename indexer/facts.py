"""Policy facts: what a plan commits to, who is responsible, whom to call.

`extract_facts` reads the segmented documents at indexing time and returns
a JSON-serialisable dict (the index stores it as facts.json); `load_facts`
turns it back into the dataclasses below. Every fact keeps the chunk it
came from and the exact sentence quoted, with its offsets in the document
text, so an answer built from facts is cited like any extractive answer.

The rules read the regular language of Chinese plans ("力争到2022年，…达到
50万辆", "(联系人:…,电话:…)", "由…同志担任指挥长") and the vocabularies in
data/industries.json and data/support_kinds.json; nothing is specific to
one document.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, fields, is_dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from .roster import (
    UNIT_NAME,
    find_appointments,
    find_contacts,
    parse_person_line,
    split_list,
    strip_field_label,
)
from .types import Chunk, Document

FACTS_VERSION = 2  # 2: duties statutes assign
DATA_DIR = Path(__file__).parent / "data"
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


# ---------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------

# Full-width ASCII to half-width, one character for one so offsets survive.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0xA0: 0x20}
_SENTENCE = re.compile(r"[^。；;！!？?\n]+(?:[。；;！!？?]+[”’」』)）]*)?")


def fold(text: str) -> str:
    """Half-width, lower-case, same length: for matching only, never for display."""
    return text.translate(_FOLD).lower()


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, cut at 。；！？ and line ends, blanks trimmed."""
    spans = []
    for m in _SENTENCE.finditer(text):
        piece = m.group(0)
        start = m.start() + len(piece) - len(piece.lstrip())
        end = m.start() + len(piece.rstrip())
        if end > start and re.search(r"\w", text[start:end]):
            spans.append((start, end))
    return spans


def _source(chunk: Chunk, rel_start: int, rel_end: int) -> FactSource:
    """A source quoting chunk.text[rel_start:rel_end], blanks trimmed, with document offsets."""
    piece = chunk.text[rel_start:rel_end]
    rel_start, rel_end = rel_start + len(piece) - len(piece.lstrip()), rel_start + len(piece.rstrip())
    return FactSource(chunk.chunk_id, chunk.doc_id, chunk.clause, chunk.text[rel_start:rel_end], chunk.start + rel_start, chunk.start + rel_end)


def _sentence_around(chunk: Chunk, rel_start: int, rel_end: int) -> FactSource:
    """The sentence(s) of `chunk` that contain chunk.text[rel_start:rel_end]."""
    spans = [s for s in sentence_spans(chunk.text) if s[1] > rel_start and s[0] < rel_end]
    if not spans:
        return _source(chunk, rel_start, rel_end)
    return _source(chunk, spans[0][0], spans[-1][1])


# ---------------------------------------------------------------------------
# Vocabularies
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    """Keyword lists by group; `broader` maps a tag to the sectors it belongs to."""

    groups: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...]  # (group, ((tag, keywords), …))
    broader: tuple[tuple[str, tuple[str, ...]], ...]
    fingerprint: str
    ambiguous: tuple[str, ...] = ()  # phrases whose keywords do not count ("整车企业")

    def broader_of(self, tag: str) -> tuple[str, ...]:
        return next((parents for t, parents in self.broader if t == tag), ())


def _entries(mapping: dict[str, Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((tag, tuple(words)) for tag, words in mapping.items() if not tag.startswith("_"))


@lru_cache(maxsize=4)
def load_vocabulary(industries_path: Path = INDUSTRIES_PATH, supports_path: Path = SUPPORT_KINDS_PATH) -> Vocabulary:
    """The vocabularies of data/industries.json and data/support_kinds.json."""
    industries_raw = industries_path.read_bytes()
    supports_raw = supports_path.read_bytes()
    industries = json.loads(industries_raw)
    supports = json.loads(supports_raw)
    groups = (
        (SECTOR, _entries(industries.get("industries", {}))),
        (ENABLER, _entries(industries.get("enablers", {}))),
        (FIRM_KIND, _entries(industries.get("firm_kinds", {}))),
        (SUPPORT, _entries(supports)),
    )
    broader = tuple((tag, tuple(parents)) for tag, parents in industries.get("broader", {}).items())
    fingerprint = hashlib.sha256(industries_raw + b"\x1f" + supports_raw).hexdigest()[:16]
    return Vocabulary(groups, broader, fingerprint, tuple(industries.get("ambiguous", ())))


@dataclass(frozen=True)
class TermMatch:
    """One keyword occurrence in a text."""

    tag: str
    group: str
    word: str  # the keyword as written in the vocabulary
    start: int
    end: int


def _is_ascii_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _occurrences(folded: str, needle: str) -> list[tuple[int, int]]:
    """Spans of `needle` in `folded`; a Latin needle must not touch other Latin letters or digits."""
    spans, start = [], folded.find(needle)
    while needle and start != -1:
        end = start + len(needle)
        glued = needle[0].isascii() and start > 0 and _is_ascii_word_char(folded[start - 1])
        glued |= needle[-1].isascii() and end < len(folded) and _is_ascii_word_char(folded[end])
        if not glued:
            spans.append((start, end))
        start = folded.find(needle, start + 1)
    return spans


def find_terms(text: str, vocabulary: Vocabulary, groups: tuple[str, ...] | None = None) -> list[TermMatch]:
    """Every keyword occurrence in `text`, in order. Within a family of groups
    (sectors with enablers, kinds of firm, kinds of support) a keyword inside a
    longer one gives way to it, so 农药 is not read as 药 nor 电动车 as 动车;
    no keyword counts inside an ambiguous phrase (整车企业 is not 车企).
    Latin keywords must stand as words ("AI" is not found in "detail")."""
    folded = fold(text)
    blocked = [span for phrase in vocabulary.ambiguous for span in _occurrences(folded, fold(phrase))]
    found: list[TermMatch] = []
    for group, entries in vocabulary.groups:
        if groups is not None and group not in groups:
            continue
        for tag, words in entries:
            for word in words:
                for start, end in _occurrences(folded, fold(word)):
                    if not any(s <= start and end <= e for s, e in blocked):
                        found.append(TermMatch(tag, group, word, start, end))

    def family(group: str) -> str:
        return SECTOR if group in (SECTOR, ENABLER) else group

    kept = [
        m
        for m in found
        if not any(
            family(o.group) == family(m.group) and o.start <= m.start and o.end >= m.end and (o.end - o.start) > (m.end - m.start)
            for o in found
        )
    ]
    return sorted(kept, key=lambda m: (m.start, m.end, m.tag))


def tag_hits(matches: list[TermMatch], vocabulary: Vocabulary) -> tuple[TagHit, ...]:
    """Matches grouped by tag: most distinct words first, then vocabulary order."""
    words: dict[tuple[str, str], list[str]] = {}
    for m in matches:
        bucket = words.setdefault((m.group, m.tag), [])
        if m.word not in bucket:
            bucket.append(m.word)
    order = {tag: i for i, tag in enumerate(t for g, entries in vocabulary.groups for t, _ in entries)}
    ranked = sorted(words.items(), key=lambda item: (-len(item[1]), order.get(item[0][1], 0)))
    return tuple(TagHit(tag, group, tuple(ws)) for (group, tag), ws in ranked)


# ---------------------------------------------------------------------------
# Document facts
# ---------------------------------------------------------------------------

_PERIOD = re.compile(r"(20\d{2})\s*年?\s*[—\-–~～至到]+\s*(20\d{2})")


def document_info(document: Document, chunks: list[Chunk]) -> DocumentInfo:
    """Title, issuer, publication date and period (from Document.period, else the title)."""
    m = _PERIOD.search(document.period) or _PERIOD.search(document.title)
    period = document.period or (f"{m.group(1)}—{m.group(2)}" if m else "")
    source = None
    for chunk in chunks:
        at = chunk.text.find(document.title) if document.title else -1
        if at != -1:
            source = _source(chunk, at, at + len(document.title))
            break
    return DocumentInfo(
        doc_id=document.doc_id,
        title=document.title,
        issuer=document.issuer,
        published=document.published,
        source_site=document.source,
        period=period,
        period_start=int(m.group(1)) if m else None,
        period_end=int(m.group(2)) if m else None,
        source=source,
    )


# ---------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------

_GOAL_YEAR = re.compile(r"(?:到|至|截至|截止到?)\s*(20\d{2})\s*年(?:底|末)?")
_BASE_YEAR = re.compile(r"(?:在|比|较|与)\s*(20\d{2})\s*年(?:的)?(?:基础上|相比|水平上?)?")
_COUNT_UNITS = "个|家|条|项|台|套|艘|座|所|件|款|部|种|只|处|批|户|张"
_MEASURE_UNITS = "元|辆|人|名|亩|吨|公里|千米|平方米|千瓦|兆瓦|万千瓦|标准箱|次"
_QUANTITY = re.compile(
    r"(?P<value>\d+(?:\.\d+)?)\s*"
    rf"(?P<unit>%|％|个百分点|倍|(?:万|亿|千|百)?(?:{_MEASURE_UNITS}|{_COUNT_UNITS})|万|亿)"
    r"(?P<qualifier>以上|以下|左右|以内)?"
)
_MULTIPLE = re.compile(r"翻(?:一|两|二|三)番|倍增")
_DIRECTION = re.compile(
    r"(?:年均增长|年均提高|提高到|提升到|提高|提升|降低到|降低|下降|缩短|增长|增加|减少|达到|突破|超过|不低于|不少于|控制在|约|近|新增|累计)$"
)
_LEADING_WORDS = re.compile(r"^(?:力争|争取|实现|带动|推动|培育|打造|建设|建成|形成|完成|引进|承建|新增|累计|全面|在?国内|在?全国|在?全省)+")
_TIME_PHRASE = re.compile(r"^(?:力争|争取)?(?:到|至|截至)?\s*20\d{2}\s*年(?:底|末)?[,，]?")
_CONNECTORS = "、，,和及与以及并且 \u3000\xa0"
_LEADING_BLANKS = re.compile(rf"^[{_CONNECTORS}]+")


@dataclass(frozen=True)
class _Quantity:
    start: int  # offsets in the phrase
    end: int
    value: str
    unit: str
    qualifier: str


def _quantities(phrase: str) -> list[_Quantity]:
    found = [
        _Quantity(m.start(), m.end(), m.group("value"), m.group("unit").replace("％", "%"), m.group("qualifier") or "")
        for m in _QUANTITY.finditer(phrase)
    ]
    found += [_Quantity(m.start(), m.end(), m.group(0), "", "") for m in _MULTIPLE.finditer(phrase)]
    return sorted(found, key=lambda q: q.start)


def _clean_metric(text: str) -> tuple[str, int, str]:
    """The metric named in `text` before a number, how many leading characters
    were dropped, and the direction word that ended it ("达到", "提高"…)."""
    direction = ""
    m = _DIRECTION.search(text)
    if m:
        direction, text = m.group(0), text[: m.start()]
    text = _BASE_YEAR.sub("", text)
    dropped = 0
    changed = True
    while changed:  # "力争到2022年，在国内承建…": peel until nothing more comes off
        changed = False
        for pattern in (_LEADING_BLANKS, _TIME_PHRASE, _LEADING_WORDS):
            m = pattern.match(text)
            if m and m.end():
                dropped += m.end()
                text = text[m.end() :]
                changed = True
    return text.strip(_CONNECTORS), dropped, direction


def _comparison(direction: str, qualifier: str, multiple: str) -> str:
    if multiple:
        return multiple
    if direction and qualifier:
        return f"{direction}…{qualifier}"
    return direction or qualifier


def _is_target_sentence(chunk: Chunk, sentence: str) -> bool:
    """A sentence that sets a target: it names the year to reach, or it sits in a 目标 section."""
    return bool(_GOAL_YEAR.search(sentence)) or any("目标" in part for part in chunk.path)


def _scope(chunk: Chunk) -> str:
    """The 攻坚战 or section a target belongs to: the path without a trailing 目标 heading."""
    path = list(chunk.path)
    if len(path) > 1 and "目标" in path[-1]:
        path.pop()
    return path[-1] if path else chunk.clause


@dataclass(frozen=True)
class _Stated:
    """A target as read from a sentence, before it is tied to its chunk."""

    metric: str
    quantity: _Quantity
    comparison: str
    base_year: int | None
    span: tuple[int, int]  # the target's words, offsets in the sentence


def targets_in_sentence(sentence: str) -> list[_Stated]:
    """The targets one sentence states. Phrases between commas name a subject
    then a number ("新能源汽车产量达到50万辆"), or a number then the thing
    counted ("培育10个…示范园区、10个…"); a phrase that only gives a number
    ("…翻一番、突破2000亿元", "，年均增长12%左右") is about the last subject."""
    stated: list[_Stated] = []
    subject: tuple[str, int, int | None] | None = None  # metric, where it starts, base year
    for p in re.finditer(r"[^,，;；。]+", sentence):
        phrase, offset, left = p.group(0), p.start(), 0
        base = _BASE_YEAR.search(phrase)
        quantities = _quantities(phrase)
        for index, quantity in enumerate(quantities):
            name, dropped, direction = _clean_metric(phrase[left : quantity.start])
            next_start = quantities[index + 1].start if index + 1 < len(quantities) else len(phrase)
            following = re.split(r"[、和及与]", phrase[quantity.end : next_start], maxsplit=1)[0].strip(_CONNECTORS)
            counted = quantity.unit.lstrip("万亿千百") in _COUNT_UNITS.split("|")
            if counted and len(following) >= 2 and not name:  # the noun follows the number
                end = phrase.index(following, quantity.end) + len(following)
                metric, span, base_year = following, (offset + quantity.start, offset + end), None
                left = end  # the counted noun is not the subject of the next number
            else:
                if name:
                    subject = (name, offset + left + dropped, int(base.group(1)) if base else None)
                if subject is None:
                    left = quantity.end
                    continue
                metric, span, base_year = subject[0], (subject[1], offset + quantity.end), subject[2]
                left = quantity.end
            multiple = quantity.value if not quantity.unit else ""
            stated.append(_Stated(metric, quantity, _comparison(direction, quantity.qualifier, multiple), base_year, span))
    return stated


def targets_in_chunk(chunk: Chunk, default_year: int | None) -> list[Target]:
    """Every numeric target stated in `chunk`; the year is the one the sentence
    names ("到2022年"), else the end of the document's period."""
    targets: list[Target] = []
    for s_start, s_end in sentence_spans(chunk.text):
        sentence = chunk.text[s_start:s_end]
        if not _is_target_sentence(chunk, sentence):
            continue
        year_match = _GOAL_YEAR.search(sentence)
        source = _source(chunk, s_start, s_end)
        for stated in targets_in_sentence(sentence):
            targets.append(
                Target(
                    metric=stated.metric,
                    value=stated.quantity.value,
                    unit=stated.quantity.unit,
                    comparison=stated.comparison,
                    year=int(year_match.group(1)) if year_match else default_year,
                    base_year=stated.base_year,
                    scope=_scope(chunk),
                    phrase=sentence[stated.span[0] : stated.span[1]],
                    source=source,
                )
            )
    return targets


# ---------------------------------------------------------------------------
# Measures
# ---------------------------------------------------------------------------


def _is_numbered_item(chunk: Chunk, next_chunk: Chunk | None) -> bool:
    """A task or action item: numbered below a section, with content of its own
    (a bare heading such as "1.推动企业内部…协同创新。" with sub-items is not)."""
    if chunk.kind != "clause" or len(chunk.path) < 2:
        return False
    has_children = next_chunk is not None and next_chunk.path[: len(chunk.path)] == chunk.path and len(next_chunk.path) > len(chunk.path)
    body = re.sub(r"^\S{0,3}?[.．、)）]", "", chunk.text)
    return not (has_children and len(sentence_spans(body)) <= 1 and len(body) <= 40)


def _outside_sector_words(terms: list[TermMatch]) -> list[TermMatch]:
    """Drop kinds of firm named inside a sector's words: "船舶海工装备" is for
    shipbuilders, not a measure for every 装备 maker."""
    sectors = [t for t in terms if t.group in (SECTOR, ENABLER)]
    return [t for t in terms if t.group != FIRM_KIND or not any(o.start <= t.start and o.end >= t.end for o in sectors)]


def measure_from_chunk(chunk: Chunk, vocabulary: Vocabulary) -> Measure:
    spans = sentence_spans(chunk.text)
    heading = chunk.text[spans[0][0] : spans[0][1]] if spans else chunk.text
    ancestors = "\n".join(chunk.path[:-1])
    own = _outside_sector_words(find_terms(chunk.text, vocabulary, (SECTOR, ENABLER, FIRM_KIND)))
    scope = find_terms(ancestors, vocabulary, (SECTOR, ENABLER))
    supports = find_terms(chunk.text, vocabulary, (SUPPORT,))
    return Measure(
        chunk_id=chunk.chunk_id,
        doc_id=chunk.doc_id,
        clause=chunk.clause,
        path=chunk.path,
        role="goal" if "目标" in chunk.path[-1] else "task",
        heading=heading,
        quote=chunk.text,
        start=chunk.start,
        end=chunk.end,
        ordinal=chunk.ordinal,
        own=tag_hits(own, vocabulary),
        scope=tag_hits(scope, vocabulary),
        supports=tag_hits(supports, vocabulary),
    )


# ---------------------------------------------------------------------------
# Responsibilities
# ---------------------------------------------------------------------------

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
        people.append(Person(appointment.name, appointment.post, appointment.role, _sentence_around(chunk, appointment.start, appointment.end)))
    for m in _DUTY.finditer(text):
        duties.append(Duty(m.group("body"), m.group("duty").strip(), _sentence_around(chunk, m.start(), m.end())))
    if _LEAD_FIELDS.search(field_name):
        contacts = find_contacts(text)
        for contact in contacts:
            line_start = text.rfind("\n", 0, contact.start) + 1  # keep "牵头单位:" when on the same line
            units.append(UnitRole(contact.contact.unit, field_name, contact.contact.person, contact.contact.phone, _source(chunk, line_start, contact.end)))
        covered = [(c.start, c.end) for c in contacts]
        for m in UNIT_NAME.finditer(text):  # lead units listed without a contact
            if not any(s <= m.start() < e for s, e in covered):
                units.append(UnitRole(m.group(0), field_name, "", "", _sentence_around(chunk, m.start(), m.end())))
        units.sort(key=lambda u: u.source.start)
    elif _MEMBER_FIELDS.search(field_name):
        body, skipped = strip_field_label(text)
        for item in split_list(body, skipped):
            name = item.text.strip("。")
            if name:
                units.append(UnitRole(name, field_name, "", "", _source(chunk, 0, len(text))))
    elif _PERSON_FIELDS.search(field_name):
        for line_start, line_end in _lines(chunk):
            line, skipped = strip_field_label(text[line_start:line_end])
            person = parse_person_line(line)
            if person:
                people.append(Person(person[0], person[1], field_name, _source(chunk, line_start, line_end)))
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
        source = _sentence_around(chunk, m.start(), m.end())
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
        Duty(m.group("body"), m.group("verb") + m.group("duty"), _sentence_around(chunk, m.start(), m.end()))
        for m in _STATUTE_DUTY.finditer(chunk.text)
    ]


# ---------------------------------------------------------------------------
# Extraction and (de)serialisation
# ---------------------------------------------------------------------------


def whole_clauses(document: Document, chunks: list[Chunk]) -> list[tuple[Chunk, tuple[Chunk, ...]]]:
    """The chunks of `document` in order, the parts of a clause split for the
    embedding model joined again (facts read whole clauses), each with its parts.
    A joined clause keeps the id of its first part."""
    joined: list[tuple[Chunk, tuple[Chunk, ...]]] = []
    for chunk in sorted(chunks, key=lambda c: c.ordinal):
        if joined and chunk.part > 1 and joined[-1][0].clause == chunk.clause:
            first, parts = joined[-1]
            whole = replace(first, text=document.text[first.start : chunk.end], end=chunk.end, part=0)
            joined[-1] = (whole, parts + (chunk,))
        else:
            joined.append((chunk, (chunk,)))
    return joined


def _relink(fact: Any, parts: tuple[Chunk, ...]) -> Any:
    """`fact` with its source tied to the part of a split clause that holds its quote."""
    part = next((p for p in reversed(parts) if p.start <= fact.source.start), parts[0])
    return replace(fact, source=replace(fact.source, chunk_id=part.chunk_id))


def extract_policy_facts(documents: list[Document], chunks: list[Chunk], vocabulary: Vocabulary | None = None) -> PolicyFacts:
    """All facts of `documents`, read from their `chunks` (as segment_document made them)."""
    vocabulary = vocabulary or load_vocabulary()
    by_doc: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_doc.setdefault(chunk.doc_id, []).append(chunk)
    infos, targets, measures, people, units, duties = [], [], [], [], [], []
    for document in documents:
        clauses = whole_clauses(document, by_doc.get(document.doc_id, []))
        info = document_info(document, [chunk for chunk, _ in clauses])
        infos.append(info)
        for index, (chunk, parts) in enumerate(clauses):
            next_chunk = clauses[index + 1][0] if index + 1 < len(clauses) else None
            if chunk.kind == "attachment":
                p, u, d = roster_facts(chunk)
                people += [_relink(f, parts) for f in p]
                units += [_relink(f, parts) for f in u]
                duties += [_relink(f, parts) for f in d]
                continue
            if document.history:  # a statute
                duties += [_relink(f, parts) for f in statute_duties(chunk)]
            targets += [_relink(f, parts) for f in targets_in_chunk(chunk, info.period_end)]
            units += [_relink(f, parts) for f in clause_responsibilities(chunk)]
            if _is_numbered_item(chunk, next_chunk):
                measures.append(measure_from_chunk(chunk, vocabulary))
    return PolicyFacts(
        version=FACTS_VERSION,
        vocabulary=vocabulary.fingerprint,
        documents=tuple(infos),
        targets=tuple(targets),
        measures=tuple(measures),
        people=tuple(people),
        units=tuple(units),
        duties=tuple(duties),
    )


def facts_to_dict(facts: PolicyFacts) -> dict[str, Any]:
    """JSON-serialisable form of `facts` (tuples become lists)."""
    return asdict(facts)


def extract_facts(documents: list[Document], chunks: list[Chunk]) -> dict[str, Any]:
    """The `build_index(extract_facts=...)` hook: facts as a JSON-serialisable dict."""
    return facts_to_dict(extract_policy_facts(documents, chunks))


def _build(kind: Any, value: Any) -> Any:
    """Rebuild a value of type `kind` from its asdict() form."""
    if value is None:
        return None
    origin = get_origin(kind)
    if origin is tuple:
        args = get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_build(args[0], item) for item in value)
        return tuple(_build(arg, item) for arg, item in zip(args, value))
    if origin is not None and type(None) in get_args(kind):  # X | None
        inner = next(arg for arg in get_args(kind) if arg is not type(None))
        return _build(inner, value)
    if is_dataclass(kind):
        hints = get_type_hints(kind)
        return kind(**{f.name: _build(hints[f.name], value[f.name]) for f in fields(kind) if f.name in value})
    return value


def load_facts(data: dict[str, Any]) -> PolicyFacts:
    """PolicyFacts from the dict `extract_facts` made (an empty dict gives empty facts).
    Raises ValueError when the dict was written by another facts version."""
    if not data:
        return PolicyFacts()
    if data.get("version") != FACTS_VERSION:
        raise ValueError(f"facts version {data.get('version')!r}, expected {FACTS_VERSION}")
    return _build(PolicyFacts, data)


def facts_for_index(documents: list[Document], chunks: list[Chunk], stored: dict[str, Any] | None) -> PolicyFacts:
    """The stored facts when they are current, else facts extracted afresh (cheap:
    no model), so an index built before facts existed, or with other
    vocabularies, still answers from facts."""
    try:
        facts = load_facts(stored or {})
    except (ValueError, KeyError, TypeError):
        facts = PolicyFacts()
    if facts.empty or facts.vocabulary != load_vocabulary().fingerprint:
        return extract_policy_facts(documents, chunks)
    return facts
