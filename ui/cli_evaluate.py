"""The evaluator's commands: `policyqa eval`, `bench`, `train`, `adapt` and
`reliability`. Registered on the app by `register`, after the commands a user
answers questions with, so `policyqa --help` lists those first."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .cli_common import DEFAULT_CORPUS, DEFAULT_INDEX, CorpusOption, IndexOption, ModelOption, fail, use_model

# Commands taking their arguments as given (the runner parses them).
PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}


def register(app: typer.Typer) -> None:
    app.command(name="eval")(evaluate)
    app.command()(bench)
    app.command()(train)
    app.command(context_settings=PASS_THROUGH)(adapt)
    app.command(context_settings=PASS_THROUGH)(reliability)


def evaluate(
    # Help texts are short, with spaces between phrases, so `--help` wraps
    # within an 80-column terminal instead of cutting words off with "…".
    dataset: Annotated[Optional[list[Path]], typer.Option("--dataset", metavar="FILE", help="数据集（.jsonl， LawBench 的 .json， 或 BEIR 文件夹）； 可重复给出； 格式见 eval/README.md")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", metavar="DIR", help="结果输出文件夹")] = None,
    retrievers: Annotated[str, typer.Option("--retrievers", metavar="LIST", help="逗号分隔的检索器： hybrid,lexical,dense")] = "hybrid,lexical,dense",
    top_k: Annotated[int, typer.Option("--top-k", metavar="N", help="每题保留的段落数")] = 10,
    index_dir: Annotated[Optional[Path], typer.Option("--index-dir", metavar="DIR", help="索引文件夹； 默认 index/， LawBench 默认自动建立的法条索引")] = None,
    compare: Annotated[Optional[tuple[str, str]], typer.Option("--compare", metavar="A B", help="比较两次运行的文件夹； 可写 文件夹:检索器， 如 runs/dev:dense")] = None,
    exhaustive: Annotated[bool, typer.Option("--exhaustive", help="为每个条款打分（不只候选）， 作核对候选检索的基准")] = False,
    model: Annotated[Optional[str], typer.Option("--model", metavar="NAME", help="嵌入模型名或路径（默认 m3e-small-law）")] = None,
    no_leave_one_out: Annotated[bool, typer.Option("--no-leave-one-out", help="多个数据集时， 不做留一数据集评测")] = False,
    build_index: Annotated[Optional[Path], typer.Option("--build-index", metavar="DIR", help="BEIR 数据集： 由其 corpus.jsonl 在 DIR 下建立索引再评测")] = None,
) -> None:
    """在数据集上评测检索与回答。

    例： policyqa eval --dataset eval/data/dev_qa.jsonl --out runs/dev

    比较： policyqa eval --compare runs/dev:hybrid runs/dev:dense

    BEIR： policyqa eval --dataset beir/scifact --out runs/scifact --build-index runs/scifact-index
    """
    if compare:
        from eval.compare import compare_runs

        comparison = compare_runs(compare[0], compare[1])
        typer.echo(comparison.render())
        if comparison.reason:
            raise typer.Exit(code=2)
        return
    if not dataset or out is None:
        fail("需要 --dataset 和 --out，例如 policyqa eval --dataset eval/data/dev_qa.jsonl --out runs/dev")
    use_model(model)
    from eval.run import run_evaluation

    chosen = [r.strip() for r in retrievers.split(",") if r.strip()]
    summary = run_evaluation(
        dataset, out, index_dir=index_dir, retrievers=chosen, top_k=top_k, exhaustive=exhaustive, leave_one_out=not no_leave_one_out,
        build_index=build_index,
    )
    typer.echo(summary)


def bench(
    out: Annotated[Path, typer.Option("--out", help="bench.json、bench.md、bench.png 的输出文件夹")] = Path("runs/bench"),
    corpus: CorpusOption = DEFAULT_CORPUS,
    laws: Annotated[Optional[Path], typer.Option("--laws", help="法律法规合集 .tar.xz（解压到临时文件夹；默认为仓库旁的 ../shared/corpora/lawrefbook-laws-md.tar.xz）")] = None,
    dataset: Annotated[Optional[list[Path]], typer.Option("--dataset", help="计时与 Hit@5 所用的问题集（可重复给出；默认四个开发集）")] = None,
    questions: Annotated[int, typer.Option("--questions", help="每个规模最多计时的问题数（0 = 全部）")] = 0,
    max_docs: Annotated[Optional[int], typer.Option("--max-docs", help="跳过法规数多于此数的规模（如 100 只跑 +100）")] = None,
    skip_ann: Annotated[bool, typer.Option("--skip-ann", help="不测合成向量上的 ANN")] = False,
    skip_ann_1m: Annotated[bool, typer.Option("--skip-ann-1m", help="不测 100 万向量的 ANN")] = False,
    skip_embedding: Annotated[bool, typer.Option("--skip-embedding", help="不测嵌入吞吐量")] = False,
    skip_api: Annotated[bool, typer.Option("--skip-api", help="不测 policyqa serve 的 POST /api/ask")] = False,
    no_thread_policy: Annotated[bool, typer.Option("--no-thread-policy", help="不设线程策略（对照“之前”）")] = False,
    backend: Annotated[Optional[str], typer.Option("--backend", help="嵌入后端：torch | onnx | onnx-int8（默认见 README）")] = None,
) -> None:
    """建索引并计时：corpus/、加 100/1000/全部法规、合成向量 ANN，写出 bench.json 与图。例：policyqa bench --max-docs 100 --skip-ann-1m"""
    from eval.bench import DEFAULT_DATASETS, DEFAULT_LAWS, BenchOptions, run_bench
    from eval.bench_report import render_table

    if questions < 0 or (max_docs is not None and max_docs < 0):
        fail("--questions 和 --max-docs 不能为负数")
    options = BenchOptions(
        out=out, corpus=corpus, laws=laws or DEFAULT_LAWS, datasets=tuple(dataset or DEFAULT_DATASETS), questions=questions,
        max_docs=max_docs, skip_ann=skip_ann, skip_ann_1m=skip_ann_1m, skip_embedding=skip_embedding,
        skip_api=skip_api, thread_policy=not no_thread_policy, backend=backend,
    )
    result = run_bench(options, echo=lambda line: typer.echo(line, err=True))
    typer.echo(render_table(result["runs"]))
    typer.echo(f"已写出 {out / 'bench.json'}、{out / 'bench.md'}、{out / 'bench.png'}")


def train(
    dataset: Annotated[Optional[list[Path]], typer.Option("--dataset", help="带标注的数据集（默认 eval/data/ 下全部 .jsonl）")] = None,
    index_dir: IndexOption = DEFAULT_INDEX,
    out: Annotated[Path, typer.Option("--out", help="模型文件")] = Path("qa/data/answer_models.json"),
    model: ModelOption = None,
) -> None:
    """训练“能否作答”与“选句”模型，并给出留一数据集评测。例：policyqa train"""
    use_model(model)
    from eval.train import train_command
    from indexer.threads import apply_thread_policy

    apply_thread_policy()
    from eval.lawbench_index import listing_of

    # A set over laws the default index lacks (it names them in <stem>.statutes.txt) is not trained on.
    paths = dataset or [path for path in sorted(Path("eval/data").glob("*.jsonl")) if not listing_of(path).is_file()]
    if not paths:
        fail("没有数据集：请用 --dataset 指定，或把 .jsonl 放在 eval/data/ 下。")
    typer.echo(train_command(paths, index_dir, out))


def adapt(ctx: typer.Context) -> None:
    """用法规合集训练嵌入模型的法律语言适配器（约 22 分钟），写入 indexer/data/m3e-small-law。
    例：policyqa adapt [--laws 合集.tar.xz] [--pairs 4800] [--exclude 法规清单.txt]"""
    from eval.adapt_model import main as run_adapt

    raise typer.Exit(code=run_adapt(list(ctx.args)))


def reliability(ctx: typer.Context) -> None:
    """测量崩溃、损坏、攻击与负载下的表现（kill -9 ×50、逐位翻转、未授权访问、8 客户端负载、上传时提问）。
    例：policyqa reliability [--quick] [--only kill,bitflip] [--out figures.json]"""
    from probes.reliability import main as run_reliability

    raise typer.Exit(code=run_reliability(list(ctx.args)))
