"""Train the quote-ranking trees (index/quote_model_<lang>.json) on the tuning articles of an eval set.

Usage (from the repository root; needs LightGBM and scikit-learn, development-only dependencies:
`.venv/bin/pip install lightgbm`):

    .venv/bin/python scripts/train_quote_model.py --lang en \\
        /work/shared/data/squad-train-subset.json @scripts/splits/squad-tune.txt --index-dir /tmp/ev/squad

A candidate sentence (one of the sentences of the top `rerank_chunks` windows, exactly as the Answerer sees
them) is positive when it contains a gold answer (case-insensitive, whitespace-normalised). The features
are index.ranking.tree_features.TREE_FEATURES, computed by the code the Answerer runs, so training and
serving agree.
The trees rank the candidates of one question against each other (LightGBM lambdarank, one group per
question); a logistic fit of the ranking score maps it to a probability, which the quote-growth rule reads.
They are written as plain JSON and evaluated with NumPy by index.ranking.trees.TreeEnsemble. `--cv` prints the
top-1 sentence of 5-fold cross-validation by article first (each fold's articles scored by trees that never
saw them).
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.linear_model import LogisticRegression

from index.embedding.e5_engine import embed_questions
from index.embedding.factory import make_embedder, model_cache_dir
from index.eval.run import build_eval_index
from index.eval.squad import EvalArticle, EvalQuestion, expand_titles, load_squad, normalise
from index.ranking.features import FEATURES, candidate_features, sentence_text
from index.ranking.provenance import Provenance
from index.ranking.scorers import hand_scores
from index.ranking.tree_features import TREE_FEATURE_SET, TREE_FEATURES, tree_features
from index.ranking.trees import TreeEnsemble
from index.retrieval.search import retrieve
from index.services import ranking_profiles
from index.settings import DEFAULT_MODEL
from index.store.generations import Snapshot, generation_path
from index.store.handle import IndexHandle
from index.store.manifest import Manifest
from index.text.language import detect_language

PARAMS: dict[str, Any] = {
    "objective": "lambdarank",
    "learning_rate": 0.05,
    "n_estimators": 300,
    "num_leaves": 15,
    "min_child_samples": 40,
    "reg_lambda": 1.0,
    "random_state": 0,
    "n_jobs": 1,  # deterministic, and the machine is shared
    "verbose": -1,
}


def collect(
    dataset_path: Path, titles: list[str], index_dir: Path, model: str, backend: str, keep_rows: bool = False
) -> dict[str, Any]:
    """Features, labels, question numbers and article of every candidate (and its row, with keep_rows)."""
    dataset = load_squad(dataset_path)
    # The same backend as the served index: int8 vectors shift the features the trees learn from.
    embedder = make_embedder(model, backend=backend, cache_dir=model_cache_dir(index_dir))
    build_eval_index(dataset, set(), index_dir, embedder)
    snap = IndexHandle(index_dir, embedder.name).reload()
    assert snap is not None
    questions = dataset.select(titles)
    articles = {a.title: a for a in dataset.articles}
    # One batch (much faster than one by one), as questions: e5 embeds them with its `query: ` prefix.
    vectors = embed_questions(embedder, [q.question for q in questions])
    xs: list[np.ndarray] = []
    ys: list[bool] = []
    hits: list[bool] = []
    groups: list[int] = []
    rows: list[int] = []
    # The first stage and depth of this embedder's served profiles: training sees what serving sees.
    profiles = ranking_profiles(embedder.name)
    for number, (q, vector) in enumerate(zip(questions, vectors, strict=True)):
        profile = profiles.for_language(detect_language(q.question))
        found = retrieve(snap, vector, q.question, profile.retrieval)
        top = found.hits[: profile.rerank_chunks]
        cands = candidate_features(snap, vector, found.terms, q.question, top)
        xs.append(tree_features(snap, cands, q.question, found.language, vector))
        golds = [normalise(a) for a in q.answers]
        hits.extend(any(g in normalise(sentence_text(snap, r)) for g in golds) for r in cands.rows.tolist())
        ys.extend(_holds_answer(snap, row, q, articles[q.article_id]) for row in cands.rows.tolist())
        groups.extend([number] * len(cands.rows))
        rows.extend(cands.rows.tolist())
    titles_of = np.asarray([q.article_id for q in questions])
    # Experiments add their own columns per candidate sentence (scripts/experiments/context_vectors_spike.py).
    extra = (
        {"rows": np.asarray(rows), "questions": np.asarray([q.question for q in questions])}
        if keep_rows
        else {}
    )
    return extra | {
        "x": np.vstack(xs),
        "y": np.asarray(ys, dtype=int),  # what the trees learn: the answer in the question's paragraph
        "hit": np.asarray(hits, dtype=int),  # what evaluation counts: the answer anywhere in the sentence
        "groups": np.asarray(groups),
        "articles": titles_of,
    }


def _holds_answer(snap: Snapshot, row: int, question: EvalQuestion, article: EvalArticle) -> bool:
    """Whether the sentence holds a gold answer in the question's own paragraph (the training label)."""
    # Only there: a short answer ("20", "1849") found elsewhere is a coincidence, and labelling it
    # positive teaches the trees noise (top-1 sentence, 5-fold CV 0.772 -> 0.773, report 0.758 -> 0.761).
    article_row, start, _ = (int(x) for x in snap.data.sentences[row])
    if (
        snap.data.articles[article_row].id != question.article_id
        or article.paragraph_at(start) != question.paragraph
    ):
        return False
    text = normalise(sentence_text(snap, row))
    return any(normalise(answer) in text for answer in question.answers)


def top1(scores: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> float:
    """Share of questions whose best-scored candidate is positive."""
    questions = np.unique(groups)
    hits = sum(int(labels[groups == g][int(np.argmax(scores[groups == g]))]) for g in questions)
    return hits / len(questions)


def fit(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> dict[str, object]:
    """Rank the candidates of each question, then map the ranking score to a probability (JSON-ready)."""
    order = np.argsort(groups, kind="stable")  # LightGBM wants each question's candidates together
    x, y, groups = x[order], y[order], groups[order]
    _, sizes = np.unique(groups, return_counts=True)
    ranker = lgb.LGBMRanker(**PARAMS).fit(x, y, group=sizes)
    score = np.asarray(ranker.predict(x), dtype=np.float64)
    platt = LogisticRegression(C=100.0).fit(score[:, None], y)
    scale, shift = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    raw = export(ranker.booster_, scale, shift)
    ours = TreeEnsemble.from_json(raw).raw_score(x)
    assert np.allclose(ours, scale * score + shift, atol=1e-4), float(
        np.abs(ours - scale * score - shift).max()
    )
    return raw


def export(booster: lgb.Booster, scale: float, shift: float) -> dict[str, object]:
    """LightGBM's trees as index.ranking.trees JSON, the logistic scale folded into leaves and baseline."""
    trees = [_flatten(info["tree_structure"], scale) for info in booster.dump_model()["tree_info"]]
    depth = max(int(t.pop("depth")[0]) for t in trees)
    return {"features": list(TREE_FEATURES), "baseline": shift, "depth": depth, "trees": trees}


def _flatten(root: dict[str, Any], scale: float) -> dict[str, list[float]]:
    """One tree as parallel node arrays (node 0 the root); "depth" holds its number of levels."""
    nodes: dict[str, list[float]] = {
        k: [] for k in ("feature", "threshold", "left", "right", "leaf", "value")
    }
    deepest = 1

    def add(node: dict[str, Any], level: int) -> int:
        nonlocal deepest
        i = len(nodes["value"])
        for column in nodes.values():
            column.append(0)
        if "split_index" not in node:
            nodes["leaf"][i], nodes["value"][i] = 1, round(float(node["leaf_value"]) * scale, 8)
            deepest = max(deepest, level + 1)
            return i
        # No feature is ever missing (NaN), so the default direction LightGBM records never applies.
        assert node["decision_type"] == "<=" and node.get("missing_type", "None") in ("None", "NaN")
        nodes["feature"][i], nodes["threshold"][i] = int(node["split_feature"]), float(node["threshold"])
        nodes["left"][i] = add(node["left_child"], level + 1)
        nodes["right"][i] = add(node["right_child"], level + 1)
        return i

    add(root, 0)
    return {**nodes, "depth": [deepest]}


def cross_validate(data: dict[str, Any], folds: int = 5) -> float:
    """Top-1 sentence when each article's questions are ranked by trees trained on the other articles."""
    x, y, groups = data["x"], data["y"], data["groups"]
    articles = data["articles"][groups]
    titles = sorted(set(articles.tolist()))
    scores = np.zeros(len(y))
    for k in range(folds):
        held = np.isin(articles, titles[k::folds])
        scores[held] = TreeEnsemble.from_json(fit(x[~held], y[~held], groups[~held])).raw_score(x[held])
    return top1(scores, data["hit"], groups)


def main() -> None:
    """Collect candidates, (cross-validate,) fit the trees, check the export, write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", type=Path)
    ap.add_argument("titles", help="tuning article titles, or @file")
    ap.add_argument("--lang", required=True, help="question language the model is for (en, es)")
    ap.add_argument("--index-dir", type=Path, required=True)
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--backend", default="auto", help="EMBEDDING_BACKEND of the index (default: auto)")
    ap.add_argument("--out", type=Path, help="default: index/quote_model_<lang>.json")
    ap.add_argument("--reuse", action="store_true", help="reuse the candidates saved by an earlier run")
    ap.add_argument("--cv", action="store_true", help="print 5-fold cross-validation by article first")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    cache = args.index_dir.parent / f"quote-candidates-{args.lang}.npz"
    if args.reuse and cache.exists():
        data: dict[str, Any] = dict(np.load(cache))
    else:
        titles = expand_titles([args.titles]) or []
        data = collect(args.dataset, titles, args.index_dir, args.model, args.backend)
        np.savez(cache, **data)
    x, y, groups = data["x"], data["y"], data["groups"]
    print(f"{len(np.unique(groups))} questions, {len(y)} candidates, {y.mean():.3f} positive")
    if args.cv:
        print(f"top-1 sentence, 5-fold cross-validation by article: {cross_validate(data):.3f}")
        # The bar a new model must clear: the hand-set weights on the same candidates.
        hand = hand_scores(x[:, : len(FEATURES)])
        print(f"top-1 sentence, hand-set weights, same candidates: {top1(hand, data['hit'], groups):.3f}")
    raw = fit(x, y, groups)
    fitted = TreeEnsemble.from_json(raw).raw_score(x)
    print(f"top-1 sentence on the tuning questions (in sample): {top1(fitted, data['hit'], groups):.3f}")
    out = (
        args.out
        or Path(__file__).resolve().parents[1]
        / "index"
        / "ranking"
        / "models"
        / f"quote_model_{args.lang}.json"
    )
    raw["params"] = PARAMS
    raw["trained_on"] = {"dataset": args.dataset.name, "questions": len(np.unique(groups))}
    manifest = Manifest.read(generation_path(args.index_dir) or args.index_dir)
    raw["provenance"] = Provenance(
        embedder=manifest.model,
        backend=args.backend,
        dimension=manifest.dimension,
        features=TREE_FEATURE_SET,
        analyzer=manifest.analyzer,
        trained_on={**raw["trained_on"], "articles": args.titles, "script": "scripts/train_quote_model.py"},
    ).to_json()
    out.write_text(json.dumps(raw, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
