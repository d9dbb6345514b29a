"""Compose a grounded, extractive answer from retrieved clauses.

The answer is made only of sentences taken verbatim from the retrieved
clauses, each followed by its citation marker. Before answering we check
that the evidence holds the kind of thing the question asks for (an amount,
a date, a phone number, a contact of the unit named…); when it does not,
the assistant says "文件未提及" and lists the nearest clauses instead of
guessing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from indexer.roster import UNIT_NAME, parse_contacts, squeeze
from indexer.tokenize import tokenize
from indexer.segment import sentence_embedding_text, sentence_spans
from indexer.types import Chunk, Document

from .query import Query
from .types import Citation, Hit

NOT_MENTIONED = "文件未提及"
_MONEY = re.compile(r"\d[\d.,]*\s*(?:万|亿)?元")
_MONEY_NOUNS = re.compile(r"补贴|补助|奖励|资助|奖补|扶持资金|资金")
_DATE = re.compile(r"\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}月底|年底前|月底前")
_PHONE = re.compile(r"\d{7,}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_WEBSITE = re.compile(r"https?://|www\.|网址")
_ADDRESS = re.compile(r"地址|[路街]\d+号")
_PROCEDURE = re.compile(r"申请|申报|提交|办理|流程|程序|材料|受理")
_COMPANY = re.compile(r"[\u4e00-\u9fffA-Za-z]{2,}(?:集团|公司|股份)|海尔|海信|澳柯玛|中车|特锐德|酷特|青岛啤酒|崂山矿泉水")
_NUMBER_WITH_UNIT = r"\d[\d.]*\s*(?:万|亿)?{unit}"
# A district asked about as the maker of its own policy ("西海岸新区对芯片企业有哪些政策").
_LOCAL_POLICY = re.compile(r"([\u4e00-\u9fff]{2,4}(?:新区|区|县))(?=对|出台|的政策|的扶持|有哪些|有什么|有没有)")
_WHEN = re.compile(r"20\d{2}年|\d{1,2}月|年底|年内|今年|明年")
_PLACE = re.compile(r"[\u4e00-\u9fff]{2,}(?:区|县|镇|街道|路)(?![\u4e00-\u9fff]*(?:建设|发展))|位于|选址")
# A number with its unit (万辆, 个, 空方, %…), not a year.
_FIGURE = re.compile(r"(?<!\d)(?!20\d{2}年)\d+(?:\.\d+)?\s*(?:%|[万亿]?[\u4e00-\u9fff])")
_LENGTH = re.compile(r"\d[\d.]*\s*(?:公里|千米|米|km)")
_REAL_UNITS = frozenset("辆 元 吨 亩 艘 人 名".split())
# Cue words that ask for a kind of evidence say nothing about the topic.
_ASK_WORDS = frozenset("日期 截止 时间 电话 联系 联系人 多少 金额 流程 材料 申请 邮箱 地址 网址".split())


@dataclass(frozen=True)
class Sentence:
    chunk: Chunk
    rank: int  # rank of its chunk in the retrieval
    start: int  # offsets in the document text
    end: int
    text: str


def split_sentences(chunk: Chunk, rank: int, document_text: str) -> list[Sentence]:
    return [Sentence(chunk, rank, start, end, document_text[start:end]) for start, end in sentence_spans(chunk)]


def _is_bare_heading(sentence: Sentence) -> bool:
    """"(3)突破智能网联。" says which item, not what it says; it is only worth
    quoting when it is all the clause holds."""
    body = re.sub(r"^[（(]?[\d一二三四五六七八九十]+[)）.．、]", "", sentence.text)
    return sentence.start == sentence.chunk.start and len(body) <= 14


class AnswerComposer:
    """Selects the sentences that answer, checks the evidence, writes the text."""

    def __init__(
        self,
        documents: dict[str, Document],
        idf: dict[str, float],
        embedder,
        sentence_vectors: dict[tuple[str, int], np.ndarray] | None = None,
        chunks: list[Chunk] | None = None,
        answer_chunks: int = 4,
        max_sentences: int = 4,
        relative_cutoff: float = 0.8,
        min_support: float = 0.34,
        min_dense: float = 0.80,
        min_topical: float = 0.3,
    ) -> None:
        self.documents = documents
        # Names are looked up in the documents with padding spaces removed ("姜  波").
        self._squeezed_documents = [squeeze(d.text) for d in documents.values()]
        self.idf = idf
        self.embedder = embedder
        # Sentence vectors computed at indexing time, keyed by (chunk id, start).
        self.sentence_vectors = sentence_vectors or {}
        # The first chunk of each numbered unit, under its parent's breadcrumb.
        self.children: dict[tuple[str, tuple[str, ...]], list[Chunk]] = {}
        seen_units = set()
        for chunk in chunks or []:
            if (chunk.doc_id, chunk.path) not in seen_units and chunk.path:
                seen_units.add((chunk.doc_id, chunk.path))
                self.children.setdefault((chunk.doc_id, chunk.path[:-1]), []).append(chunk)
        self.answer_chunks = answer_chunks
        self.max_sentences = max_sentences
        self.relative_cutoff = relative_cutoff
        self.min_support = min_support
        self.min_dense = min_dense
        self.min_topical = min_topical

    # -- scoring --------------------------------------------------------------
    def _coverage(self, query_tokens: set[str], text: str) -> float:
        """IDF-weighted share of the question's words that `text` contains."""
        if not query_tokens:
            return 0.0
        text_tokens = set(tokenize(text))
        total = sum(self.idf.get(t, 1.0) for t in query_tokens)
        found = sum(self.idf.get(t, 1.0) for t in query_tokens if t in text_tokens)
        return found / total if total else 0.0

    def _vectors_for(self, sentences: list[Sentence]) -> np.ndarray:
        missing = [s for s in sentences if (s.chunk.chunk_id, s.start) not in self.sentence_vectors]
        if missing:  # only for sentences the index does not hold (never in normal use)
            fresh = self.embedder.embed_batch([sentence_embedding_text(s.chunk, s.text) for s in missing])
            self.sentence_vectors.update({(s.chunk.chunk_id, s.start): v for s, v in zip(missing, fresh)})
        if not sentences:
            return np.zeros((0, getattr(self.embedder, "dimension", 1)), dtype=np.float32)
        return np.stack([self.sentence_vectors[(s.chunk.chunk_id, s.start)] for s in sentences])

    def score_sentences(self, queries: list[Query], query_vectors: np.ndarray, candidates: list[list[Sentence]]) -> list[np.ndarray]:
        """How well each candidate sentence answers its question: shared words
        (IDF-weighted) and sentence similarity, discounted by clause rank."""
        scores = []
        for row, (query, group) in enumerate(zip(queries, candidates)):
            dense = self._vectors_for(group) @ query_vectors[row] if group else np.zeros(0)
            tokens = set(query.tokens)
            lexical = np.array([self._coverage(tokens, f"{s.chunk.breadcrumb} {s.text}") for s in group])
            rank_prior = np.array([1.0 / (1 + 0.15 * s.rank) for s in group])
            scores.append((0.5 * lexical + 0.5 * dense) * rank_prior)
        return scores

    # -- evidence checks ---------------------------------------------------------
    def missing_evidence(self, query: Query, hits: list[Hit], chosen: list[Sentence]) -> str:
        """Why the retrieved text cannot answer `query`, or "" when it can."""
        evidence_text = "\n".join(hit.chunk.text for hit in hits[: self.answer_chunks])
        topic = {t for t in query.tokens if t not in _ASK_WORDS}
        sentences = [s for hit in hits[: self.answer_chunks] for s in self._sentences(hit.chunk, 0)]

        def topical(pattern: re.Pattern[str]) -> bool:
            """Some sentence on the question's topic holds the kind of thing asked."""
            return any(
                pattern.search(s.text) and self._coverage(topic, f"{s.chunk.breadcrumb} {s.text}") >= self.min_topical
                for s in sentences
            )

        names = list(query.proper_nouns) + _LOCAL_POLICY.findall(query.text)
        unknown = [name for name in names if not any(name in text for text in self._squeezed_documents)]
        if unknown:  # a firm, person or district's own policy the documents never name
            return "unknown_name"
        if self._period_notes(query, hits):
            return "period"
        if "money" in query.asks:
            money_noun = _MONEY_NOUNS.search(query.text)
            money = _MONEY if not money_noun else re.compile(f"(?=.*(?:{_MONEY.pattern}))(?=.*(?:{_MONEY_NOUNS.pattern}))")
            if not topical(money):
                return "money"
        if "date" in query.asks and not topical(_DATE):
            return "date"
        if "when" in query.asks and not topical(_WHEN):
            return "when"
        if "location" in query.asks and not topical(_PLACE):
            return "location"
        if "length" in query.asks and not topical(_LENGTH):
            return "length"
        if "email" in query.asks and not _EMAIL.search(evidence_text):
            return "email"
        if "website" in query.asks and not _WEBSITE.search(evidence_text):
            return "website"
        if "address" in query.asks and not _ADDRESS.search(evidence_text):
            return "address"
        if "procedure" in query.asks and not topical(_PROCEDURE):
            return "procedure"
        if "company_names" in query.asks and not topical(_COMPANY):
            return "company_names"
        if query.asks & {"phone", "contact"} and not self.contacts_for(query, hits):
            return "contact"
        if query.years and (query.asked_unit or "多少" in query.text):
            if not any(self._states_figure_for(query, s, topic) for s in sentences):
                return "quantity"
        best_support = max((self._coverage(topic, f"{h.chunk.breadcrumb} {h.chunk.text}") for h in hits[:3]), default=0)
        best_dense = max((h.scores.get("dense", 0.0) for h in hits[:3]), default=0)
        quoted_found = any(p in squeeze(h.chunk.text) for p in query.phrases for h in hits[:3])
        if best_support < self.min_support and best_dense < self.min_dense and not quoted_found:
            return "weak"
        if not chosen:
            return "weak"
        return ""

    def _states_figure_for(self, query: Query, sentence: Sentence, topic: set[str]) -> bool:
        """Whether `sentence` gives a figure for a year the question names: the
        nearest year before the number must be that year (so a 2022 target is
        not passed off as a 2018 figure), in the unit asked when it is a real
        unit (辆, 元…) rather than a counter (个, 家)."""
        if self._coverage(topic - {str(y) for y in query.years}, f"{sentence.chunk.breadcrumb} {sentence.text}") < self.min_topical:
            return False
        if query.measured and query.measured not in sentence.text:  # a figure for something else
            return False
        unit = query.asked_unit if query.asked_unit in _REAL_UNITS else "[\u4e00-\u9fff%]"
        for m in re.finditer(_NUMBER_WITH_UNIT.format(unit=unit), sentence.text):
            if re.fullmatch(r"20\d{2}", m.group(0)[:4]) and m.group(0)[4:5] in ("年", ""):
                continue  # the year itself
            # "在2018年基础上翻一番": a base year, not the year of the figure.
            years_before = re.findall(r"(20\d{2})年(?!基础|为基数)", sentence.text[: m.start()])
            if years_before and int(years_before[-1]) in query.years:
                return True
        return False

    def contacts_for(self, query: Query, hits: list[Hit]):
        """Contacts stated in the retrieved clauses that fit the unit or person
        the question names; none when it names someone given no contact."""
        if not hits:
            return []
        doc_id = hits[0].chunk.doc_id  # the document the question is about
        retrieved = [hit.chunk for hit in hits[: self.answer_chunks] if hit.chunk.doc_id == doc_id]
        contacts = [
            contact
            for contact in parse_contacts(self.documents[doc_id].text)
            if any(contact.phone in squeeze(chunk.text) for chunk in retrieved)
        ]
        if not contacts:
            return []
        named_units = {squeeze(u) for u in UNIT_NAME.findall(query.expanded)}
        if named_units:
            return [c for c in contacts if c.unit in named_units]
        if re.search(r"指挥长|队长|局长|市长|书记", query.text):  # posts have no contact in a roster
            return []
        return contacts

    # -- composition ---------------------------------------------------------------
    def _sentences(self, chunk: Chunk, rank: int) -> list[Sentence]:
        return split_sentences(chunk, rank, self.documents[chunk.doc_id].text)

    def compose_batch(
        self, queries: list[Query], hits_per_query: list[list[Hit]], query_vectors: np.ndarray
    ) -> list[tuple[str, bool, list[Citation], list[str]]]:
        """(answer text, abstained, citations, notes) for each question."""
        candidates = [
            [s for rank, hit in enumerate(hits[: self.answer_chunks]) for s in self._sentences(hit.chunk, rank)]
            for hits in hits_per_query
        ]
        all_scores = self.score_sentences(queries, query_vectors, candidates)
        return [
            self._compose(query, hits, group, scores)
            for query, hits, group, scores in zip(queries, hits_per_query, candidates, all_scores)
        ]

    def _choose(self, query: Query, group: list[Sentence], scores: np.ndarray) -> list[Sentence]:
        if not group:
            return []
        wanted = self._wanted_pattern(query)
        if wanted is not None:  # only sentences holding what was asked, when there are good ones
            holds = np.array([bool(wanted.search(s.text)) for s in group])
            if holds.any() and scores[holds].max() >= 0.5 * scores.max():
                scores = np.where(holds, scores, 0.0)
        order = sorted(range(len(group)), key=lambda i: -scores[i])
        substantive = [i for i in order if not _is_bare_heading(group[i])] or order
        best = scores[substantive[0]]
        chosen = [group[i] for i in substantive if scores[i] >= self.relative_cutoff * best][: self.max_sentences]
        return sorted(chosen, key=lambda s: (s.rank, s.start))

    def _structure_sentences(self, query: Query, hits: list[Hit]) -> list[Sentence]:
        """For "下面分成哪几个…": the headings of the parts of the unit the
        question names (the retrieved unit or ancestor whose heading best
        matches), each a sentence of its own clause."""
        tokens = set(query.tokens)
        best, best_score = None, 0.0
        for hit in hits[:3]:
            chunk = hit.chunk
            for depth in range(len(chunk.path), 0, -1):
                key = (chunk.doc_id, chunk.path[:depth])
                if key not in self.children:
                    continue
                score = self._coverage(tokens, chunk.path[depth - 1])
                if score > best_score:
                    best, best_score = key, score
        if best is None or best_score < 0.3:
            return []
        parts = []
        for rank, child in enumerate(self.children[best]):
            sentences = self._sentences(child, rank)
            if sentences:
                parts.append(sentences[0])
        return parts

    def _compose(self, query: Query, hits: list[Hit], group: list[Sentence], scores: np.ndarray):
        chosen = self._choose(query, group, scores)
        if query.asks_structure:
            chosen = self._structure_sentences(query, hits) or chosen
        if query.asks & {"phone", "contact"}:
            chosen = self._contact_sentences(query, hits, group) or chosen
        notes = self._period_notes(query, hits)
        reason = self.missing_evidence(query, hits, chosen)
        if not reason:
            chosen = self._verified(chosen)
            # Nothing the clauses hold is left to say: abstain, never answer with nothing.
            reason = "" if chosen else "unverified"
        if reason:
            nearest = "；".join(f"{h.chunk.clause}（{h.chunk.breadcrumb}）" for h in hits[:3])
            text = f"{NOT_MENTIONED}：检索到的条款中没有能回答该问题的内容。"
            if reason == "period" and notes:
                text = f"{NOT_MENTIONED}：{notes[0]}"
            if nearest:
                text += f" 最接近的条款：{nearest}。"
            return text, True, [], notes
        citations: list[Citation] = []
        parts = []
        for chunk_sentences in _group_by_chunk(chosen):
            chunk = chunk_sentences[0].chunk
            document = self.documents[chunk.doc_id]
            start, end = chunk_sentences[0].start, chunk_sentences[-1].end
            n = len(citations) + 1
            citations.append(Citation(n, chunk, document.title, document.text[start:end], start, end))
            parts.extend(f"{s.text}[{n}]" for s in chunk_sentences)
        text = "".join(parts)
        if notes:
            text += f"（注：{notes[0]}）"
        return text, False, citations, notes

    @staticmethod
    def _wanted_pattern(query: Query) -> re.Pattern[str] | None:
        """The kind of text that answers: an amount, a date, a phone number, a figure."""
        if "money" in query.asks:
            return _MONEY
        if "date" in query.asks:
            return _DATE
        if query.asks & {"phone", "contact"}:
            return _PHONE
        if "when" in query.asks:
            return _WHEN
        if query.asks_quantity:
            return _FIGURE
        return None

    @staticmethod
    def _verified(chosen: list[Sentence]) -> list[Sentence]:
        """Drop any claim whose figures or unit names its clause does not hold
        (a safety net: extracted sentences normally pass by construction)."""
        from .verify import verify_claims

        kept, _dropped = verify_claims([(s.text, [s.chunk.text]) for s in chosen])
        kept_texts = {text for text, _ in kept}
        return [s for s in chosen if s.text in kept_texts]

    def _contact_sentences(self, query: Query, hits: list[Hit], group: list[Sentence]) -> list[Sentence]:
        """For contact questions, the roster lines that name the unit and its contact."""
        wanted = self.contacts_for(query, hits)
        chosen = []
        for contact in wanted:
            for i, sentence in enumerate(group):
                if contact.phone in squeeze(sentence.text):
                    unit_line = [s for s in group[max(0, i - 2) : i] if contact.unit and contact.unit in squeeze(s.text)]
                    chosen.extend(unit_line[-1:] + [sentence])
                    break
        unique = {(s.start, s.end): s for s in chosen}
        return sorted(unique.values(), key=lambda s: (s.rank, s.start))

    def _period_notes(self, query: Query, hits: list[Hit]) -> list[str]:
        if not hits or not query.years:
            return []
        document = self.documents.get(hits[0].chunk.doc_id)
        years = [int(y) for y in re.findall(r"20\d{2}", document.period if document else "")]
        if years and max(query.years) > max(years):
            return [f"《{document.title}》的实施期限为{document.period}年，文件未涉及{max(query.years)}年的安排。"]
        return []


def _group_by_chunk(sentences: list[Sentence]) -> list[list[Sentence]]:
    groups: dict[str, list[Sentence]] = {}
    for sentence in sentences:
        groups.setdefault(sentence.chunk.chunk_id, []).append(sentence)
    return list(groups.values())
