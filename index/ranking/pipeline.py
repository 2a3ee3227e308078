"""The ranking pipeline: candidates -> features -> scorer -> adjusters -> one `Ranking`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index.ranking.dates import apply_date_intent, present_statements_first
from index.ranking.features import candidate_features
from index.ranking.profiles import ProfileSet, RankingProfile
from index.ranking.results import GROW_RATIO, Growth, Ranking, SentenceScore
from index.ranking.scorers import Scorer, Scores, ScoringInput
from index.ranking.stray_language import answered_across, crosses_language, stray_last, stray_rows
from index.retrieval.intent import QueryIntent
from index.retrieval.search import ChunkHit
from index.store.generations import Snapshot


class RankingPipeline:
    """Ranks a question's candidate sentences by the profile of its language."""

    def __init__(self, profiles: ProfileSet) -> None:
        self.profiles = profiles
        self._checked: Path | None = None  # the generation the model files were last checked against

    def check(self, snap: Snapshot) -> None:
        """Refuse a snapshot the profiles' model files were not trained for (once per generation)."""
        if snap.path != self._checked:
            self.profiles.check(snap.manifest)
            self._checked = snap.path

    def profile(self, language: str) -> RankingProfile:
        """The profile questions in `language` are ranked by."""
        return self.profiles.for_language(language)

    def scorers(self) -> dict[str, str]:
        """Language -> the scorer that orders its quotes."""
        return self.profiles.scorers()

    def deciders(self, min_score: float | None = None) -> dict[str, str]:
        """Language -> the answer-or-refuse scorer and its threshold (for stats)."""
        return self.profiles.deciders(min_score)

    def rank(
        self,
        snap: Snapshot,
        intent: QueryIntent,
        query_vector: np.ndarray,
        hits: list[ChunkHit],
        threshold: float | None = None,
    ) -> Ranking:
        """Score the sentences of the top hits, adjust, and judge against `threshold` (else the profile's)."""
        self.check(snap)
        profile = self.profile(intent.language)
        top = hits[: profile.rerank_chunks]
        cands = candidate_features(snap, query_vector, intent.terms, intent.text, top)
        job = ScoringInput(snap, intent, query_vector, cands)
        rows, cosines = cands.rows.tolist(), cands.features[:, 0].tolist()
        by_confidence = profile.confidence.score(job)
        best = rows[int(by_confidence.values.argmax())] if rows else None  # the most confident candidate
        order, grow_ratio = _order_scorer(profile, snap, best, intent.language)
        by_order = by_confidence if order is profile.confidence else order.score(job)
        ordered = _sorted(rows, by_order, cosines)
        relevance = ordered if by_order is by_confidence else _sorted(rows, by_confidence, cosines)
        judged = _threshold(profile, snap, best, intent.language) if threshold is None else threshold
        ordered, relevance = _adjust(snap, intent, profile, ordered, relevance, judged)
        return Ranking(
            order=ordered,
            confidence={s.row: s.score for s in relevance},
            top_confidence=relevance[0].score if relevance else None,
            threshold=judged,
            growth=Growth(grow_ratio, by_order.completes),
            scorer=order.name,
            confidence_scorer=profile.confidence.name,
        )


def _order_scorer(
    profile: RankingProfile, snap: Snapshot, best: int | None, language: str
) -> tuple[Scorer, float]:
    """What orders the quotes, and the neighbour share that grows them."""
    if profile.order is profile.confidence or best is None:
        return profile.order, profile.grow_ratio
    if not crosses_language(snap, best, language):  # the best sentence and its story in another language
        return profile.order, profile.grow_ratio
    # The order scorer's word features cannot read a story in another language (its terms never match the
    # question's): the profile's cross-language scorer orders them, else the confidence (cosine-led).
    if profile.cross_order is not None:
        return profile.cross_order, profile.cross_grow_ratio
    return profile.confidence, GROW_RATIO


def _threshold(profile: RankingProfile, snap: Snapshot, best: int | None, language: str) -> float:
    """The profile's cut: its cross-language one when the most confident candidate is `answered_across`."""
    if profile.cross_threshold is None or best is None:
        return profile.threshold
    return profile.cross_threshold if answered_across(snap, best, language) else profile.threshold


def _adjust(
    snap: Snapshot,
    intent: QueryIntent,
    profile: RankingProfile,
    ordered: list[SentenceScore],
    relevance: list[SentenceScore],
    threshold: float,
) -> tuple[list[SentenceScore], list[SentenceScore]]:
    """Stray-language sentences last, then dates; present-tense statements first. Both lists alike."""
    depth = profile.stray.depth
    leaders = [s.row for s in ordered[:depth]] + (
        [] if relevance is ordered else [s.row for s in relevance[:depth]]
    )
    stray = stray_rows(snap, leaders, intent.language)
    same = relevance is ordered
    ordered = apply_date_intent(
        snap, stray_last(ordered, stray, profile.stray.factor), intent.dates, profile.dates
    )
    if same:
        relevance = ordered
    else:
        relevance = apply_date_intent(
            snap, stray_last(relevance, stray, profile.stray.factor), intent.dates, profile.dates
        )
    if intent.dates.present:
        ordered = present_statements_first(snap, ordered, relevance, threshold)
    return ordered, relevance


def _sorted(rows: list[int], scores: Scores, cosines: list[float]) -> list[SentenceScore]:
    out = [SentenceScore(r, s, c) for r, s, c in zip(rows, scores.values.tolist(), cosines, strict=True)]
    out.sort(key=lambda s: (-s.score, s.row))
    return out
