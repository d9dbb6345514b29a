"""Tests of qa.verify: a claim's figures and unit names must be in its quotes."""
from __future__ import annotations

import pytest

from qa.verify import DroppedClaim, checkable_items, verify_claims

EV_QUOTE = "力争到2022年,新能源汽车产量达到50万辆,实现营业收入约500亿元,带动汽车产业链产值在2018年基础上翻一番、突破2000亿元,打造先进新能源汽车生产基地。"
ROSTER_QUOTE = "牵头单位:市工业和信息化局\n\n  (联系人:王法体,电话:85911159)"


def test_an_answer_with_a_number_absent_from_its_quotes_loses_that_claim():
    answer = [
        ("到2022年，新能源汽车产量达到50万辆[1]。", [EV_QUOTE]),
        ("实现营业收入约800亿元[1]。", [EV_QUOTE]),  # the plan says 约500亿元
        ("汽车产业链产值在2018年基础上翻一番[1]。", [EV_QUOTE]),
    ]
    kept, dropped = verify_claims(answer)
    assert kept == [answer[0], answer[2]]
    assert dropped == [DroppedClaim("实现营业收入约800亿元[1]。", (EV_QUOTE,), ("800亿元",))]


def test_a_claim_is_kept_when_any_of_its_quotes_holds_each_item():
    claim = ("新能源汽车产量达到50万辆，联系人王法体，电话85911159", [EV_QUOTE, ROSTER_QUOTE])
    assert verify_claims([claim]) == ([claim], [])


@pytest.mark.parametrize(
    "sentence, missing",
    [
        ("新能源汽车产量达到500万辆", "500万辆"),  # not "50万辆"
        ("新能源汽车产量达到5万辆", "5万辆"),  # a number is not found inside a longer one
        ("到2025年新能源汽车产量达到50万辆", "2025年"),
        ("新能源汽车产量提高20%", "20%"),
        ("联系人王法体，电话85911160", "85911160"),
        ("牵头单位是市科技局", "市科技局"),  # a unit name absent from the quote
        ("文件发布于2019年8月12日", "2019-8-12"),
    ],
)
def test_each_kind_of_item_is_checked(sentence, missing):
    kept, dropped = verify_claims([(sentence, [EV_QUOTE, ROSTER_QUOTE])])
    assert not kept and missing in dropped[0].missing


def test_spellings_of_the_same_figure_and_date_are_accepted():
    quote = "发布日期:2019-08-12 ……投资5,000万元,电话:8591 1159,占比达到１５％"
    claims = [
        ("2019年8月12日发布", [quote]),
        ("投资5000万元", [quote]),
        ("电话85911159", [quote]),
        ("占比15%", [quote]),
    ]
    kept, dropped = verify_claims(claims)
    assert kept == claims and not dropped


def test_markers_clause_labels_and_negated_units_are_not_claims():
    assert checkable_items("见二（二）1和二（六）2（3）[2]") == []
    kept, _ = verify_claims([("不是，参与单位名单中没有市生态环境局[1]。", ["参与单位:市发展改革委、市教育局"])])
    assert kept


def test_claims_without_figures_are_kept_and_figures_without_quotes_are_dropped():
    kept, dropped = verify_claims([("文件未提及该事项。", []), ("产量达到50万辆", [])])
    assert kept == [("文件未提及该事项。", [])]
    assert dropped[0].missing == ("50万辆",)
