"""What pushing a question's years down into Qdrant buys, against re-ranking a deeper unfiltered list.

    .venv/bin/python -m bench.date_pushdown QDRANT_INDEX EMBEDDED_INDEX QUESTIONS.txt [--model hashing:384]

Each question gets a year (" in 2015" ... " in 2024", in turn: the synthetic articles are dated 2015-2024).
Per question: whether the first `--window` hits (the chunks the ranking scores: 12 for English questions,
5 for Spanish) hold a chunk of an article dated that year, without and with the pushdown
(index/retrieval/date_pushdown.py); how long the retrieval takes each way, and the filtered request alone;
and the alternative that needs no date filter, re-ranking a deeper unfiltered list (depth 500 instead of
50), timed on both engines. Indexes as
`bench.engines` leaves them (WORK/SIZE/qdrant-index, embedded-index); the qdrant one in process.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import load_questions, percentiles

DEEP = 500  # the unfiltered depth a re-ranking alternative would read


def main() -> None:
    """Ask every question with a year on both indexes; print the figures."""
    args = _parser().parse_args()
    from index.embedding.factory import make_embedder
    from index.retrieval.intent import read_intent
    from index.store.engine import EmbeddedEngine
    from index.store.handle import IndexHandle
    from index.store.qdrant_engine import open_engine

    embedder = make_embedder(args.model)
    questions = load_questions(args.questions)[: args.limit]
    asked = [f"{q.rstrip('?')} in {2015 + i % 10}?" for i, q in enumerate(questions)]
    intents = [read_intent(q, dt.date(2026, 12, 5)) for q in asked]
    vectors = [embedder.embed_query(q) for q in asked]
    engine = open_engine(None, None, args.alias, args.qdrant_index)
    try:
        served = IndexHandle(args.qdrant_index, embedder.name, engine=engine).reload()
        assert served is not None, f"no qdrant index in {args.qdrant_index}"
        figures: dict[str, Any] = {"questions": len(asked), "chunks": served.manifest.chunks}
        figures["qdrant"] = measure(served, vectors, intents, args.window)
    finally:
        engine.close()
    embedded = IndexHandle(args.embedded_index, embedder.name, engine=EmbeddedEngine()).reload()
    assert embedded is not None, f"no embedded index in {args.embedded_index}"
    figures["embedded"] = measure(embedded, vectors, intents, args.window, pushdown=False)
    figures["embedded"]["ranking_ms"] = ranking_cost(embedded, embedder.name, vectors, intents, args.window)
    print(json.dumps(figures, indent=2))


def measure(
    snap: Any, vectors: list[np.ndarray], intents: list[Any], window: int, pushdown: bool = True
) -> dict[str, Any]:
    """In-range chunks in the window with and without the pushdown; latency of each way."""
    from index.retrieval.date_pushdown import dated_in, with_in_range_candidates
    from index.retrieval.search import hybrid_search

    plain_ms, pushed_ms, filtered_ms, deep_ms = [], [], [], []
    plain_in, pushed_in, deep_in, asked = 0, 0, 0, 0
    first_in_range: list[int] = []  # where the first in-range chunk is in the deep unfiltered list
    for vector, intent in zip(vectors, intents, strict=True):
        t0 = time.perf_counter()
        hits = hybrid_search(snap, vector, intent.terms)
        plain_ms.append((time.perf_counter() - t0) * 1000)
        window_in = any(dated_in(snap, h.row, intent.dates) for h in hits[:window])
        plain_in += window_in
        t0 = time.perf_counter()
        deep = hybrid_search(snap, vector, intent.terms, depth=DEEP)
        deep_ms.append((time.perf_counter() - t0) * 1000)
        places = [i for i, h in enumerate(deep) if dated_in(snap, h.row, intent.dates)]
        deep_in += bool(places)
        first_in_range += places[:1]
        if not pushdown:
            continue
        t0 = time.perf_counter()
        pushed = with_in_range_candidates(snap, vector, intent, list(hits), window, (1.0, 1.0))
        extra = (time.perf_counter() - t0) * 1000
        pushed_ms.append(plain_ms[-1] + extra)
        if not window_in:  # the only case in which the filtered request is sent
            asked += 1
            filtered_ms.append(extra)
        pushed_in += any(dated_in(snap, h.row, intent.dates) for h in pushed[:window])
    out: dict[str, Any] = {
        "in_range_in_window_unfiltered": plain_in / len(intents),
        f"in_range_anywhere_in_depth_{DEEP}": deep_in / len(intents),
        "first_in_range_place": percentiles([float(p) for p in first_in_range]) if first_in_range else None,
        "retrieval_ms": percentiles(plain_ms),
        f"retrieval_depth_{DEEP}_ms": percentiles(deep_ms),
    }
    if pushdown:
        out["in_range_in_window_pushed_down"] = pushed_in / len(intents)
        out["questions_that_needed_the_filtered_request"] = asked
        out["retrieval_with_pushdown_ms"] = percentiles(pushed_ms)
        out["filtered_request_ms"] = percentiles(filtered_ms) if filtered_ms else None
    return out


def ranking_cost(
    snap: Any, model: str, vectors: list[np.ndarray], intents: list[Any], window: int
) -> dict[str, Any]:
    """The re-ranking alternative's price: the ranking stage over `window` chunks, and over 100."""
    from dataclasses import replace

    from index.ranking.pipeline import RankingPipeline
    from index.retrieval.search import hybrid_search
    from index.services import ranking_profiles

    base = ranking_profiles(model)
    out: dict[str, Any] = {}
    for chunks in (window, 100):
        profiles = {lang: replace(p, rerank_chunks=chunks) for lang, p in base.profiles.items()}
        ranker = RankingPipeline(replace(base, profiles=profiles))
        times = []
        for vector, intent in zip(vectors, intents, strict=True):
            hits = hybrid_search(snap, vector, intent.terms, depth=DEEP)
            t0 = time.perf_counter()
            ranker.rank(snap, intent, vector, hits)
            times.append((time.perf_counter() - t0) * 1000)
        out[f"{chunks}_chunks"] = percentiles(times)
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("qdrant_index", type=Path)
    parser.add_argument("embedded_index", type=Path)
    parser.add_argument("questions", type=Path, help="one question per line")
    parser.add_argument("--model", default="hashing:384")
    parser.add_argument("--alias", default="bench", help="the alias bench.engines builds under")
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--window", type=int, default=12, help="chunks the ranking scores (English: 12)")
    return parser


if __name__ == "__main__":
    main()
