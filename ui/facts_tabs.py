"""The 企业政策匹配 and 职责与指标 tabs: Blocks wiring over `Service.match` and
`Service.facts_tables`; the HTML comes from `ui.render_facts`."""
from __future__ import annotations


import gradio as gr

from .components import OPEN_JS, VIEWER_JS, UIContext, event_data, fill_on_click, guarded
from .export import facts_report, match_report
from .export_buttons import export_row
from .render_facts import MATCH_EMPTY, SIDE_VIEWER_EMPTY, render_document_facts, render_facts_tables, render_match, render_match_error

# Example firms for 企业政策匹配: the button's label, and the profile it fills in.
MATCH_EXAMPLES: list[tuple[str, str]] = [
    ("轮胎厂", "我们是一家轮胎厂，生产子午线轮胎"),
    ("药企", "我们是一家药企，做创新药研发"),
    ("船厂配套", "我们给船厂做配套，生产船用设备"),
    ("做冰箱空调的", "我们是做冰箱空调的家电企业"),
    ("工业软件初创公司", "我们是一家做工业软件的初创公司"),
    ("服装厂", "我们是一家服装厂，想做个性化定制"),
    ("啤酒厂", "我们是一家啤酒厂，在崂山"),
    ("芯片设计", "我们是一家做芯片设计的中小企业"),
]
MATCH_PLACEHOLDER = "我们是一家做工业机器人的中小企业，在即墨"


def add_extra_tabs(ui: UIContext) -> None:
    """The 企业政策匹配 and 职责与指标 tabs.

    Called inside `gr.Tabs()` right after 文件管理, inside the Blocks context.
    Both tabs only render what `Service.match` (qa.match) and
    `Service.facts_tables` (indexer.facts) return; each has a document panel of
    its own, drawn by the same `render_document` as the 问答 tab's, where a
    clicked card or row opens its clause with the quote highlighted.
    """
    service = ui.service

    def open_source(evt: gr.EventData) -> str:
        data = event_data(evt)
        try:
            doc_id = str(data.get("doc_id") or "")
            start, end = int(data.get("start")), int(data.get("end"))
        except (TypeError, ValueError):
            return SIDE_VIEWER_EMPTY
        return ui.render_document(service.view, doc_id, start, end, str(data.get("chunk_id") or ""))

    open_args = dict(api_visibility="private", show_progress="hidden")

    # ------------------------------------------------------------ 企业政策匹配
    with gr.Tab("企业政策匹配", id="match"):
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                with gr.Row(equal_height=True):
                    profile = gr.Textbox(
                        label="企业描述（用自己的话说明企业做什么、规模和所在地）",
                        placeholder=f"例如：{MATCH_PLACEHOLDER}",
                        lines=2,
                        max_lines=6,
                        scale=6,
                        elem_id="pq-profile",
                    )
                    match_button = gr.Button("匹配", variant="primary", scale=1, min_width=90, elem_id="pq-match")
                gr.Markdown("**示例企业**（点击填入描述框，再点“匹配”）")
                with gr.Row(elem_classes="pq-examples"):
                    example_buttons = [
                        (gr.Button(label, size="sm", variant="secondary", elem_classes="pq-profile-example"), text)
                        for label, text in MATCH_EXAMPLES
                    ]
                match_result = gr.HTML(MATCH_EMPTY, elem_id="pq-match-result", js_on_load=OPEN_JS)
                export_row("match", lambda text: match_report(service.match(text)), [profile])
            with gr.Column(scale=2, elem_classes="pq-side-viewer"):
                gr.Markdown("**原文**")
                match_viewer = gr.HTML(SIDE_VIEWER_EMPTY, elem_id="pq-match-viewer", js_on_load=VIEWER_JS)

    def on_match(text: str):
        result = service.match(text)
        return render_match(result, service.facts_tables()["roles"]), SIDE_VIEWER_EMPTY

    match_args = dict(
        fn=guarded(on_match, lambda message: (render_match_error(message), gr.update())),
        inputs=[profile],
        outputs=[match_result, match_viewer],
        api_visibility="private",
        show_progress="minimal",
    )
    match_button.click(**match_args)
    profile.submit(**match_args)
    fill_on_click(example_buttons, profile)
    match_result.click(guarded(open_source, render_match_error), None, match_viewer, **open_args)

    # ------------------------------------------------------------ 职责与指标
    tables = service.facts_tables()
    with gr.Tab("职责与指标", id="facts") as facts_tab:
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                gr.Markdown("**文件基本信息**")
                document_facts = gr.HTML(render_document_facts(tables["documents"]), elem_id="pq-doc-facts", js_on_load=OPEN_JS)
                facts_search = gr.Textbox(
                    label="筛选表格（输入词语即时过滤两张表；多个词用空格分开）",
                    placeholder="例如：新能源汽车、2022、联系人、王法体",
                    lines=1,
                    elem_id="pq-facts-search",
                )
                export_row("facts", lambda: facts_report(service.facts_tables()), [])
                facts_tables = gr.HTML(render_facts_tables(tables), elem_id="pq-facts-tables", js_on_load=OPEN_JS)
            with gr.Column(scale=2, elem_classes="pq-side-viewer"):
                gr.Markdown("**原文**")
                facts_viewer = gr.HTML(SIDE_VIEWER_EMPTY, elem_id="pq-facts-viewer", js_on_load=VIEWER_JS)

    def on_facts_search(query: str) -> str:
        return render_facts_tables(service.facts_tables(), query)

    search_handler = guarded(on_facts_search, render_match_error)
    # .change, not .input: it also fires for pasted text and text entered through an IME.
    facts_search.change(search_handler, [facts_search], facts_tables, trigger_mode="always_last", **open_args)
    facts_search.submit(search_handler, [facts_search], facts_tables, **open_args)

    def on_facts_tab(query: str):
        # The corpus may have changed in 文件管理 since the page was drawn.
        current = service.facts_tables()
        return render_document_facts(current["documents"]), render_facts_tables(current, query)

    facts_tab.select(
        guarded(on_facts_tab, lambda message: (render_match_error(message), gr.update())),
        [facts_search],
        [document_facts, facts_tables],
        **open_args,
    )
    for source in (document_facts, facts_tables):
        source.click(guarded(open_source, render_match_error), None, facts_viewer, **open_args)
