"""Per-client rate limits: how often one client may ask, call a Gradio event,
upload or rate an answer. A token bucket per client; a refusal says when to
come back (`Retry-After`). The client is the TCP peer, or the address a proxy
named by `--forwarded-allow-ips` reports (see ui/guard.py `uvicorn_options`).
"""
from __future__ import annotations

import dataclasses
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from indexer.errors import InvalidArgumentError, PolicyQAError

MAX_TRACKED_CLIENTS = 10_000  # rotating addresses cannot grow a table without bound
RATES_ENV = "POLICYQA_RATES"


@dataclass(frozen=True)
class Rate:
    """`burst` requests at once, then one every `1 / per_second` seconds."""

    per_second: float
    burst: int

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError(f"a rate needs per_second > 0 and burst >= 1, got {self.per_second}, {self.burst}")


@dataclass(frozen=True)
class Rates:
    """Every per-client rate of the app, with its default, in one place
    (`create_app(service, rates=Rates(question=Rate(2, 40)))` raises one).
    A person asks a question every few seconds at most; a click in the UI
    fires a handful of events."""

    question: Rate = Rate(per_second=2.0, burst=30)  # POST /api/ask
    event: Rate = Rate(per_second=4.0, burst=60)  # Gradio events: questions, browsing, feedback clicks
    upload: Rate = Rate(per_second=1 / 6, burst=10)  # Gradio's upload route: 10 files, then one every 6 s
    feedback: Rate = Rate(per_second=1 / 3, burst=10)  # feedback records written

    @classmethod
    def from_env(cls, value: str | None = None) -> "Rates":
        """The defaults, with those named in $POLICYQA_RATES (or `value`)
        replaced: "question=50:200,event=10:100" (per second : burst). A
        benchmark sending hundreds of questions a second raises `question`."""
        value = os.environ.get(RATES_ENV, "") if value is None else value
        changes = {}
        names = [f.name for f in dataclasses.fields(cls)]
        for part in filter(None, (p.strip() for p in value.split(","))):
            name, _, numbers = part.partition("=")
            per_second, _, burst = numbers.partition(":")
            try:
                if name.strip() not in names:
                    raise ValueError(name)
                changes[name.strip()] = Rate(float(per_second), int(burst or max(1, float(per_second))))
            except ValueError:
                raise InvalidArgumentError(
                    f"环境变量 {RATES_ENV} 中的 {part!r} 无效：格式为 名称=每秒次数:突发次数，名称是 {'、'.join(names)}，例如 question=50:200。"
                ) from None
        return dataclasses.replace(cls(), **changes)


RATES = Rates()


class RateLimitedError(PolicyQAError):
    """Too many requests from one client; `retry_after` is in whole seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimiter:
    """One token bucket per client. `take(client)` spends a token or raises
    RateLimitedError saying how many seconds until the next one."""

    def __init__(self, rate: Rate, what: str = "请求", clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.what = what
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client → (tokens, when counted)

    def take(self, client: str) -> None:
        now = self._clock()
        with self._lock:
            tokens, then = self._buckets.pop(client, (float(self.rate.burst), now))
            tokens = min(float(self.rate.burst), tokens + (now - then) * self.rate.per_second)
            if tokens < 1.0:
                self._buckets[client] = (tokens, now)
                wait = max(1, math.ceil((1.0 - tokens) / self.rate.per_second))
                raise RateLimitedError(f"{self.what}过于频繁：请 {wait} 秒后再试。", wait)
            self._buckets[client] = (tokens - 1.0, now)
            while len(self._buckets) > MAX_TRACKED_CLIENTS:
                self._buckets.popitem(last=False)  # the client heard from longest ago
