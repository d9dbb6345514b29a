"""The served app under attack and under load (part of `policyqa reliability`).

Each probe serves a `Workspace` (probes/reliability.py) with the real app and
returns its figures as a dict.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from eval.ports import free_port

from .reliability import PROBE_QUESTIONS, REPO, Workspace

DOC_ID = "qingdao_ai_plan"
SERVE_PASSWORD = "x" * 12  # the admin secret of the servers the probes start


class _Records(logging.Handler):
    """Every log record while serving, to count tracebacks."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def tracebacks(self) -> int:
        return sum(1 for r in self.records if r.exc_info or "Traceback" in r.getMessage())


@contextlib.contextmanager
def serve_in_thread(app: Any, forwarded_allow_ips: str | None = None) -> Iterator[str]:
    """Run `app` with uvicorn on a free local port in a daemon thread, set up as
    `policyqa serve` sets it up; its base URL."""
    import uvicorn

    from ui.guard import uvicorn_options

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **uvicorn_options(forwarded_allow_ips))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        # A browser's keep-alive and Gradio's event streams would hold a graceful stop for its full wait.
        server.force_exit = True
        thread.join(timeout=10)


@contextlib.contextmanager
def served(
    space: Workspace, embedder: Any, password: str | None = None, forwarded_allow_ips: str | None = None, rates: Any = None
) -> Iterator[tuple[str, Any, _Records, Any]]:
    """The real app over `space` on a free local port, in this process:
    (base URL, Service, the log records it wrote, the app). `rates`: the
    app's per-client limits (ui/throttle.py Rates; None: the defaults)."""
    from ui.throttle import RATES
    from indexer.store import load_index
    from qa.assistant import Assistant

    from ui.service import Service
    from ui.web import create_app

    service = Service(Assistant(load_index(space.index, model_id=embedder.model_id), embedder), space.index, space.corpus, space.data)
    records = _Records()
    logging.getLogger().addHandler(records)
    try:
        app = create_app(service, admin_password=password, rates=rates or RATES)
        with serve_in_thread(app, forwarded_allow_ips) as base:
            yield base, service, records, app
    finally:
        logging.getLogger().removeHandler(records)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _run_event(client: Any, base: str, fn_index: int, data: list[Any], headers: dict[str, str] | None = None) -> int:
    """Join Gradio's queue with `data` for event `fn_index` and wait for it to
    finish; the HTTP status of the join."""
    return _event(client, base, fn_index, data, headers)[0]


def _event(
    client: Any, base: str, fn_index: int, data: list[Any], headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """(HTTP status of the join, the event's output data or the refusal's body)."""
    session = uuid.uuid4().hex
    body = {"data": data, "event_data": None, "fn_index": fn_index, "trigger_id": None, "session_hash": session}
    joined = client.post(f"{base}/gradio_api/queue/join", json=body, headers=headers or {})
    if joined.status_code != 200:
        return joined.status_code, joined.json()
    output = None
    with client.stream("GET", f"{base}/gradio_api/queue/data", params={"session_hash": session}, timeout=120) as stream:
        for line in stream.iter_lines():
            message = json.loads(line[5:]) if line.startswith("data:") else {}
            if message.get("msg") in ("process_completed", "close_stream"):
                output = (message.get("output") or {}).get("data")
                break
    return 200, output


def security_probe(space: Workspace, embedder: Any) -> dict[str, Any]:
    """Every event of the app called with a server file as FileData, with the
    removal arguments, with no and with a guessed password; then: is the
    file's text anywhere it can be read, is any document gone?"""
    import httpx
    from gradio.utils import get_upload_folder

    marker = f"绝密测试标记{uuid.uuid4().hex[:8]}"
    secret = space.root / "secret.txt"
    secret.write_text(f"一、内部事项\n{marker}：本文件不得外传。\n", encoding="utf-8")
    corpus_before = _snapshot(space.corpus)
    file_data = {"path": str(secret), "orig_name": "secret.txt", "meta": {"_type": "gradio.FileData"}}
    os.environ.pop("POLICYQA_ADMIN_PASSWORD", None)
    statuses: dict[int, int] = {}
    from ui.throttle import Rate, Rates

    # Every event is called 5 times in a burst: past the per-client event rate, which is not what is probed here.
    rates = Rates(event=Rate(per_second=1000, burst=1000))
    with served(space, embedder, rates=rates) as (base, service, records, _app), httpx.Client(timeout=120) as client:
        config = client.get(f"{base}/config").json()
        events = [d for d in config["dependencies"] if d.get("backend_fn")]
        for event in events:
            n = len(event["inputs"])
            variants = [
                [file_data] * n,
                ([file_data] + [""] * n)[:n],
                ([file_data] + ["admin"] * n)[:n],
                ([DOC_ID, True, ""] + [""] * n)[:n],
                ([DOC_ID, True, "admin"] + ["admin"] * n)[:n],
            ]
            for data in variants:
                status = _run_event(client, base, event["id"], data)
                statuses[status] = statuses.get(status, 0) + 1
        served_file = client.get(f"{base}/gradio_api/file={secret}")
        # The question must not hold the marker: the answer echoes the question.
        asked = client.post(f"{base}/api/ask", json={"question": "内部事项是什么？哪些内容不得外传？", "top_k": 100}).text
        documents = [d["doc_id"] for d in service.list_documents()]
        cache_hits = [
            str(p) for p in Path(get_upload_folder()).rglob("*") if p.is_file() and marker.encode() in p.read_bytes()
        ]
        where = cache_hits + ["/gradio_api/file="] * (marker in served_file.text) + ["/api/ask"] * (marker in asked)
        where += ["corpus"] * any(marker.encode() in data for data in _snapshot(space.corpus).values())
        return {
            "server_file_readable": len(where),
            "readable_at": where,
            "events": len(events),
            "requests": sum(statuses.values()),
            "join_statuses": {str(k): v for k, v in sorted(statuses.items())},
            "documents_removed": int(DOC_ID not in documents),
            "corpus_changed": int(_snapshot(space.corpus) != corpus_before),
            "tracebacks_logged": records.tracebacks,
        }


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def hostile_requests(space: Workspace, embedder: Any, huge_mb: int = 300) -> dict[str, Any]:
    """/api/ask and Gradio's queue under hostile bodies: each answer's status,
    the server's memory growth for the huge body, tracebacks in the log."""
    import httpx

    def huge() -> Iterator[bytes]:
        block = b"[" + b" " * (1024 * 1024 - 1)
        for _ in range(huge_mb):
            yield block

    with served(space, embedder, password="x" * 12) as (base, _service, records, _app), httpx.Client(timeout=120) as client:
        rss = _rss_kb()
        try:
            huge_status = client.post(f"{base}/api/ask", content=huge(), headers={"content-type": "application/json"}).status_code
        except httpx.HTTPError:
            huge_status = 413  # the server stopped reading and closed the connection
        growth_mb = round((_rss_kb() - rss) / 1024, 1)
        statuses = {
            "deep_json": client.post(f"{base}/api/ask", content=b"[" * 60_000).status_code,
            "deep_json_in_object": client.post(f"{base}/api/ask", content=b'{"question": ' + b"[" * 50 + b"]" * 50 + b"}").status_code,
            "huge_streamed_body": huge_status,
            "huge_declared_length": _declared_huge(base),
            "top_k_1e9": client.post(f"{base}/api/ask", json={"question": "牵头单位是谁？", "top_k": 10**9}).status_code,
            "top_k_100": client.post(f"{base}/api/ask", json={"question": "牵头单位是谁？", "top_k": 100}).status_code,
            "not_json": client.post(f"{base}/api/ask", content=b"\xff\xfe garbage").status_code,
            "gradio_deep_json": client.post(f"{base}/gradio_api/queue/join", content=b'{"data": ' + b"[" * 5000 + b"]" * 5000 + b"}").status_code,
        }
        # A lone surrogate is valid JSON (a \u escape) but not text: refused with
        # one line, in the API and in Gradio's queue (whose page shows "error").
        surrogates = {
            "lone_surrogate": client.post(f"{base}/api/ask", content='{"question": "\\ud800牵头"}'.encode()),
            "lone_surrogate_in_doc_filter": client.post(f"{base}/api/ask", content=b'{"question": "x", "doc_filter": "\\udfff"}'),
            "gradio_lone_surrogate": client.post(
                f"{base}/gradio_api/queue/join", content=b'{"data": ["\\ud800", 5], "fn_index": 0, "session_hash": "s"}'
            ),
        }
        statuses |= {name: response.status_code for name, response in surrogates.items()}
        messages = {name: response.json().get("error", "") for name, response in surrogates.items()}
        return {
            "statuses": statuses,
            "messages": messages,
            "memory_growth_mb_for_huge_body": growth_mb,
            "huge_body_mb": huge_mb,
            "tracebacks_logged": records.tracebacks,
        }


def _declared_huge(base: str) -> int:
    """A request that declares 300 MB and sends a few bytes: refused on the header."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(
            b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 314572800\r\n\r\n{}"
        )
        status_line = s.recv(200).split(b"\r\n", 1)[0]
    return int(status_line.split()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


@contextlib.contextmanager
def running_server(
    space: Workspace, env: dict[str, str] | None = None, args: tuple[str, ...] = (), log: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """`policyqa serve` over `space` in its own process (`env` added to its
    environment, `args` to its command line, its output appended to `log`)
    until it answers: (base URL, the process). Stopped on exit, unless
    already killed."""
    import httpx

    port = free_port()
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "POLICYQA_ADMIN_PASSWORD": SERVE_PASSWORD,
        **(env or {}),
    }
    command = [sys.executable, "-m", "ui.cli", "serve", "--port", str(port), "--corpus", str(space.corpus),
               "--index-dir", str(space.index), "--data-dir", str(space.data), *args]
    with contextlib.ExitStack() as stack:
        output = stack.enter_context(open(log, "ab")) if log else subprocess.DEVNULL
        server = subprocess.Popen(command, env=environment, stdout=output, stderr=output)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 300
            while True:
                try:
                    if httpx.post(f"{base}/api/ask", json={"question": PROBE_QUESTIONS[0]}, timeout=30).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("policyqa serve did not start")
                time.sleep(0.2)
            yield base, server
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:  # busy past its shutdown grace: no server is left behind
                server.kill()
                server.wait(timeout=30)


@contextlib.contextmanager
def serve_process(space: Workspace, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> Iterator[str]:
    """`policyqa serve` over `space` in its own process until it answers; its base URL."""
    with running_server(space, env, args) as (base, _server):
        yield base


def load_test(space: Workspace, requests: int = 40, clients: int = 8) -> dict[str, Any]:
    """`policyqa serve` in its own process; one client, then `clients` at once,
    each asking `requests` dev questions over /api/ask."""
    import httpx

    questions = [json.loads(line)["question"] for line in (REPO / "eval/data/dev_qa.jsonl").read_text(encoding="utf-8").splitlines()][:24]
    # Eight clients from one address, each faster than a person: the rate limit is raised.
    with serve_process(space, {"POLICYQA_RATES": "question=1000:1000"}) as base:

        def session(count: int, offset: int, latencies: list[float]) -> None:
            with httpx.Client(timeout=60) as client:
                for i in range(count):
                    started = time.perf_counter()
                    response = client.post(f"{base}/api/ask", json={"question": questions[(offset + i) % len(questions)]})
                    response.raise_for_status()
                    latencies.append(time.perf_counter() - started)

        session(8, 0, [])  # warm-up
        single: list[float] = []
        started = time.perf_counter()
        session(requests, 0, single)
        single_rate = requests / (time.perf_counter() - started)
        many: list[float] = []
        threads = [threading.Thread(target=session, args=(requests, k * 3, many)) for k in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        many_rate = len(many) / (time.perf_counter() - started)
    p50 = statistics.median(single)
    p95 = _percentile(many, 0.95)
    return {
        "one_client": {"p50_ms": round(p50 * 1000, 1), "p95_ms": round(_percentile(single, 0.95) * 1000, 1), "req_per_s": round(single_rate, 1)},
        f"{clients}_clients": {"p50_ms": round(statistics.median(many) * 1000, 1), "p95_ms": round(p95 * 1000, 1), "req_per_s": round(many_rate, 1)},
        "p95_over_single_p50": round(p95 / p50, 2),
        "throughput_ratio": round(many_rate / single_rate, 2),
    }


def policy_text(kilobytes: int) -> str:
    """A made-up policy of about `kilobytes` KB (UTF-8): the plan's text, its
    city renamed in every part so no two parts are the same."""
    plan = (REPO / "corpus/qingdao_ai_plan.txt").read_text(encoding="utf-8")
    parts, size, n = [], 0, 0
    while size < kilobytes * 1024:
        n += 1
        part = plan.replace("青岛", f"测试{n}市")
        parts.append(part)
        size += len(part.encode("utf-8"))
    return f"测试市政策汇编（测试用虚构文件，共{n}部分）\n\n" + "\n".join(parts)


def upload_during_questions(space: Workspace, embedder: Any, kilobytes: int = 400) -> dict[str, Any]:
    """Upload a `kilobytes` KB document through the Service while a client asks a
    question every 0.2 s; the slowest answer during the rebuild."""
    from indexer.store import load_index
    from qa.assistant import Assistant

    from ui.service import Service

    service = Service(Assistant(load_index(space.index, model_id=embedder.model_id), embedder), space.index, space.corpus, space.data)
    document = space.root / "upload_probe.txt"
    document.write_text(policy_text(kilobytes), encoding="utf-8")
    result: dict[str, Any] = {}

    def upload() -> None:
        started = time.perf_counter()
        try:
            result["added"] = service.add_document(document, document.name)
        except Exception as e:  # noqa: BLE001 - reported
            result["error"] = f"{type(e).__name__}: {e}"
        result["rebuild_s"] = time.perf_counter() - started

    worker = threading.Thread(target=upload)
    latencies = []
    worker.start()
    while worker.is_alive():
        started = time.perf_counter()
        service.ask("2022年新能源汽车产量要达到多少？")
        latencies.append(time.perf_counter() - started)
        time.sleep(0.2)
    worker.join()
    return {
        "document_kb": round(document.stat().st_size / 1024),
        "rebuild_s": round(result["rebuild_s"], 1),
        "upload": "ok" if "added" in result else result.get("error"),
        "questions_during_rebuild": len(latencies),
        "slowest_answer_s": round(max(latencies), 3) if latencies else None,
        "median_answer_s": round(statistics.median(latencies), 3) if latencies else None,
    }
