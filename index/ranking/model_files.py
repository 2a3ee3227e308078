"""The trained model files shipped in index/ranking/models/, and the profile set they make."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from index.errors import RankerError
from index.ranking.features import FEATURE_SET, RerankModel
from index.ranking.profiles import (
    HAND_THRESHOLD,
    RERANK_CHUNKS_ES,
    RETRIEVAL,
    TREE_GROW_RATIO,
    ProfileSet,
    RankingProfile,
)
from index.ranking.provenance import ModelFile, Provenance
from index.ranking.scorers import HandScorer, LogisticScorer, TreeScorer
from index.ranking.tree_features import TREE_FEATURE_SET, TREE_FEATURES
from index.ranking.trees import TreeEnsemble

MODELS_DIR = Path(__file__).resolve().parent / "models"
TREES_EN = "quote_model_en.json"
LOGISTIC = "rerank_model.json"


def load_trees(path: Path) -> tuple[TreeEnsemble, ModelFile]:
    """A tree model file and what it was trained with; an unreadable or stale one is an error."""
    raw = _read(path)
    try:
        trees = TreeEnsemble.from_json(raw, path)
    except ValueError as exc:
        raise RankerError(f"Cannot load the quote ranker {path}: {exc}") from exc
    if trees.features != TREE_FEATURES:
        raise RankerError(f"{path} was trained on other features; retrain: scripts/train_quote_model.py")
    return trees, ModelFile(path, Provenance.from_json(raw, path), TREE_FEATURE_SET)


def load_logistic(path: Path) -> tuple[RerankModel, ModelFile]:
    """A logistic model file and what it was trained with; an unreadable or stale one is an error."""
    raw = _read(path)
    try:
        model = RerankModel.from_json(raw, path)
    except (ValueError, KeyError) as exc:
        raise RankerError(f"Cannot load the quote ranker {path}: {exc}") from exc
    return model, ModelFile(path, Provenance.from_json(raw, path), FEATURE_SET)


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RankerError(f"Cannot load the quote ranker {path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise RankerError(f"Cannot load the quote ranker {path}: not a JSON object")
    return raw


def shipped_profiles(models_dir: Path = MODELS_DIR) -> ProfileSet:
    """English ordered by the trees, Spanish by the logistic model; both judged as they were calibrated."""
    trees, trees_file = load_trees(models_dir / TREES_EN)
    logistic, logistic_file = load_logistic(models_dir / LOGISTIC)
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
    files = (trees_file, logistic_file)
    embedders = {f.provenance.embedder for f in files}
    if len(embedders) != 1:
        raise RankerError(
            f"The model files in {models_dir} were trained with different embedders: {embedders}"
        )
    return ProfileSet({"en": english, "es": spanish}, embedder=embedders.pop(), model_files=files)
