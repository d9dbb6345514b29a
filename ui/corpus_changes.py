"""Adding and removing corpus documents: the half of `ui.service.Service`
that changes the corpus, as the mixin `CorpusChanges` it inherits.

An upload is checked, staged in a hidden folder inside the corpus, moved in
and the index rebuilt incrementally; a removal parks the files, rebuilds, and
drops them. Both are journaled (ui/uploads.py), so a change a crash left half
done is rolled back before the next one, and a failed change puts the corpus
folder and the index back as they were.

Questions never wait for a corpus change: the rebuild runs beside them (it
shares only the model, slice by slice) and the new Assistant is swapped in
with one assignment when it is ready. Corpus changes are serialised in the
process and, through the index's writer lock, with `policyqa index` runs.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from indexer.errors import PolicyQAError
from indexer.loaders import load_document, sidecar_path
from indexer.loaders.limits import LimitExceededError
from indexer.store import index_lock
from indexer.types import Document

from .concurrency import FairLock, SerialEmbedder
from .uploads import UploadRejectedError, begin_change, end_change, quarantine_refused, roll_back_interrupted, sanitise_filename

if TYPE_CHECKING:
    from .service import CorpusView


MAX_UPLOAD_BYTES = 20 * 1024 * 1024

Progress = Callable[[float, str], None]


class DocumentNotFoundError(PolicyQAError):
    """No document with that id is in the index."""


class RemovalRefusedError(PolicyQAError):
    """A document cannot be removed; nothing was changed."""


def _facts_extractor() -> Callable | None:
    """The lead's fact extractor when the package has one, so a rebuild from the
    UI writes the same facts.json as `policyqa index`."""
    try:
        from indexer.facts import extract_facts  # type: ignore[import-not-found]
    except ImportError:
        return None
    return extract_facts


class CorpusChanges:
    """`add_document` and `remove_document` of `ui.service.Service`.

    Each holds the change lock and the index's writer lock and uses the model
    only slice by slice; the rebuilt Assistant is swapped in by `_install`.
    """

    # Set up by Service: where the corpus and the index are, its locks and snapshot.
    index_dir: Path
    corpus_dir: Path
    _change_lock: threading.Lock
    _model_lock: FairLock
    _assistant: Any
    _view: CorpusView
    _install: Callable[[Any], None]

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
