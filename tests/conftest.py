"""Shared fixtures: the real m3e-small model and a real index of the plan,
built once per test session into a temporary folder (building takes ~15 s)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
PLAN_TEXT = CORPUS / "qingdao_ai_plan.txt"


@pytest.fixture(scope="session")
def plan():
    """The plan as loaded and cleaned (no model needed)."""
    from indexer.loaders import load_document

    return load_document(PLAN_TEXT, CORPUS)


@pytest.fixture(scope="session")
def chunks(plan):
    """The plan's chunks without token limits (no model needed)."""
    from indexer.segment import segment_document

    return segment_document(plan)


class RememberingEmbedder:
    """The real model, remembering each text's vector for the session: the
    plan and the statutes are indexed by several test modules (with other
    files beside them), and the model need not embed the same text twice.
    Everything but `embed_batch` is the model's own."""

    def __init__(self, model) -> None:
        self.model = model
        self.vectors: dict[str, np.ndarray] = {}

    def __getattr__(self, name: str):
        if name in ("model", "vectors"):  # not set yet (a copy being made)
            raise AttributeError(name)
        return getattr(self.model, name)

    def embed_batch(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        missing = list(dict.fromkeys(text for text in texts if text not in self.vectors))
        if missing:
            self.vectors.update(zip(missing, self.model.embed_batch(missing, show_progress=show_progress)))
        if not texts:
            return self.model.embed_batch([])
        return np.stack([self.vectors[text] for text in texts])

    def embed(self, text: str) -> np.ndarray:
        return self.embed_batch([text])[0]


@pytest.fixture(scope="session")
def embedder():
    from indexer.embed import Embedder

    return RememberingEmbedder(Embedder())


@pytest.fixture(scope="session")
def plan_corpus(tmp_path_factory) -> Path:
    """A copy of the plan (text and sidecar) from the repo's corpus: tests may not
    touch the real one, and the plan alone keeps the session index small and fast."""
    target = tmp_path_factory.mktemp("corpus")
    for path in CORPUS.glob(f"{PLAN_TEXT.stem}.*"):
        shutil.copy(path, target / path.name)
    return target


def build_test_index(corpus: Path, embedder, tmp_path_factory, label: str = "index") -> Path:
    """A real index (with facts) of `corpus`, in a fresh temporary folder."""
    from indexer.build import build_index
    from indexer.facts import extract_facts

    index_dir = tmp_path_factory.mktemp(label) / "index"
    build_index(corpus, index_dir, embedder=embedder, show_progress=False, extract_facts=extract_facts)
    return index_dir


def index_of_plan_and(statutes: tuple[str, ...], embedder, tmp_path_factory, label: str) -> Path:
    """An index of the plan and the named files of corpus/ (copied: tests never touch corpus/)."""
    corpus = tmp_path_factory.mktemp(f"{label}_corpus")
    for name in (PLAN_TEXT.name, PLAN_TEXT.with_suffix(".meta.json").name, *statutes):
        shutil.copy(CORPUS / name, corpus / name)
    return build_test_index(corpus, embedder, tmp_path_factory, f"{label}_index")


@pytest.fixture(scope="session")
def plan_index(plan_corpus, embedder, tmp_path_factory) -> Path:
    return build_test_index(plan_corpus, embedder, tmp_path_factory)


@pytest.fixture(scope="session")
def assistant(plan_index, embedder):
    from indexer.store import load_index
    from qa.assistant import Assistant

    return Assistant(load_index(plan_index, model_id=embedder.model_id), embedder)


# --- UI fixtures (tests/test_ui_*.py) -------------------------------------------


@pytest.fixture(scope="module")
def ui_workspace(plan_corpus, plan_index, tmp_path_factory):
    """A corpus, index and data folder of the module's own: copies of the
    session's, so uploads and removals in one test module never reach another."""
    from types import SimpleNamespace

    root = tmp_path_factory.mktemp("ui_workspace")
    shutil.copytree(plan_corpus, root / "corpus")
    shutil.copytree(plan_index, root / "index")
    return SimpleNamespace(root=root, corpus=root / "corpus", index=root / "index", data=root / "data")


@pytest.fixture(scope="module")
def ui_service(ui_workspace, embedder):
    """A Service over the module's workspace, sharing the session's loaded model."""
    from indexer.store import load_index
    from qa.assistant import Assistant
    from ui.service import Service

    index = load_index(ui_workspace.index, model_id=embedder.model_id)
    return Service(Assistant(index, embedder), ui_workspace.index, ui_workspace.corpus, ui_workspace.data)


# --- Browser fixture (every tests/test_ui_*.py module drives Debian's Chromium) ----


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for one test module (Playwright driving /usr/bin/chromium)."""
    from playwright.sync_api import sync_playwright

    from tests.test_ui_browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def policyqa_in_process(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    """`policyqa ARGS` run in this process by typer's runner: the same command
    and output without starting Python, torch and the model again (about 5 s
    a call). Tests of the process itself (exit codes of `main`, encodings,
    start-up) run the installed script: tests/test_cli.py's `run`."""
    from typer.testing import CliRunner

    from ui.cli import app

    result = CliRunner().invoke(app, list(args), input=input, catch_exceptions=False)
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)
