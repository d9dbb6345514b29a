"""The answer time a client sees, against one plain query-encoder pass (`policyqa bench`).

The issue's outside view: `policyqa serve` is started as a user starts it (it
builds the index of the corpus first), every dev question is sent to
`POST /api/ask` over one keep-alive connection, and the round trip is timed.
Then, in the same process and with the server stopped, plain
sentence-transformers (torch, its own default threads) embeds the same
questions one at a time: what one m3e-small query-encoder pass costs here.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

START_TIMEOUT_S = 900  # the server builds corpus/'s index before it listens


def _wait_until_listening(base: str, server: subprocess.Popen, client) -> None:
    import httpx

    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"policyqa serve exited with {server.returncode}")
        try:
            if client.get(base + "/", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise RuntimeError("policyqa serve did not start in time")


def _ask_all(base: str, questions: list[str], client) -> list[float]:
    client.post(base + "/api/ask", json={"question": questions[0]}, timeout=60).raise_for_status()  # warm-up
    latencies = []
    for question in questions:
        started = time.perf_counter()
        client.post(base + "/api/ask", json={"question": question}, timeout=60).raise_for_status()
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def plain_encoder_ms(questions: list[str]) -> list[float]:
    """Milliseconds of one SentenceTransformer.encode call per question (torch,
    no thread policy: the plain library as a user would call it)."""
    from sentence_transformers import SentenceTransformer

    from indexer.embed import configured_model, resolve_model_path

    model = SentenceTransformer(resolve_model_path(configured_model()), device="cpu")
    model.encode(questions[:4])  # warm-up
    timings = []
    for question in questions:
        started = time.perf_counter()
        model.encode(question, normalize_embeddings=True)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def run_api(corpus: str, questions: list[str]) -> dict:
    """Serve `corpus` with `policyqa serve`, time `POST /api/ask` and a plain encoder pass."""
    import httpx

    from .bench import _percentile
    from .ports import free_port

    policyqa = Path(sys.executable).with_name("policyqa")
    with tempfile.TemporaryDirectory() as tmp, httpx.Client() as client:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(policyqa), "serve", "--port", str(port), "--corpus", corpus,
             "--index-dir", str(Path(tmp) / "index"), "--data-dir", str(Path(tmp) / "data")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            # One client asking back to back, far faster than a person: past the per-client rate.
            env={**os.environ, "POLICYQA_RATES": "question=1000:1000"},
        )
        try:
            _wait_until_listening(base, server, client)
            api = sorted(_ask_all(base, questions, client))
        finally:
            server.terminate()
            server.wait(timeout=60)
    encoder = sorted(plain_encoder_ms(questions))
    api_p50, encoder_p50 = statistics.median(api), statistics.median(encoder)
    return {
        "kind": "api",
        "questions": len(api),
        "api_ms_p50": round(api_p50, 1),
        "api_ms_p95": round(_percentile(api, 0.95), 1),
        "encoder_ms_p50": round(encoder_p50, 1),
        "api_over_encoder": round(api_p50 / encoder_p50, 2),
    }
