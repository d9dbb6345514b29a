"""The `policyqa` command as a user runs it: real processes, real index."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.store import open_version

POLICYQA = str(Path(sys.executable).parent / "policyqa")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([POLICYQA, *args], capture_output=True, text=True, encoding="utf-8", cwd=cwd, timeout=300)


def test_help_is_instant_and_shows_an_example():
    result = run("--help")
    assert result.returncode == 0 and "policyqa ask" in result.stdout


def test_index_then_ask_text_and_json(plan_corpus: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    built = run("index", "--corpus", str(plan_corpus), "--index-dir", str(index_dir))
    assert built.returncode == 0, built.stderr
    assert "1 份文件" in built.stdout and "本次嵌入" in built.stdout
    asked = run("ask", "谁担任攻势指挥长？", "--index-dir", str(index_dir))
    assert asked.returncode == 0, asked.stderr
    assert "薛庆国" in asked.stdout and "[1]" in asked.stdout and "附件" in asked.stdout
    as_json = run("ask", "2022年新能源汽车产量要达到多少？", "--json", "--top-k", "6", "--index-dir", str(index_dir))
    result = json.loads(as_json.stdout)
    assert "50万辆" in result["answer"] and result["citations"][0]["clause"] == "二（二）1"
    assert len(result["passages"]) == 6
    abstain = json.loads(run("ask", "申请补贴的截止日期是哪天？", "--json", "--index-dir", str(index_dir)).stdout)
    assert abstain["abstained"] is True and abstain["outcome"] in ("partial", "not_mentioned")
    assert abstain["answer"].startswith("文件未提及" if abstain["outcome"] == "not_mentioned" else "文件提到了")


@pytest.mark.parametrize(
    "args, message",
    [
        (("ask", "   "), "问题不能为空"),
        (("ask", "问" * 600), "问题过长"),
        (("ask", "牵头单位是谁？", "--top-k", "0"), "top_k"),
    ],
)
def test_bad_input_is_one_clear_line(args, message, tmp_path: Path):
    result = run(*args, "--index-dir", str(tmp_path / "index"))
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_missing_index_and_empty_corpus(tmp_path: Path):
    missing = run("ask", "牵头单位是谁？", "--index-dir", str(tmp_path / "none"))
    assert missing.returncode == 2 and "policyqa index" in missing.stderr and "Traceback" not in missing.stderr
    (tmp_path / "empty").mkdir()
    empty = run("index", "--corpus", str(tmp_path / "empty"), "--index-dir", str(tmp_path / "index"))
    assert empty.returncode == 2 and "Traceback" not in empty.stderr and not (tmp_path / "index").exists()


def test_model_mismatch_says_how_to_fix(plan_index: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    shutil.copytree(plan_index, index_dir)
    # An intact index built with another model: its manifest says so, and CURRENT vouches for it.
    folder = open_version(index_dir).folder
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["model_id"] = "some-other-model"
    raw = json.dumps(manifest).encode("utf-8")
    (folder / "manifest.json").write_bytes(raw)
    (index_dir / "CURRENT").write_text(f"{folder.name} {hashlib.sha256(raw).hexdigest()}\n", encoding="ascii")
    result = run("ask", "牵头单位是谁？", "--index-dir", str(index_dir))
    assert result.returncode == 2 and "--rebuild" in result.stderr and "Traceback" not in result.stderr


def test_eval_writes_results_and_metrics(plan_index: Path, tmp_path: Path):
    dataset = tmp_path / "mini.jsonl"
    items = [
        {"id": "a", "question": "谁担任攻势指挥长？", "answer": "薛庆国", "evidence": ["薛庆国"], "type": "responsibility_contact", "persona": "civil_servant", "section": ""},
        {"id": "b", "question": "申请补贴的截止日期是哪天？", "answer": "文件未提及", "evidence": [], "type": "unanswerable", "persona": "firm", "section": ""},
    ]
    dataset.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    result = run("eval", "--dataset", str(dataset), "--out", str(out), "--index-dir", str(plan_index))
    assert result.returncode == 0, result.stderr
    for name in ("results.jsonl", "metrics.json", "report.md", "report.png", "run.trec", "qrels.trec"):
        assert (out / name).exists(), name
    records = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["retriever"] for r in records} == {"hybrid", "lexical", "dense"} and len(records) == 6
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["hybrid"]["hit@1"]["value"] == 1.0


def test_doctor_reports_this_machine_and_fails_on_an_index_it_cannot_reproduce(plan_index: Path, tmp_path: Path):
    """One screen: CPU and instruction sets, each backend's parity and speed here,
    the index's probe check; exit 1 when answers would be wrong."""
    healthy = run("doctor", "--index-dir", str(plan_index))
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    for expected in ("CPU：", "指令集", "线程：", "onnx-int8", "最低余弦", "条/秒", "← 默认", "索引探针", "许可", "LibreOffice", "管理口令", "结论：正常"):
        assert expected in healthy.stdout, expected
    # The same index with each stored probe vector swapped for another's, as an
    # index from another model or machine would hold (checksums made to agree).
    copy = tmp_path / "index"
    shutil.copytree(plan_index, copy)
    folder = open_version(copy).folder
    probes = folder / "probe_vectors.npy"
    import numpy as np

    np.save(probes, np.roll(np.load(probes), 1, axis=0))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["probe_vectors.npy"] = {"size": probes.stat().st_size, "sha256": hashlib.sha256(probes.read_bytes()).hexdigest()}
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    (folder / "manifest.json").write_bytes(manifest_bytes)
    (copy / "CURRENT").write_text(f"{folder.name} {hashlib.sha256(manifest_bytes).hexdigest()}\n")
    # The quick check (no per-backend measuring) still re-embeds the index's probes.
    broken = run("doctor", "--quick", "--index-dir", str(copy))
    assert broken.returncode == 1 and "重建索引" in broken.stdout and "Traceback" not in broken.stderr
    assert "快速检查" in broken.stdout and "最低余弦" not in broken.stdout.split("索引")[0]
    asked = run("ask", "牵头单位是谁？", "--index-dir", str(copy))
    assert asked.returncode == 2 and "重建索引" in asked.stderr
