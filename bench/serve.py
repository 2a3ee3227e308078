"""Child process of the benchmark: load an index, answer questions, print one JSON line of figures.

Run as `python -m bench.serve INDEX_DIR QUESTIONS_FILE --started T [--query-model M]`; T is the parent's
time.time() just before it spawned this process, so that start to first answer includes interpreter start-up.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench.common import bench_ranker, load_questions, percentiles, rss_mb


def main() -> None:
    """Answer every question once through the Answerer and report latency, memory and start-up."""
    args = _parser().parse_args()
    from index.answer.answerer import Answerer
    from index.embedding.factory import make_embedder, model_cache_dir
    from index.store.generations import directory_size, generation_path
    from index.store.handle import IndexHandle
    from index.store.manifest import Manifest

    generation = generation_path(args.index_dir)
    assert generation is not None, f"no index in {args.index_dir}"
    manifest = Manifest.read(generation)
    # Large synthetic sizes store cheap vectors; questions are still embedded by the real model.
    cache = model_cache_dir(args.index_dir)
    embedder = make_embedder(
        args.query_model or manifest.model,
        backend=args.backend,
        cache_dir=cache,
        engine_spin=args.engine_spin,
    )
    handle = IndexHandle(args.index_dir, manifest.model)
    answerer = Answerer(handle, embedder, ranker=bench_ranker(embedder.name, manifest.model))
    questions = load_questions(args.questions)
    first = answerer.ask(questions[0])
    first_answer_s = time.time() - args.started
    rss_loaded, _ = rss_mb()
    latencies, answered = [], 0
    for question in questions[1:]:
        t0 = time.perf_counter()
        answer = answerer.ask(question)
        latencies.append((time.perf_counter() - t0) * 1000)
        answered += answer.answered
    repeat = [_timed(answerer, q) for q in questions[1:101]]  # same questions again: the LRU cache
    rss, peak = rss_mb()
    figures = {
        "questions": len(latencies),
        "answered": answered,
        "first_answered": first.answered,
        "start_to_first_answer_s": first_answer_s,
        "latency_ms": percentiles(latencies),
        "cached_latency_ms": percentiles(repeat),
        "rss_after_first_answer_mb": rss_loaded,
        "rss_mb": rss,
        "peak_rss_mb": peak,
        "index_bytes": directory_size(generation),
        "index_type": manifest.index_type,
        "index_params": manifest.index_params,
        "chunks": manifest.chunks,
    }
    print(json.dumps(figures))


def _timed(answerer: object, question: str) -> float:
    t0 = time.perf_counter()
    answerer.ask(question)  # type: ignore[attr-defined]
    return (time.perf_counter() - t0) * 1000


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--started", type=float, required=True)
    parser.add_argument("--backend", default="auto", help="EMBEDDING_BACKEND for the questions")
    parser.add_argument("--query-model", help="embed questions with this model instead of the manifest's")
    parser.add_argument("--engine-spin", type=int, default=0, help="EMBEDDING_ENGINE_SPIN (0: passive)")
    return parser


if __name__ == "__main__":
    main()
