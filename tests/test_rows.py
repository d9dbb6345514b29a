"""The index's vector files are read row by row when asked for, never mapped:
a mapping would leave every page a question passed resident in the process."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.rows import VectorFileWriter, VectorRows, row_blocks
from indexer.store import load_index


@pytest.fixture()
def stored(tmp_path: Path) -> tuple[np.ndarray, VectorRows]:
    array = np.random.default_rng(0).standard_normal((257, 12)).astype(np.float32)
    np.save(tmp_path / "vectors.npy", array)
    rows = VectorRows(tmp_path / "vectors.npy")
    yield array, rows
    rows.close()


def test_rows_read_as_the_array_they_hold(stored):
    array, rows = stored
    assert rows.shape == array.shape and len(rows) == len(array) and rows.dtype == array.dtype
    assert np.array_equal(rows[5], array[5]) and np.array_equal(rows[-1], array[-1])
    assert np.array_equal(rows[10:20], array[10:20]) and np.array_equal(rows[::7], array[::7])
    # Unsorted, repeated and consecutive rows (one read per run) come back in the order asked.
    wanted = np.array([200, 3, 4, 5, 3, 256, 0, 201, 202])
    assert np.array_equal(rows[wanted], array[wanted])
    assert rows[np.array([], dtype=np.int64)].shape == (0, 12)
    assert np.array_equal(np.asarray(rows), array)
    assert np.array_equal(np.concatenate(list(row_blocks(rows, 100))), array)
    assert np.array_equal(np.concatenate(list(row_blocks(array, 100))), array)
    with pytest.raises(IndexError):
        rows[np.array([0, 257])]


def test_a_file_written_row_by_row_in_any_order_loads_as_the_array(tmp_path: Path):
    array = np.random.default_rng(1).standard_normal((40, 6)).astype(np.float32)
    array[7] = array[30]  # one vector written to two rows at once, as a repeated text's is
    with VectorFileWriter(tmp_path / "v.npy", 40, 6) as writer:
        for row in np.random.default_rng(2).permutation(40).tolist():
            if row not in (7, 30):
                writer.write([row], array[row])
        writer.write([30, 7], array[30])
        with pytest.raises(ValueError):
            writer.write([0], np.zeros(5, dtype=np.float32))
        with pytest.raises(IndexError):
            writer.write([40], array[0])
    assert np.array_equal(np.load(tmp_path / "v.npy"), array)
    with VectorRows(tmp_path / "v.npy") as rows:
        assert np.array_equal(rows[[30, 7]], array[[30, 7]])


def test_a_file_that_is_not_a_whole_matrix_is_refused(tmp_path: Path):
    np.save(tmp_path / "flat.npy", np.zeros(8, dtype=np.float32))
    with pytest.raises(ValueError):
        VectorRows(tmp_path / "flat.npy")
    np.save(tmp_path / "cut.npy", np.zeros((10, 4), dtype=np.float32))
    with open(tmp_path / "cut.npy", "r+b") as f:
        f.truncate(f.seek(0, 2) - 16)
    with pytest.raises(ValueError):
        VectorRows(tmp_path / "cut.npy")


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux /proc")
def test_answering_maps_no_vector_file(plan_index: Path, assistant):
    """After questions, no .npy file of the index is mapped into the process,
    every sentence weighed had its vector read from the index (none embedded
    again), and the rows match what was written."""
    for question in ("牵头单位是谁？", "我们是做工业机器人的，文件里有什么支持？", "联系电话是多少？"):
        assert assistant.ask(question).hits
    assert assistant.composer.fresh_vectors == {}
    folder = assistant.index.folder
    mapped = {line.split()[-1] for line in Path("/proc/self/maps").read_text().splitlines() if str(folder) in line}
    assert not [path for path in mapped if path.endswith(".npy")], mapped
    written = np.load(folder / "sentence_embeddings.npy")
    assert np.array_equal(np.asarray(load_index(plan_index).sentence_embeddings), written)
