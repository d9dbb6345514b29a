"""Serving several people at once (issue 8): concurrent questions share one
encoder pass, and a question during an upload's rebuild is not queued behind it
(it used to wait 49.9 s behind a 400 KB upload)."""
from __future__ import annotations

import shutil
import threading

from probes.reliability import Workspace
from probes.reliability_http import upload_during_questions

QUESTIONS = [
    "2022年新能源汽车产量要达到多少？",
    "谁担任攻势指挥长？",
    "牵头单位的联系人和电话分别是什么？",
    "个人买电动车能拿多少购车补贴？",
]


def test_concurrent_questions_are_batched_and_answered_as_alone(ui_service):
    alone = {q: ui_service.ask(q) for q in QUESTIONS}
    batches_before, items_before = ui_service._batcher.batches, ui_service._batcher.items
    results: dict[int, dict] = {}
    start = threading.Barrier(8)

    def client(n: int) -> None:
        start.wait()
        results[n] = ui_service.ask(QUESTIONS[n % len(QUESTIONS)])

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for n, answer in results.items():
        expected = alone[QUESTIONS[n % len(QUESTIONS)]]
        assert (answer["answer"], answer["abstained"]) == (expected["answer"], expected["abstained"])
    assert ui_service._batcher.items - items_before == 8
    assert ui_service._batcher.batches - batches_before < 8  # some questions shared a batch


def test_a_bad_question_in_a_batch_fails_alone(ui_service):
    from indexer.errors import InvalidQuestionError

    errors, answers = [], []

    def ask(question):
        try:
            answers.append(ui_service.ask(question))
        except InvalidQuestionError as e:
            errors.append(str(e))

    threads = [threading.Thread(target=ask, args=(q,)) for q in ["谁担任攻势指挥长？", "  ", "谁担任攻势指挥长？"]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 2 and len(errors) == 1 and "不能为空" in errors[0]


def test_questions_are_answered_while_an_upload_rebuilds_the_index(plan_corpus, plan_index, embedder, tmp_path):
    shutil.copytree(plan_corpus, tmp_path / "corpus")
    shutil.copytree(plan_index, tmp_path / "index")
    space = Workspace(tmp_path, tmp_path / "corpus", tmp_path / "index", tmp_path / "data")
    figures = upload_during_questions(space, embedder, kilobytes=60)
    assert figures["upload"] == "ok"
    assert figures["questions_during_rebuild"] >= 3
    assert figures["slowest_answer_s"] < max(2.0, figures["rebuild_s"] / 3)


def test_a_normal_question_is_not_starved_by_clients_flooding_costly_ones(ui_service):
    """Reduced form of `policyqa reliability --only flood`: four clients keep
    the costliest questions (500 rare characters) queued; a normal client's
    question goes into the next batch, ahead of everything they queued."""
    from probes.reliability_bounds import costly_question

    batcher = ui_service._batcher
    stop = threading.Event()
    flood_answers: list[dict] = []

    def flooder(n: int) -> None:
        question = costly_question(seed=n)
        while not stop.is_set():
            flood_answers.append(ui_service.ask(question, client=f"flood-{n}"))

    threads = [threading.Thread(target=flooder, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    flooded = len(batcher.trace) + 5
    while len(batcher.trace) < flooded or len(batcher._lanes) < 3:  # each flooder served once, and queued again
        threading.Event().wait(0.01)
    positions = []
    for question in QUESTIONS:
        before = len(batcher.trace)
        answer = ui_service.ask(question, client="normal")
        assert not answer["abstained"] or question == QUESTIONS[3]
        served_in = next(i for i in range(before, len(batcher.trace)) if "normal" in batcher.trace[i])
        positions.append(served_in - before)
    stop.set()
    for t in threads:
        t.join()
    assert max(positions) <= 1, (positions, list(batcher.trace)[-30:])  # the batch running when it came, then its own
    assert flood_answers and all("answer" in a for a in flood_answers)


def test_rate_limits_answer_429_with_retry_after(plan_corpus, plan_index, embedder, tmp_path):
    import httpx

    from probes.reliability_http import served
    from ui.throttle import Rate, Rates

    shutil.copytree(plan_corpus, tmp_path / "corpus")
    shutil.copytree(plan_index, tmp_path / "index")
    space = Workspace(tmp_path, tmp_path / "corpus", tmp_path / "index", tmp_path / "data")
    rates = Rates(question=Rate(per_second=0.01, burst=2), event=Rate(per_second=0.01, burst=3))
    with served(space, embedder, rates=rates) as (base, _service, records, _app), httpx.Client(timeout=60) as client:
        asked = [client.post(f"{base}/api/ask", json={"question": "谁担任攻势指挥长？"}) for _ in range(3)]
        assert [r.status_code for r in asked] == [200, 200, 429]
        assert int(asked[2].headers["retry-after"]) >= 90 and "提问过于频繁" in asked[2].json()["error"]
        # Other clients (here: a proxy's, trusted nowhere by default) are not counted apart from 127.0.0.1.
        joined = [
            client.post(f"{base}/gradio_api/queue/join", json={"data": [], "fn_index": 0, "session_hash": f"s{n}"})
            for n in range(4)
        ]
        assert [r.status_code for r in joined][3] == 429 and all(r.status_code != 429 for r in joined[:3])
        assert "操作过于频繁" in joined[3].json()["error"] and int(joined[3].headers["retry-after"]) >= 90
        assert records.tracebacks == 0
