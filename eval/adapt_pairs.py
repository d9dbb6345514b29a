"""Training pairs for adapting the embedding model to statute language, mined
from the law collection without hand labels (eval/adapt_model.py trains on them).

Each pair is (query, clause): the clause as the index embeds it (title,
headings and text, indexer.segment.embedding_text), and a query of one of
four kinds:
- `cloze`: one sentence of the clause, the clause given without it (inverse
  cloze: a sentence finds the rest of its article);
- `cite`: a sentence of a judicial interpretation, or a case's title and
  facts, with the article it cites (依照《劳动合同法》第三十九条): the
  collection's own word on which article answers which situation;
- `heading`: the law's title and the chapter or section the clause sits in;
- `plain`: a sentence of the clause with its statute terms put in everyday
  words, read backwards from the hand-written table qa/data/plain_words.tsv
  (用人单位 → 老板): how people ask, pointing at the words the law uses.

Laws listed in `exclude` (every version of them, by title) give no pair, so a
question set over them stays left out of the model that is measured on it.
"""
from __future__ import annotations

import random
import re
import tarfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from indexer.lawmd import parse_lawmd
from indexer.segment import embedding_text, segment_document, topic_title
from indexer.types import Document
from qa.cues import read_term_table
from qa.thesaurus import PLAIN_WORDS_PATH

KINDS = ("cloze", "heading", "plain", "cite")
# What one kind lacks, cloze fills: the collection gives 583 cite pairs, all kept.
DEFAULT_SHARES = {"cite": 0.3, "plain": 0.3, "heading": 0.15, "cloze": 0.25}
_CITATION = re.compile(
    r"(?:《(?:中华人民共和国)?([^》]{2,40})》(?:[（(][^）)]{0,20}[）)])?"
    r"|(?<=依照|依据|根据|按照|适用|违反)(?:中华人民共和国)?([\u4e00-\u9fff]{2,20}?(?:法典|法|条例)))"
    r"第([零〇一二三四五六七八九十百千]+)条"
)
_ANSWER_LEAD = re.compile(r"^(?:第[^条]{1,8}条|答[：:]|[一二三四五六七八九十]+、)\s*")
_CITING_LEAD = re.compile(r"^[，,：:；;\s]*(?:依照|依据|根据|按照|适用|违反)?[，,：:\s]*")
MAX_CASE_FACTS = 150  # characters of a case's facts taken as its query
_SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?")
_ARTICLE_LABEL = re.compile(r"^第[^条]{1,8}条(?:之[一二三四五六七八九十]+)?[\s　]*")
_CHAPTER_LABEL = re.compile(r"^第[^章节编]{1,6}[章节编][\s　]*")
# Chapter names that say nothing about the clauses under them.
_EMPTY_HEADINGS = frozenset({"总则", "附则", "一般规定", "题注"})
_LEAD_IN = re.compile(r"^(依照|根据|按照)本(法|条例|规定|办法)(的)?(有关)?规定[，,]?")
_QUESTION_ENDINGS = ("？", "吗？", "怎么办？", "有什么规定？", "")
MIN_SENTENCE, MAX_SENTENCE = 12, 120
MAX_PLAIN_QUERY = 48  # about the length of a question
SWAP_SHARE = 0.85  # of a sentence's statute terms put in everyday words


@dataclass(frozen=True)
class Pair:
    query: str
    clause: str
    kind: str  # one of KINDS
    law: str  # the law's title
    # Another clause of the same law (another chapter for a heading): the near
    # miss a query must learn to rank below its own clause. "" when the law has one.
    negative: str = ""


def law_title_key(title: str) -> str:
    """A title without 中华人民共和国 and spaces: every version of a law shares it."""
    return re.sub(r"\s+", "", title).replace("中华人民共和国", "")


def collection_documents(tarball: Path) -> Iterator[Document]:
    """Each Markdown file of the collection as a Document: laws, judicial
    interpretations and cases alike (`source_path` says which)."""
    with tarfile.open(tarball) as archive:
        for member in archive:
            if not (member.isfile() and member.name.endswith(".md")):
                continue
            handle = archive.extractfile(member)
            if handle is None:
                continue
            body, meta = parse_lawmd(handle.read().decode("utf-8", errors="replace"))
            if meta.get("title"):
                yield Document(doc_id=Path(member.name).stem, title=meta["title"], text=body, source_path=member.name,
                               history=tuple(meta.get("history", ())), effective=meta.get("effective", ""))


def is_case(document: Document) -> bool:
    return "/案例/" in document.source_path


def collection_laws(tarball: Path) -> Iterator[Document]:
    """The collection without its cases: the clauses anyone looks up."""
    return (document for document in collection_documents(tarball) if not is_case(document))


class PlainSwapper:
    """Statute terms → everyday words, the plain-words table read backwards."""

    def __init__(self, table: Path = PLAIN_WORDS_PATH) -> None:
        self.phrases: dict[str, list[str]] = defaultdict(list)
        for phrase, terms in read_term_table(table):
            for term in terms:
                if term != phrase:
                    self.phrases[term].append(phrase)
        longest_first = sorted(self.phrases, key=len, reverse=True)
        self._terms = re.compile("|".join(map(re.escape, longest_first)))

    def term_count(self, sentence: str) -> int:
        return len(set(self._terms.findall(sentence)))

    def swap(self, sentence: str, rng: random.Random) -> str:
        """The sentence with most of its terms in everyday words, cut to the
        length of a question from its first swapped word on; "" when nothing was swapped."""
        pieces, swapped_at = [], -1
        last = 0
        for match in self._terms.finditer(sentence):
            pieces.append(sentence[last : match.start()])
            if rng.random() < SWAP_SHARE:
                if swapped_at < 0:
                    swapped_at = sum(map(len, pieces))
                pieces.append(rng.choice(self.phrases[match.group(0)]))
            else:
                pieces.append(match.group(0))
            last = match.end()
        if swapped_at < 0:
            return ""
        text = "".join(pieces) + sentence[last:]
        if len(text) > MAX_PLAIN_QUERY:
            # Start at the clause (between commas) holding the first everyday word.
            start = max(text.rfind(mark, 0, swapped_at) for mark in "，,：:") + 1
            text = text[start : start + MAX_PLAIN_QUERY]
        return text.rstrip("，,；;。") + rng.choice(_QUESTION_ENDINGS)


def law_pairs(document: Document, swapper: PlainSwapper, rng: random.Random) -> dict[str, list[Pair]]:
    """Every pair of each kind one law gives (at most one of a kind per clause)."""
    pairs: dict[str, list[Pair]] = defaultdict(list)
    title = document.title
    chunks = [chunk for chunk in segment_document(document) if chunk.kind == "clause"]
    texts = [embedding_text(chunk, title) for chunk in chunks]

    # Near misses draw from their own generator: the pairs stay those of `rng` alone.
    near = random.Random(title)

    def other(position: int, outside: tuple[str, ...] = ()) -> str:
        choices = [i for i, chunk in enumerate(chunks) if i != position and (not outside or chunk.path[:-1] != outside)]
        return texts[near.choice(choices)] if choices else ""

    for position, chunk in enumerate(chunks):
        clause = texts[position]
        body = _ARTICLE_LABEL.sub("", chunk.text)
        sentences = [s.strip() for s in _SENTENCE.findall(body) if MIN_SENTENCE <= len(s.strip()) <= MAX_SENTENCE]
        if len(sentences) >= 2:
            sentence = rng.choice(sentences)
            rest = clause.replace(sentence, "", 1)
            pairs["cloze"].append(Pair(sentence, rest, "cloze", title, other(position)))
        headings = [_CHAPTER_LABEL.sub("", h) for h in chunk.path if not _ARTICLE_LABEL.match(h)]
        headings = [h for h in headings if h and h not in _EMPTY_HEADINGS]
        if headings and len(body) >= 20:
            pairs["heading"].append(Pair(f"{topic_title(title)} {headings[-1]}", clause, "heading", title, other(position, chunk.path[:-1])))
        with_terms = [s for s in sentences if swapper.term_count(s)]
        if with_terms:
            sentence = _LEAD_IN.sub("", max(with_terms, key=swapper.term_count))
            query = swapper.swap(sentence, rng)
            if len(query) >= 8:
                pairs["plain"].append(Pair(query, clause, "plain", title, other(position)))
    return pairs


class ArticleIndex:
    """(title key, 第N条) → the article's first clause as the index embeds it,
    from the version of the law in force when the citing text was made (a
    citation of 2001 means the law as numbered in 2001)."""

    def __init__(self, laws: list[Document]) -> None:
        self._versions: dict[str, list[tuple[str, dict[str, str]]]] = defaultdict(list)
        for law in laws:
            articles: dict[str, str] = {}
            for chunk in segment_document(law):
                label = _ARTICLE_LABEL.match(chunk.text)
                if chunk.kind == "clause" and label:
                    articles.setdefault(label.group(0).strip(), embedding_text(chunk, law.title))
            self._versions[law_title_key(law.title)].append((law.effective, articles))
        for versions in self._versions.values():
            versions.sort(key=lambda version: version[0])

    def clause(self, key: str, article: str, as_of: str, rng: random.Random) -> tuple[str, str]:
        """The cited article's clause and another article of the same version ("" when none)."""
        versions = self._versions.get(key, [])
        # Cited before its oldest version here: the oldest is the nearest.
        in_force = [articles for effective, articles in versions if not as_of or effective <= as_of]
        in_force = in_force or [articles for _effective, articles in versions[:1]]
        if not in_force or article not in in_force[-1]:
            return "", ""
        others = [label for label in in_force[-1] if label != article]
        return in_force[-1][article], in_force[-1][rng.choice(others)] if others else ""


def citing_queries(document: Document) -> Iterator[tuple[str, str, str]]:
    """(query, cited title key, 第N条) of a judicial interpretation or a case.
    An interpretation's sentence is its own query, the citation taken out; a
    case's title and the start of its facts stand for every article it cites."""
    if is_case(document):
        cited = list(dict.fromkeys(_cited(m) for m in _CITATION.finditer(document.text)))
        facts = document.text.split("基本案情", 1)[-1].strip().split("\n", 1)[0][:MAX_CASE_FACTS]
        for query in (topic_title(document.title), facts):
            for key, article in cited[:4]:
                if len(query) >= 8:
                    yield query, key, article
        return
    for sentence in _SENTENCE.findall(document.text):
        for match in _CITATION.finditer(sentence):
            query = _CITING_LEAD.sub("", _CITATION.sub("", _ANSWER_LEAD.sub("", sentence.strip()))).strip(" ，,：:；;。")
            query = re.sub(r"[和及、]?的规定", "", query)
            if 15 <= len(query) <= MAX_SENTENCE:
                yield (query, *_cited(match))


def _cited(match: re.Match) -> tuple[str, str]:
    return law_title_key(match.group(1) or match.group(2)), f"第{match.group(3)}条"


def mine_pairs(
    documents: Iterator[Document], total: int, exclude: set[str], seed: int = 19, shares: dict[str, float] | None = None
) -> list[Pair]:
    """`total` pairs in the kinds' `shares` (what one kind lacks, cloze fills),
    shuffled; laws whose title key is in `exclude` give none, and are never cited."""
    rng = random.Random(seed)
    swapper = PlainSwapper()
    laws, citing = [], []
    for document in documents:
        if law_title_key(document.title) in exclude:
            continue
        # An interpretation without a date cannot say which numbering it cites.
        if is_case(document) or ("/司法解释/" in document.source_path and document.effective):
            citing.append(document)
        if not is_case(document):
            laws.append(document)
    found: dict[str, list[Pair]] = defaultdict(list)
    for law in laws:
        for kind, pairs in law_pairs(law, swapper, rng).items():
            found[kind].extend(pairs)
    articles = ArticleIndex(laws)
    near = random.Random(seed + 1)  # near misses of cited articles, apart from the pairs' draws
    for document in citing:
        for query, key, article in citing_queries(document):
            clause, negative = articles.clause(key, article, document.effective, near)
            if clause and key not in exclude:
                found["cite"].append(Pair(query, clause, "cite", key, negative))
    found["cite"] = list({(p.query, p.clause): p for p in found["cite"]}.values())
    chosen: list[Pair] = []
    for kind, share in (shares or DEFAULT_SHARES).items():
        if kind == "cloze":
            continue
        rng.shuffle(found[kind])
        chosen += found[kind][: int(total * share)]
    rng.shuffle(found["cloze"])
    chosen += found["cloze"][: max(0, total - len(chosen))]
    rng.shuffle(chosen)
    return chosen


def excluded_titles(listing: Path, tarball: Path) -> set[str]:
    """Title keys of the laws a statute listing (one collection path a line,
    as eval/data/*.statutes.txt) names."""
    wanted = {line.strip() for line in listing.read_text(encoding="utf-8").splitlines() if line.strip()}
    return {law_title_key(doc.title) for doc in collection_documents(tarball) if doc.source_path in wanted}
