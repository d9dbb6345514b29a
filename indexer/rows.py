"""The rows of an index's vector files, written and read one at a time.

A question needs the vectors of its few hundred candidates, never all of them.
The files are neither loaded nor memory-mapped: through a mapping the kernel
maps the cached pages around each one read (64 KB), so after a few hundred
questions every page of the file counts in the process's resident memory, the
whole law collection's 1.45 GB included. A read (pread) leaves the pages in
the page cache, shared and reclaimable, and not in the process. A build
writes each vector straight into its row of the file (pwrite) for the same
reason: the vectors never need to be in memory all at once.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np


class VectorRows:
    """A 2-d `.npy` file of an index version, indexed like the array it holds
    (`rows[i]`, `rows[a:b]`, `rows[[i, j, …]]`, `np.asarray(rows)`), each read
    from the file. The file stays open: a version folder is never rewritten,
    and the open file survives the folder's removal by a later build."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._file = open(self.path, "rb")
        try:
            version = np.lib.format.read_magic(self._file)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, fortran_order, dtype = read_header(self._file)
            self._offset = self._file.tell()
        except BaseException:
            self._file.close()
            raise
        if len(shape) != 2 or fortran_order or dtype.hasobject:
            self._file.close()
            raise ValueError(f"{self.path} is not a C-ordered 2-d numeric array")
        self.shape: tuple[int, int] = (int(shape[0]), int(shape[1]))
        self.dtype = dtype
        self.ndim = 2
        self._row_bytes = self.shape[1] * dtype.itemsize
        expected = self._offset + self.shape[0] * self._row_bytes
        if os.fstat(self._file.fileno()).st_size != expected:
            self._file.close()
            raise ValueError(f"{self.path} is {os.fstat(self._file.fileno()).st_size} bytes, its header says {expected}")

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key) -> np.ndarray:
        if isinstance(key, (int, np.integer)):
            return self._rows(np.array([key], dtype=np.int64))[0]
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            return self._rows(np.arange(start, stop, step, dtype=np.int64))
        return self._rows(np.asarray(key, dtype=np.int64).reshape(-1))

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        whole = self._read_run(0, len(self))
        return whole if dtype is None else whole.astype(dtype, copy=False)

    def blocks(self, rows: int) -> Iterator[np.ndarray]:
        """Every row, `rows` at a time, in order."""
        for begin in range(0, len(self), rows):
            yield self._read_run(begin, min(begin + rows, len(self)))

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "VectorRows":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _rows(self, rows: np.ndarray) -> np.ndarray:
        """`rows` in the order given; consecutive rows (a clause's sentences) in one read."""
        rows = np.where(rows < 0, rows + len(self), rows)
        if len(rows) and (rows.min() < 0 or rows.max() >= len(self)):
            raise IndexError(f"row out of range for {len(self)} rows")
        order = np.argsort(rows, kind="stable")
        ordered = rows[order]
        breaks = np.flatnonzero(np.diff(ordered) != 1) + 1
        starts, ends = np.concatenate(([0], breaks)), np.concatenate((breaks, [len(rows)]))
        gathered = np.empty((len(rows), self.shape[1]), dtype=self.dtype)
        for start, end in zip(starts.tolist(), ends.tolist()):
            if end > start:
                self._read_into(gathered[start:end], int(ordered[start]))
        result = np.empty_like(gathered)
        result[order] = gathered
        return result

    def _read_run(self, begin: int, end: int) -> np.ndarray:
        out = np.empty((max(end - begin, 0), self.shape[1]), dtype=self.dtype)
        if len(out):
            self._read_into(out, begin)
        return out

    def _read_into(self, out: np.ndarray, first_row: int) -> None:
        view = memoryview(out).cast("B")
        position, done = self._offset + first_row * self._row_bytes, 0
        while done < len(view):
            read = os.preadv(self._file.fileno(), [view[done:]], position + done)
            if read <= 0:
                raise OSError(f"{self.path} ended early")
            done += read


class VectorFileWriter:
    """A float32 (rows, dimension) `.npy` file filled row by row, in any order.
    Rows never written read as zeros."""

    def __init__(self, path: Path, rows: int, dimension: int) -> None:
        self.path = Path(path)
        self.shape = (int(rows), int(dimension))
        header = {"descr": np.lib.format.dtype_to_descr(np.dtype("<f4")), "fortran_order": False, "shape": self.shape}
        self._file = open(self.path, "wb")
        np.lib.format.write_array_header_1_0(self._file, header)
        self._offset = self._file.tell()
        self._row_bytes = self.shape[1] * 4
        self._file.truncate(self._offset + self.shape[0] * self._row_bytes)
        self._file.flush()

    def write(self, rows: list[int], vector: np.ndarray) -> None:
        """`vector` into each of `rows`."""
        data = np.ascontiguousarray(vector, dtype="<f4").tobytes()
        if len(data) != self._row_bytes:
            raise ValueError(f"a row of {self.path.name} has {self.shape[1]} values, not {len(data) // 4}")
        for row in rows:
            if not 0 <= row < self.shape[0]:
                raise IndexError(f"row {row} out of range for {self.shape[0]} rows")
            os.pwrite(self._file.fileno(), data, self._offset + row * self._row_bytes)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "VectorFileWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def row_blocks(array, rows: int) -> Iterator[np.ndarray]:
    """The rows of a 2-d array or VectorRows, `rows` at a time."""
    if isinstance(array, VectorRows):
        yield from array.blocks(rows)
        return
    for begin in range(0, len(array), rows):
        yield np.asarray(array[begin : begin + rows])
