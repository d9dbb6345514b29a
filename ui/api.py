"""The HTTP API: POST /api/ask {"question", "top_k", "doc_ids", "doc_filter", "history"} → `Answer.to_json()`.

`history` holds the conversation's previous questions, oldest first (texts, or
the answer objects this endpoint returned): a follow-up ("那山东呢？") is read
against them, and `understood_as` in the answer says how.

`doc_filter` chooses documents by their metadata, e.g. "issuer=青岛市人民政府,year=2019"
(see qa.doc_filter).

Every refusal is a 4xx with {"error": 中文说明}: the body is read while
streaming and refused past 64 KB (413), nesting deeper than 8 levels or
anything but a JSON object is a 400, `top_k` is capped (Service.ask), so is
text that is not valid Unicode (a lone surrogate). A client asking faster than
RATES.question gets a 429 with `Retry-After`; a question that waited longer than
its budget for the model, a 503 with `Retry-After`. An unexpected failure is a
500 logged as one line, never a traceback.
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from indexer.errors import PolicyQAError

from .guard import UnsafeRequestError, client_of, read_json_body
from .service import INTERNAL_ERROR, Service, ServiceBusyError
from .throttle import RATES, RateLimitedError, RateLimiter

log = logging.getLogger("policyqa.api")

DEFAULT_TOP_K = 5
MAX_DOC_IDS = 100
NOT_AN_OBJECT = '请求体必须是 JSON 对象，例如 {"question": "牵头单位是谁？", "top_k": 5}。'


def api_error(message: str, status: int = 400, retry_after: int | None = None) -> JSONResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def add_api(app: FastAPI, service: Service, limiter: RateLimiter | None = None) -> None:
    """Register POST /api/ask on `app`, each client limited by `limiter`
    (RATES.question when None)."""
    limiter = limiter or RateLimiter(RATES.question, "提问")

    @app.post("/api/ask")
    async def api_ask(request: Request):
        client = client_of(request)
        try:
            limiter.take(client)  # before the body is even read
            payload = await read_json_body(request)
        except RateLimitedError as e:
            return api_error(str(e), 429, e.retry_after)
        except UnsafeRequestError as e:
            return api_error(str(e), e.status)
        if not isinstance(payload, dict):
            return api_error(NOT_AN_OBJECT)
        question = payload.get("question")
        if not isinstance(question, str):
            return api_error("缺少问题：question 必须是文本，例如 \"牵头单位是谁？\"。")
        top_k = payload.get("top_k", DEFAULT_TOP_K)
        if top_k is None:
            top_k = DEFAULT_TOP_K
        if isinstance(top_k, bool) or not isinstance(top_k, int):
            return api_error("top_k 必须是整数，例如 5。")
        doc_ids = payload.get("doc_ids")
        if isinstance(doc_ids, list) and len(doc_ids) > MAX_DOC_IDS:
            return api_error(f"doc_ids 最多 {MAX_DOC_IDS} 项。")
        try:
            return await run_in_threadpool(
                service.ask, question, top_k, doc_ids, payload.get("doc_filter"), client, payload.get("history")
            )
        except ServiceBusyError as e:
            return api_error(str(e), 503, e.retry_after)
        except PolicyQAError as e:
            return api_error(str(e))
        except Exception as e:
            log.error("/api/ask failed: %s: %s", type(e).__name__, e)
            return api_error(INTERNAL_ERROR, 500)
