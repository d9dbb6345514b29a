"""`policyqa reliability`: the figures of issue 8, measured on a copy of the corpus.

* kill -9 during indexing: N `policyqa index` processes killed, half at a random
  moment of the whole run, half 0–50 ms after the final write began (its work
  folder appeared); after each kill the index must load and answer, and after
  the next complete build nothing may be left over;
* single-bit flips in every file of the index (CURRENT and the manifest too):
  each must be refused, or answered identically (the damaged version detected and
  an intact one used);
* the HTTP probes (probes/reliability_http.py): files readable or documents removed
  without authentication across every event of the app, hostile /api/ask
  bodies, 8 concurrent clients against one, a question during an upload;
* issue 23's (probes/reliability_bounds.py, probes/bomb_probe.py): admin
  guessing, floods of costly questions, uploads and feedback, and every
  decompression or image bomb uploaded to a running server (and killed during it).

`--quick` runs the reduced loops the tests use.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
# Questions whose answers are compared before and after damage.
PROBE_QUESTIONS = (
    "2022年新能源汽车产量要达到多少？",
    "请问仿制药质量和疗效一致性评价工作到2022年需完成到何种程度？",
    "牵头单位的联系人和电话分别是什么？",
    "谁担任攻势指挥长？",
    "个人买电动车能拿多少购车补贴？",
)
WRITE_PHASE_WINDOW_S = 0.05
PROBES = ("kill", "bitflip", "security", "hostile", "load", "upload", "guessing", "flood", "uploads", "feedback", "bombs")


@dataclass
class Workspace:
    """A corpus, an index and a data folder of its own, in a temporary folder."""

    root: Path
    corpus: Path
    index: Path
    data: Path

    @classmethod
    def create(cls, root: Path, embedder: Any) -> "Workspace":
        from indexer.build import build_index
        from indexer.facts import extract_facts

        shutil.copytree(CORPUS, root / "corpus")
        space = cls(root, root / "corpus", root / "index", root / "data")
        build_index(space.corpus, space.index, embedder=embedder, show_progress=False, extract_facts=extract_facts)
        return space


def answers_of(index_dir: Path, embedder: Any) -> list[tuple[str, bool, tuple[str, ...]]]:
    """What the probe questions get from the index as loaded now: text, abstained, cited chunks."""
    from indexer.store import load_index
    from qa.assistant import Assistant

    assistant = Assistant(load_index(index_dir, model_id=embedder.model_id), embedder)
    return [
        (a.text, a.abstained, tuple(c.chunk.chunk_id for c in a.citations))
        for a in assistant.ask_batch(list(PROBE_QUESTIONS))
    ]


def leftovers(index_dir: Path) -> list[str]:
    """What a complete build should have removed: work folders, pointer
    temporaries, versions beyond the current and the previous one."""
    from indexer.versions import _VERSION

    names = [p.name for p in index_dir.iterdir()]
    stale = [n for n in names if n.startswith((".tmp-", "CURRENT.tmp-"))]
    versions = sorted(n for n in names if _VERSION.match(n))
    stale += versions[:-2]
    stale += [p.name for p in index_dir.parent.glob(f".{index_dir.name}.*-*")]
    return stale


def _index_command(space: Workspace) -> list[str]:
    return [sys.executable, "-m", "ui.cli", "index", "--corpus", str(space.corpus), "--index-dir", str(space.index)]


def _change_corpus(space: Workspace, round_no: int) -> None:
    """A small new document each round, so every build has something to write."""
    text = (
        f"青岛市可靠性测试通知（第{round_no}号，测试用虚构文件）\n\n一、测试事项\n"
        f"第{round_no}轮测试的联系电话为8590{round_no:04d}，由市测试办公室负责。\n"
    )
    (space.corpus / "reliability_probe.txt").write_text(text, encoding="utf-8")


def kill_loop(space: Workspace, embedder: Any, kills: int = 50, seed: int = 8) -> dict[str, Any]:
    """kill -9 `policyqa index` runs; returns the counts and what is left over."""
    rng = random.Random(seed)
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    _change_corpus(space, 0)
    started = time.perf_counter()
    subprocess.run(_index_command(space), env=env, check=True, capture_output=True)
    full_run = time.perf_counter() - started
    outcomes = {"kills": 0, "in_write_phase": 0, "finished_before_kill": 0, "loaded_and_answered": 0, "failed": []}
    for round_no in tqdm(range(1, kills + 1), desc="kill -9", disable=kills < 5):
        _change_corpus(space, round_no)
        stale = {p.name for p in space.index.iterdir()}  # a killed writer's work folder is not this one's
        process = subprocess.Popen(_index_command(space), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if round_no % 2:  # a random moment of the whole run
            time.sleep(rng.uniform(0, full_run))
        else:  # 0-50 ms into the final write
            while process.poll() is None and not any(
                p.name.startswith(".tmp-") and p.name not in stale for p in space.index.iterdir()
            ):
                time.sleep(0.001)
            time.sleep(rng.uniform(0, WRITE_PHASE_WINDOW_S))
            outcomes["in_write_phase"] += process.poll() is None
        if process.poll() is None:
            process.kill()
            outcomes["kills"] += 1
        else:
            outcomes["finished_before_kill"] += 1
        process.wait()
        try:
            answers = answers_of(space.index, embedder)
            if all(text for text, _, _ in answers):
                outcomes["loaded_and_answered"] += 1
            else:
                outcomes["failed"].append(f"round {round_no}: an empty answer")
        except Exception as e:  # noqa: BLE001 - counted and reported
            outcomes["failed"].append(f"round {round_no}: {type(e).__name__}: {e}")
    before = leftovers(space.index)
    subprocess.run(_index_command(space), env=env, check=True, capture_output=True)
    outcomes.update(rounds=kills, full_run_s=round(full_run, 2), leftovers_before_last_build=len(before))
    outcomes["leftovers_after_next_build"] = leftovers(space.index)
    return outcomes


def _flip(path: Path, bit: int) -> None:
    data = bytearray(path.read_bytes())
    data[bit // 8] ^= 1 << (bit % 8)
    path.write_bytes(bytes(data))


def bitflip_loop(space: Workspace, embedder: Any, flips_per_file: int = 8, seed: int = 8) -> dict[str, Any]:
    """Flip single bits in every file of the index; each flip must be refused or
    leave every probe answer identical."""
    from indexer.errors import PolicyQAError
    from indexer.store import load_index, open_version

    rng = random.Random(seed)
    baseline = answers_of(space.index, embedder)
    folder = open_version(space.index).folder
    files = [space.index / "CURRENT"] + sorted(p for p in folder.rglob("*") if p.is_file())
    counts = {"files": len(files), "flips": 0, "refused": 0, "fell_back_identical": 0, "identical": 0, "different": []}
    for path in tqdm(files, desc="bit flips", disable=flips_per_file < 2):
        size_bits = path.stat().st_size * 8
        for bit in rng.sample(range(size_bits), min(flips_per_file, size_bits)):
            original = path.read_bytes()
            _flip(path, bit)
            counts["flips"] += 1
            try:
                contents = load_index(space.index, model_id=embedder.model_id)
            except PolicyQAError:
                counts["refused"] += 1
                path.write_bytes(original)
                continue
            same = answers_of(space.index, embedder) == baseline
            path.write_bytes(original)
            if not same:
                counts["different"].append(f"{path.relative_to(space.index)} bit {bit}")
            elif contents.warning:
                counts["fell_back_identical"] += 1
            else:
                counts["identical"] += 1
    return counts


def run(quick: bool = False, only: set[str] | None = None) -> dict[str, Any]:
    """Every measurement (or those in `only`); the figures as a dict."""
    from indexer.embed import Embedder

    from .bomb_probe import bomb_probe
    from .reliability_bounds import feedback_flood, flood_probe, guessing_probe, upload_route_probe
    from .reliability_http import hostile_requests, load_test, security_probe, upload_during_questions

    embedder = Embedder()
    figures: dict[str, Any] = {}
    wanted = only or set(PROBES)
    with tempfile.TemporaryDirectory(prefix="policyqa-reliability-") as tmp:
        space = Workspace.create(Path(tmp), embedder)
        if "kill" in wanted:
            figures["kill"] = kill_loop(space, embedder, kills=4 if quick else 50)
        if "bitflip" in wanted:
            figures["bitflip"] = bitflip_loop(space, embedder, flips_per_file=1 if quick else 8)
        if "security" in wanted:
            figures["security"] = security_probe(space, embedder)
        if "hostile" in wanted:
            figures["hostile"] = hostile_requests(space, embedder, huge_mb=8 if quick else 300)
        if "load" in wanted:
            figures["load"] = load_test(space, requests=10 if quick else 40)
        if "upload" in wanted:
            figures["upload"] = upload_during_questions(space, embedder, kilobytes=20 if quick else 400)
        if "guessing" in wanted:
            figures["guessing"] = guessing_probe(space, embedder, guesses=40 if quick else 200)
        if "flood" in wanted:
            figures["flood"] = flood_probe(space, clients=4 if quick else 16, seconds=10 if quick else 60)
        if "uploads" in wanted:
            figures["uploads"] = upload_route_probe(space, embedder, uploads=12 if quick else 200, megabytes=1 if quick else 19)
        if "feedback" in wanted:
            figures["feedback"] = feedback_flood(space, embedder, clicks=200)
        if "bombs" in wanted:
            scales = ("quick",) if quick else ("issue", "tenfold")
            figures["bombs"] = {scale: bomb_probe(space, scale=scale) for scale in scales}
    return figures


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="policyqa reliability", description="测量崩溃、损坏、攻击与负载下的表现（问题 8 的各项指标）。")
    parser.add_argument("--quick", action="store_true", help="缩小的循环（测试用）")
    parser.add_argument("--only", default="", help="逗号分隔：" + ",".join(PROBES))
    parser.add_argument("--out", type=Path, help="把结果写入此 JSON 文件")
    args = parser.parse_args(argv)
    only = {name.strip() for name in args.only.split(",") if name.strip()} or None
    figures = run(quick=args.quick, only=only)
    text = json.dumps(figures, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
