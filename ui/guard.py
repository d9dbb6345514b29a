"""The security code of the web app, in one place.

* `AdminGate` (ui/admin.py, imported here): who may upload or remove
  documents, with a back-off per client for wrong guesses.
* `require_upload(path, upload_root)`: a file handed to the upload event must be
  a regular file inside Gradio's upload cache, checked before anything touches it.
* `GradioRequestGuard`: ASGI middleware in front of Gradio's own routes. It
  reads each JSON request body while streaming (refused past a size limit),
  refuses deep nesting, and refuses any `FileData` whose path lies outside the
  upload cache, before Gradio copies a single file (Gradio skips that check
  when mounted with `mount_gradio_app`).
* `read_json_body`: the same limits for `/api/ask`.
* `require_valid_text`: every string of a request must be encodable (no lone
  surrogates such as "\\ud800", which JSON's \\u escapes can carry), checked for
  /api/ask and every Gradio event before anything processes it.

Refusals are one line in the log, never a traceback.
"""
from __future__ import annotations

import json
import logging
import os
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from indexer.errors import PolicyQAError

from .admin import ADMIN_PASSWORD_ENV, AdminGate, ManagementDeniedError  # noqa: F401 - defined here before; importers keep working
from .throttle import RATES, RateLimitedError, RateLimiter

log = logging.getLogger("policyqa.security")

GRADIO_BODY_LIMIT = 1024 * 1024  # event payloads are small: files go through /upload
GRADIO_DEPTH_LIMIT = 32
API_BODY_LIMIT = 64 * 1024
API_DEPTH_LIMIT = 8

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class UnsafeRequestError(PolicyQAError):
    """A request refused before it reached the app; `status` is its HTTP code."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------------------
# Files handed to the upload event
# ---------------------------------------------------------------------------


def inside(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> bool:
    """Whether `path`, every symlink resolved, lies strictly inside `root`."""
    try:
        real = Path(os.path.realpath(path))
        base = Path(os.path.realpath(root))
    except (OSError, ValueError):
        return False
    return real != base and real.is_relative_to(base)


def require_upload(path: str | os.PathLike[str], upload_root: str | os.PathLike[str]) -> Path:
    """The resolved path of an uploaded file, which must be a regular file inside
    Gradio's upload cache; UnsafeRequestError otherwise. Nothing is read."""
    if not inside(path, upload_root):
        log.warning("upload path outside the upload cache refused: %r", str(path)[:200])
        raise UnsafeRequestError("上传的文件无效：请在“文件管理”页重新选择文件上传。", 403)
    real = Path(os.path.realpath(path))
    if not real.is_file():
        raise UnsafeRequestError("上传的文件不存在或已失效：请重新选择文件上传。", 400)
    return real


def _file_paths(value: Any, depth: int = 0):
    """Every `path` of a Gradio FileData object (a dict whose meta._type is
    gradio.FileData) anywhere in a decoded JSON value."""
    if depth > GRADIO_DEPTH_LIMIT:
        return
    if isinstance(value, dict):
        meta = value.get("meta")
        if isinstance(meta, dict) and meta.get("_type") == "gradio.FileData" and "path" in value:
            yield value.get("path")
        for item in value.values():
            yield from _file_paths(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _file_paths(item, depth + 1)


# ---------------------------------------------------------------------------
# Request bodies
# ---------------------------------------------------------------------------


def json_depth(raw: bytes) -> int:
    """The deepest nesting of [ and { in a JSON text, strings skipped; computed
    without parsing, so a hostile body never reaches the recursive parser."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _declared_length(headers: Any) -> int | None:
    try:
        value = headers.get("content-length") if hasattr(headers, "get") else None
        return int(value) if value is not None else None
    except ValueError:
        return None


def too_large(limit: int) -> UnsafeRequestError:
    return UnsafeRequestError(f"请求过大（上限 {limit // 1024} KB）：问题请控制在 500 字以内。", 413)


async def read_json_body(request: Any, limit: int = API_BODY_LIMIT, max_depth: int = API_DEPTH_LIMIT) -> Any:
    """The decoded JSON body of a Starlette request, read chunk by chunk and
    refused (UnsafeRequestError 413) as soon as it passes `limit` bytes; deeper
    than `max_depth` or not JSON: UnsafeRequestError 400."""
    declared = _declared_length(request.headers)
    if declared is not None and declared > limit:
        raise too_large(limit)
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > limit:
            raise too_large(limit)
    return decode_json(bytes(raw), max_depth)


def decode_json(raw: bytes, max_depth: int) -> Any:
    """`raw` decoded as JSON, refusing nesting deeper than `max_depth` and
    strings that are not valid text (`require_valid_text`)."""
    if json_depth(raw) > max_depth:
        raise UnsafeRequestError(f"请求的 JSON 嵌套过深（上限 {max_depth} 层）。")
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise UnsafeRequestError('请求体必须是 JSON 对象，例如 {"question": "牵头单位是谁？", "top_k": 5}。') from None
    require_valid_text(payload)
    return payload


INVALID_TEXT = "输入中含有无法识别的字符（如孤立的代理码位 U+D800–U+DFFF）：请删除这些字符或重新输入后再试。"


def require_valid_text(value: Any, depth: int = 0) -> None:
    """Raise UnsafeRequestError 400 when any string in a decoded JSON value
    (keys too) cannot be encoded as UTF-8. JSON's \\u escapes can carry a lone
    surrogate that every later step (OpenCC, jieba, the log) chokes on."""
    if depth > GRADIO_DEPTH_LIMIT:
        return  # deeper bodies were refused by json_depth before decoding
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise UnsafeRequestError(INVALID_TEXT) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            require_valid_text(key, depth + 1)
            require_valid_text(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            require_valid_text(item, depth + 1)


class GradioRequestGuard:
    """ASGI middleware for every POST to Gradio's routes except its file upload.

    The body is read while streaming (413 past GRADIO_BODY_LIMIT), refused when
    nested deeper than GRADIO_DEPTH_LIMIT, and refused (403) when it names a
    FileData path outside `upload_root()`; otherwise it is replayed unchanged.
    """

    def __init__(
        self,
        app: Callable[..., Awaitable[None]],
        upload_root: Callable[[], str],
        prefix: str = "/gradio_api/",
        limiter: RateLimiter | None = None,
    ) -> None:
        self.app = app
        self.upload_root = upload_root
        self.prefix = prefix
        self.limiter = limiter or RateLimiter(RATES.event, "操作")

    def _applies(self, scope: Scope) -> bool:
        path = scope.get("path", "")
        return (
            scope["type"] == "http"
            and scope.get("method") == "POST"
            and path.startswith(self.prefix)
            and not path.startswith(self.prefix + "upload")
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._applies(scope):
            await self.app(scope, receive, send)
            return
        try:
            self.limiter.take(scope_client(scope))
            body = await self._read(scope, receive)
            self._check(body)
        except RateLimitedError as e:
            log.warning("refused %s from %s: rate limit", scope.get("path"), scope_client(scope) or "?")
            await send_json(send, 429, {"error": str(e)}, [(b"retry-after", str(e.retry_after).encode())])
            return
        except UnsafeRequestError as e:
            log.warning("refused %s: %s", scope.get("path"), e)
            await send_json(send, e.status, {"error": str(e)})
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read(self, scope: Scope, receive: Receive) -> bytes:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        declared = _declared_length(headers)
        if declared is not None and declared > GRADIO_BODY_LIMIT:
            raise too_large(GRADIO_BODY_LIMIT)
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise UnsafeRequestError("连接已断开。", 400)
            body.extend(message.get("body", b""))
            if len(body) > GRADIO_BODY_LIMIT:
                raise too_large(GRADIO_BODY_LIMIT)
            if not message.get("more_body", False):
                return bytes(body)

    def _check(self, body: bytes) -> None:
        if not body.strip():
            return
        if json_depth(body) > GRADIO_DEPTH_LIMIT:
            raise UnsafeRequestError(f"请求的 JSON 嵌套过深（上限 {GRADIO_DEPTH_LIMIT} 层）。")
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return  # not JSON: Gradio answers it with its own 4xx
        require_valid_text(payload)  # Gradio's page shows the refusal's "error" as the event's message
        root = self.upload_root()
        for path in _file_paths(payload):
            if not isinstance(path, str) or not inside(path, root):
                raise UnsafeRequestError("请求中的文件不是通过本页面上传的，已拒绝。", 403)


async def send_json(send: Send, status: int, payload: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Answer an ASGI request with `payload` as JSON (Gradio's page shows its "error")."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def scope_client(scope: Scope) -> str:
    """The client address of an ASGI scope ("" when unknown); see `client_of`."""
    client = scope.get("client")
    return str(client[0]) if client else ""


def client_of(request: Any) -> str:
    """The client address of a Gradio or Starlette request ("" when unknown),
    the key of the per-client limits. It is the TCP peer unless the peer is a
    proxy named by `--forwarded-allow-ips` (see `uvicorn_options`): a client
    cannot choose its own address with X-Forwarded-For."""
    client = getattr(request, "client", None)
    return str(getattr(client, "host", "") or "")


def uvicorn_options(forwarded_allow_ips: str | None = None) -> dict[str, Any]:
    """uvicorn settings for the app: X-Forwarded-For is believed only from the
    proxies named (comma-separated addresses or networks, as uvicorn's
    `--forwarded-allow-ips`), never by default. uvicorn on its own trusts it
    from 127.0.0.1 (and $FORWARDED_ALLOW_IPS), so that any local client could
    pick the address its guesses and requests are counted under."""
    allowed = [ip.strip() for ip in (forwarded_allow_ips or "").split(",") if ip.strip()]
    if not allowed:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": allowed}
