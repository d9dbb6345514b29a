"""LawBench (open-compass/LawBench) in the workbench: its task files read as
our dataset items, and ROUGE-L computed as LawBench computes it.

A LawBench task file is one JSON list of {"instruction", "question", "answer"},
the answer prefixed "答案:". For task 1-1 (法条背诵) the answer is an article's
text, its paragraphs joined by ","; those paragraphs are the gold evidence, so
a passage is relevant by the same rule as ours (eval/metrics.py). Tasks that
need generation or choice (1-2, 3-x) are out of scope (eval/README.md).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from indexer.errors import InvalidArgumentError

ANSWER_PREFIX = "答案:"
LAWBENCH_FIELDS = ("instruction", "question", "answer")


def is_lawbench(path: Path) -> bool:
    """Whether `path` is a LawBench task file (a .json list, not JSON Lines)."""
    return Path(path).suffix == ".json"


def load_lawbench(path: Path) -> list[dict]:
    """Items in our dataset format (eval/README.md) from a LawBench task file:
    id "<file stem>-<n>", the question, the answer without "答案:", its
    paragraphs as evidence, type "lawbench-<file stem>".
    Raises InvalidArgumentError for a file in another shape."""
    path = Path(path)
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InvalidArgumentError(f"无法读取 LawBench 数据集 {path}：{e}") from e
    if not isinstance(rows, list) or not rows:
        raise InvalidArgumentError(f"{path} 不是 LawBench 格式：应为非空的 JSON 列表")
    categories = _categories(path)
    items = []
    for n, row in enumerate(rows):
        if not isinstance(row, dict) or any(field not in row for field in LAWBENCH_FIELDS):
            raise InvalidArgumentError(f"{path} 第 {n + 1} 项不是 LawBench 格式：需要字段 {', '.join(LAWBENCH_FIELDS)}")
        answer = str(row["answer"]).strip().removeprefix(ANSWER_PREFIX).strip()
        items.append(
            {
                "id": f"{path.stem}-{n}",
                "question": str(row["question"]).strip(),
                "answer": answer,
                "evidence": [part for part in answer.split(",") if part.strip()],
                "type": f"lawbench-{path.stem}",
                "law": _law_named(str(row["question"]), categories),
            }
        )
    return items


def _categories(path: Path) -> tuple[str, ...]:
    """LawRefBook's category folders (民法商法, 行政法…), read from the
    statute_files.txt beside the task file; LawBench's questions start with one."""
    listing = path.parent / "statute_files.txt"
    if not listing.is_file():
        return ()
    lines = listing.read_text(encoding="utf-8").splitlines()
    return tuple(sorted({Path(line.strip()).parts[-2] for line in lines if len(Path(line.strip()).parts) > 1}, key=len, reverse=True))


def _law_named(question: str, categories: tuple[str, ...]) -> str:
    """The law a question cites, without its category: "民法商法公司法第六十条…" → "公司法"."""
    from qa.references import parse_reference

    reference = parse_reference(question)
    name = reference.name if reference else ""
    for category in categories:
        if name.startswith(category) and len(name) > len(category):
            return name[len(category):]
    return name


@lru_cache(maxsize=1)
def _tokenizer():
    import jieba

    # jieba's own dictionary, as LawBench uses it, not the one our indexer extends.
    return jieba.Tokenizer()


def rouge_l(prediction: str, reference: str) -> float:
    """LawBench's ROUGE-L F (evaluation/utils/function_utils.py): both texts cut
    by jieba and joined by spaces, an empty prediction replaced by "无内容",
    scored by `rouge_chinese.Rouge`."""
    from rouge_chinese import Rouge

    cut = _tokenizer().cut
    hypothesis = " ".join(cut(prediction))
    if not hypothesis.strip():
        hypothesis = "无内容"
    target = " ".join(cut(reference))
    if not target.strip():
        return 0.0
    return float(Rouge().get_scores(hypothesis, target)[0]["rouge-l"]["f"])
