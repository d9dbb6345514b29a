"""Check qa/data/plain_words.tsv against the law collection: every statute
term on its right must occur in some file of the collection, or retrieval
could never match it. The table is written by hand (qa/thesaurus.py); this is
the check that keeps it honest after an edit.

    python -m eval.check_plain_words [--laws ../shared/corpora/lawrefbook-laws-md.tar.xz] [--table qa/data/plain_words.tsv]

Prints the terms no file holds and exits 1 when there are any; reads the
tarball as it is (nothing is unpacked), a few seconds.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from qa.cues import read_term_table
from qa.thesaurus import PLAIN_WORDS_PATH

from .lawbench_index import DEFAULT_LAWS
from .mine_thesaurus import law_texts


def missing_terms(table: Path, laws: Path) -> list[str]:
    """The table's statute terms that no file of the collection holds."""
    unseen = {term for _phrase, terms in read_term_table(table) for term in terms}
    for text in tqdm(law_texts(laws), desc="读取法规合集", unit="件"):
        unseen = {term for term in unseen if term not in text}
        if not unseen:
            break
    return sorted(unseen)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="检查日常用语表的法律术语都出现在法规合集中")
    parser.add_argument("--laws", type=Path, default=DEFAULT_LAWS, help="LawRefBook 合集 .tar.xz")
    parser.add_argument("--table", type=Path, default=PLAIN_WORDS_PATH, help="日常用语表 .tsv")
    args = parser.parse_args(argv)
    if not args.laws.is_file():
        sys.exit(f"找不到法规合集：{args.laws}")
    missing = missing_terms(args.table, args.laws)
    for term in missing:
        print(f"合集中没有：{term}")
    print(f"{args.table.name}：{len(missing)} 个术语不在合集中")
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
