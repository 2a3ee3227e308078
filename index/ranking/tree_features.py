"""Context features of candidate sentences for the tree model: wording, answer types and neighbours."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from index.ranking.features import FEATURES, Candidates
from index.ranking.trees import TreeEnsemble
from index.ranking.wording import WORDING, wording_features
from index.store.generations import Snapshot
from index.store.vectors import rows_float32

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
    own = rows_float32(vectors, rows)
    out = np.zeros((len(rows), 2), dtype=np.float32)
    bounds = snap.data.span_bounds[rows]
    for column, offset in enumerate((1, -1)):
        others = rows + offset
        others = np.where((others >= bounds[:, 0]) & (others < bounds[:, 1]), others, rows)
        # The normalised sum of two sentence vectors stands in for embedding the pair: no extra model call.
        joined = own + rows_float32(vectors, others)
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
