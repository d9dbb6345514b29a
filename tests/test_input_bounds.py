"""Bounded work for every input (issue 23): strings that are not text, the
cost of a question, the admin's secret under guessing, rate limits."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.errors import InvalidQuestionError
from qa.query import normalise_question, parse_query
from ui.guard import UnsafeRequestError, decode_json, require_valid_text
from probes.reliability_bounds import costly_question, many_parts_question

POLICYQA = str(Path(sys.executable).parent / "policyqa")


# --- item 5: every string is valid text before it is processed ------------------


@pytest.mark.parametrize("bad", ["\ud800", "牵头单位\udfff是谁", "\udcff"])
def test_a_question_with_a_lone_surrogate_is_refused_in_one_line(bad):
    with pytest.raises(InvalidQuestionError, match="无法识别的字符"):
        normalise_question(bad)
    with pytest.raises(InvalidQuestionError, match="无法识别的字符"):
        parse_query(bad)


def test_lone_surrogates_anywhere_in_a_request_are_a_400():
    for raw in (b'{"question": "\\ud800"}', b'{"q\\udc00": 1}', b'{"data": [[["\\udbff"]]]}'):
        with pytest.raises(UnsafeRequestError, match="无法识别的字符") as refused:
            decode_json(raw, 8)
        assert refused.value.status == 400
    assert decode_json('{"question": "牵头单位是谁？😀 \\u00e9"}'.encode(), 8)["question"].endswith("😀 é")
    require_valid_text({"a": ["正常的文本", 5, None, {"b": "\U0001f600"}]})


def test_the_command_line_refuses_an_undecodable_argument_in_one_line(tmp_path):
    # An invalid UTF-8 byte in argv reaches Python as a lone surrogate (surrogateescape).
    result = subprocess.run(
        [os.fsencode(POLICYQA), b"ask", "牵头单位".encode() + b"\xff", b"--index-dir", os.fsencode(tmp_path / "none")],
        capture_output=True,
        timeout=120,
    )
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, err
    assert "无法识别的字符" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


# --- item 2: a question's cost is bounded; one client cannot starve the others ---


def test_no_viterbi_runs_over_a_question_of_rare_characters(monkeypatch):
    import jieba.posseg

    calls = []
    real = jieba.posseg.viterbi
    monkeypatch.setattr(jieba.posseg, "viterbi", lambda *args: calls.append(len(args[0])) or real(*args))
    from indexer.tokenize import place_names, proper_nouns

    question = costly_question()
    query = parse_query(question)
    assert query.proper_nouns == () and place_names(question) == [] and proper_nouns(question) == []
    assert calls == []  # the HMM's Viterbi (256 states per character) never runs
    # Names in the dictionary are still found, before and after rare characters.
    assert "比亚迪" in parse_query(costly_question(200) + "比亚迪的整车项目有什么安排").proper_nouns
    assert place_names(costly_question(100) + "济南和潍坊的企业" + costly_question(100, seed=1)) == ["济南", "潍坊"]


def test_a_question_asking_many_things_gets_its_first_parts_answered_and_a_note(assistant, monkeypatch):
    from qa.parts import MAX_PARTS, PARTS_MAX_CHARS, asking_parts

    retrieved: list[int] = []
    real = type(assistant)._answer_by_retrieval
    monkeypatch.setattr(
        type(assistant), "_answer_by_retrieval", lambda self, qs, *a: retrieved.append(len(qs)) or real(self, qs, *a)
    )
    question = many_parts_question(12)
    assert len(asking_parts(question)) == 12 and len(question) <= PARTS_MAX_CHARS
    answer = assistant.ask(question)
    assert retrieved == [1, MAX_PARTS]  # the whole question, then its first MAX_PARTS parts
    assert f"只分别回答了前 {MAX_PARTS} 个" in " ".join(answer.notes)
    assert answer.parts == () or len(answer.parts) == MAX_PARTS
    # Over PARTS_MAX_CHARS: answered whole, and the note says how to get each part answered.
    retrieved.clear()
    long_one = assistant.ask(many_parts_question())
    assert len(many_parts_question()) > PARTS_MAX_CHARS and retrieved == [1]
    assert "已按整体回答" in " ".join(long_one.notes)
    # A question asking two things is answered part by part as before, without a note.
    retrieved.clear()
    two = assistant.ask("牵头单位是谁？联系电话是多少？")
    assert retrieved == [1, 2] and not any("回答" in note for note in two.notes)


def test_spelling_looks_up_sounds_only_for_spans_one_character_from_an_index_word(monkeypatch):
    import qa.spelling as spelling

    speller = spelling.Speller(["电话", "新能源", "环境", "政策"])
    looked_up: list[str] = []
    real = spelling._syllables
    monkeypatch.setattr(spelling, "_syllables", lambda word: looked_up.append(word) or real(word))
    assert speller.corrections(costly_question(200)) == () and looked_up == []
    assert speller.corrections("联系电化多少") == (("电化", "电话"),) and "电化" in looked_up


def test_the_batcher_serves_a_newcomer_in_the_next_batch_and_keeps_to_its_budget():
    import threading

    from ui.concurrency import MicroBatcher

    gate = threading.Event()
    batches: list[list[str]] = []

    def run(key, items):
        gate.wait()
        batches.append(list(items))
        return [item.upper() for item in items]

    batcher = MicroBatcher(run, max_batch=16, cost=len, budget=12)
    results: dict[str, str] = {}

    def ask(client: str, item: str) -> None:
        results[item] = batcher.submit("k", item, client=client)

    first = threading.Thread(target=ask, args=("flood-a", "a-first"))
    first.start()
    while not batcher.trace:  # the first batch is running (held at the gate)
        threading.Event().wait(0.01)
    threads = [threading.Thread(target=ask, args=(f"flood-{c}", f"{c}-{n:02d}")) for c in "ab" for n in range(20)]
    for t in threads:
        t.start()
    while sum(len(lane) for lane in batcher._lanes.values()) < 40:
        threading.Event().wait(0.01)
    newcomer = threading.Thread(target=ask, args=("normal", "normal"))
    newcomer.start()
    while "normal" not in batcher._lanes:
        threading.Event().wait(0.01)
    gate.set()
    for t in [first, *threads, newcomer]:
        t.join()
    assert results["normal"] == "NORMAL" and len(results) == 42
    assert "normal" in batches[1]  # in the very next batch, ahead of 40 waiting questions
    assert all(sum(map(len, batch)) <= 12 or len(batch) == 1 for batch in batches)
    # Fair by cost: after every batch the two flooding clients have had the same
    # share of characters ("a-first" included), give or take one question.
    served = {"a": 0, "b": 0}
    for batch in batches:
        for item in batch:
            if item != "normal":
                served[item[0]] += len(item)
        assert abs(served["a"] - served["b"]) <= len("a-first"), batches


def test_a_short_question_goes_before_a_long_one_from_a_client_that_used_as_much():
    """The pick counts the next job's cost with the client's use: a normal asker
    (short questions, often) is not put behind a flood of 500-character ones
    whose clients each used a little less lately."""
    import threading

    from ui.concurrency import MicroBatcher

    gate, started = threading.Event(), threading.Event()
    order: list[str] = []

    def run(key, items):
        started.set()
        gate.wait()
        order.extend(item[:1] for item in items)
        return items

    batcher = MicroBatcher(run, cost=len, budget=500, clock=lambda: 100.0)
    batcher._usage.update({"normal": (200.0, 100.0), "flood": (100.0, 100.0)})
    first = threading.Thread(target=batcher.submit, args=("k", "w" * 10, "warm"))
    first.start()
    started.wait()  # the worker is busy: both questions below wait for the next pick
    threads = [
        threading.Thread(target=batcher.submit, args=("k", "F" * 500, "flood")),
        threading.Thread(target=batcher.submit, args=("k", "n" * 15, "normal")),
    ]
    for t in threads:
        t.start()
    while sum(len(lane) for lane in batcher._lanes.values()) < 2:
        threading.Event().wait(0.01)
    gate.set()
    for t in [first, *threads]:
        t.join()
    assert order == ["w", "n", "F"]  # use + cost: 215 before 600 (use alone: 100 before 200)


def test_a_job_past_its_wait_budget_is_withdrawn_unanswered():
    import threading

    from ui.concurrency import BatcherBusyError, MicroBatcher

    gate = threading.Event()
    ran: list[str] = []

    def run(key, items):
        gate.wait()
        ran.extend(items)
        return items

    batcher = MicroBatcher(run)
    holder = threading.Thread(target=batcher.submit, args=("k", "first"))
    holder.start()
    while not batcher.trace:
        threading.Event().wait(0.01)
    with pytest.raises(BatcherBusyError):
        batcher.submit("k", "late", client="x", timeout=0.05)
    gate.set()
    holder.join()
    assert batcher.submit("k", "after") == "after"  # the batcher goes on
    assert "late" not in ran and ran[0] == "first"


def test_rate_limiter_refuses_past_the_burst_and_says_when_to_return():
    from ui.throttle import Rate, RateLimitedError, RateLimiter

    now = [0.0]
    limiter = RateLimiter(Rate(per_second=0.5, burst=3), "提问", clock=lambda: now[0])
    for _ in range(3):
        limiter.take("10.0.0.1")
    with pytest.raises(RateLimitedError, match="请 2 秒后再试") as refused:
        limiter.take("10.0.0.1")
    assert refused.value.retry_after == 2
    limiter.take("10.0.0.2")  # others are not affected
    now[0] = 2.0
    limiter.take("10.0.0.1")
    with pytest.raises(RateLimitedError):
        limiter.take("10.0.0.1")
    with pytest.raises(ValueError):
        Rate(per_second=0, burst=1)


# --- item 3: feedback cannot fill the disk ----------------------------------------


def test_feedback_is_once_per_answer_and_client_rate_limited_and_rotated(tmp_path):
    import json

    from ui.feedback import FEEDBACK_KEEP, FeedbackError, FeedbackLog
    from ui.throttle import Rate, RateLimitedError

    log = FeedbackLog(tmp_path, rate=Rate(per_second=0.001, burst=3), max_bytes=2000)
    record = {"question": "谁担任攻势指挥长？", "answer": "薛庆国", "citations": [], "rating": "有用"}
    log.record(record, "10.0.0.1")
    for rating in ("有用", "没用"):
        with pytest.raises(FeedbackError, match="已经评价过"):
            log.record({**record, "rating": rating}, "10.0.0.1")
    log.record(record, "10.0.0.2")  # another client may rate the same answer
    log.record({**record, "answer": "另一个回答"}, "10.0.0.1")
    log.record({**record, "answer": "第三个回答"}, "10.0.0.1")
    with pytest.raises(RateLimitedError):
        log.record({**record, "answer": "第四个回答"}, "10.0.0.1")
    lines = [json.loads(line) for line in log.path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 4 and "10.0.0.1" not in log.path.read_text(encoding="utf-8")  # raters hashed, not kept
    # A restart remembers who rated what.
    again = FeedbackLog(tmp_path)
    with pytest.raises(FeedbackError, match="已经评价过"):
        again.record(record, "10.0.0.2")
    # Rotation by size: many clients, each once; never more than max_bytes × (keep + 1) on disk.
    rotating = FeedbackLog(tmp_path / "rot", rate=Rate(per_second=100, burst=100), max_bytes=2000)
    for n in range(200):
        rotating.record({**record, "comment": "好" * 50}, f"10.1.0.{n}")
    parts = sorted(p.name for p in (tmp_path / "rot").iterdir())
    assert parts == ["feedback.jsonl"] + [f"feedback.jsonl.{n}" for n in range(1, FEEDBACK_KEEP + 1)]
    assert all(p.stat().st_size <= 2000 for p in (tmp_path / "rot").iterdir())


def test_two_hundred_clicks_on_one_answer_write_one_record(ui_workspace, embedder, tmp_path):
    """Reduced form of `policyqa reliability --only feedback` (the issue measured 200 records in 3.3 s)."""
    from probes.reliability import Workspace
    from probes.reliability_bounds import feedback_flood

    space = Workspace(tmp_path, ui_workspace.corpus, ui_workspace.index, tmp_path / "data")
    figures = feedback_flood(space, embedder, clicks=200)
    assert figures["records_written"] == 1 + 3  # one per answer and client
    assert figures["refused"] == {"FeedbackError": 199}


# --- item 7: the viewer's highlighting is linear in the document -------------------


def _highlighted_reference(text, offset, layers):
    """The former definition: every span tested for every piece (quadratic)."""
    from ui.render import esc
    from ui.render_document import _BLANK_LINES

    end = offset + len(text)
    points = sorted({offset, end} | {p for spans in layers.values() for s, e in spans for p in (s, e) if offset < p < end})
    out = []
    for a, b in zip(points, points[1:]):
        piece = esc(_BLANK_LINES.sub("\n", text[a - offset : b - offset]))
        classes = [name for name, spans in layers.items() if any(s <= a and b <= e for s, e in spans)]
        marks = [name for name in classes if name in ("hit", "term")]
        if marks:
            piece = f'<mark class="{" ".join("pq-" + m for m in marks)}">{piece}</mark>'
        if "focus" in classes:
            piece = f'<span class="pq-focus">{piece}</span>'
        out.append(piece)
    return "".join(out)


def test_highlighting_matches_the_former_definition_on_overlapping_spans():
    import random

    from ui.render_document import highlighted, term_spans

    rng = random.Random(23)
    text = "".join(rng.choice("政策补助，。的和\n<&") for _ in range(3000))
    for offset in (0, 40):
        layers = {
            "term": term_spans(text, ["，", "的", "补助", "<"]),
            "hit": [(offset + a, offset + a + rng.randint(0, 300)) for a in rng.sample(range(-50, 3000), 20)],
            "focus": [(offset - 10, offset + 700), (offset + 2000, offset + 4000)],
        }
        layers["term"] = [(offset + a, offset + b) for a, b in layers["term"]]
        assert highlighted(text, offset, layers) == _highlighted_reference(text, offset, layers)
