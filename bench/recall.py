"""Recall@10 of the approximate index types against exact search, on the vectors of a built index.

    .venv/bin/python -m bench.recall /tmp/newsquote-bench/100k/index [--queries 300]

Queries are stored chunk vectors with noise added (questions land near, not on, the passages).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np


def main() -> None:
    """Build flat and IVF-SQ8 over the same vectors; print recall@10 and per-query milliseconds."""
    from index.dense import DenseIndex
    from index.store import generation_path

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    generation = generation_path(args.index_dir)
    assert generation is not None
    stored = np.load(generation / "chunk_vectors.npy", mmap_mode="r")
    vectors = np.asarray(stored, dtype=np.float32)
    rng = np.random.default_rng(5)
    queries = vectors[rng.choice(len(vectors), args.queries, replace=False)]
    queries = queries + 0.05 * rng.normal(size=queries.shape).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact = DenseIndex.build(vectors, vectors.shape[1], exact_max=len(vectors))
    approx = DenseIndex.build(vectors, vectors.shape[1], exact_max=0)
    approx.attach_vectors(stored)
    import faiss

    faiss.omp_set_num_threads(1)  # as when serving
    truth, took_exact = _run(exact, queries)
    found, took_approx = _run(approx, queries)
    recall = np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found, strict=True)])
    print(f"vectors {len(vectors)}  {approx.kind} {approx.params}")
    print(f"recall@10 {recall:.4f}  exact {took_exact:.2f} ms/query  approximate {took_approx:.2f} ms/query")


def _run(index: object, queries: np.ndarray) -> tuple[list[list[int]], float]:
    t0 = time.perf_counter()
    ids = [index.search(q, 10)[0].tolist() for q in queries]  # type: ignore[attr-defined]
    return ids, (time.perf_counter() - t0) * 1000 / len(queries)


if __name__ == "__main__":
    main()
