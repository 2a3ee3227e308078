"""Time per question without the model: questions embedded first, then each asked once (cold) and again.

Run as `python -m bench.nonmodel INDEX_DIR QUESTIONS_FILE [--query-model M] [--limit N]`. Prints one JSON
line: wall and thread-CPU percentiles of distinct questions (every question touches new sentences, as in
`bench.serve`) and of the same questions asked again. CPU time is far less disturbed than wall time by
other jobs on a shared machine, so A/B runs of two checkouts compare it (taking turns).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench.common import bench_ranker, load_questions, percentiles


def main() -> None:
    """Embed every question, then ask them all twice through the Answerer, timing each call."""
    args = _parser().parse_args()
    from index.answer.answerer import Answerer
    from index.embedding.factory import make_embedder, model_cache_dir
    from index.eval.run import PrefetchedEmbedder
    from index.store.generations import generation_path
    from index.store.handle import IndexHandle
    from index.store.manifest import Manifest

    generation = generation_path(args.index_dir)
    assert generation is not None, f"no index in {args.index_dir}"
    model = Manifest.read(generation).model
    cache = model_cache_dir(args.index_dir)
    embedder = make_embedder(args.query_model or model, backend=args.backend, cache_dir=cache)
    questions = [" ".join(q.split()) for q in load_questions(args.questions)][: args.limit]
    embedder = PrefetchedEmbedder(embedder, questions)  # embedded up front: no model call while timing
    ranker = bench_ranker(embedder.name, model)
    answerer = Answerer(IndexHandle(args.index_dir, model), embedder, ranker=ranker)
    answerer.ask(questions[0])  # loads the index
    cold, again = _timed(answerer, questions[1:]), _timed(answerer, questions[1:])
    print(json.dumps({"questions": len(questions) - 1, "cold": cold, "again": again}))


def _timed(answerer: object, questions: list[str]) -> dict[str, dict[str, float]]:
    wall, cpu = [], []
    for question in questions:
        w0, c0 = time.perf_counter(), time.thread_time()
        answerer.ask(question)  # type: ignore[attr-defined]
        cpu.append((time.thread_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    return {"wall_ms": percentiles(wall), "cpu_ms": percentiles(cpu)}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--backend", default="auto", help="EMBEDDING_BACKEND for the questions")
    parser.add_argument("--query-model", help="embed questions with this model instead of the manifest's")
    parser.add_argument("--limit", type=int, default=501)
    return parser


if __name__ == "__main__":
    main()
