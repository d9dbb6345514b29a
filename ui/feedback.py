"""Ratings of answers (有用 / 没用), appended to data/feedback.jsonl.

Bounded whatever clients do: each client may rate at RATES.feedback; one
record per answer and client (a second click on the same answer is refused,
whichever the rating); the file is rotated by size, keeping a few old parts
(feedback.jsonl.1 is the newest of them), so at most
FEEDBACK_MAX_BYTES × (FEEDBACK_KEEP + 1) bytes are ever on disk.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import Any

from indexer.errors import PolicyQAError

from .throttle import RATES, RateLimiter, Rate

FEEDBACK_FILE = "feedback.jsonl"
RATINGS = ("有用", "没用")
MAX_COMMENT_CHARS = 1000
FEEDBACK_MAX_BYTES = 8 * 1024 * 1024  # then feedback.jsonl becomes feedback.jsonl.1
FEEDBACK_KEEP = 4  # rotated parts kept
REMEMBERED_RATINGS = 100_000  # (answer, client) pairs remembered for deduplication; about 10 MB


class FeedbackError(PolicyQAError):
    """A feedback record is incomplete, a repeat, or one of too many."""


class FeedbackLog:
    """Appends ratings to `data_dir/feedback.jsonl` (see the module)."""

    def __init__(self, data_dir: Path, rate: Rate = RATES.feedback, max_bytes: int = FEEDBACK_MAX_BYTES) -> None:
        self.path = Path(data_dir) / FEEDBACK_FILE
        self.max_bytes = max_bytes
        self._limiter = RateLimiter(rate, "评价")
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, None] | None = None  # filled from the file on first use

    def record(self, record: dict[str, Any], client: str = "") -> dict[str, Any]:
        """Validate and append one rating by `client`; the entry written.
        Raises FeedbackError (incomplete, or this client already rated this
        answer) and RateLimitedError."""
        rating = record.get("rating")
        if rating not in RATINGS:
            raise FeedbackError(f"评价必须是“{RATINGS[0]}”或“{RATINGS[1]}”。")
        question = str(record.get("question") or "").strip()
        if not question:
            raise FeedbackError("请先提问，再评价回答。")
        citations = record.get("citations") or []
        if not isinstance(citations, list):
            raise FeedbackError("citations 必须是列表。")
        answer = str(record.get("answer") or "")
        entry = {
            "question": question,
            "answer": answer,
            "citations": citations,
            "rating": rating,
            "comment": str(record.get("comment") or "").strip()[:MAX_COMMENT_CHARS],
            "time": datetime.now().astimezone().isoformat(timespec="seconds"),
            "rater": _digest(client)[:12],  # tells raters apart without keeping their addresses
        }
        key = _digest(question, answer, entry["rater"])
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            seen = self._remembered()
            if key in seen:
                raise FeedbackError("您已经评价过这个回答，谢谢！")
            self._limiter.take(client)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._rotate(len(line.encode("utf-8")))
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(line)
            seen[key] = None
            while len(seen) > REMEMBERED_RATINGS:
                seen.popitem(last=False)
        return entry

    def _remembered(self) -> OrderedDict[str, None]:
        """The (answer, client) keys rated so far; read once from the current file."""
        if self._seen is None:
            self._seen = OrderedDict()
            if self.path.is_file():
                with open(self.path, encoding="utf-8", errors="replace") as f:
                    for line in f:
                        try:
                            old = json.loads(line)
                            self._seen[_digest(old["question"], old["answer"], old["rater"])] = None
                        except (ValueError, KeyError, TypeError):
                            continue
        return self._seen

    def _rotate(self, adding: int) -> None:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size + adding <= self.max_bytes:
            return
        for n in range(FEEDBACK_KEEP - 1, 0, -1):
            older = self.path.with_name(f"{FEEDBACK_FILE}.{n}")
            if older.exists():
                os.replace(older, self.path.with_name(f"{FEEDBACK_FILE}.{n + 1}"))
        os.replace(self.path, self.path.with_name(f"{FEEDBACK_FILE}.1"))


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
