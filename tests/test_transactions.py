"""Uploads and removals are transactions (issue 23 item 6): a process killed
(-9) in the middle of one leaves a journal; the next start rolls the change
back and removes the staging folders, so the corpus and the index are the old
ones, never a change the admin did not see succeed."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.store import load_index
from probes.reliability import REPO
from probes.reliability_http import policy_text
from ui.uploads import journal_path, recover_corpus

CHANGE = r"""
import sys
from pathlib import Path
from indexer.store import load_index
from indexer.embed import Embedder
from qa.assistant import Assistant
from ui.service import Service
corpus, index, data, op, arg = sys.argv[1:]
embedder = Embedder()
service = Service(Assistant(load_index(Path(index), model_id=embedder.model_id), embedder), Path(index), Path(corpus), Path(data))
if op == "upload":
    service.add_document(Path(arg), Path(arg).name)
else:
    service.remove_document(arg)
print("DONE", flush=True)
"""


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _kill_during(tmp_path: Path, op: str, arg: str, seen) -> None:
    """Run the change in a process of its own and kill -9 it once `seen()` holds (mid-rebuild)."""
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    command = [sys.executable, "-c", CHANGE, str(tmp_path / "corpus"), str(tmp_path / "index"), str(tmp_path / "data"), op, arg]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 300
        while not seen():
            assert process.poll() is None, "the change finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(0.2)  # into the rebuild
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)


@pytest.fixture()
def workspace(tmp_path, plan_corpus, plan_index):
    shutil.copytree(plan_corpus, tmp_path / "corpus")
    (tmp_path / "corpus" / "second.txt").write_text(policy_text(4).replace("测试市政策汇编", "第二份文件"), encoding="utf-8")
    shutil.copytree(plan_index, tmp_path / "index")
    return tmp_path


def _indexed(tmp_path: Path, embedder) -> set[str]:
    build_index(tmp_path / "corpus", tmp_path / "index", embedder=embedder, show_progress=False)  # as `policyqa serve` does at start
    return set(load_index(tmp_path / "index", model_id=embedder.model_id).documents)


def test_an_upload_killed_mid_rebuild_is_rolled_back_at_the_next_start(workspace, embedder):
    corpus = workspace / "corpus"
    build_index(corpus, workspace / "index", embedder=embedder, show_progress=False)
    before, documents_before = _snapshot(corpus), _indexed(workspace, embedder)
    upload = workspace / "新政策.txt"
    upload.write_text(policy_text(200), encoding="utf-8")
    _kill_during(workspace, "upload", str(upload), lambda: journal_path(corpus).exists() and (corpus / upload.name).exists())
    assert (corpus / upload.name).exists() and journal_path(corpus).exists()  # killed half way
    done = recover_corpus(corpus, workspace / "index")
    assert any("未完成的上传已撤销" in line for line in done)
    assert _snapshot(corpus) == before and not journal_path(corpus).exists()
    assert not [p for p in corpus.iterdir() if p.name.startswith((".upload-", ".removed-"))]
    assert _indexed(workspace, embedder) == documents_before


def test_a_removal_killed_mid_rebuild_is_rolled_back_at_the_next_start(workspace, embedder):
    corpus = workspace / "corpus"
    (corpus / "second.meta.json").write_text('{"title": "第二份文件"}', encoding="utf-8")
    before, documents_before = _snapshot(corpus), _indexed(workspace, embedder)
    _kill_during(workspace, "remove", "second", lambda: journal_path(corpus).exists() and not (corpus / "second.txt").exists())
    assert not (corpus / "second.txt").exists()
    done = recover_corpus(corpus, workspace / "index")
    assert sum("未完成的删除已撤销" in line for line in done) == 2  # the file and its sidecar
    assert _snapshot(corpus) == before and not journal_path(corpus).exists()
    assert _indexed(workspace, embedder) == documents_before
