"""Measure the first stage quickly: the right article first, the oracle (answer sentence among candidates).

Usage (from the repository root, after `python -m index eval ... --index-dir DIR` has built the index):

    PYTHONPATH=$PWD .venv/bin/python scripts/probe_retrieval.py /work/shared/data/es-news-dev.json \\
        @scripts/splits/es-tune.txt --index-dir /tmp/ev/es [--set index.retrieval.search.ARTICLE_WEIGHTS.es=2]

Prints, over the questions of the named articles: the share whose best chunk is in the right article, the
right article within the top N whole articles (article BM25), the oracle within the top N chunks (a sentence
of those chunks contains the gold answer), and the reranker's top-1 sentence within the top `rerank_chunks`
chunks. `--set` overrides a module constant for the run. Question vectors are cached next to the index.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib
from collections import Counter
from pathlib import Path

import numpy as np

from index.embedding.factory import make_embedder
from index.eval.squad import EvalQuestion, expand_titles, load_squad, normalise
from index.ranking.features import RerankModel, candidate_features, sentence_text
from index.ranking.features_es import model_inputs
from index.ranking.profiles import rerank_chunks, retrieval_params
from index.retrieval.search import Retrieval, retrieve
from index.settings import DEFAULT_MODEL
from index.store.article_evidence import article_index
from index.store.generations import Snapshot
from index.store.handle import IndexHandle
from index.text.language import detect_language

DEPTHS = (1, 3, 6, 12, 20, 30)


def question_vectors(questions: list[str], cache: Path) -> np.ndarray:
    """Embeddings of the questions, cached on disk by the hash of their texts."""
    key = hashlib.sha1("\n".join(questions).encode()).hexdigest()[:12]
    path = cache / f"questions-{key}.npy"
    if path.exists():
        return np.load(path)
    vectors = make_embedder(DEFAULT_MODEL).embed(questions)
    np.save(path, vectors)
    return vectors


def override(item: str) -> None:
    """Set a constant (`index.retrieval.search.ARTICLE_DEPTH=9`) or a dict entry (`...W.es=(0.2, 1)`)."""
    name, value = item.split("=", 1)
    module_name, _, attr = name.rpartition(".")
    key = None
    if module_name.count(".") > 1:  # a dict entry: package.module.CONST.key
        module_name, _, const = module_name.rpartition(".")
        attr, key = const, attr
    module = importlib.import_module(module_name)
    parsed = ast.literal_eval(value)
    if key is None:
        setattr(module, attr, parsed)
    else:
        getattr(module, attr)[key] = parsed


def has_gold(snap: Snapshot, rows: set[int] | list[int], golds: list[str]) -> bool:
    """Whether any of these sentence rows contains a gold answer."""
    return any(g in normalise(sentence_text(snap, s)) for s in rows for g in golds)


def tally(
    snap: Snapshot, q: EvalQuestion, vector: np.ndarray, model: RerankModel, counts: Counter[str]
) -> None:
    """Count the first-stage outcomes of one question."""
    found = retrieve(snap, vector, q.question, retrieval_params(detect_language(q.question)))
    golds = [normalise(a) for a in q.answers]
    titles = [a.title.strip() for a in snap.data.articles]
    right = titles.index(q.article_id.strip())
    counts["right_article"] += bool(found.hits) and int(snap.data.chunks[found.hits[0].row, 0]) == right
    ranked = article_index(snap).search(found.terms, max(DEPTHS))[0].tolist()
    for depth in DEPTHS:
        counts[f"article@{depth}"] += right in ranked[:depth]
        rows = {s for h in found.hits[:depth] for s in range(*snap.data.chunks[h.row, 1:3].tolist())}
        counts[f"oracle@{depth}"] += has_gold(snap, rows, golds)
    counts["top1"] += _reranked_hit(snap, model, vector, found, q.question, golds)


def _reranked_hit(
    snap: Snapshot, model: RerankModel, vector: np.ndarray, found: Retrieval, question: str, golds: list[str]
) -> bool:
    """Whether the reranker's best sentence within the top `rerank_chunks` chunks holds a gold answer."""
    if not model.covers(found.language):
        return False
    hits = found.hits[: rerank_chunks(found.language)]
    cands = candidate_features(snap, vector, found.terms, question, hits)
    if not len(cands.rows):
        return False
    x = model_inputs(snap, cands, found.terms, question, found.language)
    best = int(cands.rows[int(np.argmax(model.score(x, found.language)))])
    return has_gold(snap, [best], golds)


def main() -> None:
    """Parse options, run the first stage on every question, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", type=Path)
    ap.add_argument("articles")
    ap.add_argument("--index-dir", type=Path, required=True)
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a constant")
    args = ap.parse_args()
    for item in args.set:
        override(item)
    questions = load_squad(args.dataset).select(expand_titles([args.articles]))
    snap = IndexHandle(args.index_dir, DEFAULT_MODEL).reload()
    assert snap is not None, f"no index in {args.index_dir}"
    vectors = question_vectors([q.question for q in questions], args.index_dir)
    model = RerankModel.load()
    counts: Counter[str] = Counter()
    for q, vector in zip(questions, vectors, strict=True):
        tally(snap, q, vector, model, counts)
    n = len(questions)
    print(
        f"{n} questions; right article first {counts['right_article'] / n:.3f}; "
        f"top-1 sentence {counts['top1'] / n:.3f}"
    )
    for label, key in (
        ("right article within top N articles", "article"),
        ("oracle within top N chunks", "oracle"),
    ):
        print(f"{label}: " + ", ".join(f"{d}: {counts[f'{key}@{d}'] / n:.3f}" for d in DEPTHS))


if __name__ == "__main__":
    main()
