"""Where a question's time goes: the Answerer's stages timed one by one on distinct questions.

Run as `python -m bench.stages INDEX_DIR QUESTIONS_FILE [--query-model M] [--limit N]`. Prints one JSON line:
median wall ms of reading the intent, embedding the question, retrieval, ranking and choosing the passages,
their sum, the process CPU ms of the embedding (every OpenMP thread) and the thread CPU ms of the rest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import time
from pathlib import Path

from bench.common import bench_ranker, load_questions

STAGES = ("intent", "embed", "retrieve", "rank", "passages")


def main() -> None:
    """Time each stage of every question once and print the medians."""
    args = _parser().parse_args()
    from index.answer.passages import choose_passages
    from index.embedding.factory import make_embedder, model_cache_dir
    from index.retrieval.intent import read_intent
    from index.retrieval.search import retrieve
    from index.store.generations import generation_path
    from index.store.handle import IndexHandle
    from index.store.manifest import Manifest

    generation = generation_path(args.index_dir)
    assert generation is not None, f"no index in {args.index_dir}"
    model = Manifest.read(generation).model
    embedder = make_embedder(
        args.query_model or model,
        backend=args.backend,
        cache_dir=model_cache_dir(args.index_dir),
        engine_spin=args.engine_spin,
    )
    ranker = bench_ranker(embedder.name, model)
    snap = IndexHandle(args.index_dir, model).snapshot()
    assert snap is not None
    embedder.embed_query("warm up")
    times: dict[str, list[float]] = {name: [] for name in (*STAGES, "embed_cpu", "rest_cpu")}
    for question in [" ".join(q.split()) for q in load_questions(args.questions)][: args.limit]:
        marks = [(time.perf_counter(), time.thread_time(), time.process_time())]
        intent = read_intent(question, dt.date.today())
        marks.append((time.perf_counter(), time.thread_time(), time.process_time()))
        vector = embedder.embed_query(question)
        marks.append((time.perf_counter(), time.thread_time(), time.process_time()))
        found = retrieve(snap, vector, intent, ranker.profile(intent.language).retrieval)
        marks.append((time.perf_counter(), time.thread_time(), time.process_time()))
        ranking = ranker.rank(snap, intent, vector, found.hits)
        marks.append((time.perf_counter(), time.thread_time(), time.process_time()))
        choose_passages(snap, ranking.order, 12, ranking.growth)
        marks.append((time.perf_counter(), time.thread_time(), time.process_time()))
        for name, before, after in zip(STAGES, marks, marks[1:], strict=False):
            times[name].append(1000 * (after[0] - before[0]))
        times["embed_cpu"].append(1000 * (marks[2][2] - marks[1][2]))
        thread_total = marks[-1][1] - marks[0][1]
        times["rest_cpu"].append(1000 * (thread_total - (marks[2][1] - marks[1][1])))
    figures = {name: round(statistics.median(values), 2) for name, values in times.items()}
    figures["total"] = round(sum(figures[name] for name in STAGES), 2)
    figures["load"] = round(os.getloadavg()[0], 1)
    print(json.dumps(figures))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--backend", default="auto", help="EMBEDDING_BACKEND for the questions")
    parser.add_argument("--query-model", help="embed questions with this model instead of the manifest's")
    parser.add_argument("--engine-spin", type=int, default=0, help="EMBEDDING_ENGINE_SPIN (0: passive)")
    parser.add_argument("--limit", type=int, default=200)
    return parser


if __name__ == "__main__":
    main()
