"""Probe `bombs` of `policyqa reliability`: the first six rows of issue 23's
table, end to end against a running `policyqa serve`.

Each hostile file (probes/bombs.py) is uploaded as the admin uploads one: to
Gradio's upload route with the secret, then through the 文件管理 upload event.
Measured per file: how long until the upload is refused and which limit
refused it, the peak resident memory of the server's process tree (the server
and its reading child) while it was handled, the latency of the questions
another client asked meanwhile, and whether the file ended in the quarantine
folder and not in the corpus. Then the same upload again, the server killed
with SIGKILL while it is being read, and the time until a restarted server
answers.
"""
from __future__ import annotations

import contextlib
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .bombs import declared_image, docx_bomb, huge_image, huge_page_pdf, many_frames_tiff, ofd_bomb
from .reliability import Workspace
from .reliability_bounds import NORMAL_QUESTIONS
from .reliability_http import SERVE_PASSWORD, _event, _percentile, running_server

QUESTION_EVERY_S = 0.25
SAMPLE_EVERY_S = 0.02
# One upload and one event per bomb, four questions a second: not what is probed here.
RATES = "question=100:100,event=100:100,upload=100:100"
SCALES = ("quick", "issue", "tenfold")


@dataclass(frozen=True)
class Bomb:
    row: str  # the row
    file: str
    build: Callable[[Path], Path]


def bombs(scale: str) -> list[Bomb]:
    """The hostile files at `scale`: "issue" (the sizes of the issue's table),
    "tenfold" (the same shapes ten times larger, the JPEG at its format's
    ceiling) or "quick" (two small ones, for CI)."""
    if scale == "quick":
        return [
            Bomb("docx inflating to 300 MB", "bomb.docx", lambda p: docx_bomb(p, megabytes=300)),
            Bomb("pdf page of 23,000 × 23,000 px", "huge_page.pdf", lambda p: huge_page_pdf(p, pixels=23_000)),
        ]
    k = 10 if scale == "tenfold" else 1
    return [
        Bomb(f"docx inflating to {1.1 * k:g} GB", "bomb.docx", lambda p: docx_bomb(p, megabytes=1100 * k)),
        Bomb(f"ofd, {5_000 * k:,} pages naming one 1 MB Content.xml", "pages.ofd", lambda p: ofd_bomb(p, pages=5_000 * k, content_kb=1024)),
        Bomb(f"ofd, {1.2 * k:g} GB of XML over four pages", "xml.ofd", lambda p: ofd_bomb(p, pages=4, content_kb=300 * 1024 * k)),
        Bomb(f"pdf page of {23_000 * k:,} × {23_000 * k:,} px", "huge_page.pdf", lambda p: huge_page_pdf(p, pixels=23_000 * k)),
        Bomb(
            f"jpg declaring {min(13_000 * k, 65_535):,} × {min(13_000 * k, 65_535):,} px",
            "huge.jpg",
            (lambda p: declared_image(p, 65_535)) if k > 1 else (lambda p: huge_image(p, side=13_000)),
        ),
        Bomb(
            f"png declaring {13_000 * k:,} × {13_000 * k:,} px",
            "huge.png",
            (lambda p: declared_image(p, 130_000)) if k > 1 else (lambda p: huge_image(p, side=13_000)),
        ),
        Bomb(f"tif of {10_000 * k:,} frames", "frames.tif", lambda p: many_frames_tiff(p, frames=10_000 * k)),
    ]


class TreeMemory:
    """Samples the resident memory of a process and its descendants (the
    server and its reading child) in a thread; `peak()` since the last `reset()`."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.process = psutil.Process(pid)
        self._peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            total = 0
            with contextlib.suppress(psutil.Error):
                for process in [self.process, *self.process.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += process.memory_info().rss
            self._peak = max(self._peak, total)
            time.sleep(SAMPLE_EVERY_S)

    def reset(self) -> None:
        self._peak = 0

    def peak_mb(self) -> int:
        return round(self._peak / 1024 / 1024)

    def children(self) -> list[int]:
        import psutil

        with contextlib.suppress(psutil.Error):
            return [p.pid for p in self.process.children(recursive=True)]
        return []

    def __enter__(self) -> "TreeMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def vm_hwm_mb(pid: int) -> int | None:
    """The kernel's peak resident size of process `pid` (VmHWM), in MB."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    return None


@contextlib.contextmanager
def questions_meanwhile(base: str) -> Iterator[list[tuple[float, float, int]]]:
    """Another client asking a dev question every QUESTION_EVERY_S until the
    block ends: (started, seconds, status) per question."""
    import httpx

    asked: list[tuple[float, float, int]] = []
    stop = threading.Event()

    def ask() -> None:
        with httpx.Client(timeout=60) as client:
            i = 0
            while not stop.is_set():
                started = time.monotonic()
                try:
                    status = client.post(f"{base}/api/ask", json={"question": NORMAL_QUESTIONS[i % len(NORMAL_QUESTIONS)]}).status_code
                except httpx.HTTPError:
                    status = 0
                asked.append((started, time.monotonic() - started, status))
                i += 1
                stop.wait(QUESTION_EVERY_S)

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    try:
        yield asked
    finally:
        stop.set()
        thread.join(timeout=70)


class Uploader:
    """The admin's upload through a running server: the file to Gradio's upload
    route with the secret, then the 文件管理 upload event with it."""

    def __init__(self, client: Any, base: str) -> None:
        self.client, self.base = client, base
        config = client.get(f"{base}/config").json()
        ids = {c.get("props", {}).get("elem_id"): c["id"] for c in config["components"]}
        self.fn_index = next(
            d["id"] for d in config["dependencies"]
            if d.get("backend_fn") and d["inputs"] == [ids["pq-upload"], ids["pq-admin-password"]]
        )

    def send(self, path: Path) -> str | int:
        """The server-side path of `path` in Gradio's upload cache, or the
        status the upload route refused it with (413: over the 20 MB limit)."""
        headers = {"X-PolicyQA-Admin": quote(SERVE_PASSWORD, safe="")}
        response = self.client.post(f"{self.base}/gradio_api/upload", files={"files": (path.name, path.read_bytes())}, headers=headers)
        return response.json()[0] if response.status_code == 200 else response.status_code

    def add(self, server_path: str, name: str) -> str:
        """Run the upload event on a sent file; the status message it shows."""
        file_data = {"path": server_path, "orig_name": name, "meta": {"_type": "gradio.FileData"}}
        status, output = _event(self.client, self.base, self.fn_index, [file_data, SERVE_PASSWORD])
        message = output[0] if status == 200 and output else f"HTTP {status}: {output}"
        if isinstance(message, dict):  # a gr.update
            message = message.get("value", "")
        return re.sub(r"<[^>]+>", "", str(message))


def _latencies(asked: list[tuple[float, float, int]], start: float, end: float) -> list[float]:
    """Seconds of the questions in flight at any moment of [start, end]."""
    return [seconds for began, seconds, _ in asked if began <= end and began + seconds >= start]


def _refusal(space: Workspace, uploader: Uploader, bomb: Bomb, path: Path, memory: TreeMemory, asked: list) -> dict[str, Any]:
    from indexer.loaders.corpus import quarantine_dir

    quarantined_before = set(quarantine_dir(space.corpus).glob("*"))
    memory.reset()
    started = time.monotonic()
    sent = uploader.send(path)
    message = uploader.add(sent, bomb.file) if isinstance(sent, str) else f"上传被拒绝：HTTP {sent}（上传接口，文件超过 20 MB）"
    seconds = time.monotonic() - started
    meanwhile = _latencies(asked, started, time.monotonic())
    limit = re.search(r"限制 (\w+)", message)
    return {
        "row": bomb.row,
        "file_kb": round(path.stat().st_size / 1024, 1),
        "refused": message.startswith("上传被拒绝"),
        "limit": limit.group(1) if limit else ("upload size (route)" if isinstance(sent, int) else None),
        "seconds": round(seconds, 2),
        "tree_peak_rss_mb": memory.peak_mb(),
        "questions_meanwhile": len(meanwhile),
        "questions_p95_s": round(_percentile(meanwhile, 0.95), 3) if meanwhile else None,
        # Refused by the upload route: never written where the server reads.
        "quarantined": len(set(quarantine_dir(space.corpus).glob("*")) - quarantined_before) == 1 if isinstance(sent, str) else None,
        "in_corpus": (space.corpus / bomb.file).exists(),
        "message": message[:200],
    }


def _kill_during_upload(uploader: Uploader, path: Path, name: str, corpus: Path, server: Any) -> bool:
    """Upload `path` again and SIGKILL the server once its staging folder
    appears (or when the event ends first); whether it was caught mid-read."""
    server_path = uploader.send(path)
    if not isinstance(server_path, str):  # refused at the route: killed all the same
        server.kill()
        server.wait(timeout=30)
        return False
    thread = threading.Thread(target=_quietly, args=(uploader.add, server_path, name), daemon=True)
    thread.start()
    caught = False
    deadline = time.monotonic() + 30
    while thread.is_alive() and time.monotonic() < deadline:
        if any(p.name.startswith(".upload-") for p in corpus.iterdir()):
            caught = True
            break
        time.sleep(0.001)
    server.kill()
    server.wait(timeout=30)
    thread.join(timeout=30)
    return caught


def _quietly(call: Callable[..., Any], *args: Any) -> None:
    """The upload the kill interrupts: its broken connection is the point."""
    with contextlib.suppress(Exception):
        call(*args)


def bomb_probe(space: Workspace, scale: str = "issue", kill: bool = True) -> dict[str, Any]:
    """Every bomb at `scale` against `policyqa serve` over `space`, then (with
    `kill`) each again with a SIGKILL during the upload and a restart: one row
    per bomb, and the server's peaks, statuses and tracebacks overall."""
    import httpx

    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    folder = space.root / f"bombs-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    built = [(bomb, bomb.build(folder / bomb.file)) for bomb in bombs(scale)]
    log = folder / "server.log"
    env = {"POLICYQA_RATES": RATES}
    rows: list[dict[str, Any]] = []
    statuses: list[int] = []
    restarts: list[dict[str, Any]] = []
    stack = contextlib.ExitStack()
    try:
        base, server = stack.enter_context(running_server(space, env, log=log))
        for n, (bomb, path) in enumerate(built):
            with TreeMemory(server.pid) as memory, httpx.Client(timeout=300) as client:
                uploader = Uploader(client, base)
                with questions_meanwhile(base) as asked:
                    rows.append(_refusal(space, uploader, bomb, path, memory, asked))
                statuses += [status for _, _, status in asked]
                rows[-1]["server_vmhwm_mb"] = vm_hwm_mb(server.pid)
                if not kill or (scale == "quick" and n > 0):
                    continue
                children = memory.children()
                rows[-1]["killed_mid_read"] = _kill_during_upload(uploader, path, bomb.file, space.corpus, server)
            stack.close()
            started = time.monotonic()
            stack = contextlib.ExitStack()
            base, server = stack.enter_context(running_server(space, env, log=log))
            rows[-1]["restart_serves_s"] = round(time.monotonic() - started, 1)
            # The killed server's reading child and resource tracker end when their pipe closes.
            rows[-1]["processes_left_after_kill"] = sum(Path(f"/proc/{pid}").exists() for pid in children)
            rows[-1]["staging_left"] = [p.name for p in space.corpus.iterdir() if p.name.startswith((".upload-", ".removed-"))]
            restarts.append(rows[-1]["restart_serves_s"])
    finally:
        stack.close()
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return {
        "scale": scale,
        "bombs": rows,
        "refused": sum(r["refused"] for r in rows),
        "worst_seconds": max(r["seconds"] for r in rows),
        "worst_tree_peak_rss_mb": max(r["tree_peak_rss_mb"] for r in rows),
        "questions_meanwhile": len(statuses),
        "question_statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
        "slowest_restart_s": max(restarts) if restarts else None,
        "server_errors": sum(1 for s in statuses if s >= 500),
        "tracebacks_logged": text.count("Traceback"),
        "traceback_excerpts": [text[i : i + 1500] for i in _occurrences(text, "Traceback")][:3],
        "load_average_1m": round(os.getloadavg()[0], 2),  # other work on the machine, which the latencies include
    }


def _occurrences(text: str, word: str) -> list[int]:
    found, at = [], text.find(word)
    while at >= 0:
        found.append(at)
        at = text.find(word, at + 1)
    return found

