"""Plain data flowing out of the indexing stage."""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """One policy document after loading and cleaning.

    `text` is the cleaned text: web-page debris removed, everything else
    kept verbatim (including whitespace), so character spans index into it.
    """

    doc_id: str  # stable, derived from the file name stem (e.g. "qingdao_ai_plan")
    title: str
    text: str
    source_path: str  # path relative to the corpus folder
    published: str = ""  # 发布日期, ISO date when known
    issuer: str = ""
    source: str = ""  # e.g. 青岛政务网
    period: str = ""  # e.g. "2019—2022"
    fixture: bool = False  # made up for a test, never a real policy
    content_hash: str = ""  # sha256 of the cleaned text
    # A law's own history (indexer/lawmd.py) or a sidecar; jurisdiction also from the title.
    jurisdiction: str = ""  # 国家 / 山东省 / 青岛市 …, "" when unknown
    level: str = ""  # 国家级 / 省级 / 市级, "" when unknown
    adopted: str = ""  # 通过日期 (first adoption), ISO date when known
    # 施行日期 of this version, ISO date when known: a law's history, a sidecar, or a
    # formal document's "自…起施行" (indexer/header.py).
    effective: str = ""
    revisions: tuple[str, ...] = ()  # ISO dates of each 修正 / 修订, oldest first
    history: tuple[str, ...] = ()  # the document's own history lines (通过 / 批准 / 公布 / 施行 / 修订 …) as written
    # The red-header and closing lines of a formal document (indexer/header.py);
    # a sidecar may set or override each of them.
    doc_number: str = ""  # 发文字号, e.g. 青政发〔2019〕12号
    written: str = ""  # 成文日期, ISO date
    valid_until: str = ""  # 有效期 end, ISO date when it can be known, else as stated (e.g. "5年")
    subject_words: tuple[str, ...] = ()  # 主题词
    attachments: tuple[str, ...] = ()  # titles of the 附件 listed after the body
    cc: tuple[str, ...] = ()  # 抄送 recipients
    printed_by: str = ""  # 印发机关 of the closing 印发 line
    # Paged formats (PDF, OFD, scans): offset in `text` where each page starts,
    # page 1 first; empty for formats without pages.
    page_starts: tuple[int, ...] = ()
    ocr_pages: tuple[int, ...] = ()  # 1-based pages whose text was recognised from an image (识别自扫描件)

    def __post_init__(self) -> None:
        # Documents read back from JSON carry lists; keep the dataclass hashable and equal to the original.
        for name in ("revisions", "history", "subject_words", "attachments", "cc", "page_starts", "ocr_pages"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))

    def page_of(self, offset: int) -> int:
        """The 1-based page holding character `offset` of `text`, or 0 for a document without pages."""
        if not self.page_starts:
            return 0
        return max(1, bisect.bisect_right(self.page_starts, offset))

    def is_ocr(self, start: int, end: int) -> bool:
        """Whether any page overlapping text[start:end] was recognised from a scan."""
        if not self.ocr_pages:
            return False
        return any(page in self.ocr_pages for page in range(self.page_of(start), self.page_of(max(start, end - 1)) + 1))


@dataclass(frozen=True)
class Chunk:
    """The smallest numbered unit of a document (or a sentence-bounded part of one).

    `start`/`end` are offsets into the owning Document.text; `text` equals
    Document.text[start:end].
    """

    chunk_id: str
    doc_id: str
    clause: str  # e.g. "二（二）2（3）", "附件", "引言"
    path: tuple[str, ...]  # breadcrumb, e.g. ("二、攻坚计划和任务", "（二）新能源汽车产业倍增攻坚战", ...)
    text: str
    start: int
    end: int
    ordinal: int  # position of the chunk within its document
    kind: str = "clause"  # clause | heading | preamble | attachment | table | table_row
    part: int = 0  # >0 when a long clause was split at sentence ends

    @property
    def breadcrumb(self) -> str:
        return " › ".join(self.path)


@dataclass(frozen=True)
class Contact:
    unit: str
    person: str
    phone: str


@dataclass
class BuildReport:
    documents: int = 0
    chunks: int = 0
    embedded: int = 0  # chunks whose vectors were computed this time (others reused)
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)  # "file: reason" for unreadable files
