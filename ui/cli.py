"""`policyqa`: the command-line interface.

Each subcommand is thin and imports what it needs inside itself, so `--help`
is instant. Domain errors become one Chinese line on stderr and exit code 2;
no traceback reaches a user.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from indexer.errors import PolicyQAError

from . import cli_evaluate
from .cli_common import (
    DEFAULT_CORPUS,
    DEFAULT_DATA,
    DEFAULT_INDEX,
    CorpusOption,
    IndexOption,
    JsonOption,
    ModelOption,
    app,
    echo_json,
    fail,
    use_model,
)


def ensure_index(corpus: Path, index_dir: Path, rebuild: bool = False, quiet: bool = False, store=None):
    """Build or update the index when missing or stale; returns the BuildReport.
    `store` (indexer.vectors.StoreSpec) None keeps the index's own vector store."""
    from indexer.build import build_index
    from indexer.facts import extract_facts
    from indexer.threads import apply_thread_policy

    apply_thread_policy()

    report = build_index(
        corpus, index_dir, rebuild=rebuild, show_progress=not quiet, extract_facts=extract_facts, store=store
    )
    for reason in report.skipped:
        typer.echo(f"已跳过：{reason}", err=True)
    return report


@app.command()
def index(
    corpus: CorpusOption = DEFAULT_CORPUS,
    index_dir: IndexOption = DEFAULT_INDEX,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="全部重新计算，不复用已有向量")] = False,
    store: Annotated[
        Optional[str], typer.Option("--store", help="向量库：faiss（默认，索引文件夹内）| milvus（默认为索引文件夹内的 Milvus Lite）")
    ] = None,
    milvus_uri: Annotated[
        Optional[str], typer.Option("--milvus-uri", help="Milvus 服务地址，例如 http://host:19530（与 --store milvus 同用）")
    ] = None,
    model: ModelOption = None,
    as_json: JsonOption = False,
    check: Annotated[bool, typer.Option("--check", help="只校验索引：逐个版本核对每个文件的 SHA-256，不建立索引")] = False,
) -> None:
    """建立或更新索引（只重新嵌入有变化的条款）。例：policyqa index --corpus corpus/ --store milvus；校验：policyqa index --check"""
    if check:
        check_index(index_dir, as_json)
        return
    from indexer.vectors import StoreSpec

    # Without --store the index keeps the store it has (FAISS for a new one).
    spec = StoreSpec(store or ("milvus" if milvus_uri else "faiss"), milvus_uri or "") if store or milvus_uri else None
    use_model(model)
    report = ensure_index(corpus, index_dir, rebuild=rebuild, quiet=as_json, store=spec)
    if as_json:
        echo_json(report.__dict__)
        return
    typer.echo(
        f"索引完成：{report.documents} 份文件，{report.chunks} 个条款，本次嵌入 {report.embedded} 个，"
        f"用时 {report.seconds:.1f} 秒 → {index_dir}"
    )


def check_index(index_dir: Path, as_json: bool) -> None:
    """Verify every version of the index in full; exit 2 unless the current one is intact."""
    from indexer.errors import IndexMissingError
    from indexer.versions import check_versions, open_version

    open_version(index_dir)  # IndexMissingError / old layout: one line, exit 2
    results = check_versions(index_dir)
    if not results:
        raise IndexMissingError(f"索引不存在：{index_dir}。请先运行 `policyqa index` 建立索引。")
    if as_json:
        echo_json([{"version": name, "ok": ok, "problem": problem} for name, ok, problem in results])
    else:
        for position, (name, ok, problem) in enumerate(results):
            role = "当前版本" if position == 0 else "备用版本"
            typer.echo(f"{role} {name}：{'完好' if ok else '已损坏：' + problem}")
    if not results[0][1]:
        fail(f"当前版本已损坏（{results[0][2]}）：请运行 policyqa index 重建索引。")


def render_answer(answer_json: dict) -> str:
    """The human-readable form of an `ask --json` object."""
    from .render import place_note

    # Notes the answer text does not already carry (a reference's older versions).
    notes = [f"注：{note}" for note in answer_json.get("notes", []) if note not in answer_json["answer"]]
    understood = [f"理解为：{answer_json['understood_as']}"] if answer_json.get("understood_as") else []
    lines = [*understood, answer_json["answer"], *notes, ""]
    if answer_json["citations"]:
        related = answer_json.get("outcome") == "partial"
        lines.append("相关条款（文件提到了所问的对象，但没有规定所问的内容；不是答案）：" if related else "引用：")
        for citation in answer_json["citations"]:
            version = f"（{citation['version']}版）" if citation.get("version") else ""
            lines.append(f"[{citation['n']}] 《{citation['doc_title']}》{version} {citation['clause']}{place_note(citation)}")
            lines.append(f"    {citation['path']}")
            lines.append(f"    “{citation['quote']}”")
    elif answer_json["passages"]:
        lines.append("最接近的条款：")
        for passage in answer_json["passages"][:3]:
            lines.append(f"- {passage['clause']}  {passage['path']}")
    return "\n".join(lines).rstrip()


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="要询问的问题（中文）")],
    index_dir: IndexOption = DEFAULT_INDEX,
    top_k: Annotated[int, typer.Option("--top-k", help="检索的条款数")] = 5,
    retriever: Annotated[str, typer.Option("--retriever", help="hybrid | lexical | dense")] = "hybrid",
    doc_filter: Annotated[
        Optional[str],
        typer.Option("--doc-filter", help="只在符合条件的文件中回答，例：'issuer=青岛市人民政府,year=2019'（键：issuer doc_number year title subject …）"),
    ] = None,
    model: ModelOption = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="按该日施行的版本回答，如 2020-01-01（默认今天）")] = None,
    as_json: JsonOption = False,
) -> None:
    """回答一个问题，附逐条引用。例：policyqa ask "公司法第六十条的内容是什么？" --as-of 2020-01-01"""
    from qa.doc_filter import parse_doc_filter
    from qa.query import normalise_question
    from qa.retrieve import validate_top_k
    from qa.versions import validate_day

    # Check the cheap things before loading a model for ten seconds.
    normalise_question(question)
    validate_top_k(top_k)
    day = validate_day(as_of or "")
    where = parse_doc_filter(doc_filter) if doc_filter is not None else None
    use_model(model)
    from indexer.threads import apply_thread_policy
    from qa.assistant import Assistant

    apply_thread_policy()
    answer = Assistant.open(index_dir, top_k=top_k).ask(question, top_k=top_k, mode=retriever, as_of=day, where=where)
    result = answer.to_json()
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2) if as_json else render_answer(result))


@app.command()
def match(
    profile: Annotated[str, typer.Argument(help="用企业自己的话描述企业，例如“我们是一家做工业机器人的中小企业，在即墨”")],
    index_dir: IndexOption = DEFAULT_INDEX,
    as_json: JsonOption = False,
) -> None:
    """企业政策匹配：列出与企业相关的措施、文件未说明的事项和联系人。"""
    from indexer.facts import facts_for_index
    from indexer.store import load_index
    from qa.match import match_profile

    contents = load_index(index_dir)
    documents = {d.doc_id: d for d in contents.documents}
    result = match_profile(profile, facts_for_index(contents.documents, contents.chunks, contents.facts), documents)
    typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2) if as_json else result.render_text())


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="监听地址（默认只在本机）")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口")] = 7860,
    corpus: CorpusOption = DEFAULT_CORPUS,
    index_dir: IndexOption = DEFAULT_INDEX,
    data_dir: Annotated[Path, typer.Option("--data-dir", help="反馈记录等数据的文件夹")] = DEFAULT_DATA,
    model: ModelOption = None,
    forwarded_allow_ips: Annotated[
        str, typer.Option("--forwarded-allow-ips", help="只信任这些反向代理的 X-Forwarded-For（逗号分隔的地址），默认不信任任何地址")
    ] = "",
) -> None:
    """启动网页界面（索引缺失或过期时先建立索引）。例：policyqa serve --port 7860"""
    use_model(model)
    from ui.uploads import recover_corpus

    for line in recover_corpus(corpus, index_dir):  # an upload or removal a crash cut short
        typer.echo(line)
    ensure_index(corpus, index_dir)
    from ui.web import serve as serve_web

    typer.echo(f"PolicyQA 已启动：http://{host}:{port}")
    serve_web(host=host, port=port, index_dir=index_dir, corpus_dir=corpus, data_dir=data_dir, forwarded_allow_ips=forwarded_allow_ips)


# The evaluator's commands (ui/cli_evaluate.py), listed after the ones above in --help.
cli_evaluate.register(app)


@app.command()
def doctor(
    index_dir: IndexOption = DEFAULT_INDEX,
    model: ModelOption = None,
    quick: Annotated[bool, typer.Option("--quick", help="不逐一测量各后端（约一分钟），只核对默认后端与索引探针：适合部署启动时自检")] = False,
) -> None:
    """诊断本机部署：CPU 指令集、线程、各嵌入后端与 torch 的一致性和速度、索引探针、模型许可、可选转换器、管理口令来源。
    有可能导致错误答案的问题时以代码 1 退出。例：policyqa doctor [--quick]"""
    use_model(model)
    from ui.doctor import diagnose

    report = diagnose(index_dir, quick=quick)
    typer.echo(report.render())
    raise typer.Exit(code=1 if report.problems else 0)


@app.command()
def chat(
    index_dir: IndexOption = DEFAULT_INDEX,
    top_k: Annotated[int, typer.Option("--top-k", help="检索的条款数")] = 5,
    model: ModelOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="每个回答输出一行 JSON")] = False,
) -> None:
    """多轮问答：从标准输入逐行读问题（空行或输入结束时退出），追问（如“那山东呢？”）按前文理解。
    例：printf '青岛对首台套的奖励比例是多少？\n那山东呢？\n' | policyqa chat"""
    from qa.retrieve import validate_top_k

    validate_top_k(top_k)
    use_model(model)
    from indexer.threads import apply_thread_policy
    from qa.assistant import Assistant
    from qa.conversation import Turn

    apply_thread_policy()
    assistant = Assistant.open(index_dir, top_k=top_k)
    turns: list[Turn] = []
    for line in sys.stdin:
        question = line.strip()
        if not question:
            break
        try:
            answer = assistant.ask_in_conversation(question, turns, top_k=top_k)
        except PolicyQAError as e:  # one bad line ends nothing: say so and read the next
            typer.echo(f"错误：{e}", err=True)
            continue
        cited = tuple(dict.fromkeys(c.chunk.doc_id for c in answer.citations))
        turns.append(Turn(question, cited))
        result = answer.to_json()
        typer.echo(json.dumps(result, ensure_ascii=False) if as_json else f"问：{question}\n{render_answer(result)}\n")


def main() -> None:
    """Entry point: run the app, turning domain errors into one clear line."""
    from indexer.threads import set_environment_defaults

    # Before any subcommand loads torch or FAISS (their OpenMP reads it at load);
    # the pools themselves are sized by apply_thread_policy in each subcommand.
    set_environment_defaults()
    try:
        app()
    except PolicyQAError as e:
        typer.echo(f"错误：{e}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("已中断。", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
