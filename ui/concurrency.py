"""Serving several people at once on a small machine.

* `MicroBatcher`: questions that arrive while the model is busy wait in a queue;
  when it is free, everything waiting is answered in ONE `Assistant.ask_batch`
  (one encoder pass for all). A lone question is answered at once: no timer.
* `SerialEmbedder`: the embedding model (its fast tokenizer in particular) must
  not be used from two threads at once. The index rebuild of an upload goes
  through this wrapper, one slice of texts per turn of the shared `FairLock`,
  so a question waits for at most one slice, never for the whole rebuild.
"""
from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np

log = logging.getLogger("policyqa.serving")

MAX_BATCH = 16
EMBED_SLICE = 4  # texts per turn of the model lock during a rebuild: a question waits for at most this many


@dataclass
class _Job:
    key: Hashable
    item: Any
    future: Future = field(default_factory=Future)


class MicroBatcher:
    """Runs `run(key, items) -> results` (one result per item, same order) on a
    worker thread, over every job waiting with the same key.

    When a batch of several fails, each of its jobs is run alone, so one bad
    item's error reaches only its own caller.
    """

    def __init__(self, run: Callable[[Hashable, list[Any]], Sequence[Any]], max_batch: int = MAX_BATCH) -> None:
        self._run = run
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._start_lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self.batches = 0  # for tests and measurements: batches run, items answered
        self.items = 0

    def submit(self, key: Hashable, item: Any) -> Any:
        """Queue `item` and wait for its result (or its exception)."""
        self._ensure_worker()
        job = _Job(key, item)
        self._queue.put(job)
        return job.future.result()

    def _ensure_worker(self) -> None:
        if self._worker is not None and self._worker.is_alive():
            return
        with self._start_lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._loop, name="policyqa-batcher", daemon=True)
                self._worker.start()

    def _loop(self) -> None:
        while True:
            jobs = [self._queue.get()]
            while len(jobs) < self.max_batch:
                try:
                    jobs.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            groups: dict[Hashable, list[_Job]] = {}
            for job in jobs:
                groups.setdefault(job.key, []).append(job)
            for key, group in groups.items():
                self._answer(key, group)

    def _answer(self, key: Hashable, group: list[_Job]) -> None:
        try:
            results = self._run(key, [job.item for job in group])
            self.batches += 1
            self.items += len(group)
        except BaseException as e:  # noqa: BLE001 - handed to the waiting caller
            if len(group) == 1:
                group[0].future.set_exception(e)
                return
            for job in group:
                self._answer(key, [job])
            return
        for job, result in zip(group, results, strict=True):
            job.future.set_result(result)


class FairLock:
    """A lock handed to waiting threads in the order they asked.

    `threading.Lock` is not fair: a rebuild that releases the model between
    slices and asks again at once would win it back every time, and a question
    would wait for the whole rebuild. Here a release hands the lock straight
    to the longest waiter.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Event] = deque()
        self._held = False

    def acquire(self) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                return
            turn = threading.Event()
            self._waiters.append(turn)
        turn.wait()  # released to us: `_held` stayed True on the way

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().set()
            else:
                self._held = False

    def __enter__(self) -> "FairLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class SerialEmbedder:
    """The same embedder, every use of the model under `lock`; long batches are
    cut into slices so other users of the lock get turns in between."""

    def __init__(self, embedder: Any, lock: FairLock, slice_size: int = EMBED_SLICE) -> None:
        self._embedder = embedder
        self._lock = lock
        self._slice = slice_size

    def __getattr__(self, name: str) -> Any:  # model_id, dimension, max_tokens, batch_size
        return getattr(self._embedder, name)

    def embed_batch(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        if len(texts) <= self._slice:
            with self._lock:
                return self._embedder.embed_batch(texts)
        parts = []
        for start in range(0, len(texts), self._slice):
            with self._lock:
                parts.append(self._embedder.embed_batch(texts[start : start + self._slice]))
        return np.concatenate(parts)

    def embed(self, text: str) -> np.ndarray:
        return self.embed_batch([text])[0]

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return self._embedder.count_tokens(text)

    def fits(self, text: str) -> bool:
        return self.count_tokens(text) <= self._embedder.max_tokens
