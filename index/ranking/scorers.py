"""Scorers: a question's candidate sentences in, one score per candidate out, on the pipeline's scale.

The scale: probability-like, at most 1, higher is better. The trained scorers return probabilities; the
hand-set score is a weighted sum of evidence in [0, 1] whose weights add up to 1 (it dips below 0 only when
a window's cosine is negative). A new scorer (a cross-encoder, say) is one
more class with `name` and `score`, and one line in a ranking profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from index.ranking.features import FEATURES, Candidates, RerankModel
from index.ranking.features_es import model_inputs
from index.ranking.tree_features import answer_type_rows, tree_features
from index.ranking.trees import TreeEnsemble
from index.retrieval.intent import QueryIntent
from index.store.generations import Snapshot

# The hand-set sentence score, by evidence (names as in features.FEATURES). The English answer threshold
# was calibrated on this scale (docs/quality.md).
HAND_WEIGHTS = {"sent_cos": 0.45, "chunk_cos": 0.15, "overlap_title": 0.3, "chunk_bm25": 0.1}


@dataclass
class ScoringInput:
    """What a scorer may read: the snapshot, the question, its vector and the candidates' base features."""

    snap: Snapshot
    intent: QueryIntent
    query_vector: np.ndarray
    candidates: Candidates


@dataclass
class Scores:
    """One score per candidate (in `candidates.rows` order), plus what the quote-growth rule may use."""

    values: np.ndarray
    # Candidate rows holding the asked-for answer type (a date for "when"); empty when not known.
    completes: frozenset[int] = frozenset()


class Scorer(Protocol):
    """Scores a question's candidates on the pipeline's scale (probability-like, higher is better)."""

    @property
    def name(self) -> str:
        """A short label for stats and /about ("hand-set", "trees", "logistic")."""
        ...

    def score(self, job: ScoringInput) -> Scores:
        """One score per candidate."""
        ...


def hand_scores(features: np.ndarray) -> np.ndarray:
    """The hand-set sentence score from candidate features (columns as features.FEATURES)."""
    column = {name: features[:, FEATURES.index(name)] for name in HAND_WEIGHTS}
    cosine = np.maximum(column["sent_cos"], 0.0)
    rest = sum(w * column[n] for n, w in HAND_WEIGHTS.items() if n != "sent_cos")
    return HAND_WEIGHTS["sent_cos"] * cosine + rest


class HandScorer:
    """The hand-set weights: no model file, any embedder."""

    name = "hand-set"

    def score(self, job: ScoringInput) -> Scores:
        """Weighted evidence per candidate."""
        return Scores(hand_scores(job.candidates.features))


class LogisticScorer:
    """A standardised logistic model over the base features plus the language's own columns."""

    def __init__(self, model: RerankModel, language: str) -> None:
        self.model = model
        self.language = language
        self.name = f"logistic ({language})"

    def score(self, job: ScoringInput) -> Scores:
        """Probability per candidate."""
        x = model_inputs(job.snap, job.candidates, job.intent.terms, job.intent.text, self.language)
        return Scores(self.model.score(x, self.language))


class TreeScorer:
    """Gradient-boosted trees over the context features (features, neighbours, wording)."""

    def __init__(self, trees: TreeEnsemble, label: str = "trees") -> None:
        self.trees = trees
        self.name = label

    def score(self, job: ScoringInput) -> Scores:
        """Probability per candidate; the rows that hold the asked-for type complete a quote."""
        cands = job.candidates
        x = tree_features(job.snap, cands, job.intent.text, job.intent.language, job.query_vector)
        return Scores(self.trees.probability(x), answer_type_rows(cands.rows, x))
