"""Gradio's upload route (`POST /gradio_api/upload`), guarded.

Gradio writes whatever is posted there into its upload cache and keeps it for
a while, login or not (measured: 176 MB/s accepted from anyone). In front of
it, before a byte of the body is read:

* the admin secret must come with the request (header `X-PolicyQA-Admin`,
  URL-encoded; the page adds the 文件管理 password box's value to its uploads,
  see UPLOAD_SECRET_SCRIPT), checked by the same `AdminGate` as upload and
  removal, with its per-client back-off: 403 otherwise;
* each client may upload at RATES.upload (429 with `Retry-After`);
* the declared length is required (411) and the upload cache may hold at most
  UPLOAD_CACHE_QUOTA bytes in all (507 when this upload would pass it).
"""
from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from .guard import AdminGate, ManagementDeniedError, Receive, Scope, Send, scope_client, send_json
from .throttle import RATES, RateLimitedError, RateLimiter

log = logging.getLogger("policyqa.security")

UPLOAD_SECRET_HEADER = "x-policyqa-admin"
UPLOAD_CACHE_QUOTA = 400 * 1024 * 1024  # the whole upload cache: 20 files at the 20 MB cap
NEEDS_SECRET = "上传未执行：请先在“文件管理”页输入管理密码（或口令），再选择文件。"

# Added to the page's <head>: every upload the page makes carries the value of
# the 文件管理 password box. Gradio's client uploads with window.fetch, looked up
# at call time, so wrapping it here is enough.
UPLOAD_SECRET_SCRIPT = """<script>
(() => {
  const realFetch = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === "string" ? input : (input && input.url) || "";
    if (/\\/gradio_api\\/upload(\\?|$)/.test(url)) {
      const box = document.querySelector("#pq-admin-password input, #pq-admin-password textarea");
      const headers = new Headers((init && init.headers) || {});
      headers.set("X-PolicyQA-Admin", encodeURIComponent(box ? box.value : ""));
      init = Object.assign({}, init, { headers });
    }
    return realFetch.call(this, input, init);
  };
})();
</script>"""


def folder_bytes(folder: str | os.PathLike[str]) -> int:
    """Bytes of the regular files under `folder` (symbolic links not followed)."""
    total = 0
    stack = [Path(folder)]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
    return total


class UploadRouteGuard:
    """ASGI middleware for `POST {prefix}upload` (see the module)."""

    def __init__(
        self,
        app: Callable[..., Awaitable[None]],
        gate: AdminGate,
        upload_root: Callable[[], str],
        prefix: str = "/gradio_api/",
        limiter: RateLimiter | None = None,
        quota: int = UPLOAD_CACHE_QUOTA,
    ) -> None:
        self.app = app
        self.gate = gate
        self.upload_root = upload_root
        self.path = prefix + "upload"
        self.limiter = limiter or RateLimiter(RATES.upload, "上传")
        self.quota = quota

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or scope.get("path", "").rstrip("/") != self.path:
            await self.app(scope, receive, send)
            return
        client = scope_client(scope)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refusal = self._refusal(client, headers)
        if refusal is not None:
            status, message, extra = refusal
            log.warning("upload route refused (%s) from %s", status, client or "?")
            await send_json(send, status, {"error": message, "detail": message}, extra)
            return
        await self.app(scope, receive, send)

    def _refusal(self, client: str, headers: dict[str, str]) -> tuple[int, str, list[tuple[bytes, bytes]]] | None:
        """(status, message, extra headers) when the upload is refused, else None."""
        try:
            self.gate.check(unquote(headers.get(UPLOAD_SECRET_HEADER, "")), client)
        except ManagementDeniedError as e:
            message = NEEDS_SECRET if not headers.get(UPLOAD_SECRET_HEADER) else f"上传未执行：{e}"
            return 403, message, []
        try:
            self.limiter.take(client)
        except RateLimitedError as e:
            return 429, f"上传未执行：{e}", [(b"retry-after", str(e.retry_after).encode())]
        declared = _int(headers.get("content-length"))
        if declared is None:
            return 411, "上传未执行：请求缺少 Content-Length。", []
        if folder_bytes(self.upload_root()) + declared > self.quota:
            return 507, f"上传未执行：上传缓存已满（上限 {self.quota // 1024 // 1024} MB），请稍后再试。", []
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
