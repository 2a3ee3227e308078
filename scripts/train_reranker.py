"""Train the quote reranker (index/rerank_model.json) on the tuning articles of the evaluation sets.

Usage (from the repository root; needs scikit-learn, a development-only dependency):

    .venv/bin/python scripts/train_reranker.py \\
        --dataset en /work/shared/data/squad-train-subset.json @scripts/splits/squad-tune.txt \\
        --dataset es /work/shared/data/es-news-dev.json @scripts/splits/es-tune.txt \\
        --index-dir /tmp/ev

The cross-language order (index/ranking/models/rerank_cross.e5.json) is the same fit on the hand-translated
tune questions (scripts/translated_set.py, `--split tune`), labelled by the question's language, each with
an index folder that is a copy of its articles' e5 index (`--index-dir D`: D/es holds the English SQuAD
index for the Spanish questions, D/en the Spanish news index for the English ones):

    .venv/bin/python scripts/train_reranker.py --model intfloat/multilingual-e5-small --backend auto \\
        --dataset es X/squad-es-tune.json @scripts/splits/squad-tune.txt \\
        --dataset en X/sqac-en-tune.json @scripts/splits/es-tune.txt \\
        --index-dir D --cv --out index/ranking/models/rerank_cross.e5.json

Each language gets its own standardised logistic regression over index.ranking.features.FEATURES (plus
the language's own columns, index.ranking.features.LANGUAGE_FEATURES: Spanish adds
index/ranking/features_es.py's). A candidate sentence is positive when it contains a gold answer
(case-insensitive, whitespace-normalised). Only the
tuning articles' questions are used; the index holds all of the dataset's articles, as in the evaluation.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from index.embedding.e5_engine import embed_questions
from index.embedding.factory import make_embedder
from index.embedding.protocol import Embedder
from index.eval.run import build_eval_index
from index.eval.squad import expand_titles, load_squad, normalise
from index.ranking.e5_profiles import CONFIDENCE_FLOOR, E5_EMBEDDER
from index.ranking.features import (
    FEATURE_SET,
    FEATURES,
    LANGUAGE_FEATURES,
    MODEL_PATH,
    candidate_features,
    sentence_text,
)
from index.ranking.features_es import model_inputs
from index.ranking.provenance import Provenance
from index.ranking.scorers import hand_scores
from index.retrieval.search import retrieve
from index.services import ranking_profiles
from index.settings import DEFAULT_MODEL
from index.store.generations import generation_path
from index.store.handle import IndexHandle
from index.store.manifest import Manifest
from index.text.language import detect_language

log = logging.getLogger("train_reranker")
HAND_ON_E5_COSINES = False  # set in main: the hand-set bar is the one the embedder's profile uses


def collect(path: Path, titles: list[str], index_dir: Path, embedder: Embedder) -> tuple[np.ndarray, ...]:
    """Features, labels and question ids of every candidate of the tuning questions."""
    dataset = load_squad(path)
    build_eval_index(dataset, set(), index_dir, embedder)
    snap = IndexHandle(index_dir, embedder.name).reload()
    assert snap is not None
    xs, ys, groups = [], [], []
    questions = dataset.select(titles)
    # One batch (much faster than one by one), as questions: e5 embeds them with its `query: ` prefix.
    vectors = embed_questions(embedder, [q.question for q in questions])
    # The first stage and depth of this embedder's served profiles: training sees what serving sees.
    profiles = ranking_profiles(embedder.name)
    for number, (q, vector) in enumerate(zip(questions, vectors, strict=True)):
        profile = profiles.for_language(detect_language(q.question))
        found = retrieve(snap, vector, q.question, profile.retrieval)
        hits = found.hits[: profile.rerank_chunks]
        cands = candidate_features(snap, vector, found.terms, q.question, hits)
        x = model_inputs(snap, cands, found.terms, q.question, found.language)
        golds = [normalise(a) for a in q.answers]
        for row, feats in zip(cands.rows.tolist(), x, strict=True):
            text = normalise(sentence_text(snap, row))
            xs.append(feats)
            ys.append(any(g in text for g in golds))
            groups.append(number)
    return np.asarray(xs), np.asarray(ys, dtype=int), np.asarray(groups)


def top1(scores: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> tuple[float, float]:
    """Share of questions whose best-scored candidate is positive, and share with any positive (oracle)."""
    hits = oracle = 0
    questions = np.unique(groups)
    for g in questions:
        mask = groups == g
        hits += int(labels[mask][int(np.argmax(scores[mask]))])
        oracle += int(labels[mask].any())
    return hits / len(questions), oracle / len(questions)


def pairs(x: np.ndarray, y: np.ndarray, groups: np.ndarray, per_question: int = 20) -> np.ndarray:
    """Differences (answer sentence - other candidate) within each question: a ranking objective."""
    rng = np.random.default_rng(0)
    diffs = []
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        pos, neg = idx[y[idx] == 1], idx[y[idx] == 0]
        if len(pos) and len(neg):
            for p in pos:
                chosen = rng.choice(neg, size=min(per_question, len(neg)), replace=False)
                diffs.append(x[p] - x[chosen])
    return np.concatenate(diffs)


def fit(
    x: np.ndarray, y: np.ndarray, groups: np.ndarray, c: float, language: str, quiet: bool = False
) -> dict[str, object]:
    """Pairwise logistic ranking over standardised features, then Platt-scaled into probabilities."""
    scaler = StandardScaler().fit(x)
    z = scaler.transform(x)
    d = pairs(z, y, groups)
    ranker = LogisticRegression(C=c, fit_intercept=False, max_iter=2000)
    ranker.fit(np.concatenate([d, -d]), np.r_[np.ones(len(d)), np.zeros(len(d))])
    raw = z @ ranker.coef_[0]
    platt = LogisticRegression(max_iter=1000).fit(raw[:, None], y)
    model = LogisticRegression()
    model.coef_ = ranker.coef_ * platt.coef_[0, 0]
    model.intercept_ = platt.intercept_
    probs = 1 / (1 + np.exp(-(z @ model.coef_[0] + model.intercept_[0])))
    acc, oracle = top1(probs, y, groups)
    tops = [float(probs[groups == g].max()) for g in np.unique(groups)]
    if quiet:
        return {
            "mean": scaler.mean_,
            "scale": np.where(scaler.scale_ > 0, scaler.scale_, 1.0),
            "coef": model.coef_[0],
        }
    baseline, _ = top1(x[:, FEATURES.index("sent_cos")], y, groups)
    hand, _ = top1(hand_order(x[:, : len(FEATURES)]), y, groups)
    print(f"  {len(np.unique(groups))} questions, {len(y)} candidates, {y.mean():.3f} positive")
    print(f"  top-1 sentence: reranker {acc:.3f}, sentence cosine alone {baseline:.3f}, oracle {oracle:.3f}")
    print(f"  top-1 sentence: hand-set weights (as the profile reads them) {hand:.3f}")
    names = FEATURES + LANGUAGE_FEATURES.get(language, ())
    for name, w in sorted(zip(names, model.coef_[0], strict=True), key=lambda t: -abs(t[1])):
        print(f"    {name:14s} {w:+.3f}")
    return {
        "mean": scaler.mean_.round(6).tolist(),
        "scale": np.where(scaler.scale_ > 0, scaler.scale_, 1.0).round(6).tolist(),
        "coef": model.coef_[0].round(6).tolist(),
        "intercept": round(float(model.intercept_[0]), 6),
        "extra_features": list(LANGUAGE_FEATURES.get(language, ())),
        "questions": len(np.unique(groups)),
        # Answer 95% of the tuning questions: the 5th percentile of their top scores.
        "threshold": round(float(np.percentile(tops, 5)), 4),
    }


def hand_order(features: np.ndarray) -> np.ndarray:
    """The hand-set score the served profile would give (e5 cosines counted from their unrelated level)."""
    if HAND_ON_E5_COSINES:
        cos = [FEATURES.index("sent_cos"), FEATURES.index("chunk_cos")]
        features = features.copy()
        features[:, cos] = (features[:, cos] - CONFIDENCE_FLOOR) / (1.0 - CONFIDENCE_FLOOR)
    return hand_scores(features)


def cross_validate(x: np.ndarray, y: np.ndarray, groups: np.ndarray, c: float, folds: int = 5) -> float:
    """Top-1 sentence when each fifth of the questions is scored by weights fitted on the others."""
    scores = np.zeros(len(y))
    for k in range(folds):
        held = groups % folds == k
        model = fit(x[~held], y[~held], groups[~held], c, "", quiet=True)
        z = (x[held] - np.asarray(model["mean"])) / np.asarray(model["scale"])
        scores[held] = z @ np.asarray(model["coef"])
    return top1(scores, y, groups)[0]


def main() -> None:
    """Parse options, collect candidates per language, fit, write the JSON model."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", nargs=3, action="append", metavar=("LANG", "JSON", "TITLES"), required=True)
    ap.add_argument("--index-dir", type=Path, required=True, help="folder for one index per dataset")
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    ap.add_argument("--reuse", action="store_true", help="reuse candidates saved by an earlier run")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument(
        "--backend", default="torch", help="EMBEDDING_BACKEND (e5-engine for multilingual-e5-small)"
    )
    ap.add_argument("--cv", action="store_true", help="print 5-fold cross-validated top-1 sentence first")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    embedder = make_embedder(args.model, backend=args.backend)
    global HAND_ON_E5_COSINES
    HAND_ON_E5_COSINES = embedder.name == E5_EMBEDDER
    languages = {}
    for lang, path, titles in args.dataset:
        print(f"{lang}: {path}")
        cache = args.index_dir / f"{lang}-candidates.npz"
        if args.reuse and cache.exists():
            saved = np.load(cache)
            x, y, groups = saved["x"], saved["y"], saved["groups"]
        else:
            x, y, groups = collect(Path(path), expand_titles([titles]) or [], args.index_dir / lang, embedder)
            np.savez(cache, x=x, y=y, groups=groups)
        if args.cv:
            print(f"  top-1 sentence, 5-fold cross-validation: {cross_validate(x, y, groups, args.c):.3f}")
        languages[lang] = fit(x, y, groups, args.c, lang)
    write_model(args.out, languages, _provenance(args, embedder.name))
    print(f"wrote {args.out}")


def _provenance(args: argparse.Namespace, embedder_name: str) -> dict[str, object]:
    """What the weights were fitted with, read from the first dataset's index."""
    lang = args.dataset[0][0]
    index_dir = args.index_dir / lang
    manifest = Manifest.read(generation_path(index_dir) or index_dir)
    trained_on = {
        lang: {"dataset": Path(path).name, "articles": titles} for lang, path, titles in args.dataset
    }
    return Provenance(
        embedder=embedder_name,
        backend=args.backend,
        dimension=manifest.dimension,
        features=FEATURE_SET,
        analyzer=manifest.analyzer,
        trained_on={**trained_on, "script": "scripts/train_reranker.py"},
    ).to_json()


def write_model(
    path: Path, languages: dict[str, dict[str, object]], provenance: dict[str, object] | None = None
) -> None:
    """Replace the trained languages' weights in the model file; keep the other languages and the note."""
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    same_features = old.get("features") == list(FEATURES)
    kept = old.get("languages", {}) if same_features else {}
    dropped = [] if same_features else sorted(set(old.get("languages", {})) - set(languages))
    if dropped:
        log.warning("dropping %s: trained on other features", ", ".join(dropped))
    merged = {**old, "features": list(FEATURES), "languages": {**kept, **languages}}
    if provenance is not None:
        merged["provenance"] = provenance
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(merged, indent=1) + "\n")


if __name__ == "__main__":
    main()
