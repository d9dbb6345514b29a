"""Questions that cite a document by reference: "公司法第六十条", "民法商法公司法第六十条的内容是什么？",
"优化营商环境条例第二十条第二款", "中小企业促进法第二章讲什么".

A reference is parsed, not searched for: the name before 第N条 is resolved
against the documents' names (the aliases of `route.py`, the one place that
knows how documents are named) and the article, paragraph, item or chapter
is looked up in the document's structure. Documents with the same title and
jurisdiction are versions of one work (`versions.py`); the version in force
answers, and an older version's differing article is noted.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from indexer.types import Chunk, Document

from .route import DocumentRouter
from .types import Citation, Hit
from .versions import Versions, version_label, version_year

DATA_PATH = Path(__file__).parent / "data" / "references.json"

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMBER = r"[零〇一二两三四五六七八九十百千\d０-９]+"
_REFERENCE = re.compile(
    rf"第\s*(?P<number>{_NUMBER})\s*(?P<unit>条|章)"
    rf"(?:之(?P<sub>{_NUMBER}))?"
    rf"(?:\s*第\s*(?P<paragraph>{_NUMBER})\s*款)?"
    rf"(?:\s*第?\s*[（(]\s*(?P<item>{_NUMBER})\s*[）)]\s*项|\s*第\s*(?P<item2>{_NUMBER})\s*项)?"
)
# What may stand between a name and its article: 《公司法》的第六十条.
_BETWEEN = re.compile(r"[《》〈〉<>“”\"'\s的中]+$")
_NAME_CHARS = re.compile(r"[\u4e00-\u9fff\dA-Za-z（）()]+$")
_ARTICLE = re.compile(rf"^第({_NUMBER})条")
_CHAPTER = re.compile(rf"^第({_NUMBER})章(?:\s|$)")
_ITEM = re.compile(rf"^[（(]({_NUMBER})[）)]")
_LEADING_LABEL = re.compile(rf"^\s*第{_NUMBER}条(?:之{_NUMBER})?[\s　]*")


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, tuple[str, ...]]:
    data = json.loads(DATA_PATH.read_text(encoding="utf-8"))
    return {key: tuple(value) for key, value in data.items() if not key.startswith("_")}


def chinese_number(text: str) -> int:
    """二十三 → 23, 一百零五 → 105, 十 → 10, 60 / ６０ → 60; 0 for anything else."""
    text = unicodedata.normalize("NFKC", text.strip())
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _UNITS:
            total += (digit or 1) * _UNITS[char]  # "十一": a bare 十 is ten
            digit = 0
        else:
            return 0
    return total + digit


def chinese_numeral(number: int) -> str:
    """60 → 六十, 105 → 一百零五, 12 → 十二 (as laws number their articles)."""
    if number <= 0:
        return str(number)
    digits = "零一二三四五六七八九"
    parts, zero = [], False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        count, number = divmod(number, value)
        if count:
            if zero:
                parts.append("零")
            parts.append(("" if (unit == "十" and count == 1 and not parts) else digits[count]) + unit)
            zero = False
        elif parts:
            zero = True
    return "".join(parts)


@dataclass(frozen=True)
class Reference:
    """What a question cites: the name as written (category prefix and all),
    and an article (with paragraph 款 and item 项) or a chapter; 0 when not given."""

    name: str
    article: int = 0
    paragraph: int = 0
    item: int = 0
    chapter: int = 0

    @property
    def label(self) -> str:
        """第六十条第二款第（一）项 / 第二章."""
        if self.chapter:
            return f"第{chinese_numeral(self.chapter)}章"
        label = f"第{chinese_numeral(self.article)}条"
        if self.paragraph:
            label += f"第{chinese_numeral(self.paragraph)}款"
        if self.item:
            label += f"第（{chinese_numeral(self.item)}）项"
        return label


def _strip_lead_words(name: str) -> str:
    changed = True
    while changed:
        changed = False
        for word in _vocabulary()["lead_words"]:
            if name.startswith(word) and len(name) > len(word):
                name, changed = name[len(word):], True
    return name


def _names_a_document(name: str) -> bool:
    """Whether `name` reads as a document's name (…法, …条例), not as 本法 / 该条例."""
    vocabulary = _vocabulary()
    if not name.endswith(vocabulary["document_kinds"]):
        return False
    for prefix in vocabulary["deictic_prefixes"]:
        if name.startswith(prefix) and name[len(prefix):] in vocabulary["document_kinds"]:
            return False
    return True


def parse_reference(question: str) -> Reference | None:
    """The first reference `question` makes to an article or chapter, with the
    name written before it; None when it cites none. A name is returned as written
    ("民法商法公司法"); resolving it is `ReferenceResolver`'s work."""
    text = unicodedata.normalize("NFKC", question).replace("(", "（").replace(")", "）")
    for match in _REFERENCE.finditer(text):
        if match.group("sub"):
            continue  # 第六十条之一: an inserted article, not numbered by our segmenter
        before = _BETWEEN.sub("", text[: match.start()])
        named = _NAME_CHARS.search(before)
        name = _strip_lead_words(named.group(0)) if named else ""
        number = chinese_number(match.group("number"))
        if not number:
            continue
        if match.group("unit") == "章":
            return Reference(name, chapter=number)
        item = chinese_number(match.group("item") or match.group("item2") or "")
        return Reference(name, number, chinese_number(match.group("paragraph") or ""), item)
    return None


@dataclass(frozen=True)
class ReferenceAnswer:
    """What a reference answers: the text, whether it abstains, its citations,
    the clauses retrieved for it (the cited one first) and notes."""

    text: str
    abstained: bool
    citations: list[Citation]
    hits: list[Hit]
    notes: list[str]


def _article_number(chunk: Chunk) -> int:
    match = _ARTICLE.match(chunk.clause)
    return chinese_number(match.group(1)) if match else 0


def article_body(text: str) -> str:
    """An article's text without its label ("第六十条 ") and Markdown marks."""
    text = re.sub(r"^#{1,6}\s*", "", text, flags=re.M)
    return _LEADING_LABEL.sub("", text.strip()).strip()


def paragraphs(body: str) -> list[str]:
    """The 款 of an article body: its lines, an item line (（一）…) belonging to the paragraph before it."""
    result: list[str] = []
    for line in (line.strip() for line in body.split("\n")):
        if not line:
            continue
        if result and _ITEM.match(line):
            result[-1] += "\n" + line
        else:
            result.append(line)
    return result


def _item_of(paragraph: str, number: int) -> str:
    for line in paragraph.split("\n"):
        match = _ITEM.match(line)
        if match and chinese_number(match.group(1)) == number:
            return line
    return ""


class DocumentStructure:
    """One document's articles and chapters, from its chunks."""

    def __init__(self, document: Document, chunks: Sequence[Chunk]) -> None:
        self.document = document
        self.articles: dict[int, list[Chunk]] = {}
        # A chapter by the breadcrumb leading to it (("第一编 总则", "第三章 审判组织")): not every
        # chapter line becomes a heading chunk, but every article under it carries it in its path.
        self.chapters: dict[int, tuple[str, ...]] = {}
        self.chunks = list(chunks)
        for chunk in self.chunks:
            number = _article_number(chunk)
            if number:
                self.articles.setdefault(number, []).append(chunk)
            for depth, step in enumerate(chunk.path):
                match = _CHAPTER.match(step)
                if match:
                    self.chapters.setdefault(chinese_number(match.group(1)), chunk.path[: depth + 1])

    def article_span(self, number: int) -> tuple[int, int] | None:
        chunks = self.articles.get(number)
        return (chunks[0].start, max(c.end for c in chunks)) if chunks else None

    def article_text(self, number: int) -> str:
        span = self.article_span(number)
        return self.document.text[span[0] : span[1]] if span else ""

    def chapter_chunks(self, number: int) -> tuple[str, list[Chunk]]:
        """The chapter's heading ("第三章 审判组织") and its chunks (section headings, articles) in order."""
        prefix = self.chapters.get(number)
        if prefix is None:
            return "", []
        return prefix[-1], [c for c in self.chunks if c.path[: len(prefix)] == prefix and c.path != prefix]


def _squeeze(text: str) -> str:
    return re.sub(r"[\s，,。；;：:、]+", "", text)


class ReferenceResolver:
    """Answers references over the documents and chunks of one index."""

    def __init__(self, documents: Sequence[Document], chunks: Sequence[Chunk], router: DocumentRouter) -> None:
        self.router = router
        self.documents = {d.doc_id: d for d in documents}
        by_document: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            by_document.setdefault(chunk.doc_id, []).append(chunk)
        self._chunks = by_document
        self._structures: dict[str, DocumentStructure] = {}
        self.versions = Versions(documents)

    def structure(self, doc_id: str) -> DocumentStructure:
        if doc_id not in self._structures:
            self._structures[doc_id] = DocumentStructure(self.documents[doc_id], self._chunks.get(doc_id, []))
        return self._structures[doc_id]

    def answer(self, question: str, as_of: str = "", top_k: int = 5) -> ReferenceAnswer | None:
        """The answer to `question` when it cites an article or chapter of a
        document; None when it cites none (the question then goes to retrieval).
        `as_of` (ISO date, default today) picks the version in force."""
        reference = parse_reference(question)
        if reference is None:
            return None
        alias, named = self.router.named_at_end(reference.name)
        if not named:
            alias, named = self.router.named_loosely(reference.name)
        if not named:
            if _names_a_document(reference.name):
                return ReferenceAnswer(f"索引中没有名为《{reference.name}》的文件，无法回答其{reference.label}。", True, [], [], [])
            return None  # "第三条是什么" names no document: retrieval decides
        works = self.versions.works_of(named)
        if len(works) > 1:
            works = self._narrow(question, reference.name, works)
        if len(works) > 1:
            return self._ambiguous(alias, works)
        document = self.versions.in_force(works[0], as_of)
        if document is None:
            first = self.documents[works[0][0]]
            return ReferenceAnswer(f"《{first.title}》在 {as_of} 尚未施行（最早的版本 {version_label(first)}）。", True, [], [], [])
        if reference.chapter:
            return self._chapter(document, reference, top_k)
        return self._article(document, works[0], reference, top_k)

    # -- resolution -------------------------------------------------------------
    def _narrow(self, question: str, name: str, works: list[list[str]]) -> list[list[str]]:
        """Works of the jurisdiction the question names (青岛…), else of the category
        folder its name starts with (民法商法…), else all of them."""
        named = self.router.route(question).jurisdictions
        chosen = [w for w in works if self.documents[w[0]].jurisdiction in named] if named else []
        if not chosen:
            chosen = [w for w in works if name.startswith(Path(self.documents[w[0]].source_path).parent.name or "\0")]
        return chosen or works

    def _ambiguous(self, alias: str, works: list[list[str]]) -> ReferenceAnswer:
        lines = [f"有 {len(works)} 份文件名为《{alias}》，请说明是哪一份："]
        for work in sorted(works, key=lambda w: (self.documents[w[0]].jurisdiction, self.documents[w[0]].title)):
            document = self.documents[work[-1]]
            lines.append(f"- 《{document.title}》（{document.jurisdiction or '地区未知'}，{version_label(document)}）")
        return ReferenceAnswer("\n".join(lines), True, [], [], [])

    # -- answers ------------------------------------------------------------------
    def _hits(self, first: Sequence[Chunk], structure: DocumentStructure, after: int, top_k: int) -> list[Hit]:
        """The cited clauses first, then the articles that follow, up to top_k."""
        chosen = list(dict.fromkeys(first))
        for number in sorted(n for n in structure.articles if n > after):
            if len(chosen) >= top_k:
                break
            chosen.append(structure.articles[number][0])
        return [Hit(chunk, {"reference": 1.0 / rank}, 1.0 / rank) for rank, chunk in enumerate(chosen[:top_k], start=1)]

    def _citation(self, document: Document, chunk: Chunk, start: int, end: int, n: int = 1) -> Citation:
        return Citation(n, chunk, document.title, document.text[start:end], start, end, version_label(document))

    def _article(self, document: Document, work: list[str], reference: Reference, top_k: int) -> ReferenceAnswer:
        structure = self.structure(document.doc_id)
        label = f"第{chinese_numeral(reference.article)}条"
        older = self._older_articles(document, work, reference.article)
        if reference.article not in structure.articles:
            text = f"该文件没有{label}（共{len(structure.articles)}条）。"
            notes = [f"{version_year(d)}年版{label}：{article_body(t)}" for d, t in older]
            return ReferenceAnswer(f"《{document.title}》（{version_label(document)}）{text}", True, [], [], notes)
        chunks = structure.articles[reference.article]
        start, end = structure.article_span(reference.article)
        body = article_body(document.text[start:end])
        quote, missing = self._part(body, reference)
        if missing:
            return ReferenceAnswer(f"《{document.title}》{label}{missing}", True, [], self._hits(chunks, structure, reference.article, top_k), [])
        if quote != body:
            offset = document.text.find(quote.split("\n")[0], start)
            start, end = (offset, offset + len(quote)) if offset >= 0 else (start, end)
        current = _squeeze(article_body(self.structure(document.doc_id).article_text(reference.article)))
        notes = [
            f"{version_year(d)}年版{label}（{version_label(d)}）：{article_body(t)}"
            for d, t in older
            if _squeeze(article_body(t)) != current
        ]
        older_chunks = [self.structure(d.doc_id).articles[reference.article][0] for d, _ in older]
        # The cited article first, then the same article of older versions (their text may be the one asked for).
        hits = self._hits([chunks[0], *older_chunks, *chunks[1:]], structure, reference.article, top_k)
        heading = f"《{document.title}》{reference.label}（{version_label(document)}）："
        return ReferenceAnswer(f"{heading}\n{quote}", False, [self._citation(document, chunks[0], start, end)], hits, notes)

    @staticmethod
    def _part(body: str, reference: Reference) -> tuple[str, str]:
        """(the cited paragraph / item of `body`, "" ) or ("", what is missing)."""
        if not reference.paragraph and not reference.item:
            return body, ""
        parts = paragraphs(body)
        text = body
        if reference.paragraph:
            if reference.paragraph > len(parts):
                return "", f"没有第{chinese_numeral(reference.paragraph)}款（共{len(parts)}款）。"
            text = parts[reference.paragraph - 1]
        if reference.item:
            item = _item_of(text, reference.item)
            if not item:
                return "", f"没有第（{chinese_numeral(reference.item)}）项。"
            text = item
        return text, ""

    def _older_articles(self, document: Document, work: list[str], number: int) -> list[tuple[Document, str]]:
        """The same article in the versions before `document`, newest first."""
        position = work.index(document.doc_id)
        older = []
        for doc_id in reversed(work[:position]):
            text = self.structure(doc_id).article_text(number)
            if text:
                older.append((self.documents[doc_id], text))
        return older

    def _chapter(self, document: Document, reference: Reference, top_k: int) -> ReferenceAnswer:
        structure = self.structure(document.doc_id)
        heading, chunks = structure.chapter_chunks(reference.chapter)
        if not heading:
            text = f"《{document.title}》没有{reference.label}（共{len(structure.chapters)}章）。"
            return ReferenceAnswer(text, True, [], [], [])
        numbers = sorted({n for c in chunks if (n := _article_number(c))})
        span = f"第{chinese_numeral(numbers[0])}条至第{chinese_numeral(numbers[-1])}条，共{len(numbers)}条" if numbers else "无条文"
        lines = [f"《{document.title}》{heading}（{span}；{version_label(document)}）："]
        citations, firsts = [], []
        for c in chunks:
            number = _article_number(c)
            if not number and c.kind == "heading":
                lines.append(c.text.strip())  # a section (第一节 …) of the chapter
            elif number and c is structure.articles[number][0]:
                start, end = structure.article_span(number)
                citations.append(self._citation(document, c, start, end, len(citations) + 1))
                firsts.append(c)
                lines.append(f"第{chinese_numeral(number)}条 {article_body(document.text[start:end])}")
        hits = self._hits(firsts, structure, numbers[-1] if numbers else 0, max(top_k, len(firsts)))
        return ReferenceAnswer("\n".join(lines), False, citations, hits, [])
