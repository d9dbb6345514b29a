"""The 文件管理 tab of the Blocks `ui.blocks.build_ui` builds: the index state,
the documents table and its export, and upload and removal behind the admin
gate (`ui.guard` decides who may change the corpus and which files an upload
may name). After a change every list of documents on the page is refreshed,
so its events also update the 问答 and 文件浏览 tabs' dropdowns.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from indexer.errors import PolicyQAError
from indexer.loaders import SUPPORTED_SUFFIXES

from .components import _choices, _filter_updates
from .export import documents_report
from .export_buttons import export_row
from .guard import ADMIN_PASSWORD_ENV, AdminGate, client_of, require_upload
from .render import message_html, render_documents_table, render_index_state
from .service import INTERNAL_ERROR, MAX_UPLOAD_BYTES, Service

log = logging.getLogger("policyqa.web")


@dataclass
class ManageTab:
    """The components of the 文件管理 tab."""

    index_state: gr.HTML
    documents_table: gr.HTML
    password: gr.Textbox
    upload: gr.File
    upload_button: gr.Button
    remove_doc: gr.Dropdown
    remove_confirm: gr.Checkbox
    remove_button: gr.Button
    manage_status: gr.HTML


def manage_tab(service: Service, gate: AdminGate) -> ManageTab:
    """The 文件管理 tab, laid out in the current `gr.Tabs()`; its events are
    wired afterwards by `wire_manage_tab`."""
    with gr.Tab("文件管理", id="manage"):
        index_state = gr.HTML(render_index_state(service.index_state()), elem_id="pq-index-state", js_on_load=None)
        documents_table = gr.HTML(render_documents_table(service.list_documents()), elem_id="pq-documents", js_on_load=None)
        export_row("documents", lambda: documents_report(service.list_documents()), [])
        password = gr.Textbox(
            label="管理密码" if not gate.generated else "管理口令",
            type="password",
            placeholder="上传或删除文件前请输入管理密码"
            if not gate.generated
            else "请输入服务启动时控制台显示的管理口令",
            elem_id="pq-admin-password",
        )
        if gate.generated:
            gr.Markdown(
                f"提示：未设置管理密码（环境变量 `{ADMIN_PASSWORD_ENV}`）；上传或删除文件需要输入"
                "本次启动时控制台显示的管理口令。"
            )
        with gr.Row(equal_height=False):
            with gr.Column():
                upload = gr.File(
                    label=f"上传文件（{' '.join(SUPPORTED_SUFFIXES)}，不超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB）",
                    file_count="single",
                    type="filepath",
                    elem_id="pq-upload",
                )
                upload_button = gr.Button("上传并更新索引", variant="primary", elem_id="pq-upload-button")
            with gr.Column():
                remove_doc = gr.Dropdown(choices=_choices(service), value=None, label="要删除的文件", elem_id="pq-remove-doc")
                remove_confirm = gr.Checkbox(label="确认删除该文件（同时从索引中移除）", elem_id="pq-remove-confirm")
                remove_button = gr.Button("删除并更新索引", variant="stop", elem_id="pq-remove-button")
        manage_status = gr.HTML("", elem_id="pq-manage-status", js_on_load=None)
    return ManageTab(
        index_state, documents_table, password, upload, upload_button, remove_doc, remove_confirm, remove_button, manage_status
    )


def wire_manage_tab(
    demo: gr.Blocks,
    service: Service,
    gate: AdminGate,
    tab: ManageTab,
    *,
    doc_filter: gr.Dropdown,
    browse_doc: gr.Dropdown,
    issuer_filter: gr.Dropdown,
    year_filter: gr.Dropdown,
) -> None:
    """Upload and removal (after `gate`'s password or token), each followed by
    a refresh of the documents table, the index state and every document list
    on the page: 问答's `doc_filter`, `issuer_filter` and `year_filter`, and
    文件浏览's `browse_doc`. Called inside the Blocks context of `demo`."""
    manage_status, documents_table, index_state = tab.manage_status, tab.documents_table, tab.index_state
    upload, upload_button, password = tab.upload, tab.upload_button, tab.password
    remove_doc, remove_confirm, remove_button = tab.remove_doc, tab.remove_confirm, tab.remove_button

    def refreshed(message: str, ok: bool, keep_input: bool = False) -> tuple[Any, ...]:
        """Status message, then every list of documents on the page (and the
        filter's choices), then the upload / confirm input, cleared unless
        `keep_input` (a refused password: the user retypes it, not the choice)."""
        choices = _choices(service)
        return (
            message_html(message, ok),
            render_documents_table(service.list_documents()),
            render_index_state(service.index_state()),
            gr.update(choices=choices),
            gr.update(choices=choices),
            gr.update(choices=choices, value=None) if ok else gr.update(choices=choices),
            *_filter_updates(service, clear=ok),
            gr.update() if keep_input else gr.update(value=None),
        )

    manage_outputs = [manage_status, documents_table, index_state, doc_filter, browse_doc, remove_doc, issuer_filter, year_filter]

    def on_upload(path: str | None, secret: str, request: gr.Request, progress=gr.Progress()):
        # The path is checked before anything else, whatever the password:
        # only a file in Gradio's upload cache is ever opened.
        try:
            source = require_upload(path, demo.GRADIO_CACHE) if path else None
        except PolicyQAError as e:
            return refreshed(f"上传未执行：{e}", False)
        try:
            gate.check(secret, client_of(request))
        except PolicyQAError as e:
            return refreshed(f"上传未执行：{e}", False, keep_input=True)
        if source is None:
            return refreshed("请先选择要上传的文件。", False)
        try:
            added = service.add_document(
                source, Path(path).name, progress=lambda fraction, message: progress(fraction, desc=message)
            )
        except PolicyQAError as e:
            return refreshed(f"上传被拒绝：{e}", False)
        except Exception as e:
            log.error("upload failed: %s: %s", type(e).__name__, e)
            return refreshed(INTERNAL_ERROR, False)
        finally:
            if source is not None:
                source.unlink(missing_ok=True)  # Gradio's copy: the corpus holds the document now, or nothing does
        return refreshed(
            f"已加入《{added['title']}》（{added['file']}）：{added['chunks']} 个条款，索引已更新，现在可以提问。", True
        )

    upload_button.click(
        on_upload,
        [upload, password],
        manage_outputs + [upload],
        api_visibility="private",
        concurrency_limit=1,
        concurrency_id="corpus",
    )

    def on_remove(doc_id: str | None, confirmed: bool, secret: str, request: gr.Request, progress=gr.Progress()):
        try:
            gate.check(secret, client_of(request))
        except PolicyQAError as e:
            return refreshed(f"删除未执行：{e}", False, keep_input=True)
        if not doc_id:
            return refreshed("请先选择要删除的文件。", False)
        if not confirmed:
            return refreshed("请勾选“确认删除”后再点击删除。", False)
        try:
            removed = service.remove_document(doc_id, progress=lambda fraction, message: progress(fraction, desc=message))
        except PolicyQAError as e:
            return refreshed(f"删除未执行：{e}", False)
        except Exception as e:
            log.error("remove failed: %s: %s", type(e).__name__, e)
            return refreshed(INTERNAL_ERROR, False)
        return refreshed(f"已删除《{removed['title']}》（{removed['file']}），索引已更新。", True)

    remove_button.click(
        on_remove,
        [remove_doc, remove_confirm, password],
        manage_outputs + [remove_confirm],
        api_visibility="private",
        concurrency_limit=1,
        concurrency_id="corpus",
    )
