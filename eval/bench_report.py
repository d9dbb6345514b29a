"""The benchmark's table (Markdown) and plot (build time and answer latency against corpus size)."""
from __future__ import annotations

from pathlib import Path

_CORPUS_COLUMNS = (
    ("run", "label"), ("docs", "documents"), ("chunks", "chunks"), ("sentences", "sentences"), ("build s", "build_s"),
    ("chunks/s", "chunks_per_s"), ("no-op rebuild s", "noop_rebuild_s"), ("index MiB", "index_mib"),
    ("peak RSS MiB", "peak_rss_mib"), ("load s", "load_s"), ("p50 ms", "answer_ms_p50"), ("p95 ms", "answer_ms_p95"),
    ("recall@10", "recall_at_10"), ("Hit@5", "hit_at_5"),
)
_ANN_COLUMNS = (
    ("run", "label"), ("index", "index"), ("build s", "build_s"), ("vectors/s", "vectors_per_s"),
    ("index MiB", "index_mib"), ("peak RSS MiB", "peak_rss_mib"), ("load s", "load_s"),
    ("search p50 ms", "search_ms_p50"), ("search p95 ms", "search_ms_p95"), ("recall@10", "recall_at_10"),
)


def _table(rows: list[dict], columns: tuple[tuple[str, str], ...]) -> list[str]:
    lines = ["| " + " | ".join(title for title, _ in columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row.get('label', '')} | failed: {row['error']} |" + " |" * (len(columns) - 2))
            continue
        cells = [f"{row.get(key):,}" if isinstance(row.get(key), int) else str(row.get(key, "")) for _, key in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_table(runs: list[dict]) -> str:
    """Markdown tables of the corpus runs, the ANN runs and the embedding throughput."""
    lines: list[str] = []
    corpus = [run for run in runs if run.get("kind") == "corpus"]
    if corpus:
        lines += _table(corpus, _CORPUS_COLUMNS) + [""]
    ann = [run for run in runs if run.get("kind") == "ann"]
    if ann:
        lines += _table(ann, _ANN_COLUMNS) + [""]
    for run in runs:
        if run.get("kind") == "embedding" and "texts_per_s" in run:
            rates = ", ".join(f"{backend} {rate} texts/s" for backend, rate in run["texts_per_s"].items())
            lines.append(f"Embedding throughput ({run['texts']} clauses and sentences, mean {run['mean_chars']} chars): "
                         f"{rates}; ×{run['speed_up']}.")
            if "plain_clauses_per_s" in run and corpus and "chunks_per_s" in corpus[0]:
                lines.append(f"Plain sentence-transformers embeds {run['plain_clauses']:,} clause texts alone at "
                             f"{run['plain_clauses_per_s']} clauses/s; a full build of {corpus[0]['label']} indexes "
                             f"{corpus[0]['chunks_per_s']} clauses/s with their sentences: "
                             f"×{corpus[0]['chunks_per_s'] / run['plain_clauses_per_s']:.2f}.")
        if run.get("kind") == "api" and "api_ms_p50" in run:
            lines.append(f"{run['label']}: p50 {run['api_ms_p50']} ms, p95 {run['api_ms_p95']} ms over {run['questions']} "
                         f"questions; one plain m3e-small query-encoder pass p50 {run['encoder_ms_p50']} ms: "
                         f"×{run['api_over_encoder']}.")
    return "\n".join(lines) + "\n"


def write_plot(runs: list[dict], path: Path) -> None:
    """Build seconds and answer p50/p95 against chunks, both axes logarithmic."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    corpus = sorted((run for run in runs if run.get("kind") == "corpus" and "error" not in run), key=lambda r: r["chunks"])
    figure, (build_axis, latency_axis) = plt.subplots(1, 2, figsize=(10, 4))
    chunks = [run["chunks"] for run in corpus]
    build_axis.plot(chunks, [run["build_s"] for run in corpus], "o-")
    build_axis.set(xscale="log", yscale="log", xlabel="chunks", ylabel="build time (s)", title="Index build")
    latency_axis.plot(chunks, [run["answer_ms_p50"] for run in corpus], "o-", label="p50")
    latency_axis.plot(chunks, [run["answer_ms_p95"] for run in corpus], "s--", label="p95")
    latency_axis.set(xscale="log", yscale="log", xlabel="chunks", ylabel="answer latency (ms)", title="Answer latency")
    latency_axis.legend()
    for axis in (build_axis, latency_axis):
        axis.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
