"""The holes a probe found in the served app (issue 8), each reproduced and
shown closed: server files read through the upload event, anonymous upload
and removal, unlimited password guesses, symlinks in the corpus, hostile
/api/ask bodies."""
from __future__ import annotations

import os
import shutil

import pytest

from indexer.loaders import load_corpus
from ui.guard import AdminGate, ManagementDeniedError, UnsafeRequestError, json_depth, require_upload
from probes.reliability import Workspace
from probes.reliability_bounds import guessing_probe
from probes.reliability_http import hostile_requests, security_probe


@pytest.fixture(scope="module")
def space(plan_corpus, plan_index, tmp_path_factory) -> Workspace:
    root = tmp_path_factory.mktemp("security")
    shutil.copytree(plan_corpus, root / "corpus")
    shutil.copytree(plan_index, root / "index")
    return Workspace(root, root / "corpus", root / "index", root / "data")


def test_no_event_reads_a_server_file_or_removes_a_document_without_authentication(space, embedder):
    """Every backend event of the app, called with a server file as FileData and
    with the removal arguments, no password and a guessed one."""
    figures = security_probe(space, embedder)
    assert figures["events"] >= 10
    assert figures["server_file_readable"] == 0
    assert figures["documents_removed"] == 0 and figures["corpus_changed"] == 0
    assert figures["join_statuses"].get("403", 0) >= figures["events"]  # every FileData naming the file refused up front
    assert figures["tracebacks_logged"] == 0


def test_hostile_api_bodies_get_a_4xx_without_buffering_or_tracebacks(space, embedder):
    figures = hostile_requests(space, embedder, huge_mb=16)
    statuses = figures["statuses"]
    assert statuses["top_k_100"] == 200
    for name in ("deep_json", "deep_json_in_object", "top_k_1e9", "not_json", "gradio_deep_json"):
        assert statuses[name] == 400, name
    for name in ("lone_surrogate", "lone_surrogate_in_doc_filter", "gradio_lone_surrogate"):
        assert statuses[name] == 400, name
        assert "无法识别的字符" in figures["messages"][name] and "\n" not in figures["messages"][name]
    assert statuses["huge_streamed_body"] == 413 and statuses["huge_declared_length"] == 413
    assert figures["memory_growth_mb_for_huge_body"] < 8  # never the whole body in memory
    assert figures["tracebacks_logged"] == 0


def test_management_needs_a_secret_even_without_a_password(monkeypatch):
    monkeypatch.delenv("POLICYQA_ADMIN_PASSWORD", raising=False)
    gate = AdminGate()
    assert gate.generated and len(gate.secret) >= 16 and gate.secret in gate.banner()
    for wrong in ("", "admin", None):
        with pytest.raises(ManagementDeniedError, match="管理口令"):
            gate.check(wrong, "10.0.0.1")
    gate.check(gate.secret, "10.0.0.1")
    monkeypatch.setenv("POLICYQA_ADMIN_PASSWORD", "正确的口令")
    assert not AdminGate().generated and AdminGate().secret == "正确的口令"


def test_password_guesses_back_off_per_client_and_never_lock_the_admin_out():
    now = [0.0]
    gate = AdminGate("正确的口令", clock=lambda: now[0])
    for _ in range(4):
        with pytest.raises(ManagementDeniedError, match="不正确"):
            gate.check("猜一个", "10.0.0.2")
    with pytest.raises(ManagementDeniedError, match="不正确"):
        gate.check("猜一个", "10.0.0.2")  # the fifth: from now on this client waits
    with pytest.raises(ManagementDeniedError, match="请 2 秒后再试"):
        gate.check("正确的口令", "10.0.0.2")  # refused unchecked while it waits, even when right
    gate.check("正确的口令", "10.0.0.3")  # another client is never held up
    now[0] = 2.0
    with pytest.raises(ManagementDeniedError, match="不正确"):
        gate.check("猜", "10.0.0.2")
    with pytest.raises(ManagementDeniedError, match="请 4 秒后再试"):  # each wrong guess doubles the wait
        gate.check("猜", "10.0.0.2")
    now[0] = 6.0
    gate.check("正确的口令", "10.0.0.2")  # the wait is over: the right secret works and clears the record
    for n in range(200):  # guesses spread over many addresses hold up only those addresses
        with pytest.raises(ManagementDeniedError):
            gate.check("猜", f"10.1.{n // 250}.{n % 250}")
    gate.check("正确的口令", "10.9.9.9")
    gate.check("正确的口令", "")
    assert len(gate.clients()) == 200


def test_the_guess_table_is_bounded_and_forgets(monkeypatch):
    import ui.admin as admin

    monkeypatch.setattr(admin, "MAX_TRACKED_CLIENTS", 50)
    now = [0.0]
    gate = AdminGate("正确的口令", clock=lambda: now[0])
    for n in range(120):
        with pytest.raises(ManagementDeniedError):
            gate.check("猜", f"10.2.0.{n}")
    assert len(gate.clients()) == 50 and "10.2.0.119" in gate.clients()
    now[0] = admin.FAILURE_MEMORY_S + 1
    with pytest.raises(ManagementDeniedError):
        gate.check("猜", "10.3.0.1")
    assert gate.clients() == ["10.3.0.1"]


def test_uvicorn_believes_forwarded_addresses_only_from_named_proxies():
    from ui.guard import uvicorn_options

    assert uvicorn_options() == {"proxy_headers": False, "forwarded_allow_ips": ""}
    assert uvicorn_options("") == uvicorn_options(None)
    assert uvicorn_options("10.0.0.5, 10.0.1.0/24") == {"proxy_headers": True, "forwarded_allow_ips": ["10.0.0.5", "10.0.1.0/24"]}


def test_guessing_through_the_app_never_locks_the_admin_out_and_addresses_cannot_be_forged(space, embedder):
    """Reduced form of `policyqa reliability --only guessing`."""
    figures = guessing_probe(space, embedder, guesses=40)
    assert figures["behind_proxy"] == {"wrong_refused": 40, "right_secret_accepted": True}
    assert figures["forged_addresses"] == {"clients_counted": ["127.0.0.1"], "right_secret_refused_while_backing_off": True}
    assert figures["tracebacks_logged"] == 0


def test_an_upload_path_must_lie_in_the_upload_cache(tmp_path):
    cache, outside = tmp_path / "cache", tmp_path / "secret.txt"
    (cache / "abc").mkdir(parents=True)
    outside.write_text("机密", encoding="utf-8")
    (cache / "abc" / "ok.txt").write_text("政策", encoding="utf-8")
    (cache / "abc" / "link.txt").symlink_to(outside)
    assert require_upload(cache / "abc" / "ok.txt", cache) == (cache / "abc" / "ok.txt").resolve()
    for bad in (outside, cache / "abc" / "link.txt", cache / ".." / "secret.txt", cache, "/etc/passwd"):
        with pytest.raises(UnsafeRequestError) as refused:
            require_upload(bad, cache)
        assert refused.value.status == 403


def test_json_depth_is_measured_without_parsing():
    assert json_depth(b'{"question": "[[[{{", "doc_ids": ["a"]}') == 2
    assert json_depth(b'"\\"[[["') == 0
    assert json_depth(b"[" * 100_000) == 100_000


def test_the_corpus_is_a_jail(plan_corpus, tmp_path):
    """`corpus/x.txt -> /etc/passwd` was indexed and quoted in answers."""
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    shutil.copytree(plan_corpus, corpus)
    outside.mkdir()
    (outside / "secret.txt").write_text("一、机密\n绝密内容不得外传。\n", encoding="utf-8")
    (corpus / "x.txt").symlink_to(outside / "secret.txt")
    (corpus / "linked").symlink_to(outside, target_is_directory=True)
    (corpus / "passwd.txt").symlink_to("/etc/passwd")
    documents, skipped = load_corpus(corpus)
    assert [d.doc_id for d in documents] == ["qingdao_ai_plan"]
    assert any(reason.startswith("x.txt:") and "符号链接" in reason for reason in skipped)
    assert any(reason.startswith("passwd.txt:") and "符号链接" in reason for reason in skipped)
    assert all("绝密" not in d.text for d in documents)
    assert os.path.islink(corpus / "x.txt")  # skipped, not touched


def test_gradio_upload_route_needs_the_secret_and_keeps_nothing_otherwise(space, embedder):
    """Reduced form of `policyqa reliability --only uploads`."""
    from probes.reliability_bounds import upload_route_probe

    figures = upload_route_probe(space, embedder, uploads=12, megabytes=1)
    assert figures["statuses"]["none"] == {"403": 12} and figures["statuses"]["wrong"] == {"403": 12}
    assert figures["bytes_kept_from_unauthenticated"] == 0
    assert figures["statuses"]["right"] == {"200": 10, "429": 1}  # RATES.upload: 10 at once, then one every 6 s
    assert int(figures["retry_after"]) >= 1 and figures["tracebacks_logged"] == 0


def test_the_upload_cache_has_a_quota(tmp_path):
    import asyncio

    from ui.guard import AdminGate
    from ui.upload_guard import UploadRouteGuard

    cache = tmp_path / "cache"
    (cache / "a").mkdir(parents=True)
    (cache / "a" / "old.bin").write_bytes(b"x" * 900)
    passed: list[str] = []

    async def app(scope, receive, send):
        passed.append(scope["path"])

    guard = UploadRouteGuard(app, AdminGate("口令"), lambda: str(cache), quota=1000)
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    def post(length: int | None, secret: str = "%E5%8F%A3%E4%BB%A4") -> int:
        headers = [(b"x-policyqa-admin", secret.encode())] + ([(b"content-length", str(length).encode())] if length is not None else [])
        scope = {"type": "http", "method": "POST", "path": "/gradio_api/upload", "headers": headers, "client": ("10.0.0.9", 1)}
        sent.clear()
        asyncio.run(guard(scope, None, send))
        return sent[0]["status"] if sent else 200

    assert post(100) == 200 and passed == ["/gradio_api/upload"]
    assert post(101) == 507  # 900 + 101 bytes would pass the quota
    assert post(None) == 411
    assert post(10, secret="wrong") == 403 and len(passed) == 1
