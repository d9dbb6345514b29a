"""Which stage may import which (STYLE.md example 10, issue 23 item 8):
indexer/ and qa/ never import upward, eval/ runs the qa path without a
screen (no ui/, no probes/), and what serves users never imports the probes
of a running server (only the CLI's `policyqa reliability` does)."""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "indexer": {"qa", "ui", "eval", "probes"},
    "qa": {"ui", "eval", "probes"},
    "eval": {"ui", "probes"},
    "ui": {"probes"},
}
# The one place a serving package reaches a probe: the command that runs them.
ALLOWED = {("ui/cli_evaluate.py", "probes")}


def imported_packages(path: Path) -> set[str]:
    """Top-level packages `path` imports (absolute imports; relative ones stay in its own package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_stage_imports_a_layer_above_it():
    offences = []
    for package, forbidden in FORBIDDEN.items():
        for path in sorted((REPO / package).rglob("*.py")):
            relative = path.relative_to(REPO).as_posix()
            offences += [f"{relative} imports {name}" for name in imported_packages(path) & forbidden if (relative, name) not in ALLOWED]
    assert offences == []


def test_the_import_check_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import os\n\ndef f():\n    from ui.service import Service\n    from .local import x\n", encoding="utf-8")
    assert imported_packages(module) == {"os", "ui"}
