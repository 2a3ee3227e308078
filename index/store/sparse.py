"""The BM25 keyword index (bm25s): build, save, load, search."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import bm25s
import numpy as np

try:  # scipy's (private) C++ sparse kernels: bm25s already imports scipy.sparse
    from scipy.sparse import _sparsetools
except ImportError:  # pragma: no cover - only if a scipy release moves them
    _sparsetools = None

log = logging.getLogger(__name__)


class SparseIndex:
    """BM25 over pre-analysed documents; query terms unknown to the corpus are ignored."""

    def __init__(self, retriever: bm25s.BM25, size: int) -> None:
        self._retriever = retriever
        self.size = size
        # Plain views of the (memory-mapped) postings; a term's documents are in ascending order.
        self._data = np.asarray(retriever.scores["data"])
        self._indices = np.asarray(retriever.scores["indices"])
        self._indptr = np.asarray(retriever.scores["indptr"])
        self._scratch = threading.local()  # per thread: a score array reused by search()

    @classmethod
    def build(cls, documents: list[list[str]], k1: float = 1.5, b: float = 0.75) -> SparseIndex:
        """Index documents given as lists of analysed terms, with BM25 saturation k1 and length norm b."""
        retriever = bm25s.BM25(k1=k1, b=b)
        # bm25s cannot index an empty corpus; one empty document keeps the shapes valid.
        retriever.index(documents or [[]], show_progress=False)
        return cls(retriever, len(documents))

    def save(self, directory: Path) -> None:
        """Write the index files into `directory`."""
        self._retriever.save(str(directory), show_progress=False)
        (directory / "size.txt").write_text(str(self.size))

    @classmethod
    def load(cls, directory: Path, expected: int | None = None) -> SparseIndex:
        """Read an index written by `save`, memory-mapping the big arrays; ValueError when they do not fit
        together (or hold another number of documents than `expected`)."""
        retriever = bm25s.BM25.load(str(directory), mmap=True, show_progress=False, verbosity=0)
        index = cls(retriever, int((directory / "size.txt").read_text()))
        index._validate(expected)
        return index

    def _validate(self, expected: int | None) -> None:
        """Check the postings' sizes (ends only: nothing big is read)."""
        if expected is not None and self.size != expected:
            raise ValueError(f"{self.size} documents where {expected} were expected")
        if (
            len(self._indptr) == 0
            or len(self._indices) != len(self._data)
            or int(self._indptr[-1]) != len(self._indices)
        ):
            raise ValueError("the postings arrays do not fit together")

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every document for these terms."""
        return self._scores(terms, np.zeros(int(self._retriever.scores["num_docs"]), dtype=np.float32))

    def _scores(self, terms: list[str], out: np.ndarray) -> np.ndarray:
        """scores() summed into `out` (zeros, one per document of the bm25s index)."""
        known = [t for t in terms if t in self._retriever.vocab_dict]
        if not known or self.size == 0:
            return out[: self.size]
        if self._retriever.nonoccurrence_array is not None:  # BM25 variants with a non-occurrence score
            return np.asarray(self._retriever.get_scores(known)[: self.size], dtype=np.float32)
        for term in known:
            self._add_postings(out, self._retriever.vocab_dict[term])
        return out[: self.size]

    def _add_postings(self, scores: np.ndarray, column: int) -> None:
        """Add one term's BM25 scores to the documents it occurs in (float32, as bm25s's np.add.at)."""
        start, end = int(self._indptr[column]), int(self._indptr[column + 1])
        if _sparsetools is None:
            np.add.at(scores, self._indices[start:end], self._data[start:end])
            return
        # scipy's C++ sparse mat-vec over this one column: scores[doc] += score * 1.0, 2.5x faster than
        # np.add.at at 1M chunks and bit-for-bit the same sums (x * 1.0 is exact, added in the same order).
        span = np.array([0, end - start], dtype=self._indices.dtype)
        _sparsetools.csc_matvec(
            len(scores), 1, span, self._indices[start:end], self._data[start:end], _ONE, scores
        )

    def _zeroed_scratch(self) -> np.ndarray:
        """This thread's reusable score array, zeroed: at 1M chunks a fresh one costs ~3 ms in page faults."""
        size = int(self._retriever.scores["num_docs"])
        scratch = getattr(self._scratch, "scores", None)
        if scratch is None or len(scratch) != size:
            scratch = self._scratch.scores = np.zeros(size, dtype=np.float32)
        else:
            scratch.fill(0)
        return scratch

    def idf(self, terms: list[str]) -> np.ndarray:
        """Inverse document frequency of each term (0 for terms the corpus lacks)."""
        indptr = self._retriever.scores["indptr"]
        vocab = self._retriever.vocab_dict
        n = max(self.size, 1)
        out = np.zeros(len(terms), dtype=np.float32)
        for i, term in enumerate(terms):
            col = vocab.get(term)
            if col is not None:
                df = int(indptr[col + 1] - indptr[col])
                out[i] = np.log(1.0 + (n - df + 0.5) / (df + 0.5)) if df else 0.0
        return out

    def search(self, terms: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Ids and scores of the best k documents with a positive score, best first (ties by id)."""
        scores = self._scores(terms, self._zeroed_scratch())
        rows = top_k(scores, min(k, int(np.count_nonzero(scores > 0))))
        return best(rows, scores[rows], k)


def best(rows: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best of `rows` with a positive score, best first, ties by row."""
    keep = scores > 0
    rows, scores = rows[keep].astype(np.int64), scores[keep]
    order = np.lexsort((rows, -scores))[:k]
    return rows[order], scores[order]


_ONE = np.ones(1, dtype=np.float32)
_SAMPLE_STRIDE = 16


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Rows holding the k highest scores and every row tied with the k-th (unordered); exact, without
    partitioning every score."""
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    sample = scores[::_SAMPLE_STRIDE]
    if len(sample) <= k:
        floor = np.partition(scores, len(scores) - k)[len(scores) - k]
        return np.flatnonzero(scores >= floor)
    # The k-th best of a subset bounds the k-th best of all from below, so the rows at or above it hold the
    # top k: at 1M chunks 1.0 ms instead of 3.3 ms for argpartition over all (bench/README.md).
    floor = np.partition(sample, len(sample) - k)[len(sample) - k]
    rows = np.flatnonzero(scores >= floor)
    kth = np.partition(scores[rows], len(rows) - k)[len(rows) - k]
    return rows[scores[rows] >= kth]
