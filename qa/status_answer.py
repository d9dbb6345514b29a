"""Questions about a document's status, answered from its metadata.

"这个方案还有效吗？", "…什么时候施行？", "有效期到什么时候？" are not answered
by whatever clause shares the word 有效: the document the question is about
is found (named by title or kind, else the best retrieved one), its status is
read from qa/doc_status.py, and the clause that states the date that decides
it (自…起施行, 有效期至…, the title's 2019—2022, 《…》同时废止) is cited.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from functools import lru_cache

from indexer.header import DATE, iso_date
from indexer.lawmd import in_force_date
from indexer.tokenize import words
from indexer.types import Chunk, Document

from .doc_status import (
    AMENDED,
    EXPIRED,
    IN_FORCE,
    NOT_YET,
    PERIOD_ENDED,
    REPEALED,
    DocumentStatus,
    Statuses,
    period_years,
    status_vocabulary,
)
from .facts_answer import Cite, FactAnswer
from .route import DocumentRouter, demonstratives
from .types import Hit
from .versions import version_label

_DATE_RE = re.compile(DATE)
_SENTENCE = re.compile(r"[^。；;\n]+[。；;]?")
# Checked in this order: 有效期到… also holds 有效; 修订后的…什么时候施行 asks when it took effect.
KINDS = ("valid_until", "effective", "issued", "revised", "in_force")
# The history lines (indexer/lawmd.py) that record a revision.
_REVISION = re.compile(r"修正|修订")


@lru_cache(maxsize=1)
def _cues() -> dict[str, re.Pattern[str]]:
    questions = status_vocabulary()["questions"]
    return {kind: re.compile("|".join(questions[kind])) for kind in KINDS}


def status_question(text: str) -> str:
    """Which status question `text` asks: valid_until, effective, issued,
    revised, in_force, or "" (also when what it asks of is no document:
    "超出的部分还能用吗")."""
    for kind in KINDS:
        cue = _cues()[kind].search(text)
        if cue:
            if _of_another_thing(text[: cue.start()]):
                return ""
            return kind if _asks_of_a_document(text[: cue.start()] + text[cue.end() :]) else ""
    return ""


_POSSESSOR = re.compile(r"([\u4e00-\u9fff]{1,10})的$")


def _of_another_thing(before: str) -> bool:
    """Whether the cue is asked of something named right before it that is no
    document: 这个证的有效期, 许可证的有效期 (not 这份方案的, 该条例的)."""
    match = _POSSESSOR.search(before)
    if not match:
        return False
    possessor = match.group(1)
    for pointer in sorted(demonstratives(), key=len, reverse=True):
        possessor = possessor.replace(pointer, "")
    vocabulary = status_vocabulary()
    names_document = possessor.endswith(tuple(vocabulary["document_words"])) and possessor not in vocabulary["not_document_words"]
    return bool(possessor) and not names_document and possessor not in ("它", "其")


def _asks_of_a_document(rest: str) -> bool:
    """Whether a question, its status cue taken out, names a document or only points at one."""
    vocabulary = status_vocabulary()
    if "《" in rest:
        return True
    fillers = sorted((*demonstratives(), *vocabulary["pointer_fillers"]), key=len, reverse=True)
    content = re.sub("|".join([r"[\W\d吗呢吧啊了的是否]", *map(re.escape, fillers)]), "", rest)
    if len(content) <= vocabulary["pointer_chars"]:
        return True
    not_documents = set(vocabulary["not_document_words"])
    return any(word.endswith(tuple(vocabulary["document_words"])) and word not in not_documents for word in words(rest))


class StatusAnswerer:
    """Answers status questions over the documents and chunks of one index."""

    def __init__(self, statuses: Statuses, chunks: Sequence[Chunk], router: DocumentRouter) -> None:
        self.statuses = statuses
        self.router = router
        self.chunks: dict[str, list[Chunk]] = {}
        for chunk in sorted(chunks, key=lambda c: (c.doc_id, c.start)):
            self.chunks.setdefault(chunk.doc_id, []).append(chunk)

    # -- which document -----------------------------------------------------------
    def document_asked(self, text: str, hits: Sequence[Hit]) -> Document | None:
        """The document the question is about: named by title, else by kind
        (这个方案), the best retrieved first; else the best retrieved document."""
        route = self.router.route(text)
        named = set(route.titled) or {d for kind in route.kinds for d in self.router.by_kind.get(kind, ())}
        ranked = [hit.chunk.doc_id for hit in hits]
        if named:
            # Of several versions named, the one in force answers (it names the others).
            current = [d for d in named if self.statuses.of(d).label != AMENDED] or list(named)
            chosen = next((d for d in ranked if d in current), sorted(current)[0])
        elif ranked:
            chosen = ranked[0]
        else:
            return None
        return self.statuses.documents[self.statuses.versions.duplicate_of.get(chosen, chosen)]

    def document_named(self, text: str, hits: Sequence[Hit]) -> Document | None:
        """The document the question names, by title or by a kind the library
        holds (这个方案); None when it names none: "承诺制度的具体办法是哪年印发的"
        asks of a document the library may not hold, not of the best retrieved one."""
        route = self.router.route(text)
        return self.document_asked(text, hits) if route.titled or route.kinds else None

    # -- which clause -------------------------------------------------------------
    def statement(self, doc_id: str, cues: Sequence[str], when: str = "", needle: str = "") -> Cite | None:
        """The first sentence of `doc_id` holding one of `cues` and, when given,
        the date `when` (in any written form) or the text `needle`."""
        for chunk in self.chunks.get(doc_id, []):
            for match in _SENTENCE.finditer(chunk.text):
                sentence = match.group(0)
                if not any(cue in sentence for cue in cues):
                    continue
                if when and when not in {iso_date(d) for d in _DATE_RE.findall(sentence)}:
                    continue
                if needle and needle not in sentence:
                    continue
                quote = sentence.strip()
                start = chunk.start + match.start() + sentence.index(quote)
                return (chunk.chunk_id, quote, start, start + len(quote))
        return None

    def _cue(self, key: str) -> tuple[str, ...]:
        return tuple(status_vocabulary()["statement_cues"][key])

    def _period_statement(self, document: Document) -> Cite | None:
        needle = document.period.replace("年", "")
        return self.statement(document.doc_id, (needle,)) if needle else None

    # -- the answer ---------------------------------------------------------------
    def answer(self, text: str, hits: Sequence[Hit], as_of: str = "") -> FactAnswer | None:
        """The answer when `text` asks about a document's status, else None."""
        kind = status_question(text)
        if not kind or self.router.unheld_titles(text):
            # 山东省大数据发展促进条例 is not the library's 民营经济发展促进条例: the
            # answer layer says the named document is absent and names the closest.
            return None
        document = self.document_named(text, hits) if kind in ("issued", "revised") else self.document_asked(text, hits)
        if document is None:
            return None
        status = self.statuses.of(document.doc_id, as_of)
        writer = _Sentences(f"《{document.title}》")
        if kind == "effective":
            self._effective(writer, document)
        elif kind == "valid_until":
            self._valid_until(writer, document)
        elif kind == "issued":
            self._issued(writer, document)
        elif kind == "revised":
            self._revised(writer, document)
        self._status(writer, document, status, as_of)
        return writer.answer(kind)

    def _effective(self, writer: "_Sentences", document: Document) -> None:
        if document.effective:
            cite = self.statement(document.doc_id, self._cue("effective"), when=document.effective)
            writer.claim(f"自{document.effective}起施行", cite)
        elif (first := in_force_date(document.text)) and (cite := self.statement(document.doc_id, self._cue("effective"), when=first)):
            # A 修正 by 决定 leaves the text's first date (本条例自2008年1月1日起施行):
            # true of the first version, not this one's; saying "未写明" would deny the text.
            writer.claim(f"最初自{first}起施行", cite)
            later = [day for day in document.revisions if day > first]
            if later:
                writer.say(f"此后于{'、'.join(later)}修正，现行版本的施行日期文件未写明")
        else:
            dates = [f"{label} {value}" for label, value in (("成文日期", document.written), ("发布日期", document.published)) if value]
            writer.say("文件未写明施行日期" + (f"（{'，'.join(dates)}）" if dates else ""))

    def _revised(self, writer: "_Sentences", document: Document) -> None:
        """How often and when a law was amended, each from its own history line."""
        steps = [line for line in document.history if _REVISION.search(line)]
        if not steps:
            writer.say("文件记载的沿革中没有修正或修订" if document.history else "文件未记载修正或修订的情况")
            return
        writer.say(f"据其记载，先后修正或修订 {len(steps)} 次")
        for line in steps:
            dates = _DATE_RE.findall(line)
            cite = self.statement(document.doc_id, self._cue("history"), when=iso_date(dates[0])) if dates else None
            writer.claim(line.replace(" ", ""), cite)

    def _issued(self, writer: "_Sentences", document: Document) -> None:
        label, when = ("发布日期", document.published) if document.published else ("成文日期", document.written)
        if not when:
            # A law or regulation dates itself by its history: adopted, approved, revised.
            steps = [line for line in document.history if "施行" not in line]
            if not steps:
                writer.say("文件未写明发布或成文日期")
                return
            writer.say("文件未单列发布日期，据其记载")
            for line in steps:
                dates = _DATE_RE.findall(line)
                cite = self.statement(document.doc_id, self._cue("history"), when=iso_date(dates[0])) if dates else None
                writer.claim(line.replace(" ", ""), cite)
            return
        cite = self.statement(document.doc_id, self._cue("issued"), when=when)
        if cite is not None:
            writer.claim(f"{label}为{when}", cite)
        else:  # the date of the file's record (its sidecar or header), no clause states it
            writer.say(f"{label}为{when}（据文件信息，正文未写明）")

    def _valid_until(self, writer: "_Sentences", document: Document) -> None:
        until = document.valid_until
        if until:
            cite = self.statement(document.doc_id, self._cue("valid_until"), when=until if until[:1].isdigit() and "-" in until else "")
            writer.claim(f"有效期至{until}" if "-" in until else f"有效期为{until}", cite)
        elif document.period:
            writer.say("文件未写明有效期")
            writer.claim(f"实施期限为{document.period}年", self._period_statement(document))
        else:
            writer.say("文件未写明有效期")

    def _status(self, writer: "_Sentences", document: Document, status: DocumentStatus, as_of: str) -> None:
        today = as_of or date.today().isoformat()
        if status.label == IN_FORCE:
            if document.effective and not writer.claims:
                cite = self.statement(document.doc_id, self._cue("effective"), when=document.effective)
                writer.claim(f"自{document.effective}起施行", cite)
            writer.say(f"目前{IN_FORCE}（截至 {today}，文件库中没有它的更新版本或废止它的文件，也未过有效期）")
        elif status.label == EXPIRED:
            if not writer.claims:
                cite = self.statement(document.doc_id, self._cue("valid_until"), when=document.valid_until)
                writer.claim(f"有效期至{document.valid_until}", cite)
            writer.say(f"已于 {document.valid_until} 到期，目前{EXPIRED}、不再有效（今天是 {today}）")
        elif status.label == PERIOD_ENDED:
            years = period_years(document.period)
            if not writer.claims:
                writer.claim(f"实施期限为{document.period}年", self._period_statement(document))
            end = years[1] if years else ""
            writer.say(f"{PERIOD_ENDED}：已于 {end} 年底结束（今天是 {today}），其中的任务和目标截至 {end} 年；文件没有写明废止，请以现行政策为准")
        elif status.label == AMENDED:
            current = self.statuses.documents[status.other]
            cite = self.statement(current.doc_id, self._cue("effective"), when=current.effective) if current.effective else None
            writer.say(f"（{version_label(document)}版）{AMENDED}")
            writer.claim(f"现行版本为{version_label(current)}的版本", cite)
        elif status.label == REPEALED:
            repealing = self.statuses.documents[status.other]
            cite = self.statement(repealing.doc_id, self._cue("repealed"), needle=document.title)
            writer.say(f"{REPEALED}：《{repealing.title}》规定")
            writer.claim(f"{document.title}废止", cite, shown=f"“{cite[1] if cite else '废止'}”")
        elif status.label == NOT_YET:
            if not writer.claims:
                cite = self.statement(document.doc_id, self._cue("effective"), when=document.effective)
                writer.claim(f"自{document.effective}起施行", cite)
            writer.say(f"目前{NOT_YET}（今天是 {today}）")


class _Sentences:
    """Builds a FactAnswer: words that state nothing checkable (`say`) and
    claims with the clause that states them (`claim`), verified later."""

    def __init__(self, subject: str) -> None:
        self.parts = [subject]
        self.citations: list[Cite] = []
        self.claims: list[tuple[str, tuple[str, ...]]] = []

    def say(self, text: str) -> None:
        self.parts.append(("，" if len(self.parts) > 1 else "") + text)

    def claim(self, sentence: str, cite: Cite | None, shown: str = "") -> None:
        marker = ""
        if cite is not None:
            if cite not in self.citations:
                self.citations.append(cite)
            marker = f"[{self.citations.index(cite) + 1}]"
            self.claims.append((shown or sentence, (cite[1],)))
        self.parts.append(("，" if len(self.parts) > 1 else "") + (shown or sentence) + marker)

    def answer(self, kind: str) -> FactAnswer:
        return FactAnswer("".join(self.parts) + "。", tuple(self.citations), False, f"status_{kind}", tuple(self.claims))
