"""What every `policyqa` command shares: the app, its option types and how a
command fails (one Chinese line on stderr, exit code 2)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

DEFAULT_CORPUS = Path("corpus")
DEFAULT_INDEX = Path("index")
DEFAULT_DATA = Path("data")

app = typer.Typer(
    help="PolicyQA：基于政策文件原文、逐条引用的问答助手。\n\n例：policyqa ask \"牵头单位是谁？\"",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

CorpusOption = Annotated[Path, typer.Option("--corpus", help="文件所在文件夹")]
IndexOption = Annotated[Path, typer.Option("--index-dir", help="索引文件夹")]
ModelOption = Annotated[Optional[str], typer.Option("--model", help="sentence-transformers 模型名或路径（默认 m3e-small-law，或 $POLICYQA_MODEL）")]
JsonOption = Annotated[bool, typer.Option("--json", help="输出一个 JSON 对象，供程序读取")]


def fail(message: str) -> None:
    typer.echo(f"错误：{message}", err=True)
    raise typer.Exit(code=2)


def echo_json(value: object) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def use_model(model: str | None) -> None:
    if model:
        import os

        from indexer.embed import MODEL_ENV_VAR

        os.environ[MODEL_ENV_VAR] = model
