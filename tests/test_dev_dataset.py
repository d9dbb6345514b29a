"""Sanity checks for the PolicyQA dev datasets (eval/data/*.jsonl).

Checks every line parses, fields/types, id uniqueness across files, allowed
persona/type values, that every evidence string is an exact substring of the
seed document, unanswerable conventions, and the unanswerable share of the
extra set.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "eval" / "data"
DOC_PATH = ROOT / "corpus" / "qingdao_ai_plan.txt"
DEV_FILE = DATA_DIR / "dev_qa.jsonl"
EXTRA_FILE = DATA_DIR / "dev_qa_extra.jsonl"

PERSONAS = {"firm", "civil_servant", "public", "evaluator"}
TYPES = {
    "factoid",
    "list",
    "multi_part",
    "numeric_target",
    "responsibility_contact",
    "eligibility",
    "structure",
    "section_lookup",
    "unanswerable",
}
REQUIRED = {
    "id": str,
    "question": str,
    "persona": str,
    "type": str,
    "answer": str,
    "evidence": list,
    "section": str,
}
UNANSWERABLE_PREFIX = "文件未提及"


def _load(path: Path) -> list[dict]:
    items = []
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:  # pragma: no cover - failure path
                pytest.fail(f"{path.name}:{lineno}: invalid JSON: {exc}")
            assert isinstance(obj, dict), f"{path.name}:{lineno}: not an object"
            obj["_where"] = f"{path.name}:{lineno}"
            items.append(obj)
    return items


def _dataset_files() -> list[Path]:
    files = [p for p in (DEV_FILE, EXTRA_FILE) if p.exists()]
    return files


@pytest.fixture(scope="module")
def doc_text() -> str:
    if not DOC_PATH.exists():
        pytest.fail(f"seed document missing: {DOC_PATH}")
    return DOC_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def all_items() -> list[dict]:
    files = _dataset_files()
    assert EXTRA_FILE in files, f"missing {EXTRA_FILE}"
    items: list[dict] = []
    for p in files:
        items.extend(_load(p))
    return items


@pytest.fixture(scope="module")
def extra_items() -> list[dict]:
    assert EXTRA_FILE.exists(), f"missing {EXTRA_FILE}"
    return _load(EXTRA_FILE)


def test_dev_file_optional():
    if not DEV_FILE.exists():
        pytest.skip("eval/data/dev_qa.jsonl not present yet")
    assert _load(DEV_FILE), "dev_qa.jsonl is empty"


def test_required_fields_and_types(all_items):
    for it in all_items:
        for key, typ in REQUIRED.items():
            assert key in it, f"{it['_where']}: missing field {key!r}"
            assert isinstance(it[key], typ), f"{it['_where']}: {key!r} should be {typ.__name__}"
        assert it["id"].strip(), f"{it['_where']}: empty id"
        assert it["question"].strip(), f"{it['_where']}: empty question"
        assert it["answer"].strip(), f"{it['_where']}: empty answer"
        for ev in it["evidence"]:
            assert isinstance(ev, str) and ev, f"{it['_where']}: evidence entries must be non-empty strings"


def test_ids_unique_across_files(all_items):
    seen: dict[str, str] = {}
    for it in all_items:
        assert it["id"] not in seen, f"duplicate id {it['id']!r} at {it['_where']} and {seen[it['id']]}"
        seen[it["id"]] = it["_where"]


def test_persona_and_type_allowed(all_items):
    for it in all_items:
        assert it["persona"] in PERSONAS, f"{it['_where']}: bad persona {it['persona']!r}"
        assert it["type"] in TYPES, f"{it['_where']}: bad type {it['type']!r}"


def test_evidence_is_exact_substring(all_items, doc_text):
    missing = [
        f"{it['_where']} ({it['id']}): {ev!r}"
        for it in all_items
        for ev in it["evidence"]
        if ev not in doc_text
    ]
    assert not missing, "evidence not found verbatim in document:\n" + "\n".join(missing)


def test_unanswerable_conventions(all_items):
    for it in all_items:
        if it["type"] == "unanswerable":
            assert it["evidence"] == [], f"{it['_where']}: unanswerable must have empty evidence"
            assert it["answer"].startswith(UNANSWERABLE_PREFIX), (
                f"{it['_where']}: unanswerable answer must start with {UNANSWERABLE_PREFIX!r}"
            )
            assert it["section"] == "", f"{it['_where']}: unanswerable must have empty section"
        else:
            assert it["evidence"], f"{it['_where']}: answerable item needs evidence"
            assert it["section"].strip(), f"{it['_where']}: answerable item needs a section"


def test_extra_file_size_and_unanswerable_share(extra_items):
    assert len(extra_items) >= 115, f"only {len(extra_items)} extra items"
    n_un = sum(1 for it in extra_items if it["type"] == "unanswerable")
    share = n_un / len(extra_items)
    assert 0.12 <= share <= 0.20, f"unanswerable share {share:.1%} outside [12%, 20%]"


def test_extra_covers_all_types_and_personas(extra_items):
    assert {it["type"] for it in extra_items} == TYPES
    assert {it["persona"] for it in extra_items} == PERSONAS


def test_extra_questions_not_copied_from_dev(extra_items):
    if not DEV_FILE.exists():
        pytest.skip("eval/data/dev_qa.jsonl not present yet")
    dev_questions = {it["question"].strip() for it in _load(DEV_FILE)}
    dup = [it["id"] for it in extra_items if it["question"].strip() in dev_questions]
    assert not dup, f"extra items repeat dev questions: {dup}"
