"""Fact questions about a document's period and its targets: 实施期限, and
"到2022年…产量目标是多少" answered with every target the question names."""
from __future__ import annotations

import re
from datetime import date

from indexer.facts import FactSource, PolicyFacts, Target

from .fact_writer import FactAnswer, Writer, abstain, fact_notes, only_fact_parts, write_items
from .query import Query

_PERIOD = re.compile(r"实施期限|有效期|执行期|期限是|几年|多少年|哪几年|什么时候(?:结束|到期)|何时(?:结束|到期)|到期(?!末)|过期|还有效|是否有效|失效")
_APPLICATION = re.compile(r"申报|申请|报名|认定|截止")
# "几条" asks a number, "哪几条" asks which ones.
TARGET_CUE = re.compile(r"目标|指标|多少|(?<!哪)几(?:个|家|条|座|成|项)|百分之|比例|比重|占比|要达到|达到多少|定了")
_TARGET_LIST = re.compile(r"(?:哪些|哪几项|全部|所有|主要|量化|数量)的?(?:指标|目标)|指标.{0,4}(?:有哪些|是什么|有什么|都有啥|有啥)|(?:有哪些|什么)(?:量化)?指标")
_MULTI_PART = re.compile(r"分别|各是|各自|各为|两个|哪两")
_SEVERAL = re.compile(rf"{_MULTI_PART.pattern}|和|及|与|、")
_MONEY = re.compile(r"补贴|补助|奖励|资助|奖补|资金|多少钱|费用|优惠|减免")
# Everyday words for the measured quantity, as plans write them.
_METRIC_ALIASES = (("营收", "营业收入"), ("销售收入", "营业收入"), ("人均产出", "全员劳动生产率"), ("能耗", "能源利用"), ("研发时间", "研发周期"))
_CN_NUMBERS = "零一二三四五六七八九十"


def answer_period(query: Query, facts: PolicyFacts, today: date | None) -> FactAnswer | None:
    if not _PERIOD.search(query.text) or _APPLICATION.search(query.text):
        return None
    infos = [info for info in facts.documents if info.period and info.source]
    if not infos:
        return None
    writer = Writer()
    items = []
    for info in infos:
        years = info.period_end - info.period_start + 1 if info.period_start and info.period_end else 0
        span = f"（共{_CN_NUMBERS[years]}年）" if 0 < years < len(_CN_NUMBERS) else ""
        items.append((f"《{info.title}》的实施期限为{info.period}年{span}", info.source))
    write_items(writer, items)
    return writer.answer("period", fact_notes(facts, {i.doc_id for i in infos}, today))


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
    writer = Writer()
    by_sentence: dict[FactSource, list[Target]] = {}
    for target in targets:
        by_sentence.setdefault(target.source, []).append(target)
    write_items(writer, [(_target_line(group), source) for source, group in by_sentence.items()])
    return writer.answer(kind, fact_notes(facts, {t.source.doc_id for t in targets}, today))


def answer_targets(query: Query, facts: PolicyFacts, today: date | None) -> FactAnswer | None:
    if not facts.targets or not TARGET_CUE.search(query.text) or _MONEY.search(query.text):
        return None
    if query.asks & {"money", "company_names", "procedure", "date"} or not only_fact_parts(query, TARGET_CUE):
        return None
    ends = [info.period_end for info in facts.documents if info.period_end]
    late = [y for y in query.years if ends and y > max(ends)]
    if late and (select_targets(query, facts.targets) or _TARGET_LIST.search(query.text)):
        info = max((i for i in facts.documents if i.period_end), key=lambda i: i.period_end)
        return abstain("target", f"《{info.title}》的实施期限为{info.period}年，文件未涉及{max(late)}年的目标。")
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

