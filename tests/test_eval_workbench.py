"""The evaluation workbench explains itself (issue 25, item 7): runs of two
retrievers compare, a comparison that pairs nothing says why, the report opens
with a summary keeping retrieval and answering apart, warm-up stays out of the
timings, a dataset about documents the index lacks is refused in one line,
LawBench builds the statute index it needs, and `--help` fits 80 columns."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import unicodedata
from pathlib import Path

import pytest

from eval.compare import compare_runs
from eval.report import write_outputs
from eval.run import evaluation_records
from eval.summary import summary_md
from indexer.errors import InvalidArgumentError

from tests.test_eval_metrics import EVIDENCE, FILLER, mixed_records, record

REPO = Path(__file__).resolve().parents[1]
POLICYQA = str(Path(sys.executable).parent / "policyqa")


def run(*args: str, cwd: Path | None = None, columns: int | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, **({"COLUMNS": str(columns)} if columns else {}))
    return subprocess.run(
        [POLICYQA, *args], capture_output=True, text=True, encoding="utf-8", cwd=cwd, timeout=600, env=env
    )


def _good_and_bad(retriever_a: str, retriever_b: str) -> tuple[list, list]:
    good = [record(f"q{i}", retriever_a, [EVIDENCE, FILLER], answer="给予一次性奖励") for i in range(20)]
    bad = [record(f"q{i}", retriever_b, [FILLER, FILLER], answer="无关") for i in range(20)]
    return good, bad


# ---------------------------------------------------------------- --compare


def test_compare_pairs_two_runs_of_different_retrievers(tmp_path: Path) -> None:
    good, bad = _good_and_bad("hybrid", "dense")
    write_outputs(good, tmp_path / "hybrid")
    write_outputs(bad, tmp_path / "dense")
    result = compare_runs(tmp_path / "hybrid", tmp_path / "dense")
    assert result.n_pairs == 20 and not result.reason
    rows = {row.metric: row for row in result.rows}
    assert rows["hit@1"].retriever == "hybrid → dense"
    assert rows["hit@1"].delta == -1.0 and rows["hit@1"].significant
    text = result.render()
    assert "配对样本 Paired: 20" in text and "A=hybrid 与 B=dense" in text and "| hybrid → dense |" in text


def test_compare_picks_two_retrievers_out_of_one_run(tmp_path: Path) -> None:
    good, bad = _good_and_bad("hybrid", "lexical")
    write_outputs(good + bad, tmp_path / "dev")
    result = compare_runs(f"{tmp_path / 'dev'}:hybrid", f"{tmp_path / 'dev'}:lexical")
    assert result.n_pairs == 20
    assert {row.retriever for row in result.rows} == {"hybrid → lexical"}
    # Without the labels the same run pairs with itself per retriever: nothing differs.
    same = compare_runs(tmp_path / "dev", tmp_path / "dev")
    assert same.n_pairs == 40 and not any(row.significant for row in same.rows)


def test_compare_says_why_nothing_pairs(tmp_path: Path) -> None:
    write_outputs(mixed_records("hybrid"), tmp_path / "a")
    other = [record(f"x{i}", "hybrid", [EVIDENCE]) for i in range(5)]
    write_outputs(other, tmp_path / "b")
    different_items = compare_runs(tmp_path / "a", tmp_path / "b")
    assert different_items.n_pairs == 0 and "不同的数据集" in different_items.reason
    assert "q0" in different_items.reason and "x0" in different_items.reason
    assert "无法比较" in different_items.render() and "| 检索器" not in different_items.render()

    write_outputs(mixed_records("hybrid") + mixed_records("lexical"), tmp_path / "two")
    write_outputs(mixed_records("dense") + mixed_records("bm25x"), tmp_path / "other_two")
    ambiguous = compare_runs(tmp_path / "two", tmp_path / "other_two")
    assert ambiguous.n_pairs == 0 and "--compare" in ambiguous.reason and ":hybrid" in ambiguous.reason

    with pytest.raises(InvalidArgumentError, match="results.jsonl"):
        compare_runs(tmp_path / "nowhere", tmp_path / "a")


def test_cli_compare_explains_in_one_line(tmp_path: Path) -> None:
    write_outputs(mixed_records("hybrid"), tmp_path / "a")
    write_outputs([record(f"x{i}", "dense", [EVIDENCE]) for i in range(5)], tmp_path / "b")
    result = run("eval", "--compare", str(tmp_path / "a"), str(tmp_path / "b"))
    assert result.returncode == 2 and "无法比较：两次运行没有相同的题目 id" in result.stdout
    missing = run("eval", "--compare", str(tmp_path / "a"), str(tmp_path / "none"))
    assert missing.returncode == 2 and "results.jsonl" in missing.stderr and "Traceback" not in missing.stderr


# ---------------------------------------------------------------- report summary


def test_report_opens_with_summary_keeping_the_layers_apart(tmp_path: Path) -> None:
    # lexical finds the evidence on every answerable item but abstains on most of them.
    lexical = [
        record(f"q{i}", "lexical", [EVIDENCE, FILLER], answer="文件未提及", abstained=i % 4 != 0)
        for i in range(16)
    ]
    hybrid = [record(f"q{i}", "hybrid", [EVIDENCE, FILLER], answer="给予一次性奖励") for i in range(16)]
    write_outputs(hybrid + lexical, tmp_path)
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    summary_at, details_at = report.index("## 摘要 / Summary"), report.index("## 总览 / Headline")
    assert summary_at < details_at
    summary = report[summary_at:details_at]
    assert "检索 Hit@5" in summary and "作答 误拒 FalseAbst(ans)" in summary
    assert "| lexical | 16（16/0） | 1.00 | 1.00 | 1.00 | 0.75 |" in summary
    assert "lexical：检索层找到了证据（Hit@5 1.00），但作答层拒答了 75% 的有答案题" in summary
    assert "hybrid：" not in summary  # nothing to say about a retriever that does both
    assert "预热" in summary
    assert len(summary.splitlines()) <= 24  # one screen


def test_summary_flags_weak_retrieval_and_answers_to_unanswerable() -> None:
    from eval.metrics import aggregate

    weak = [record(f"q{i}", "dense", [FILLER], answer="无关") for i in range(6)]
    unanswered = [record(f"u{i}", "dense", [FILLER], evidence=[], answer="给予", abstained=False) for i in range(4)]
    text = summary_md(aggregate(weak + unanswered))
    assert "dense：检索层弱（Hit@5 0.00）" in text
    assert "dense：作答层只对 0% 的无答案题回答“文件未提及”" in text


# ---------------------------------------------------------------- warm-up


class CountingAssistant:
    """The real assistant, counting the questions it is asked."""

    def __init__(self, assistant) -> None:
        self.assistant, self.asked = assistant, []

    def ask_batch(self, questions, **options):
        self.asked.append(list(questions))
        return self.assistant.ask_batch(questions, **options)


def test_warm_up_question_is_asked_and_not_recorded(assistant) -> None:
    items = [
        {"id": "a", "question": "谁担任攻势指挥长？", "answer": "薛庆国", "evidence": ["薛庆国"]},
        {"id": "b", "question": "2022年新能源汽车产量要达到多少？", "answer": "50万辆", "evidence": ["50万辆"]},
    ]
    counting = CountingAssistant(assistant)
    records = evaluation_records(counting, items, ["hybrid", "lexical"])
    assert [r["id"] for r in records] == ["a", "b", "a", "b"]
    # Per retriever: the first question once unrecorded, then each question.
    assert counting.asked == [["谁担任攻势指挥长？"], ["谁担任攻势指挥长？"], ["2022年新能源汽车产量要达到多少？"]] * 2


# ---------------------------------------------------------------- documents absent from the index


def test_dataset_about_absent_documents_is_refused_in_one_line(plan_index: Path, tmp_path: Path) -> None:
    dataset = tmp_path / "related.jsonl"
    items = [
        {"id": "e1", "question": "中小企业促进法从哪天开始施行？", "answer": "2018年1月1日",
         "evidence": ["本法自2018年1月1日起施行"], "doc": ["中小企业促进法(2017-09-01)"]},
        {"id": "e2", "question": "专利纠纷怎么处理？", "answer": "…", "evidence": ["专利纠纷"],
         "doc": ["青岛市专利保护规定(2011-11-25)"]},
    ]
    dataset.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n", encoding="utf-8")
    result = run("eval", "--dataset", str(dataset), "--out", str(tmp_path / "out"), "--index-dir", str(plan_index))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "中小企业促进法(2017-09-01)、青岛市专利保护规定(2011-11-25)" in result.stderr
    assert not (tmp_path / "out").exists()  # refused before any question


def test_a_file_named_as_given_is_held_when_its_evidence_is_in_the_index(assistant) -> None:
    """Dev sets name the plan by the seed's file stem (000_81e3…); the index holds it as
    qingdao_ai_plan. Found by its evidence, it is not refused; an unheld law still is."""
    from eval.coverage import missing_documents

    items = [
        {"id": "n1", "question": "新能源汽车产量目标？", "evidence": ["新能源汽车产量达到50万辆"], "doc": ["000_81e3c27fb15cf844"]},
        {"id": "n2", "question": "新能源汽车产值目标？", "evidence": [], "doc": ["000_81e3c27fb15cf844"]},
        {"id": "n3", "question": "施行日期？", "evidence": ["本法自2018年1月1日起施行"], "doc": ["中小企业促进法(2017-09-01)"]},
    ]
    missing, _unfound = missing_documents(items, list(assistant.documents.values()))
    assert missing == ["中小企业促进法(2017-09-01)"]


def test_lawbench_against_the_plan_index_names_the_laws(plan_index: Path, tmp_path: Path) -> None:
    bench = tmp_path / "lawbench"
    bench.mkdir()
    (bench / "statute_files.txt").write_text("lawrefbook-laws/民法商法/公司法(2023-12-29).md\n", encoding="utf-8")
    rows = [{"instruction": "回答以下问题", "question": "民法商法公司法第六十条的内容是什么？", "answer": "答案:只有一个股东的有限责任公司不设股东会。"}]
    (bench / "1-1.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    result = run("eval", "--dataset", str(bench / "1-1.json"), "--out", str(tmp_path / "out"), "--index-dir", str(plan_index))
    assert result.returncode == 2 and "没有数据集所需的文件：公司法；" in result.stderr


def test_lawbench_builds_the_statute_index_in_one_command(tmp_path: Path) -> None:
    """The benchmark's layout in miniature: benchmarks/lawbench/{1-1.json,
    statute_files.txt} and corpora/<tarball>, one law filed under two
    categories as identical copies (as 2 of LawBench's 71 are)."""
    law = REPO / "corpus" / "青岛市专利保护规定(2011-11-25).md"
    staged = tmp_path / "stage" / "lawrefbook-laws"
    for category in ("行政法", "经济法"):
        (staged / category).mkdir(parents=True)
        shutil.copy(law, staged / category / law.name)
    (tmp_path / "corpora").mkdir()
    with tarfile.open(tmp_path / "corpora" / "lawrefbook-laws-md.tar.xz", "w:xz") as archive:
        archive.add(staged, arcname="lawrefbook-laws")
    bench = tmp_path / "benchmarks" / "lawbench"
    bench.mkdir(parents=True)
    listed = [f"lawrefbook-laws/{category}/{law.name}" for category in ("行政法", "经济法")]
    (bench / "statute_files.txt").write_text("\n".join(listed) + "\n", encoding="utf-8")
    rows = [
        {"instruction": "回答以下问题", "question": "行政法青岛市专利保护规定第二条的内容是什么？",
         "answer": "答案:本市行政区域内的专利管理、专利纠纷的行政处理和调解以及专利违法行为的查处等专利保护活动,适用本规定。"},
    ]
    (bench / "1-1.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    result = run("eval", "--dataset", str(bench / "1-1.json"), "--out", "runs/lawbench", "--retrievers", "hybrid", cwd=work)
    assert result.returncode == 0, result.stderr
    assert "LawBench 法条索引：runs/lawbench-statutes/index" in result.stdout
    assert "只收一份：lawrefbook-laws/经济法/" in result.stdout
    assert "已跳过" not in result.stdout + result.stderr  # no duplicate-id skip
    assert [p.name for p in (work / "runs/lawbench-statutes/corpus").rglob("*.md")] == [law.name]
    metrics = json.loads((work / "runs/lawbench/metrics.json").read_text(encoding="utf-8"))
    assert metrics["hybrid"]["hit@1"]["value"] == 1.0
    assert "## 摘要 / Summary" in result.stdout


# ---------------------------------------------------------------- --help


def _cells(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)


def test_eval_help_fits_80_columns() -> None:
    result = run("eval", "--help", columns=80)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert max(map(_cells, lines)) <= 80
    assert "…" not in result.stdout  # nothing cut off
    assert "--compare" in result.stdout and "runs/dev:dense" in result.stdout
