"""The two index engines side by side at one size: build, one-article rebuild, question latency, recall, disk.

    .venv/bin/python -m bench.engines --size 10k
    .venv/bin/python -m bench.engines --size 10k --model sentence-transformers/all-MiniLM-L6-v2

Qdrant runs in process (qdrant-client's local mode: exact brute-force search in Python and NumPy, points
pickled into SQLite), which is not a Qdrant server's speed; the figures say what the code costs here and
where the time goes (dense and BM25 search timed apart). Questions are embedded before timing. Recall is
the qdrant dense search's first 10 of 50 hits against exact search over the same vectors. Prints one JSON
object and writes it to WORK/SIZE/engines.json. Needs `pip install -e '.[qdrant]'`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import percentiles, prepare_corpus, sample_questions, save_questions


def main() -> None:
    """Build the corpus with each engine and measure both."""
    args = _parser().parse_args()
    from index.embedding.factory import make_embedder
    from index.eval.run import PrefetchedEmbedder

    root = args.work / args.size
    questions, origin = prepare_corpus(args.size, root / "corpus")
    questions = [" ".join(q.split()) for q in sample_questions(questions, args.questions)]
    save_questions(root / "questions.txt", questions)  # bench.edge asks the same ones
    embedder = PrefetchedEmbedder(make_embedder(args.model), questions)
    figures: dict[str, Any] = {"size": args.size, "corpus": origin, "model": args.model}
    for name in ("embedded", "qdrant"):
        figures[name] = measure(name, root, embedder, questions)
        # Written after each engine: a long in-process run that is stopped keeps what it measured.
        (root / "engines.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))


def measure(name: str, root: Path, embedder: Any, questions: list[str]) -> dict[str, Any]:
    """Full build, questions, recall, disk and a one-article rebuild with one engine."""
    from index.build.builder import IndexBuilder
    from index.store.engine import EmbeddedEngine, IndexEngine
    from index.store.qdrant_engine import open_engine

    index_dir = root / f"{name}-index"
    shutil.rmtree(index_dir, ignore_errors=True)
    engine: IndexEngine = (
        EmbeddedEngine() if name == "embedded" else open_engine(None, None, "bench", index_dir)
    )
    corpus = root / f"{name}-corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.copytree(root / "corpus", corpus)
    try:
        builder = IndexBuilder(corpus, index_dir, embedder, max_file_bytes=2**30, engine=engine)
        t0 = time.perf_counter()
        summary = builder.build(full=True, interactive=False)
        out: dict[str, Any] = {"build_s": time.perf_counter() - t0, "chunks": summary.chunks}
        _progress(name, out)
        out.update(question_figures(index_dir, engine, embedder, questions))
        out["disk"] = disk_figures(index_dir)
        _progress(name, out)
        _touch_one_article(corpus)
        t0 = time.perf_counter()
        builder.build(interactive=False)
        out["rebuild_one_article_s"] = time.perf_counter() - t0
        _progress(name, out)
        return out
    finally:
        engine.close()


def _progress(name: str, figures: dict[str, Any]) -> None:
    """One line per finished phase on stderr (a 100k in-process run takes long)."""
    print(f"{time.strftime('%H:%M:%S')} {name}: {json.dumps(figures)}", file=sys.stderr, flush=True)


def question_figures(index_dir: Path, engine: Any, embedder: Any, questions: list[str]) -> dict[str, Any]:
    """Answerer latency per question, dense and BM25 search latency apart, dense recall@10."""
    from index.answer.answerer import Answerer
    from index.ranking.pipeline import RankingPipeline
    from index.retrieval.intent import QueryIntent
    from index.services import ranking_profiles
    from index.store.handle import IndexHandle
    from index.text.analysis import analyze_query
    from index.text.language import detect_language

    handle = IndexHandle(index_dir, embedder.name, engine=engine)
    answerer = Answerer(handle, embedder, ranker=RankingPipeline(ranking_profiles(embedder.name)))
    answerer.ask(questions[0])  # loads the index
    snap = handle.reload()
    assert snap is not None
    asked, dense, sparse, recall = [], [], [], []
    exact = np.asarray(snap.data.chunk_vectors, dtype=np.float32)
    for question in questions[1:]:
        t0 = time.perf_counter()
        answerer.ask(question)
        asked.append((time.perf_counter() - t0) * 1000)
        vector = embedder.embed_query(question)
        intent = QueryIntent(question, detect_language(question), analyze_query(question))
        t0 = time.perf_counter()
        ids, _ = snap.dense.search(vector, 50)
        dense.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        snap.sparse.search(intent.terms, 50)
        sparse.append((time.perf_counter() - t0) * 1000)
        truth = np.argsort(-(exact @ vector), kind="stable")[:10]
        recall.append(len(set(ids[:10].tolist()) & set(truth.tolist())) / 10)
    return {
        "answer_ms": percentiles(asked),
        "dense_ms": percentiles(dense),
        "bm25_ms": percentiles(sparse),
        "dense_recall_at_10": float(np.mean(recall)),
    }


def disk_figures(index_dir: Path) -> dict[str, float]:
    """MiB on disk: the served generation folder by part, and the in-process Qdrant store."""
    from index.store.generations import directory_size, generation_path

    generation = generation_path(index_dir)
    assert generation is not None
    parts: dict[str, float] = {}
    for path in generation.iterdir():
        size = directory_size(path) if path.is_dir() else path.stat().st_size
        parts[path.name] = round(size / 2**20, 2)
    qdrant = index_dir / "qdrant"
    parts["generation_total"] = round(directory_size(generation) / 2**20, 2)
    parts["qdrant_store"] = round(directory_size(qdrant) / 2**20, 2) if qdrant.exists() else 0.0
    return parts


def _touch_one_article(corpus: Path) -> None:
    """Change one article's text, as an editor's correction would."""
    path = sorted(p for p in corpus.rglob("*") if p.is_file())[0]
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(" the ", " the the ", 1), encoding="utf-8")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="10k", help="real, 1k, 10k, 100k or 1m (bench/README.md)")
    parser.add_argument("--model", default="hashing:384", help="embedding model of chunks and questions")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsquote-bench"))
    return parser


if __name__ == "__main__":
    main()
