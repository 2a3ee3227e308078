"""The trained model files shipped in index/ranking/models/, and the profile set they make."""

from __future__ import annotations

from pathlib import Path

from index.errors import RankerError
from index.ranking.features import RerankModel
from index.ranking.profiles import (
    HAND_THRESHOLD,
    RERANK_CHUNKS_ES,
    RETRIEVAL,
    TREE_GROW_RATIO,
    ProfileSet,
    RankingProfile,
)
from index.ranking.scorers import HandScorer, LogisticScorer, TreeScorer
from index.ranking.tree_features import TREE_FEATURES
from index.ranking.trees import TreeEnsemble

MODELS_DIR = Path(__file__).resolve().parent / "models"
TREES_EN = "quote_model_en.json"
LOGISTIC = "rerank_model.json"


def load_trees(path: Path) -> TreeEnsemble:
    """A tree model file; an unreadable or stale one is an error that says to retrain."""
    try:
        trees = TreeEnsemble.load(path)
    except (OSError, ValueError) as exc:
        raise RankerError(f"Cannot load the quote ranker {path}: {exc}") from exc
    if trees.features != TREE_FEATURES:
        raise RankerError(f"{path} was trained on other features; retrain: scripts/train_quote_model.py")
    return trees


def load_logistic(path: Path) -> RerankModel:
    """A logistic model file; an unreadable or stale one is an error that says to retrain."""
    try:
        return RerankModel.load(path)
    except (OSError, ValueError, KeyError) as exc:
        raise RankerError(f"Cannot load the quote ranker {path}: {exc}") from exc


def shipped_profiles(models_dir: Path = MODELS_DIR) -> ProfileSet:
    """English ordered by the trees, Spanish by the logistic model; both judged as they were calibrated."""
    trees = load_trees(models_dir / TREES_EN)
    logistic = load_logistic(models_dir / LOGISTIC)
    logistic_es = LogisticScorer(logistic, "es")
    es_threshold = logistic.threshold("es")
    if es_threshold is None:
        raise RankerError(
            f"{models_dir / LOGISTIC} has no Spanish threshold; retrain: scripts/train_reranker.py"
        )
    english = RankingProfile(
        "en",
        order=TreeScorer(trees),
        # The trees rank within a question; whether the index answers at all stays with the hand-set
        # score, whose threshold was calibrated on unanswerable questions (docs/quality.md).
        confidence=HandScorer(),
        threshold=HAND_THRESHOLD,
        retrieval=RETRIEVAL["en"],
        grow_ratio=TREE_GROW_RATIO,
    )
    spanish = RankingProfile(
        "es",
        logistic_es,
        logistic_es,
        es_threshold,
        retrieval=RETRIEVAL["es"],
        rerank_chunks=RERANK_CHUNKS_ES,
    )
    return ProfileSet({"en": english, "es": spanish})
