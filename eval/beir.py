"""BEIR-format datasets in the workbench: reading them, and the index of their corpus.

A BEIR dataset is a folder: `corpus.jsonl` ({"_id", "title", "text"} per
line), `queries.jsonl` ({"_id", "text"}) and `qrels/test.tsv` (a header, then
`query-id  corpus-id  score`; with no test split, every `qrels/*.tsv`).
Relevance is judged per corpus document, not by evidence text, so BEIR runs
are scored by document (eval/beir_eval.py): the clauses the index splits a
document into stand for it at the rank of its best clause.

Each corpus document becomes a text file with a sidecar naming its doc id and
title, so the index is built by the same `indexer.build.build_index` as any
corpus; the doc ids follow from the BEIR ids alone (`doc_keys`), so an index
can be checked against the corpus without any file beside it.
"""
from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from indexer.errors import InvalidArgumentError
from indexer.loaders.metadata import sanitise_doc_id

from .jsonl import json_lines

CORPUS_FILE = "corpus.jsonl"
QUERIES_FILE = "queries.jsonl"
QRELS_DIR = "qrels"
TEST_SPLIT = "test.tsv"


@dataclass(frozen=True)
class BeirDataset:
    """A BEIR dataset as read: corpus {id: (title, text)}, queries {id: text}
    and graded judgements {query id: {corpus id: grade}} (grade > 0 relevant)."""

    name: str
    corpus: dict[str, tuple[str, str]]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def is_beir(path: Path) -> bool:
    """Whether `path` is a BEIR dataset folder (it holds corpus.jsonl and queries.jsonl)."""
    path = Path(path)
    return path.is_dir() and (path / CORPUS_FILE).is_file() and (path / QUERIES_FILE).is_file()


def _json_lines(path: Path) -> Iterator[tuple[int, dict]]:
    for number, row in json_lines(path):
        if not isinstance(row, dict) or "_id" not in row or "text" not in row:
            raise InvalidArgumentError(f"{path} 第 {number} 行不是 BEIR 格式：需要字段 _id 和 text")
        yield number, row


def qrels_files(folder: Path) -> list[Path]:
    """qrels/test.tsv when there is one, else every qrels/*.tsv (sorted)."""
    qrels = folder / QRELS_DIR
    if (qrels / TEST_SPLIT).is_file():
        return [qrels / TEST_SPLIT]
    files = sorted(qrels.glob("*.tsv")) if qrels.is_dir() else []
    if not files:
        raise InvalidArgumentError(f"BEIR 数据集 {folder} 没有相关性标注：应有 {QRELS_DIR}/{TEST_SPLIT} 或 {QRELS_DIR}/*.tsv")
    return files


def _read_qrels(files: list[Path]) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    for path in files:
        with open(path, encoding="utf-8", newline="") as f:
            for number, row in enumerate(csv.reader(f, delimiter="\t"), start=1):
                if not row or (number == 1 and len(row) == 3 and not row[2].strip().lstrip("-").isdigit()):
                    continue  # blank line, or the header "query-id corpus-id score"
                if len(row) != 3 or not row[2].strip().lstrip("-").isdigit():
                    raise InvalidArgumentError(f"{path} 第 {number} 行不是“query-id<TAB>corpus-id<TAB>分数”")
                query_id, doc_id, grade = row[0].strip(), row[1].strip(), int(row[2])
                qrels.setdefault(query_id, {})[doc_id] = grade
    return qrels


def load_beir(folder: Path) -> BeirDataset:
    """Read a BEIR folder. Only judged queries with a relevant document are kept
    (BEIR's own evaluation does the same). Raises InvalidArgumentError, in one
    line, for a missing file, a malformed line, or judgements of documents or
    queries the dataset does not hold."""
    folder = Path(folder)
    if not is_beir(folder):
        raise InvalidArgumentError(f"{folder} 不是 BEIR 数据集：应含 {CORPUS_FILE} 和 {QUERIES_FILE}")
    corpus = {str(row["_id"]): (str(row.get("title") or ""), str(row["text"])) for _, row in _json_lines(folder / CORPUS_FILE)}
    texts = {str(row["_id"]): str(row["text"]) for _, row in _json_lines(folder / QUERIES_FILE)}
    qrels = _read_qrels(qrels_files(folder))
    unknown_docs = sorted({doc for judged in qrels.values() for doc in judged} - corpus.keys())
    if unknown_docs:
        raise InvalidArgumentError(f"{folder} 的标注引用了 {CORPUS_FILE} 中没有的 {len(unknown_docs)} 篇文档，如 {unknown_docs[0]}")
    judged = {query: docs for query, docs in qrels.items() if any(grade > 0 for grade in docs.values())}
    unknown_queries = sorted(judged.keys() - texts.keys())
    if unknown_queries:
        raise InvalidArgumentError(f"{folder} 的标注引用了 {QUERIES_FILE} 中没有的 {len(unknown_queries)} 个问题，如 {unknown_queries[0]}")
    if not judged:
        raise InvalidArgumentError(f"BEIR 数据集 {folder} 没有任何带相关文档的问题")
    queries = {query: texts[query] for query in texts if query in judged}
    return BeirDataset(folder.name, corpus, queries, {query: judged[query] for query in queries})


def doc_keys(corpus_ids: list[str] | dict) -> dict[str, str]:
    """{BEIR id: doc id in the index}: the id itself when it is a valid doc id,
    else its sanitised form with a short hash of the original (so two ids that
    sanitise alike stay apart)."""
    keys = {}
    for beir_id in corpus_ids:
        key = sanitise_doc_id(beir_id)
        if key != beir_id:
            key = f"{key}_{hashlib.sha256(beir_id.encode('utf-8')).hexdigest()[:8]}"
        keys[beir_id] = key
    return keys


def write_corpus(dataset: BeirDataset, corpus_dir: Path) -> int:
    """Each corpus document as `<doc id>.txt` (title, then text) with a sidecar
    giving its doc id and title; returns the number written. Unchanged files
    are not rewritten, so an index build sees nothing to redo; files of
    documents the dataset no longer holds are removed."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    keys = doc_keys(list(dataset.corpus))
    wanted = set()
    for beir_id, (title, text) in tqdm(dataset.corpus.items(), desc="写出 BEIR 语料", unit="篇"):
        key = keys[beir_id]
        body = f"{title}\n\n{text}\n" if title else f"{text}\n"
        meta = json.dumps({"doc_id": key, "title": title or beir_id}, ensure_ascii=False)
        for path, content in ((corpus_dir / f"{key}.txt", body), (corpus_dir / f"{key}.meta.json", meta)):
            wanted.add(path.name)
            if not path.is_file() or path.read_text(encoding="utf-8") != content:
                path.write_text(content, encoding="utf-8")
    for stale in corpus_dir.iterdir():
        if stale.is_file() and stale.name not in wanted:
            stale.unlink()
    return len(dataset.corpus)


def build_beir_index(dataset: BeirDataset, home: Path, echo: Callable[[str], None] = print) -> Path:
    """Write the corpus into `home`/corpus and build or update `home`/index
    from it (embedding shows a progress bar); returns the index folder."""
    from indexer.build import build_index

    corpus, index = Path(home) / "corpus", Path(home) / "index"
    count = write_corpus(dataset, corpus)
    echo(f"BEIR 索引：{index}（{dataset.name} 的 {count} 篇文档）")
    report = build_index(corpus, index)
    for reason in report.skipped:
        echo(f"已跳过：{reason}")
    return index


def check_index_matches(dataset: BeirDataset, indexed_doc_ids: set[str], index_name: str) -> None:
    """Raise InvalidArgumentError, in one line, when the index does not hold
    exactly the dataset's corpus (a document missing or one too many would
    change every figure)."""
    expected = set(doc_keys(list(dataset.corpus)).values())
    missing, extra = sorted(expected - indexed_doc_ids), sorted(indexed_doc_ids - expected)
    if missing or extra:
        detail = f"缺少 {len(missing)} 篇（如 {missing[0]}）" if missing else f"多出 {len(extra)} 篇（如 {extra[0]}）"
        raise InvalidArgumentError(
            f"索引 {index_name} 与 BEIR 语料 {dataset.name} 不一致：{detail}；请加 --build-index DIR 由语料建立索引"
            f" / index does not match the BEIR corpus: rebuild it with --build-index DIR"
        )
