"""Which measures of the plans concern a firm, from how the firm describes itself.

"我们是一家做工业机器人的中小企业，在即墨" names an industry (机器人, which
belongs to 智能制造装备) and a kind of firm (中小企业). We read both with the
vocabularies the indexer tagged the measures with, select the measures
whose tags match and order them by relevance: first the items of the
firm's own 攻坚战 and the items that name its industry, then cross-cutting
measures for its kind of firm (中小企业 financing, 首台(套), 专精特新). Each
comes with its clause, breadcrumb, an exact quote and why it was chosen.
What firms always need and plans of this genre rarely say (amounts,
procedures, deadlines) is listed as not specified, and the lead units'
contacts close the result. Facts alone suffice; a retriever may rerank.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from indexer.errors import InvalidQuestionError
from indexer.facts import (
    ENABLER,
    FIRM_KIND,
    SECTOR,
    SUPPORT,
    Measure,
    PolicyFacts,
    TagHit,
    Vocabulary,
    find_terms,
    load_vocabulary,
    sentence_spans,
)
from indexer.types import Document

from .needs import (
    NeedRules,
    clause_conditions,
    document_conditions,
    firm_size,
    headcount,
    is_condition_clause,
    is_support,
    load_needs,
    MONEY,
    contacts_of,
    not_specified,
    offers,
    size_words,
)
from .match_result import ContactInfo, MatchedMeasure, MatchResult
from .types import Hit

__all__ = ["ContactInfo", "FirmProfile", "MatchResult", "MatchedMeasure", "match_profile", "read_profile", "relevance"]

GENERAL_SUPPORT = "产业发展方向"  # a measure that names no kind of support

# Weights of the relevance score. An industry named by the item itself
# counts most, then the 攻坚战 it sits in; kinds of firm and wanted support
# make cross-cutting measures relevant; an item inside another sector's
# 攻坚战 that only mentions the industry in passing is pushed down.
W_OWN_DIRECT, W_OWN_BROAD, W_HEADING = 8, 4, 2
W_SCOPE_DIRECT, W_SCOPE_BROAD = 6, 3
W_KIND, W_WANTED = 4, 5
W_SIZE, W_AMOUNT, W_PLACE = 4, 2, 3  # names the firm's size; states an amount of money; names its district
P_FOREIGN, P_GOAL = 3, 1
W_RETRIEVER = 2.0
DIRECTION_PLACES = 3  # places kept for items naming the firm's industry when the support asked for fills the list
MIN_SCORE = 2  # below this a measure only brushes the firm's industry
SHORT_HEADING = 24  # a heading this short is a title ("(3)推动高端化工产业。"), not a sentence

_QUOTE_CHARS = 160  # a clause up to this long is quoted whole

_PLACE = re.compile(r"(?:在|位于|落户|坐落在)(?P<place>[\u4e00-\u9fff]{2,6}?)(?:区|市|县|新区|开发区|高新区)?(?=[，,。；;！!\s]|$)")


# ---------------------------------------------------------------------------
# Plain data
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FirmProfile:
    """What a profile says about the firm, in vocabulary tags."""

    text: str
    industries: tuple[str, ...]  # sectors and enablers it names
    broader: tuple[str, ...]  # sectors those belong to
    firm_kinds: tuple[str, ...]
    wanted: tuple[str, ...]  # kinds of support it asks for
    words: tuple[tuple[str, tuple[str, ...]], ...]  # tag -> words of the profile that named it
    place: str  # a district or city it says it is in, "" if none
    people: int | None = None  # headcount, when the profile gives it
    size: str = ""  # 微型企业 / 小型企业 / 中型企业 from the headcount, "" when unknown

    @property
    def size_note(self) -> str:
        """What the headcount says about the firm's size, and what it leaves to check."""
        if not self.size:
            return ""
        if self.people is None:
            return f"企业规模：描述为{self.size}，需按从业人员和营业收入核实划型"
        return f"企业规模：从业人员{self.people}人，按工业企业标准属{self.size}；划型还要看营业收入，需核实"


# ---------------------------------------------------------------------------
# Reading the profile
# ---------------------------------------------------------------------------


def read_profile(profile: str, vocabulary: Vocabulary | None = None) -> FirmProfile:
    """Industries, kinds of firm, wanted support and place named by `profile`."""
    vocabulary = vocabulary or load_vocabulary()
    terms = find_terms(profile, vocabulary)
    words: dict[str, list[str]] = {}
    for term in terms:
        bucket = words.setdefault(term.tag, [])
        written = profile[term.start : term.end]
        if written not in bucket:
            bucket.append(written)

    def tags(*groups: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.tag for t in terms if t.group in groups))

    named = tags(SECTOR, ENABLER)
    # "电动车充电站": the firm is in 充电设施; 新能源汽车 is the sector it belongs to.
    parents = {p for tag in named for p in vocabulary.broader_of(tag)}
    industries = tuple(tag for tag in named if tag not in parents) or named
    broader = tuple(dict.fromkeys(p for tag in named for p in vocabulary.broader_of(tag) if p not in industries))
    place = _PLACE.search(profile)
    people = headcount(profile)
    return FirmProfile(
        text=profile,
        industries=industries,
        broader=broader,
        firm_kinds=tags(FIRM_KIND),
        wanted=tags(SUPPORT),
        words=tuple((tag, tuple(ws)) for tag, ws in words.items()),
        place=place.group("place") if place else "",
        people=people,
        size=firm_size(profile, people, load_needs()),
    )


# ---------------------------------------------------------------------------
# Scoring measures
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Relevance:
    score: float
    reasons: tuple[str, ...]
    matched_words: tuple[str, ...]  # words of the clause that made it relevant
    offered: tuple[str, ...] = ()  # the kinds of support asked for that it offers
    sized: bool = False  # names firms of the firm's size
    aimed: bool = False  # names the firm's industry, kind or size (not only a kind of support)
    direct: bool = False  # names the firm's own industry
    kind: str = GENERAL_SUPPORT  # the group it is listed under

    @property
    def tier(self) -> int:
        """0: offers what the firm asked for, to firms like it; 1: offers it to
        anyone; 2: concerns the firm otherwise. Results go by tier, then score."""
        return 0 if self.offered and self.aimed else 1 if self.offered else 2


def _hits(hits: tuple[TagHit, ...], tags: Sequence[str], groups: tuple[str, ...]) -> list[TagHit]:
    return [h for h in hits if h.tag in tags and h.group in groups]


def _home_sectors(measure: Measure, vocabulary: Vocabulary) -> set[str]:
    """The sectors a measure is about: those of its 攻坚战 and of its own title;
    a goal outside a sector's 攻坚战 is about every sector it names."""
    home = {h.tag for h in measure.scope if h.group == SECTOR}
    if measure.role == "goal":
        return home or {h.tag for h in measure.own if h.group == SECTOR}
    if len(measure.heading) <= SHORT_HEADING:
        home |= {t.tag for t in find_terms(measure.heading, vocabulary, (SECTOR,))}
    return home


def relevance(
    measure: Measure, profile: FirmProfile, vocabulary: Vocabulary, rules: NeedRules | None = None, doc_title: str = ""
) -> _Relevance | None:
    """How much `measure` (of the document `doc_title`) concerns the firm, and
    why; None when it does not, and always for a penalty, a firm's obligation
    or a clause stating whom a document is for (see qa/needs.py)."""
    rules = rules or load_needs()
    if not is_support(measure, rules) or is_condition_clause(measure, rules):
        return None
    sectors = (SECTOR, ENABLER)
    direct, related = set(profile.industries), set(profile.industries) | set(profile.broader)
    home = _home_sectors(measure, vocabulary)
    # An item about another sector ("(3)推动高端化工产业" for a robot maker) is
    # for that sector: kinds of firm do not make it relevant, a passing
    # mention of the firm's industry counts less.
    foreign = bool(home) and not home & related
    heading_sectors = {t.tag for t in find_terms(measure.heading, vocabulary, sectors)} if len(measure.heading) <= SHORT_HEADING else set()
    own_direct = _hits(measure.own, profile.industries, sectors)
    # A sibling item of the same 攻坚战 titled with another sub-industry does not
    # concern the firm just because it mentions the broader sector.
    sibling = bool(heading_sectors) and not heading_sectors & direct
    own_broad = [] if sibling else _hits(measure.own, profile.broader, sectors)
    scope_direct = _hits(measure.scope, profile.industries, sectors)
    scope_broad = _hits(measure.scope, profile.broader, sectors)
    # A goal is a target, not a measure for a kind of firm.
    kinds = [] if foreign or measure.role == "goal" else _hits(measure.own, profile.firm_kinds, (FIRM_KIND,))
    # Support is wanted when the clause offers it (给予, 享受, 减征…), not when it only names the field.
    wanted = [] if foreign or not offers(measure.quote, rules) else _hits(measure.supports, profile.wanted, (SUPPORT,))
    sized = [] if foreign or measure.role == "goal" or not profile.size else size_words(measure.quote, profile.size, rules)
    sized = [word for word in sized if not any(word in hit.words for hit in kinds)]  # said once, counted once
    if not (own_direct or own_broad or scope_direct or scope_broad or kinds or wanted or sized):
        return None

    score, reasons, matched = 0.0, [], []
    if own_direct:
        score += W_OWN_DIRECT + (W_HEADING if heading_sectors & direct else 0)
        reasons.append(f"条文提到“{'、'.join(w for h in own_direct for w in h.words)}”")
    elif own_broad:
        score += W_OWN_BROAD
        reasons.append(f"条文涉及{'、'.join(h.tag for h in own_broad)}（“{'、'.join(w for h in own_broad for w in h.words)}”）")
    if scope_direct or scope_broad:
        score += W_SCOPE_DIRECT if scope_direct else W_SCOPE_BROAD
        battle = next((part for part in measure.path[:-1] if {t.tag for t in find_terms(part, vocabulary, sectors)} & related), "")
        reasons.append(f"属于“{battle}”")
    if kinds:
        score += W_KIND * min(len(kinds), 2)
        reasons.extend(f"面向{h.tag}（“{'、'.join(h.words)}”）" for h in kinds)
    if sized:
        score += W_SIZE
        reasons.append(f"面向{'、'.join(sized)}" + (f"（企业{profile.people}人）" if profile.people else ""))
    if wanted:  # a measure offering more of the kinds of support asked for concerns the firm more
        score += W_WANTED * min(len(wanted), 2)
        reasons.append(f"提供{'、'.join(h.tag for h in wanted)}方面的支持")
        if MONEY.search(measure.quote):
            score += W_AMOUNT
            reasons.append("写明了金额")
    if profile.place and (profile.place in measure.quote or profile.place in doc_title):
        score += W_PLACE
        reasons.append(f"面向{profile.place}")
    if foreign:
        score -= P_FOREIGN
    if measure.role == "goal":
        score -= P_GOAL
        reasons.append("为该攻坚战的目标")
    if score < MIN_SCORE:
        return None
    for hit in own_direct + own_broad + kinds + wanted:  # the quote: the sentences that concern the firm
        matched.extend(hit.words)
    matched.extend(sized)
    aimed = bool(own_direct or own_broad or scope_direct or scope_broad or kinds or sized)
    offered = tuple(h.tag for h in wanted)
    # Listed under the kind asked for that it offers; else under what it mainly
    # offers, when it offers anything (a clause naming 财政 offers no funding).
    kind = offered[0] if offered else (measure.main_support if offers(measure.quote, rules) else "") or GENERAL_SUPPORT
    return _Relevance(score, tuple(reasons), tuple(dict.fromkeys(matched)), offered, bool(sized), aimed, bool(own_direct), kind)


def _quote_span(measure: Measure, words: tuple[str, ...]) -> tuple[int, int]:
    """Offsets (in measure.quote) of the sentences that hold the matched words;
    a short clause, or one matched only by its 攻坚战, is quoted whole."""
    text = measure.quote
    if len(text) <= _QUOTE_CHARS or not words:
        return 0, len(text)
    spans = sentence_spans(text)
    folded = text.lower()
    chosen = [i for i, (s, e) in enumerate(spans) if any(w.lower() in folded[s:e] for w in words)]
    if not chosen:
        chosen = [0, 1] if len(spans) > 1 else [0]
    if chosen == [0] and len(spans) > 1:  # a bare heading says which item, not what it does
        chosen.append(1)
    return spans[chosen[0]][0], spans[chosen[-1]][1]


def _matched_measure(
    measure: Measure, rel: _Relevance, documents: dict[str, Document], score: float, conditions: tuple[str, ...]
) -> MatchedMeasure:
    start, end = _quote_span(measure, rel.matched_words)
    document = documents.get(measure.doc_id)
    return MatchedMeasure(
        clause=measure.clause,
        path=measure.breadcrumb,
        quote=measure.quote[start:end],
        doc_title=document.title if document else "",
        support=rel.kind,
        why="；".join(rel.reasons),
        chunk_id=measure.chunk_id,
        doc_id=measure.doc_id,
        start=measure.start + start,
        end=measure.start + end,
        score=score,
        conditions=conditions,
    )


def conditions_of(measure: Measure, rel: _Relevance, firm: FirmProfile, facts: PolicyFacts, rules: NeedRules) -> tuple[str, ...]:
    """What remains to be checked: the clause's own terms, whom its document is
    for (支持对象…), the firm's size when the clause names one, and a period
    of validity that has ended."""
    checks = clause_conditions(measure, rules, firm.size_note if rel.sized else "")
    checks += document_conditions([m for m in facts.measures if m.doc_id == measure.doc_id], rules)
    info = facts.document(measure.doc_id)
    if info and info.period_end is not None and info.period_end < date.today().year:
        checks.append(f"文件实施期限为{info.period}年，已经结束：需确认政策是否延续")
    return tuple(dict.fromkeys(checks))


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


_Scored = tuple[float, Measure, _Relevance]


def _in_turns(scored: list[_Scored], wanted: tuple[str, ...]) -> list[_Scored]:
    """The measures offering what was asked for (tiers 0, then 1) taken in turns
    from each kind asked for, so that one kind (融资) does not fill the list
    before another (税收) is reached; the rest after, in the order given."""
    out: list[_Scored] = []
    for tier in (0, 1):
        buckets: dict[str, list[_Scored]] = {kind: [] for kind in wanted}
        for item in scored:
            if item[2].tier == tier:
                buckets.setdefault(item[2].offered[0], []).append(item)
        while any(buckets.values()):
            out.extend(bucket.pop(0) for bucket in buckets.values() if bucket)
    return out + [item for item in scored if item[2].tier == 2]


def match_profile(
    profile: str,
    facts: PolicyFacts,
    documents: dict[str, Document],
    retriever_search: Callable[[str], Sequence[Hit]] | None = None,
    limit: int = 15,
) -> MatchResult:
    """The measures of `facts` that concern the firm `profile` describes.

    `documents` maps doc_id to Document (titles for the result).
    `retriever_search(text) -> hits`, when given (e.g. `lambda text:
    assistant.retriever.search(parse_query(text), top_k=30)`), lifts measures
    the retriever ranks high; it never adds a measure the tags did not select.
    At most `limit` measures are returned: when the profile says what support
    it wants (补贴, 税收…), the measures offering it first; then by relevance.
    Raises InvalidQuestionError for an empty profile.
    """
    profile = profile.strip() if isinstance(profile, str) else ""
    if not profile:
        raise InvalidQuestionError("企业描述不能为空：请说明企业做什么、规模和所在地，例如“我们是一家做工业机器人的中小企业，在即墨”。")
    vocabulary, rules = load_vocabulary(), load_needs()
    firm = read_profile(profile, vocabulary)
    ranks: dict[tuple[str, str], int] = {}  # by (doc_id, clause): a split clause is one measure
    if retriever_search is not None:
        for rank, hit in enumerate(retriever_search(profile)):
            ranks.setdefault((hit.chunk.doc_id, hit.chunk.clause), rank)
    scored: list[_Scored] = []
    for measure in facts.measures:
        if documents and measure.doc_id not in documents:
            continue
        document = documents.get(measure.doc_id)
        rel = relevance(measure, firm, vocabulary, rules, document.title if document else "")
        if rel is None:
            continue
        rank = ranks.get((measure.doc_id, measure.clause))
        bonus = W_RETRIEVER * (1 - rank / max(len(ranks), 1)) if rank is not None else 0.0
        scored.append((rel.score + bonus, measure, rel))
    scored.sort(key=lambda item: (item[2].tier, -item[0], item[1].ordinal))
    scored = _in_turns(scored, firm.wanted)
    # What the firm asked for comes first, but the items naming its own industry
    # keep a few places: the plan's priorities for its sector matter to it too.
    direction = sorted((item for item in scored[limit:] if item[2].direct), key=lambda item: -item[0])[:DIRECTION_PLACES]
    chosen = scored[: max(limit - len(direction), 0)] + direction
    doc_ids = list(dict.fromkeys(m.doc_id for _, m, _ in chosen)) or list(documents) or [d.doc_id for d in facts.documents]
    return MatchResult(
        profile=profile,
        measures=tuple(_matched_measure(m, rel, documents, score, conditions_of(m, rel, firm, facts, rules)) for score, m, rel in chosen),
        not_specified=tuple(not_specified(firm.place, facts, set(doc_ids))),
        contacts=tuple(contacts_of(facts, documents, doc_ids)),
        industries=firm.industries,
        firm_kinds=firm.firm_kinds,
        wanted=firm.wanted,
        size=firm.size,
    )
