"""Embedding throughput and single-question latency per backend (torch, onnx, onnx-int8), interleaved.

    .venv/bin/python -m bench.embed_speed --size 1k --fraction 0.15 --rounds 5

The texts are what a build embeds (chunk windows with title/date, and sentences) for a seeded sample of the
articles. Backends take turns within each round so that a change in machine load hits all of them; the
figures are medians over the rounds. Also prints the lowest cosine of each backend against torch.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from bench.common import prepare_corpus
from bench.run import embedding_texts

QUESTIONS = [
    "what did Osorio win with Nacional?",
    "¿Cuándo se inauguró el puente?",
    "Who approved the budget and how much money goes to schools?",
]


def main() -> None:
    """Measure every backend and print one JSON object."""
    args = _parser().parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from index.embedding.factory import make_embedder, model_cache_dir

    corpus = args.work / args.size / "corpus"
    if not corpus.exists():
        prepare_corpus(args.size, corpus)
    texts = embedding_texts(corpus, args.fraction)
    cache = model_cache_dir(args.work / "embed-speed")
    embedders = {b: make_embedder(args.model, backend=b, cache_dir=cache) for b in args.backends}
    vectors = {b: e.embed(texts[:64]) for b, e in embedders.items()}  # load, export, warm up
    speed: dict[str, list[float]] = {b: [] for b in embedders}
    query: dict[str, list[float]] = {b: [] for b in embedders}
    for _ in range(args.rounds):
        for backend, embedder in embedders.items():
            t0 = time.perf_counter()
            vectors[backend] = embedder.embed(texts)
            speed[backend].append(len(texts) / (time.perf_counter() - t0))
            for question in QUESTIONS * 10:
                t0 = time.perf_counter()
                embedder.embed_query(question)
                query[backend].append((time.perf_counter() - t0) * 1000)
    ref = vectors.get("torch")
    figures = {"texts": len(texts), "rounds": args.rounds}
    for backend in embedders:
        figures[backend] = {
            "texts_per_s": round(statistics.median(speed[backend]), 1),
            "texts_per_s_rounds": [round(s, 1) for s in speed[backend]],
            "query_ms_p50": round(statistics.median(query[backend]), 2),
            "min_cos_vs_torch": None if ref is None else float((ref * vectors[backend]).sum(1).min()),
        }
    print(json.dumps(figures, indent=1, default=_plain))


def _plain(value: object) -> object:
    return float(value) if isinstance(value, np.floating) else str(value)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="1k")
    parser.add_argument("--fraction", type=float, default=0.15, help="share of articles to embed")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--model", default="sentence-transformers/all-MiniLM-L6-v2")
    parser.add_argument("--backends", nargs="+", default=["torch", "onnx", "onnx-int8"])
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsquote-bench"))
    return parser


if __name__ == "__main__":
    main()
