"""Serving several people at once (issue 8): concurrent questions share one
encoder pass, and a question during an upload's rebuild is not queued behind it
(it used to wait 49.9 s behind a 400 KB upload)."""
from __future__ import annotations

import shutil
import threading

from ui.reliability import Workspace
from ui.reliability_http import upload_during_questions

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
