"""The 导出 Excel / 导出 Word buttons under a conversation, table or result:
Gradio wiring around `ui.export` (which builds the files)."""
from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from indexer.errors import PolicyQAError

from .export import Report, save
from .service import INTERNAL_ERROR

log = logging.getLogger("policyqa.web")

EXPORT_DIR = Path(tempfile.gettempdir()) / "policyqa-exports"
LABELS = {"xlsx": "导出 Excel", "docx": "导出 Word"}

# Once the file is offered, start its download, as one click on 导出 should do;
# the link stays in view for another download.
AUTO_DOWNLOAD = """(...args) => {
  const box = document.getElementById(%s);
  let tries = 0;
  const start = () => {
    const link = box && box.querySelector('a[download]');
    if (link) { link.click(); return; }
    if (++tries < 40) setTimeout(start, 50);
  };
  start();
  return args;
}"""


def export_row(name: str, build: Callable[..., Report], inputs: list[Any], folder: Path = EXPORT_DIR) -> gr.File:
    """Two buttons and the file they make, in the current layout context.

    `build(*values of inputs)` returns the Report; a PolicyQAError it raises
    (e.g. nothing to export yet) is shown as its message. Elements are
    `#pq-export-{name}-xlsx`, `-docx` and `-file`.
    """
    with gr.Row(elem_classes="pq-export"):
        buttons = {fmt: gr.Button(label, size="sm", elem_id=f"pq-export-{name}-{fmt}", min_width=110, scale=0) for fmt, label in LABELS.items()}
        file = gr.File(label="导出的文件（未自动下载时点击文件名）", visible=False, interactive=False, elem_id=f"pq-export-{name}-file", scale=3)

    def exporter(fmt: str) -> Callable[..., Any]:
        def handler(*values: Any) -> Any:
            try:
                path = save(build(*values), fmt, folder)
            except PolicyQAError as e:
                raise gr.Error(str(e), print_exception=False) from None
            except Exception as e:
                log.error("export %s.%s failed: %s: %s", name, fmt, type(e).__name__, e)
                raise gr.Error(INTERNAL_ERROR, print_exception=False) from None
            return gr.update(value=str(path), visible=True)

        handler.__name__ = f"export_{name}_{fmt}"
        return handler

    for fmt, button in buttons.items():
        button.click(exporter(fmt), inputs, file, api_visibility="private", show_progress="minimal").success(
            None, None, None, js=AUTO_DOWNLOAD % json.dumps(f"pq-export-{name}-file")
        )
    return file
