"""Mine a thesaurus of plain words → statute terms from the law collection itself.

    python -m eval.mine_thesaurus [--laws ../shared/corpora/lawrefbook-laws-md.tar.xz] [--out qa/data/thesaurus.tsv] [--counts /tmp/counts.pkl]

The collection (3,475 laws, regulations, judicial interpretations and cases)
says in its own words what its terms mean, and that is read here, with no
list of synonyms written by hand:

- definitions: "本法所称X，是指Y", "X，是指Y", "X是Y的合同": the words of Y
  (what a layperson would describe) lead to the term X;
- aliases: "所称的X即Y" (著作权即版权) and "Y（以下称X）" (企业、个体经济组织…
  （以下称用人单位）): Y leads to X;
- abbreviations: a short word and a longer one that spells it out, first
  character first and the rest in order (社保 → 社会保险, 年假 → 年休假), used
  in the same documents.

A word is kept as a key only when it is specific (it occurs in few
definitions, is no stopword and no numbering such as 第五条) and leads to the
term more than once, or, for an abbreviation, in a fair share of the
documents that use it; its terms must be used across the collection; each
key keeps its strongest terms. Reading the collection takes minutes
(jieba over 58 MB); `--counts` keeps the counts so that the thresholds can be
revisited without reading it again. The output is the TSV of
qa/data/synonyms.tsv (`word<TAB>term,term`), read by qa/thesaurus.py. The
raw collection is read from the tarball and never written anywhere.
"""
from __future__ import annotations

import argparse
import math
import pickle
import re
import tarfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from tqdm import tqdm

from indexer.tokenize import STOPWORDS, words

from .lawbench_index import DEFAULT_LAWS

OUT = Path(__file__).resolve().parents[1] / "qa" / "data" / "thesaurus.tsv"
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
_SENTENCES = re.compile(r"[。；\n]")
# Numbering (第五条, 十三章, 六十) is no word a question asks with.
_NUMBERED = re.compile(r"[第条章节款项]|^[一二三四五六七八九十百千零两]")
_SCOPE = r"(?:(?:本|前款|前条|本条|本章|本节|前两款|第[一二三四五六七八九十百]+条)[^，。；]{0,6}所称的?)?"
DEFINITION = re.compile(_SCOPE + r"(?P<term>[\u4e00-\u9fff]{2,12})，?(?:是指|系指)(?P<body>[^。；]{4,120})")
CONTRACT = re.compile(r"(?P<term>[\u4e00-\u9fff]{2,10}合同)是(?P<body>[^。；]{4,120}?)的合同")
SAME_AS = re.compile(r"所称的?(?P<term>[\u4e00-\u9fff]{2,10})即(?P<alias>[\u4e00-\u9fff]{2,10})")
ALIAS = re.compile(r"(?P<body>[^，。；（()]{2,60})[（(]以下(?:简)?称“?(?P<term>[\u4e00-\u9fff]{2,10})”?[）)]")
# Words of definitions that say how, not what ("应当", "有关"…): never keys.
GENERIC = frozenset(
    "应当 有关 规定 依法 以及 或者 其他 包括 进行 相关 活动 行为 情况 单位 组织 个人 人员 国家 部门 人民政府 机关"
    " 法律 法规 管理 工作 从事 具有 提供 使用 指定 所在地 符合 条件 标准 一定 范围 本法 本条例 本规定 本办法 下列"
    " 方式 形式 期间 以上 以下 不得 可以 需要 通过 按照 根据 取得 造成 发生 其中 之间 除外 事项 有权 依照 办法"
    .split()
)
MAX_DEFINITIONS = 6  # a key in more definitions than this says little about any one
MIN_TERM_DOCS = 3  # a term must be used in at least this many documents of the collection
MAX_TERMS = 3  # terms kept per key
MIN_ABBREVIATION_DOCS = 3  # documents using both a short word and its spelled-out form
MIN_ABBREVIATION_SHARE = 0.2  # of the documents using the short word
MIN_PAIRS = 2  # definitions in which a key word leads to a term
# A key used in more documents than this many per definition leading to the term
# is an everyday word of the collection (领导, 发现) that defines it only in passing.
KEY_DOCS_PER_PAIR = 20


def law_texts(tarball: Path) -> Iterator[str]:
    """The body of each Markdown file of the collection (after its history lines)."""
    with tarfile.open(tarball) as archive:
        for member in archive:
            if member.isfile() and member.name.endswith(".md"):
                handle = archive.extractfile(member)
                if handle is not None:
                    yield handle.read().decode("utf-8", errors="replace").split("<!-- INFO END -->", 1)[-1]


def content_words(text: str) -> list[str]:
    """Chinese words of two characters or more that carry a topic."""
    return [w for w in dict.fromkeys(words(text)) if is_key(w)]


def is_key(word: str) -> bool:
    """A Chinese word of two characters or more, no stopword, generic word or numbering."""
    return len(word) >= 2 and bool(_HAN.match(word)) and word not in STOPWORDS and word not in GENERIC and not _NUMBERED.search(word)


def is_abbreviation(short: str, long: str) -> bool:
    """Whether `short` spells `long` in brief: same first character, the rest in order (社保, 社会保险)."""
    if len(short) >= len(long) or short[0] != long[0] or short in long:
        return False
    rest = iter(long[1:])
    return all(char in rest for char in short[1:])


class Miner:
    """Counts over the collection; `table` turns them into the thesaurus."""

    def __init__(self) -> None:
        self.pairs: Counter[tuple[str, str]] = Counter()  # (key word, term) seen in definitions or aliases
        self.key_definitions: Counter[str] = Counter()  # definitions a key word occurs in
        self.same_as: set[tuple[str, str]] = set()  # (alias, term) said outright: "所称的著作权即版权"
        # Definitions already counted: a definition copied into many regulations
        # (能源 in every province's energy act) is one definition, not many.
        self.definitions: set[tuple[str, str]] = set()
        self.doc_frequency: Counter[str] = Counter()  # documents a word occurs in
        self.documents_of: dict[str, set[int]] = defaultdict(set)  # for short words and terms

    def read(self, number: int, text: str) -> None:
        vocabulary = set(words(text))
        self.doc_frequency.update(vocabulary)
        for word in vocabulary:
            if 2 <= len(word) <= 8 and _HAN.match(word):
                self.documents_of[word].add(number)
        for sentence in _SENTENCES.split(text):
            for pattern in (DEFINITION, CONTRACT, ALIAS):
                for match in pattern.finditer(sentence):
                    self._define(match.group("term"), match.group("body"))
            for match in SAME_AS.finditer(sentence):
                self.same_as.add((match.group("alias"), match.group("term")))

    def _define(self, term: str, body: str) -> None:
        head = body[:40]  # the head of a definition names the thing
        if (term, head) in self.definitions:
            return
        self.definitions.add((term, head))
        for word in content_words(head):
            if word != term and word not in term:
                self.pairs[(word, term)] += 1
                self.key_definitions[word] += 1

    def abbreviations(self) -> dict[str, list[str]]:
        """{short word: spelled-out words used in the same documents}."""
        by_first: dict[str, list[str]] = defaultdict(list)
        for word, documents in self.documents_of.items():
            if len(word) >= 3 and len(documents) >= MIN_TERM_DOCS and not _NUMBERED.search(word):
                by_first[word[0]].append(word)
        found: dict[str, list[str]] = {}
        for short, documents in self.documents_of.items():
            if not 2 <= len(short) <= 4 or not is_key(short):
                continue
            enough = max(MIN_ABBREVIATION_DOCS, MIN_ABBREVIATION_SHARE * len(documents))
            longs = [
                long for long in by_first.get(short[0], ())
                if len(long) <= 2 * len(short) + 1 and is_abbreviation(short, long) and len(documents & self.documents_of[long]) >= enough
            ]
            if longs:
                found[short] = sorted(longs, key=lambda long: -len(documents & self.documents_of[long]))[:MAX_TERMS]
        return found

    def table(self) -> dict[str, list[str]]:
        """{key word: terms}: definitional pairs of specific keys, scored by how often
        and how exclusively the key defines the term, and abbreviations."""
        scored: dict[str, list[tuple[float, str]]] = defaultdict(list)
        for (key, term), count in self.pairs.items():
            if count < MIN_PAIRS or self.key_definitions[key] > MAX_DEFINITIONS or self.doc_frequency[term] < MIN_TERM_DOCS:
                continue
            if self.doc_frequency[key] > KEY_DOCS_PER_PAIR * count:
                continue
            share = count / self.key_definitions[key]
            scored[key].append((share * math.log1p(self.doc_frequency[term]), term))
        result = {key: [term for _, term in sorted(terms, reverse=True)[:MAX_TERMS]] for key, terms in scored.items()}
        for alias, term in self.same_as:  # said outright once is enough
            if is_key(alias):
                result[alias] = list(dict.fromkeys([term, *result.get(alias, [])]))[:MAX_TERMS]
        for short, longs in self.abbreviations().items():
            result[short] = list(dict.fromkeys(result.get(short, []) + longs))[:MAX_TERMS]
        return result


def mine(tarball: Path, counts: Path | None = None) -> dict[str, list[str]]:
    """The thesaurus of the collection in `tarball`; `counts`: where the counts are kept between runs."""
    if counts is not None and counts.is_file():
        with open(counts, "rb") as f:
            miner = pickle.load(f)
    else:
        miner = Miner()
        for number, text in enumerate(tqdm(law_texts(tarball), desc="读取法律法规合集", unit="篇", mininterval=5)):
            miner.read(number, text)
        if counts is not None:
            with open(counts, "wb") as f:
                pickle.dump(miner, f)
    return miner.table()


def write_table(table: dict[str, list[str]], out: Path, source: str) -> None:
    lines = [
        "# word<TAB>statute terms it leads to: MINED from the law collection by eval/mine_thesaurus.py, not written by hand",
        f"# source: {source}; rebuild: python -m eval.mine_thesaurus --laws <tarball> --out {out.name}",
    ]
    lines += [f"{key}\t{','.join(terms)}" for key, terms in sorted(table.items())]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="从法律法规合集挖掘“常用词 → 法律术语”词表")
    parser.add_argument("--laws", type=Path, default=DEFAULT_LAWS, help="LawRefBook 合集 .tar.xz")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--counts", type=Path, default=None, help="计数缓存文件（不在仓库内）：有则读取，无则写入")
    args = parser.parse_args(argv)
    if not args.laws.is_file():
        raise SystemExit(f"找不到法律法规合集：{args.laws}")
    table = mine(args.laws, args.counts)
    write_table(table, args.out, args.laws.name)
    print(f"{len(table)} 个词 → {args.out}")


if __name__ == "__main__":
    main()
