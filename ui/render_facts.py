"""HTML for the 企业政策匹配 and 职责与指标 tabs: pure functions of what
`qa.match` and the index's facts (`Service.facts_tables`) return."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from indexer.docmeta import NOT_STATED
from indexer.facts import LEAD_ROLE
from qa.doc_status import IN_FORCE
from qa.facts_answer import MEMBER_ROLES, duty_phrase

from .render import esc, open_attrs, tidy
from .render_document import highlighted, search_terms, term_spans

MATCH_EMPTY = (
    '<div class="pq-empty">用自己的话描述企业：做什么产品、属于什么行业、规模和所在地，然后点击“匹配”。'
    "结果按支持类型列出与企业相关的措施，每条都摘录原文并说明相关原因；点击措施查看它在原文中的位置。</div>"
)
SIDE_VIEWER_EMPTY = '<div class="pq-empty">点击左侧的措施、联系人或表格中的一行，这里会显示该条款所在的原文，引文以黄色标出。</div>'


def _source_attrs(source: dict[str, Any] | None) -> str:
    """Attributes that open a fact's source clause; "" when the fact has none."""
    if not source:
        return ""
    return open_attrs(source["doc_id"], source["start"], source["end"], source.get("chunk_id", ""))


def render_match_error(message: str) -> str:
    return f'<div class="pq-error" role="alert">{esc(message)}</div>'


def render_match(result: Any, roles: Sequence[dict[str, Any]] = ()) -> str:
    """A `qa.match.MatchResult`: measures grouped by kind of support as clickable
    cards, then what the documents do not specify and the lead units' contacts.
    `roles` (Service.facts_tables()["roles"]) gives each contact its clause's
    offsets, so it opens like a card."""
    recognised = "、".join(result.industries) or "未识别出具体行业"
    kinds = f"；企业类型：{esc('、'.join(result.firm_kinds))}" if result.firm_kinds else ""
    kinds += f"；企业规模：{esc(result.size)}（按从业人数推断）" if result.size else ""
    wanted = f"<div><b>需要的支持</b>：{esc('、'.join(result.wanted))}</div>" if result.wanted else ""
    parts = [
        '<div class="pq-match">',
        f'<div class="pq-match-summary"><div><b>企业描述</b>：{esc(result.profile)}</div>'
        f"<div><b>识别到的行业</b>：{esc(recognised)}{kinds}</div>{wanted}</div>",
    ]
    if not result.measures:
        parts.append(
            '<div class="pq-empty">文件中没有找到与该企业行业或类型明确相关的措施。'
            "可以换一种说法，写明具体产品或行业（例如“做工业机器人”“生产轮胎”）。</div>"
        )
    else:
        parts.append(
            f'<div class="pq-match-count">共 {len(result.measures)} 条相关措施，按支持类型分组（所需的支持在前），组内按相关度排序；点击卡片查看原文。</div>'
        )
        n = 0
        for support, measures in result.groups():
            cards = []
            for m in measures:
                n += 1
                cards.append(
                    f'<div class="pq-card pq-measure" role="button" tabindex="0" data-clause="{esc(m.clause)}"'
                    f"{open_attrs(m.doc_id, m.start, m.end, m.chunk_id)}>"
                    f'<div class="pq-card-head"><span class="pq-card-n">{n}.</span><span class="pq-clause">{esc(m.clause)}</span>'
                    f' <span class="pq-doc-title">《{esc(m.doc_title)}》</span></div>'
                    f'<div class="pq-crumb">{esc(m.path)}</div>'
                    f'<blockquote class="pq-quote">{esc(tidy(m.quote))}</blockquote>'
                    f'<div class="pq-why"><b>相关原因</b>：{esc(m.why)}</div>'
                    + "".join(f'<div class="pq-condition"><b>需核实</b>：{esc(c)}</div>' for c in m.conditions)
                    + "</div>"
                )
            parts.append(
                f'<div class="pq-group" data-support="{esc(support)}">'
                f'<div class="pq-group-title">{esc(support)}<span class="pq-group-n">{len(measures)} 条</span></div>'
                f'<div class="pq-cards">{"".join(cards)}</div></div>'
            )
    if result.not_specified:
        items = "".join(f"<li>{esc(item)}</li>" for item in result.not_specified)
        parts.append(
            '<div class="pq-unspecified"><div class="pq-section-title">文件未明确的事项（需向主管部门咨询）</div>'
            f"<ul>{items}</ul></div>"
        )
    if result.contacts:
        items = []
        for c in result.contacts:
            row = next(
                (r for r in roles if r["name"] == c.unit and r["contact"] == c.person and r["phone"] == c.phone),
                None,
            )
            attrs = _source_attrs(row["source"] if row else None) or (open_attrs(c.doc_id, c.start, c.end) if c.doc_id else "")
            opener = ' role="button" tabindex="0"' if attrs else ""
            items.append(
                f'<li class="pq-contact"{opener}{attrs}><b>{esc(c.unit)}</b>：联系人 {esc(c.person)}，电话 '
                f'<span class="pq-phone">{esc(c.phone)}</span><span class="pq-clause">{esc(c.clause)}</span>'
                f'<span class="pq-doc-title">《{esc(c.doc_title)}》</span></li>'
            )
        parts.append(
            '<div class="pq-contacts"><div class="pq-section-title">咨询联系</div>'
            f'<ul>{"".join(items)}</ul></div>'
        )
    parts.append("</div>")
    return "".join(parts)


def period_status(period_end: int | None, today: date | None = None) -> str:
    """Whether a document's period of validity has ended, as of `today`."""
    if period_end is None:
        return "文件未写明实施期限"
    today = today or date.today()
    if period_end < today.year:
        return f"实施期限已于 {period_end} 年底结束（今天是 {today.isoformat()}）"
    if period_end == today.year:
        return f"实施期限今年（{period_end} 年）底结束"
    return f"在实施期限内（至 {period_end} 年底）"


def render_document_facts(documents: Sequence[dict[str, Any]], today: date | None = None) -> str:
    """Title, issuer, the four dates of the date model, period and status of each
    document; `today` (default: the real day) judges the period on another day."""
    if not documents:
        return '<div class="pq-empty">索引中还没有文件。</div>'
    cards = []
    for d in documents:
        attrs = _source_attrs(d.get("source"))
        opener = ' role="button" tabindex="0"' if attrs else ""
        items = [("发文机关", d.get("issuer"))]
        # The same dates, labels and wording as the viewer and 文件管理 (indexer.docmeta).
        items += list((d.get("dates") or {"发布日期": d.get("published")}).items())
        items.append(("实施期限", d.get("period")))
        meta = "".join(f"<span>{label}：<b>{esc(value or NOT_STATED)}</b></span>" for label, value in items)
        # The document's status as of today (qa/doc_status.py); on another day
        # (`today` given) only the period can be judged here.
        status = d.get("status") if d.get("status") and today is None else period_status(d.get("period_end"), today)
        ok = status.startswith(IN_FORCE) or status.startswith("在实施期限内")
        status_class = "pq-period-open" if ok else "pq-period-ended"
        cards.append(
            f'<div class="pq-docfact" data-doc="{esc(d["doc_id"])}">'
            f'<div class="pq-docfact-title"{opener}{attrs}>《{esc(d["title"])}》</div>'
            f'<div class="pq-state">{meta}<span class="pq-period {status_class}">{esc(status)}</span></div></div>'
        )
    return f'<div class="pq-docfacts">{"".join(cards)}</div>'


def _year_text(row: dict[str, Any]) -> str:
    year = f"{row['year']}年" if row.get("year") else ""
    if row.get("base_year"):
        year += f"（以{row['base_year']}年为基数）"
    return year


TARGET_COLUMNS = ("指标", "目标值", "比较", "年份", "所属范围", "条款")
ROLE_COLUMNS = ("角色", "人员或单位", "职务/职责", "联系人", "电话", "条款")


def _target_cells(row: dict[str, Any]) -> list[str]:
    return [row["metric"], row["amount"], row["comparison"], _year_text(row), row["scope"]]


ROLE_QUOTE_CHARS = 60  # a 责任单位 row without a duty shows this much of its sentence
# Roles of a roster's lists (牵头 / 参与…), where the list itself is the sentence.
ROSTER_ROLES = frozenset((LEAD_ROLE, *MEMBER_ROLES))


def _role_cells(row: dict[str, Any]) -> list[str]:
    """A role row's cells; a unit named without a duty of its own ("由市科技局负责")
    shows the sentence that names it, rather than an empty cell."""
    what = row["post"] or (duty_phrase(row["duty"]) if row.get("duty") else "")
    if not what and row.get("source") and not row["contact"] and row["role"] not in ROSTER_ROLES:
        quote = tidy(row["source"].get("quote", ""))
        what = quote[:ROLE_QUOTE_CHARS] + ("…" if len(quote) > ROLE_QUOTE_CHARS else "")
    return [row["role"], row["name"], what, row["contact"], row["phone"]]


def _fact_table(
    kind: str,
    columns: Sequence[str],
    rows: Sequence[dict[str, Any]],
    cells: Callable[[dict[str, Any]], list[str]],
    terms: Sequence[str],
    several_docs: bool,
) -> tuple[str, int]:
    """Rows holding every search term (in a cell, the clause, the document
    title or the quoted sentence), terms highlighted; a row opens its clause."""
    shown = []
    for row in rows:
        source = row.get("source") or {}
        values = cells(row)
        haystack = " ".join(values + [source.get("clause", ""), source.get("quote", ""), source.get("doc_title", "")]).lower()
        if any(term.lower() not in haystack for term in terms):
            continue
        tds = "".join(
            # An empty cell stays empty: "—" in a column of names reads as a name.
            f"<td>{highlighted(value, 0, {'term': term_spans(value, terms)}) if value else ''}</td>" for value in values
        )
        clause = highlighted(source.get("clause", ""), 0, {"term": term_spans(source.get("clause", ""), terms)})
        doc = f'<div class="pq-cell-doc">《{esc(source.get("doc_title", ""))}》</div>' if several_docs and source else ""
        attrs = _source_attrs(source or None)
        opener = ' role="button" tabindex="0"' if attrs else ""
        title = f' title="{esc(tidy(source.get("quote", "")))}"' if source.get("quote") else ""
        shown.append(
            f'<tr class="pq-fact-row"{opener}{attrs}{title}>{tds}'
            f'<td class="pq-cell-clause"><span class="pq-link">{clause or "—"}</span>{doc}</td></tr>'
        )
    header = "".join(f"<th>{esc(name)}</th>" for name in columns)
    if shown:
        body = "".join(shown)
    else:
        body = f'<tr class="pq-fact-none"><td colspan="{len(columns)}">没有符合筛选条件的行。</td></tr>'
    return (
        f'<table class="pq-table pq-facts-table" data-kind="{esc(kind)}"><thead><tr>{header}</tr></thead>'
        f"<tbody>{body}</tbody></table>",
        len(shown),
    )


def render_facts_tables(tables: dict[str, list[dict[str, Any]]], query: str = "") -> str:
    """The 指标 and 职责 tables of Service.facts_tables(), filtered by `query`
    (every whitespace-separated word must occur in the row)."""
    if len(query or "") > 100:
        return '<div class="pq-error">筛选词过长：请控制在 100 字以内。</div>'
    terms = search_terms(query)
    several = len(tables.get("documents", [])) > 1
    targets, n_targets = _fact_table("targets", TARGET_COLUMNS, tables.get("targets", []), _target_cells, terms, several)
    roles, n_roles = _fact_table("roles", ROLE_COLUMNS, tables.get("roles", []), _role_cells, terms, several)
    filtered = f"筛选“{esc(' '.join(terms))}”：" if terms else ""
    return (
        '<div class="pq-facts">'
        f'<div class="pq-facts-hint">{filtered}指标 {n_targets}/{len(tables.get("targets", []))} 行，'
        f'职责 {n_roles}/{len(tables.get("roles", []))} 行。点击一行查看该条款的原文。</div>'
        f'<div class="pq-section-title" id="pq-targets-title">指标（文件中的量化目标）</div>{targets}'
        f'<div class="pq-section-title" id="pq-roles-title">职责（指挥部、攻坚队、牵头与参与单位）</div>{roles}'
        "</div>"
    )

