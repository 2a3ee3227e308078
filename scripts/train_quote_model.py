"""Train the quote-ranking trees (index/quote_model_<lang>.json) on the tuning articles of an eval set.

Usage (from the repository root; needs scikit-learn, a development-only dependency):

    .venv/bin/python scripts/train_quote_model.py --lang en \\
        /work/shared/data/squad-train-subset.json @scripts/splits/squad-tune.txt --index-dir /tmp/ev/squad

A candidate sentence (one of the sentences of the top RERANK_CHUNKS windows, exactly as the Answerer sees
them) is positive when it contains a gold answer (case-insensitive, whitespace-normalised). The features
are index.quote_features.TREE_FEATURES, computed by the code the Answerer runs, so training and serving agree.
The trees are written as plain JSON and evaluated with NumPy by index.trees.TreeEnsemble.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from index.answer import RERANK_CHUNKS
from index.embedding import make_embedder, model_cache_dir
from index.eval_run import build_eval_index
from index.evaluation import expand_titles, load_squad, normalise
from index.handle import IndexHandle
from index.quote_features import TREE_FEATURES, tree_features
from index.rerank import candidate_features, sentence_text
from index.search import retrieve
from index.settings import DEFAULT_MODEL
from index.trees import TreeEnsemble

PARAMS = {
    "learning_rate": 0.05,
    "max_iter": 300,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 40,
    "l2_regularization": 1.0,
}


def collect(
    dataset_path: Path, titles: list[str], index_dir: Path, model: str, backend: str
) -> tuple[np.ndarray, ...]:
    """Features, labels and question numbers of every candidate of the tuning questions."""
    dataset = load_squad(dataset_path)
    # The same backend as the served index: int8 vectors shift the features the trees learn from.
    embedder = make_embedder(model, backend=backend, cache_dir=model_cache_dir(index_dir))
    build_eval_index(dataset, set(), index_dir, embedder)
    snap = IndexHandle(index_dir, embedder.name).reload()
    assert snap is not None
    questions = dataset.select(titles)
    vectors = embedder.embed([q.question for q in questions])  # one batch: much faster than one by one
    xs: list[np.ndarray] = []
    ys: list[bool] = []
    groups: list[int] = []
    for number, (q, vector) in enumerate(zip(questions, vectors, strict=True)):
        found = retrieve(snap, vector, q.question)
        cands = candidate_features(snap, vector, found.terms, q.question, found.rerank_hits(RERANK_CHUNKS))
        golds = [normalise(a) for a in q.answers]
        xs.append(tree_features(snap, cands, q.question, found.language, vector))
        ys.extend(any(g in normalise(sentence_text(snap, row)) for g in golds) for row in cands.rows.tolist())
        groups.extend([number] * len(cands.rows))
    return np.vstack(xs), np.asarray(ys, dtype=int), np.asarray(groups)


def top1(scores: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> float:
    """Share of questions whose best-scored candidate is positive."""
    questions = np.unique(groups)
    hits = sum(int(labels[groups == g][int(np.argmax(scores[groups == g]))]) for g in questions)
    return hits / len(questions)


def export(model: HistGradientBoostingClassifier) -> dict[str, object]:
    """The fitted trees as JSON-ready lists (sklearn's leaf values already include the learning rate)."""
    trees, depth = [], 1
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        depth = max(depth, int(nodes["depth"].max()) + 1)
        trees.append(
            {
                "feature": nodes["feature_idx"].astype(int).tolist(),
                "threshold": [float(t) for t in nodes["num_threshold"]],
                "left": nodes["left"].astype(int).tolist(),
                "right": nodes["right"].astype(int).tolist(),
                "leaf": nodes["is_leaf"].astype(int).tolist(),
                "value": [round(float(v), 8) for v in nodes["value"]],
            }
        )
    baseline = float(np.ravel(model._baseline_prediction)[0])
    return {"features": list(TREE_FEATURES), "baseline": baseline, "depth": depth, "trees": trees}


def main() -> None:
    """Collect candidates, fit the trees, check the export against scikit-learn, write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", type=Path)
    ap.add_argument("titles", help="tuning article titles, or @file")
    ap.add_argument("--lang", required=True, help="question language the model is for (en, es)")
    ap.add_argument("--index-dir", type=Path, required=True)
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--backend", default="auto", help="EMBEDDING_BACKEND of the index (default: auto)")
    ap.add_argument("--out", type=Path, help="default: index/quote_model_<lang>.json")
    ap.add_argument("--reuse", action="store_true", help="reuse the candidates saved by an earlier run")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    cache = args.index_dir.parent / f"quote-candidates-{args.lang}.npz"
    if args.reuse and cache.exists():
        saved = np.load(cache)
        x, y, groups = saved["x"], saved["y"], saved["groups"]
    else:
        titles = expand_titles([args.titles]) or []
        x, y, groups = collect(args.dataset, titles, args.index_dir, args.model, args.backend)
        np.savez(cache, x=x, y=y, groups=groups)
    model = HistGradientBoostingClassifier(random_state=0, **PARAMS).fit(x, y)
    raw = export(model)
    ours = TreeEnsemble.from_json(raw).probability(x)
    theirs = model.predict_proba(x)[:, 1]
    assert np.allclose(ours, theirs, atol=1e-4), float(np.abs(ours - theirs).max())
    print(f"{len(np.unique(groups))} questions, {len(y)} candidates, {y.mean():.3f} positive")
    print(f"top-1 sentence on the tuning questions: trees {top1(ours, y, groups):.3f}")
    out = args.out or Path(__file__).resolve().parents[1] / "index" / f"quote_model_{args.lang}.json"
    raw["params"] = PARAMS
    raw["trained_on"] = {"dataset": args.dataset.name, "questions": len(np.unique(groups))}
    out.write_text(json.dumps(raw, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
