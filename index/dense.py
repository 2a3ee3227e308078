"""The FAISS vector index over normalised embeddings (inner product = cosine), its type chosen by size."""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path

import faiss
import numpy as np

log = logging.getLogger(__name__)

# Exact search over this many 384-d vectors stays within a few milliseconds on two cores; past it,
# an inverted file with 8-bit codes keeps latency flat and memory at a quarter of float32.
EXACT_MAX = 250_000
FLAT = "flat-ip"
IVF_SQ8 = "ivf-sq8"
_TRAIN_PER_LIST = 40  # k-means needs ~40 points per centroid to be stable (faiss warns below 39)

IndexParams = dict[str, int | float | str]


def choose_params(count: int, exact_max: int | None = None) -> tuple[str, IndexParams]:
    """The index type and parameters for `count` vectors: exact while small, IVF-SQ8 beyond."""
    if count <= (EXACT_MAX if exact_max is None else exact_max):
        return FLAT, {}
    nlist = 2 ** round(math.log2(math.sqrt(count)))
    # nprobe = nlist/4 plus exact re-ranking: recall@10 >= 0.98 on clustered vectors (tests/test_dense.py);
    # near-random vectors need nlist/2 (bench/README.md).
    return IVF_SQ8, {"nlist": nlist, "nprobe": max(32, nlist // 4), "rerank": 8}


class DenseIndex:
    """Inner-product search; vectors must be L2-normalised float32."""

    def __init__(self, index: faiss.Index, kind: str = FLAT, params: IndexParams | None = None) -> None:
        self._index = index
        self.kind = kind
        self.params: IndexParams = dict(params or {})
        # Stored vectors (float16, usually memory-mapped) re-score approximate candidates exactly.
        self._exact: np.ndarray | None = None

    @property
    def size(self) -> int:
        """Number of vectors."""
        return int(self._index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray, dimension: int, exact_max: int | None = None) -> DenseIndex:
        """Index these vectors (row i gets id i), choosing the index type by their number."""
        kind, params = choose_params(len(vectors), exact_max)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        serving_threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(os.cpu_count() or 1)  # training and adding are batch work: all cores
        try:
            if kind == FLAT:
                index: faiss.Index = faiss.IndexFlatIP(dimension)
            else:
                index = _train_ivf(vectors, dimension, params)
            if len(vectors):
                index.add(vectors)
        finally:
            faiss.omp_set_num_threads(serving_threads)
        dense = cls(index, kind, params)
        dense.attach_vectors(vectors)
        log.info("Dense index %s %s over %d vectors", kind, params, len(vectors))
        return dense

    def attach_vectors(self, vectors: np.ndarray) -> None:
        """Use these stored vectors (row = id) to re-rank approximate results exactly."""
        self._exact = vectors if self.kind != FLAT else None

    def save(self, path: Path) -> None:
        """Write the index to one file."""
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, kind: str = FLAT, params: IndexParams | None = None) -> DenseIndex:
        """Read an index written by `save`; inverted lists are memory-mapped, flat vectors read (faster)."""
        flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if kind == IVF_SQ8 else 0
        index = faiss.read_index(str(path), flags)
        # One question at a time: OpenMP's thread hand-off costs far more than it saves on a single query
        # (measured 1.6 ms with one thread, 35-40 ms with two on a busy 2-core machine, 10k vectors).
        faiss.omp_set_num_threads(1)
        dense = cls(index, kind, params)
        if kind == IVF_SQ8:
            faiss.extract_index_ivf(index).nprobe = int(dense.params.get("nprobe", 16))
        return dense

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Ids and cosine scores of the k nearest vectors, best first."""
        k = min(k, self.size)
        if k == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        query = np.asarray(query, dtype=np.float32).reshape(1, -1)
        depth = k if self._exact is None else min(self.size, k * int(self.params.get("rerank", 1)))
        scores, ids = self._index.search(query, depth)
        keep = ids[0] >= 0
        ids, found = ids[0][keep].astype(np.int64), scores[0][keep]
        if self._exact is not None and len(ids):
            found = np.asarray(self._exact[np.sort(ids)], dtype=np.float32) @ query[0]
            ids = np.sort(ids)
            order = np.argsort(-found, kind="stable")[:k]
            return ids[order], found[order]
        return ids[:k], found[:k]


def _train_ivf(vectors: np.ndarray, dimension: int, params: IndexParams) -> faiss.Index:
    nlist = int(params["nlist"])
    quantizer = faiss.IndexFlatIP(dimension)
    index = faiss.IndexIVFScalarQuantizer(
        quantizer, dimension, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    sample = min(len(vectors), nlist * _TRAIN_PER_LIST)
    rows = np.random.default_rng(0).choice(len(vectors), size=sample, replace=False)
    index.train(vectors[np.sort(rows)])
    index.nprobe = int(params["nprobe"])
    return index
