"""Questions that ask several things at once, answered part by part.

"新能源车产量目标定了多少？充电、加氢这些配套设施怎么安排？" asks two
things; answered as one question, an unanswerable part can sink the answer
to the other (or hide behind it). Each asking clause is answered on its own,
and the answer says, part by part, what the documents give and what they do
not. People name the subject once: a later part too short to name one
("电话多少") is read with the clause before it, its asking words left out,
and one naming no document is read with the 《title》 named before it.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from indexer.tokenize import words

from .cues import load_cues
from .focus import tells_a_few
from .query import question_clauses
from .types import Answer, Citation

_MARKER = re.compile(r"\[(\d+)\]")
_TITLE = re.compile(r"《[^《》]+》")
# A part this short once its asking words are gone (电话多少 → 电话, 啥时候建成 → 时候建成) names no subject of its own.
SHORT_PART = 6
# Parts answered one by one, each a retrieval of its own: a question of 500
# characters asking 65 things took 20 s and held every other asker's question
# behind it. Dev questions ask at most 3.
MAX_PARTS = 4
# … and only in a question this long: each part answered costs a retrieval and
# an answer of its own, which a long question (500 characters asking 40
# things: 1.6 s) would spend while everyone else's questions wait. The longest
# dev question asking several things has 90 characters.
PARTS_MAX_CHARS = 200
# After an asking word, a count and its measure word (哪一条, 几个, 哪年) or 里 / 儿 (哪里).
_COUNTED = re.compile(r"[一二两三四五六七八九十\d]*[个条项家部类种位所批里儿些年月天次]?")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# This many characters after the asking word name more of the subject (哪一条规定了预留份额).
NAMED_AFTER = 4


def parts_note(question: str, parts: list[str]) -> str:
    """Why `question`'s `parts` are not all answered one by one ("" when they are)."""
    if len(parts) > 1 and len(question) > PARTS_MAX_CHARS:
        return f"这个问题较长（{len(question)} 字）且包含 {len(parts)} 个提问，已按整体回答；分开提问可逐项回答。"
    if len(parts) > MAX_PARTS:
        return f"这个问题包含 {len(parts)} 个提问，只分别回答了前 {MAX_PARTS} 个；其余请分开提问。"
    return ""


def parts_answered(question: str, parts: list[str]) -> list[str]:
    """The parts of `question` answered one by one: at most MAX_PARTS, none in
    a question over PARTS_MAX_CHARS characters (it is answered whole)."""
    return [question] if len(question) > PARTS_MAX_CHARS else parts[:MAX_PARTS]


def asking_parts(question: str) -> list[str]:
    """The clauses of `question` that ask, each with what it needs of the
    clause before it; one item when it asks one thing."""
    cues = load_cues()
    clauses = [c.strip(" ，,。？?！!；;") for c in question_clauses(question)]
    clauses = [c for c in clauses if c]
    asking = [i for i, clause in enumerate(clauses) if cues.question.search(clause)]
    asking = [i for i in asking if not tells_a_few(clauses[i])] or asking  # 雇了几个船员 asks nothing
    if len(asking) < 2:
        return [question]
    parts = []
    for position, index in enumerate(asking):
        begin = asking[position - 1] + 1 if position else 0
        text = "，".join(clauses[begin : index + 1])
        if parts and len(cues.wh.sub("", text)) < SHORT_PART and (named := _named_before_asking(parts[-1])):
            text = f"{named}，{text}"  # 电话多少: of the unit the clause before names
        elif parts and not _TITLE.search(text) and (titles := _TITLE.findall("".join(parts))):
            text = f"{titles[-1]}{text}"  # 从什么时候开始施行: of the document named before
        parts.append(text + "？")
    return parts


def naming_the_document(parts: list[str], title: str, names_a_document: Callable[[str], bool]) -> list[str]:
    """Later parts that name no document read the one the whole question names
    by its title written plainly, as they read a 《title》 (asking_parts):
    "青岛市优化营商环境条例啥时候施行？是哪次会议通过的？" → "《…》是哪次会议通过的？",
    not another law's history."""
    return [parts[0], *(part if _TITLE.search(part) or names_a_document(part) else f"《{title}》{part}" for part in parts[1:])]


def _named_before_asking(part: str) -> str:
    """What a part names around its asking word, without it or the words that
    led to it: 新能源汽车产业的牵头单位是哪个 → 新能源汽车产业的牵头单位, 试验场建在哪个区
    → 试验场; 《中小企业促进法》哪一条规定了预留份额 → 《中小企业促进法》规定了预留份额
    (what follows it is kept when it names more). Cutting the asking words out
    alone left their remains (牵头单位是个, 建在个区)."""
    cues = load_cues()
    text = part.rstrip(" ，,、？?")
    asking = cues.question.search(text)
    if not asking:
        return _without_lead_in(text, cues.lead_ins)
    rest = text[asking.end():]
    rest = rest[_COUNTED.match(rest).end():]  # 哪一条, 几个, 哪里: the count or place word goes with it
    if len(_HAN.findall(rest)) >= NAMED_AFTER:
        return cues.question.sub("", text[: asking.start()] + rest)
    return _without_lead_in(text[: asking.start()], cues.lead_ins)


def _without_lead_in(text: str, lead_ins: tuple[str, ...]) -> str:
    """`text` without the lead-in words it ends with, each a whole word to
    jieba (是 goes, 能 of 人工智能 stays)."""
    sequence = words(text.rstrip(" ，,、"))
    while sequence and (sequence[-1] in lead_ins or not sequence[-1].strip(" ，,、")):
        sequence.pop()
    return "".join(sequence)


def combine(whole: Answer, parts: list[str], answers: list[Answer]) -> Answer:
    """One answer holding each part's answer or its own "未提及", citations
    renumbered in order; abstained only when every part is. The passages stay
    the whole question's: retrieval is judged on what was asked."""
    texts: list[str] = []
    citations: list[Citation] = []
    notes: list[str] = []
    for number, (part, answer) in enumerate(zip(parts, answers), start=1):
        offset = len(citations)
        text = _MARKER.sub(lambda m: f"[{int(m.group(1)) + offset}]", answer.text)
        texts.append(f"（{number}）{part.rstrip('？')}：{text}")
        citations += [replace(citation, n=citation.n + offset) for citation in answer.citations]
        notes += [note for note in answer.notes if note not in notes]
    timings = {key: whole.timings_ms.get(key, 0.0) + sum(a.timings_ms.get(key, 0.0) for a in answers) for key in whole.timings_ms}
    return Answer(whole.question, "\n".join(texts), all(a.abstained for a in answers), citations, whole.hits, timings, notes,
                  parts=tuple(answers))
