"""Build or update the index of a corpus folder."""
from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .embed import Embedder, configured_model
from .parity import index_probe_texts
from .embed_cache import EmbeddingCache
from .errors import PolicyQAError
from .listing_memo import remember_listing, skipped_if_listed
from .loaders import corpus_listing, load_corpus
from .rows import VectorFileWriter, VectorRows
from .segment import SEGMENTER_VERSION, embedding_text, enumeration_leads, segment_document, sentence_embedding_text, sentence_spans
from .store import (
    FORMAT_VERSION, MANIFEST, BuildSettings, clean_after_crash, corpus_hash, index_lock, open_version, text_hash, write_index,
)
from .tokenize import tokenize_batch, tokenizer_fingerprint
from .types import BuildReport, Chunk, Document
from .vectors import StoreSpec, drop_milvus_collections
from .versions import new_work_folder, version_folders

Progress = Callable[[float, str], None]
FLUSH_EVERY = 8  # batches between writes of the resume cache


def statute_title(document: Document) -> str:
    """A statute's articles are cited with the law's name (《中小企业促进法》第十条) and
    have no topical headings, so its title gives them their topic; a plan's items
    have headings that do (its long title in every item only blurs them: measured)."""
    return document.title if document.history else ""


def lexical_text(chunk: Chunk, title: str = "", lead: str = "") -> str:
    """What BM25 sees: the title names the law, the breadcrumb the industry or action an item belongs to."""
    return embedding_text(chunk, title, lead)


def settings_for(embedder: Embedder) -> BuildSettings:
    return BuildSettings(
        model_id=embedder.model_id,
        dimension=embedder.dimension,
        max_tokens=embedder.max_tokens,
        chunker=SEGMENTER_VERSION,
        tokenizer=tokenizer_fingerprint(),
    )


class KnownVectors:
    """Vectors already computed, by the hash of their text: the previous
    version's and an interrupted build's, each read from its file only when
    reused (the whole law collection's are 1.5 GB)."""

    def __init__(self) -> None:
        self._files: list[VectorRows] = []
        self._rows: dict[str, tuple[int, int]] = {}  # hash → (file, row)

    def add_file(self, rows: VectorRows, hashes: list[str]) -> None:
        number = len(self._files)
        self._files.append(rows)
        self._rows.update((digest, (number, row)) for row, digest in enumerate(hashes))

    def __contains__(self, digest: str) -> bool:
        return digest in self._rows

    def __getitem__(self, digest: str) -> np.ndarray:
        number, row = self._rows[digest]
        return self._files[number][row]

    def close(self) -> None:
        for rows in self._files:
            rows.close()


def _reusable_vectors(index_dir: Path, settings: BuildSettings) -> KnownVectors:
    """The previous build's vectors, when it used the same model; anything
    unreadable is simply not reused."""
    known = KnownVectors()
    try:
        # Fully verified: a damaged vector must never be carried into a new version.
        version = open_version(index_dir, full=True)
        manifest, folder = version.manifest, version.folder
        if manifest.get("model_id") != settings.model_id or manifest.get("dimension") != settings.dimension:
            return known
        with open(folder / "chunks.jsonl", encoding="utf-8") as f:
            hashes = [json.loads(line)["embed_hash"] for line in f if line.strip()]
        with open(folder / "sentence_hashes.json", encoding="utf-8") as f:
            sentence_hashes = json.load(f)
        files = [(VectorRows(folder / "embeddings.npy"), hashes), (VectorRows(folder / "sentence_embeddings.npy"), sentence_hashes)]
        if all(len(rows) == len(row_hashes) and rows.shape[1] == settings.dimension for rows, row_hashes in files):
            for rows, row_hashes in files:
                known.add_file(rows, row_hashes)
        else:
            for rows, _ in files:
                rows.close()
    except (PolicyQAError, OSError, ValueError, KeyError):
        pass
    return known


def _embed_all(
    texts: list[str],
    known: KnownVectors,
    embedder: Embedder,
    cache: EmbeddingCache,
    write: Callable[[list[int], np.ndarray], None],
    show_progress: bool,
    progress: Progress | None,
) -> list[str]:
    """Hand the vector of every text to `write(rows, vector)` (rows in `texts`'
    order) and return each text's hash. Vectors in `known` are reused; every
    other distinct text is embedded once, written to all its rows (into files:
    the whole collection's vectors are ~1.5 GB, never all in memory) and into
    the resume cache, flushed every FLUSH_EVERY batches. Texts go shortest
    first, so each batch pads little; the bar counts characters, which is what
    the time follows, so its ETA holds although batches grow longer."""
    hashes = [text_hash(text) for text in texts]
    rows_of: dict[str, list[int]] = {}
    for row, digest in enumerate(hashes):
        rows_of.setdefault(digest, []).append(row)
    for digest in [digest for digest in rows_of if digest in known]:
        write(rows_of.pop(digest), known[digest])
    order = sorted(rows_of, key=lambda digest: len(texts[rows_of[digest][0]]))
    group = embedder.batch_size * FLUSH_EVERY
    with tqdm(
        total=sum(len(texts[rows_of[digest][0]]) for digest in order), unit="字", unit_scale=True, desc="嵌入条款与句子",
        disable=not show_progress or not order, dynamic_ncols=True,
    ) as bar:
        for begin in range(0, len(order), group):
            part = order[begin : begin + group]
            part_texts = [texts[rows_of[digest][0]] for digest in part]
            embedded = embedder.embed_batch(part_texts)
            for digest, vector in zip(part, embedded):
                write(rows_of[digest], vector)
            cache.add(part, embedded)
            cache.flush()
            done = begin + len(part)
            bar.update(sum(map(len, part_texts)))
            bar.set_postfix_str(f"{done}/{len(order)} 段")
            if progress:
                progress(done / len(order), f"已嵌入 {done}/{len(order)} 段")
    return hashes


def _intact_manifest(index_dir: Path) -> dict | None:
    """The current version's manifest when the version is intact (every
    checksum; files untouched since they were published are trusted) and of
    this format; None otherwise."""
    try:
        version = open_version(index_dir, full=True, trust_unmodified=True)
    except PolicyQAError:
        return None
    if version.warning or version.manifest.get("format_version") != FORMAT_VERSION:
        return None
    return version.manifest


def _same_store(manifest: dict, store: StoreSpec | None) -> bool:
    """None asks for the index's own store, whichever it is."""
    return "vector_store" in manifest and (store is None or StoreSpec.of_manifest(manifest) == store)


def _same_settings(manifest: dict, embedder: Embedder | None) -> bool:
    """Whether the manifest's BuildSettings are this build's. Without an
    embedder the model is known by its id (its dimension and length limit come
    with it), so a current index is recognised without loading the model."""
    if embedder:
        expected = asdict(settings_for(embedder))
    else:
        expected = {"model_id": configured_model(), "chunker": SEGMENTER_VERSION, "tokenizer": tokenizer_fingerprint()}
    return all(manifest.get(key) == value for key, value in expected.items())


def _matching_manifest(index_dir: Path, embedder: Embedder | None, store: StoreSpec | None) -> dict | None:
    """The current version's manifest when the version is intact and was built
    with these settings into `store`; whether from the same corpus is the
    caller's question (by listing, or by every document's hash)."""
    manifest = _intact_manifest(index_dir)
    if manifest is None or not _same_settings(manifest, embedder) or not _same_store(manifest, store):
        return None
    return manifest


def _current_report(manifest: dict, index_dir: Path, skipped: list[str], started: float) -> BuildReport:
    """The report of a build that found its index current; the resume cache,
    of no use now, goes."""
    EmbeddingCache(index_dir, manifest["model_id"], manifest["dimension"]).clear()
    counts = manifest["counts"]
    return BuildReport(documents=counts["documents"], chunks=counts["chunks"], skipped=skipped,
                       seconds=time.perf_counter() - started)


def _previous_store(index_dir: Path) -> dict:
    """The current version's "vector_store" entry, {} when there is none."""
    try:
        return open_version(index_dir).manifest.get("vector_store") or {}
    except PolicyQAError:
        return {}


def _stores_by_version(index_dir: Path) -> dict[str, dict]:
    """Each version folder's "vector_store" entry, read without verifying:
    only used to drop a Milvus server's collections with their version."""
    entries = {}
    for folder in version_folders(index_dir):
        try:
            entries[folder.name] = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("vector_store") or {}
        except (OSError, ValueError, AttributeError):
            continue
    return entries


def _row_writer(clauses: int, clause_file: VectorFileWriter, sentence_file: VectorFileWriter):
    """`write(rows, vector)` over the clause rows then the sentence rows, as one sequence."""

    def write(rows: list[int], vector: np.ndarray) -> None:
        clause_rows = [row for row in rows if row < clauses]
        sentence_rows = [row - clauses for row in rows if row >= clauses]
        if clause_rows:
            clause_file.write(clause_rows, vector)
        if sentence_rows:
            sentence_file.write(sentence_rows, vector)

    return write


def segment_corpus(documents: list[Document], embedder: Embedder) -> list[Chunk]:
    chunks: list[Chunk] = []
    for document in documents:
        chunks.extend(segment_document(document, fits=embedder.fits))
    return chunks


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder | None = None,
    rebuild: bool = False,
    show_progress: bool = True,
    extract_facts: Callable[[list[Document], list[Chunk]], dict] | None = None,
    progress: Progress | None = None,
    store: StoreSpec | None = None,
) -> BuildReport:
    """Index every readable document of `corpus_dir` into `index_dir`.

    Unchanged chunks reuse their vectors unless `rebuild`; an index that is
    already current is left as it is. `store` says where the vectors are
    searched; None keeps the existing index's store (FAISS for a new one).
    Embedding shows a progress bar (when `show_progress`) and calls
    `progress(fraction, message)` after every few batches; a build killed
    while embedding resumes from what it had embedded.
    Unreadable files are reported in
    `BuildReport.skipped`, never fatal. Raises EmptyCorpusError when nothing
    is readable, ModelUnavailableError when the model cannot load, IndexBusyError
    when another process is writing the index.
    """
    started = time.perf_counter()
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    # Listed before reading: a file changed during the build differs next time.
    listing = corpus_listing(corpus_dir)
    if not rebuild and index_dir.is_dir():
        with index_lock(index_dir):
            clean_after_crash(index_dir)
            manifest = _matching_manifest(index_dir, embedder, store)
        if manifest is not None and listing:
            skipped = skipped_if_listed(manifest, index_dir, listing)
            if skipped is not None:
                return _current_report(manifest, index_dir, skipped, started)
    # Read first: an empty corpus is refused before the index folder is created.
    documents, skipped = load_corpus(corpus_dir)
    # One writer at a time, from reading the old version to publishing the new.
    with index_lock(index_dir):
        clean_after_crash(index_dir)
        return _build(
            documents, skipped, listing, index_dir, embedder, rebuild, show_progress, extract_facts, store, progress, started
        )


def _build(
    documents: list[Document],
    skipped: list[str],
    listing: str,
    index_dir: Path,
    embedder: Embedder | None,
    rebuild: bool,
    show_progress: bool,
    extract_facts: Callable[[list[Document], list[Chunk]], dict] | None,
    store: StoreSpec | None,
    progress: Progress | None,
    started: float,
) -> BuildReport:
    previous_store = _previous_store(index_dir)
    store = store or (StoreSpec.of_manifest({"vector_store": previous_store}) if previous_store else StoreSpec())
    manifest = None if rebuild else _matching_manifest(index_dir, embedder, store)
    if manifest is not None and manifest.get("corpus_hash") == corpus_hash(documents):
        remember_listing(index_dir, listing, manifest["corpus_hash"], skipped)
        return _current_report(manifest, index_dir, skipped, started)
    embedder = embedder or Embedder()
    settings = settings_for(embedder)
    report = BuildReport(documents=len(documents), skipped=skipped)
    # The resume cache lives beside the index folder, outside its checksummed
    # versions; like a killed writer's other leftovers it goes once it is of no
    # use: when the index turns out current, or when the new version is written.
    cache = EmbeddingCache(index_dir, settings.model_id, settings.dimension)

    chunks = segment_corpus(documents, embedder)
    documents_by_id = {document.doc_id: document for document in documents}
    sentences = [(position, start, end) for position, chunk in enumerate(chunks) for start, end in sentence_spans(chunk)]
    sentence_texts = [
        sentence_embedding_text(
            chunks[position], documents_by_id[chunks[position].doc_id].text[start:end], statute_title(documents_by_id[chunks[position].doc_id])
        )
        for position, start, end in sentences
    ]
    # Vectors of the previous index (unless rebuilding) and of an interrupted
    # run of this build, which a rebuild continues as well.
    known = KnownVectors() if rebuild else _reusable_vectors(index_dir, settings)
    stores_before = _stores_by_version(index_dir)
    for rows, row_hashes in cache.load():
        known.add_file(rows, row_hashes)
    leads = enumeration_leads(chunks)
    chunk_texts = [embedding_text(c, statute_title(documents_by_id[c.doc_id]), lead) for c, lead in zip(chunks, leads)]
    # The report counts clauses (what the user added), not their sentences.
    embedded = len({digest for digest in map(text_hash, chunk_texts) if digest not in known})
    # Vectors go straight into the index's two files, in a work folder that
    # write_index moves into the new version (and a crash leaves for
    # clean_after_crash); they are never all in memory.
    staging = new_work_folder(index_dir)
    try:
        clause_file = VectorFileWriter(staging / "embeddings.npy", len(chunks), settings.dimension)
        sentence_file = VectorFileWriter(staging / "sentence_embeddings.npy", len(sentences), settings.dimension)
        with clause_file, sentence_file:
            all_hashes = _embed_all(
                chunk_texts + sentence_texts, known, embedder, cache,
                _row_writer(len(chunks), clause_file, sentence_file), show_progress, progress,
            )
        # The previous version's vectors and the texts embedded (0.1 GB for
        # the whole law collection) go before the indexes are written.
        known.close()
        del known, chunk_texts, sentence_texts
        hashes, sentence_hashes = all_hashes[: len(chunks)], all_hashes[len(chunks) :]
        tokens = tokenize_batch([
            lexical_text(chunk, statute_title(documents_by_id[chunk.doc_id]), lead) for chunk, lead in zip(chunks, leads)
        ])
        facts = extract_facts(documents, chunks) if extract_facts else {}
        write_index(
            index_dir, settings, documents, chunks, hashes, clause_file.path, tokens,
            np.array(sentences, dtype=np.int64).reshape(-1, 3), sentence_hashes, sentence_file.path, facts, store,
            embed_backend=embedder.backend, corpus_files=listing, skipped=skipped,
            probe_vectors=embedder.embed_batch(index_probe_texts()),
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    cache.clear()  # the index now holds every vector
    # A Milvus server keeps a version's collections until that version is
    # removed (the previous one stays as the fallback while the new one is current).
    kept = {folder.name for folder in version_folders(index_dir)}
    for name, entry in stores_before.items():
        if name not in kept:
            drop_milvus_collections(entry)
    report.embedded = embedded
    report.chunks = len(chunks)
    report.seconds = time.perf_counter() - started
    return report
