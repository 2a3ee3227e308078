"""Stored float16 vectors read as float32 through the table give NumPy's own cast, bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index.store.vectors import rows_float32


def test_every_half_float_reads_as_numpys_single_float_bit_for_bit() -> None:
    halves = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16).reshape(-1, 64)
    rows = np.array([0, 5, 5, 1023, 511, 2])  # any order, repeats: negatives, subnormals, inf and NaN pages
    got = rows_float32(halves, rows)
    assert got.dtype == np.float32 and got.flags.c_contiguous
    assert np.array_equal(got.view(np.uint32), halves[rows].astype(np.float32).view(np.uint32))
    every = rows_float32(halves, np.arange(len(halves)))
    assert np.array_equal(every.view(np.uint32), halves.astype(np.float32).view(np.uint32))


def test_memory_mapped_half_vectors_give_the_same_dot_products(tmp_path: Path) -> None:
    vectors = np.random.default_rng(1).normal(size=(300, 384)).astype(np.float16)
    np.save(tmp_path / "v.npy", vectors)
    mapped = np.load(tmp_path / "v.npy", mmap_mode="r")
    rows, query = np.array([7, 3, 299, 0]), np.random.default_rng(2).normal(size=384).astype(np.float32)
    expected = np.asarray(mapped[rows], dtype=np.float32) @ query
    assert np.array_equal(rows_float32(mapped, rows) @ query, expected)


def test_single_float_vectors_are_read_as_they_are() -> None:
    vectors = np.random.default_rng(3).normal(size=(10, 8)).astype(np.float32)
    assert np.array_equal(rows_float32(vectors, np.array([9, 1])), vectors[[9, 1]])
    assert rows_float32(vectors.astype(np.float64), np.array([2])).dtype == np.float32
