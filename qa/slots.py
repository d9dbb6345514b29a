"""Answer the slot, not the topic: what a question asks for, and whether a
sentence gives it for the subject asked about.

A question names a subject (an industry, a body, a procedure…) and asks for a
kind of value (an amount, a ratio, a count, a frequency, a date, a length of
time…), sometimes a bound of it (最多 / 至少). A sentence answers only when it
holds a value of that kind and the value is bound to the subject: the
subject's words (or the terms the synonym table gives for them) stand in the
value's own stretch of the sentence (from the last full stop or semicolon
before it to the clause after it) or in the clause's headings. So the
rail-transit target does not answer a question about textiles, "定期" does not
answer "多久一次", and "不低于百分之七十" does not answer "最多多少". A
figure is of the measure it is bound to (增加值年均增长20% is no 营业收入).

How a question is read into its slot is in qa/slot_question.py; the cue
words live in qa/data/slots.json (and question_cues.json), read by
qa/slot_vocabulary.py; what is here is grammar: how coverage is weighed and
which values a slot takes.
Where a value's stretch begins and ends is in qa/stretch.py; how a text holds
a word it abbreviates or writes apart, in qa/holding.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from indexer.tokenize import words

from .cues import load_cues
from .evidence import token_set
from .holding import abbreviated, abbreviation, written_apart
from .names import is_name, is_place
from .query import Query
from .slot_question import QuestionReader, Slot
from .slot_vocabulary import load_vocabulary
from .stretch import act_after, duty_bearer, duty_subject, parties, party_of, stated_bound, value_stretch, word_before

# A calendar year read as a figure (2022年): a date, never a count.
_CALENDAR_YEAR = re.compile(r"(?:19|20)\d{2}年")


@dataclass(frozen=True)
class SlotMatch:
    """How one sentence stands to a slot."""

    holds_value: bool  # a value of the kind asked
    answers: bool  # … bound to the subject, in the bound asked
    coverage: float  # best IDF-weighted share of the subject in a value's stretch and the headings
    vague: str  # a word naming the kind without a value (定期), when no value is there
    wrong_bound: str  # "不低于" when the most was asked and only the least is given


class SlotReader:
    """Reads slots against one index's word weights (IDF)."""

    def __init__(self, idf: dict[str, float]) -> None:
        self.idf = idf
        self.vocabulary = load_vocabulary()
        self._questions = QuestionReader(idf, self.vocabulary)

    def read(self, query: Query) -> Slot:
        """What `query` asks for (qa/slot_question.py)."""
        return self._questions.read(query)

    def coverage(self, slot: Slot, text: str) -> float:
        """IDF-weighted share of the slot's subject that `text` holds."""
        total = sum(slot.weights)
        if not total:
            return 1.0  # nothing to be about but what was asked
        held = self._held(slot, text)
        return sum(weight for held_word, weight in zip(held, slot.weights) if held_word) / total

    @staticmethod
    def rarest_name(slot: Slot) -> str:
        """The subject's most telling name (科技伦理日, not 全国), "" when it names
        nothing: a verb of the asking (咨询, 处理) is not what is asked about."""
        names = [(weight, word) for weight, word in zip(slot.weights, slot.words) if is_name(word)]
        return max(names)[1] if names else ""

    def holds_rarest(self, slot: Slot, text: str) -> bool:
        """Whether `text` holds the subject's most telling name, or any form of it."""
        rarest = self.rarest_name(slot)
        return not rarest or self._held(replace(slot, subject=tuple(p for p in slot.subject if p[0] == rarest)), text)[0]

    def present_words(self, slot: Slot, text: str) -> tuple[list[str], list[str]]:
        """The subject's words `text` holds, and those it lacks, in question order."""
        held = self._held(slot, text)
        return [w for w, h in zip(slot.words, held) if h], [w for w, h in zip(slot.words, held) if not h]

    def rival(self, slot: Slot, text: str) -> str:
        """Another subject of the same kind where the question's stands: a name
        of the subject that `text` lacks, before a head word (产业 in
        纺织服装产业, 通信产业) that stands in `text` after another name
        (轨道交通装备 产业). Only a name before a shared head has rivals: a
        shared modifier before another head (专利执法, 专利管理部门), an
        adverb (对外公布, 向社会公布) or a count (一项专利) says nothing.
        Returns the rival name, "" when there is none."""
        if not slot.in_order:
            return ""
        asked = [w for w in words(slot.question) if w.strip()]
        held = dict(zip(slot.words, self._held(slot, text)))
        lowered = text.lower()
        written = self._modified_heads([w for w in words(text) if w.strip()])
        asked_pairs = self._modified_heads(asked)
        wh = load_cues().wh
        asked_after_wh = {word for before, word in zip(asked, asked[1:]) if wh.fullmatch(before)}
        for name, head in asked_pairs:
            if held.get(name, name.lower() in lowered) or not is_name(name) or head in self.vocabulary.generic:
                continue  # only a name the text lacks can have a rival in it
            if name in asked_after_wh:
                continue  # 在什么期限内通知: the word a question word asks for is the value, not a subject
            if name in self.vocabulary.generic or name in self.vocabulary.asking.get(slot.kind, ()):
                continue  # 哪个机关 asks for the body: 国家统计局 is the answer, not a rival
            if abbreviation(name).search(text):
                continue  # … written out in full (人大常委会: 人民代表大会常务委员会) it is no rival of itself
            for other, other_head in written:
                # 专利管理部门 rivals 供应链管理部门 even when 专利 stands elsewhere in the question (专利纠纷).
                if other_head == head and other != name and (other, head) not in asked_pairs and is_name(other):
                    if not self._named_by_question(other, head, slot):
                        return other
        return self._possessor_rival(slot, asked, held, text)

    def _named_by_question(self, other: str, head: str, slot: Slot) -> bool:
        """Whether `other` is no other subject: a generic word (部门, 单位), a word
        the question itself writes before the same head, alone or in a word, as a modifier
        stands before what it modifies (长岛…试验区, 环境监测…记录; not 专利 of
        …管理部门申请处理专利纠纷), or a longer form of one of its words (旧城区
        of 旧城改造)."""
        if other in self.vocabulary.generic:
            return True
        asked = [word for word in words(slot.whole or slot.question) if word.strip()]
        if any(len(word) >= 2 and other.startswith(word) and other != word for word in asked):
            return True
        firsts = [position for position, word in enumerate(asked) if other in word]
        return bool(firsts) and head in asked[firsts[0] + 1 :]

    def _possessor_rival(self, slot: Slot, asked: list[str], held: dict[str, bool], text: str) -> str:
        """X 的 Y: when no name of X stands in `text` but other names stand right
        before Y (or a form of it) there, they are X's rival: 智能家居的营收目标
        against 智能制造装备产业营业收入达到400亿元. Returns them joined, "" when none.

        When Y is a measure and no document uses X, X itself is returned: a
        figure is always someone's, and none of the library's is that of a
        subject it never names (元宇宙的营收目标, with no name before 营业收入).
        So is X when Y is what is asked (补充证据的期限, 公积金的比例): the
        value asked is X's, and `text` does not name X."""
        if "的" not in asked:
            return ""
        at = asked.index("的")
        possessor = self._name_run(asked, at)
        if not possessor or any(held.get(word, word.lower() in text.lower()) for word in possessor):
            return ""
        attribute = asked[at + 1] if at + 1 < len(asked) else ""
        if attribute in self.vocabulary.asking_words:
            return "".join(possessor)
        if attribute in self.vocabulary.measures and any(word not in self.idf for word in possessor):
            return "".join(possessor)
        forms = dict(slot.subject).get(attribute, frozenset({attribute}))
        written = [w for w in words(text) if w.strip()]
        for position, word in enumerate(written):
            # A place before Y (宁波市电梯) qualifies Y, as the router reads it: no other X.
            run = [name for name in self._name_run(written, position) if not is_place(name)] if word in forms else []
            if run and not set(run) & set(asked):
                return "".join(run)
        return ""

    def _name_run(self, sequence: list[str], end: int) -> list[str]:
        """The names standing right before position `end` (智能制造装备 产业), generic words excluded."""
        start = end
        while start > 0 and is_name(sequence[start - 1]) and sequence[start - 1] not in self.vocabulary.generic:
            start -= 1
        return sequence[start:end]

    def _modified_heads(self, sequence: list[str]) -> list[tuple[str, str]]:
        """(modifier, head) pairs of a word sequence: each word with the next,
        and a compound with the two-character word it ends in (通信产业 →
        通信, 产业)."""
        pairs = []
        for position, word in enumerate(sequence):
            if position + 1 < len(sequence) and len(sequence[position + 1]) >= 2 and sequence[position + 1] in self.idf:
                pairs.append((word, sequence[position + 1]))
            if len(word) >= 4 and word[-2:] in self.idf:
                pairs.append((word[:-2], word[-2:]))
        return pairs

    @classmethod
    def _held(cls, slot: Slot, text: str) -> list[bool]:
        return cls._held_words(slot.subject, text)

    @staticmethod
    def _held_words(subject: tuple[tuple[str, frozenset[str]], ...], text: str) -> list[bool]:
        """Per subject word: `text` has it or one of its alternatives as a word,
        or its characters in order a few apart, as an abbreviation stands for
        its full form (高校 高等学校, 人大常委会 人民代表大会常务委员会)."""
        present = token_set(text)
        held = [
            bool(forms & present) or any(abbreviated(form, text) or written_apart(form, text) for form in forms)
            for _word, forms in subject
        ]
        # A piece of a held compound is held with it (监管部 of 监管部门: jieba's search cut makes both).
        names = [word for word, _ in subject]
        return [h or any(held[j] and word in other and word != other for j, other in enumerate(names))
                for h, word in zip(held, names)]

    def match(self, slot: Slot, sentence: str, heading: str, bind_coverage: float) -> SlotMatch:
        """Whether `sentence` (under the clause headings `heading`) gives the
        slot's value for its subject: some value of the kind whose stretch,
        with the headings, holds at least `bind_coverage` of the subject, and
        is not stated as the opposite bound."""
        vocabulary = self.vocabulary
        pattern = vocabulary.values.get(slot.kind)
        spans = [m.span() for m in pattern.finditer(sentence)] if pattern is not None else []
        if not spans:
            vague_pattern = vocabulary.vague.get(slot.kind)
            vague = vague_pattern.search(sentence) if vague_pattern is not None else None
            return SlotMatch(False, False, 0.0, vague.group(0) if vague else "", "")
        best, wrong_bound, answers = 0.0, "", False
        for start, end in spans:
            if sentence[start:end] in slot.stated:
                continue  # the question's own premise (存根联要保存5年), not what it asks
            if self._another_party(slot, sentence, start):
                continue  # 对单位处五万元, where the fine of 个人 was asked
            if self._another_bearer(slot, sentence, start):
                continue  # 债权人应当…三十日内申报, where the 清算人's deadline was asked
            if not self._times_the_act(slot, sentence, end):
                continue  # 十日内书面答复, where the term of 举行听证 was asked
            stretch = value_stretch(sentence, start, end)
            if slot.measured and slot.measured not in stretch:
                continue  # a count of something else
            if slot.unit and slot.unit not in sentence[start:end]:
                continue  # a share (20%) where an amount of money was asked (多少亿元)
            if slot.counted and sentence[start:end].rstrip().endswith(self.vocabulary.not_count_units):
                continue  # 七日 where 几个代表 was asked
            if slot.kind == "quantity" and _CALENDAR_YEAR.fullmatch(sentence[start:end].strip()):
                continue  # 到2022年 dates a target; it counts nothing
            if slot.kind == "quantity" and sentence[:start].endswith("第"):
                continue  # 第一项 names an item; it counts nothing
            measure = self.bound_measure(sentence, start)
            if slot.measures and measure is not None and measure not in slot.measures:
                continue  # a figure of another measure (增加值 asked 营业收入)
            if slot.measures and not self._names_measure(slot, f"{heading} {stretch}"):
                continue  # 十年内不得从事 is no 有效期: the measure asked is not where the value stands
            coverage = self.coverage(slot, f"{heading} {stretch}")
            best = max(best, coverage)
            if coverage < bind_coverage or self.rival(slot, f"{heading} {stretch}"):
                continue
            stated = stated_bound(sentence, start, end, vocabulary.lower_values, vocabulary.upper_values)
            if slot.bound and stated and stated[0] != slot.bound:
                wrong_bound = wrong_bound or stated[1]
                continue
            answers = True
        return SlotMatch(True, answers, best, "", "" if answers else wrong_bound)

    @staticmethod
    def _another_party(slot: Slot, sentence: str, start: int) -> bool:
        """Whether the value is imposed on a party (对单位处…) the question does
        not name while it names another the sentence also fines (对个人…)."""
        party = party_of(sentence, start)
        if not party or party in slot.question:
            return False
        return any(other != party and other in slot.question for _, other in parties(sentence))

    @staticmethod
    def _another_bearer(slot: Slot, sentence: str, start: int) -> bool:
        """Whether the question asks what one party must do (清算人应当在什么期限内
        通知债权人) and the value is of a duty the sentence puts on another party
        the question also names (债权人应当自…三十日内申报债权). A bearer the
        question names before its own 应当 is the asker's party: in 用人单位支付
        工资的书面记录应当保存多久, the records are 用人单位's."""
        asked = duty_bearer(slot.question)
        bearer = duty_bearer(sentence[: start])
        if not (asked and bearer) or bearer == asked or asked in bearer:
            return False
        return bearer in slot.question and bearer not in duty_subject(slot.question)

    def _times_the_act(self, slot: Slot, sentence: str, end: int) -> bool:
        """Whether the time ending at `end` is the term of the act asked: the
        acts after it hold some word of it (告知 for 告诉: the object is often
        paraphrased, 持卡人 for 办卡的会员), or there are none to read
        (…的期限为三十日). 十个工作日内书面答复提供方 is no term of 举行听证."""
        acts = act_after(sentence, end)
        return not slot.act or not acts or any(self._held_words(slot.act, acts))

    def _names_measure(self, slot: Slot, text: str) -> bool:
        """Whether `text` writes one of the measures the slot asks (营业收入 or 营收…)."""
        if slot.measures & self.vocabulary.stated_measures:
            return True  # 比例 asked: 不低于百分之三十 states it
        return any(word in text for word, group in self.vocabulary.measures.items() if group in slot.measures)

    def measure_unwritten(self, word: str, text: str) -> bool:
        """Whether `word` is a measure (营业收入) no word of whose group `text` writes out."""
        group = self.vocabulary.measures.get(word)
        return group is not None and not any(
            member in text for member, other in self.vocabulary.measures.items() if other == group)

    def bound_measure(self, sentence: str, start: int) -> int | None:
        """The group of the measure a value at `start` is bound to: the last word
        before it in its clause, past the linking words (营业收入达到 400亿元,
        增加值年均增长 20%, 总产量的比例达到 50%); None when that word is no measure."""
        last = word_before(sentence, start, self.vocabulary.measure_links)
        return next((group for word, group in self.vocabulary.measures.items() if last.endswith(word)), None) if last else None
