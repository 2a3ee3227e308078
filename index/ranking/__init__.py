"""Second stage: candidate sentences -> features -> a scorer -> adjusters -> one Ranking."""

from __future__ import annotations

from index.ranking.model_files import shipped_profiles
from index.ranking.pipeline import RankingPipeline
from index.ranking.profiles import ProfileSet, RankingProfile, hand_set_profiles
from index.ranking.provenance import Provenance
from index.ranking.results import Growth, Ranking, SentenceScore
from index.ranking.scorers import HandScorer, LogisticScorer, Scorer, TreeScorer

__all__ = [
    "Growth",
    "HandScorer",
    "LogisticScorer",
    "ProfileSet",
    "Provenance",
    "Ranking",
    "RankingPipeline",
    "RankingProfile",
    "Scorer",
    "SentenceScore",
    "TreeScorer",
    "hand_set_profiles",
    "shipped_profiles",
]
