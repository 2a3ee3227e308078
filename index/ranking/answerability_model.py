"""The answer-or-refuse model: small trees over answerability.ANSWERABILITY_FEATURES, its file and its scorer.

The file (models/answerability.e5.json, written by scripts/fit_answerability.py) holds the trees, the
threshold per question language (the cut that answered 95% of the answerable tune questions), and the
embedder it was fitted with: an index of another model is refused, as with the quote rankers' files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import RankerError
from index.ranking.answerability import (
    ANSWERABILITY_FEATURE_SET,
    ANSWERABILITY_FEATURES,
    LEXICAL,
    question_features,
)
from index.ranking.profiles import ProfileSet
from index.ranking.provenance import ModelFile, Provenance
from index.ranking.scorers import Scorer, Scores, ScoringInput
from index.ranking.stray_language import answered_across
from index.ranking.trees import TreeEnsemble

# Vetoes: evidence too rare in the tune data for the trees to weigh (a few questions in 3700), set by hand,
# refuse: the probability is multiplied by VETO_FACTOR.
# - A money or age question whose best sentence states no amount or figure ("How much does Osorio earn at
#   Zamalek?" answered by "He now directs Zamalek"; "How old is Osorio?").
# - A year the question names that the best sentence contradicts and its article never names ("Who won the
#   2022 World Cup?" answered by a 2018 sentence).
# - A role or a life event the question asks for ("Who is the president of Colombia?", "When was Osorio
#   born?") that the best sentence's article never names (index.ranking.relation.role_absent).
# On the tune splits they refuse 12 of 3684 answerable questions (Spanish: "¿Quién es el entrenador del
# Villarreal?" answered by "el técnico...") and about 70 unanswerable ones, most of them refused anyway.
# A tenth: below every language's threshold even for a certain question (0.2 let a Spanish one through at
# 0.87 and more: "¿Cuánto gana Osorio en el Zamalek?" answered at 0.18 against the cut's 0.174).
VETO_FACTOR = 0.1
VETOES = (("lacks_amount",), ("year_conflict", "year_absent"), ("role_absent",))
_VETOES = [[ANSWERABILITY_FEATURES.index(name) for name in names] for names in VETOES]
_LEXICAL = [ANSWERABILITY_FEATURES.index(name) for name in LEXICAL]
_LANGUAGE_MATCH = ANSWERABILITY_FEATURES.index("language_match")


@dataclass(frozen=True)
class CrossLanguageModel:
    """Trees for questions whose best story is in another language, fitted on those alone, and their cuts."""

    trees: TreeEnsemble
    thresholds: dict[str, float]  # by the question's language


@dataclass(frozen=True)
class AnswerabilityModel:
    """Trees giving P(the index answers) from one question's features, and the threshold per language."""

    trees: TreeEnsemble
    neutral: np.ndarray  # the features' means on the fitting data (word evidence across languages)
    thresholds: dict[str, float]
    # Questions answered from a story in another language ("¿Quién dirige Zamalek?" over English news): their
    # cosines run lower, and the same-language cut refused 41-61% of the answerable ones (docs/quality.md,
    # "Session 9: asking across languages"). None: the trees above, word evidence read at its mean.
    cross: CrossLanguageModel | None = None

    def probability(self, features: np.ndarray) -> np.ndarray:
        """P(the index answers) for each row of `features`, vetoes applied (the same-language trees)."""
        x = np.atleast_2d(features)
        return self.trees.probability(x) * vetoed(x)

    def judge(self, features: np.ndarray, across: np.ndarray | None = None) -> np.ndarray:
        """P(the index answers) as served; `across` rows (default: best story foreign) by the cross trees."""
        x = np.array(np.atleast_2d(features), dtype=np.float64)
        foreign = x[:, _LANGUAGE_MATCH] == 0
        across = foreign if across is None else np.asarray(across, dtype=bool)
        if self.cross is None:
            across = np.zeros(len(x), dtype=bool)
        # Word evidence means nothing across languages to trees that never saw such questions.
        neutral = foreign & ~across
        x_same = x.copy()
        x_same[np.ix_(neutral, _LEXICAL)] = self.neutral[_LEXICAL]
        p = self.probability(x_same)
        if across.any() and self.cross is not None:
            p[across] = self.cross.trees.probability(x[across]) * vetoed(x[across])
        return p

    def threshold(self, language: str, fallback: str = "en") -> float:
        """The cut answering 95% of the answerable tune questions in `language` (else the fallback's)."""
        return self.thresholds.get(language, self.thresholds[fallback])

    def cross_threshold(self, language: str) -> float | None:
        """The cut for `language`'s questions answered from a story in another language (None: its own)."""
        return None if self.cross is None else self.cross.thresholds.get(language)


class AnswerabilityScorer:
    """The model's probability that the index answers, given to the base scorer's best candidate.

    The other candidates keep their share of the best one's base score, so that the supporting-quote cut
    (a share of the best quote's confidence) cuts what it cut before.
    """

    def __init__(self, model: AnswerabilityModel, base: Scorer) -> None:
        self.model = model
        self.base = base
        self.name = f"answerability over {base.name}"

    def score(self, job: ScoringInput) -> Scores:
        """One score per candidate; the best one's is the probability that the index answers."""
        base = self.base.score(job).values
        if not len(base):
            return Scores(base)
        x = question_features(job, base)
        best = int(job.candidates.rows[int(base.argmax())])
        across = np.asarray([answered_across(job.snap, best, job.intent.language)])
        return Scores(spread(base, float(self.model.judge(x, across)[0])))


def vetoed(x: np.ndarray) -> np.ndarray:
    """The factor the vetoes put on each row's probability (1 where none applies)."""
    hit = np.zeros(len(x), dtype=bool)
    for columns in _VETOES:
        hit |= (x[:, columns] > 0).all(axis=1)
    return np.where(hit, VETO_FACTOR, 1.0)


def spread(base: np.ndarray, top: float) -> np.ndarray:
    """Scores with the best one set to `top` and the others at their share of the best base score."""
    best = float(base.max())
    if best <= 0:  # nothing related: only the best candidate keeps a confidence
        return np.where(base >= best, top, 0.0)
    return np.asarray(top * base / best, dtype=np.float64)


def load_answerability(path: Path) -> tuple[AnswerabilityModel, ModelFile]:
    """An answerability model file and what it was fitted with; an unreadable or stale one is an error."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError("not a JSON object")
        if tuple(raw["features"]) != ANSWERABILITY_FEATURES:
            raise ValueError("fitted on other features; refit it: scripts/fit_answerability.py")
        model = AnswerabilityModel(
            trees=TreeEnsemble.from_json(raw, path),
            neutral=np.asarray(raw["neutral"], dtype=np.float64),
            thresholds=_thresholds(raw["thresholds"]),
            cross=_cross_model(raw.get("across_languages"), path),
        )
        if not model.thresholds or len(model.neutral) != len(ANSWERABILITY_FEATURES):
            raise ValueError("thresholds or feature means missing")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RankerError(f"Cannot load the answer model {path}: {exc}") from exc
    return model, ModelFile(path, Provenance.from_json(raw, path), ANSWERABILITY_FEATURE_SET)


def _thresholds(raw: object) -> dict[str, float]:
    """A JSON object of language -> cut."""
    return {str(k): float(v) for k, v in dict(raw).items()}  # type: ignore[call-overload]


def _cross_model(raw: object, path: Path) -> CrossLanguageModel | None:
    """The cross-language part of a model file (None when it has none)."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or not raw.get("thresholds"):
        raise ValueError("across_languages needs trees and thresholds")
    trees = TreeEnsemble.from_json({**raw, "features": list(ANSWERABILITY_FEATURES)}, path)
    return CrossLanguageModel(trees, _thresholds(raw["thresholds"]))


def model_json(
    trees: dict[str, Any],
    neutral: np.ndarray,
    thresholds: dict[str, float],
    provenance: Provenance,
    cross: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON a model file holds: `trees` as index.ranking.trees reads them, plus the rest.

    `cross`, when given, is the cross-language trees (the same JSON) with their "thresholds" by language.
    """
    return {
        **trees,
        "features": list(ANSWERABILITY_FEATURES),
        "neutral": [round(float(v), 6) for v in neutral],
        "thresholds": thresholds,
        **({} if cross is None else {"across_languages": cross}),
        "provenance": provenance.to_json(),
    }


def with_answerability(profiles: ProfileSet, path: Path) -> ProfileSet:
    """The profiles judged by the model in `path` over their own confidence scorers (unchanged without it)."""
    if not path.exists():
        return profiles
    model, model_file = load_answerability(path)
    judged = {
        language: replace(
            profile,
            confidence=AnswerabilityScorer(model, profile.confidence),
            threshold=model.threshold(language, profiles.fallback),
            cross_threshold=model.cross_threshold(language),
        )
        for language, profile in profiles.profiles.items()
    }
    return replace(profiles, profiles=judged, model_files=(*profiles.model_files, model_file))
