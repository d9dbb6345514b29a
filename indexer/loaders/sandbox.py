"""Reading risky formats in a child process with a memory and a time limit.

PDF, Word, OFD and image parsers run in C and Python code we do not control;
a hostile file can make them take gigabytes or hours. They run here in ONE
spawned child process, reused from file to file, whose address space is
capped (RLIMIT_AS = ReadLimits.max_memory_bytes) and which is killed when a
file takes longer than ReadLimits.max_seconds. Whatever a parser does, the
process that indexes or serves survives; the file is refused with a
LimitExceededError naming the limit, and the next file gets a fresh child.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..errors import UnsupportedDocumentError
from .common import RawText
from .limits import LimitExceededError, ReadLimits, exceeded, set_limits

log = logging.getLogger("policyqa.loaders")

# Formats read in the child: zip containers, PDF, images, converted Word.
# Plain text, Markdown and HTML are read in the process (their cost is their size).
SANDBOXED_SUFFIXES = frozenset({".pdf", ".docx", ".doc", ".wps", ".ofd", ".png", ".jpg", ".jpeg", ".tif", ".tiff"})


class ReaderProcessError(Exception):
    """The parser's own exception in the reading child, as text: the cause of
    the UnsupportedDocumentError raised here."""


def _serve(connection: Connection) -> None:
    """The child: read each (path, limits) it is sent and send back
    ("ok", RawText) or ("refused", message, limit or "", cause or "")."""
    import resource

    from .corpus import read_in_process  # the readers' imports, while the child starts rather than at the first file

    applied: ReadLimits | None = None
    while True:
        try:
            path, limits = connection.recv()
        except (EOFError, OSError):
            return
        if limits != applied:
            set_limits(limits)
            resource.setrlimit(resource.RLIMIT_AS, (limits.max_memory_bytes, limits.max_memory_bytes))
            applied = limits
        try:
            reply: tuple[Any, ...] = ("ok", read_in_process(Path(path)))
        except LimitExceededError as e:
            reply = ("refused", str(e), e.limit, "")
        except UnsupportedDocumentError as e:
            cause = e.__cause__
            reply = ("refused", str(e), "", f"{type(cause).__name__}: {cause}" if cause else "")
        except MemoryError:
            reply = ("refused", str(exceeded(Path(path).name, "max_memory_bytes")), "max_memory_bytes", "")
        try:
            connection.send(reply)
        except OSError:  # the parent was killed while this file was read: nobody to answer
            return


class _Child:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a process with threads and a loaded model
        self.connection, child_end = context.Pipe()
        self.process = context.Process(target=_serve, args=(child_end,), name="policyqa-reader", daemon=True)
        self.environment = dict(os.environ)  # what it started with (PATH finds LibreOffice)
        self.process.start()
        child_end.close()

    def stop(self) -> None:
        self.connection.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=10)


_child: list[_Child | None] = [None]
_lock = threading.Lock()  # one file at a time through the child


def read_sandboxed(path: Path, limits: ReadLimits) -> RawText:
    """`path` read in the child process under `limits`.

    Raises:
        LimitExceededError: over a limit, out of memory, or out of time (the
            child is then killed and replaced for the next file).
        UnsupportedDocumentError: the reader's own refusal.
    """
    with _lock:
        child = _child[0]
        if child is not None and (not child.process.is_alive() or child.environment != os.environ):
            child.stop()
            child = None
        if child is None:
            child = _child[0] = _Child()
        try:
            child.connection.send((str(path), limits))
            if not child.connection.poll(limits.max_seconds):
                _child[0] = None
                child.stop()
                raise _limit(path, limits, "max_seconds", limits.max_seconds)
            reply = child.connection.recv()
        except (EOFError, OSError, BrokenPipeError):
            # The child died: the kernel or the allocator refused it memory.
            _child[0] = None
            child.stop()
            log.warning("reader process died on %s (exit code %s)", path.name, child.process.exitcode)
            raise _limit(path, limits, "max_memory_bytes", None) from None
    if reply[0] == "ok":
        return reply[1]
    _, message, limit, cause = reply
    if limit:
        raise LimitExceededError(message, limit)
    raise UnsupportedDocumentError(message) from (ReaderProcessError(cause) if cause else None)


def _limit(path: Path, limits: ReadLimits, limit: str, found: float | None) -> LimitExceededError:
    previous = set_limits(limits)
    try:
        return exceeded(path.name, limit, found)
    finally:
        set_limits(previous)


def start_child() -> None:
    """Start the reading child ahead of the first file (`policyqa serve`): its
    spawn and imports take a second or two of CPU, which the first upload
    would otherwise spend while questions wait for the cores."""
    with _lock:
        if _child[0] is None:
            _child[0] = _Child()


def stop_child() -> None:
    """Stop the reading child process (tests; it also ends with its parent)."""
    with _lock:
        if _child[0] is not None:
            _child[0].stop()
            _child[0] = None
