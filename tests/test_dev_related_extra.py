"""Sanity checks for the dev sets over the related regulations.

`eval/data/dev_related_extra.jsonl` (130 items, ids e001…) and
`eval/data/dev_related.jsonl` (a verbatim copy of the shared set) name their
document in "doc" (file name without .md). Every evidence string must occur in
one of the named documents once whitespace is removed from both, the same
squeeze the relevance rule applies (eval.metrics.matches_evidence).

The documents are read from the repo's corpus/ folder when it holds them,
otherwise from ../shared/corpora/related; the evidence tests skip, saying so,
when neither is present. Failure messages name ids and evidence positions, not
the quoted text, so that running the test does not print a held-out set.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "eval" / "data"
EXTRA_FILE = DATA_DIR / "dev_related_extra.jsonl"
RELATED_FILE = DATA_DIR / "dev_related.jsonl"
# Where the regulations' .md files may live, first match wins.
CORPUS_CANDIDATES = (
    ROOT / "corpus" / "related",
    ROOT / "corpus",
    ROOT.parent / "shared" / "corpora" / "related",
)

UNANSWERABLE_ANSWER = "文件未提及"
PERSONAS = {"firm", "civil_servant", "public", "evaluator"}
EXTRA_TYPES = {"factoid", "jurisdiction", "situational", "article_lookup", "multi_part", "unanswerable"}
MIN_UNANSWERABLE = 25
EVIDENCE_CHARS = (8, 60)
_WHITESPACE = re.compile(r"\s+")  # \s covers U+3000 in Python 3 str patterns


def _squeeze(text: str) -> str:
    return _WHITESPACE.sub("", text)


def _load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _corpus_dir() -> Path | None:
    for folder in CORPUS_CANDIDATES:
        if folder.is_dir() and any(folder.glob("*.md")):
            return folder
    return None


@pytest.fixture(scope="module")
def extra_items() -> list[dict]:
    assert EXTRA_FILE.exists(), f"missing {EXTRA_FILE}"
    return _load(EXTRA_FILE)


@pytest.fixture(scope="module")
def related_items() -> list[dict]:
    if not RELATED_FILE.exists():
        pytest.skip(f"{RELATED_FILE.name} not present (copy it from /work/shared/dev_related.jsonl)")
    return _load(RELATED_FILE)


@pytest.fixture(scope="module")
def documents() -> dict[str, str]:
    """Squeezed text of every regulation, keyed by file name without .md."""
    folder = _corpus_dir()
    if folder is None:
        tried = ", ".join(str(p) for p in CORPUS_CANDIDATES)
        pytest.skip(f"regulation .md files not found (looked in {tried})")
    return {path.stem: _squeeze(path.read_text(encoding="utf-8")) for path in folder.glob("*.md")}


def _evidence_misses(items: list[dict], documents: dict[str, str]) -> list[str]:
    """'id: evidence[i] not in [docs]' for every evidence string no named document holds."""
    misses = []
    for item in items:
        names = item.get("doc") or []
        unknown = [name for name in names if name not in documents]
        if unknown:
            misses.append(f"{item['id']}: unknown doc {unknown}")
            continue
        for index, evidence in enumerate(item["evidence"]):
            needle = _squeeze(evidence)
            if not needle or not any(needle in documents[name] for name in names):
                misses.append(f"{item['id']}: evidence[{index}] not in {names}")
    return misses


def test_extra_ids_unique_and_well_formed(extra_items):
    ids = [item["id"] for item in extra_items]
    assert len(ids) == len(set(ids)), "duplicate ids in dev_related_extra.jsonl"
    assert all(re.fullmatch(r"e\d{3}", i) for i in ids), "ids must look like e001"
    assert len(extra_items) >= 130, f"only {len(extra_items)} items"
    for item in extra_items:
        assert item["question"].strip() and item["answer"].strip(), item["id"]
        assert item["persona"] in PERSONAS, f"{item['id']}: persona {item['persona']!r}"
        assert item["type"] in EXTRA_TYPES, f"{item['id']}: type {item['type']!r}"


def test_extra_ids_do_not_clash_with_related(extra_items, related_items):
    clash = {item["id"] for item in extra_items} & {item["id"] for item in related_items}
    assert not clash, f"ids used in both files: {sorted(clash)}"


def test_extra_unanswerable_conventions(extra_items):
    unanswerable = [item for item in extra_items if not item["evidence"]]
    assert len(unanswerable) >= MIN_UNANSWERABLE, f"only {len(unanswerable)} unanswerable items"
    for item in extra_items:
        if item["type"] == "unanswerable" or not item["evidence"]:
            assert item["type"] == "unanswerable", f"{item['id']}: no evidence but type {item['type']!r}"
            assert item["evidence"] == [], f"{item['id']}: unanswerable item has evidence"
            assert item["answer"] == UNANSWERABLE_ANSWER, f"{item['id']}: answer must be {UNANSWERABLE_ANSWER!r}"
        else:
            assert item["doc"] and item["section"].strip(), f"{item['id']}: answerable item needs doc and section"
            assert 1 <= len(item["evidence"]) <= 3, f"{item['id']}: 1-3 evidence strings"


def test_extra_evidence_length(extra_items):
    low, high = EVIDENCE_CHARS
    bad = [
        f"{item['id']}: evidence[{i}] has {len(ev)} chars"
        for item in extra_items
        for i, ev in enumerate(item["evidence"])
        if not low <= len(ev) <= high
    ]
    assert not bad, "\n".join(bad)


def test_extra_evidence_verbatim(extra_items, documents):
    misses = _evidence_misses(extra_items, documents)
    assert not misses, "evidence not found in the named document:\n" + "\n".join(misses)


def test_related_evidence_verbatim(related_items, documents):
    misses = _evidence_misses(related_items, documents)
    assert not misses, "evidence not found in the named document:\n" + "\n".join(misses)
