"""Tests of ui.service: the one Service the web UI and the HTTP API share.

Real model, real index (copied per module from the session's build): a refused
upload changes nothing, a good one can be asked about and is cited, a removal
takes its chunks away, feedback is appended, file names are sanitised.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from indexer.errors import InvalidArgumentError, InvalidQuestionError, PolicyQAError
from indexer.store import load_index, read_manifest
from ui.service import (
    MAX_UPLOAD_BYTES,
    DocumentNotFoundError,
    FeedbackError,
    RemovalRefusedError,
    UploadRejectedError,
    sanitise_filename,
)

REPO = Path(__file__).resolve().parents[1]
PLAN_TEXT = REPO / "corpus" / "qingdao_ai_plan.txt"
CJK = re.compile(r"[\u4e00-\u9fff]")

# A made-up two-clause policy: never a real one.
MARINE_POLICY = """青岛市海洋牧场示范补助办法（测试用虚构文件）

一、补助对象
在本市注册的海洋牧场企业，年度投放人工鱼礁不少于5000空方的，可申请示范补助。

二、补助标准
每个示范项目一次性补助80万元，由市海洋发展局受理申请，联系人：李海，电话：85900001。
"""


def corpus_snapshot(folder: Path) -> dict[str, str]:
    """Every file under the corpus folder (hidden ones too) with its content hash."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def state(service, workspace) -> tuple:
    manifest = read_manifest(workspace.index)
    return (
        corpus_snapshot(workspace.corpus),
        manifest["corpus_hash"],
        manifest["built_at"],
        service.list_documents(),
        len(service.assistant.index.chunks),
        sorted(p.name for p in workspace.root.iterdir()),
    )


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# ---------------------------------------------------------------------------
# File names
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "safe"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\Windows\\system.ini.txt", "system_ini.txt"),
        ("C:\\Users\\王\\政策 文件(2023).PDF", "政策_文件(2023).pdf"),
        (".hidden.md", "hidden.md"),
        ("a<b>c;rm -rf *.docx", "a_b_c_rm_-rf.docx"),
        ("README.txt", "文件_README.txt"),
        ("...txt", "上传文件.txt"),
        ("通知\u0000\n.htm", "通知.htm"),
        ("x" * 300 + ".html", "x" * 80 + ".html"),
    ],
)
def test_filenames_are_sanitised(original, safe):
    assert sanitise_filename(original) == safe


@pytest.mark.parametrize("original", ["setup.exe", "no_suffix", "政策.rtf", "data.json", ""])
def test_unsupported_names_are_refused_in_chinese(original):
    with pytest.raises(UploadRejectedError) as caught:
        sanitise_filename(original)
    assert CJK.search(str(caught.value))


# ---------------------------------------------------------------------------
# Refused uploads change nothing
# ---------------------------------------------------------------------------


def _bad_upload(kind: str, tmp_path: Path) -> tuple[Path, str]:
    """(file to upload, original file name) for one kind of bad upload."""
    if kind == "unsupported type":
        return write(tmp_path / "x.exe", "MZ" + "0" * 100), "tool.exe"
    if kind == "empty":
        return write(tmp_path / "empty.txt", b""), "empty.txt"
    if kind == "too large":
        big = tmp_path / "big.txt"
        with open(big, "wb") as f:
            f.truncate(MAX_UPLOAD_BYTES + 1)  # sparse: no 20 MB written to disk
        return big, "big.txt"
    if kind == "unreadable pdf":
        return write(tmp_path / "broken.pdf", b"%PDF-1.4 this is not really a pdf"), "broken.pdf"
    if kind == "binary text":
        return write(tmp_path / "bin.txt", bytes(range(256)) * 8), "bin.txt"
    if kind == "duplicate content":
        return write(tmp_path / "copy.txt", PLAN_TEXT.read_bytes()), "另一个名字.txt"
    if kind == "duplicate name":
        return write(tmp_path / "same.txt", MARINE_POLICY), "qingdao_ai_plan.txt"
    if kind == "duplicate doc id":
        return write(tmp_path / "same.md", MARINE_POLICY), "qingdao_ai_plan.md"
    if kind == "missing file":
        return tmp_path / "does-not-exist.txt", "gone.txt"
    raise AssertionError(kind)


BAD_KINDS = [
    "unsupported type",
    "empty",
    "too large",
    "unreadable pdf",
    "binary text",
    "duplicate content",
    "duplicate name",
    "duplicate doc id",
    "missing file",
]


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_upload_is_refused_and_changes_nothing(kind, ui_service, ui_workspace, tmp_path):
    path, name = _bad_upload(kind, tmp_path)
    before = state(ui_service, ui_workspace)
    with pytest.raises(PolicyQAError) as caught:
        ui_service.add_document(path, name)
    message = str(caught.value)
    assert CJK.search(message), message
    assert "Traceback" not in message
    assert state(ui_service, ui_workspace) == before


def test_failed_rebuild_rolls_the_upload_back(ui_service, ui_workspace, tmp_path, monkeypatch):
    import indexer.build

    def broken(*args, **kwargs):
        raise UploadRejectedError("索引写入失败（测试）")

    monkeypatch.setattr(indexer.build, "build_index", broken)
    before = state(ui_service, ui_workspace)
    with pytest.raises(UploadRejectedError):
        ui_service.add_document(write(tmp_path / "m.txt", MARINE_POLICY), "marine.txt")
    assert state(ui_service, ui_workspace) == before


# ---------------------------------------------------------------------------
# A good upload, asked about, then removed
# ---------------------------------------------------------------------------


def test_good_upload_is_answerable_cited_and_removable(ui_service, ui_workspace, tmp_path):
    steps: list[tuple[float, str]] = []
    added = ui_service.add_document(
        write(tmp_path / "upload.txt", MARINE_POLICY), "../../海洋 牧场.txt", progress=lambda f, m: steps.append((f, m))
    )
    doc_id = added["doc_id"]
    assert added["file"] == "海洋_牧场.txt" and (ui_workspace.corpus / "海洋_牧场.txt").is_file()
    assert not any(p.name.startswith(".upload-") for p in ui_workspace.corpus.iterdir())
    assert [f for f, _ in steps] == sorted(f for f, _ in steps) and steps[-1][0] == 1.0
    assert all(CJK.search(m) for _, m in steps)

    rows = {row["doc_id"]: row for row in ui_service.list_documents()}
    assert rows[doc_id]["title"] == "青岛市海洋牧场示范补助办法（测试用虚构文件）"
    assert rows[doc_id]["chunks"] >= 2
    assert ui_service.index_state()["documents"] == len(rows)

    answer = ui_service.ask("海洋牧场企业每年要投放多少人工鱼礁才能申请示范补助？")
    assert not answer["abstained"], answer["answer"]
    assert doc_id in {c["doc_id"] for c in answer["citations"]}
    cited = next(c for c in answer["citations"] if c["doc_id"] == doc_id)
    text = ui_service.view.documents[doc_id].text
    assert text[cited["start"] : cited["end"]] == cited["quote"]

    only_new = ui_service.ask("联系人和电话是什么？", doc_ids=[doc_id])
    assert {p["doc_id"] for p in only_new["passages"]} == {doc_id}

    # The index on disk holds the new document too: a fresh load sees it.
    assert doc_id in {d.doc_id for d in load_index(ui_workspace.index).documents}

    removed = ui_service.remove_document(doc_id)
    assert removed["doc_id"] == doc_id
    assert not (ui_workspace.corpus / "海洋_牧场.txt").exists()
    assert doc_id not in {row["doc_id"] for row in ui_service.list_documents()}
    assert not [c for c in ui_service.assistant.index.chunks if c.doc_id == doc_id]
    assert not [c for c in load_index(ui_workspace.index).chunks if c.doc_id == doc_id]
    assert not any(p.name.startswith(".removed-") for p in ui_workspace.corpus.iterdir())
    after = ui_service.ask("海洋牧场企业每年要投放多少人工鱼礁才能申请示范补助？")
    assert doc_id not in {c["doc_id"] for c in after["citations"]}


def test_removing_unknown_or_last_document_is_refused(ui_service, ui_workspace):
    before = state(ui_service, ui_workspace)
    with pytest.raises(DocumentNotFoundError):
        ui_service.remove_document("no_such_doc")
    if len(ui_service.list_documents()) == 1:
        with pytest.raises(RemovalRefusedError):
            ui_service.remove_document(ui_service.list_documents()[0]["doc_id"])
    assert state(ui_service, ui_workspace) == before


def test_removal_takes_the_sidecar_along(ui_service, ui_workspace, tmp_path):
    added = ui_service.add_document(write(tmp_path / "m.txt", MARINE_POLICY), "marine.txt")
    sidecar = write(ui_workspace.corpus / "marine.meta.json", json.dumps({"title": "海洋牧场（元数据标题）"}, ensure_ascii=False))
    ui_service.remove_document(added["doc_id"])
    assert not sidecar.exists() and not (ui_workspace.corpus / "marine.txt").exists()


# ---------------------------------------------------------------------------
# Questions and feedback
# ---------------------------------------------------------------------------


def test_ask_returns_the_answer_json(ui_service):
    answer = ui_service.ask("2022年新能源汽车产量要达到多少？", top_k=3)
    assert set(answer) >= {"question", "answer", "abstained", "citations", "passages", "timings_ms", "notes"}
    assert "50万辆" in answer["answer"] and answer["citations"]
    assert len(answer["passages"]) <= 3


def test_ask_refuses_bad_input_in_chinese(ui_service):
    with pytest.raises(InvalidQuestionError, match="500"):
        ui_service.ask("补" * 501)
    with pytest.raises(InvalidQuestionError):
        ui_service.ask("   ")
    with pytest.raises(InvalidArgumentError, match="未知的文件编号"):
        ui_service.ask("牵头单位是谁？", doc_ids=["no_such_doc"])
    with pytest.raises(InvalidArgumentError):
        ui_service.ask("牵头单位是谁？", doc_ids="qingdao_ai_plan")
    with pytest.raises(InvalidArgumentError):
        ui_service.ask("牵头单位是谁？", top_k="5")
    with pytest.raises(InvalidArgumentError):
        ui_service.ask("牵头单位是谁？", top_k=0)


def test_feedback_is_appended_as_json_lines(ui_service, ui_workspace):
    log = ui_workspace.data / "feedback.jsonl"
    answer = ui_service.ask("谁担任攻势指挥长？")
    first = ui_service.feedback(
        {"question": answer["question"], "answer": answer["answer"], "citations": answer["citations"], "rating": "有用", "comment": "准确"}
    )
    ui_service.feedback({"question": "申请补贴的截止日期是哪天？", "answer": "文件未提及", "citations": [], "rating": "没用"})
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert lines[-2] == first
    assert lines[-2]["rating"] == "有用" and lines[-2]["comment"] == "准确" and lines[-2]["citations"]
    assert lines[-1]["rating"] == "没用" and lines[-1]["comment"] == ""
    assert all({"question", "answer", "citations", "rating", "comment", "time"} <= set(line) for line in lines)

    size = log.stat().st_size
    with pytest.raises(FeedbackError):
        ui_service.feedback({"question": "x", "rating": "还行"})
    with pytest.raises(FeedbackError):
        ui_service.feedback({"question": "", "rating": "有用"})
    assert log.stat().st_size == size


def test_service_open_loads_index_and_model(ui_workspace, tmp_path):
    from ui.service import Service

    copy = tmp_path / "index"
    shutil.copytree(ui_workspace.index, copy)
    service = Service.open(copy, ui_workspace.corpus, tmp_path / "data")
    assert service.index_state()["chunks"] == len(service.assistant.index.chunks) > 0
    assert service.index_state()["built_at"]
