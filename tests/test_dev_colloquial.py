"""The colloquial dev set (issue 24): at least 150 everyday-words questions,
each naming a law of its statute list and quoting that law's articles.

The laws are read from the LawRefBook tarball beside the repository
(../shared/corpora); the evidence test skips, saying so, without it."""
from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from eval.lawbench_index import DEFAULT_LAWS, listing_of
from eval.metrics import squeeze

DATASET = Path(__file__).resolve().parents[1] / "eval" / "data" / "dev_colloquial.jsonl"


def _items() -> list[dict]:
    return [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_set_is_large_unique_and_names_listed_laws() -> None:
    items = _items()
    assert len(items) >= 150
    assert len({item["id"] for item in items}) == len(items)
    assert len({item["question"] for item in items}) == len(items)
    listed = {Path(line.strip()).stem for line in listing_of(DATASET).read_text(encoding="utf-8").splitlines() if line.strip()}
    for item in items:
        assert item["type"] == "colloquial" and item["evidence"], item["id"]
        assert set(item["doc"]) <= listed, item["id"]


def test_evidence_quotes_the_named_law() -> None:
    if not DEFAULT_LAWS.is_file():
        pytest.skip(f"the collection is not at {DEFAULT_LAWS}")
    wanted = {line.strip() for line in listing_of(DATASET).read_text(encoding="utf-8").splitlines() if line.strip()}
    texts = {}
    with tarfile.open(DEFAULT_LAWS) as archive:
        for member in archive:
            if member.name in wanted:
                texts[Path(member.name).stem] = squeeze(archive.extractfile(member).read().decode("utf-8"))
    assert len(texts) == len(wanted)
    for item in _items():
        law = texts[item["doc"][0]]
        missing = [n for n, quote in enumerate(item["evidence"]) if squeeze(quote) not in law]
        assert not missing, f"{item['id']}: evidence {missing} not in {item['doc'][0]}"
