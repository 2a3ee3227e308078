"""Ranking profiles: per question language, every tunable of retrieval and ranking, and its scorers.

A profile set belongs to one embedder: its fusion weights, depths, growth ratio, adjustments and threshold
were tuned with that model's vectors (docs/quality.md), as were the model files it loads. Languages
without a profile of their own (and "unknown") use the set's fallback.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from index.ranking.dates import DateAdjustment
from index.ranking.provenance import ModelFile
from index.ranking.results import GROW_RATIO
from index.ranking.scorers import HandScorer, Scorer
from index.ranking.stray_language import StrayAdjustment
from index.retrieval.search import RetrievalParams
from index.store.manifest import Manifest

# (dense, BM25) fusion and article blending by question language. The default model is English-only: on
# Spanish questions its rankings are mostly noise, so BM25 leads, and a chunk also counts its whole
# article's BM25 (the right story's words are spread over it). English measured no gain from blending.
RETRIEVAL: dict[str, RetrievalParams] = {
    "en": RetrievalParams(fusion_weights=(1.0, 1.0), article_blend=0.0),
    "es": RetrievalParams(fusion_weights=(0.0, 1.0), article_blend=1.0),
}
# The hand-set score's answer threshold, calibrated for all-MiniLM-L6-v2 on unanswerable questions.
HAND_THRESHOLD = 0.45
RERANK_CHUNKS = 12  # the scorer reads the sentences of this many top chunks
# Spanish: the blended first stage orders chunks better than the logistic features can, so its scorer
# reads only the top few (tuning articles, @1: 12 chunks 0.438, 8 0.437, 6 0.446, 5 0.449, 4 0.449).
RERANK_CHUNKS_ES = 5
# Tree probabilities spread wider than hand-set scores: a neighbour at 40% of the best one's probability
# often holds the answer (tuned on the SQuAD tuning articles so that quotes grow no longer than with the
# pointwise trees at 30%; see docs/quality.md).
TREE_GROW_RATIO = 0.4
# Supporting quotes whose confidence is below this share of the best one's are noise, not support (the
# answer's list drops them; SUPPORTING_MIN_RATIO overrides every profile's).
SUPPORTING_RATIO = 0.4


@dataclass(frozen=True)
class RankingProfile:
    """How questions in one language are retrieved, scored, adjusted and judged."""

    language: str
    order: Scorer  # orders the candidates (the quotes)
    confidence: Scorer  # decides whether the index answers at all (on `threshold`'s scale)
    threshold: float
    # The cut when the most confident candidate's story is in another language (None: `threshold`).
    cross_threshold: float | None = None
    # Orders a question answered from a story in another language (None: `confidence` does), and the share
    # of its best sentence's score a neighbour needs to join the quote then.
    cross_order: Scorer | None = None
    cross_grow_ratio: float = GROW_RATIO
    retrieval: RetrievalParams = field(default_factory=RetrievalParams)
    rerank_chunks: int = RERANK_CHUNKS
    grow_ratio: float = GROW_RATIO
    supporting_ratio: float = SUPPORTING_RATIO  # further quotes need this share of the best one's confidence
    dates: DateAdjustment = field(default_factory=DateAdjustment)
    stray: StrayAdjustment = field(default_factory=StrayAdjustment)


@dataclass(frozen=True)
class ProfileSet:
    """The profiles of one embedder, by question language."""

    profiles: dict[str, RankingProfile]
    fallback: str = "en"
    embedder: str | None = None  # the embedder the set was tuned for (None: any)
    model_files: tuple[ModelFile, ...] = ()

    def check(self, manifest: Manifest) -> None:
        """Refuse an index that the set's model files were not trained for (RankerError)."""
        for model_file in self.model_files:
            model_file.check(manifest)

    def for_language(self, language: str) -> RankingProfile:
        """The profile for questions in `language` (the fallback's when it has none)."""
        return self.profiles.get(language) or self.profiles[self.fallback]

    def scorers(self) -> dict[str, str]:
        """Language -> the scorer that orders its quotes (for stats and /about)."""
        return {language: _orderer(p) for language, p in sorted(self.profiles.items())}

    def deciders(self, min_score: float | None = None) -> dict[str, str]:
        """Language -> what decides whether to answer, and the cut (`min_score` overrides the profiles')."""
        return {language: _decider(p, min_score) for language, p in sorted(self.profiles.items())}


def _orderer(profile: RankingProfile) -> str:
    """The order scorer's name, and the cross-language one's when the profile has one."""
    if profile.cross_order is None:
        return profile.order.name
    return f"{profile.order.name} + across languages {profile.cross_order.name}"


def _decider(profile: RankingProfile, min_score: float | None) -> str:
    """'scorer >= cut', with the cross-language cut when the profile has one and nothing overrides it."""
    if min_score is not None:
        return f"{profile.confidence.name} >= {min_score:.3g}"
    line = f"{profile.confidence.name} >= {profile.threshold:.3g}"
    if profile.cross_threshold is not None:
        line += f" (>= {profile.cross_threshold:.3g} from a story in another language)"
    return line


def hand_set_profiles(threshold: float = HAND_THRESHOLD) -> ProfileSet:
    """Profiles that need no model file: the hand-set weights for every language."""
    hand = HandScorer()
    return ProfileSet(
        {
            language: RankingProfile(language, hand, hand, threshold, retrieval=params)
            for language, params in RETRIEVAL.items()
        }
    )


def rerank_chunks(language: str) -> int:
    """How many top chunks the shipped scorer of `language` reads (training reads the same)."""
    return RERANK_CHUNKS_ES if language == "es" else RERANK_CHUNKS


def retrieval_params(language: str) -> RetrievalParams:
    """The shipped first-stage tunables for questions in `language` (English's for others)."""
    return RETRIEVAL.get(language, RETRIEVAL["en"])
