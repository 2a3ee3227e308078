"""Context features of candidate sentences for the tree model: wording, answer types and neighbours."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from index.ranking.features import FEATURES, Candidates
from index.ranking.trees import TreeEnsemble
from index.ranking.wording import WORDING, wording_features
from index.store.generations import Snapshot

log = logging.getLogger(__name__)
MODEL_DIR = Path(__file__).resolve().parent / "models"

# Base features compared with the best candidate of the same question: the model needs "how far from
# the leader", which a probability per sentence cannot see on its own.
_RELATIVE_BASE = (
    "sent_cos",
    "prev_cos",
    "chunk_cos",
    "article_cos",
    "overlap",
    "overlap_title",
    "overlap_prev",
)
_WORDING = WORDING
_WH = (
    "how many", "how much", "how long", "how old", "what year", "when", "who", "whom", "whose", "where",
    "why", "which", "what", "how",
)  # fmt: skip
_RELATIVE_WORDING = ("bigrams", "matched", "weighted", "paragraph")
_PAIRS = ("pair_next_cos", "pair_prev_cos")

TREE_FEATURE_SET = "trees-61-v1"  # as a model file records it; bump when a feature changes meaning
TREE_FEATURES: tuple[str, ...] = (
    *FEATURES,
    *(f"rel_{n}" for n in _RELATIVE_BASE),
    *_WORDING,
    *(f"wh_{w.replace(' ', '_')}" for w in _WH),
    *(f"rel_{n}" for n in _RELATIVE_WORDING),
    *_PAIRS,
    *(f"rel_{n}" for n in _PAIRS),
)
# What e5's vectors add for its own trees (MiniLM's trees keep TREE_FEATURES): e5 scores unrelated text
# high (0.75-0.85), so where a sentence stands among the question's candidates says more than its raw
# cosine; and the passage around it (the sentence with both neighbours, the next sentence alone) is read by a
# 12-layer model well enough to show where the answer lies.
_CONTEXT = (
    "next_cos",  # the sentence after it, alone
    "window_cos",  # the sentence with both neighbours (normalised sum of the three vectors)
    "z_sent_cos",  # sent_cos standardised over the question's candidates
    "rank_sent_cos",  # 1 / (1 + rank of sent_cos among the candidates)
    "rank_in_article",  # 1 / (1 + rank of sent_cos among the candidates of its article)
    "article_gap",  # best sent_cos of its article minus the best of any other article
)
E5_TREE_FEATURE_SET = "trees-e5-69-v1"
E5_TREE_FEATURES: tuple[str, ...] = (
    *TREE_FEATURES,
    *_CONTEXT,
    "rel_next_cos",
    "rel_window_cos",
)


def feature_sets() -> dict[tuple[str, ...], str]:
    """Every tree feature list this program computes -> its versioned name (what model files record)."""
    return {TREE_FEATURES: TREE_FEATURE_SET, E5_TREE_FEATURES: E5_TREE_FEATURE_SET}


def tree_inputs(
    features: tuple[str, ...],
    snap: Snapshot,
    cands: Candidates,
    question: str,
    language: str,
    query_vector: np.ndarray,
) -> np.ndarray:
    """The columns `features` (TREE_FEATURES or E5_TREE_FEATURES) of the candidates."""
    x = tree_features(snap, cands, question, language, query_vector)
    if features == TREE_FEATURES:
        return x
    context = context_features(snap, cands, query_vector)
    return np.hstack([x, context, _relative(context, [0, 1])]).astype(np.float32)


def context_features(snap: Snapshot, cands: Candidates, query_vector: np.ndarray) -> np.ndarray:
    """The _CONTEXT columns of the candidates (one row per candidate)."""
    rows = cands.rows
    if not len(rows):
        return np.zeros((0, len(_CONTEXT)), dtype=np.float32)
    query = query_vector.astype(np.float32)
    vectors = snap.data.sentence_vectors
    bounds = snap.data.span_bounds[rows]
    own = np.asarray(vectors[rows], dtype=np.float32)
    after = np.where(rows + 1 < bounds[:, 1], rows + 1, rows)
    before = np.where(rows - 1 >= bounds[:, 0], rows - 1, rows)
    next_vectors = np.asarray(vectors[after], dtype=np.float32)
    window = own + np.where((after != rows)[:, None], next_vectors, 0.0)
    window += np.where((before != rows)[:, None], np.asarray(vectors[before], dtype=np.float32), 0.0)
    window /= np.maximum(np.linalg.norm(window, axis=1, keepdims=True), 1e-6)
    cosine = cands.features[:, FEATURES.index("sent_cos")].astype(np.float64)
    articles = snap.data.sentences[rows, 0].astype(np.int64)
    best_of = {a: cosine[articles == a].max() for a in set(articles.tolist())}
    others = [max((v for b, v in best_of.items() if b != a), default=best_of[a]) for a in articles.tolist()]
    columns = [
        np.where(after != rows, next_vectors @ query, 0.0),
        window @ query,
        (cosine - cosine.mean()) / max(float(cosine.std()), 1e-6),
        1.0 / (1.0 + _ranks(cosine)),
        1.0 / (1.0 + _ranks_within(cosine, articles)),
        np.array([best_of[a] for a in articles.tolist()]) - np.array(others),
    ]
    return np.column_stack(columns).astype(np.float32)


def _ranks(values: np.ndarray) -> np.ndarray:
    """0 for the highest value, 1 for the next, ... (ties by position)."""
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[np.argsort(-values, kind="stable")] = np.arange(len(values))
    return ranks


def _ranks_within(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """_ranks inside each group."""
    ranks = np.empty(len(values), dtype=np.float64)
    for group in np.unique(groups):
        members = np.flatnonzero(groups == group)
        ranks[members] = _ranks(values[members])
    return ranks


def tree_features(
    snap: Snapshot, cands: Candidates, question: str, language: str, query_vector: np.ndarray
) -> np.ndarray:
    """The base features of `cands` extended to TREE_FEATURES (one row per candidate)."""
    base = cands.features
    if not len(base):
        return np.zeros((0, len(TREE_FEATURES)), dtype=np.float32)
    rel = _relative(base, [FEATURES.index(n) for n in _RELATIVE_BASE])
    wording = wording_features(snap, cands.rows, question, language)
    lower = question.lower()
    wh = np.array([float(lower.startswith(w) or f" {w} " in f" {lower} ") for w in _WH], dtype=np.float32)
    pairs = _pair_cosines(snap, cands.rows, query_vector)
    parts = [
        base,
        rel,
        wording,
        np.broadcast_to(wh, (len(base), len(wh))),
        _relative(wording, [_WORDING.index(n) for n in _RELATIVE_WORDING]),
        pairs,
        _relative(pairs, [0, 1]),
    ]
    return np.hstack(parts).astype(np.float32)


def _relative(x: np.ndarray, columns: list[int]) -> np.ndarray:
    chosen = x[:, columns]
    return chosen - chosen.max(axis=0, keepdims=True)


def _pair_cosines(snap: Snapshot, rows: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
    """Cosine of the question with each sentence joined to its next and to its previous sentence."""
    vectors = snap.data.sentence_vectors
    own = np.asarray(vectors[rows], dtype=np.float32)
    out = np.zeros((len(rows), 2), dtype=np.float32)
    bounds = snap.data.span_bounds[rows]
    for column, offset in enumerate((1, -1)):
        others = rows + offset
        others = np.where((others >= bounds[:, 0]) & (others < bounds[:, 1]), others, rows)
        # The normalised sum of two sentence vectors stands in for embedding the pair: no extra model call.
        joined = own + np.asarray(vectors[others], dtype=np.float32)
        joined /= np.maximum(np.linalg.norm(joined, axis=1, keepdims=True), 1e-6)
        out[:, column] = joined @ query_vector.astype(np.float32)
    return out


def answer_type_rows(rows: np.ndarray, x: np.ndarray) -> frozenset[int]:
    """Candidate rows holding what the question asks for: a date for "when", a number for "how many"."""
    column = {name: x[:, i] for i, name in enumerate(TREE_FEATURES)}
    if not len(rows):
        return frozenset()
    if column["wh_when"][0] or column["wh_what_year"][0]:
        has = (column["years"] > 0) | (column["month"] > 0)
    elif column["wh_how_many"][0] or column["wh_how_much"][0] or column["wh_how_long"][0]:
        has = column["numbers"] > 0
    else:
        return frozenset()
    return frozenset(rows[has].tolist())


def load_quote_models(
    directory: Path = MODEL_DIR, languages: tuple[str, ...] = ("en", "es")
) -> dict[str, TreeEnsemble]:
    """The shipped quote-ranking trees per question language; a missing or stale file is left out, loudly."""
    models = {}
    for language in languages:
        path = directory / f"quote_model_{language}.json"
        if not path.exists():
            continue
        try:
            model = TreeEnsemble.load(path)
        except (OSError, ValueError) as exc:
            log.warning("Ignoring %s: %s", path, exc)
            continue
        if model.features != TREE_FEATURES:
            log.warning("Ignoring %s: trained on other features; retrain: scripts/train_quote_model.py", path)
            continue
        models[language] = model
    return models
