"""The statute-language adapter: pairs mined from real laws, a real (short)
LoRA training run, the merge into m3e-small, and indexes of either model."""
from __future__ import annotations

import io
import json
import random
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest

from eval.adapt_pairs import (
    KINDS,
    PlainSwapper,
    collection_documents,
    collection_laws,
    excluded_titles,
    law_pairs,
    law_title_key,
    mine_pairs,
)
from eval.adapt_model import TRAINING_SCALE
from indexer.adapted import ADAPTED_MODEL, ADAPTER_DIR, TRAINING_REPORT, merged_model_path
from indexer.embed import BASE_MODEL, DEFAULT_MODEL, resolve_model_path

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

LAWS = ("中小企业促进法(2017-09-01).md", "青岛市专利保护规定(2011-11-25).md")


# A made-up case in the collection's layout, citing an article of one of the laws.
CASE = """# 小微企业能否用应收账款向银行申请担保融资

<!-- INFO END -->

## 基本案情

某小微企业以其对大型企业的应收账款向银行申请担保融资，付款方拒绝确认债权债务关系。

## 案例分析

《中华人民共和国中小企业促进法》第二十条规定：“中小企业以应收账款申请担保融资时，其应收账款的付款方，应当及时确认债权债务关系。”
"""


@pytest.fixture(scope="module")
def tarball(tmp_path_factory) -> Path:
    """A tiny collection in the LawRefBook layout: two real laws of corpus/ and a case."""
    path = tmp_path_factory.mktemp("laws") / "laws.tar.xz"
    files = {f"lawrefbook-laws/经济法/{name}": (CORPUS / name).read_bytes() for name in LAWS}
    files["lawrefbook-laws/案例/融资/小微企业能否用应收账款融资.md"] = CASE.encode("utf-8")
    with tarfile.open(path, "w:xz") as archive:
        for name, data in files.items():
            member = tarfile.TarInfo(name)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return path


def test_a_law_gives_pairs_of_every_kind_in_the_words_the_index_embeds(tarball):
    assert len(list(collection_laws(tarball))) == 2 and len(list(collection_documents(tarball))) == 3
    law = next(doc for doc in collection_laws(tarball) if "中小企业" in doc.title)
    pairs = law_pairs(law, PlainSwapper(), random.Random(0))
    assert set(pairs) == set(KINDS) - {"cite"}
    for kind_pairs in pairs.values():
        # The clause side is what the index embeds: the title, its headings, then the text.
        assert all(p.clause.startswith("中华人民共和国中小企业促进法 第") for p in kind_pairs)
    cloze = pairs["cloze"][0]
    assert cloze.query not in cloze.clause  # the sentence is taken out of its clause
    assert any(p.query == "中华人民共和国中小企业促进法 融资促进" for p in pairs["heading"])
    # An everyday word stands where the clause has its statute term.
    swapper = PlainSwapper()
    everyday = {phrase for phrases in swapper.phrases.values() for phrase in phrases}
    assert all(any(phrase in p.query for phrase in everyday) for p in pairs["plain"])
    assert all(len(p.query) <= 60 for p in pairs["plain"])
    # Each pair's near miss is another clause of the same law; a heading's comes from another chapter.
    for kind_pairs in pairs.values():
        assert all(p.negative.startswith("中华人民共和国中小企业促进法 第") and p.negative != p.clause for p in kind_pairs)
    assert all(p.negative.split(" › ")[0] != p.clause.split(" › ")[0] for p in pairs["heading"])


def test_a_case_asks_for_the_article_it_cites(tarball):
    pairs = [p for p in mine_pairs(collection_documents(tarball), 200, set()) if p.kind == "cite"]
    assert {p.query for p in pairs} == {"小微企业能否用应收账款向银行申请担保融资", "某小微企业以其对大型企业的应收账款向银行申请担保融资，付款方拒绝确认债权债务关系。"}
    assert all(p.clause.startswith("中华人民共和国中小企业促进法 第三章 融资促进 › 第二十条") for p in pairs)


def test_a_listed_law_gives_no_pair_in_any_version(tarball, tmp_path):
    listing = tmp_path / "statutes.txt"
    listing.write_text(f"lawrefbook-laws/经济法/{LAWS[0]}\n", encoding="utf-8")
    excluded = excluded_titles(listing, tarball)
    assert excluded == {"中小企业促进法"} == {law_title_key("中华人民共和国 中小企业促进法")}
    pairs = mine_pairs(collection_documents(tarball), 40, excluded)
    assert pairs and {p.law for p in pairs} == {"青岛市专利保护规定"}  # nor is it cited


@pytest.fixture(scope="module")
def trained_adapter(tarball, tmp_path_factory) -> Path:
    """Two batches of real training: enough to move the vectors, not to help."""
    from eval.adapt_model import AdaptSettings, train_adapter

    out = tmp_path_factory.mktemp("adapter") / "law-adapter"
    pairs = mine_pairs(collection_laws(tarball), 16, set())
    outcome = train_adapter(resolve_model_path(BASE_MODEL), pairs, out, AdaptSettings(pairs=16, batch_size=8, max_tokens=64, hard_negatives=True))
    assert outcome["steps"] == 2 and outcome["trainable_parameters"] < 1_000_000
    return out


def test_a_trained_adapter_merges_into_a_model_of_the_same_shape(trained_adapter, tmp_path):
    from sentence_transformers import SentenceTransformer

    assert sum(p.stat().st_size for p in trained_adapter.iterdir()) < 5_000_000  # the part that ships
    folder = Path(merged_model_path(resolve_model_path(BASE_MODEL), tmp_path, trained_adapter))
    assert folder.parent == tmp_path / "models" and not list(folder.parent.glob(".*tmp*"))
    assert merged_model_path(resolve_model_path(BASE_MODEL), tmp_path, trained_adapter) == str(folder)  # made once
    texts = ["劳动者在试用期的工资不得低于本单位相同岗位最低档工资", "老板不给发工资怎么办"]
    base = SentenceTransformer(resolve_model_path(BASE_MODEL), device="cpu").encode(texts, normalize_embeddings=True)
    merged = SentenceTransformer(str(folder), device="cpu").encode(texts, normalize_embeddings=True)
    assert merged.shape == base.shape == (2, 512)
    cosines = np.sum(base * merged, axis=1)
    # Changed (two small steps move a vector by ~1e-4), and still the same model underneath.
    assert np.abs(base - merged).max() > 1e-5 and cosines.min() > 0.5


def test_the_shipped_adapter_is_the_default_merged_at_its_weight():
    """m3e-small-law, the shipped adapter merged into m3e-small, is the default
    for new indexes; its config merges the share of the trained update its
    training report names (half: alpha / rank 1 against 2 while training)."""
    assert DEFAULT_MODEL == ADAPTED_MODEL == "m3e-small-law"
    report = json.loads((ADAPTER_DIR / TRAINING_REPORT).read_text(encoding="utf-8"))
    assert report["base_model"] == BASE_MODEL and report["command"].startswith("policyqa adapt")
    assert sum(report["pairs"].values()) == report["settings"]["pairs"] and all(report["pairs"].values())
    config = json.loads((ADAPTER_DIR / "adapter_config.json").read_text(encoding="utf-8"))
    settings = report["settings"]
    assert config["lora_alpha"] == settings["merge_weight"] * TRAINING_SCALE * settings["rank"] and config["r"] == settings["rank"]
    assert Path(resolve_model_path(ADAPTED_MODEL)).name.startswith(f"{ADAPTED_MODEL}-")


def test_an_index_of_the_base_model_still_loads_and_is_queried_with_it(tmp_path, monkeypatch):
    """An index built with m3e-small before the default changed is queried with
    m3e-small without POLICYQA_MODEL (its manifest says which); asking for
    another model is refused with the rebuild hint."""
    from indexer.build import build_index
    from indexer.embed import MODEL_ENV_VAR, Embedder
    from indexer.errors import IndexMismatchError
    from indexer.store import read_manifest
    from qa.assistant import Assistant

    monkeypatch.delenv(MODEL_ENV_VAR, raising=False)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / LAWS[1], corpus / LAWS[1])
    build_index(corpus, tmp_path / "index", embedder=Embedder(BASE_MODEL, backend="torch"), show_progress=False)
    assert read_manifest(tmp_path / "index")["model_id"] == BASE_MODEL
    assistant = Assistant.open(tmp_path / "index", backend="torch")
    assert assistant.embedder.model_id == BASE_MODEL
    answer = assistant.ask("专利侵权纠纷由哪个部门处理？")
    assert answer.citations and "专利" in answer.citations[0].quote
    monkeypatch.setenv(MODEL_ENV_VAR, ADAPTED_MODEL)
    with pytest.raises(IndexMismatchError, match=BASE_MODEL):
        Assistant.open(tmp_path / "index", backend="torch")
