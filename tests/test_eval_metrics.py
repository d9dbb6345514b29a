"""Tests for eval.metrics, eval.report and eval.compare (no model, hand-checkable fixtures)."""
from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any

import pytest

from eval.answer_text import answer_tokens, char_f1, exact_match
from eval.compare import compare_records, compare_runs, paired_randomization_test, render_comparison
from eval.metrics import (
    HEADLINE_METRICS,
    aggregate,
    answer_scores,
    bootstrap_ci,
    citation_evidence_recall,
    evidence_recall_at_k,
    hit_at_k,
    is_relevant,
    item_scores,
    matches_evidence,
    mrr_at_k,
    ndcg_at_k,
    relevant_ranks,
)
from eval.report import headline_table, read_results, render_report_md, write_outputs
from eval.trec import write_trec

# 24 characters; any 20 consecutive ones count as an overlap.
EVIDENCE = "对新认定的国家级专精特新小巨人企业给予一次性奖励"
FILLER = "本办法自印发之日起施行有效期三年由市工业和信息化局负责解释"
NOT_MENTIONED = "文件未提及"


def passage(rank: int, text: str, chunk_id: str | None = None, score: float = 1.0) -> dict[str, Any]:
    return {
        "rank": rank,
        "chunk_id": chunk_id or f"c{rank}",
        "doc_id": "doc",
        "clause": "一",
        "path": "一、总则",
        "text": text,
        "score": score,
    }


def record(
    item_id: str = "q1",
    retriever: str = "hybrid",
    texts: list[str] | None = None,
    evidence: list[str] | None = None,
    answer: str = "",
    gold_answer: str = "给予一次性奖励",
    abstained: bool = False,
    quotes: list[str] | None = None,
    qtype: str = "事实",
    persona: str = "企业",
    timings: tuple[float, float] = (10.0, 90.0),
) -> dict[str, Any]:
    evidence = [EVIDENCE] if evidence is None else evidence
    return {
        "id": item_id,
        "retriever": retriever,
        "question": "奖励多少？",
        "answer": answer,
        "abstained": abstained,
        "citations": [
            {"n": n, "chunk_id": "c1", "doc_id": "doc", "doc_title": "办法", "clause": "一",
             "path": "一", "quote": quote, "start": 0, "end": len(quote)}
            for n, quote in enumerate(quotes or [], start=1)
        ],
        "passages": [passage(rank, text) for rank, text in enumerate(texts or [], start=1)],
        "timings_ms": {"retrieve": timings[0], "answer": timings[1]},
        "gold": {
            "answer": gold_answer if evidence else NOT_MENTIONED,
            "evidence": evidence,
            "type": qtype,
            "persona": persona,
            "section": "一",
        },
    }


# ---------------------------------------------------------------- relevance rule


def test_relevance_ignores_all_whitespace() -> None:
    spaced = "第三条　对新认定的 国家级专精特新\n小巨人企业\t给予一次性奖励50万元。"
    assert matches_evidence(spaced, EVIDENCE)
    assert matches_evidence("给予一次性奖励", "给予 一次性\n奖励")


def test_relevance_twenty_character_overlap() -> None:
    assert len(EVIDENCE) == 24
    assert matches_evidence("前文" + EVIDENCE[:20] + "后文", EVIDENCE)
    assert matches_evidence("前文" + EVIDENCE[4:] + "后文", EVIDENCE)
    assert not matches_evidence("前文" + EVIDENCE[:19] + "后文", EVIDENCE)
    # Two 12-character pieces do not make a 20-character contiguous overlap.
    assert not matches_evidence(EVIDENCE[:12] + "，" + EVIDENCE[12:], EVIDENCE)


def test_short_evidence_must_be_contained_whole() -> None:
    assert matches_evidence("补助标准为每人每月500元。", "每人每月500元")
    assert not matches_evidence("补助标准为每人每月400元。", "每人每月500元")
    assert not matches_evidence("任何文字", "   ")


def test_is_relevant_uses_any_evidence_string() -> None:
    assert is_relevant("其中每人每月500元", ["不在文中的证据", "每人每月500元"])
    assert not is_relevant(FILLER, [EVIDENCE, "每人每月500元"])
    assert not is_relevant(EVIDENCE, [])


def test_relevant_ranks_sorts_by_rank_and_drops_repeated_chunks() -> None:
    item = record(texts=[])
    item["passages"] = [
        passage(3, EVIDENCE, "c3"),
        passage(1, FILLER, "c1"),
        passage(2, FILLER, "c1"),  # the same chunk again: TREC tools keep one
        passage(4, "奖励：" + EVIDENCE, "c4"),
    ]
    assert relevant_ranks(item) == [2, 3]


# ---------------------------------------------------------------- ranking metrics


def test_hit_mrr_ndcg_by_hand() -> None:
    ranks = [2, 4]
    assert [hit_at_k(ranks, k) for k in (1, 3, 5, 10)] == [0.0, 1.0, 1.0, 1.0]
    assert mrr_at_k(ranks) == 0.5
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at_k(ranks) == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / ideal)
    assert ndcg_at_k([1]) == 1.0
    assert ndcg_at_k([]) == 0.0 and mrr_at_k([]) == 0.0 and hit_at_k([], 10) == 0.0


def test_ranking_metrics_cut_at_k_but_ideal_counts_all_retrieved_relevant() -> None:
    assert mrr_at_k([12]) == 0.0
    assert ndcg_at_k([12]) == 0.0
    # Relevant at 1 and 3, k=2: DCG counts rank 1 only, the ideal has two relevant in the top 2.
    assert ndcg_at_k([1, 3], k=2) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_evidence_recall_at_5() -> None:
    second = "每人每月500元"
    texts = [FILLER, EVIDENCE, FILLER, FILLER, FILLER, "标准：" + second]
    item = record(texts=texts, evidence=[EVIDENCE, second])
    assert evidence_recall_at_k(item, 5) == 0.5
    assert evidence_recall_at_k(item, 6) == 1.0
    assert evidence_recall_at_k(record(texts=texts, evidence=[])) is None


def test_citation_evidence_recall() -> None:
    second = "每人每月500元"
    item = record(evidence=[EVIDENCE, second], quotes=[EVIDENCE[2:23], "无关引文"])
    assert citation_evidence_recall(item) == 0.5
    assert citation_evidence_recall(record(evidence=[EVIDENCE], quotes=[])) == 0.0
    assert citation_evidence_recall(record(evidence=[])) is None


# ---------------------------------------------------------------- answer metrics


def test_cmrc_normalisation() -> None:
    assert answer_tokens("在２０２５年底前 完成，AI v1.2！") == [
        "在", "2025", "年", "底", "前", "完", "成", "ai", "v1.2"
    ]
    assert exact_match("补贴：50万元。", "补贴50万元") == 1.0
    assert exact_match("ABC 公司", "abc公司") == 1.0
    assert exact_match("补贴50万元", "补贴60万元") == 0.0


def test_cmrc_f1_uses_longest_common_substring() -> None:
    # Prediction 7 tokens, reference 4, common run 4: P=4/7, R=1, F1=8/11.
    assert char_f1("在2025年底前完成", "2025年底前") == pytest.approx(8 / 11)
    # A common subsequence of 3 but a longest common substring of 1 token.
    assert char_f1("甲乙丙丁", "甲丙乙丁") == pytest.approx(0.25)
    assert char_f1("完全无关", "奖励资金") == 0.0
    assert char_f1("奖励资金", "奖励资金。") == 1.0


def test_answer_scores_for_abstention_and_citation_markers() -> None:
    assert answer_scores(record(evidence=[], abstained=True, answer=NOT_MENTIONED)) == (1.0, 1.0)
    assert answer_scores(record(evidence=[], abstained=False, answer="奖励50万元")) == (0.0, 0.0)
    answerable_abstained = record(abstained=True, answer="文件未提及一次性奖励", gold_answer="一次性奖励")
    assert answer_scores(answerable_abstained) == (0.0, 0.0)
    cited = record(answer="给予一次性奖励[1]【2】", gold_answer="给予一次性奖励")
    assert answer_scores(cited) == (1.0, 1.0)


def test_item_scores_apply_only_where_defined() -> None:
    unanswerable = item_scores(record(evidence=[], abstained=True, timings=(5.0, 7.5)))
    assert unanswerable["abstention"] == 1.0
    assert unanswerable["false_abstention"] is None
    assert unanswerable["hit@1"] is None and unanswerable["evr@5"] is None
    assert unanswerable["latency_ms"] == 12.5
    answerable = item_scores(record(texts=[EVIDENCE], abstained=False))
    assert answerable["abstention"] is None
    assert answerable["false_abstention"] == 0.0
    assert answerable["hit@1"] == 1.0 and answerable["mrr@10"] == 1.0


# ---------------------------------------------------------------- aggregation and bootstrap


def mixed_records(retriever: str = "hybrid", n: int = 12) -> list[dict[str, Any]]:
    """Answerable items alternate hit at rank 1 / rank 3; every fourth item is unanswerable."""
    records = []
    for i in range(n):
        if i % 4 == 3:
            records.append(record(f"q{i}", retriever, [FILLER], evidence=[], abstained=i % 8 == 3,
                                  qtype="无答案", persona="市民", timings=(10.0, 10.0 * i)))
        else:
            texts = [EVIDENCE, FILLER, FILLER] if i % 2 == 0 else [FILLER, FILLER, EVIDENCE]
            records.append(record(f"q{i}", retriever, texts, answer="给予一次性奖励",
                                  timings=(10.0, 10.0 * i)))
    return records


def test_bootstrap_ci_contains_estimate_and_is_deterministic() -> None:
    values = [0.91, 0.12, 0.77, 0.64, 0.5, 0.03, 0.88, 0.25, 0.47, 0.69]
    low, high = bootstrap_ci(values, seed=7)
    assert low <= sum(values) / len(values) <= high
    assert low < high
    assert bootstrap_ci(values, seed=7) == (low, high)
    assert bootstrap_ci(values, seed=8) != (low, high)


def test_aggregate_structure_and_intervals() -> None:
    metrics = aggregate(mixed_records("hybrid") + mixed_records("lexical"))
    assert list(metrics) == ["hybrid", "lexical"]
    hybrid = metrics["hybrid"]
    assert (hybrid["n_items"], hybrid["n_answerable"], hybrid["n_unanswerable"]) == (12, 9, 3)
    assert hybrid["hit@1"]["value"] == pytest.approx(6 / 9)  # even-numbered items
    assert hybrid["hit@3"]["value"] == 1.0
    assert hybrid["mrr@10"]["value"] == pytest.approx((6 + 3 * (1 / 3)) / 9)
    assert hybrid["abstention"]["value"] == pytest.approx(2 / 3)  # q3, q11 abstain; q7 does not
    assert hybrid["abstention"]["n"] == 3
    for spec in HEADLINE_METRICS:
        entry = hybrid[spec.key]
        low, high = entry["ci"]
        assert low <= entry["value"] <= high, spec.key
    assert set(hybrid["by_type"]) == {"事实", "无答案"}
    assert hybrid["by_type"]["无答案"]["hit@1"] == {"value": None, "ci": None, "n": 0}
    assert set(hybrid["by_persona"]) == {"企业", "市民"}
    assert aggregate(mixed_records()) == aggregate(mixed_records())


def test_aggregate_rejects_duplicate_records() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        aggregate([record("q1"), record("q1")])


# ---------------------------------------------------------------- TREC export vs ranx


def ranking_fixture() -> list[dict[str, Any]]:
    """Two retrievers, several queries, relevant positions chosen by hand; tied scores."""
    layouts = {
        "hybrid": [[1], [2, 5], [], [3, 4, 9], [10], list(range(1, 11)), [7]],
        "lexical": [[2], [1], [6], [], [1, 2], [4, 8], [3, 10]],
    }
    records = []
    for retriever, per_query in layouts.items():
        for q, relevant in enumerate(per_query):
            evidence = f"第{q}项{EVIDENCE}"
            item = record(f"q{q}", retriever, evidence=[evidence])
            # Every score ties, so only the written order can keep our ranking.
            item["passages"] = [
                passage(rank, f"条款{rank}：{evidence}" if rank in relevant else f"{FILLER}{rank}",
                        f"doc{q}-c{rank}", score=0.5)
                for rank in range(1, 11)
            ]
            records.append(item)
        records.append(record("unanswerable", retriever, [FILLER], evidence=[]))
    return records


def test_ranx_reproduces_mrr_and_ndcg(tmp_path: Path) -> None:
    ranx = pytest.importorskip("ranx")
    records = ranking_fixture()
    paths = write_trec(records, tmp_path)
    ours = aggregate(records)
    for retriever in ("hybrid", "lexical"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numba type-safety chatter
            qrels = ranx.Qrels.from_file(str(paths[f"qrels.{retriever}"]), kind="trec")
            run = ranx.Run.from_file(str(paths[f"run.{retriever}"]), kind="trec")
            theirs = ranx.evaluate(qrels, run, ["mrr@10", "ndcg@10", "hit_rate@5"])
        assert theirs["mrr@10"] == pytest.approx(ours[retriever]["mrr@10"]["value"], abs=1e-6)
        assert theirs["ndcg@10"] == pytest.approx(ours[retriever]["ndcg@10"]["value"], abs=1e-6)
        assert theirs["hit_rate@5"] == pytest.approx(ours[retriever]["hit@5"]["value"], abs=1e-6)


def test_trec_files_layout(tmp_path: Path) -> None:
    paths = write_trec(ranking_fixture(), tmp_path)
    run_lines = paths["run"].read_text(encoding="utf-8").splitlines()
    assert run_lines[0] == "q0 Q0 doc0-c1 1 1.000000 hybrid"
    assert {line.split()[5] for line in run_lines} == {"hybrid", "lexical"}
    assert not any(line.startswith("unanswerable ") for line in run_lines)
    qrels = paths["qrels"].read_text(encoding="utf-8").splitlines()
    assert "q0 0 doc0-c1 1" in qrels and "q0 0 doc0-c2 1" in qrels  # pooled over retrievers
    assert "q0 0 doc0-c2 1" not in paths["qrels.hybrid"].read_text(encoding="utf-8").splitlines()


def test_trec_rejects_ids_with_whitespace(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="TREC"):
        write_trec([record("q 1", texts=[EVIDENCE])], tmp_path)


# ---------------------------------------------------------------- outputs and comparison


def test_write_outputs_writes_all_files(tmp_path: Path) -> None:
    records = mixed_records("hybrid") + mixed_records("dense")
    metrics = write_outputs(records, tmp_path)
    for name in ("results.jsonl", "metrics.json", "report.md", "report.png", "run.trec", "qrels.trec"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert read_results(tmp_path / "results.jsonl") == records
    assert "给予一次性奖励" in (tmp_path / "results.jsonl").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8")) == metrics
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "| Retriever | n | Hit@1 | Hit@3 | Hit@5 | Hit@10 | MRR@10 | nDCG@10 |" in report
    hit1 = metrics["hybrid"]["hit@1"]
    low, high = hit1["ci"]
    assert f"| hybrid | 12 | {hit1['value']:.2f} [{low:.2f},{high:.2f}] |" in report
    assert "按题型" in report and "| 无答案 | dense |" in report
    assert report == render_report_md(metrics)
    assert headline_table(metrics) in report
    assert (tmp_path / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_flags_big_difference_and_not_identical_run(tmp_path: Path) -> None:
    good = [record(f"q{i}", "hybrid", [EVIDENCE, FILLER], answer="给予一次性奖励") for i in range(20)]
    bad = [record(f"q{i}", "hybrid", [FILLER, FILLER], answer="无关") for i in range(20)]
    write_outputs(good, tmp_path / "a")
    write_outputs(bad, tmp_path / "b")
    result = compare_runs(tmp_path / "a", tmp_path / "b")
    rows = {row.metric: row for row in result.rows}
    assert result.n_pairs == 20 and result.only_in_a == result.only_in_b == 0
    assert rows["hit@1"].value_a == 1.0 and rows["hit@1"].value_b == 0.0
    assert rows["hit@1"].delta == -1.0 and rows["hit@1"].significant
    assert rows["f1"].significant
    assert "更差 worse" in render_comparison(result)
    assert result.render() == render_comparison(result)

    same = compare_records(good, good)
    assert not any(row.significant for row in same.rows)
    assert all(row.p_value == 1.0 for row in same.rows if row.p_value is not None)
    assert "检索器 Retriever" in render_comparison(same)


def test_paired_randomization_small_shift_is_not_significant() -> None:
    a = [1.0, 0.0] * 10
    b = a[:-1] + [1.0]
    assert paired_randomization_test(a, b) > 0.05
    assert paired_randomization_test(a, b) == paired_randomization_test(a, b)
