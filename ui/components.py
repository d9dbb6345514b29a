"""What every part of the Blocks shares: the client-side scripts and styles
(files in `ui/static/`), the context a tab added through the hook receives,
the guard that turns a handler's errors into a message, and the choices the
lists of documents and the document filter offer."""
from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from indexer.errors import PolicyQAError

from .service import INTERNAL_ERROR, Service

log = logging.getLogger("policyqa.web")

STATIC = Path(__file__).resolve().parent / "static"


def static_text(name: str) -> str:
    """The text of a file in `ui/static/` (a script or the style sheet)."""
    return (STATIC / name).read_text(encoding="utf-8")


OPEN_JS = static_text("open.js")
CONVERSATION_JS = OPEN_JS + static_text("conversation.js")
VIEWER_JS = static_text("viewer.js")
CSS = static_text("style.css")
HEAD = '<meta name="robots" content="noindex">' + f'<style>{static_text("print.css")}</style>'


@dataclass
class UIContext:
    """What a tab added through the hook may use."""

    service: Service
    doc_filter: gr.Dropdown  # 问答: documents the question is restricted to
    qa_viewer: gr.HTML  # 问答: the document panel
    render_document: Callable[..., str]
    esc: Callable[[Any], str]


ExtraTabs = Callable[[UIContext], None]


def guarded(fn: Callable[..., Any], fallback: Callable[[str], Any]) -> Callable[..., Any]:
    """Domain errors become their Chinese message; anything else a generic one,
    logged as one line, never a traceback."""

    @functools.wraps(fn)  # Gradio reads the signature for gr.EventData
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except PolicyQAError as e:
            return fallback(str(e))
        except Exception as e:
            log.error("UI handler %s failed: %s: %s", getattr(fn, "__name__", "?"), type(e).__name__, e)
            return fallback(INTERNAL_ERROR)

    return wrapped


def fill_on_click(examples: list[tuple[gr.Button, str]], target: gr.Textbox) -> None:
    """Each example button puts its text into `target` (in the browser, no server call)."""
    for button, text in examples:
        button.click(None, None, target, js=f"() => {json.dumps(text, ensure_ascii=False)}", api_visibility="private")


def event_data(evt: Any) -> dict[str, Any]:
    """The payload a `trigger('click', {...})` sent, or {} when there is none."""
    data = getattr(evt, "_data", None)
    return data if isinstance(data, dict) else {}


def _choices(service: Service) -> list[tuple[str, str]]:
    return [(f"{row['title']}（{row['doc_id']}）", row["doc_id"]) for row in service.list_documents()]


ANY = "不限"


def _filter_choices(service: Service) -> dict[str, list[tuple[str, str]]]:
    """The 发文机关 and 年份 dropdowns' choices: 不限 (value "", no condition), then
    what the indexed documents hold."""
    return {key: [(ANY, "")] + [(value, value) for value in values] for key, values in service.filter_choices().items()}


def _filter_updates(service: Service, clear: bool = False) -> tuple[Any, ...]:
    """Updates of the 发文机关 and 年份 dropdowns; `clear` (after a corpus change)
    also resets them to 不限, as the documents may no longer hold the choice made."""
    offered = _filter_choices(service)
    return tuple(gr.update(choices=offered[key], **({"value": ""} if clear else {})) for key in ("issuer", "year"))
