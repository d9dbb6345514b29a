"""Who may upload or remove documents: `AdminGate`.

Always someone: the admin password ($POLICYQA_ADMIN_PASSWORD) when set,
otherwise a random token made at start and printed on the console (as Jupyter
does). A client that keeps guessing must wait longer and longer between
attempts (per client, never globally: the right secret from a client that has
not been guessing is always accepted at once).
"""
from __future__ import annotations

import hmac
import logging
import math
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from indexer.errors import PolicyQAError

log = logging.getLogger("policyqa.security")

ADMIN_PASSWORD_ENV = "POLICYQA_ADMIN_PASSWORD"
FREE_FAILURES = 5  # wrong guesses a client may make before it has to wait
BACKOFF_BASE_S = 2.0  # then it waits 2, 4, 8 … s after each wrong guess
BACKOFF_MAX_S = 600.0
FAILURE_MEMORY_S = 3600.0  # a client's wrong guesses are forgotten an hour after its last one
MAX_TRACKED_CLIENTS = 10_000  # rotating addresses cannot grow the table without bound


class ManagementDeniedError(PolicyQAError):
    """Upload or removal refused: wrong or missing password, or too many guesses."""




class AdminGate:
    """The secret that upload and removal require, and the guess limiter.

    `AdminGate(None)` reads $POLICYQA_ADMIN_PASSWORD and, when it is unset or
    empty, makes a random token (`generated` is then True); the caller shows it
    to whoever started the server.
    """

    def __init__(self, password: str | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        if password is None:
            password = os.environ.get(ADMIN_PASSWORD_ENV, "")
        self.generated = not password
        self.secret = password or secrets.token_urlsafe(12)
        self._clock = clock
        self._lock = threading.Lock()
        # client → (wrong guesses, time of the last one, no attempt before), oldest first
        self._failures: OrderedDict[str, tuple[int, float, float]] = OrderedDict()

    def banner(self) -> str:
        """The console line that tells the operator how to manage documents."""
        if self.generated:
            return (
                f"未设置管理密码（环境变量 {ADMIN_PASSWORD_ENV}）。本次启动的管理口令：{self.secret}\n"
                "在“文件管理”页输入该口令才能上传或删除文件；重启后口令会改变。"
            )
        return f"文件管理需要管理密码（来自环境变量 {ADMIN_PASSWORD_ENV}）。"

    def check(self, given: str | None, client: str = "") -> None:
        """Return when `given` is the secret; else raise ManagementDeniedError.

        After FREE_FAILURES wrong guesses a client must wait BACKOFF_BASE_S,
        then twice as long after each further one (up to BACKOFF_MAX_S); an
        attempt during the wait is refused unchecked, the right one too, so
        guessing gains nothing from speed. Only the guessing client waits.
        """
        now = self._clock()
        with self._lock:
            self._forget(now)
            count, _last, not_before = self._failures.get(client, (0, 0.0, 0.0))
            if now < not_before:
                log.warning("admin attempt refused (back-off) from %s", client or "?")
                raise ManagementDeniedError(f"密码错误次数过多：请 {math.ceil(not_before - now)} 秒后再试。")
            if hmac.compare_digest((given or "").encode("utf-8"), self.secret.encode("utf-8")):
                self._failures.pop(client, None)
                return
            count += 1
            wait = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** (count - FREE_FAILURES)) if count >= FREE_FAILURES else 0.0
            self._failures.pop(client, None)
            self._failures[client] = (count, now, now + wait)
            while len(self._failures) > MAX_TRACKED_CLIENTS:
                self._failures.popitem(last=False)
        log.warning("wrong admin password from %s", client or "?")
        hint = "管理密码" if not self.generated else "管理口令（见服务启动时的控制台输出）"
        raise ManagementDeniedError(f"{hint}不正确。")

    def forgive(self, client: str) -> None:
        """Forget `client`'s wrong guesses (the probes, an operator's console)."""
        with self._lock:
            self._failures.pop(client, None)

    def clients(self) -> list[str]:
        """The clients with wrong guesses on record (for the probes)."""
        with self._lock:
            return sorted(self._failures)

    def _forget(self, now: float) -> None:
        """Drop clients whose last wrong guess is older than FAILURE_MEMORY_S
        (the table is ordered by last guess, so only its head is looked at)."""
        while self._failures:
            client, (_count, last, _not_before) = next(iter(self._failures.items()))
            if now - last <= FAILURE_MEMORY_S:
                return
            del self._failures[client]
