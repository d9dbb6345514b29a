"""The web app: the Gradio UI and the HTTP API, served from one FastAPI app.

`serve(host, port, index_dir, corpus_dir, data_dir)` loads ONE `Service` (index
and model) and serves:

* `/`             the Gradio UI (ui/blocks.py, ui/manage_tab.py, ui/facts_tabs.py; HTML from
                  ui/render.py and ui/render_facts.py; styles and scripts in ui/static/);
* `/api/ask`      POST {"question", "top_k", "doc_ids"} → `Answer.to_json()` (ui/api.py);
* `/gradio_api/…` Gradio's own routes, including the `/ask` endpoint for `gradio_client`.

Security lives in ui/guard.py: upload and removal need the admin password or
the start-up token; every Gradio request body is size- and depth-limited and
may name no file outside Gradio's upload cache; Gradio's upload route needs the
admin secret, a per-client rate and room in the cache's quota
(ui/upload_guard.py); uploads over 20 MB are refused by Gradio's upload route
itself; per-client rates (ui/throttle.py) cover /api/ask and every event; the
index, corpus and data folders are on Gradio's block list.
"""
from __future__ import annotations

from pathlib import Path

import gradio as gr
from fastapi import FastAPI

from .api import add_api
from .blocks import build_ui
from .components import CSS, HEAD, ExtraTabs, UIContext
from .facts_tabs import add_extra_tabs
from .guard import ADMIN_PASSWORD_ENV, AdminGate, GradioRequestGuard, uvicorn_options
from .render import esc, plain_text, render_conversation, render_documents_table
from .render_document import outline_tree, render_document, render_outline, render_search
from .render_facts import period_status, render_document_facts, render_facts_tables, render_match
from .service import MAX_UPLOAD_BYTES, Service
from .throttle import RATES, RateLimiter, Rates
from .upload_guard import UPLOAD_SECRET_SCRIPT, UploadRouteGuard

# Names other modules and tests imported from ui.web before it was split.
__all__ = [
    "ADMIN_PASSWORD_ENV", "ExtraTabs", "UIContext", "add_extra_tabs", "build_ui", "create_app", "esc", "outline_tree",
    "period_status", "plain_text", "render_conversation", "render_document", "render_document_facts",
    "render_documents_table", "render_facts_tables", "render_match", "render_outline", "render_search", "serve",
]


def create_app(
    service: Service,
    admin_password: str | None = None,
    extra_tabs: ExtraTabs | None = add_extra_tabs,
    rates: Rates = RATES,
) -> FastAPI:
    """The FastAPI app: POST /api/ask plus the Gradio UI mounted at /.

    `admin_password` None reads $POLICYQA_ADMIN_PASSWORD; when that (or the
    argument) is empty, a random token is made: `app.state.admin_gate.secret`,
    shown on the console by `serve`. Management is never open to everyone.
    `rates` are the per-client limits (ui/throttle.py).
    """
    gate = AdminGate(admin_password)
    app = FastAPI(title="PolicyQA", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.admin_gate = gate
    add_api(app, service, RateLimiter(rates.question, "提问"))

    demo = build_ui(service, gate=gate, extra_tabs=extra_tabs)
    demo.queue(default_concurrency_limit=8, max_size=64)
    blocked = [str(Path(p).resolve()) for p in (service.index_dir, service.corpus_dir, service.data_dir)]
    app = gr.mount_gradio_app(
        app,
        demo,
        path="/",
        footer_links=[],
        allowed_paths=[],
        blocked_paths=blocked,
        show_error=False,
        max_file_size=MAX_UPLOAD_BYTES,
        ssr_mode=False,
        mcp_server=False,
        theme=gr.themes.Default(
            primary_hue="blue",
            font=("PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "system-ui", "sans-serif"),
        ),
        css=CSS,
        head=HEAD + UPLOAD_SECRET_SCRIPT,
    )
    # mount_gradio_app leaves this False, which makes Gradio skip its own
    # "was this file uploaded?" check; GradioRequestGuard checks first anyway.
    demo.has_launched = True
    app.add_middleware(GradioRequestGuard, upload_root=lambda: demo.GRADIO_CACHE, limiter=RateLimiter(rates.event, "操作"))
    app.add_middleware(UploadRouteGuard, gate=gate, upload_root=lambda: demo.GRADIO_CACHE, limiter=RateLimiter(rates.upload, "上传"))
    return app


def serve(
    host: str, port: int, index_dir: Path, corpus_dir: Path, data_dir: Path, forwarded_allow_ips: str | None = None
) -> None:
    """Load the index and model once and serve the UI and /api/ask until
    interrupted. X-Forwarded-For is believed only from `forwarded_allow_ips`
    (the reverse proxy's addresses, comma-separated), never by default."""
    import uvicorn

    from indexer.loaders.sandbox import start_child
    from indexer.threads import apply_thread_policy
    from qa.dictionary import common_words
    from qa.names import load_tagger

    apply_thread_policy()
    service = Service.open(Path(index_dir), Path(corpus_dir), Path(data_dir))
    load_tagger()  # before the first question, not during it
    common_words()  # … as the everyday words that are no names (built once per machine, ~1 s)
    start_child()
    app = create_app(service, rates=Rates.from_env())
    print(app.state.admin_gate.banner(), flush=True)
    uvicorn.run(app, host=host or "127.0.0.1", port=int(port), log_level="warning", **uvicorn_options(forwarded_allow_ips))
