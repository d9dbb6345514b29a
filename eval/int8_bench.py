"""The int8 forms of the embedding graph on this CPU: vectors against torch's, and speed.

    python -m eval.int8_bench [--texts 600] [--rounds 3]

Quantises the exported fp32 graph (indexer/onnx_embed.py) into each form of
`INT8_FORMS` and the full-range 8-bit form of export v3, embeds real clauses
and sentences of corpus/ (a seeded sample) with each and with the fp32 graph,
and prints a Markdown row per form: lowest and mean cosine to torch, and
texts per CPU-second of the process (every encoder thread counted), a speed
that other jobs on a shared machine change little, as well as wall-clock
texts/s. Takes a few minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

# export v3's form: 8-bit weights, which saturate on x86 without VNNI.
FULL_RANGE = "s8-8bit (export v3)"


def corpus_texts(count: int, seed: int = 11) -> list[str]:
    from indexer.loaders import load_corpus
    from indexer.segment import segment_document, sentence_spans

    documents, _ = load_corpus(Path("corpus"))
    texts = set()
    for document in documents:
        for chunk in segment_document(document):
            texts.add(chunk.text.strip())
            texts.update(document.text[start:end].strip() for start, end in sentence_spans(chunk))
    ordered = sorted(t for t in texts if t)
    picked = np.random.default_rng(seed).choice(len(ordered), size=min(count, len(ordered)), replace=False)
    return [ordered[i] for i in sorted(picked)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="int8 形式在本机的向量一致性与速度")
    parser.add_argument("--texts", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    from indexer import onnx_embed
    from indexer.embed import Embedder, _load_model, resolve_model_path
    from indexer.parity import cosines, cpu_features
    from indexer.threads import apply_thread_policy

    apply_thread_policy()
    texts = corpus_texts(args.texts)
    reference = Embedder(backend="torch").embed_batch(texts)
    model_path = resolve_model_path("m3e-small")
    folder, meta = onnx_embed.exported_model(model_path, lambda: _load_model("m3e-small"))
    kept = meta["int8_kept_fp32"]
    forms = {**onnx_embed.INT8_FORMS, FULL_RANGE: {"weight_type": "QInt8", "reduce_range": False}}
    encoders = {}
    with tempfile.TemporaryDirectory() as work:
        for name, settings in forms.items():
            graph_folder = Path(work) / str(len(encoders))
            graph_folder.mkdir()
            onnx_embed.quantize(folder / onnx_embed.FP32_FILE, graph_folder / onnx_embed.INT8_FILE, kept, settings)
            encoders[name] = onnx_embed.OnnxEncoder(graph_folder, model_path, quantized=True, max_tokens=meta["max_tokens"])
        encoders["fp32"] = onnx_embed.OnnxEncoder(folder, model_path, quantized=False, max_tokens=meta["max_tokens"])
        timings: dict[str, list[tuple[float, float]]] = {name: [] for name in encoders}
        vectors = {}
        for name, encoder in encoders.items():
            encoder.encode(texts[:32])  # warm-up: the first run allocates
        for _ in range(args.rounds):  # interleaved, so a busy spell hits every form alike
            for name, encoder in encoders.items():
                cpu, wall = time.process_time(), time.perf_counter()
                vectors[name] = encoder.encode(texts)
                timings[name].append((time.process_time() - cpu, time.perf_counter() - wall))
    features = cpu_features()
    print(f"{features['model']}（{', '.join(features['instruction_sets'])}），{len(texts)} 条 corpus/ 文本")
    print("| form | lowest / mean cosine to torch | texts per CPU-second | texts/s (wall) |\n|---|---|---|---|")
    for name in encoders:
        values = cosines(vectors[name], reference)
        cpu = min(c for c, _ in timings[name])
        wall = min(w for _, w in timings[name])
        print(f"| {name} | {values.min():.4f} / {values.mean():.4f} | {len(texts) / cpu:.1f} | {len(texts) / wall:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
