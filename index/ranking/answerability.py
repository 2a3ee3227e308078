"""Whether to answer at all: evidence read off a question's ranked candidates, judged by a small trained model.

A bi-encoder's cosine says whether a sentence is about the question's topic; it does not say whether the
sentence states the asked fact. What else tells them apart is read here, once per question, from the
candidates the pipeline already scored: how far the best candidate stands above the rest, whether dense and
BM25 agree on it, how much of the question the index (and the best candidate's article) covers, whether the
best sentence holds the type of answer asked for ("how much" wants an amount, "when" a date, "who" a name),
and whether it contradicts a year the question names ("Who won the 2022 World Cup?" over a 2018 sentence).
A logistic model over these (scripts/fit_answerability.py, tune splits only) gives the probability that the
index answers; its file records the embedder it was fitted with and the threshold per language.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import RankerError

from index.ranking.features import FEATURES
from index.ranking.profiles import ProfileSet
from index.ranking.provenance import ModelFile, Provenance
from index.ranking.scorers import Scorer, Scores, ScoringInput
from index.retrieval.intent import DateIntent, QueryIntent
from index.store.facts import keys_of
from index.store.generations import Snapshot
from index.text.analysis import analyze
from index.text.lexicon import YEAR

# The name and version of ANSWERABILITY_FEATURES as a model file records it (bump when one changes meaning).
ANSWERABILITY_FEATURE_SET = "answerability-v1"
ANSWERABILITY_FEATURES = (
    "confidence",  # the base confidence of the best candidate (cosine mix counted from the unrelated level)
    "sent_cos",  # the best sentence cosine, on the embedder's own scale
    "chunk_cos",  # the best window cosine
    "gap_next",  # best base confidence minus the second best
    "gap_median",  # ... minus the median of the top MEDIAN_DEPTH
    "gap_article",  # ... minus the best of another article (the best itself when there is none)
    "bm25_best",  # the best candidate's window BM25, relative to BM25's best hit (1: BM25 agrees)
    "fused_rank",  # 1 / (1 + fused rank of the best candidate's window)
    "dense_bm25_article",  # dense's best window and BM25's best window are in the same article
    "best_bm25_article",  # the best candidate is in BM25's best article
    "overlap",  # IDF-weighted share of question terms in the best sentence
    "overlap_title",  # ... in the sentence and its title
    "coverage_article",  # ... anywhere in the best candidate's article (and its title)
    "unknown_terms",  # share of the question's terms that no indexed text holds
    "asks_number",
    "asks_date",
    "asks_name",
    "lacks_number",  # a "how many/much" question, and the best sentence states no number
    "lacks_amount",  # a money question ("how much does he earn"), and no amount of money
    "lacks_date",  # a "when" question, and no year or month
    "lacks_name",  # a "who" question, and no name the question lacks
    "year_conflict",  # the question names a year; the sentence names years, none of them
    "year_missing",  # the question names a year; neither the sentence nor its article's date has it
    "language_match",  # the best sentence's article is in the question's language
    "spanish",  # the question is Spanish
)
MEDIAN_DEPTH = 10

_MONEY_QUESTION = re.compile(
    r"\b(money|cost|costs|earn|earns|earned|paid|pay|pays|salary|price|worth|spend|spent|budget|fee|"
    r"dinero|cuesta|cuest[oó]|cobra|gana|ganar[aá]?|salario|sueldo|precio|pag[oó]|pagar[aá]?|presupuesto)\b",
    re.I,
)
_AMOUNT = re.compile(
    r"[$€£¥]|\b(dollars?|euros?|pounds?|pesos?|yen|yuan|usd|eur|gbp|cents?|million|billion|trillion|"
    r"millones|millón|millon|billones|d[oó]lares|libras)\b",
    re.I,
)
_HOW_MUCH = re.compile(r"\b(how much|cu[aá]nto|cu[aá]nta)\b", re.I)
_COLUMN = {name: FEATURES.index(name) for name in FEATURES}


def asks_for_amount(question: str) -> bool:
    """Whether a question asks for an amount of money ("How much does Osorio earn?")."""
    return bool(_HOW_MUCH.search(question) and _MONEY_QUESTION.search(question))


def states_amount(text: str) -> bool:
    """Whether a sentence states an amount of money (a currency sign or word next to its figures)."""
    return bool(_AMOUNT.search(text)) and bool(re.search(r"\d", text))


def year_evidence(dates: DateIntent, sentence: str, published: dt.date | None) -> tuple[bool, bool]:
    """(conflict, missing) for a question naming years: the sentence names only other years; or neither
    the sentence nor its article's date is of a named year. Both False when the question names none."""
    if not dates.ranged:
        return False, False
    low = dates.first_year if dates.first_year is not None else -10_000
    high = dates.last_year if dates.last_year is not None else 10_000
    named = [int(y) for y in YEAR.findall(sentence)]
    in_range = any(low <= y <= high for y in named)
    conflict = bool(named) and not in_range
    dated = published is not None and low <= published.year <= high
    return conflict, not in_range and not dated


def score_gaps(scores: np.ndarray, articles: np.ndarray) -> tuple[float, float, float]:
    """How far the best score stands above the second, the median of the top few, and another article's best."""
    if not len(scores):
        return 0.0, 0.0, 0.0
    order = np.argsort(-scores, kind="stable")
    best = float(scores[order[0]])
    second = float(scores[order[1]]) if len(order) > 1 else 0.0
    median = float(np.median(scores[order[:MEDIAN_DEPTH]]))
    others = scores[articles != articles[order[0]]]
    other = float(others.max()) if len(others) else 0.0
    return best - second, best - median, best - other


@dataclass(frozen=True)
class TypeEvidence:
    """What the question asks for and what the best sentence lacks of it."""

    asks: frozenset[str]
    lacks_number: bool
    lacks_amount: bool
    lacks_date: bool
    lacks_name: bool


def type_evidence(intent: QueryIntent, sentence: str, cues: dict[str, bool]) -> TypeEvidence:
    """Answer-type agreement of one sentence; `cues` are its cue_number/cue_date/cue_name features."""
    asks = intent.asks
    return TypeEvidence(
        asks=asks,
        lacks_number="number" in asks and not cues["cue_number"],
        lacks_amount=asks_for_amount(intent.text) and not states_amount(sentence),
        lacks_date="date" in asks and not cues["cue_date"],
        lacks_name="name" in asks and not cues["cue_name"],
    )


def question_features(job: ScoringInput, base: np.ndarray) -> np.ndarray:
    """The answerability features of one question (ANSWERABILITY_FEATURES order), from scored candidates."""
    cands, snap, intent = job.candidates, job.snap, job.intent
    f = cands.features
    best = int(np.argmax(base))
    row = int(cands.rows[best])
    articles = snap.data.sentences[cands.rows, 0].astype(np.int64)
    sentence = snap.sentence_text(row)
    article = snap.article_of(row)
    gaps = score_gaps(base, articles)
    dense_article = int(articles[int(np.argmax(f[:, _COLUMN["chunk_cos"]]))])
    bm25_article = int(articles[int(np.argmax(f[:, _COLUMN["chunk_bm25"]]))])
    cues = {name: bool(f[best, _COLUMN[name]] > 0) for name in ("cue_number", "cue_date", "cue_name")}
    types = type_evidence(intent, sentence, cues)
    conflict, missing = year_evidence(intent.dates, sentence, article.date)
    values = [
        float(base[best]),
        float(f[:, _COLUMN["sent_cos"]].max()),
        float(f[:, _COLUMN["chunk_cos"]].max()),
        *gaps,
        float(f[best, _COLUMN["chunk_bm25"]]),
        float(f[best, _COLUMN["chunk_rank"]]),
        float(dense_article == bm25_article),
        float(int(articles[best]) == bm25_article),
        float(f[best, _COLUMN["overlap"]]),
        float(f[best, _COLUMN["overlap_title"]]),
        article_coverage(snap, int(articles[best]), intent.terms),
        unknown_share(snap, intent),
        *(float(kind in types.asks) for kind in ("number", "date", "name")),
        float(types.lacks_number),
        float(types.lacks_amount),
        float(types.lacks_date),
        float(types.lacks_name),
        float(conflict),
        float(missing),
        float(intent.language in ("unknown", article.language) or article.language == "unknown"),
        float(intent.language == "es"),
    ]
    return np.asarray(values, dtype=np.float64)


def article_coverage(snap: Snapshot, article_row: int, terms: list[str]) -> float:
    """IDF-weighted share of the question's terms found anywhere in one article (its title included)."""
    idf = snap.sparse.idf(terms).astype(np.float64)
    total = float(idf.sum())
    if total <= 0:
        return 0.0
    keys = keys_of(terms)
    starts = snap.data.article_starts
    rows = np.arange(int(starts[article_row]), int(starts[article_row + 1]))
    found = snap.facts.batch(rows).terms.presence(keys).any(axis=0)
    found |= snap.facts.titles(np.asarray([article_row])).presence(keys)[0]
    return float(idf[found].sum() / total)


def unknown_share(snap: Snapshot, intent: QueryIntent) -> float:
    """Share of the question's own-language terms that no indexed text holds."""
    terms = sorted(set(analyze(intent.text, intent.language)))
    if not terms:
        return 0.0
    return float(np.mean(snap.sparse.idf(terms) <= 0))


@dataclass(frozen=True)
class AnswerabilityModel:
    """A standardised logistic regression over ANSWERABILITY_FEATURES, with its threshold per language."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    thresholds: dict[str, float]

    def probability(self, features: np.ndarray) -> np.ndarray:
        """P(the index answers) for each row of `features` (or one vector)."""
        z = ((features - self.mean) / self.scale) @ self.coef + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def threshold(self, language: str, fallback: str = "en") -> float:
        """The cut answering 95% of the answerable tune questions in `language` (else the fallback's)."""
        return self.thresholds.get(language, self.thresholds[fallback])


class AnswerabilityScorer:
    """The model's probability that the index answers, spread over the candidates as the base scorer ranks them.

    The best candidate gets the probability; the others keep their share of the best one's base score, so
    that the supporting-quote cut (a share of the best quote's confidence) cuts what it cut before.
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
        p = float(self.model.probability(question_features(job, base)))
        return Scores(spread(base, p))


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
            mean=np.asarray(raw["mean"], dtype=np.float64),
            scale=np.asarray(raw["scale"], dtype=np.float64),
            coef=np.asarray(raw["coef"], dtype=np.float64),
            intercept=float(raw["intercept"]),
            thresholds={str(k): float(v) for k, v in dict(raw["thresholds"]).items()},
        )
        if not model.thresholds or any(
            len(a) != len(ANSWERABILITY_FEATURES) for a in (model.mean, model.scale, model.coef)
        ):
            raise ValueError("weights or thresholds missing")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RankerError(f"Cannot load the answer model {path}: {exc}") from exc
    return model, ModelFile(path, Provenance.from_json(raw, path), ANSWERABILITY_FEATURE_SET)


def model_json(model: AnswerabilityModel, provenance: Provenance) -> dict[str, Any]:
    """The JSON a model file holds (written by scripts/fit_answerability.py)."""
    return {
        "features": list(ANSWERABILITY_FEATURES),
        "mean": model.mean.tolist(),
        "scale": model.scale.tolist(),
        "coef": model.coef.tolist(),
        "intercept": model.intercept,
        "thresholds": model.thresholds,
        "provenance": provenance.to_json(),
    }


def with_answerability(profiles: ProfileSet, path: Path) -> ProfileSet:
    """The profiles judged by the answerability model in `path` (over their own confidence scorers), when shipped."""
    if not path.exists():
        return profiles
    model, model_file = load_answerability(path)
    judged = {
        language: replace(
            profile,
            confidence=AnswerabilityScorer(model, profile.confidence),
            threshold=model.threshold(language, profiles.fallback),
        )
        for language, profile in profiles.profiles.items()
    }
    return replace(profiles, profiles=judged, model_files=(*profiles.model_files, model_file))
