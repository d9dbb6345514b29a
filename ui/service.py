"""The one object the web UI and the HTTP API share.

`Service` holds ONE `Assistant` (index + embedding model, loaded once), answers
questions, lists documents, and adds or removes corpus files, rebuilding the
index incrementally and reloading the Assistant with the same embedder. It
holds no retrieval or answering logic of its own: questions go to
`Assistant.ask_batch` (micro-batched, see ui/concurrency.py), indexing to
`indexer.build.build_index`.

This module holds asking and reading; adding and removing documents (and
how they run beside questions) is the mixin `CorpusChanges` in
ui/corpus_changes.py, whose names are re-exported here.

Every refusal is a `PolicyQAError` whose message is Chinese and says what to do;
a refused upload or removal leaves the corpus folder and the index unchanged.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from indexer.docmeta import document_dates
from indexer.errors import InvalidArgumentError, InvalidQuestionError, PolicyQAError
from indexer.types import Chunk, Document
from qa.doc_filter import DocFilter, choose, document_year, parse_doc_filter

from .concurrency import BatcherBusyError, FairLock, MicroBatcher
from .corpus_changes import (  # noqa: F401 - re-exported for ui.manage_tab, ui.web and tests
    MAX_UPLOAD_BYTES,
    CorpusChanges,
    DocumentNotFoundError,
    Progress,
    RemovalRefusedError,
)
from .facts_rows import facts_rows
from .feedback import FEEDBACK_FILE, RATINGS, FeedbackError, FeedbackLog  # noqa: F401 - re-exported for ui.blocks and tests
from .uploads import UploadRejectedError, sanitise_filename  # noqa: F401 - re-exported for tests

MAX_TOP_K = 100  # passages per answer: more is no answer, only a dump of the corpus
INTERNAL_ERROR = "出现内部错误，请稍后再试；如果问题持续，请联系管理员查看服务日志。"
MAX_PROFILE_CHARS = 500  # a firm's description, like a question
QUESTION_WAIT_S = 20.0  # a question not started by then is withdrawn (503): its asker has likely given up


class ServiceBusyError(PolicyQAError):
    """A question waited longer than QUESTION_WAIT_S for the model; `retry_after` in seconds."""

    retry_after = 5


@dataclass(frozen=True)
class CorpusView:
    """Read-only lookups over one loaded Assistant; swapped whole after a rebuild,
    so readers never see half an update."""

    documents: dict[str, Document]
    chunks_by_doc: dict[str, list[Chunk]]
    chunk_by_id: dict[str, Chunk]
    statuses: Any = None  # qa.doc_status.Statuses of the loaded index: whether each document is in force

    @classmethod
    def of(cls, assistant: Any) -> "CorpusView":
        by_doc: dict[str, list[Chunk]] = {doc_id: [] for doc_id in assistant.documents}
        for chunk in assistant.index.chunks:
            by_doc.setdefault(chunk.doc_id, []).append(chunk)
        for chunks in by_doc.values():
            chunks.sort(key=lambda c: (c.start, c.ordinal))
        return cls(
            dict(assistant.documents), by_doc, {c.chunk_id: c for c in assistant.index.chunks}, getattr(assistant, "statuses", None)
        )

    def status_of(self, doc_id: str) -> str:
        """"现行有效", "有效期已过（有效期至 2025-12-31）"… as of today; "" when unknown."""
        return self.statuses.of(doc_id).text if self.statuses is not None and doc_id in self.documents else ""

    def chunk_at(self, doc_id: str, start: int, end: int) -> Chunk | None:
        """The chunk of `doc_id` that holds [start, end), else the first one overlapping it."""
        chunks = self.chunks_by_doc.get(doc_id, [])
        for chunk in chunks:
            if chunk.start <= start and end <= chunk.end:
                return chunk
        for chunk in chunks:
            if chunk.start < max(end, start + 1) and start < chunk.end:
                return chunk
        return None


def _added_on(path: Path) -> str:
    """The day a corpus file was added (its modification time), "" when it is gone."""
    try:
        return datetime.fromtimestamp(path.stat().st_mtime).date().isoformat()
    except OSError:
        return ""


class Service(CorpusChanges):
    """One Assistant shared by the web UI and the HTTP API.

    `ask` queues the question for the batcher, which answers everything
    waiting in one `ask_batch` under the model lock; `add_document` and
    `remove_document` hold the change lock and the index's writer lock, and
    use the model only slice by slice; the lookups (`view`, `list_documents`,
    `index_state`) read an immutable snapshot.
    """

    def __init__(self, assistant: Any, index_dir: Path, corpus_dir: Path, data_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self.corpus_dir = Path(corpus_dir)
        self.data_dir = Path(data_dir)
        self._change_lock = threading.Lock()  # one corpus change at a time
        self._model_lock = FairLock()  # the embedding model, one thread at a time, in turn
        self._feedback = FeedbackLog(self.data_dir)
        # A question costs about its length (tokens to embed and match), so a
        # batch holds many short questions or a few long ones.
        self._batcher = MicroBatcher(self._ask_group, cost=len)
        self._install(assistant)

    @classmethod
    def open(cls, index_dir: Path, corpus_dir: Path, data_dir: Path, model_id: str | None = None) -> "Service":
        """Load the index at `index_dir` and its model (about 10 s the first time)."""
        from qa.assistant import Assistant

        return cls(Assistant.open(Path(index_dir), model_id=model_id), index_dir, corpus_dir, data_dir)

    # -- state ------------------------------------------------------------------
    def _install(self, assistant: Any) -> None:
        # One assignment: a reader sees the old pair or the new one, never a mix.
        self._state = (assistant, CorpusView.of(assistant))

    @property
    def _assistant(self) -> Any:
        return self._state[0]

    @property
    def _view(self) -> CorpusView:
        return self._state[1]

    @property
    def assistant(self) -> Any:
        return self._state[0]

    @property
    def embedder(self) -> Any:
        return self._state[0].embedder

    @property
    def view(self) -> CorpusView:
        return self._state[1]

    # -- questions ----------------------------------------------------------------
    def ask(
        self,
        question: str,
        top_k: int = 5,
        doc_ids: Sequence[str] | None = None,
        doc_filter: str | DocFilter | None = None,
        client: str = "",
        history: Sequence[Any] | None = None,
    ) -> dict[str, Any]:
        """`Answer.to_json()` for `question`, optionally restricted to `doc_ids`
        and to the documents `doc_filter` accepts (`issuer=…,year=2019` or a
        `qa.doc_filter.DocFilter`). `client` is whom the batcher is fair to.
        With `history` (the previous questions or answers, oldest first; []
        for a conversation's first question) the question is read in its
        conversation first (qa/conversation.py: a follow-up, 这份方案) and
        `understood_as` says how.

        Raises InvalidQuestionError (empty, over 500 characters…),
        InvalidArgumentError (bad top_k, unknown doc id, bad filter or no
        document passing it) and ServiceBusyError (not started within
        QUESTION_WAIT_S) with Chinese messages.
        """
        from qa.query import normalise_question

        if isinstance(top_k, bool) or not isinstance(top_k, int):
            raise InvalidArgumentError("top_k 必须是整数，例如 5。")
        if not 0 < top_k <= MAX_TOP_K:
            raise InvalidArgumentError(f"top_k 必须在 1 到 {MAX_TOP_K} 之间，收到的是 {top_k}。")
        normalise_question(question)  # refuse a bad question here, not inside someone else's batch
        wanted = self._check_doc_ids(doc_ids)
        if doc_filter is not None and not isinstance(doc_filter, (str, DocFilter)):
            raise InvalidArgumentError("doc_filter 必须是文本，例如 \"issuer=青岛市人民政府,year=2019\"。")
        if isinstance(doc_filter, str):
            doc_filter = parse_doc_filter(doc_filter) if doc_filter.strip() else None
        if doc_filter is not None and doc_filter.conditions:
            # Resolved here, against this snapshot: the batch key stays plain doc ids,
            # and a filter nothing passes is refused to this caller alone.
            wanted = choose(doc_filter, self._view.documents.values(), wanted)
        if history is None:  # a question on its own
            return self._submit((top_k, tuple(wanted) if wanted else None), question, client)
        from qa.conversation import read, turns_of

        router = self._assistant.composer.router
        reading = read(question, turns_of(history, router), router, wanted or ())
        scope = tuple(wanted or reading.doc_ids) or None  # 这份方案: the document in focus
        answer = self._submit((top_k, scope), reading.question, client)
        return {**answer, "question": question, "understood_as": reading.understood_as}

    def _submit(self, key: tuple[int, tuple[str, ...] | None], question: str, client: str) -> dict[str, Any]:
        try:
            return self._batcher.submit(key, question, client, QUESTION_WAIT_S)
        except BatcherBusyError:
            raise ServiceBusyError(f"提问的人太多，问题等待超过 {QUESTION_WAIT_S:.0f} 秒未能处理：请稍后再试。") from None

    def _ask_group(self, key: tuple[int, tuple[str, ...] | None], questions: list[str]) -> list[dict[str, Any]]:
        top_k, doc_ids = key
        assistant = self._assistant  # the snapshot this batch is answered from
        with self._model_lock:
            answers = assistant.ask_batch(questions, top_k=top_k, doc_ids=list(doc_ids) if doc_ids else None)
        return [answer.to_json() for answer in answers]

    def _check_doc_ids(self, doc_ids: Sequence[str] | None) -> list[str] | None:
        if doc_ids is None:
            return None
        if isinstance(doc_ids, str) or not isinstance(doc_ids, (list, tuple)):
            raise InvalidArgumentError("doc_ids 必须是文件编号的列表，例如 [\"qingdao_ai_plan\"]。")
        wanted = []
        for doc_id in doc_ids:
            if not isinstance(doc_id, str):
                raise InvalidArgumentError("doc_ids 中的每一项都必须是文件编号（文本）。")
            if doc_id not in self._view.documents:
                raise InvalidArgumentError(f"未知的文件编号：{doc_id}。可用的编号见“文件管理”页。")
            if doc_id not in wanted:
                wanted.append(doc_id)
        return wanted or None

    # -- lookups ------------------------------------------------------------------
    def list_documents(self) -> list[dict[str, Any]]:
        """Metadata and chunk count of every indexed document, in title order."""
        view = self._view
        rows = []
        for doc_id, doc in view.documents.items():
            rows.append(
                {
                    "doc_id": doc_id,
                    "title": doc.title,
                    "file": doc.source_path,
                    "published": doc.published,
                    "issuer": doc.issuer,
                    "source": doc.source,
                    "period": doc.period,
                    "doc_number": doc.doc_number,
                    "written": doc.written,
                    "effective": doc.effective,
                    "valid_until": doc.valid_until,
                    "jurisdiction": doc.jurisdiction,
                    "level": doc.level,
                    "dates": dict(document_dates(doc).items()),
                    "status": view.status_of(doc_id),
                    "added": _added_on(self.corpus_dir / doc.source_path),
                    "pages": len(doc.page_starts),
                    "ocr_pages": len(doc.ocr_pages),
                    "chunks": len(view.chunks_by_doc.get(doc_id, [])),
                    "chars": len(doc.text),
                    "fixture": doc.fixture,
                }
            )
        return sorted(rows, key=lambda row: (row["title"], row["doc_id"]))

    def filter_choices(self) -> dict[str, list[str]]:
        """What the 问答 tab's document filter offers: `issuer` (the issuing bodies
        of the indexed documents, sorted) and `year` (their years, newest first)."""
        documents = self._view.documents.values()
        return {
            "issuer": sorted({doc.issuer for doc in documents if doc.issuer}),
            "year": sorted({document_year(doc) for doc in documents} - {""}, reverse=True),
        }

    def index_state(self) -> dict[str, Any]:
        """Model, counts and build time of the loaded index."""
        assistant, view = self._state
        manifest = assistant.index.manifest
        return {
            "model": manifest.get("model_id", ""),
            "dimension": manifest.get("dimension"),
            "documents": len(view.documents),
            "chunks": len(assistant.index.chunks),
            "built_at": manifest.get("built_at", ""),
            "index_dir": str(self.index_dir),
            "corpus_dir": str(self.corpus_dir),
        }

    # -- facts (企业政策匹配, 职责与指标) ----------------------------------------------
    def match(self, profile: str) -> Any:
        """`qa.match.match_profile` over the loaded facts: the `MatchResult` for a
        firm's own description (as `policyqa match` gives it). Raises
        InvalidQuestionError for an empty or over-long profile."""
        from qa.match import match_profile

        if isinstance(profile, str) and len(profile.strip()) > MAX_PROFILE_CHARS:
            raise InvalidQuestionError(f"企业描述过长（{len(profile.strip())} 字）：请控制在 {MAX_PROFILE_CHARS} 字以内。")
        assistant, view = self._state
        return match_profile(profile, assistant.facts, view.documents)

    def facts_tables(self) -> dict[str, list[dict[str, Any]]]:
        """The loaded facts as rows: `documents` (title, issuer, published,
        period), `targets` (指标) and `roles` (people, units and duties), each
        row with the `source` it was read from (doc_id, chunk_id, clause,
        quote, start, end), or None."""
        assistant, view = self._state
        return facts_rows(assistant.facts, view.documents, view.status_of)

    # -- feedback -----------------------------------------------------------------
    def feedback(self, record: dict[str, Any], client: str = "") -> dict[str, Any]:
        """Append one rating of an answer by `client` to data_dir/feedback.jsonl
        and return it (ui/feedback.py: rate-limited, once per answer and client,
        rotated by size)."""
        return self._feedback.record(record, client)
