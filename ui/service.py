"""The one object the web UI and the HTTP API share.

`Service` holds ONE `Assistant` (index + embedding model, loaded once), answers
questions, lists documents, and adds or removes corpus files, rebuilding the
index incrementally and reloading the Assistant with the same embedder. It
holds no retrieval or answering logic of its own: questions go to
`Assistant.ask_batch` (micro-batched, see ui/concurrency.py), indexing to
`indexer.build.build_index`.

Questions never wait for a corpus change: the rebuild runs beside them (it
shares only the model, slice by slice) and the new Assistant is swapped in
with one assignment when it is ready. Corpus changes are serialised in the
process and, through the index's writer lock, with `policyqa index` runs.

Every refusal is a `PolicyQAError` whose message is Chinese and says what to do;
a refused upload or removal leaves the corpus folder and the index unchanged.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from indexer.docmeta import document_dates
from indexer.errors import InvalidArgumentError, InvalidQuestionError, PolicyQAError
from indexer.loaders import load_document, sidecar_path
from indexer.loaders.limits import LimitExceededError
from indexer.store import index_lock
from indexer.types import Chunk, Document
from qa.doc_filter import DocFilter, choose, document_year, parse_doc_filter

from .concurrency import BatcherBusyError, FairLock, MicroBatcher, SerialEmbedder
from .facts_rows import facts_rows
from .feedback import FEEDBACK_FILE, RATINGS, FeedbackError, FeedbackLog  # noqa: F401 - re-exported for ui.blocks and tests
from .uploads import UploadRejectedError, begin_change, end_change, quarantine_refused, roll_back_interrupted, sanitise_filename

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_TOP_K = 100  # passages per answer: more is no answer, only a dump of the corpus
INTERNAL_ERROR = "出现内部错误，请稍后再试；如果问题持续，请联系管理员查看服务日志。"
MAX_PROFILE_CHARS = 500  # a firm's description, like a question
QUESTION_WAIT_S = 20.0  # a question not started by then is withdrawn (503): its asker has likely given up

Progress = Callable[[float, str], None]

class DocumentNotFoundError(PolicyQAError):
    """No document with that id is in the index."""


class RemovalRefusedError(PolicyQAError):
    """A document cannot be removed; nothing was changed."""


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


def _facts_extractor() -> Callable | None:
    """The lead's fact extractor when the package has one, so a rebuild from the
    UI writes the same facts.json as `policyqa index`."""
    try:
        from indexer.facts import extract_facts  # type: ignore[import-not-found]
    except ImportError:
        return None
    return extract_facts


def _added_on(path: Path) -> str:
    """The day a corpus file was added (its modification time), "" when it is gone."""
    try:
        return datetime.fromtimestamp(path.stat().st_mtime).date().isoformat()
    except OSError:
        return ""


class Service:
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

    # -- corpus changes -------------------------------------------------------------
    def add_document(self, path: Path | str, filename: str | None = None, progress: Progress | None = None) -> dict[str, Any]:
        """Validate an uploaded file, move it into the corpus, rebuild the index.

        Refused (UploadRejectedError or UnsupportedDocumentError, nothing
        changed): unsupported type, empty, over 20 MB, unreadable, a file name
        or doc id already in use, or the same content as an indexed document.
        A file over a reading limit (LimitExceededError) is moved to the
        quarantine folder beside the corpus.
        """
        report = progress or (lambda fraction, message: None)
        with self._changing():
            report(0.05, "正在检查文件…")
            name = sanitise_filename(filename if filename is not None else Path(path).name)
            source = Path(path)
            if not source.is_file():
                raise UploadRejectedError("上传的文件不存在或已失效：请重新选择文件上传。")
            size = source.stat().st_size
            if size == 0:
                raise UploadRejectedError(f"{name}: 文件是空的（0 字节）：请检查后重新上传。")
            if size > MAX_UPLOAD_BYTES:
                raise UploadRejectedError(
                    f"{name}: 文件过大（{size / 1024 / 1024:.1f} MB），上限为 {MAX_UPLOAD_BYTES // 1024 // 1024} MB：请拆分或压缩后再上传。"
                )
            self._refuse_taken_name(name)
            self.corpus_dir.mkdir(parents=True, exist_ok=True)
            # A hidden folder inside the corpus: never indexed, and on the same
            # file system, so the final move is a rename.
            staging = Path(tempfile.mkdtemp(prefix=".upload-", dir=self.corpus_dir))
            try:
                staged = staging / name
                shutil.copyfile(source, staged)
                report(0.15, "正在读取文件内容…")
                try:
                    document = load_document(staged, staging)
                except LimitExceededError as e:
                    raise quarantine_refused(staged, self.corpus_dir, e) from e
                self._refuse_duplicate(document)
                target = self.corpus_dir / name
                if target.exists() or sidecar_path(target).exists():
                    raise UploadRejectedError(f"已有同名文件 {name}：请先删除旧文件，或改名后再上传。")
                report(0.3, "正在更新索引（只计算新条款的向量）…")
                # Journaled: a kill from here until end_change leaves the file
                # to be taken out again at the next start (ui/uploads.py).
                begin_change(self.corpus_dir, {"op": "upload", "file": name})
                os.replace(staged, target)
                try:
                    build = self._rebuild()
                    if document.doc_id not in self._view.documents:
                        raise UploadRejectedError(f"{name}: 文件未能加入索引：{'；'.join(build.skipped) or '原因未知'}")
                except BaseException:
                    target.unlink(missing_ok=True)
                    self._restore_index()
                    end_change(self.corpus_dir)
                    raise
                end_change(self.corpus_dir)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            report(1.0, "完成")
            added = self._view.documents[document.doc_id]
            return {
                "doc_id": added.doc_id,
                "title": added.title,
                "file": name,
                "chunks": len(self._view.chunks_by_doc.get(added.doc_id, [])),
                "embedded": build.embedded,
                "seconds": round(build.seconds, 2),
            }

    def _refuse_taken_name(self, name: str) -> None:
        taken = {doc.source_path.lower() for doc in self._view.documents.values()}
        if self.corpus_dir.is_dir():
            taken |= {p.name.lower() for p in self.corpus_dir.iterdir() if p.is_file()}
        if name.lower() in taken:
            raise UploadRejectedError(f"已有同名文件 {name}：请先删除旧文件，或改名后再上传。")

    def _refuse_duplicate(self, document: Document) -> None:
        for existing in self._view.documents.values():
            if existing.content_hash and existing.content_hash == document.content_hash:
                raise UploadRejectedError(
                    f"内容与已有文件《{existing.title}》（{existing.source_path}）完全相同，未重复添加。"
                )
        if document.doc_id in self._view.documents:
            other = self._view.documents[document.doc_id]
            raise UploadRejectedError(
                f"文件编号 {document.doc_id} 已被《{other.title}》（{other.source_path}）使用：请改名后再上传。"
            )

    def remove_document(self, doc_id: str, progress: Progress | None = None) -> dict[str, Any]:
        """Remove a document (and its .meta.json) from the corpus and the index."""
        report = progress or (lambda fraction, message: None)
        with self._changing():
            document = self._view.documents.get(doc_id)
            if document is None:
                raise DocumentNotFoundError(f"找不到文件编号 {doc_id}：它可能已被删除，请刷新页面。")
            if len(self._view.documents) <= 1:
                raise RemovalRefusedError("这是索引中唯一的文件，不能删除：请先上传其他文件。")
            corpus = self.corpus_dir.resolve()
            path = (corpus / document.source_path).resolve()
            if not path.is_relative_to(corpus) or path == corpus:
                raise RemovalRefusedError(f"文件路径 {document.source_path} 不在语料文件夹内，未删除。")
            report(0.1, "正在移出文件…")
            trash = Path(tempfile.mkdtemp(prefix=".removed-", dir=corpus))
            planned = [
                (original, trash / f"{n}-{original.name}") for n, original in enumerate(p for p in (path, sidecar_path(path)) if p.is_file())
            ]
            # Journaled: a kill before end_change puts the files back at the next start.
            begin_change(corpus, {"op": "remove", "moved": [[str(a.relative_to(corpus)), str(b.relative_to(corpus))] for a, b in planned]})
            try:
                for original, parked in planned:
                    os.replace(original, parked)
                report(0.3, "正在更新索引…")
                try:
                    build = self._rebuild()
                except BaseException:
                    for original, parked in planned:
                        if parked.exists():
                            os.replace(parked, original)
                    self._restore_index()
                    raise
                finally:
                    end_change(corpus)
            finally:
                shutil.rmtree(trash, ignore_errors=True)
            report(1.0, "完成")
            return {"doc_id": doc_id, "title": document.title, "file": document.source_path, "chunks": build.chunks}

    @contextlib.contextmanager
    def _changing(self):
        """Hold the change lock and the index's writer lock; a change a crash
        left half done is rolled back and its staging folders removed first
        (no writer can be using them while both locks are held)."""
        with self._change_lock, index_lock(self.index_dir):
            if roll_back_interrupted(self.corpus_dir):
                self._restore_index()
            yield

    def _rebuild(self) -> Any:
        """Update the index from the corpus folder and swap in a fresh Assistant
        built on the same embedder (the model is not loaded again). Questions go
        on meanwhile: the build shares the model with them slice by slice."""
        from indexer.build import build_index
        from indexer.store import load_index
        from qa.assistant import Assistant

        embedder = self._assistant.embedder
        build = build_index(
            self.corpus_dir,
            self.index_dir,
            embedder=SerialEmbedder(embedder, self._model_lock),
            show_progress=False,
            extract_facts=_facts_extractor(),
        )
        index = load_index(self.index_dir, model_id=embedder.model_id)
        self._install(Assistant(index, embedder, top_k=self._assistant.top_k))
        return build

    def _restore_index(self) -> None:
        """After a failed change the corpus folder is back as it was: bring the
        index back in line (a no-op when it was never rewritten)."""
        try:
            self._rebuild()
        except Exception:  # the old Assistant stays loaded; the next change retries
            pass

    # -- feedback -----------------------------------------------------------------
    def feedback(self, record: dict[str, Any], client: str = "") -> dict[str, Any]:
        """Append one rating of an answer by `client` to data_dir/feedback.jsonl
        and return it (ui/feedback.py: rate-limited, once per answer and client,
        rotated by size)."""
        return self._feedback.record(record, client)
