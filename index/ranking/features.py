"""Second stage: inspectable features of candidate sentences, scored by a small logistic model."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.retrieval.intent import DATE_QUESTION, NAME_QUESTION, NUMBER_QUESTION
from index.retrieval.search import ChunkHit
from index.store.fact_match import FactsBatch, weighted_share
from index.store.facts import keys_of
from index.store.generations import Snapshot
from index.store.vectors import rows_float32

MODEL_PATH = Path(__file__).resolve().parent / "models" / "rerank_model.json"

# The name and version of FEATURES as a model file records it (bump when a feature changes meaning).
FEATURE_SET = "base-17-v1"
FEATURES = (
    "sent_cos",  # the sentence alone against the question
    "prev_cos",  # the sentence before it (context: the question may be about what it introduces)
    "chunk_cos",  # best window containing the sentence
    "article_cos",  # best window of the same article
    "chunk_bm25",  # best window's BM25, relative to the best hit
    "article_bm25",
    "chunk_rank",  # 1 / (1 + fused rank of the best window)
    "overlap",  # IDF-weighted share of question terms in the sentence
    "overlap_title",  # ... in title + sentence
    "overlap_prev",  # ... in previous + sentence
    "new_terms",  # share of the sentence's terms that the question lacks (an answer adds something)
    "cue_number",  # "how many" and the sentence has a number
    "cue_date",  # "when"/"what year" and the sentence has a year or month
    "cue_name",  # "who" and the sentence names someone the question does not
    "anaphora",  # opens with a pronoun
    "position",  # 1 / (1 + sentence number in the article)
    "length",  # log of characters
)
# Columns after FEATURES that a language's model also reads (computed by index/rerank_es.py for Spanish).
LANGUAGE_FEATURES: dict[str, tuple[str, ...]] = {
    "es": (
        "local_overlap",  # overlap weighted by IDF times rarity among the article's own sentences
        "cue_place",  # "¿dónde?" and the sentence names a place the question does not
    ),
}


@dataclass
class Candidates:
    """Candidate sentence rows and their feature matrix (one row per candidate, columns as FEATURES)."""

    rows: np.ndarray
    features: np.ndarray


def sentence_text(snap: Snapshot, row: int) -> str:
    """The verbatim text of one sentence row (for tools and tests; the snapshot's own accessor)."""
    return snap.sentence_text(row)


def _window_evidence(
    snap: Snapshot, query_vector: np.ndarray, hits: list[ChunkHit]
) -> tuple[dict[int, tuple[float, float, float]], dict[int, tuple[float, float]]]:
    """Per sentence row: best (window cosine, window BM25, rank score); per article: best (cosine, BM25)."""
    data = snap.data
    rows = np.asarray([h.row for h in hits], dtype=np.int64)
    cosines = rows_float32(data.chunk_vectors, rows) @ query_vector.astype(np.float32)
    best_bm25 = max((h.sparse for h in hits), default=0.0) or 1.0
    per_row: dict[int, tuple[float, float, float]] = {}
    per_article: dict[int, tuple[float, float]] = {}
    for rank, (hit, cos) in enumerate(zip(hits, cosines.tolist(), strict=True)):
        article_row, first, last = (int(x) for x in data.chunks[hit.row])
        bm25 = hit.sparse / best_bm25
        for row in range(first, last):
            old = per_row.get(row, (-1.0, 0.0, 0.0))
            per_row[row] = (max(old[0], cos), max(old[1], bm25), max(old[2], 1.0 / (1 + rank)))
        a_cos, a_bm = per_article.get(article_row, (-1.0, 0.0))
        per_article[article_row] = (max(a_cos, cos), max(a_bm, bm25))
    return per_row, per_article


def candidate_features(
    snap: Snapshot, query_vector: np.ndarray, terms: list[str], question: str, hits: list[ChunkHit]
) -> Candidates:
    """Features of every sentence in the given chunk hits."""
    per_row, per_article = _window_evidence(snap, query_vector, hits)
    rows = np.fromiter(sorted(per_row), dtype=np.int64)
    if not len(rows):
        return Candidates(rows, np.zeros((0, len(FEATURES)), dtype=np.float32))
    data = snap.data
    query = query_vector.astype(np.float32)
    sent_cos = rows_float32(data.sentence_vectors, rows) @ query
    articles = data.sentences[rows, 0].astype(np.int64)
    first = data.article_starts[articles]
    has_prev = rows > first  # the sentence before is in the same article
    # One gather for every previous sentence (row itself where there is none; zeroed below).
    before = np.where(has_prev, rows - 1, rows)
    prev_cos = rows_float32(data.sentence_vectors, before) @ query
    evidence = np.array(
        [(*per_row[r], *per_article[a]) for r, a in zip(rows.tolist(), articles.tolist(), strict=True)]
    )
    chunk_cos, chunk_bm25, chunk_rank, article_cos, article_bm25 = evidence.T
    lengths = (data.sentences[rows, 2] - data.sentences[rows, 1]).tolist()
    facts = snap.facts.batch(np.concatenate([rows, before]))  # the candidates, then their previous rows
    columns = [
        sent_cos, np.where(has_prev, prev_cos, 0.0), chunk_cos, article_cos, chunk_bm25, article_bm25,
        chunk_rank, *_term_features(snap, rows, facts, has_prev, terms), *_cue_features(facts, question),
        1.0 / (1 + rows - first), np.array([math.log1p(n) / 6.0 for n in lengths]),
    ]  # fmt: skip
    return Candidates(rows, np.column_stack(columns).astype(np.float32))


def _term_features(
    snap: Snapshot, rows: np.ndarray, facts: FactsBatch, has_prev: np.ndarray, terms: list[str]
) -> list[np.ndarray]:
    """overlap, overlap_title, overlap_prev and new_terms of each row, from the stored facts."""
    idf = dict(zip(terms, snap.sparse.idf(terms).tolist(), strict=True))
    total = sum(idf.values()) or 1.0
    keys, weights = keys_of(idf), list(idf.values())
    present = facts.terms.presence(keys)
    own, prev = present[: len(rows)], present[len(rows) :] & has_prev[:, None]
    title = snap.facts.titles(snap.data.sentences[rows, 0].astype(np.int64)).presence(keys)
    distinct = facts.distinct[: len(rows)]
    return [
        weighted_share(own, weights, total),
        weighted_share(own | title, weights, total),
        weighted_share(own | prev, weights, total),
        (distinct - own.sum(axis=1)) / np.maximum(distinct, 1),
    ]


def _cue_features(facts: FactsBatch, question: str) -> list[np.ndarray]:
    """cue_number, cue_date, cue_name and anaphora of each row: what the question asks for, if present."""
    k = len(facts.distinct) // 2  # rows, then previous rows
    words = keys_of({w.lower() for w in re.findall(r"\w+", question)})
    cues = (
        bool(NUMBER_QUESTION.search(question)),
        bool(DATE_QUESTION.search(question)),
        bool(NAME_QUESTION.search(question)),
    )
    columns = [facts.flag("cue_number"), facts.flag("cue_date"), facts.sets["cue_names"].misses(words) > 0]
    return [
        *(column[:k] & cue for column, cue in zip(columns, cues, strict=True)),
        facts.flag("anaphora")[:k],
    ]


@dataclass
class RerankModel:
    """Standardised logistic model per question language; `score` is a probability in [0, 1]."""

    weights: dict[str, dict[str, list[float] | float]]

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> RerankModel:
        """Read the trained weights (JSON written by scripts/train_reranker.py)."""
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")), path)

    @classmethod
    def from_json(cls, raw: dict[str, Any], path: Path | str = "<model>") -> RerankModel:
        """The weights of a parsed model file; `path` names the file in errors."""
        stale = tuple(raw["features"]) != FEATURES or any(
            tuple(params.get("extra_features", ())) != LANGUAGE_FEATURES.get(language, ())
            for language, params in raw["languages"].items()
        )
        if stale:
            raise ValueError(f"{path} was trained on other features; retrain: scripts/train_reranker.py")
        return cls(raw["languages"])

    def feature_names(self, language: str) -> tuple[str, ...]:
        """The columns this language's weights expect, in order."""
        return FEATURES + LANGUAGE_FEATURES.get(language, ())

    def covers(self, language: str) -> bool:
        """Whether there are trained weights for questions in `language`."""
        return language in self.weights

    def threshold(self, language: str) -> float | None:
        """The answer threshold calibrated for this language's scores, if the file has one."""
        value = self.weights.get(language, {}).get("threshold")
        return float(value) if isinstance(value, int | float) else None

    def score(self, features: np.ndarray, language: str) -> np.ndarray:
        """Probability that each candidate sentence holds the answer."""
        params = self.weights[language]
        mean = np.asarray(params["mean"], dtype=np.float32)
        scale = np.asarray(params["scale"], dtype=np.float32)
        coef = np.asarray(params["coef"], dtype=np.float32)
        z = ((features - mean) / scale) @ coef + float(params["intercept"])  # type: ignore[arg-type]
        return 1.0 / (1.0 + np.exp(-z))
