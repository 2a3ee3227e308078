"""Shared helpers for the benchmark scripts: corpora, questions, memory, percentiles."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bench.synth import write_corpus

if TYPE_CHECKING:
    from index.ranking.pipeline import RankingPipeline

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
REAL_FILE = "es-news-dev.json"
# Chunks per synthetic article is about 10 with the default chunking, so articles = chunks / 10.
SIZES = {"1k": 100, "10k": 1_000, "100k": 10_000, "1m": 100_000}


def rss_mb() -> tuple[float, float]:
    """Resident and peak resident memory of this process, in MiB (from /proc)."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p90, p99 and mean of a list of latencies."""
    arr = np.asarray(values)
    return {
        "p50": float(np.percentile(arr, 50)),
        "p90": float(np.percentile(arr, 90)),
        "p99": float(np.percentile(arr, 99)),
        "mean": float(arr.mean()),
    }


def real_corpus(directory: Path) -> list[str] | None:
    """The Spanish news dev set as a JSONL corpus plus its questions; None when the file is absent."""
    source = SHARED_DATA / REAL_FILE
    if not source.exists():
        return None
    data = json.loads(source.read_text(encoding="utf-8"))["data"]
    directory.mkdir(parents=True, exist_ok=True)
    questions = []
    with (directory / "es-news.jsonl").open("w", encoding="utf-8") as fh:
        for number, item in enumerate(data):
            text = "\n\n".join(p["context"] for p in item["paragraphs"])
            row = {"id": f"es-{number:04d}", "title": item["title"], "text": text}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            questions += [qa["question"] for p in item["paragraphs"] for qa in p["qas"]]
    return questions


def prepare_corpus(size: str, directory: Path) -> tuple[list[str], str]:
    """Write the corpus for a size label; returns its questions and a description of its origin."""
    if size == "real":
        questions = real_corpus(directory)
        if questions is None:
            raise SystemExit(f"{SHARED_DATA / REAL_FILE} is missing: use a synthetic size")
        return questions, f"real: {REAL_FILE} (271 Spanish news articles)"
    articles = SIZES[size]
    questions = write_corpus(directory, articles, seed=7)
    return questions, f"synthetic: {articles} articles, seed 7"


def sample_questions(questions: list[str], count: int, seed: int = 11) -> list[str]:
    """`count` distinct questions (seeded), repeating the pool only when it is too small."""
    rng = random.Random(seed)
    unique = list(dict.fromkeys(questions))
    rng.shuffle(unique)
    while len(unique) < count:
        unique += [f"{q} ({len(unique)})" for q in unique[: count - len(unique)]]
    return unique[:count]


def save_questions(path: Path, questions: list[str]) -> None:
    """One question per line."""
    path.write_text("\n".join(q.replace("\n", " ") for q in questions) + "\n", encoding="utf-8")


def load_questions(path: Path) -> list[str]:
    """Read a file written by save_questions."""
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def bench_ranker(query_model: str, stored_model: str) -> RankingPipeline:
    """The ranking pipeline of the question model; unchecked when the stored vectors are synthetic.

    The trained profiles refuse an index of another model's vectors (their provenance check): right for a
    user, but a benchmark that stores cheap hashed vectors and embeds questions with the real model still
    times the real pipeline, trees included, so the check is left out there (the answers are not judged).
    """
    from index.ranking.pipeline import RankingPipeline
    from index.services import ranking_profiles

    profiles = ranking_profiles(query_model)
    if query_model != stored_model:
        profiles = replace(profiles, model_files=())
    return RankingPipeline(profiles)
