"""TREC export of an evaluation run: the rankings as a run file and our
relevance judgements as qrels, so an independent tool (ranx, trec_eval) can
recompute the ranking metrics."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from .metrics import Record, gold_evidence, group_by, is_answerable, is_relevant, ranked_passages

def _trec_token(value: str, what: str) -> str:
    # TREC files are whitespace-separated; a space inside an id would shift columns.
    if not value or any(char.isspace() for char in value):
        raise ValueError(f"{what} {value!r} cannot be written to a TREC file (empty or has whitespace)")
    return value


def run_lines(records: Iterable[Record]) -> list[str]:
    """TREC run lines "qid Q0 docid rank score runname" for the answerable records.

    The score column is 1/rank, not the retriever's score: TREC tools order
    by score, and tied retriever scores would let them reorder the ranking
    we evaluated. The retriever's own scores stay in results.jsonl.
    """
    lines = []
    for record in records:
        if not is_answerable(record):
            continue
        qid = _trec_token(record["id"], "item id")
        runname = _trec_token(record["retriever"], "retriever")
        for position, passage in enumerate(ranked_passages(record), start=1):
            docid = _trec_token(passage["chunk_id"], "chunk id")
            lines.append(f"{qid} Q0 {docid} {position} {1.0 / position:.6f} {runname}")
    return lines


def judgements(records: Iterable[Record]) -> dict[str, dict[str, int]]:
    """{qid: {chunk_id: 1 or 0}} for every passage retrieved for an answerable item."""
    qrels: dict[str, dict[str, int]] = {}
    for record in records:
        evidence = gold_evidence(record)
        if not evidence:
            continue
        judged = qrels.setdefault(_trec_token(record["id"], "item id"), {})
        for passage in ranked_passages(record):
            docid = _trec_token(passage["chunk_id"], "chunk id")
            relevant = int(is_relevant(passage["text"], evidence))
            judged[docid] = max(judged.get(docid, 0), relevant)
    return qrels


def qrels_lines(records: Iterable[Record]) -> list[str]:
    """TREC qrels lines "qid 0 docid rel" (rel 1 relevant, 0 judged not relevant)."""
    return [
        f"{qid} 0 {docid} {rel}"
        for qid, judged in judgements(records).items()
        for docid, rel in judged.items()
    ]


def _write_lines(path: Path, lines: Sequence[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def write_trec(records: Sequence[Record], out_dir: str | Path) -> dict[str, Path]:
    """Write TREC run and qrels files for the answerable records; return their paths.

    - run.trec: every retriever, runname = retriever (a human-readable whole).
    - qrels.trec: judgements pooled over all retrievers.
    - run.<retriever>.trec + qrels.<retriever>.trec: one pair per retriever.
      ranx on a pair reproduces our Hit/MRR@10/nDCG@10 exactly. Use the
      pairs, not run.trec: ranx merges all lines of a run file into one run,
      and the pooled qrels give a stricter nDCG whose ideal also counts
      relevant chunks found only by the other retrievers.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "run": _write_lines(out / "run.trec", run_lines(records)),
        "qrels": _write_lines(out / "qrels.trec", qrels_lines(records)),
    }
    for retriever, group in group_by(records, lambda record: record["retriever"]).items():
        _trec_token(retriever, "retriever")
        paths[f"run.{retriever}"] = _write_lines(out / f"run.{retriever}.trec", run_lines(group))
        paths[f"qrels.{retriever}"] = _write_lines(
            out / f"qrels.{retriever}.trec", qrels_lines(group)
        )
    return paths
