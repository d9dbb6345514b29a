"""Types shared by the readers of `indexer.loaders`."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

Metadata = dict[str, Any]
Reader = Callable[[Path], tuple[str, Metadata]]
