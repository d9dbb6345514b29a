"""Exports: a conversation with its citations, 职责与指标, match results and the
document list, as .xlsx (openpyxl) and .docx (python-docx).

Pure functions: what `qa` and the `Service` return → a `Report` (tables for
the workbook, sections in reading order for the Word file) → bytes. The
Blocks only save the bytes (`save`) and offer the file for download
(ui/export_buttons.py). The columns are the page's own, so an export holds
what the user saw, in full: every row, every turn, every citation with its version.
"""
from __future__ import annotations

import io
import re
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .render import _DOCUMENT_COLUMNS, _pages_cell, citation_label, tidy
from .render_facts import ROLE_COLUMNS, TARGET_COLUMNS, _role_cells, _target_cells

FORMATS = ("xlsx", "docx")
MAX_COLUMN_WIDTH = 60  # characters; longer cells wrap
KEEP_SECONDS = 900  # saved exports older than this are removed at the next save (Gradio keeps its own copy)


@dataclass(frozen=True)
class Table:
    title: str  # the sheet's name, the Word table's heading
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    table: Table | None = None


@dataclass(frozen=True)
class Report:
    """One export: `sheets` make the workbook, `sections` the Word document."""

    title: str  # also the file's name
    intro: tuple[str, ...]
    sheets: tuple[Table, ...]
    sections: tuple[Section, ...]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _tables_report(title: str, intro: Sequence[str], tables: Sequence[Table]) -> Report:
    """A report that is only tables: each one a sheet and a section."""
    return Report(title, tuple(intro), tuple(tables), tuple(Section(t.title, table=t) for t in tables))


def _stamp() -> str:
    return f"导出时间：{datetime.now().astimezone().strftime('%Y-%m-%d %H:%M')}"


# ---------------------------------------------------------------------------
# What is exported
# ---------------------------------------------------------------------------

CITATION_COLUMNS = ("编号", "出处（文件、条款、版本）", "位置", "原文")


def _citation_rows(answer: dict[str, Any]) -> list[tuple[str, ...]]:
    return [
        (f"[{c['n']}]", citation_label(c), _text(c.get("path")), tidy(_text(c.get("quote"))))
        for c in answer.get("citations", [])
    ]


def conversation_report(turns: Sequence[dict[str, Any]]) -> Report:
    """The 问答 conversation (`Answer.to_json()` objects, oldest first): each
    question, its answer, notes and citations with their versions."""
    questions, citations, sections = [], [], []
    for i, answer in enumerate(turns, start=1):
        status = "文件未提及" if answer.get("abstained") else "已回答"
        notes = tuple(f"提示：{note}" for note in answer.get("notes", []))
        questions.append((str(i), _text(answer.get("question")), tidy(_text(answer.get("answer"))), status, "\n".join(notes)))
        rows = _citation_rows(answer)
        citations.extend((str(i), *row) for row in rows)
        table = Table(f"问题{i}的引用", CITATION_COLUMNS, tuple(rows)) if rows else None
        paragraphs = (f"答：{tidy(_text(answer.get('answer')))}", *notes)
        sections.append(Section(f"问题{i}：{_text(answer.get('question'))}", paragraphs, table))
    sheets = (
        Table("问答", ("序号", "问题", "回答", "状态", "提示"), tuple(questions)),
        Table("引用", ("问题序号", *CITATION_COLUMNS), tuple(citations)),
    )
    return Report("问答记录", (_stamp(), f"共 {len(turns)} 个问题"), sheets, tuple(sections))


def _source_cells(row: dict[str, Any]) -> tuple[str, str, str]:
    source = row.get("source") or {}
    return _text(source.get("doc_title")), _text(source.get("clause")), tidy(_text(source.get("quote")))


def facts_report(tables: dict[str, list[dict[str, Any]]]) -> Report:
    """职责与指标 (`Service.facts_tables()`): every target and every role, with its document, clause and sentence."""
    extra = ("文件", "原文")

    def rows(kind: str, cells: Any) -> tuple[tuple[str, ...], ...]:
        out = []
        for row in tables.get(kind, []):
            title, clause, quote = _source_cells(row)
            out.append((*(_text(v) for v in cells(row)), clause, title, quote))
        return tuple(out)

    return _tables_report(
        "职责与指标",
        (_stamp(), f"文件 {len(tables.get('documents', []))} 个"),
        (
            Table("指标", (*TARGET_COLUMNS, *extra), rows("targets", _target_cells)),
            Table("职责", (*ROLE_COLUMNS, *extra), rows("roles", _role_cells)),
        ),
    )


def match_report(result: Any) -> Report:
    """A `qa.match.MatchResult`: the measures (why each matched, what remains
    to be checked), what the documents leave open, and whom to ask."""
    measures = tuple(
        (
            str(n), m.support, f"《{m.doc_title}》", m.clause, m.path, tidy(m.quote), m.why,
            "\n".join(m.conditions),
        )
        for n, m in enumerate(result.measures, start=1)
    )
    contacts = tuple((c.unit, c.person, c.phone, f"《{c.doc_title}》" if c.doc_title else "", c.clause) for c in result.contacts)
    intro = [_stamp(), f"企业描述：{result.profile}", f"识别到的行业：{'、'.join(result.industries) or '未识别出具体行业'}"]
    if result.firm_kinds:
        intro.append(f"企业类型：{'、'.join(result.firm_kinds)}")
    if result.size:
        intro.append(f"企业规模：{result.size}（按从业人数推断）")
    if result.wanted:
        intro.append(f"需要的支持：{'、'.join(result.wanted)}")
    return _tables_report(
        "企业政策匹配",
        intro,
        (
            Table("匹配的措施", ("序号", "支持类型", "文件", "条款", "位置", "原文", "相关原因", "需核实的条件"), measures),
            Table("文件未明确的事项", ("事项",), tuple((item,) for item in result.not_specified)),
            Table("咨询联系", ("单位", "联系人", "电话", "文件", "条款"), contacts),
        ),
    )


def documents_report(rows: Sequence[dict[str, Any]]) -> Report:
    """The 文件管理 list (`Service.list_documents()`), with the page's columns."""
    cells = tuple(
        tuple(_pages_cell(row) if key == "pages" else _text(row.get(key)) for _, key in _DOCUMENT_COLUMNS) for row in rows
    )
    table = Table("文件列表", tuple(name for name, _ in _DOCUMENT_COLUMNS), cells)
    return _tables_report("文件列表", (_stamp(), f"共 {len(rows)} 个文件"), (table,))


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------

# Characters XML 1.0 cannot hold (a scan's recognition may produce them).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _clean(value: str) -> str:
    return _ILLEGAL.sub("", value)


def _display_width(text: str) -> int:
    """Columns a line takes: a CJK character counts two."""
    longest = max((line for line in text.split("\n")), key=len, default="")
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in longest)


def _sheet_name(title: str, taken: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "", title)[:31] or "表"
    base, n = name, 2
    while name in taken:
        name = f"{base[:28]}-{n}"
        n += 1
    taken.add(name)
    return name


def to_xlsx(report: Report) -> bytes:
    """The report's tables as a workbook, one sheet each (bold frozen header,
    filter, widths to the content, long cells wrapped), then a sheet 说明."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    wrap = Alignment(wrap_text=True, vertical="top")
    for table in report.sheets:
        sheet = book.create_sheet(_sheet_name(table.title, taken))
        sheet.append(list(table.columns))
        for row in table.rows:
            sheet.append([None] * len(row))
            for column, value in enumerate(row, start=1):
                cell = sheet.cell(row=sheet.max_row, column=column)
                cell.value = _clean(value)
                cell.data_type = "s"  # text stays text: a quote starting with "=" is no formula
                cell.alignment = wrap
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
        sheet.freeze_panes = "A2"
        if table.rows:
            sheet.auto_filter.ref = sheet.dimensions
        for column, name in enumerate(table.columns):
            width = max([_display_width(name)] + [_display_width(row[column]) for row in table.rows])
            sheet.column_dimensions[sheet.cell(row=1, column=column + 1).column_letter].width = min(width + 2, MAX_COLUMN_WIDTH)
    about = book.create_sheet(_sheet_name("说明", taken))
    for line in (report.title, *report.intro):
        about.append([_clean(line)])
    about["A1"].font = Font(bold=True, size=14)
    about.column_dimensions["A"].width = MAX_COLUMN_WIDTH
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


WIDE_TABLE = 5  # a table with more columns is printed on landscape pages
CJK_FONT = "宋体"


def to_docx(report: Report) -> bytes:
    """The report as a Word document: title, intro, then each section's heading,
    paragraphs and table (grid, header row repeated on every page); landscape
    pages when a table is wide."""
    from docx import Document as WordDocument
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    word = WordDocument()
    style = word.styles["Normal"]
    style.font.size = Pt(10.5)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), CJK_FONT)
    if any(len(s.table.columns) > WIDE_TABLE for s in report.sections if s.table):
        page = word.sections[0]
        page.orientation = WD_ORIENT.LANDSCAPE
        page.page_width, page.page_height = page.page_height, page.page_width
    word.add_heading(_clean(report.title), level=0)
    for line in report.intro:
        word.add_paragraph(_clean(line))
    for section in report.sections:
        word.add_heading(_clean(section.heading), level=1)
        for paragraph in section.paragraphs:
            word.add_paragraph(_clean(paragraph))
        table = section.table
        if table is None:
            continue
        if not table.rows:
            word.add_paragraph("（无）")
            continue
        grid = word.add_table(rows=1, cols=len(table.columns))
        grid.style = "Table Grid"
        header = grid.rows[0]
        repeat = OxmlElement("w:tblHeader")  # the header row again on each page
        repeat.set(qn("w:val"), "true")
        header._tr.get_or_add_trPr().append(repeat)
        for cell, name in zip(header.cells, table.columns):
            cell.paragraphs[0].add_run(name).bold = True
        for row in table.rows:
            for cell, value in zip(grid.add_row().cells, row):
                cell.text = _clean(value)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


WRITERS = {"xlsx": to_xlsx, "docx": to_docx}


def save(report: Report, fmt: str, folder: Path) -> Path:
    """Write `report` as `fmt` (xlsx or docx) into a new folder inside `folder`,
    named after its title and the time ("问答记录-20261207-1030.xlsx"); exports
    saved there more than KEEP_SECONDS ago are removed."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {FORMATS}")
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.iterdir():
        if old.is_dir() and now - old.stat().st_mtime > KEEP_SECONDS:
            shutil.rmtree(old, ignore_errors=True)
    # A folder of its own: two people exporting in the same minute get a file each.
    path = Path(tempfile.mkdtemp(dir=folder)) / f"{report.title}-{datetime.now().strftime('%Y%m%d-%H%M')}.{fmt}"
    path.write_bytes(WRITERS[fmt](report))
    return path
