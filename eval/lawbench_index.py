"""The statute index LawBench 1-1 needs, built by `policyqa eval` itself.

LawBench's questions cite 69 laws that the plan's index does not hold. Beside
the task file, `statute_files.txt` lists the statute files they draw on, as
paths inside the LawRefBook tarball. Two laws are filed there under two
categories each, as byte-identical copies; they are one document, so the
second copy is left out rather than skipped later as a duplicate id. The
files keep their category folder, which tells 行政法… from 社会法… when
two works share a name (qa/references.py).
"""
from __future__ import annotations

import hashlib
import tarfile
from collections.abc import Callable
from pathlib import Path

from indexer.errors import InvalidArgumentError

from .lawbench import is_lawbench

STATUTE_LIST = "statute_files.txt"
TARBALL_NAME = "lawrefbook-laws-md.tar.xz"
# The LawRefBook collection, beside the repository, never inside it.
DEFAULT_LAWS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / TARBALL_NAME
# Where the one command puts the statutes and their index (runs/ is not versioned).
STATUTE_HOME = Path("runs") / "lawbench-statutes"


def statute_list(datasets: list[Path]) -> Path | None:
    """The statute_files.txt beside the datasets when they are all LawBench
    task files sharing one; None otherwise."""
    lists = {Path(path).parent / STATUTE_LIST for path in datasets if is_lawbench(Path(path))}
    if len(lists) != 1 or not all(is_lawbench(Path(path)) for path in datasets):
        return None
    listing = lists.pop()
    return listing if listing.is_file() else None


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
    listing: Path, fallback_tarball: Path, home: Path = STATUTE_HOME, echo: Callable[[str], None] = print
) -> Path:
    """Unpack the statutes LawBench needs into `home`/corpus and build or
    update `home`/index; returns the index folder. The build is skipped when
    the files are unchanged (indexer.build)."""
    from indexer.build import build_index
    from indexer.facts import extract_facts

    tarball = find_tarball(listing, fallback_tarball)
    corpus, index = home / "corpus", home / "index"
    copies = unpack_statutes(tarball, listing, corpus)
    echo(f"LawBench 法条索引：{index}（{listing} 列出的文件，解压自 {tarball}）")
    for copy in copies:
        echo(f"  同一法律在两个类别下的相同副本，只收一份：{copy}")
    report = build_index(corpus, index, extract_facts=extract_facts)
    for reason in report.skipped:
        echo(f"已跳过：{reason}")
    return index
