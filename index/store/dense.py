"""The FAISS vector index over normalised embeddings (inner product = cosine), its type chosen by size."""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.store.vectors import rows_float32

log = logging.getLogger(__name__)

# Exact search over 20k 384-d vectors takes ~2-4 ms on one core; past it the scan grows linearly
# (14-27 ms at 100k), so larger indexes scan 4-bit product-quantised codes instead (bench/README.md).
EXACT_MAX = 20_000
FLAT = "flat-ip"
# Product quantisation with 2-d sub-vectors and 16 centroids each (4 bits), scanned with SIMD lookup
# tables (faiss "fast scan"), then the best candidates re-scored exactly from the stored float16 vectors.
# Unlike HNSW or IVF it needs no structure in the data: recall@10 0.99+ even on near-random vectors, a
# 100k build in ~5 s on 2 cores (HNSW: 33-74 s), and no graph to rebuild when one article changes.
PQ_FASTSCAN = "pq4fs-rerank"
# Past ~250k vectors even the 4-bit scan is memory-bound (~70 ms at 1M): an inverted file over k-means
# cells limits it to nprobe of nlist cells, with the same codes and exact re-ranking. nprobe = 5/16 nlist
# with 16 candidates per hit: recall@10 0.987 on the near-random hashing vectors at 1M (9 ms a question).
IVF_MIN = 250_000
IVF_PQ_FASTSCAN = "ivf-pq4fs-rerank"
HNSW = "hnsw-flat"  # not chosen automatically; kept for comparison (python -m bench.recall)
IVF_SQ8 = "ivf-sq8"  # chosen above 250k before PQ_FASTSCAN existed: such indexes still load and search
KINDS = (FLAT, PQ_FASTSCAN, IVF_PQ_FASTSCAN, HNSW, IVF_SQ8)
_RERANKED = (PQ_FASTSCAN, IVF_PQ_FASTSCAN, IVF_SQ8)
_IVF = (IVF_PQ_FASTSCAN, IVF_SQ8)
_TRAIN_PER_LIST = 40  # k-means needs ~40 points per centroid to be stable (faiss warns below 39)
_PQ_TRAIN = 4096  # faiss's k-means samples at most 256 points per centroid: 16 centroids -> 4096
_APPROX_MIN = 256  # 16 k-means points per PQ centroid at least; fewer vectors are always searched exactly

IndexParams = dict[str, int | float | str]


def choose_params(count: int, dimension: int = 384, exact_max: int | None = None) -> tuple[str, IndexParams]:
    """The index type and parameters for `count` vectors: exact while small, re-ranked PQ fast scan beyond."""
    if count <= max(EXACT_MAX if exact_max is None else exact_max, _APPROX_MIN):
        return FLAT, {}
    kind = PQ_FASTSCAN if count < IVF_MIN else IVF_PQ_FASTSCAN
    return kind, default_params(kind, count, dimension)


def default_params(kind: str, count: int, dimension: int) -> IndexParams:
    """Tuned parameters of one index type for `count` vectors of `dimension`."""
    if kind == PQ_FASTSCAN:
        # Re-ranking max(8k, 256) candidates: recall@10 0.99+ and recall@50 0.99 on near-random vectors.
        return {"m": _pq_m(dimension), "nbits": 4, "rerank": 8, "min_candidates": 256}
    if kind == IVF_PQ_FASTSCAN:
        nlist = _nlist(count)
        pq = default_params(PQ_FASTSCAN, count, dimension)
        # 5/16 of the cells and 16 re-ranked candidates per hit: recall@10 0.987 at 1M hashing vectors
        # (noisy queries, the Answerer's depth 50) where nlist/4 and 8 gave 0.971 (bench/README.md).
        return {"nlist": nlist, **pq, "nprobe": max(32, nlist * 5 // 16), "rerank": 16}
    if kind == HNSW:
        return {"M": 32, "ef_construction": 80, "ef_search": 512}
    if kind == IVF_SQ8:
        nlist = _nlist(count)
        return {"nlist": nlist, "nprobe": max(32, nlist // 4), "rerank": 8}
    return {}


def _pq_m(dimension: int) -> int:
    """Sub-quantisers: one per 2 dimensions (4 bits each), or one per dimension when it is odd."""
    return dimension // 2 if dimension % 2 == 0 else dimension


def _nlist(count: int) -> int:
    """Inverted-file cells: the power of two nearest sqrt(count)."""
    return 2 ** round(math.log2(math.sqrt(max(count, 1))))


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

    @property
    def native(self) -> Any:
        """The underlying FAISS index (benchmarks tune its search-time parameters)."""
        return self._index

    @classmethod
    def build(
        cls,
        vectors: np.ndarray,
        dimension: int,
        exact_max: int | None = None,
        *,
        kind: str | None = None,
        previous: DenseIndex | None = None,
    ) -> DenseIndex:
        """Index these vectors (row i gets id i); the type by their number unless `kind` is given.

        A `previous` index of the same type and parameters lends its trained quantiser (incremental builds).
        """
        if kind is None:
            kind, params = choose_params(len(vectors), dimension, exact_max)
        else:
            params = default_params(kind, len(vectors), dimension)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        serving_threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(os.cpu_count() or 1)  # training and adding are batch work: all cores
        try:
            index = _new_index(kind, params, vectors, dimension, previous)
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
        self._exact = vectors if self.kind in _RERANKED else None

    def save(self, path: Path) -> None:
        """Write the index to one file."""
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, kind: str = FLAT, params: IndexParams | None = None) -> DenseIndex:
        """Read an index written by `save`; IVF lists are memory-mapped, the rest read (small, or faster)."""
        flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if kind in _IVF else 0
        index = faiss.read_index(str(path), flags)
        dense = cls(index, kind, params)
        if kind in _IVF:
            faiss.extract_index_ivf(index).nprobe = int(dense.params.get("nprobe", 16))
        elif kind == HNSW:
            index.hnsw.efSearch = int(dense.params.get("ef_search", 512))  # type: ignore[attr-defined]
        return dense

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Ids and cosine scores of the k nearest vectors, best first."""
        k = min(k, self.size)
        if k == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        query = np.asarray(query, dtype=np.float32).reshape(1, -1)
        # One question at a time: OpenMP's thread hand-off costs far more than it saves on a single query
        # (measured 1.6 ms with one thread, 35-40 ms with two on a busy 2-core machine, 10k vectors). The
        # setting is per thread, and questions come from any thread (the bot's workers, a reload).
        if faiss.omp_get_max_threads() != 1:
            faiss.omp_set_num_threads(1)
        scores, ids = self._index.search(query, self._depth(k))
        keep = ids[0] >= 0
        ids, found = ids[0][keep].astype(np.int64), scores[0][keep]
        if self._exact is not None and len(ids):
            ids = np.sort(ids)  # ascending rows: sequential reads from the memory-mapped vectors
            found = rows_float32(self._exact, ids) @ query[0]
            order = np.argsort(-found, kind="stable")[:k]
            return ids[order], found[order]
        return ids[:k], found[:k]

    def _depth(self, k: int) -> int:
        """How many candidates to ask FAISS for: k, or more when they are re-ranked exactly."""
        if self._exact is None:
            return k
        wanted = max(k * int(self.params.get("rerank", 1)), int(self.params.get("min_candidates", 0)))
        return min(self.size, wanted)


def _new_index(
    kind: str, params: IndexParams, vectors: np.ndarray, dimension: int, previous: DenseIndex | None
) -> faiss.Index:
    """An empty, trained index of this kind."""
    if kind == FLAT:
        return faiss.IndexFlatIP(dimension)
    if kind in (PQ_FASTSCAN, IVF_PQ_FASTSCAN):
        return _trained_pq(kind, vectors, dimension, params, previous)
    if kind == HNSW:
        index = faiss.IndexHNSWFlat(dimension, int(params["M"]), faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = int(params["ef_construction"])
        index.hnsw.efSearch = int(params["ef_search"])
        return index
    if kind == IVF_SQ8:
        return _train_ivf(vectors, dimension, params)
    raise ValueError(f"unknown dense index type {kind!r}; known: {', '.join(KINDS)}")


def _trained_pq(
    kind: str, vectors: np.ndarray, dimension: int, params: IndexParams, previous: DenseIndex | None
) -> faiss.Index:
    """A (IVF-)PQ fast-scan index with trained codebooks: the previous index's when compatible, else new."""
    same = previous is not None and previous.kind == kind and previous.params == params
    if same and previous is not None and previous._index.d == dimension:
        # One changed article does not move 16 centroids per sub-space: skip k-means (seconds at 100k).
        index = faiss.clone_index(previous._index)
        index.reset()
        return index
    m, nbits = int(params["m"]), int(params["nbits"])
    if kind == PQ_FASTSCAN:
        index = faiss.IndexPQFastScan(dimension, m, nbits, faiss.METRIC_INNER_PRODUCT)
        sample = _PQ_TRAIN
    else:
        nlist = int(params["nlist"])
        spec = f"IVF{nlist},PQ{m}x{nbits}fs"
        index = faiss.index_factory(dimension, spec, faiss.METRIC_INNER_PRODUCT)
        faiss.extract_index_ivf(index).nprobe = int(params["nprobe"])
        sample = max(_PQ_TRAIN, nlist * _TRAIN_PER_LIST)
    if len(vectors):
        rows = np.random.default_rng(0).choice(len(vectors), size=min(len(vectors), sample), replace=False)
        threads = faiss.omp_get_max_threads()
        # Many tiny k-means runs (one per sub-space): two threads were slower than one (4.6 s vs 3.5 s).
        faiss.omp_set_num_threads(1)
        try:
            index.train(vectors[np.sort(rows)])
        finally:
            faiss.omp_set_num_threads(threads)
    return index


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
