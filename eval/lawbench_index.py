"""The statute index LawBench 1-1 (or a dev set over the collection) needs,
built by `policyqa eval` itself.

LawBench's questions cite 69 laws that the plan's index does not hold. Beside
the task file, `statute_files.txt` lists the statute files they draw on, as
paths inside the LawRefBook tarball. Two laws are filed there under two
categories each, as byte-identical copies; they are one document, so the
second copy is left out rather than skipped later as a duplicate id. The
files keep their category folder, which tells 行政法… from 社会法… when
two works share a name (qa/references.py).

A JSON Lines dev set over laws of the collection names its statutes the same
way, in `<stem>.statutes.txt` beside it (eval/data/dev_colloquial.statutes.txt);
its index is built in runs/<stem>-statutes/.
"""
from __future__ import annotations

import hashlib
import tarfile
from collections.abc import Callable
from pathlib import Path

from indexer.errors import InvalidArgumentError

from .lawbench import is_lawbench

STATUTE_LIST = "statute_files.txt"
DEV_SET_LIST = ".statutes.txt"  # suffix of a JSON Lines dev set's listing
TARBALL_NAME = "lawrefbook-laws-md.tar.xz"
# The LawRefBook collection, beside the repository, never inside it.
DEFAULT_LAWS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / TARBALL_NAME
# Where the one command puts the statutes and their index (runs/ is not versioned).
STATUTE_HOME = Path("runs") / "lawbench-statutes"


def listing_of(dataset: Path) -> Path:
    """Where a dataset's statute listing would be: LawBench's statute_files.txt
    beside its task file, or `<stem>.statutes.txt` beside a JSON Lines set."""
    dataset = Path(dataset)
    return dataset.parent / STATUTE_LIST if is_lawbench(dataset) else dataset.with_name(dataset.stem + DEV_SET_LIST)


def statute_list(datasets: list[Path]) -> Path | None:
    """The statute listing the datasets share when they all have the same one; None otherwise."""
    lists = {listing_of(path) for path in datasets}
    if len(lists) != 1:
        return None
    listing = lists.pop()
    return listing if listing.is_file() else None


def statute_home(listing: Path) -> Path:
    """runs/lawbench-statutes for LawBench, runs/<stem>-statutes for a dev set's listing."""
    if listing.name == STATUTE_LIST:
        return STATUTE_HOME
    return Path("runs") / (listing.name.removesuffix(DEV_SET_LIST) + "-statutes")


def find_tarball(listing: Path, fallback: Path) -> Path:
    """The LawRefBook tarball: ../../corpora/ from the benchmark folder (the
    shared layout), else `fallback`. Raises InvalidArgumentError when neither exists."""
    for candidate in (listing.parent.parent.parent / "corpora" / TARBALL_NAME, fallback):
        if candidate.is_file():
            return candidate
    raise InvalidArgumentError(f"找不到法律法规合集 {TARBALL_NAME}（LawBench 的法条索引由它建立）：应在 {fallback}")


def unpack_statutes(tarball: Path, listing: Path, corpus: Path) -> list[str]:
    """Write the listed files into `corpus` (category folders kept), one copy
    of each distinct text; returns the paths left out as copies. A file whose
    content is unchanged is not rewritten, so the index build sees no change."""
    wanted = [line.strip() for line in listing.read_text(encoding="utf-8").splitlines() if line.strip()]
    contents: dict[str, bytes] = {}
    with tarfile.open(tarball) as archive:
        for member in archive:
            if member.name in wanted and member.isfile():
                handle = archive.extractfile(member)
                if handle is not None:
                    contents[member.name] = handle.read()
    absent = [name for name in wanted if name not in contents]
    if absent:
        raise InvalidArgumentError(f"{tarball.name} 中没有 {listing.name} 列出的 {len(absent)} 个文件，如 {absent[0]}")
    seen: dict[str, str] = {}
    copies = []
    for name in wanted:
        digest = hashlib.sha256(contents[name]).hexdigest()
        if digest in seen:
            copies.append(f"{name}（与 {seen[digest]} 相同）")
            continue
        seen[digest] = name
        target = corpus / Path(*Path(name).parts[1:])  # without the tarball's top folder
        if not target.is_file() or target.read_bytes() != contents[name]:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(contents[name])
    return copies


def statute_index(
    listing: Path, fallback_tarball: Path, home: Path | None = None, echo: Callable[[str], None] = print
) -> Path:
    """Unpack the listed statutes into `home`/corpus (default `statute_home`)
    and build or update `home`/index; returns the index folder. The build is
    skipped when the files are unchanged (indexer.build)."""
    home = home or statute_home(listing)
    from indexer.build import build_index
    from indexer.facts import extract_facts

    tarball = find_tarball(listing, fallback_tarball)
    corpus, index = home / "corpus", home / "index"
    copies = unpack_statutes(tarball, listing, corpus)
    label = "LawBench" if listing.name == STATUTE_LIST else listing.name.removesuffix(DEV_SET_LIST)
    echo(f"{label} 法条索引：{index}（{listing} 列出的文件，解压自 {tarball}）")
    for copy in copies:
        echo(f"  同一法律在两个类别下的相同副本，只收一份：{copy}")
    report = build_index(corpus, index, extract_facts=extract_facts)
    for reason in report.skipped:
        echo(f"已跳过：{reason}")
    return index
