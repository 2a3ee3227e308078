"""Vectors kept between builds: a content key per text, and the cache that finds a text's vector by it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np


def text_keys(texts: Sequence[str]) -> np.ndarray:
    """A 64-bit content hash per text: the key under which its vector is cached between builds."""
    keys = np.empty(len(texts), dtype=np.uint64)
    for i, text in enumerate(texts):
        keys[i] = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
    return keys


class VectorCache:
    """Vectors already computed by the same model, found by text key (from the previous generation)."""

    def __init__(self, keys: Sequence[np.ndarray], vectors: Sequence[np.ndarray]) -> None:
        self._arrays = list(vectors)
        self._where: dict[int, tuple[int, int]] = {}
        for which, array in enumerate(keys):
            self._where.update((key, (which, row)) for row, key in enumerate(array.tolist()))

    def __len__(self) -> int:
        return len(self._where)

    def fill(self, keys: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Copy cached vectors into rows of `out`; returns the row numbers that still need embedding."""
        missing = []
        for row, key in enumerate(keys.tolist()):
            hit = self._where.get(key)
            if hit is None:
                missing.append(row)
            else:
                out[row] = self._arrays[hit[0]][hit[1]]
        return np.asarray(missing, dtype=np.int64)
