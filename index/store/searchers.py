"""What the retrieval and ranking stages ask of an index engine's dense and keyword search."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class DenseSearch(Protocol):
    """Nearest chunks by cosine (FAISS in the embedded engine, a named vector in Qdrant)."""

    @property
    def size(self) -> int:
        """Number of chunks searched."""
        ...

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Chunk rows and cosine scores of the k nearest chunks, best first."""
        ...


class SparseSearch(Protocol):
    """BM25 over the chunks' analysed terms (bm25s in the embedded engine, a sparse vector in Qdrant)."""

    size: int

    def search(self, terms: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows and BM25 scores of the best k chunks with a positive score, best first (ties by row)."""
        ...

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every chunk for these terms."""
        ...

    def idf(self, terms: list[str]) -> np.ndarray:
        """Inverse document frequency of each term (0 for terms the corpus lacks)."""
        ...
