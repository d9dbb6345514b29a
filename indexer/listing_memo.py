"""A corpus listing remembered beside an index's versions (outside their
checksums), so an unchanged rebuild after files were touched but not changed
(a checkout, a copy) needs no parse after the first."""
from __future__ import annotations

import json
from pathlib import Path

# In the index folder, beside CURRENT; clean_stale leaves it (not a version).
MATCHED_LISTING = "corpus-listing.json"


def skipped_if_listed(manifest: dict, index_dir: Path, listing: str) -> list[str] | None:
    """The skipped files when `listing` is the manifest's corpus or the one
    last matched to its corpus hash; None when the corpus must be read."""
    if manifest.get("corpus_files") == listing:
        return list(manifest.get("skipped", []))
    try:
        matched = json.loads((index_dir / MATCHED_LISTING).read_text(encoding="utf-8"))
        if matched["corpus_files"] == listing and matched["corpus_hash"] == manifest.get("corpus_hash"):
            return [str(name) for name in matched["skipped"]]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # none yet, or unreadable: read the corpus as without it
    return None


def remember_listing(index_dir: Path, listing: str, hashed_to: str, skipped: list[str]) -> None:
    """Record that `listing` hashes to `hashed_to`; atomic, and only a speed-up,
    so a failure to write it is ignored."""
    if not listing:
        return
    temporary = index_dir / f".tmp-{MATCHED_LISTING}"  # a killed writer's leftover goes with clean_stale
    try:
        temporary.write_text(
            json.dumps({"corpus_files": listing, "corpus_hash": hashed_to, "skipped": skipped}, ensure_ascii=False),
            encoding="utf-8",
        )
        temporary.replace(index_dir / MATCHED_LISTING)
    except OSError:
        temporary.unlink(missing_ok=True)
