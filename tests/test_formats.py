"""The files government offices publish, end to end: a red-header .docx with a
target table, an OFD converted from a generated PDF, a scanned PDF (a policy
page rendered to an image and wrapped in a PDF), and a .doc saved by
LibreOffice. Each is built in a temporary folder, indexed with the plan, and
asked about; answers must cite the right document, page, table row or clause.

Slow parts (OCR, LibreOffice) run once, in the module's fixture.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from eval.ocr_bench import character_accuracy, render_scan_pdf
from indexer.errors import InvalidArgumentError
from indexer.loaders import load_corpus, load_document
from qa.doc_filter import DocFilter
from indexer.loaders.pdf import MAX_OCR_PAGES

REPO = Path(__file__).resolve().parents[1]
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

RED_HEADER = """青岛市海洋发展局文件
青海发〔2021〕8号
青岛市海洋发展局关于加快海洋牧场建设的实施意见
各区、市海洋发展部门，局机关各处室：
为加快海洋牧场建设，提出如下意见。
一、发展目标
到2022年，全市海洋牧场建设取得明显成效，主要指标如下。
二、支持政策
（一）对新建国家级海洋牧场示范区给予一次性奖励200万元。
（二）本意见自2021年7月1日起施行，有效期2年。
附件：1．青岛市海洋牧场示范区名单
2．海洋牧场建设技术规范
青岛市海洋发展局
2021年6月15日
主题词：海洋牧场  实施意见
抄送：市委办公厅，市政府办公厅，市财政局。
青岛市海洋发展局办公室        2021年6月16日印发"""
TARGETS = [["指标", "2022年目标", "牵头单位"], ["海洋牧场面积", "6万亩", "市海洋发展局"], ["人工鱼礁投放", "80万空方", "市农业农村局"]]

OFD_PAGES = [
    "青岛市氢能产业发展扶持办法\n一、总体要求\n坚持市场主导、政府引导，推动氢能产业链协同发展，培育一批氢能骨干企业。",
    "二、支持措施\n（一）对新建成并投入运营的加氢站，按照建设投资额给予补助，每座最高补助300万元。\n（二）对氢燃料电池汽车示范运营企业给予运营奖励。",
]

SCAN_LINES = [
    "青岛市工业和信息化局文件",
    "青工信发〔2020〕3号",
    "关于支持首台套技术装备推广应用的通知",
    "一、支持对象",
    "本市注册的装备制造企业研制的首台套技术装备。",
    "二、支持标准",
    "对经认定的首台套技术装备，按照销售价格的",
    "百分之三十给予奖励，最高奖励500万元。",
    "三、申报时间",
    "每年九月集中受理申报，逾期不予受理。",
]

DOC_TEXT = """青岛市商务局文件
青商发〔2020〕5号
关于促进跨境电子商务发展的若干措施
一、培育市场主体
对年进出口额首次超过1亿元的跨境电商企业，给予一次性奖励50万元。
二、建设公共海外仓
对企业新建的公共海外仓，按照实际投资额的20%给予补助，最高补助100万元。
青岛市商务局
2020年3月20日"""


def ensure_debian_package(package: str, present) -> None:
    """Install Debian's `package` when `present()` is false: on demand, so only the
    machines that run these tests carry LibreOffice (needs root, as in CI)."""
    if present():
        return
    if os.geteuid() != 0:
        pytest.skip(f"需要 {package}（apt-get install {package}），且当前用户不能安装")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, env=env, capture_output=True)
    assert present(), f"{package} was installed but is still missing"


def make_cjk_font() -> Path:
    ensure_debian_package("fonts-wqy-microhei", CJK_FONT.exists)
    return CJK_FONT


def write_red_header_docx(path: Path) -> None:
    import docx

    word = docx.Document()
    lines = RED_HEADER.split("\n")
    table_after = lines.index("到2022年，全市海洋牧场建设取得明显成效，主要指标如下。")
    for number, line in enumerate(lines):
        word.add_paragraph(line)
        if number == table_after:
            table = word.add_table(rows=len(TARGETS), cols=3)
            for r, row in enumerate(TARGETS):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
    word.save(str(path))


def write_pdf(path: Path, pages: list[str]) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("wqy", fname=str(make_cjk_font()))
    pdf.set_font("wqy", size=13)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 9, text)
    pdf.output(str(path))


def write_ofd(path: Path, pages: list[str]) -> None:
    """An OFD converted from a generated PDF by easyofd (as a government system would export one)."""
    from easyofd import OFD

    work = path.parent / "ofd_work"
    work.mkdir()
    write_pdf(work / "source.pdf", pages)
    # easyofd assembles the package in ./test of the current folder.
    with contextlib.chdir(work):
        path.write_bytes(OFD().pdf2ofd((work / "source.pdf").read_bytes(), optional_text=True))
    shutil.rmtree(work)


def write_scan(path: Path, lines: list[str]) -> None:
    """A policy page rendered to an A4 image at 150 dpi and wrapped in a PDF without a text layer."""
    render_scan_pdf(path, [lines], make_cjk_font())


def write_doc(path: Path, text: str) -> None:
    """A .doc saved by LibreOffice from a generated .docx."""
    import docx

    ensure_debian_package("libreoffice-writer-nogui", lambda: shutil.which("soffice") is not None)
    soffice = shutil.which("soffice")
    word = docx.Document()
    for line in text.split("\n"):
        word.add_paragraph(line)
    source = path.parent / "source" / f"{path.stem}.docx"
    source.parent.mkdir()
    word.save(str(source))
    profile = path.parent / "source" / "profile"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "doc", "--outdir", str(path.parent), str(source)],
        check=True, capture_output=True, timeout=300,
    )
    shutil.rmtree(source.parent)


@pytest.fixture(scope="module")
def formats_corpus(plan_corpus: Path, tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("formats_corpus")
    for path in plan_corpus.iterdir():
        shutil.copy(path, corpus / path.name)
    write_red_header_docx(corpus / "haiyang.docx")
    write_ofd(corpus / "qingneng.ofd", OFD_PAGES)
    write_scan(corpus / "shoutaitao.pdf", SCAN_LINES)
    write_doc(corpus / "kuajing.doc", DOC_TEXT)
    return corpus


@pytest.fixture(scope="module")
def formats_assistant(formats_corpus: Path, embedder, tmp_path_factory):
    from indexer.build import build_index
    from indexer.facts import extract_facts
    from indexer.store import load_index
    from qa.assistant import Assistant

    index_dir = tmp_path_factory.mktemp("formats_index") / "index"
    report = build_index(formats_corpus, index_dir, embedder=embedder, show_progress=False, extract_facts=extract_facts)
    assert report.skipped == [] and report.documents == 5
    return Assistant(load_index(index_dir, model_id=embedder.model_id), embedder)


def first_citation(assistant, question: str, **kwargs):
    answer = assistant.ask(question, **kwargs)
    assert not answer.abstained, answer.text
    return answer, answer.citations[0]


def test_red_header_fields_are_extracted_exactly(formats_assistant) -> None:
    document = formats_assistant.documents["haiyang"]
    assert (document.issuer, document.doc_number, document.written) == ("青岛市海洋发展局", "青海发〔2021〕8号", "2021-06-15")
    assert (document.effective, document.valid_until) == ("2021-07-01", "2023-06-30")
    assert document.subject_words == ("海洋牧场", "实施意见")
    assert document.attachments == ("青岛市海洋牧场示范区名单", "海洋牧场建设技术规范")
    assert document.cc == ("市委办公厅", "市政府办公厅", "市财政局")
    assert document.printed_by == "青岛市海洋发展局办公室"
    assert document.title == "青岛市海洋发展局关于加快海洋牧场建设的实施意见"  # below the red header


def test_sidecar_overrides_header_fields(tmp_path: Path) -> None:
    path = tmp_path / "notice.txt"
    path.write_text(RED_HEADER, encoding="utf-8")
    (tmp_path / "notice.meta.json").write_text(
        json.dumps({"doc_number": "青海发〔2021〕9号", "cc": ["市财政局"], "written": "2021/6/1"}, ensure_ascii=False), encoding="utf-8"
    )
    document = load_document(path, tmp_path)
    assert (document.doc_number, document.cc, document.written, document.issuer) == (
        "青海发〔2021〕9号", ("市财政局",), "2021-06-01", "青岛市海洋发展局",
    )


def test_table_row_is_answered_and_cited_by_row(formats_assistant) -> None:
    answer, citation = first_citation(formats_assistant, "海洋牧场面积2022年的目标是多少？")
    assert citation.chunk.doc_id == "haiyang" and citation.chunk.clause == "一表1第1行"
    assert citation.chunk.text == "指标：海洋牧场面积 | 2022年目标：6万亩 | 牵头单位：市海洋发展局" and "6万亩" in answer.text
    assert "表1：指标 | 2022年目标 | 牵头单位" in citation.chunk.path


def test_ofd_answer_cites_its_page(formats_assistant) -> None:
    document = formats_assistant.documents["qingneng"]
    assert len(document.page_starts) == 2 and document.ocr_pages == ()
    answer, citation = first_citation(formats_assistant, "新建加氢站每座最高补助多少？")
    assert citation.chunk.doc_id == "qingneng" and citation.chunk.clause == "二（一）"
    assert citation.page == 2 and citation.to_json()["page"] == 2 and "300万元" in answer.text


def test_scanned_pdf_is_recognised_accurately_and_cited_as_a_scan(formats_assistant) -> None:
    document = formats_assistant.documents["shoutaitao"]
    assert document.ocr_pages == (1,) and document.page_starts == (0,)
    reference = "\n".join(SCAN_LINES)
    accuracy = character_accuracy(reference, document.text, normalise=False)
    normalised = character_accuracy(reference, document.text)
    print(f"OCR character accuracy: {accuracy:.4f} (NFKC {normalised:.4f})")
    assert normalised >= 0.98, document.text
    assert document.doc_number == "青工信发〔2020〕3号" and document.issuer == "青岛市工业和信息化局"
    answer, citation = first_citation(formats_assistant, "首台套技术装备最高奖励多少钱？")
    assert citation.chunk.doc_id == "shoutaitao" and citation.chunk.clause == "二"
    assert citation.page == 1 and citation.ocr is True and citation.to_json()["ocr"] is True
    assert "500万元" in answer.text


def test_doc_saved_by_libreoffice_is_read_and_answered(formats_assistant) -> None:
    document = formats_assistant.documents["kuajing"]
    assert (document.issuer, document.doc_number, document.written) == ("青岛市商务局", "青商发〔2020〕5号", "2020-03-20")
    answer, citation = first_citation(formats_assistant, "新建公共海外仓最高补助多少？")
    assert citation.chunk.doc_id == "kuajing" and citation.chunk.clause == "二" and "100万元" in answer.text


def test_doc_filter_restricts_the_answer_to_the_issuer(formats_assistant) -> None:
    from qa.doc_filter import parse_doc_filter

    answer = formats_assistant.ask("最高补助多少？", where=parse_doc_filter("issuer=青岛市商务局"))
    assert answer.citations and {c.chunk.doc_id for c in answer.citations} == {"kuajing"}
    assert {hit.chunk.doc_id for hit in answer.hits} == {"kuajing"}
    years = parse_doc_filter("year=2021").doc_ids(formats_assistant.index.documents)
    assert years == ["haiyang"]
    with pytest.raises(InvalidArgumentError, match="没有文件符合筛选条件"):
        formats_assistant.ask("最高补助多少？", where=parse_doc_filter("issuer=北京市"))
    with pytest.raises(InvalidArgumentError, match="未知的文件筛选键"):
        parse_doc_filter("colour=red")


def test_cli_shows_the_page_and_refuses_a_bad_filter(formats_assistant, formats_corpus: Path, tmp_path: Path) -> None:
    from ui.cli import render_answer

    answer = formats_assistant.ask("新建加氢站每座最高补助多少？", where=lambda d: d.doc_id == "qingneng")
    assert "第2页" in render_answer(answer.to_json())
    scanned = formats_assistant.ask("首台套技术装备最高奖励多少钱？")
    assert "识别自扫描件" in render_answer(scanned.to_json())
    bad = subprocess.run(
        [sys.executable, "-m", "ui.cli", "ask", "补助多少？", "--doc-filter", "colour=red", "--index-dir", str(tmp_path)],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0 and "未知的文件筛选键" in bad.stderr


def test_bad_files_get_one_line_each_and_the_rest_is_indexed(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "good.txt").write_text(RED_HEADER, encoding="utf-8")
    (tmp_path / "broken.ofd").write_bytes(b"PK\x03\x04 not really a zip")
    with zipfile.ZipFile(tmp_path / "locked.ofd", "w") as package:
        package.writestr("OFD.xml", '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody>'
                         "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot><ofd:Encryptions>Encs.xml</ofd:Encryptions>"
                         "</ofd:DocBody></ofd:OFD>")
    (tmp_path / "garbage.doc").write_bytes(b"\x00\x01 not a word file")
    # A Word 97 signature over damaged content: LibreOffice must fail, not import it as text.
    ensure_debian_package("libreoffice-writer-nogui", lambda: shutil.which("soffice") is not None)
    (tmp_path / "damaged.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8)
    (tmp_path / "blank.png").write_bytes(_blank_png())
    _write_blank_pdf(tmp_path / "huge_scan.pdf", pages=MAX_OCR_PAGES + 1)
    documents, skipped = load_corpus(tmp_path)
    assert [d.doc_id for d in documents] == ["good"]
    reasons = dict(line.split(": ", 1) for line in skipped)
    assert set(reasons) == {"blank.png", "broken.ofd", "garbage.doc", "damaged.doc", "locked.ofd", "huge_scan.pdf"}
    assert "LibreOffice 无法打开此文件" in reasons["damaged.doc"]
    assert f"超过文字识别上限 {MAX_OCR_PAGES} 页" in reasons["huge_scan.pdf"]
    assert "已损坏" in reasons["broken.ofd"] and "已加密" in reasons["locked.ofd"]
    assert "不是有效的 .doc 文件" in reasons["garbage.doc"] and "未识别出文字" in reasons["blank.png"]
    assert all("\n" not in line for line in skipped)

    # Without LibreOffice and antiword a .wps names the package to install.
    (tmp_path / "legacy.wps").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    _, skipped = load_corpus(tmp_path)
    assert any(line.startswith("legacy.wps: ") and "libreoffice-writer-nogui" in line for line in skipped)


def _write_blank_pdf(path: Path, pages: int) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    with open(path, "wb") as f:
        writer.write(f)


def _blank_png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("L", (400, 300), 255).save(buffer, "PNG")
    return buffer.getvalue()


def test_pdf_table_becomes_rows_cited_by_row(tmp_path: Path) -> None:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    from indexer.segment import segment_document

    pdf = FPDF()
    pdf.add_font("wqy", fname=str(make_cjk_font()))
    pdf.set_font("wqy", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, "一、发展目标\n到2022年，主要指标如下。")
    with pdf.table(headings_style=FontFace()) as table:
        for values in TARGETS:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.multi_cell(0, 8, "二、保障措施\n加强组织领导。")
    pdf.output(str(tmp_path / "targets.pdf"))

    document = load_document(tmp_path / "targets.pdf", tmp_path)
    assert document.text.split("\n") == [
        "一、发展目标",
        "到2022年，主要指标如下。",
        "表1：指标 | 2022年目标 | 牵头单位",
        "指标：海洋牧场面积 | 2022年目标：6万亩 | 牵头单位：市海洋发展局",
        "指标：人工鱼礁投放 | 2022年目标：80万空方 | 牵头单位：市农业农村局",
        "二、保障措施",
        "加强组织领导。",
    ]
    rows = {chunk.clause: chunk.text for chunk in segment_document(document) if chunk.kind == "table_row"}
    assert rows == {
        "一表1第1行": "指标：海洋牧场面积 | 2022年目标：6万亩 | 牵头单位：市海洋发展局",
        "一表1第2行": "指标：人工鱼礁投放 | 2022年目标：80万空方 | 牵头单位：市农业农村局",
    }


def test_service_lists_header_fields_and_filters_questions(ui_service) -> None:
    rows = {row["doc_id"]: row for row in ui_service.list_documents()}
    assert rows["qingdao_ai_plan"]["issuer"] == "青岛市人民政府" and rows["qingdao_ai_plan"]["pages"] == 0
    answer = ui_service.ask("谁担任攻势指挥长？", doc_filter="issuer=青岛市人民政府,year=2019")
    assert answer["citations"] and answer["citations"][0]["page"] == 0
    with pytest.raises(InvalidArgumentError, match="没有文件符合筛选条件"):
        ui_service.ask("谁担任攻势指挥长？", doc_filter="year=2030")
    # What the web UI's 发文机关 / 年份 dropdowns offer, and the filter they build.
    offered = ui_service.filter_choices()
    assert "青岛市人民政府" in offered["issuer"] and "2019" in offered["year"]
    chosen = DocFilter.of([("issuer", "青岛市人民政府"), ("year", "")])
    assert chosen.conditions == (("issuer", "青岛市人民政府"),)
    assert ui_service.ask("谁担任攻势指挥长？", doc_filter=chosen)["citations"]
    with pytest.raises(InvalidArgumentError, match="year"):
        DocFilter.of([("year", "19")])
