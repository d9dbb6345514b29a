"""Serving several people at once on a small machine.

* `MicroBatcher`: questions that arrive while the model is busy wait in a queue
  per client; when it is free, the waiting questions are answered in ONE
  `Assistant.ask_batch` (one encoder pass for all). A lone question is answered
  at once: no timer. A batch is filled fairly: the client that has used the
  least of the model lately (characters of its questions, decayed) first,
  within a cost budget, so a client sending many or long questions never holds
  others' questions for more than one small batch.
* `SerialEmbedder`: the embedding model (its fast tokenizer in particular) must
  not be used from two threads at once. The index rebuild of an upload goes
  through this wrapper, one slice of texts per turn of the shared `FairLock`,
  so a question waits for at most one slice, never for the whole rebuild.
"""
from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

import numpy as np

log = logging.getLogger("policyqa.serving")

MAX_BATCH = 16
# Cost (characters of questions) per batch: one question at the 500-character
# cap (about 0.5 s on 2 cores), or many short ones. A batch cannot be cut short
# once it runs, so this is what a newcomer may have to wait for.
BATCH_BUDGET = 500
USAGE_HALF_LIFE_S = 10.0  # how long a client's use of the model counts against it
REMEMBERED_CLIENTS = 4096  # clients whose recent use is remembered; bounded
EMBED_SLICE = 4  # texts per turn of the model lock during a rebuild: a question waits for at most this many


@dataclass
class _Job:
    key: Hashable
    item: Any
    seq: int = 0  # arrival order, among jobs of clients with equal use
    future: Future = field(default_factory=Future)


class BatcherBusyError(Exception):
    """A job waited longer than its time budget and was withdrawn unanswered."""


class MicroBatcher:
    """Runs `run(key, items) -> results` (one result per item, same order) on a
    worker thread, over waiting jobs with the same key.

    Jobs wait in one lane per client. Each pick takes the oldest job of the
    client whose recent use (the `cost` of its jobs taken, halved every
    USAGE_HALF_LIFE_S) plus the cost of that job is least, so clients sending many or costly jobs share
    what is left, and one that asks now and then starts with the next batch
    whatever is queued. A batch holds at most `max_batch` jobs and `budget` of
    `cost(item)` (always at least one job). When a batch of
    several fails, each of its jobs is run alone, so one bad item's error
    reaches only its own caller.
    """

    def __init__(
        self,
        run: Callable[[Hashable, list[Any]], Sequence[Any]],
        max_batch: int = MAX_BATCH,
        cost: Callable[[Any], int] = lambda item: 1,
        budget: int = BATCH_BUDGET,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._run = run
        self.max_batch = max_batch
        self._cost = cost
        self.budget = budget
        self._lanes: dict[Hashable, deque[_Job]] = {}
        self._usage: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()  # client → (use, when), oldest first
        self._seq = itertools.count()
        self._clock = clock
        self._ready = threading.Condition()
        self._start_lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self.batches = 0  # for tests and measurements: batches run, items answered
        self.items = 0
        self.trace: deque[tuple[Hashable, ...]] = deque(maxlen=256)  # clients of the latest batches, in order

    def submit(self, key: Hashable, item: Any, client: Hashable = "", timeout: float | None = None) -> Any:
        """Queue `item` in `client`'s lane and wait for its result (or its
        exception). Past `timeout` seconds a job not yet started is withdrawn
        and BatcherBusyError raised (a started one is waited for)."""
        self._ensure_worker()
        job = _Job(key, item)
        with self._ready:
            job.seq = next(self._seq)
            self._lanes.setdefault(client, deque()).append(job)
            self._ready.notify()
        try:
            return job.future.result(timeout)
        except FutureTimeout:
            if job.future.cancel():
                raise BatcherBusyError() from None
            return job.future.result()

    def _ensure_worker(self) -> None:
        if self._worker is not None and self._worker.is_alive():
            return
        with self._start_lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._loop, name="policyqa-batcher", daemon=True)
                self._worker.start()

    def _take(self) -> list[tuple[Hashable, _Job]]:
        """The next batch, (client, job) pairs, filled fairly (see the class)."""
        with self._ready:
            while not self._lanes:
                self._ready.wait()
            taken: list[tuple[Hashable, _Job]] = []
            spent = 0
            while self._lanes and len(taken) < self.max_batch:
                now = self._clock()
                # Least use once its next job is counted: a client asking short
                # questions often goes before one whose next question is long
                # and who used as much lately (use alone put a normal asker,
                # one 15-character question a second, behind 500-character floods).
                client = min(self._lanes, key=lambda c: (self._use(c, now) + self._price(self._lanes[c][0]), self._lanes[c][0].seq))
                lane = self._lanes[client]
                job = lane[0]
                price = self._price(job)
                if taken and spent + price > self.budget:
                    break
                lane.popleft()
                if not lane:
                    del self._lanes[client]
                if job.future.set_running_or_notify_cancel():  # False: withdrawn by its caller
                    taken.append((client, job))
                    spent += price
                    self._usage[client] = (self._use(client, now) + price, now)
                    self._usage.move_to_end(client)
            while len(self._usage) > REMEMBERED_CLIENTS:
                self._usage.popitem(last=False)
            return taken

    def _price(self, job: _Job) -> int:
        return max(1, self._cost(job.item))

    def _use(self, client: Hashable, now: float) -> float:
        use, when = self._usage.get(client, (0.0, now))
        return use * 0.5 ** ((now - when) / USAGE_HALF_LIFE_S)

    def _loop(self) -> None:
        while True:
            taken = self._take()
            if not taken:
                continue
            self.trace.append(tuple(client for client, _job in taken))
            groups: dict[Hashable, list[_Job]] = {}
            for _client, job in taken:
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
