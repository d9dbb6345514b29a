"""Probes of issue 23 (part of `policyqa reliability`): what one client can
cost everyone else. Guessing the admin secret, floods of the costliest
questions, uploads and feedback clicks. Each returns its figures as a dict.
"""
from __future__ import annotations

import json
import random
import statistics
import threading
import time
import uuid
from typing import Any
from urllib.parse import quote

from .reliability import Workspace
from .reliability_http import DOC_ID, _event, _percentile, serve_process, served

NORMAL_TIMEOUT_S = 30.0  # the normal client gives up after this
FORGED_GUESSES = 8  # past the free guesses, so the real peer is backing off
NORMAL_QUESTIONS = (
    "2022年新能源汽车产量要达到多少？",
    "谁担任攻势指挥长？",
    "牵头单位的联系人和电话分别是什么？",
    "个人买电动车能拿多少购车补贴？",
)


def guessing_probe(space: Workspace, embedder: Any, guesses: int = 200) -> dict[str, Any]:
    """Wrong admin secrets through the removal event (unconfirmed, so the right
    one removes nothing). Behind a trusted proxy: `guesses` wrong ones from as
    many clients, then the admin's right one, which must be accepted at once.
    Without one: wrong guesses each with a made-up X-Forwarded-For, which must
    all count against the one real peer (127.0.0.1)."""
    import httpx

    password = "正确的管理密码-" + uuid.uuid4().hex[:8]
    figures: dict[str, Any] = {"guesses": guesses}
    for trusted in ("127.0.0.1", None):
        with served(space, embedder, password=password, forwarded_allow_ips=trusted) as (base, _service, records, app), httpx.Client(
            timeout=120
        ) as client:
            config = client.get(f"{base}/config").json()
            secret_box = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "pq-admin-password")
            remove = next(d for d in config["dependencies"] if d.get("backend_fn") and len(d["inputs"]) == 3 and d["inputs"][2] == secret_box)

            def attempt(secret: str, forwarded: str | None) -> str:
                headers = {"X-Forwarded-For": forwarded} if forwarded else None
                status, output = _event(client, base, remove["id"], [DOC_ID, False, secret], headers)
                return json.dumps(output, ensure_ascii=False) if status == 200 else f"HTTP {status}"

            if trusted:
                wrong = [attempt("猜错的密码", f"10.{n // 250}.{n % 250}.1") for n in range(guesses)]
                right = attempt(password, "10.200.0.1")
                figures["behind_proxy"] = {
                    "wrong_refused": sum("不正确" in w or "次数过多" in w for w in wrong),
                    "right_secret_accepted": "请勾选" in right,
                }
            else:
                wrong = [attempt("猜错的密码", f"10.50.{n}.1") for n in range(FORGED_GUESSES)]
                right = attempt(password, "10.200.0.1")
                figures["forged_addresses"] = {
                    "clients_counted": app.state.admin_gate.clients(),
                    "right_secret_refused_while_backing_off": "次数过多" in right,
                }
            figures.setdefault("tracebacks_logged", 0)
            figures["tracebacks_logged"] += records.tracebacks
    return figures


def costly_question(n: int = 500, seed: int = 0) -> str:
    """`n` distinct CJK characters that neither jieba's dictionary nor its HMM
    tables know (the costliest question found: jieba.posseg's Viterbi tried
    256 × 256 state pairs per character, 3.2 s a question)."""
    from jieba.posseg import char_state_tab_P

    from indexer.tokenize import word_frequency

    pool = [chr(c) for c in range(0x4E00, 0x9FD6) if chr(c) not in char_state_tab_P and not word_frequency(chr(c))]
    return "".join(random.Random(seed).sample(pool, n))


def many_parts_question(parts: int = 80, chars: int = 500) -> str:
    """A question asking `parts` things, cut at `chars` characters: the
    costliest kind found after the rare characters (65 parts took 20 s, one
    retrieval a part, until qa/parts.py MAX_PARTS and PARTS_MAX_CHARS)."""
    return "".join(("牵头单位是谁？", "联系电话是多少？", "补贴金额是多少？")[n % 3] for n in range(parts))[:chars]


def flood_probe(
    space: Workspace,
    clients: int = 16,
    seconds: float = 30.0,
    normal_every_s: float = 0.5,
    serve_args: tuple[str, ...] = ("--forwarded-allow-ips", "127.0.0.1"),
) -> dict[str, Any]:
    """`policyqa serve` (behind a "proxy" at 127.0.0.1, so each flooding thread
    is a client of its own) while `clients` clients send the costliest
    questions (half 500 rare characters, half 200 characters asking 25 things) as fast as they get answers, and one normal client asks a dev
    question every `normal_every_s`: the normal client's latencies, and every
    status the flood got."""
    import httpx

    from qa.parts import PARTS_MAX_CHARS

    statuses: dict[str, int] = {}
    normal: list[float] = []
    normal_statuses: dict[str, int] = {}
    stop = threading.Event()
    lock = threading.Lock()

    def flooder(n: int, base: str) -> None:
        # The longest question still answered part by part, or 500 rare characters.
        question = many_parts_question(chars=PARTS_MAX_CHARS) if n % 2 else costly_question(seed=n)
        headers = {"X-Forwarded-For": f"10.23.{n}.1"}
        with httpx.Client(timeout=120) as client:
            while not stop.is_set():
                try:
                    status = str(client.post(f"{base}/api/ask", json={"question": question}, headers=headers).status_code)
                except httpx.HTTPError as e:
                    status = type(e).__name__
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1

    with serve_process(space, args=serve_args) as base:
        threads = [threading.Thread(target=flooder, args=(n, base), daemon=True) for n in range(clients)]
        for t in threads:
            t.start()
        time.sleep(2.0)  # the flood is on
        with httpx.Client(timeout=NORMAL_TIMEOUT_S) as client:
            deadline = time.monotonic() + seconds
            i = 0
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    status = str(client.post(
                        f"{base}/api/ask", json={"question": NORMAL_QUESTIONS[i % 4]}, headers={"X-Forwarded-For": "10.99.0.1"}
                    ).status_code)
                except httpx.HTTPError as e:  # counted: a timeout is the figure
                    status = type(e).__name__
                normal.append(time.perf_counter() - started)
                normal_statuses[status] = normal_statuses.get(status, 0) + 1
                i += 1
                time.sleep(normal_every_s)
        stop.set()
        for t in threads:
            t.join(timeout=150)
    return {
        "flooding_clients": clients,
        "normal_questions": len(normal),
        "normal_p50_s": round(statistics.median(normal), 3),
        "normal_p95_s": round(_percentile(normal, 0.95), 3),
        "normal_statuses": normal_statuses,
        "flood_statuses": statuses,
        "server_errors": sum(v for k, v in {**statuses, **normal_statuses}.items() if k.startswith("5")),
    }


def upload_route_probe(space: Workspace, embedder: Any, uploads: int = 50, megabytes: int = 1) -> dict[str, Any]:
    """Gradio's upload route: `uploads` files of `megabytes` MB with no secret
    and with a wrong one (bytes kept in the upload cache must stay 0), then
    with the right one until the per-client rate refuses."""
    import httpx
    from gradio.utils import get_upload_folder

    from ui.upload_guard import folder_bytes

    password = "正确的管理密码-" + uuid.uuid4().hex[:8]
    block = b"x" * (megabytes * 1024 * 1024)
    statuses: dict[str, dict[str, int]] = {"none": {}, "wrong": {}, "right": {}}
    with served(space, embedder, password=password) as (base, _service, records, app), httpx.Client(timeout=120) as client:
        cache = get_upload_folder()
        before = folder_bytes(cache)
        for n in range(uploads):
            for kind, headers in (("none", {}), ("wrong", {"X-PolicyQA-Admin": f"guess-{n}"})):
                status = str(client.post(f"{base}/gradio_api/upload", files={"files": (f"f{n}.txt", block)}, headers=headers).status_code)
                statuses[kind][status] = statuses[kind].get(status, 0) + 1
        kept_anonymous = folder_bytes(cache) - before
        right_headers = {"X-PolicyQA-Admin": quote(password, safe="")}
        # The wrong guesses above were this address's: the admin is someone else behind it.
        app.state.admin_gate.forgive("127.0.0.1")
        for n in range(uploads):
            response = client.post(f"{base}/gradio_api/upload", files={"files": (f"r{n}.txt", b"ok")}, headers=right_headers)
            statuses["right"][str(response.status_code)] = statuses["right"].get(str(response.status_code), 0) + 1
            if response.status_code == 429:
                retry_after = response.headers.get("retry-after")
                break
        else:
            retry_after = None
        return {
            "uploads_each": uploads,
            "megabytes_each": megabytes,
            "statuses": statuses,
            "bytes_kept_from_unauthenticated": kept_anonymous,
            "retry_after": retry_after,
            "tracebacks_logged": records.tracebacks,
        }


def feedback_flood(space: Workspace, embedder: Any, clicks: int = 200) -> dict[str, Any]:
    """`clicks` 有用 clicks on one answer from one client, then one from each of
    three others: records written, refusals, size of feedback.jsonl."""
    from indexer.errors import PolicyQAError
    from indexer.store import load_index
    from qa.assistant import Assistant

    from ui.service import Service

    service = Service(Assistant(load_index(space.index, model_id=embedder.model_id), embedder), space.index, space.corpus, space.data)
    answer = service.ask(NORMAL_QUESTIONS[1])
    record = {"question": answer["question"], "answer": answer["answer"], "citations": answer["citations"], "rating": "有用"}
    log = service.data_dir / "feedback.jsonl"
    lines_before = len(log.read_text(encoding="utf-8").splitlines()) if log.exists() else 0
    refused: dict[str, int] = {}
    for n in range(clicks + 3):
        client = "10.0.0.1" if n < clicks else f"10.0.1.{n}"
        try:
            service.feedback(record, client)
        except PolicyQAError as e:
            kind = type(e).__name__
            refused[kind] = refused.get(kind, 0) + 1
    lines = log.read_text(encoding="utf-8").splitlines()
    return {
        "clicks_one_client": clicks,
        "other_clients": 3,
        "records_written": len(lines) - lines_before,
        "refused": refused,
        "feedback_bytes": log.stat().st_size,
    }
