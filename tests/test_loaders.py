"""Tests of indexer.loaders: cleaning, decoding, every reader, metadata and the corpus walk."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from indexer.errors import EmptyCorpusError, UnsupportedDocumentError
from indexer.loaders import (
    SUPPORTED_SUFFIXES,
    clean_text,
    html_to_text,
    infer_title,
    load_corpus,
    load_document,
    read_text_file,
    sanitise_doc_id,
    split_front_matter,
)

REPO = Path(__file__).resolve().parents[1]
PLAN = REPO / "corpus" / "qingdao_ai_plan.txt"
PLAN_TITLE = "青岛市“高端制造业+人工智能”攻势作战方案(2019—2022年)"
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def plan_raw() -> str:
    with open(PLAN, encoding="utf-8") as f:
        return f.read()


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def write_meta(doc_path: Path, meta: dict) -> None:
    with open(doc_path.with_name(f"{doc_path.stem}.meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, ensure_ascii=False)


# ---------------------------------------------------------------------------
# Minimal hand-written PDFs: no generator library needed.
# ---------------------------------------------------------------------------


def _pdf_bytes(objects: list[bytes]) -> bytes:
    """Assemble numbered objects (1-based, in order) into a PDF with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def _page_objects(contents: list[bytes]) -> list[bytes]:
    """Catalog, page tree and one page (with its content stream) per entry; the
    font object(s) must follow, the first at number 3 + 2 * len(contents)."""
    n = len(contents)
    font = 3 + 2 * n
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n)).encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n)]
    for i, content in enumerate(contents):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> "
            b"/Contents %d 0 R >>" % (font, 4 + 2 * i)
        )
        objects.append(_stream(content))
    return objects


def latin_pdf(pages: list[str]) -> bytes:
    """A PDF with one Helvetica text line per page (empty string: a page with no text)."""
    contents = [b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text.encode("latin-1") if text else b"" for text in pages]
    objects = _page_objects(contents)
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    return _pdf_bytes(objects)


def cjk_pdf(pages: list[str]) -> bytes:
    """A PDF whose Type0 font maps CID = code point, with a ToUnicode CMap.

    That is how real Chinese PDFs make their text extractable; the glyphs are
    not embedded because only extraction is tested.
    """
    chars = sorted({ch for page in pages for ch in page})
    font = 3 + 2 * len(pages)
    hex_pages = ["".join(f"{ord(ch):04X}" for ch in text).encode() for text in pages]
    objects = _page_objects([b"BT /F1 12 Tf 72 720 Td <%s> Tj ET" % hex_text for hex_text in hex_pages])
    bfchars = []
    for start in range(0, len(chars), 100):  # a bfchar block holds at most 100 entries
        block = chars[start:start + 100]
        pairs = "".join(f"<{ord(c):04X}> <{ord(c):04X}>\n" for c in block)
        bfchars.append(f"{len(block)} beginbfchar\n{pairs}endbfchar\n")
    cmap = (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "".join(bfchars)
        + "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    ).encode()
    objects += [
        b"<< /Type /Font /Subtype /Type0 /BaseFont /TestCJK /Encoding /Identity-H "
        b"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (font + 1, font + 2),
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /TestCJK "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        b"/FontDescriptor %d 0 R /DW 1000 >>" % (font + 3),
        _stream(cmap),
        b"<< /Type /FontDescriptor /FontName /TestCJK /Flags 4 /FontBBox [0 -120 1000 880] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
    ]
    return _pdf_bytes(objects)


# ---------------------------------------------------------------------------
# clean_text on the seed document
# ---------------------------------------------------------------------------


def test_plan_cleaning_starts_with_title_and_drops_debris() -> None:
    cleaned = clean_text(plan_raw())
    assert cleaned.split("\n", 1)[0] == PLAN_TITLE
    assert "发布日期:2019-08-12" in cleaned.split("\n")
    for debris in ("产业政策丨", "转贴", "3822", "文章来源", "ICP备", "蝉知"):
        assert debris not in cleaned
    assert cleaned.endswith("各区(市)、功能区")


def test_plan_cleaning_keeps_every_body_line_verbatim() -> None:
    raw_lines = plan_raw().split("\n")
    cleaned = clean_text(plan_raw())
    start = raw_lines.index(PLAN_TITLE)
    end = next(i for i, line in enumerate(raw_lines) if line.strip().startswith("参与单位"))
    # Title through 参与单位: one contiguous, untouched slice of the file.
    assert cleaned == "\n".join(raw_lines[start:end + 1])
    cleaned_lines = set(cleaned.split("\n"))
    sentences = [line for line in raw_lines if "。" in line]
    assert len(sentences) > 50
    assert all(line in cleaned_lines for line in sentences)


def test_clean_text_is_idempotent_on_the_plan() -> None:
    once = clean_text(plan_raw())
    assert clean_text(once) == once


# ---------------------------------------------------------------------------
# clean_text on other pages of the genre
# ---------------------------------------------------------------------------


def test_clean_text_drops_generic_debris_lines() -> None:
    raw = "\r\n".join(
        [
            "\ufeff当前位置：首页 > 政务公开 > 政策文件",
            "政策解读 | 关于支持中小企业发展的若干措施",
            "发布时间：2021-03-05 10:20  来源：本站  浏览次数：1024",
            "2021年03月05日 15:00   张三   阅读 88   原创",
            "关于支持中小企业发展的若干措施",
            "成文日期：2021-03-01",
            "  一、加大财政支持力度。",
            "  来源于各级财政的专项资金，按规定统筹使用。",
            "  二、附则",
            "2021年3月5日",
            "【打印本页】 【关闭窗口】",
            "字号：大 中 小",
            "分享到：微信 微博 QQ空间",
            "上一篇：关于做好春耕工作的通知",
            "来源：市工业和信息化局",
            "【稿件来源：市政府办公厅】",
            "版权所有：某市人民政府办公厅  地址：某市某路1号",
            "Copyright © 2021 example.gov.cn All Rights Reserved",
            "技术支持：某某网络科技有限公司",
            "京公网安备 11010502030000号",
            "网站标识码：3702000001",
            "Powered by DedeCMS",
            "",
            "",
        ]
    )
    cleaned = clean_text(raw)
    assert cleaned.split("\n") == [
        "关于支持中小企业发展的若干措施",
        "成文日期：2021-03-01",
        "  一、加大财政支持力度。",
        "  来源于各级财政的专项资金，按规定统筹使用。",
        "  二、附则",
        "2021年3月5日",
    ]


def test_clean_text_never_drops_sentences_or_policy_lines_that_look_like_debris() -> None:
    kept = [
        "资金来源：市级财政预算安排。",
        "来源：市统计局；数据截至2020年底。",
        "2019-08-12 10:00 会议室 20 人",  # a schedule row: date and count, but no CMS marker
        "青岛市人民政府 2019年8月12日",  # a signature line
        "关于保护版权所有者合法权益的通知",
        "(三)技术支持",
        "政策 | 解读",  # a separator, but "解读" does not repeat another line
        "  为深入贯彻落实……制定本方案。本网站 ICP备案 相关要求见附件。",
    ]
    assert clean_text("\n".join(kept)).split("\n") == kept


def test_clean_text_normalises_endings_and_keeps_internal_whitespace() -> None:
    raw = "\ufeff标题\r\n\r\n\u3000\u3000正文  第一句。\t\r\n\xa0 \xa0第二段。\r最后一行   \n\n  \n"
    assert clean_text(raw) == "标题\n\n\u3000\u3000正文  第一句。\t\n\xa0 \xa0第二段。\n最后一行"


def test_clean_text_leaves_one_blank_line_where_debris_was() -> None:
    raw = "标题\n\n浏览次数：12  2020-01-01  转载\n\n正文第一句。\n\n(文章来源:某市政务网)\n\n\n某ICP备12345678号"
    assert clean_text(raw) == "标题\n\n正文第一句。"


# ---------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------


def test_gb18030_copy_loads_identically(tmp_path: Path) -> None:
    utf8 = write_text(tmp_path / "utf8" / "plan.txt", plan_raw())
    gb = write_text(tmp_path / "gb" / "plan.txt", plan_raw(), encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        gb.read_bytes().decode("utf-8")
    a = load_document(utf8, utf8.parent)
    b = load_document(gb, gb.parent)
    assert b.text == a.text
    assert b.content_hash == a.content_hash
    assert b.title == PLAN_TITLE


def test_gbk_subset_file_is_read(tmp_path: Path) -> None:
    path = write_text(tmp_path / "gbk.txt", "关于进一步优化营商环境的通知\n各区（市）人民政府：\n", encoding="gbk")
    assert read_text_file(path).startswith("关于进一步优化营商环境的通知")


def test_utf8_with_bom_and_crlf(tmp_path: Path) -> None:
    body = "关于印发某某方案的通知\r\n\r\n  各单位：现将方案印发给你们。\r\n"
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    assert read_text_file(path) == body
    document = load_document(path, tmp_path)
    assert document.text == "关于印发某某方案的通知\n\n  各单位：现将方案印发给你们。"
    assert not document.text.startswith("\ufeff")
    assert document.title == "关于印发某某方案的通知"


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "notepad.txt"
    path.write_bytes("记事本保存的“Unicode”文件。".encode("utf-16"))
    assert read_text_file(path) == "记事本保存的“Unicode”文件。"


def test_binary_and_control_garbage_are_rejected(tmp_path: Path) -> None:
    nul = tmp_path / "image.txt"
    nul.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(UnsupportedDocumentError, match="image.txt"):
        read_text_file(nul)
    controls = tmp_path / "controls.txt"
    controls.write_bytes(bytes(range(1, 32)) * 20)
    with pytest.raises(UnsupportedDocumentError, match="controls.txt"):
        read_text_file(controls)


# ---------------------------------------------------------------------------
# Readers
# ---------------------------------------------------------------------------

HTML_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>关于支持人工智能产业发展的若干政策_某市政府网</title>
<style>p { color: red; }</style>
<script>var tracker = "不应出现的脚本文字";</script>
</head>
<body>
<header><div class="logo">某市人民政府门户网站</div></header>
<nav><ul><li>首页</li><li>政务公开</li><li>互动交流</li></ul></nav>
<div class="content">
  <h1>关于支持人工智能产业发展的若干政策</h1>
  <p>发布日期：2020-06-01</p>
  <p>&nbsp;&nbsp;为加快人工智能产业发展，
     制定本政策。</p>
  <p>一、对新认定的<b>人工智能</b>企业给予奖励。<br>二、支持建设算力平台。</p>
  <table><tr><td>项目</td><td>奖励标准</td></tr><tr><td>算力平台</td><td>最高500万元</td></tr></table>
  <!-- 注释不应出现 -->
  <p>(文章来源：某市工业和信息化局)</p>
  <p>【打印本页】【关闭窗口】</p>
</div>
<footer><p>版权所有：某市人民政府办公厅</p><p>鲁ICP备12345678号-1</p></footer>
<div class="copyright">鲁公网安备 37020202000000号 蝉知7.3</div>
</body></html>
"""


def test_html_page(tmp_path: Path) -> None:
    path = write_text(tmp_path / "ai_policy.html", HTML_PAGE)
    document = load_document(path, tmp_path)
    assert document.text.split("\n") == [
        "关于支持人工智能产业发展的若干政策",
        "发布日期：2020-06-01",
        "\xa0\xa0为加快人工智能产业发展， 制定本政策。",
        "一、对新认定的人工智能企业给予奖励。",
        "二、支持建设算力平台。",
        "项目",
        "奖励标准",
        "算力平台",
        "最高500万元",
    ]
    assert document.title == "关于支持人工智能产业发展的若干政策"
    assert document.published == "2020-06-01"


def test_html_in_gbk_with_declared_charset(tmp_path: Path) -> None:
    html = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>' \
           "<body><p>关于加强安全生产工作的通知</p><p>各单位要落实主体责任。</p></body></html>"
    path = tmp_path / "notice.htm"
    path.write_bytes(html.encode("gbk"))
    assert load_document(path, tmp_path).text == "关于加强安全生产工作的通知\n各单位要落实主体责任。"


def test_html_misdeclared_charset_still_reads_utf8(tmp_path: Path) -> None:
    html = '<html><head><meta charset="gb2312"></head><body><p>实际是 UTF-8 的页面。</p></body></html>'
    path = write_text(tmp_path / "resaved.html", html)
    assert load_document(path, tmp_path).text == "实际是 UTF-8 的页面。"


def test_html_keeps_article_header() -> None:
    html = "<header>站点导航</header><article><header><h1>某某办法</h1></header><p>第一条 正文。</p>" \
           "<footer>来源：本站</footer></article><footer>站点页脚</footer>"
    assert html_to_text(html).split("\n") == ["某某办法", "第一条 正文。", "来源：本站"]


def test_docx_paragraphs_and_table_in_order(tmp_path: Path) -> None:
    import docx

    word = docx.Document()
    word.add_paragraph("关于印发某某实施细则的通知")
    word.add_paragraph("第一条 为规范管理，制定本细则。")
    table = word.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "单位", "联系电话"
    table.cell(1, 0).text, table.cell(1, 1).text = "市科技局", "85911343"
    word.add_paragraph("第二条 本细则自发布之日起施行。")
    path = tmp_path / "rules.docx"
    word.save(str(path))

    document = load_document(path, tmp_path)
    assert document.text.split("\n") == [
        "关于印发某某实施细则的通知",
        "第一条 为规范管理，制定本细则。",
        "表1：单位 | 联系电话",
        "单位：市科技局 | 联系电话：85911343",
        "第二条 本细则自发布之日起施行。",
    ]
    assert document.title == "关于印发某某实施细则的通知"


def test_docx_merged_cell_appears_once(tmp_path: Path) -> None:
    import docx

    word = docx.Document()
    table = word.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "合并的表头"
    table.cell(1, 0).text, table.cell(1, 1).text = "左", "右"
    path = tmp_path / "merged.docx"
    word.save(str(path))
    assert load_document(path, tmp_path).text == "表1：合并的表头\n左 | 右"


def test_pdf_latin_pages_joined(tmp_path: Path) -> None:
    path = tmp_path / "latin.pdf"
    path.write_bytes(latin_pdf(["Policy on data centres", "Article 1 applies from 2020."]))
    document = load_document(path, tmp_path)
    assert document.text == "Policy on data centres\nArticle 1 applies from 2020."


def test_pdf_chinese_text_extracted(tmp_path: Path) -> None:
    path = tmp_path / "cjk.pdf"
    path.write_bytes(cjk_pdf(["关于促进数字经济发展的意见", "一、加快建设新型基础设施。"]))
    document = load_document(path, tmp_path)
    assert document.text == "关于促进数字经济发展的意见\n一、加快建设新型基础设施。"
    assert document.title == "关于促进数字经济发展的意见"


def test_pdf_made_with_embedded_cjk_font(tmp_path: Path) -> None:
    fpdf = pytest.importorskip("fpdf")
    if not CJK_FONT.exists():
        pytest.skip("no WenQuanYi font on this machine")
    pdf = fpdf.FPDF()
    pdf.add_font("wqy", fname=str(CJK_FONT))
    pdf.set_font("wqy", size=12)
    for line in ("青岛市人工智能产业政策", "到2022年，培育10个人工智能创新应用示范园区。"):
        pdf.add_page()
        pdf.cell(text=line)
    path = tmp_path / "fpdf.pdf"
    pdf.output(str(path))
    text = load_document(path, tmp_path).text
    assert "青岛市人工智能产业政策" in text
    assert "培育10个人工智能创新应用示范园区" in text


def test_pdf_without_text_layer_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(latin_pdf(["", ""]))
    with pytest.raises(UnsupportedDocumentError, match="scan.pdf"):
        load_document(path, tmp_path)


def test_password_protected_pdf_is_unsupported(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    plain = tmp_path / "plain.pdf"
    plain.write_bytes(latin_pdf(["Secret policy"]))
    writer = PdfWriter()
    writer.append(PdfReader(plain))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    locked = tmp_path / "locked.pdf"
    with open(locked, "wb") as f:
        writer.write(f)
    with pytest.raises(UnsupportedDocumentError, match="locked.pdf.*密码"):
        load_document(locked, tmp_path)


def test_corrupt_files_are_translated(tmp_path: Path) -> None:
    for name in ("broken.pdf", "broken.docx"):
        path = tmp_path / name
        path.write_bytes(b"this is not really a " + name.encode())
        with pytest.raises(UnsupportedDocumentError, match=name) as info:
            load_document(path, tmp_path)
        assert info.value.__cause__ is not None


def test_markdown_front_matter(tmp_path: Path) -> None:
    text = '---\ntitle: "某区人才新政十条"\npublished: 2021年5月6日\nissuer: 某区人民政府\nfixture: true\n---\n# 某区人才新政十条\n\n一、给予安家补贴。\n'
    path = write_text(tmp_path / "talent.md", text)
    document = load_document(path, tmp_path)
    assert document.text == "# 某区人才新政十条\n\n一、给予安家补贴。"
    assert document.title == "某区人才新政十条"
    assert document.published == "2021-05-06"
    assert document.issuer == "某区人民政府"
    assert document.fixture is True


def test_split_front_matter_without_block() -> None:
    assert split_front_matter("# 标题\n---\n正文") == ({}, "# 标题\n---\n正文")


def test_unknown_extension_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "old.rtf"
    path.write_bytes(b"whatever")
    with pytest.raises(UnsupportedDocumentError, match=r"old\.rtf.*\.docx"):
        load_document(path, tmp_path)
    assert set(SUPPORTED_SUFFIXES) == {
        ".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".doc", ".wps", ".ofd", ".png", ".jpg", ".jpeg", ".tif", ".tiff",
    }


def test_doc_that_is_no_word_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.doc"
    path.write_bytes(b"whatever")
    with pytest.raises(UnsupportedDocumentError, match=r"old\.doc: 不是有效的 \.doc 文件"):
        load_document(path, tmp_path)


# ---------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------


def test_plan_in_repo_corpus_with_sidecar() -> None:
    document = load_document(PLAN, PLAN.parent)
    assert document.doc_id == "qingdao_ai_plan"
    assert document.title == PLAN_TITLE
    assert document.published == "2019-08-12"
    assert document.issuer == "青岛市人民政府"
    assert document.source == "青岛政务网"
    assert document.period == "2019—2022"
    assert document.fixture is False
    assert document.source_path == "qingdao_ai_plan.txt"
    assert document.content_hash == hashlib.sha256(document.text.encode("utf-8")).hexdigest()


def test_sidecar_metadata_and_fixture_flag(tmp_path: Path) -> None:
    path = write_text(tmp_path / "sub" / "made_up.txt", "这是一份为测试编写的文件，并非真实政策。\n")
    write_meta(path, {"title": "虚构的测试政策", "published": "2020/1/2", "issuer": "测试局",
                      "source": "测试", "period": "2020—2021", "fixture": True, "doc_id": "fake policy!"})
    document = load_document(path, tmp_path)
    assert document.title == "虚构的测试政策"
    assert document.published == "2020-01-02"
    assert (document.issuer, document.source, document.period) == ("测试局", "测试", "2020—2021")
    assert document.fixture is True
    assert document.doc_id == "fake_policy"
    assert document.source_path == "sub/made_up.txt"


def test_title_falls_back_to_stem_when_first_line_is_a_sentence(tmp_path: Path) -> None:
    path = write_text(tmp_path / "无标题文件.txt", "各单位：为做好相关工作，现通知如下。\n一、提高认识。")
    document = load_document(path, tmp_path)
    assert document.title == "无标题文件"
    assert document.doc_id == "无标题文件"
    assert document.published == ""


def test_broken_sidecar_names_the_file(tmp_path: Path) -> None:
    path = write_text(tmp_path / "a.txt", "标题\n正文。")
    (tmp_path / "a.meta.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(UnsupportedDocumentError, match=r"a\.meta\.json"):
        load_document(path, tmp_path)


def test_small_helpers() -> None:
    assert sanitise_doc_id("青岛 AI/plan (v2).txt") == "青岛_AI_plan_v2_txt"
    assert sanitise_doc_id("***") == "doc"
    assert infer_title("\n\n  标题行  \n正文。", "stem") == "标题行"
    assert infer_title("x" * 200, "stem") == "stem"


# ---------------------------------------------------------------------------
# The corpus walk
# ---------------------------------------------------------------------------


def test_bad_files_are_skipped_while_good_ones_load(tmp_path: Path) -> None:
    write_text(tmp_path / "good.txt", "某某通知\n正文第一句。")
    write_text(tmp_path / "nested" / "more.md", "# 另一份文件\n正文。")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 64)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "setup.exe").write_bytes(b"MZ\x90\x00")
    write_text(tmp_path / "README.md", "说明文件，不是政策。")
    write_text(tmp_path / ".hidden.txt", "隐藏文件。")
    write_text(tmp_path / ".git" / "x.txt", "版本库文件。")
    write_meta(tmp_path / "good.txt", {"issuer": "某局"})

    documents, skipped = load_corpus(tmp_path)
    assert [d.source_path for d in documents] == ["good.txt", "nested/more.md"]
    assert documents[0].issuer == "某局"
    assert [entry.split(":", 1)[0] for entry in skipped] == ["binary.txt", "empty.txt", "setup.exe"]
    assert all(entry.count("binary.txt") == 1 for entry in skipped if entry.startswith("binary.txt"))
    assert "没有可读取的文字" in skipped[1]
    assert "不支持的文件类型" in skipped[2]


def test_missing_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(EmptyCorpusError, match=r"不存在.*\.txt"):
        load_corpus(tmp_path / "nowhere")
    with pytest.raises(EmptyCorpusError, match=r"没有可读取的文档.*\.docx"):
        load_corpus(tmp_path)


def test_folder_with_only_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    write_text(tmp_path / "README.txt", "说明")
    with pytest.raises(EmptyCorpusError, match="empty.txt"):
        load_corpus(tmp_path)


def test_duplicate_doc_id_skips_the_second(tmp_path: Path) -> None:
    write_text(tmp_path / "policy.md", "# 第一份\n正文。")
    write_text(tmp_path / "policy.txt", "第二份\n正文。")
    write_text(tmp_path / "z_other.txt", "第三份\n正文。")
    write_meta(tmp_path / "z_other.txt", {"doc_id": "policy"})
    documents, skipped = load_corpus(tmp_path)
    assert [d.source_path for d in documents] == ["policy.md"]
    assert [entry.split(": ", 1)[0] for entry in skipped] == ["policy.txt", "z_other.txt"]
    assert all("policy" in entry and "policy.md" in entry for entry in skipped)
    assert "doc_id" in skipped[1]


def test_repo_corpus_loads() -> None:
    documents, skipped = load_corpus(PLAN.parent)
    assert "qingdao_ai_plan" in {d.doc_id for d in documents}
    assert skipped == []
