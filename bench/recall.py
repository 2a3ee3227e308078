"""Recall@10 and ms/query of the approximate index types against exact search, on the same vectors.

    .venv/bin/python -m bench.recall /tmp/newsquote-bench/100k/index [--queries 300]
    .venv/bin/python -m bench.recall --vectors cached.npy --queries held-out --kinds pq4fs-rerank hnsw-flat

Vectors: a built index's chunk vectors (INDEX_DIR), or any (n, d) .npy file (--vectors, e.g. MiniLM
embeddings computed once). Queries: `noisy` = stored vectors plus noise (questions land near, not on, the
passages); `held-out` = rows taken out of the indexed set (other real texts: the realistic case);
`random` = unit Gaussian vectors (nothing is near them: the worst case, like a MiniLM question
against hashing vectors). Each type is built once with its default parameters; --nprobe and --ef sweep
the search-time parameter of IVF and HNSW (--rerank the re-ranked candidates per hit with --nprobe).
Recall@10 is of the first 10 of `--depth` hits (default 50, as the Answerer asks: the re-ranked candidates
scale with it). Searches run on one thread, as when serving.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

import index  # noqa: F401  (before faiss loads: index/__init__.py sets the passive OpenMP wait policy)

DEFAULT_KINDS = ["pq4fs-rerank", "ivf-pq4fs-rerank", "hnsw-flat"]


def main() -> None:
    """Print one line per index type and search setting: build seconds, recall@10, ms/query."""
    import faiss

    from index.store.dense import FLAT, DenseIndex

    args = _parser().parse_args()
    stored, queries = _vectors_and_queries(args)
    vectors = np.asarray(stored, dtype=np.float32)
    print(f"vectors {len(vectors)} x {vectors.shape[1]}, {len(queries)} {args.query_mode} queries")
    exact = DenseIndex.build(vectors, vectors.shape[1], kind=FLAT)
    faiss.omp_set_num_threads(1)
    truth, took = _run(exact, queries)
    print(f"{FLAT}: {took:.2f} ms/query (exact)")
    for kind in args.kinds:
        t0 = time.perf_counter()
        approx = DenseIndex.build(vectors, vectors.shape[1], kind=kind)
        built = time.perf_counter() - t0
        approx.attach_vectors(stored)
        faiss.omp_set_num_threads(1)  # build() restores the serving thread count; make sure
        for setting, apply in _settings(approx, args):
            apply()
            found, took = _run(approx, queries, args.depth)
            recall = np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found, strict=True)])
            figures = f"build {built:.1f} s  recall@10 {recall:.4f}  {took:.2f} ms/query"
            print(f"{kind} {approx.params} {setting}: {figures}")


def _vectors_and_queries(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    """The indexed vectors (float16 as stored) and the normalised query vectors."""
    from index.store.generations import generation_path

    if args.vectors is not None:
        stored = np.load(args.vectors, mmap_mode="r")
    else:
        generation = generation_path(args.index_dir)
        assert generation is not None, f"no index in {args.index_dir}"
        stored = np.load(generation / "chunk_vectors.npy", mmap_mode="r")
    rng = np.random.default_rng(5)
    rows = rng.choice(len(stored), args.queries, replace=False)
    if args.query_mode == "held-out":
        queries = np.asarray(stored[np.sort(rows)], dtype=np.float32)
        stored = np.delete(np.asarray(stored), rows, axis=0)
    elif args.query_mode == "random":
        queries = rng.normal(size=(args.queries, stored.shape[1])).astype(np.float32)
    else:
        queries = np.asarray(stored[rows], dtype=np.float32)
        queries = queries + 0.05 * rng.normal(size=queries.shape).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    return np.asarray(stored, dtype=np.float16), queries


def _settings(dense: object, args: argparse.Namespace) -> list[tuple[str, Callable[[], None]]]:
    """(label, apply) for each search-time setting to try; one "defaults" entry when none is swept."""
    import faiss

    raw = dense.native  # type: ignore[attr-defined]
    kind: str = dense.kind  # type: ignore[attr-defined]
    if "ivf" in kind and args.nprobe:
        ivf = faiss.extract_index_ivf(raw)
        reranks = args.rerank or [dense.params.get("rerank")]  # type: ignore[attr-defined]
        return [
            (f"nprobe={n} rerank={r}", partial(_set_ivf, dense, ivf, n, r))
            for r in reranks
            for n in args.nprobe
        ]
    if kind.startswith("hnsw") and args.ef:
        return [(f"efSearch={n}", partial(setattr, raw.hnsw, "efSearch", n)) for n in args.ef]
    return [("defaults", lambda: None)]


def _set_ivf(dense: object, ivf: object, nprobe: int, rerank: object) -> None:
    ivf.nprobe = nprobe  # type: ignore[attr-defined]
    dense.params["rerank"] = rerank  # type: ignore[attr-defined]


def _run(dense: object, queries: np.ndarray, depth: int = 10) -> tuple[list[list[int]], float]:
    t0 = time.perf_counter()
    ids = [dense.search(q, depth)[0][:10].tolist() for q in queries]  # type: ignore[attr-defined]
    return ids, (time.perf_counter() - t0) * 1000 / len(queries)


def _parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("index_dir", type=Path, nargs="?")
    parser.add_argument("--vectors", type=Path, help="an (n, d) .npy of unit vectors instead of an index")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--depth", type=int, default=50, help="hits asked for (the Answerer asks 50); recall of the first 10"
    )
    parser.add_argument("--query-mode", choices=["noisy", "held-out", "random"], default="noisy")
    parser.add_argument("--kinds", nargs="+", default=DEFAULT_KINDS)
    parser.add_argument("--nprobe", type=int, nargs="*", default=[], help="IVF cells to visit (sweep)")
    parser.add_argument(
        "--rerank", type=int, nargs="*", default=[], help="re-ranked candidates per hit (sweep)"
    )
    parser.add_argument("--ef", type=int, nargs="*", default=[], help="HNSW efSearch (sweep)")
    return parser


if __name__ == "__main__":
    main()
