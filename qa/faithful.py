"""The last word on an answer: does it give what was asked, for what was asked about?

The learned models (qa/answerability.py) decide whether the retrieved text is
on the question's topic and which sentences are best; this gate then holds the
chosen sentences to the question's slot (qa/slots.py). A sentence holding a
value of another subject, or no value at all, is not an answer; when no
sentence gives the value, and the documents do speak of the subject, the
answer says so precisely: "文件提到了X，但没有规定Y", citing the clause as
related, not as the answer.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from indexer.types import Chunk

from .evidence import Sentence, case_before
from .names import is_name
from .slots import Slot, SlotMatch, SlotReader

# Share of the subject's weight (IDF) a value's stretch of its sentence, with
# the clause's context, must hold for the value to count as the subject's.
# Tried 0.2–0.6 on the five dev sets; leaving each out in turn, the value with
# the highest abstention on the other four at false abstention ≤ 0.03 was 0.5
# every time (0.3: near-miss abstention 0.74, 0.5: 0.89, at no false abstention).
BIND_COVERAGE = 0.5
# … and a clause must hold for the answer to say the documents speak of it.
RELATED_COVERAGE = 0.6
# A candidate the selector ranked lower may answer instead, when its score is
# at least this share of the best one's.
ALTERNATIVE_SCORE = 0.3
RELATED_SENTENCES = 2


@dataclass(frozen=True)
class Partial:
    """Documents that speak of the subject but not of what was asked."""

    message: str  # 文件提到了“…”，但没有规定…。
    related: list[Sentence]


class SlotGate:
    """Holds answers to the slot of their question."""

    def __init__(self, reader: SlotReader, bind_coverage: float = BIND_COVERAGE,
                 related_coverage: float = RELATED_COVERAGE, context_of: Callable[[Chunk], str] | None = None,
                 items_under: Callable[[Sentence], list[Sentence]] | None = None) -> None:
        self.reader = reader
        # The items a lead-in sentence introduces (…主要指标如下：), which give its values.
        self.items_under = items_under or (lambda sentence: [])
        # What a clause is about beyond its words (title, headings, lead-in); its breadcrumb by default.
        self.context_of = context_of or (lambda chunk: chunk.breadcrumb)
        self.bind_coverage = bind_coverage
        self.related_coverage = related_coverage

    def _match(self, slot: Slot, sentence: Sentence) -> SlotMatch:
        return self.reader.match(slot, sentence.text, self._heading(sentence), self.bind_coverage)

    def _heading(self, sentence: Sentence) -> str:
        """The clause's context and, for a sentence going on with the case of the
        one before it (逾期不改的，处…), that sentence too: it says whose case."""
        return f"{self.context_of(sentence.chunk)} {case_before(sentence)}"

    def about_subject(self, slot: Slot, text: str) -> bool:
        """Whether `text` (a roster with its title and headings) is about the
        slot's subject: enough of it, and its rarest name. A list of contacts
        answers for its document and units, not for every subject the document
        mentions ("医疗器械的联系电话" is not the plan's lead units' phone)."""
        if any(is_name(word) for word in slot.unseen):
            return False  # a name no document uses (专利纠纷 over the plan alone)
        if not slot.subject:
            return True
        return self.reader.holds_rarest(slot, text) and self.reader.coverage(slot, text) >= self.bind_coverage

    def answering(self, slot: Slot, chosen: list[Sentence], candidates: list[Sentence], scores) -> list[Sentence]:
        """The chosen sentences that give the slot's value for its subject, with
        the chosen sentences of their clauses that give no value of the kind
        (context, not a rival figure); else the best candidates that do; else []."""
        if not slot.kind:
            return chosen
        matches = [self._match(slot, sentence) for sentence in chosen]
        # A lead-in answers through its items: the list completion quotes them.
        answers = [m.answers or (not m.holds_value and any(self._match(slot, item).answers for item in self.items_under(s)))
                   for s, m in zip(chosen, matches)]
        answering_chunks = {s.chunk.chunk_id for s, a in zip(chosen, answers) if a}
        if answering_chunks:
            return [s for s, m, a in zip(chosen, matches, answers) if a or (not m.holds_value and s.chunk.chunk_id in answering_chunks)]
        if not len(candidates):
            return []
        best = float(max(scores)) if len(scores) else 0.0
        ranked = sorted(range(len(candidates)), key=lambda i: -float(scores[i]))
        for i in ranked:
            if float(scores[i]) < ALTERNATIVE_SCORE * best:
                break
            if self._match(slot, candidates[i]).answers:
                return [candidates[i]]
        return []

    def partial(self, slot: Slot, candidates: list[Sentence], question: str) -> Partial | None:
        """"文件提到了X，但没有规定Y" when some candidate sentence, under its
        headings, holds enough of the subject; None when nothing is on topic or
        the question asks no kind of value."""
        if not slot.kind or not slot.subject or any(is_name(word) for word in slot.unseen):
            return None  # a name no document uses (华为): the documents do not speak of the subject
        texts = {id(s): f"{self._heading(s)} {s.text}" for s in candidates}
        scored = [(self.reader.coverage(slot, texts[id(s)]), s) for s in candidates]
        # On topic: most of the subject, and no other subject where the question's stands.
        on_topic = sorted(
            (pair for pair in scored if pair[0] >= self.related_coverage and not self.reader.rival(slot, texts[id(pair[1])])),
            key=lambda pair: (-pair[0], pair[1].rank),
        )
        if not on_topic:
            return None
        related = sorted((s for _, s in on_topic[:RELATED_SENTENCES]), key=lambda s: (s.rank, s.start))
        texts = " ".join(f"{self._heading(s)} {s.text}" for s in related)
        held, lacking = self.reader.present_words(slot, texts)
        # A measure asked (营业收入) is held only as written: 产业增加值 abbreviates no 产值.
        unwritten = [word for word in held if any(self.reader.measure_unwritten(whole, texts) for whole in slot.words if word in whole)]
        held, lacking = [w for w in held if w not in unwritten], [w for w in slot.words if w in lacking or w in unwritten]
        matches = [self._match(slot, s) for s in related]
        vague = next((m.vague for m in matches if m.vague), "")
        wrong_bound = next((m.wrong_bound for m in matches if m.wrong_bound), "")
        # A word no document uses may be the asking itself (联系电话 asks for 联系电话): not a subject.
        unseen = [word for word in slot.unseen if word not in slot.label and slot.label.removeprefix("具体") not in word]
        # Words as the question writes them; an English one, as its Chinese terms were read.
        written = slot.question or question
        asked = "".join(question_phrases(written, lacking + unseen))
        if wrong_bound:
            missing = f"{asked}的{'上限' if slot.bound == 'upper' else '下限'}（只写了“{wrong_bound}”多少）"
        elif vague:
            missing = f"{asked}的{slot.label}（只写了“{vague}”）" if asked else f"{slot.label}（只写了“{vague}”）"
        else:
            missing = f"{asked}的{slot.label}" if asked else slot.label
        # Named by its telling words: a word much commoner than the rarest held (产业) says little.
        weight = dict(zip(slot.words, slot.weights))
        telling = [word for word in held if weight[word] >= 0.5 * max(weight[w] for w in held)
                   and word not in self.reader.vocabulary.measure_links] or held  # 达到 links a value, names nothing
        subject = "、".join(f"“{phrase}”" for phrase in question_phrases(written, telling))
        return Partial(f"文件提到了{subject}，但没有规定{missing}。", related)


def question_phrases(question: str, words: list[str]) -> list[str]:
    """`words` as the question writes them: each found in the question, runs
    that touch or overlap merged (新能源 + 汽车 → 新能源汽车), in question order."""
    spans = []
    for word in words:
        found = re.search(re.escape(word), question, flags=re.IGNORECASE)
        if found:
            spans.append(found.span())
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [question[start:end] for start, end in merged]
