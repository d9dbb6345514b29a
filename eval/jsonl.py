"""JSON Lines read as datasets are: blank lines skipped, a line that is not
JSON refused in one line naming the file and the line."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from indexer.errors import InvalidArgumentError


def json_lines(path: Path) -> Iterator[tuple[int, object]]:
    """(line number, parsed value) of each non-blank line of `path`."""
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except ValueError as e:
                raise InvalidArgumentError(f"{path} 第 {number} 行不是合法的 JSON：{e}") from e
