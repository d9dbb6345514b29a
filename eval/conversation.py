"""Multi-turn measurement: is each follow-up answered as its full question would be?

    python -m eval.conversation --dataset eval/data/conversations/dev_multiturn.jsonl --index-dir index

Each line of the dataset is a conversation: {"id", "turns": [{"question",
"evidence"}, {"question": "那山东呢？", "full_question": "…", "evidence"}, …]}.
The turns are asked in order through `Assistant.ask_in_conversation` (the
serving path of `policyqa chat`, the web UI and POST /api/ask); each
follow-up's answer is compared with the answer its full question gets asked
alone: the same top citation, or both abstaining. Also reported: Hit@5 of
the gold evidence for the follow-up and for its full question.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .metrics import is_relevant

HIT_K = 5


@dataclass(frozen=True)
class FollowUp:
    """One follow-up measured against its full question."""

    conversation: str
    question: str
    full_question: str
    understood_as: str
    same: bool  # answered as the full question is (same top citation, or both abstain)
    hit: bool  # the follow-up's top passages hold the gold evidence
    full_hit: bool


def load_conversations(path: Path) -> list[dict[str, Any]]:
    """The conversations of `path`; a malformed line fails with its number."""
    conversations = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        turns = record.get("turns")
        if not isinstance(turns, list) or not 2 <= len(turns) <= 4 or any("question" not in t for t in turns):
            raise ValueError(f"{path}:{number}: 每个对话需要 2–4 轮，每轮有 question")
        if any("full_question" not in t for t in turns[1:]):
            raise ValueError(f"{path}:{number}: 每个追问需要 full_question")
        conversations.append(record)
    return conversations


def _top(answer: Any) -> str:
    return answer.citations[0].chunk.chunk_id if answer.citations else ""


def _hit(answer: Any, evidence: list[str]) -> bool:
    return any(is_relevant(hit.chunk.text, evidence) for hit in answer.hits[:HIT_K]) if evidence else answer.abstained


def measure(assistant: Any, conversations: list[dict[str, Any]], in_conversation: bool = True) -> list[FollowUp]:
    """Every follow-up of `conversations`, asked in its conversation (or, for
    a baseline, without it) and its full question alone."""
    from qa.conversation import Turn

    results = []
    for conversation in conversations:
        history: list[Turn] = []
        for number, turn in enumerate(conversation["turns"]):
            answer = assistant.ask_in_conversation(turn["question"], history if in_conversation else [])
            cited = tuple(dict.fromkeys(c.chunk.doc_id for c in answer.citations))
            history.append(Turn(turn["question"], cited))
            if number == 0:
                continue
            full = assistant.ask(turn["full_question"])
            same = answer.abstained == full.abstained and (answer.abstained or _top(answer) == _top(full))
            evidence = [e for e in turn.get("evidence", []) if e.strip()]
            results.append(
                FollowUp(conversation["id"], turn["question"], turn["full_question"], answer.understood_as,
                         same, _hit(answer, evidence), _hit(full, evidence))
            )
    return results


def summary(results: list[FollowUp]) -> dict[str, Any]:
    n = max(len(results), 1)
    return {
        "follow_ups": len(results),
        "answered_as_full_question": round(sum(r.same for r in results) / n, 3),
        f"hit@{HIT_K}_follow_up": round(sum(r.hit for r in results) / n, 3),
        f"hit@{HIT_K}_full_question": round(sum(r.full_hit for r in results) / n, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="多轮问答评测：追问是否按其完整问题作答。")
    parser.add_argument("--dataset", type=Path, default=Path("eval/data/conversations/dev_multiturn.jsonl"))
    parser.add_argument("--index-dir", type=Path, default=Path("index"))
    parser.add_argument("--out", type=Path, help="每个追问的结果写到这个 JSON 文件")
    parser.add_argument("--verbose", action="store_true", help="列出每个追问")
    parser.add_argument("--without-history", action="store_true", help="基线：每个追问不看前文，原样作答")
    args = parser.parse_args(argv)
    from indexer.errors import PolicyQAError
    from indexer.threads import apply_thread_policy
    from qa.assistant import Assistant

    apply_thread_policy()
    try:
        conversations = load_conversations(args.dataset)
        results = measure(Assistant.open(args.index_dir), conversations, in_conversation=not args.without_history)
    except (PolicyQAError, ValueError, OSError) as e:
        print(f"错误：{e}", file=sys.stderr)
        return 2
    for r in results if args.verbose else []:
        mark = "✓" if r.same else "✗"
        print(f"{mark} {r.conversation} {r.question} → {r.understood_as or '（原样）'} | 完整：{r.full_question}")
    report = summary(results)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        rows = [r.__dict__ for r in results]
        args.out.write_text(json.dumps({"summary": report, "follow_ups": rows}, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
