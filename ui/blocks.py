"""The Gradio Blocks: tabs 问答, 文件浏览, 文件管理 (+ the hook's tabs) and the
events wiring them to one `Service`. The 文件管理 tab (upload and removal) is
laid out and wired in `ui.manage_tab`. The HTML comes from `ui.render`; who may
upload or remove, and which files an upload may name, is decided in `ui.guard`.
"""
from __future__ import annotations

import json
import logging
from typing import Any

import gradio as gr

from indexer.errors import PolicyQAError
from qa.doc_filter import DocFilter

from .components import (
    CONVERSATION_JS,
    OPEN_JS,
    VIEWER_JS,
    ExtraTabs,
    UIContext,
    _choices,
    _filter_choices,
    _filter_updates,
    event_data,
    fill_on_click,
    guarded,
)
from .export import conversation_report
from .export_buttons import export_row
from .facts_tabs import add_extra_tabs
from .guard import AdminGate, client_of
from .manage_tab import manage_tab, wire_manage_tab
from .render import esc, message_html, render_conversation, render_documents_table, render_index_state
from .render_document import render_document, render_outline, render_search, search_terms
from .service import INTERNAL_ERROR, RATINGS, Service

log = logging.getLogger("policyqa.web")

DEFAULT_TOP_K = 5
MAX_TURNS = 20  # conversation turns kept on screen

# Example questions per kind of user; clicking one fills the question box.
EXAMPLES: dict[str, list[str]] = {
    "企业": ["我们是做工业机器人的，文件里有什么支持？", "申请补贴的截止日期是哪天？"],
    "公务员": ["牵头单位的联系人和电话分别是什么？", "谁担任攻势指挥长？"],
    "评测": ["2022年新能源汽车产量要达到多少？", "个人买电动车能拿多少购车补贴？"],
}


def _conversation_export(history: list[dict[str, Any]] | None):
    if not history:
        raise PolicyQAError("还没有可以导出的问答：请先提问。")
    return conversation_report(history)


def build_ui(service: Service, gate: AdminGate | None = None, extra_tabs: ExtraTabs | None = add_extra_tabs) -> gr.Blocks:
    """The Gradio Blocks of the whole UI over one shared Service.

    Upload and removal require `gate`'s password or token (an AdminGate()
    reading $POLICYQA_ADMIN_PASSWORD, or making a token, when None).
    """
    gate = gate or AdminGate()

    safe = guarded

    # Gradio's copies of uploads go after 15 minutes (checked every 5): a refused
    # or abandoned upload does not linger in its cache.
    with gr.Blocks(title="PolicyQA 政策文件问答", analytics_enabled=False, delete_cache=(300, 900)) as demo:
        gr.HTML(
            "<h1>PolicyQA 政策文件问答</h1><p>回答只摘录政策文件原文，并逐条标注出处；文件没有写的内容，会直接说明“文件未提及”。</p>",
            elem_id="pq-header",
            js_on_load=None,
        )
        turns = gr.State([])
        with gr.Tabs():
            # ------------------------------------------------------------ 问答
            with gr.Tab("问答", id="qa"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        doc_filter = gr.Dropdown(
                            choices=_choices(service),
                            multiselect=True,
                            label="限定文件（不选则在全部文件中查找）",
                            elem_id="pq-doc-filter",
                        )
                        offered = _filter_choices(service)
                        with gr.Row(equal_height=True):
                            issuer_filter = gr.Dropdown(
                                choices=offered["issuer"], value="", label="发文机关", elem_id="pq-issuer-filter"
                            )
                            year_filter = gr.Dropdown(
                                choices=offered["year"], value="", label="年份（成文日期，无则发布、施行日期）", elem_id="pq-year-filter"
                            )
                        conversation = gr.HTML(
                            render_conversation([], service.view),
                            elem_id="pq-conversation",
                            js_on_load=CONVERSATION_JS,
                            max_height=720,
                        )
                        export_row("conversation", _conversation_export, [turns])
                        with gr.Row(equal_height=True):
                            question = gr.Textbox(
                                label="问题",
                                placeholder="请输入问题，例如：牵头单位的联系人和电话分别是什么？（按回车提问）",
                                lines=1,
                                scale=6,
                                elem_id="pq-question",
                            )
                            ask_button = gr.Button("提问", variant="primary", scale=1, elem_id="pq-ask", min_width=90)
                        gr.Markdown("**示例问题**（点击填入问题框）")
                        example_buttons = []
                        for kind, texts in EXAMPLES.items():
                            with gr.Row(elem_classes="pq-examples"):
                                gr.Markdown(f"{kind}：", elem_classes="pq-example-kind")
                                for text in texts:
                                    example_buttons.append(
                                        (gr.Button(text, size="sm", variant="secondary", elem_classes="pq-example"), text)
                                    )
                        with gr.Accordion("这个回答有用吗？", open=True, elem_id="pq-feedback"):
                            comment = gr.Textbox(label="意见（可选）", placeholder="例如：引用的条款不对 / 回答不完整", lines=1, elem_id="pq-comment")
                            with gr.Row():
                                useful = gr.Button("有用", size="sm", elem_id="pq-useful")
                                useless = gr.Button("没用", size="sm", elem_id="pq-useless")
                            feedback_status = gr.HTML("", elem_id="pq-feedback-status", js_on_load=None)
                    with gr.Column(scale=2, elem_id="pq-viewer-col"):
                        gr.Markdown("**原文**")
                        qa_viewer = gr.HTML(render_document(service.view, None), elem_id="pq-viewer", js_on_load=VIEWER_JS)

            # ------------------------------------------------------------ 文件浏览
            with gr.Tab("文件浏览", id="browse"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=2):
                        browse_doc = gr.Dropdown(choices=_choices(service), value=None, label="选择文件", elem_id="pq-browse-doc")
                        search_box = gr.Textbox(
                            label="在文件中查找",
                            placeholder="输入词语后按回车，例如：联系人；多个词用空格分开",
                            elem_id="pq-search",
                        )
                        search_all = gr.Checkbox(value=True, label="查找全部文件（取消则只查所选文件）", elem_id="pq-search-all")
                        search_results = gr.HTML("", elem_id="pq-search-results", js_on_load=OPEN_JS)
                        gr.Markdown("**目录**（点击条目查看原文）")
                        outline = gr.HTML(render_outline(service.view, None), elem_id="pq-outline", js_on_load=OPEN_JS)
                    with gr.Column(scale=3):
                        browse_viewer = gr.HTML(
                            '<div class="pq-empty">选择文件后在这里显示全文；点击目录或查找结果会跳到相应位置。</div>',
                            elem_id="pq-browse-viewer",
                            js_on_load=VIEWER_JS,
                        )

            # ------------------------------------------------------------ 文件管理
            manage = manage_tab(service, gate)

            if extra_tabs is not None:
                extra_tabs(UIContext(service, doc_filter, qa_viewer, render_document, esc))

        # ---------------------------------------------------------------- events
        def on_ask(
            text: str, doc_ids: list[str] | None, issuer: str | None, year: str | None, history: list[dict[str, Any]]
        ):
            history = list(history or [])
            try:
                where = DocFilter.of([("issuer", issuer or ""), ("year", year or "")])
                # The conversation so far: a follow-up (那山东呢？) is read against it.
                answer = service.ask(text, top_k=DEFAULT_TOP_K, doc_ids=doc_ids or None, doc_filter=where, history=history)
            except PolicyQAError as e:
                return render_conversation(history, service.view, error=str(e)), history, gr.update(), gr.update(), gr.update()
            except Exception as e:
                log.error("ask failed: %s: %s", type(e).__name__, e)
                return render_conversation(history, service.view, error=INTERNAL_ERROR), history, gr.update(), gr.update(), gr.update()
            history = (history + [answer])[-MAX_TURNS:]
            first = answer["citations"][0] if answer["citations"] else None
            if first is not None:
                viewer = render_document(service.view, first["doc_id"], first["start"], first["end"], first["chunk_id"])
            else:
                viewer = gr.update()
            return render_conversation(history, service.view), history, "", viewer, ""

        ask_args = dict(
            fn=on_ask,
            inputs=[question, doc_filter, issuer_filter, year_filter, turns],
            outputs=[conversation, turns, question, qa_viewer, feedback_status],
            api_visibility="private",
            show_progress="minimal",
        )
        ask_button.click(**ask_args)
        question.submit(**ask_args)

        fill_on_click(example_buttons, question)

        def open_clause(evt: gr.EventData, terms_query: str = "") -> str:
            data = event_data(evt)
            try:
                doc_id = str(data.get("doc_id") or "")
                start, end = int(data.get("start")), int(data.get("end"))
            except (TypeError, ValueError):
                return render_document(service.view, None)
            return render_document(service.view, doc_id, start, end, str(data.get("chunk_id") or ""), terms=search_terms(terms_query))

        conversation.click(
            safe(open_clause, lambda m: message_html(m, False)),
            None,
            qa_viewer,
            api_visibility="private",
            show_progress="hidden",
        )

        def open_browse(terms_query: str, current: str | None, evt: gr.EventData):
            """A search hit or outline node: show it; a hit in another document
            also switches the chosen document and its outline."""
            data = event_data(evt)
            doc_id = data.get("doc_id")
            if doc_id in service.view.documents and doc_id != current:
                return open_clause(evt, terms_query), gr.update(value=doc_id), render_outline(service.view, doc_id)
            return open_clause(evt, terms_query), gr.update(), gr.update()

        for source in (search_results, outline):
            source.click(
                safe(open_browse, lambda m: (message_html(m, False), gr.update(), gr.update())),
                [search_box, browse_doc],
                [browse_viewer, browse_doc, outline],
                api_visibility="private",
                show_progress="hidden",
            )

        def on_browse_doc(doc_id: str | None, query: str):
            if not doc_id:
                return render_outline(service.view, None), gr.update()
            return render_outline(service.view, doc_id), render_document(service.view, doc_id, terms=search_terms(query))

        browse_doc.input(
            safe(on_browse_doc, lambda m: (message_html(m, False), gr.update())),
            [browse_doc, search_box],
            [outline, browse_viewer],
            api_visibility="private",
            show_progress="hidden",
        )

        def on_search(query: str, everywhere: bool, doc_id: str | None):
            results = render_search(service.view, query, None if everywhere else doc_id)
            viewer = render_document(service.view, doc_id, terms=search_terms(query)) if doc_id else gr.update()
            return results, viewer

        search_args = dict(
            fn=safe(on_search, lambda m: (message_html(m, False), gr.update())),
            inputs=[search_box, search_all, browse_doc],
            outputs=[search_results, browse_viewer],
            api_visibility="private",
            show_progress="hidden",
        )
        search_box.submit(**search_args)
        search_all.input(**search_args)

        def on_feedback(rating: str):
            def handler(history: list[dict[str, Any]], note: str, request: gr.Request):
                if not history:
                    return message_html("请先提问，再评价回答。", False), gr.update()
                last = history[-1]
                service.feedback(
                    {
                        "question": last.get("question", ""),
                        "answer": last.get("answer", ""),
                        "citations": last.get("citations", []),
                        "rating": rating,
                        "comment": note,
                    },
                    client_of(request),  # once per answer and client, at the client's rate
                )
                return message_html(f"已记录您的评价：{rating}。谢谢！", True), ""

            handler.__name__ = f"feedback_{'useful' if rating == RATINGS[0] else 'useless'}"
            return safe(handler, lambda m: (message_html(m, False), gr.update()))

        useful.click(on_feedback(RATINGS[0]), [turns, comment], [feedback_status, comment], api_visibility="private")
        useless.click(on_feedback(RATINGS[1]), [turns, comment], [feedback_status, comment], api_visibility="private")

        wire_manage_tab(
            demo, service, gate, manage, doc_filter=doc_filter, browse_doc=browse_doc, issuer_filter=issuer_filter, year_filter=year_filter
        )

        def on_load():
            choices = _choices(service)
            return (
                gr.update(choices=choices),
                gr.update(choices=choices),
                gr.update(choices=choices),
                render_documents_table(service.list_documents()),
                render_index_state(service.index_state()),
                *_filter_updates(service),
            )

        demo.load(
            safe(on_load, lambda m: (gr.update(),) * 3 + (message_html(m, False),) + (gr.update(),) * 3),
            None,
            [doc_filter, browse_doc, manage.remove_doc, manage.documents_table, manage.index_state, issuer_filter, year_filter],
            api_visibility="private",
            show_progress="hidden",
        )

        # The endpoint for gradio_client: the same object as POST /api/ask, as JSON
        # text, because gradio_client takes any dict with a "path" key (as every
        # citation has) for a file to download.
        def ask(question: str, top_k: int = DEFAULT_TOP_K, doc_ids: list[str] | None = None, doc_filter: str = "") -> str:
            """回答一个问题，返回 Answer.to_json() 对象的 JSON 文本（answer、abstained、citations、passages…）。
            doc_filter 按文件属性限定范围，例如 "issuer=青岛市人民政府,year=2019"。"""
            try:
                answer = service.ask(question, top_k=top_k, doc_ids=doc_ids or None, doc_filter=doc_filter or None)
                return json.dumps(answer, ensure_ascii=False)
            except PolicyQAError as e:
                raise gr.Error(str(e), print_exception=False) from None

        gr.api(ask, api_name="ask")

    return demo
