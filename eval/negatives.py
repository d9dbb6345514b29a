"""Hard negatives by counterfactual substitution, and how often they are answered.

From an answerable question that asks for a value ("轨道交通装备产业2022年营收
目标定的多少？"), the subject it shares with its gold evidence is swapped for
another of the same kind that the corpus names: a name standing where the
subject stands, before or after the same word (纺织服装产业 for 轨道交通装备产业).
The new question is kept only when no sentence of the corpus gives its value
for the new subject (the slot matcher of qa/slots.py over every sentence
naming it), so the right answer is a refusal or "文件提到了X，但没有规定Y".
Answering one is the wrong-subject error this measures.

Ask swaps keep the subject and ask it for another kind of value
("轨道交通装备产业的联系电话是多少？", templates in eval/data/ask_swaps.json),
kept only when no sentence naming the subject gives that kind of value: the
topic-without-the-value error ("定期" for "多久一次").

    python -m eval.negatives --dataset eval/data/dev_qa.jsonl --index-dir index --out runs/negatives
"""
from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from qa.assistant import Assistant
from qa.parts import asking_parts
from qa.names import is_name
from qa.slots import Slot

from .run import load_dataset
from .train import collect_samples, train_models

# Swaps kept per question (of each sort: subject swaps, ask swaps).
MOST_PER_QUESTION = 3
ASK_SWAPS_PATH = Path(__file__).parent / "data" / "ask_swaps.json"
# A swapped word and its substitute weigh at least this share of the rarest word's IDF
# (most of the vocabulary is rare; the common words are 条例 0.7, 技术 0.8, 人才 2.0 of 6.5).
TELLING_SHARE = 0.4


@dataclass(frozen=True)
class Negative:
    id: str
    question: str
    source_id: str
    swapped: str  # the subject as the source question names it
    substitute: str  # … and the name put in its place
    kind: str  # what is asked: amount, ratio, frequency…
    sort: str = "subject"  # "subject": another subject; "ask": the same subject, another kind asked; "document": another document


def _sentences(assistant: Assistant) -> list[tuple[str, str, str]]:
    """(context, sentence, doc_id) of every sentence of the index."""
    composer = assistant.composer
    out = []
    for chunk in assistant.index.chunks:
        context = composer.context_of(chunk)
        out += [(context, sentence.text, chunk.doc_id) for sentence in composer.checker.sentences(chunk, 0)]
    return out


def _same_kind_names(phrase: str, question: str, corpus_words: list[list[str]]) -> list[str]:
    """Names the corpus writes where `phrase` stands in `question`: a whole word
    right before the head word that follows it there (纺织服装 before 产业). Only
    a name before a shared head is of the same kind: a word after a shared
    modifier (专利纠纷, 专利专项资金) is often of another kind altogether."""
    from indexer.tokenize import words

    asked = [w for w in words(question) if w.strip()]
    if phrase not in asked or not is_name(phrase):
        return []  # part of a compound word, or no name: no clean swap
    at = asked.index(phrase)
    head = asked[at + 1] if at + 1 < len(asked) else ""
    if len(head) < 2:
        return []
    seen: dict[str, int] = {}
    for written in corpus_words:
        for position, word in enumerate(written[1:], start=1):
            name = written[position - 1]
            if word == head and name != phrase and name not in asked:
                seen[name] = seen.get(name, 0) + 1
    # Written so at least twice (a pattern of the documents, not a chance join), and a name.
    return [name for name, count in sorted(seen.items(), key=lambda pair: -pair[1]) if count >= 2 and is_name(name)]


def _telling(word: str, idf: dict[str, float], threshold: float) -> bool:
    """A noun rarer in the corpus than most of its words (a name, not 条例 or 技术)."""
    return idf.get(word.lower(), 0.0) >= threshold and _is_noun(word)


def _is_noun(word: str) -> bool:
    """A word of two or more characters that jieba tags as a noun (n, nz, nt…)."""
    import jieba.posseg

    if len(word) < 2 or not re.fullmatch(r"[\u4e00-\u9fffA-Za-z]+", word):
        return False
    return all(pair.flag in ("n", "nz", "nt", "ns", "nl", "ng") for pair in jieba.posseg.lcut(word))


def generate(assistant: Assistant, items: list[dict], prefix: str = "neg") -> Iterator[Negative]:
    """Hard negatives from the answerable `items`: subject swaps, then ask swaps."""
    from indexer.tokenize import words

    reader = assistant.composer.slots
    idf = assistant.retriever.idf
    telling = TELLING_SHARE * max(idf.values(), default=1.0)
    sentences = _sentences(assistant)
    corpus_words = [[w for w in words(sentence) if w.strip()] for _context, sentence, _doc in sentences]
    templates = json.loads(ASK_SWAPS_PATH.read_text(encoding="utf-8"))["templates"]
    count = 0
    for position, item in enumerate(items):
        evidence = "".join(e for e in item.get("evidence", []) if e.strip())
        if not evidence or len(asking_parts(item["question"])) > 1:
            continue  # a part swapped in a question of several parts is scored part by part, not here
        slot = reader.read(assistant.parser.parse(item["question"]))
        swaps = [
            *(_subject_swaps(assistant, slot, evidence, telling, sentences, corpus_words) if slot.kind and slot.kind != "phone" else ()),
            *_ask_swaps(assistant, slot, evidence, telling, sentences, templates, position),
            # A document's dates are its metadata (status answers), not only its sentences: not swapped.
            *(_document_swaps(assistant, slot, sentences, position) if slot.kind not in ("", "date", "when") else ()),
        ]
        for text, phrase, name, kind, sort in swaps:
            count += 1
            yield Negative(f"{prefix}{count:04d}", text, item["id"], phrase, name, kind, sort)


def _subject_swaps(assistant, slot: Slot, evidence: str, telling: float, sentences, corpus_words) -> Iterator[tuple]:
    """The question with a telling word of its subject swapped for a name of the same kind."""
    from indexer.tokenize import words

    reader, gate, idf = assistant.composer.slots, assistant.composer.gate, assistant.retriever.idf
    question = slot.question
    # The telling words of the subject: whole nouns of the question its evidence holds,
    # rarer than most words of the corpus, rarest first (not 条例, 技术, 项目).
    phrases = sorted(
        {w for w in words(question) if w.strip() and w in evidence and _telling(w, idf, telling)},
        key=lambda w: -idf[w.lower()],
    )
    made = 0
    for phrase in phrases[:2]:
        for name in _same_kind_names(phrase, question, corpus_words):
            if made >= MOST_PER_QUESTION:
                return
            if not _telling(name, idf, telling):
                continue
            text = question.replace(phrase, name, 1)
            new_slot = reader.read(assistant.parser.parse(text))
            if new_slot.kind != slot.kind or _answerable(reader, gate, new_slot, name, sentences):
                continue
            made += 1
            yield text, phrase, name, slot.kind, "subject"


def _ask_swaps(assistant, slot: Slot, evidence: str, telling: float, sentences, templates: dict, position: int) -> Iterator[tuple]:
    """The question's subject, as it writes it, asked for other kinds of value it is not given."""
    reader, gate, idf = assistant.composer.slots, assistant.composer.gate, assistant.retriever.idf
    subject = _subject_phrase(slot, evidence)
    if len("".join(subject)) < 4 or not any(idf.get(w.lower(), 0.0) >= telling and is_name(w) for w in subject):
        return
    phrase, rarest = "".join(subject), max(subject, key=lambda w: idf.get(w.lower(), 0.0))
    kinds = [kind for kind in templates if kind != slot.kind]
    made = 0
    # Rotated by the question's position, so every kind and wording is asked across a set.
    for step in range(len(kinds)):
        if made >= MOST_PER_QUESTION:
            return
        kind = kinds[(position + step) % len(kinds)]
        forms = templates[kind]
        text = forms[position % len(forms)].format(subject=phrase)
        new_slot = reader.read(assistant.parser.parse(text))
        if new_slot.kind != kind or _answerable(reader, gate, new_slot, rarest, sentences):
            continue
        made += 1
        yield text, phrase, phrase, kind, "ask"


def _subject_phrase(slot: Slot, evidence: str) -> list[str]:
    """The longest run of the question's words that are all words of its subject
    its evidence holds (轨道交通 装备 产业 of "轨道交通装备产业2022年营收目标…")."""
    from indexer.tokenize import words

    subject = set(slot.words)
    runs, current = [], []
    for word in [w for w in words(slot.question) if w.strip()]:
        if word in subject and word in evidence:
            current.append(word)
        else:
            runs, current = runs + [current], []
    runs.append(current)
    return max(runs, key=lambda run: len("".join(run)))


def _answerable(reader, gate, slot: Slot, name: str, sentences: list[tuple[str, str, str]], doc_id: str = "") -> bool:
    """Whether some sentence naming `name` (or any of document `doc_id`) gives the slot's value for it."""
    return any(
        reader.match(slot, sentence, context, gate.bind_coverage).answers
        for context, sentence, of_doc in sentences
        if (of_doc == doc_id if doc_id else (name in sentence or name in context))
    )


def _document_swaps(assistant, slot: Slot, sentences, position: int) -> Iterator[tuple]:
    """The question with the document it names swapped for another the library
    holds of the same kind (one law for another, one 条例 for another), kept when
    no sentence of that document gives the value asked."""
    from qa.route import kind_of

    reader, gate, router = assistant.composer.slots, assistant.composer.gate, assistant.composer.router
    question = slot.question
    named = next(((alias, doc_id) for alias, doc_id in router.aliases if alias in question), None)
    if named is None:
        return
    alias, doc_id = named
    kind = kind_of(router.titles[doc_id])
    # One alias per other document (its shortest: how questions cite it), in a fixed order rotated per question.
    others: dict[str, str] = {}
    for other_alias, other_id in sorted(router.aliases, key=lambda pair: len(pair[0])):
        # Not a version of the named document (versions share their names).
        if other_id not in router.named[alias] and kind_of(router.titles[other_id]) == kind and other_id not in others:
            others[other_id] = other_alias
    ordered = sorted(others.items())
    made = 0
    for step in range(len(ordered)):
        if made >= MOST_PER_QUESTION:
            return
        other_id, other_alias = ordered[(position + step) % len(ordered)]
        text = question.replace(alias, other_alias, 1)
        new_slot = reader.read(assistant.parser.parse(text))
        if new_slot.kind != slot.kind or _answerable(reader, gate, new_slot, "", sentences, doc_id=other_id):
            continue
        made += 1
        yield text, alias, other_alias, slot.kind, "document"


def answered_share(assistant: Assistant, negatives: list[Negative]) -> tuple[dict[str, float], list]:
    """The wrong-subject rate (share answered) and the share refused or
    answered "文件提到了X，但没有规定Y", overall and per sort of swap; with
    the answers, in the order of `negatives`."""
    answers = assistant.ask_batch([n.question for n in negatives]) if negatives else []
    figures = _shares(answers)
    for sort in ("subject", "ask", "document"):
        of_sort = [a for n, a in zip(negatives, answers) if n.sort == sort]
        figures[sort] = _shares(of_sort)
    return figures, answers


def _shares(answers: list) -> dict[str, float]:
    if not answers:
        return {"n": 0, "wrong_subject_rate": 0.0, "refused_or_partial": 0.0, "partial": 0.0}
    answered = sum(not a.abstained for a in answers)
    return {
        "n": len(answers),
        "wrong_subject_rate": answered / len(answers),
        "refused_or_partial": 1 - answered / len(answers),
        "partial": sum(a.outcome == "partial" for a in answers) / len(answers),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="由有答案的问题替换主体或所问，生成无答案的对照问题，并测量答非所问率。")
    parser.add_argument("--dataset", action="append", required=True, type=Path, help="带标注的数据集（可多次）")
    parser.add_argument("--index-dir", default=Path("index"), type=Path)
    parser.add_argument("--out", default=Path("runs/negatives"), type=Path)
    parser.add_argument(
        "--leave-one-out", action="store_true",
        help="每个数据集的对照问题由不含该数据集训练的作答模型作答（其余 --dataset 作训练集）",
    )
    args = parser.parse_args(argv)
    from indexer.threads import apply_thread_policy

    apply_thread_policy()
    assistant = Assistant.open(args.index_dir)
    shipped = assistant.composer.models
    datasets = {path.stem: load_dataset(path) for path in args.dataset}
    samples = collect_samples(assistant, datasets) if args.leave_one_out else []
    args.out.mkdir(parents=True, exist_ok=True)
    summary = {}
    for name, items in datasets.items():
        negatives = list(generate(assistant, items, prefix=f"{name}-neg"))
        if args.leave_one_out:
            assistant.composer.models = train_models(assistant, [s for s in samples if s.dataset != name])
        summary[name], answers = answered_share(assistant, negatives)
        # Each negative with how it was answered: the answered ones are the errors to read.
        with open(args.out / f"{name}.negatives.jsonl", "w", encoding="utf-8") as f:
            for negative, answer in zip(negatives, answers):
                row = {**asdict(negative), "outcome": answer.outcome, "answer": answer.text}
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        assistant.composer.models = shipped
        print(name, json.dumps(summary[name], ensure_ascii=False), flush=True)
    (args.out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
