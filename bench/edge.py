"""The real Qdrant engine in process (qdrant-edge-py, beta) over an embedded index's chunks: speed and recall.

    .venv/bin/python -m bench.edge /tmp/newsquote-bench/10k/embedded-index QUESTIONS.txt [--model hashing:384]

Reads the chunk vectors and BM25 terms of a built embedded index, writes them as points exactly as the
qdrant engine does (dense vector, dot product; sparse BM25 weights from our analyzer with the IDF modifier),
lets the shard build its HNSW graph, then times dense and BM25 queries of depth 50 for the questions and
compares them with exact dense search and with bm25s. Each point also carries its article's `date` (indexed,
as on a server), and the date pushdown's request (index/retrieval/date_pushdown.py: dense and BM25 within
one year, 2015 + question number mod 10, depth 2 x 2 + 16) is timed beside the unfiltered queries. A
measurement only: the engine talks to qdrant-client (server or its local mode); this shows what Qdrant's own
search costs on this machine without a network hop.
Needs `pip install qdrant-edge-py==0.9.0`.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import load_questions, percentiles


def main() -> None:
    """Load the index, fill an edge shard, query it, print one JSON object."""
    args = _parser().parse_args()
    from index.embedding.factory import make_embedder
    from index.retrieval.intent import QueryIntent
    from index.store.generations import generation_path, load_snapshot, read_terms
    from index.store.qdrant_search import SparseStats
    from index.text.analysis import analyze_query
    from index.text.language import detect_language

    generation = generation_path(args.index_dir)
    assert generation is not None, f"no index in {args.index_dir}"
    snap = load_snapshot(generation)
    vectors = np.asarray(snap.data.chunk_vectors, dtype=np.float32)
    docs = read_terms(generation / "terms") or []
    stats = SparseStats.build(docs)
    embedder = make_embedder(args.model)
    questions = [" ".join(q.split()) for q in load_questions(args.questions)][: args.limit]
    asked = [
        (embedder.embed_query(q), QueryIntent(q, detect_language(q), analyze_query(q)).terms)
        for q in questions
    ]
    dates = chunk_dates(snap)
    with tempfile.TemporaryDirectory(prefix="edge-") as tmp:
        shard, build_s, disk = fill_shard(
            Path(tmp) / "shard", vectors, docs, stats, args.m, args.ef_construct, dates
        )
        figures = {"chunks": len(vectors), "build_s": build_s, "shard_mib": disk}
        figures.update(query_figures(shard, snap, vectors, stats, asked, args.ef))
        figures["date_filtered"] = filtered_figures(shard, stats, asked, dates, args.ef)
        shard.close()
    print(json.dumps(figures, indent=2))


def chunk_dates(snap: Any) -> list[str | None]:
    """Each chunk's article date as the qdrant engine's payload has it (None when undated)."""
    by_article = [f"{a.date.isoformat()}T00:00:00Z" if a.date else None for a in snap.data.articles]
    return [by_article[int(row)] for row in np.asarray(snap.data.chunks[:, 0])]


def fill_shard(
    path: Path,
    vectors: np.ndarray,
    docs: list[list[str]],
    stats: Any,
    m: int,
    ef_construct: int,
    dates: list[str | None],
) -> tuple[Any, float, float]:
    """Upsert every chunk, build the indexes; the shard, seconds taken and MiB on disk."""
    import qdrant_edge as qe

    config = qe.EdgeConfig(
        vectors={"dense": qe.EdgeVectorParams(size=vectors.shape[1], distance=qe.Distance.Dot)},
        sparse_vectors={"bm25": qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        hnsw_config=qe.HnswIndexConfig(m=m, ef_construct=ef_construct, full_scan_threshold=1000),
    )
    t0 = time.perf_counter()
    shard = qe.EdgeShard.create(str(path), config)
    shard.update(qe.UpdateOperation.create_field_index("date", qe.PayloadSchemaType.Datetime))
    for start in range(0, len(vectors), 1024):
        points = []
        for row in range(start, min(len(vectors), start + 1024)):
            indices, values = stats.weights(docs[row])
            sparse = qe.SparseVector(indices=indices, values=values)
            vector = {"dense": vectors[row].tolist(), "bm25": sparse}
            points.append(qe.Point(row, vector, {"date": dates[row]}))
        shard.update(qe.UpdateOperation.upsert_points(points))
    shard.optimize()  # builds the HNSW graph and the sparse inverted index
    shard.flush()
    seconds = time.perf_counter() - t0
    disk = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20
    return shard, seconds, disk


def query_figures(
    shard: Any, snap: Any, vectors: np.ndarray, stats: Any, asked: list[tuple[np.ndarray, list[str]]], ef: int
) -> dict[str, Any]:
    """Latency of dense and BM25 queries of 50, recall@10 against exact search, BM25 agreement with bm25s."""
    import qdrant_edge as qe

    dense_ms, sparse_ms, recall, bm25_same = [], [], [], []
    params = qe.SearchParams(hnsw_ef=ef)
    for vector, terms in asked:
        t0 = time.perf_counter()
        hits = shard.query(
            qe.QueryRequest(limit=50, query=qe.Query.Nearest(vector.tolist(), using="dense"), params=params)
        )
        dense_ms.append((time.perf_counter() - t0) * 1000)
        truth = np.argsort(-(vectors @ vector), kind="stable")[:10]
        recall.append(len({int(h.id) for h in hits[:10]} & set(truth.tolist())) / 10)
        indices, values = stats.query(terms)
        if not indices:
            continue
        t0 = time.perf_counter()
        query = qe.Query.Nearest(qe.SparseVector(indices=indices, values=values), using="bm25")
        found = shard.query(qe.QueryRequest(limit=50, query=query))
        sparse_ms.append((time.perf_counter() - t0) * 1000)
        rows, _ = snap.sparse.search(terms, 10)
        bm25_same.append(len({int(h.id) for h in found[:10]} & set(rows.tolist())) / max(len(rows), 1))
    return {
        "dense_ms": percentiles(dense_ms),
        "bm25_ms": percentiles(sparse_ms),
        "dense_recall_at_10": float(np.mean(recall)),
        "bm25_top10_overlap_with_bm25s": float(np.mean(bm25_same)) if bm25_same else None,
        "hnsw_ef": ef,
    }


def filtered_figures(
    shard: Any, stats: Any, asked: list[tuple[np.ndarray, list[str]]], dates: list[str | None], ef: int
) -> dict[str, Any]:
    """Latency of the date pushdown's two filtered queries, and whether they return only in-range chunks."""
    import qdrant_edge as qe

    from index.store.qdrant_search import STRAY_MARGIN, TIE_MARGIN

    limit = 2 * TIE_MARGIN + STRAY_MARGIN
    params = qe.SearchParams(hnsw_ef=ef)
    dense_ms, sparse_ms, in_range = [], [], []
    for number, (vector, terms) in enumerate(asked):
        year = 2015 + number % 10
        span = qe.RangeDateTime(gte=f"{year}-01-01T00:00:00Z", lte=f"{year}-12-31T23:59:59Z")
        dated = qe.Filter(must=[qe.FieldCondition(key="date", range=span)])
        query = qe.Query.Nearest(vector.tolist(), using="dense")
        t0 = time.perf_counter()
        hits = shard.query(qe.QueryRequest(limit=limit, query=query, filter=dated, params=params))
        dense_ms.append((time.perf_counter() - t0) * 1000)
        in_range += [str(dates[int(h.id)] or "").startswith(str(year)) for h in hits]
        indices, values = stats.query(terms)
        if indices:
            sparse = qe.Query.Nearest(qe.SparseVector(indices=indices, values=values), using="bm25")
            t0 = time.perf_counter()
            shard.query(qe.QueryRequest(limit=limit, query=sparse, filter=dated))
            sparse_ms.append((time.perf_counter() - t0) * 1000)
    return {
        "dense_ms": percentiles(dense_ms),
        "bm25_ms": percentiles(sparse_ms) if sparse_ms else None,
        "hits_in_range": float(np.mean(in_range)) if in_range else None,
        "limit": limit,
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "index_dir", type=Path, help="a built embedded index (e.g. bench.engines' embedded-index)"
    )
    parser.add_argument("questions", type=Path, help="one question per line")
    parser.add_argument("--model", default="hashing:384", help="the model the index was built with")
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--m", type=int, default=16, help="HNSW links per node (Qdrant's default)")
    parser.add_argument("--ef-construct", type=int, default=100, help="Qdrant's default")
    parser.add_argument("--ef", type=int, default=128, help="HNSW search breadth")
    return parser


if __name__ == "__main__":
    main()
