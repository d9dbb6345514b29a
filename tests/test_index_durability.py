"""The index survives crashes, corruption and concurrent writers (issue 8).

Each hole the probe found is reproduced and shown closed: a kill between the
two renames of the old swap, `.tmp-*` folders left by kills in the last
milliseconds, silent loads of corrupted files, two writers at once, an answer
left empty when the verifier drops every sentence.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.errors import IndexMismatchError
from indexer.store import load_index, open_version, read_manifest
from indexer.versions import check_versions, index_lock
from probes.reliability import Workspace, bitflip_loop, kill_loop, leftovers

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def space(plan_corpus, plan_index, tmp_path) -> Workspace:
    """A copy of the session's corpus and index, with a second version built
    (so a previous version exists, as in any index that has been updated)."""
    shutil.copytree(plan_corpus, tmp_path / "corpus")
    shutil.copytree(plan_index, tmp_path / "index")
    return Workspace(tmp_path, tmp_path / "corpus", tmp_path / "index", tmp_path / "data")


def add_note(space: Workspace, embedder, text: str = "二〇二六年测试通知") -> None:
    (space.corpus / "note.txt").write_text(f"{text}（测试用虚构文件）\n\n一、事项\n测试联系电话为85900003。\n", encoding="utf-8")
    build_index(space.corpus, space.index, embedder=embedder, show_progress=False)


def test_a_crash_before_the_pointer_moves_leaves_the_old_version_current(space, embedder, monkeypatch):
    """The old swap was two renames: a kill between them left no index at all.
    Now a crash at the last step (CURRENT's rename) leaves the old version
    current and the orphan new one is removed by the next build."""
    before = read_manifest(space.index)
    real_replace = os.replace

    def crash_on_pointer(src, dst):
        if Path(dst).name == "CURRENT":
            raise KeyboardInterrupt  # as good as a kill: nothing after this runs
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_on_pointer)
    with pytest.raises(KeyboardInterrupt):
        add_note(space, embedder)
    monkeypatch.undo()
    assert read_manifest(space.index) == before
    assert load_index(space.index).manifest["counts"] == before["counts"]
    assert any(name.startswith("CURRENT.tmp-") for name in os.listdir(space.index))
    add_note(space, embedder, "二〇二七年测试通知")
    assert leftovers(space.index) == []
    assert read_manifest(space.index)["counts"]["documents"] == 2


def test_kill_9_during_indexing_always_leaves_an_answering_index(space, embedder):
    """Reduced form of `policyqa reliability --only kill`: one kill at a random
    moment, one 0-50 ms into the final write."""
    outcome = kill_loop(space, embedder, kills=2)
    assert outcome["loaded_and_answered"] == 2 and outcome["failed"] == []
    assert outcome["leftovers_after_next_build"] == []


def test_every_index_file_refuses_a_flipped_bit_or_answers_identically(space, embedder):
    """23 of 70 single-file corruptions used to load silently; a flipped digit
    of 2022 changed an answer. Reduced form: one random bit of every file."""
    counts = bitflip_loop(space, embedder, flips_per_file=1)
    assert counts["flips"] == counts["files"] >= 12
    assert counts["different"] == []
    assert counts["refused"] + counts["fell_back_identical"] >= counts["flips"] - 1  # at most a whitespace flip in CURRENT passes


def test_a_damaged_current_version_falls_back_to_the_previous_with_a_warning(space, embedder):
    add_note(space, embedder)
    current = open_version(space.index).folder
    chunks = current / "chunks.jsonl"
    data = bytearray(chunks.read_bytes())
    data[len(data) // 2] ^= 0x01
    chunks.write_bytes(bytes(data))
    contents = load_index(space.index)
    assert contents.folder != current and "已改用完好的版本" in contents.warning
    assert contents.manifest["counts"]["documents"] == 1  # the version before the note
    report = dict((name, ok) for name, ok, _ in check_versions(space.index))
    assert report[current.name] is False and report[contents.folder.name] is True
    # The next build notices the damage, writes an intact version and drops the damaged one.
    build_index(space.corpus, space.index, embedder=embedder, show_progress=False)
    healed = load_index(space.index)
    assert healed.warning == "" and healed.manifest["counts"]["documents"] == 2
    assert not current.exists()


def test_old_layout_asks_for_a_rebuild(tmp_path):
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "manifest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        load_index(tmp_path / "index")


def test_a_second_writer_waits_for_the_lock(tmp_path):
    """Two `index` runs (or an upload and a CLI run) used to write at once."""
    code = (
        "import sys; from indexer.versions import index_lock, IndexBusyError\n"
        "try:\n    with index_lock(sys.argv[1], timeout=0.3): pass\n"
        "except IndexBusyError as e:\n    print(e); sys.exit(3)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with index_lock(tmp_path / "index"):
        busy = subprocess.run([sys.executable, "-c", code, str(tmp_path / "index")], capture_output=True, text=True, env=env)
    assert busy.returncode == 3 and "正由另一个任务更新" in busy.stdout
    free = subprocess.run([sys.executable, "-c", code, str(tmp_path / "index")], capture_output=True, text=True, env=env)
    assert free.returncode == 0


def test_an_answer_whose_every_sentence_fails_verification_abstains(plan_index, embedder):
    """A clause whose figure no longer matches the document (as a corrupted
    chunks.jsonl once made it) used to give an empty, non-abstained answer."""
    from qa.assistant import Assistant

    question = "请问仿制药质量和疗效一致性评价工作到2022年需完成到何种程度？"
    contents = load_index(plan_index, model_id=embedder.model_id)
    assert not Assistant(contents, embedder).ask(question).abstained
    contents.chunks = [
        dataclasses.replace(c, text=c.text.replace("2022", "2023")) if "仿制药" in c.text else c for c in contents.chunks
    ]
    answer = Assistant(contents, embedder).ask(question)
    assert answer.abstained and answer.text.startswith("文件未提及") and not answer.citations


def test_an_unchanged_rebuild_hashes_only_files_touched_since_publishing(space, embedder, monkeypatch):
    """An unchanged rebuild used to hash every file (2.7 s at 1,000 laws); it
    now trusts a file whose size and modification time are the published
    ones, and still notices a same-size overwrite, which changes the time."""
    import indexer.versions as versions

    hashed: list[str] = []
    real_digest = versions.file_digest
    monkeypatch.setattr(versions, "file_digest", lambda path: hashed.append(Path(path).name) or real_digest(path))
    current = open_version(space.index).folder
    build_index(space.corpus, space.index, embedder=embedder, show_progress=False)
    assert hashed == [] and open_version(space.index).folder == current
    vectors = current / "embeddings.npy"
    data = bytearray(vectors.read_bytes())
    data[-3] ^= 0x40  # a float of the last vector; same size
    vectors.write_bytes(bytes(data))
    build_index(space.corpus, space.index, embedder=embedder, show_progress=False)
    assert "embeddings.npy" in hashed
    rebuilt = load_index(space.index)
    assert rebuilt.folder != current and rebuilt.warning == ""
    assert check_versions(space.index)[0][1] is True
