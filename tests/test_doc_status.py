"""Every document carries its status, read from its dates, versions and
有效期 (qa/doc_status.py), one date model shown everywhere (indexer/docmeta.py),
and status questions answered from the metadata with the clause that states
it (qa/status_answer.py). Issue 25, item 1."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.docmeta import NOT_STATED, document_dates
from indexer.loaders import load_document
from indexer.types import Document
from qa.doc_filter import document_year
from qa.doc_status import AMENDED, EXPIRED, IN_FORCE, NOT_YET, PERIOD_ENDED, REPEALED, Statuses, period_years
from qa.status_answer import status_question
from tests.conftest import policyqa_in_process

TODAY = "2026-12-07"

EXPIRED_POLICY = """青岛市远洋渔业设备更新补助办法（测试用虚构文件）

第一条 为支持远洋渔业企业更新捕捞设备，制定本办法。

第二条 在本市注册的远洋渔业企业更新捕捞设备的，按设备投资额的20%给予补助，最高50万元。

第三条 本办法自2024年1月1日起施行，有效期至2025年12月31日。
"""


def document(doc_id: str, title: str, text: str = "正文。", **fields) -> Document:
    return Document(doc_id=doc_id, title=title, text=text, source_path=f"{doc_id}.md", **fields)


def test_status_of_each_kind_with_why() -> None:
    documents = [
        document("law2018", "公司法", effective="2018-10-26", revisions=("2018-10-26",), content_hash="a"),
        document("law2024", "公司法", effective="2024-07-01", revisions=("2023-12-29",), content_hash="b"),
        document("old_rule", "青岛市专利保护办法", effective="2000-01-01"),
        document("new_rule", "青岛市专利保护规定", "第三十条 本规定自2005年1月1日起施行。《青岛市专利保护办法》同时废止。", effective="2005-01-01"),
        document("expired", "远洋渔业补助办法", effective="2024-01-01", valid_until="2025-12-31"),
        document("plan", "攻势作战方案(2019—2022年)", period="2019—2022", published="2019-08-12"),
        document("future", "新规定", effective="2027-03-01"),
        document("current", "促进条例", effective="2022-01-01", valid_until="2030-12-31"),
    ]
    statuses = Statuses(documents)
    got = {doc_id: statuses.of(doc_id, TODAY) for doc_id in (d.doc_id for d in documents)}
    assert got["law2018"].label == AMENDED and got["law2018"].other == "law2024"
    assert got["law2018"].text == "已修订（现行版本：2024-07-01 施行）"
    assert got["law2024"].label == IN_FORCE
    assert got["old_rule"].label == REPEALED and got["old_rule"].other == "new_rule"
    assert got["old_rule"].text == "已失效（已由《青岛市专利保护规定》废止）"
    assert got["expired"].text == "有效期已过（有效期至 2025-12-31）"
    assert got["plan"].text == "实施期已结束（实施期限 2019—2022 年，已于 2022 年底结束）"
    assert got["future"].label == NOT_YET
    assert got["current"].text == "现行有效（自 2022-01-01 起施行，有效期至 2030-12-31）"
    # On an earlier day the same documents read differently.
    assert statuses.of("expired", "2025-06-01").label == IN_FORCE
    assert statuses.of("plan", "2021-01-01").label == IN_FORCE
    assert statuses.of("law2018", "2020-01-01").label == IN_FORCE
    assert {EXPIRED, PERIOD_ENDED} <= {s.label for s in got.values()}
    assert period_years("2019—2022") == (2019, 2022) and period_years("") is None


def test_one_date_model_for_a_statute_and_a_plan(plan: Document) -> None:
    law = load_document(Path("corpus/中小企业促进法(2017-09-01).md"), Path("corpus"))
    dates = dict(document_dates(law).items())
    assert dates == {"成文日期": "2017-09-01（修订通过）", "发布日期": NOT_STATED, "施行日期": "2018-01-01", "有效期至": NOT_STATED}
    assert dict(document_dates(plan).items())["发布日期"] == "2019-08-12"
    # The year filter reads the same model: a statute has a year too.
    assert document_year(law) == "2017" and document_year(plan) == "2019"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("这个方案还有效吗？", "in_force"),
        ("这个政策现在是否已经失效？", "in_force"),
        ("中小企业促进法什么时候施行？", "effective"),
        ("修订后的《中小企业促进法》从哪天开始施行？", "effective"),
        ("这个办法有效期到什么时候？", "valid_until"),
        ("这份文件是哪天印发的？", "issued"),
        ("该条例的发布日期是什么？", "issued"),
        ("这部条例修正过几次？", "revised"),
        ("专利保护规定是哪年修改的？", "revised"),
        ("修改后的条款有哪些？", ""),
        ("2022年新能源汽车产量要达到多少？", ""),
        ("这个方案的实施期限是几年？", "valid_until"),
        ("该办法的执行期到什么时候？", "valid_until"),
        ("实施过程中要注意什么？", ""),
        # The cue asks of something that is no document: a deduction's excess, a tax measure.
        ("捐赠超出的部分还能用吗？", ""),
        ("研发费用加计扣除什么时候开始执行？", ""),
        ("现在还有效吗？", "in_force"),  # a bare pointer: the document in focus
    ],
)
def test_status_questions_are_recognised(question: str, kind: str) -> None:
    assert status_question(question) == kind


def test_still_in_force_is_answered_from_metadata_with_the_title(assistant) -> None:
    answer = assistant.ask("这个方案还有效吗？", as_of=TODAY)
    assert not answer.abstained
    assert "实施期已结束" in answer.text and "2022 年底结束" in answer.text
    assert "科技成果转化" not in answer.text  # not a clause that merely says 有效
    assert answer.citations and "2019—2022" in answer.citations[0].quote
    assert answer.citations[0].status.startswith(PERIOD_ENDED)


def test_a_plan_without_a_validity_is_answered_with_its_period(assistant) -> None:
    answer = assistant.ask("方案的实施期限是哪几年？", as_of=TODAY)
    assert not answer.abstained and "实施期限为2019—2022年" in answer.text
    assert answer.citations and "2019—2022" in answer.citations[0].quote


def test_when_a_named_document_was_issued_is_answered_from_its_dates(assistant) -> None:
    answer = assistant.ask("这个方案是哪一天印发的？", as_of=TODAY)
    assert not answer.abstained and "2019-08-12" in answer.text
    assert answer.citations and "2019-08-12" in answer.citations[0].quote
    # A document the question describes but the library does not hold is not the best retrieved one.
    other = assistant.ask("攻势配套的人才专项资金管理办法是哪一年印发的？", as_of=TODAY)
    assert "2019-08-12" not in other.text


def test_uploaded_policy_past_its_validity_is_answered_as_expired(embedder, tmp_path: Path) -> None:
    from indexer.build import build_index
    from indexer.facts import extract_facts
    from indexer.store import load_index
    from qa.assistant import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "远洋渔业补助办法.txt").write_text(EXPIRED_POLICY, encoding="utf-8")
    build_index(corpus, tmp_path / "index", embedder=embedder, show_progress=False, extract_facts=extract_facts)
    assistant = Assistant(load_index(tmp_path / "index", model_id=embedder.model_id), embedder)

    expired = assistant.ask("远洋渔业设备更新补助办法现在还有效吗？")  # today: the machine's date, past 2025
    assert "有效期至2025-12-31[1]" in expired.text and EXPIRED in expired.text and "不再有效" in expired.text
    assert expired.citations[0].quote == "第三条 本办法自2024年1月1日起施行，有效期至2025年12月31日。"
    assert expired.citations[0].status == "有效期已过（有效期至 2025-12-31）"
    when = assistant.ask("远洋渔业设备更新补助办法什么时候施行？")
    assert when.text.startswith("《青岛市远洋渔业设备更新补助办法（测试用虚构文件）》自2024-01-01起施行[1]")
    before = assistant.ask("远洋渔业设备更新补助办法还有效吗？", as_of="2025-06-01")
    assert IN_FORCE in before.text
    # Any other answer's citation carries the status too.
    other = assistant.ask("远洋渔业企业更新捕捞设备最高补助多少？")
    assert other.citations and all(c.status.startswith(EXPIRED) for c in other.citations)


AMENDED_REGULATION = """# 青岛市海洋牧场促进条例

2009年12月20日 青岛市第十四届人民代表大会常务委员会第十五次会议通过

2016年5月26日 青岛市第十五届人民代表大会常务委员会第三十九次会议《关于修改部分地方性法规的决定》第一次修正

<!-- INFO END -->

第一条 为了促进海洋牧场建设，根据有关法律、法规，结合本市实际，制定本条例。（测试用虚构文件）

第二条 市海洋渔业主管部门负责本市海洋牧场的规划和监督管理。

第三条 本条例自2010年3月1日起施行。
"""


@pytest.fixture(scope="module")
def amended_assistant(embedder, tmp_path_factory):
    """An assistant over AMENDED_REGULATION alone, filed as the collection files it."""
    from indexer.build import build_index
    from indexer.store import load_index
    from qa.assistant import Assistant

    folder = tmp_path_factory.mktemp("amended")
    (folder / "corpus").mkdir()
    (folder / "corpus" / "青岛市海洋牧场促进条例(2016-05-26).md").write_text(AMENDED_REGULATION, encoding="utf-8")
    build_index(folder / "corpus", folder / "index", embedder=embedder, show_progress=False)
    return Assistant(load_index(folder / "index", model_id=embedder.model_id), embedder)


def test_an_amended_regulation_is_answered_with_the_date_its_text_states(amended_assistant) -> None:
    """A 修正 by 决定 leaves the first version's 施行 date in the text: it is
    quoted as the first one, not denied ("文件未写明施行日期") and not passed off
    as the current version's."""
    answer = amended_assistant.ask("青岛市海洋牧场促进条例什么时候施行？", as_of=TODAY)
    assert "最初自2010-03-01起施行[1]" in answer.text and "此后于2016-05-26修正" in answer.text
    assert "文件未写明施行日期" not in answer.text
    # In force: the library holds no later version, which is not to say it was never amended.
    assert "文件库中没有它的更新版本" in answer.text
    assert answer.citations[0].quote == "第三条 本条例自2010年3月1日起施行。"


def test_ask_json_carries_the_status(plan_index: Path) -> None:
    result = policyqa_in_process("ask", "2022年新能源汽车产量要达到多少？", "--json", "--index-dir", str(plan_index))
    assert result.returncode == 0, result.stderr
    citation = json.loads(result.stdout)["citations"][0]
    assert citation["status"] == "实施期已结束（实施期限 2019—2022 年，已于 2022 年底结束）"


def test_how_often_a_named_law_was_amended_is_answered_from_its_history(amended_assistant) -> None:
    answer = amended_assistant.ask("青岛市海洋牧场促进条例修正过几次？", as_of=TODAY)
    assert "先后修正或修订 1 次" in answer.text and "2016年5月26日" in answer.text
    assert answer.citations[0].quote.startswith("2016年5月26日") and answer.citations[0].quote.endswith("第一次修正")


def test_a_later_part_reads_the_document_the_question_names_without_brackets(embedder, tmp_path_factory) -> None:
    """"…规定啥时候施行？是哪次会议通过的？": the second part is of the same
    document, even with a typo in its title, not of another law's history."""
    from indexer.store import load_index
    from qa.assistant import Assistant
    from tests.conftest import index_of_plan_and

    index = index_of_plan_and(("青岛市专利保护规定(2011-11-25).md", "中小企业促进法(2017-09-01).md"), embedder, tmp_path_factory, "parts_title")
    assistant = Assistant(load_index(index, model_id=embedder.model_id), embedder)
    answer = assistant.ask("青岛市专利保护规订啥时候开始施行的？是哪次会议通过的？", as_of=TODAY)
    assert not answer.abstained, answer.text
    assert answer.citations and all(c.doc_title == "青岛市专利保护规定" for c in answer.citations)
    assert "第十三届人民代表大会常务委员会第十五次会议通过" in answer.text


def test_the_validity_of_a_licence_is_no_question_about_a_document():
    from qa.status_answer import status_question

    assert status_question("按《危险化学品安全管理条例》这个证的有效期是几年？") == ""
    assert status_question("许可证的有效期是多久？") == ""
    assert status_question("这份方案的有效期是多久？") == "valid_until"
