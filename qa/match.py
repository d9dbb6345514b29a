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
from typing import Any

from indexer.errors import InvalidQuestionError
from indexer.facts import (
    ENABLER,
    FIRM_KIND,
    LEAD_ROLE,
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

from .types import Hit

GENERAL_SUPPORT = "产业发展方向"  # a measure that names no kind of support

# Weights of the relevance score. An industry named by the item itself
# counts most, then the 攻坚战 it sits in; kinds of firm and wanted support
# make cross-cutting measures relevant; an item inside another sector's
# 攻坚战 that only mentions the industry in passing is pushed down.
W_OWN_DIRECT, W_OWN_BROAD, W_HEADING = 8, 4, 2
W_SCOPE_DIRECT, W_SCOPE_BROAD = 6, 3
W_KIND, W_WANTED = 4, 3
P_FOREIGN, P_GOAL = 3, 1
W_RETRIEVER = 2.0
MIN_SCORE = 2  # below this a measure only brushes the firm's industry
SHORT_HEADING = 24  # a heading this short is a title ("(3)推动高端化工产业。"), not a sentence

_QUOTE_CHARS = 160  # a clause up to this long is quoted whole

# What firms always need to act on a measure, and how a document would say it.
_NEEDS = (
    ("资金额度/补贴金额", re.compile(r"\d[\d.,]*\s*(?:万|亿)?元[^。；]{0,20}(?:补贴|奖励|资助|补助|奖补)|(?:补贴|奖励|资助|补助|奖补)[^。；]{0,20}\d[\d.,]*\s*(?:万|亿)?元")),
    ("申请流程和所需材料", re.compile(r"(?:申报|申请)(?:程序|流程|材料|方式|指南)|受理|报送")),
    ("申报截止时间", re.compile(r"\d{1,2}月\d{1,2}日|截止|截至\d|月底前|年底前")),
    ("申报条件和认定标准", re.compile(r"(?:申报|申请|认定|支持)条件|门槛|认定标准")),
)
_PRINCIPLE = re.compile(r"给予[^，,。；;]{0,12}(?:奖励|补贴|支持|扶持)")
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

    def to_json(self) -> dict[str, Any]:
        return {"clause": self.clause, "path": self.path, "quote": self.quote, "doc_title": self.doc_title, "support": self.support, "why": self.why}


@dataclass(frozen=True)
class ContactInfo:
    unit: str
    person: str
    phone: str
    clause: str

    def to_json(self) -> dict[str, str]:
        return {"unit": self.unit, "person": self.person, "phone": self.phone, "clause": self.clause}


@dataclass(frozen=True)
class MatchResult:
    profile: str
    measures: tuple[MatchedMeasure, ...]  # most relevant first
    not_specified: tuple[str, ...]
    contacts: tuple[ContactInfo, ...]
    industries: tuple[str, ...] = ()  # what was recognised in the profile
    firm_kinds: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The `policyqa match --json` object."""
        return {
            "profile": self.profile,
            "measures": [m.to_json() for m in self.measures],
            "not_specified": list(self.not_specified),
            "contacts": [c.to_json() for c in self.contacts],
        }

    def groups(self) -> list[tuple[str, list[MatchedMeasure]]]:
        """Measures grouped by document, then by kind of support ("《…》· 金融");
        documents and groups in order of their best measure."""
        by_document: dict[str, dict[str, list[MatchedMeasure]]] = {}
        for measure in self.measures:
            by_document.setdefault(measure.doc_title, {}).setdefault(measure.support, []).append(measure)
        return [
            (f"《{title}》· {support}", measures)
            for title, kinds in by_document.items()
            for support, measures in kinds.items()
        ]

    def render_text(self) -> str:
        """The result in Chinese for the CLI."""
        lines = [f"企业描述：{self.profile}"]
        recognised = "、".join(self.industries) or "未识别出具体行业"
        kinds = f"；企业类型：{'、'.join(self.firm_kinds)}" if self.firm_kinds else ""
        lines.append(f"识别到的行业：{recognised}{kinds}")
        lines.append("")
        if not self.measures:
            lines.append("文件中没有找到与该企业行业或类型明确相关的措施。")
        else:
            lines.append("相关措施（按文件、再按支持类型分组，组内按相关度排序）：")
            n = 0
            for support, measures in self.groups():
                lines.append(f"【{support}】")
                for measure in measures:
                    n += 1
                    lines.append(f"{n}. {measure.clause}（{measure.path}）")
                    lines.append(f"   原文：“{_one_line(measure.quote)}”——《{measure.doc_title}》")
                    lines.append(f"   相关原因：{measure.why}")
        if self.not_specified:
            lines.append("")
            lines.append("文件未明确的事项：")
            lines.extend(f"- {item}" for item in self.not_specified)
        if self.contacts:
            lines.append("")
            lines.append("咨询联系（牵头单位）：")
            lines.extend(f"- {c.unit}：{c.person}，电话{c.phone}（{c.clause}）" for c in self.contacts)
        return "\n".join(lines)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


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
    return FirmProfile(
        text=profile,
        industries=industries,
        broader=broader,
        firm_kinds=tags(FIRM_KIND),
        wanted=tags(SUPPORT),
        words=tuple((tag, tuple(ws)) for tag, ws in words.items()),
        place=place.group("place") if place else "",
    )


# ---------------------------------------------------------------------------
# Scoring measures
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Relevance:
    score: float
    reasons: tuple[str, ...]
    matched_words: tuple[str, ...]  # words of the clause that made it relevant


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


def relevance(measure: Measure, profile: FirmProfile, vocabulary: Vocabulary) -> _Relevance | None:
    """How much `measure` concerns the firm, and why; None when it does not."""
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
    wanted = [] if foreign else _hits(measure.supports, profile.wanted, (SUPPORT,))
    if not (own_direct or own_broad or scope_direct or scope_broad or kinds or wanted):
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
    if wanted:  # a measure offering more of the kinds of support asked for concerns the firm more
        score += W_WANTED * min(len(wanted), 2)
        reasons.append(f"提供{'、'.join(h.tag for h in wanted)}方面的支持")
    if foreign:
        score -= P_FOREIGN
    if measure.role == "goal":
        score -= P_GOAL
        reasons.append("为该攻坚战的目标")
    if score < MIN_SCORE:
        return None
    for hit in own_direct + own_broad + kinds:
        matched.extend(hit.words)
    return _Relevance(score, tuple(reasons), tuple(dict.fromkeys(matched)))


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


def _matched_measure(measure: Measure, rel: _Relevance, documents: dict[str, Document], score: float) -> MatchedMeasure:
    start, end = _quote_span(measure, rel.matched_words)
    document = documents.get(measure.doc_id)
    return MatchedMeasure(
        clause=measure.clause,
        path=measure.breadcrumb,
        quote=measure.quote[start:end],
        doc_title=document.title if document else "",
        support=measure.main_support or GENERAL_SUPPORT,
        why="；".join(rel.reasons),
        chunk_id=measure.chunk_id,
        doc_id=measure.doc_id,
        start=measure.start + start,
        end=measure.start + end,
        score=score,
    )


# ---------------------------------------------------------------------------
# Not specified, contacts
# ---------------------------------------------------------------------------


def not_specified(profile: FirmProfile, facts: PolicyFacts, doc_ids: set[str]) -> list[str]:
    """What the firm will need that the documents do not say."""
    texts = [m.quote for m in facts.measures if m.doc_id in doc_ids]
    found: list[str] = []
    for need, pattern in _NEEDS:
        if any(pattern.search(text) for text in texts):
            continue
        principle = next((m for m in facts.measures if m.doc_id in doc_ids and _PRINCIPLE.search(m.quote)), None) if need.startswith("资金") else None
        said = f"（只在{principle.clause}提到“{_PRINCIPLE.search(principle.quote).group(0)}”）" if principle else ""
        found.append(f"{need}：文件未规定{said}")
    if profile.place and not any(re.search(rf"{re.escape(profile.place)}(?:区|市|新区|县)", text) for text in texts):
        found.append(f"针对{profile.place}的区域性政策：文件按全市部署，未列出分区（市）的措施")
    for info in facts.documents:
        if info.doc_id in doc_ids and info.period:
            found.append(f"{info.period_end or info.period}年以后的安排：《{info.title}》的实施期限为{info.period}年，文件未涉及此后的政策")
    return found


def lead_contacts(facts: PolicyFacts, doc_ids: set[str]) -> list[ContactInfo]:
    return [
        ContactInfo(u.unit, u.person, u.phone, u.source.clause)
        for u in facts.units_with_role(LEAD_ROLE)
        if u.phone and u.source.doc_id in doc_ids
    ]


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


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
    At most `limit` measures are returned, most relevant first. Raises
    InvalidQuestionError for an empty profile.
    """
    profile = profile.strip() if isinstance(profile, str) else ""
    if not profile:
        raise InvalidQuestionError("企业描述不能为空：请说明企业做什么、规模和所在地，例如“我们是一家做工业机器人的中小企业，在即墨”。")
    vocabulary = load_vocabulary()
    firm = read_profile(profile, vocabulary)
    ranks: dict[tuple[str, str], int] = {}  # by (doc_id, clause): a split clause is one measure
    if retriever_search is not None:
        for rank, hit in enumerate(retriever_search(profile)):
            ranks.setdefault((hit.chunk.doc_id, hit.chunk.clause), rank)
    scored: list[tuple[float, Measure, _Relevance]] = []
    for measure in facts.measures:
        if documents and measure.doc_id not in documents:
            continue
        rel = relevance(measure, firm, vocabulary)
        if rel is None:
            continue
        rank = ranks.get((measure.doc_id, measure.clause))
        bonus = W_RETRIEVER * (1 - rank / max(len(ranks), 1)) if rank is not None else 0.0
        scored.append((rel.score + bonus, measure, rel))
    scored.sort(key=lambda item: (-item[0], item[1].ordinal))
    chosen = scored[:limit]
    doc_ids = {m.doc_id for _, m, _ in chosen} or set(documents) or {d.doc_id for d in facts.documents}
    return MatchResult(
        profile=profile,
        measures=tuple(_matched_measure(m, rel, documents, score) for score, m, rel in chosen),
        not_specified=tuple(not_specified(firm, facts, doc_ids)),
        contacts=tuple(lead_contacts(facts, doc_ids)),
        industries=firm.industries,
        firm_kinds=firm.firm_kinds,
    )
