"""Context features of candidate sentences for the tree model: wording, answer types and neighbours."""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Set as AbstractSet
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from index.analysis import analyze
from index.quote_cues import Cues, cue_row, places, question_cues
from index.rerank import FEATURES, Candidates, sentence_terms, sentence_text
from index.store import Snapshot
from index.trees import TreeEnsemble

log = logging.getLogger(__name__)
MODEL_DIR = Path(__file__).resolve().parent

# Base features compared with the best candidate of the same question: the model needs "how far from
# the leader", which a probability per sentence cannot see on its own.
_RELATIVE_BASE = (
    "sent_cos",
    "prev_cos",
    "chunk_cos",
    "article_cos",
    "overlap",
    "overlap_title",
    "overlap_prev",
)
_WORDING = (
    "bigrams",  # share of the question's term pairs found in order (question writers reuse phrases)
    "spread",  # term positions spanned per matched term: low when the matches sit together
    "matched",  # share of distinct question terms, unweighted
    "weighted",  # IDF-weighted share of question terms in the sentence alone (no title)
    "new_count",  # terms the question lacks: where the answer is
    "names",  # capitalised words that the question does not contain
    "years",
    "numbers",
    "month",
    "percent",
    "money",
    "paragraph",  # IDF-weighted share of question terms anywhere in the sentence's paragraph
    "prev_overlap",
    "next_overlap",
    "terms",
)
_WH = (
    "how many", "how much", "how long", "how old", "what year", "when", "who", "whom", "whose", "where",
    "why", "which", "what", "how",
)  # fmt: skip
_RELATIVE_WORDING = ("bigrams", "matched", "weighted", "paragraph")
_PAIRS = ("pair_next_cos", "pair_prev_cos")
_CUES = (
    "typed",  # spans of the asked type (a year for "when", a name for "who") that the question lacks
    "head",  # the noun of "which/what X" is in the sentence (-1: the question has none)
    "head_near",  # ... in the sentence before or after it
    "rarest",  # the question's rarest term is in the sentence
    "rare2",  # share of its two rarest terms in the sentence
    "run",  # longest run of question terms repeated in order
    "window",  # most question terms within a few consecutive terms
    "para_pos",  # sentence number inside its span (paragraph)
    "prev_typed",  # typed spans in the neighbours (-1: none in the span): the answer may sit beside
    "next_typed",
)
_RELATIVE_CUES = ("typed", "run", "window")

TREE_FEATURES: tuple[str, ...] = (
    *FEATURES,
    *(f"rel_{n}" for n in _RELATIVE_BASE),
    *_WORDING,
    *(f"wh_{w.replace(' ', '_')}" for w in _WH),
    *(f"rel_{n}" for n in _RELATIVE_WORDING),
    *_PAIRS,
    *(f"rel_{n}" for n in _PAIRS),
    *_CUES,
    *(f"rel_{n}" for n in _RELATIVE_CUES),
)

_NAME = re.compile(r"(?<!^)\b[A-ZÁÉÍÓÚÑ][\wÁÉÍÓÚÑáéíóúñ]+")
_YEAR = re.compile(r"\b(1\d{3}|20\d{2})s?\b")
_NUMBER = re.compile(r"\d[\d,.]*")
_MONTH = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December|enero|"
    r"febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre)\b"
)
_WORD = re.compile(r"\w+")


def _paragraph_terms(snap: Snapshot, row: int) -> frozenset[str]:
    """Terms of the span around `row`: the union of its sentences' (cached) terms."""
    data = snap.data
    first, end = (int(x) for x in data.span_bounds[row])
    language = data.articles[int(data.sentences[row, 0])].language
    return frozenset().union(*(sentence_terms(sentence_text(snap, r), language) for r in range(first, end)))


def tree_features(
    snap: Snapshot, cands: Candidates, question: str, language: str, query_vector: np.ndarray
) -> np.ndarray:
    """The base features of `cands` extended to TREE_FEATURES (one row per candidate)."""
    base = cands.features
    if not len(base):
        return np.zeros((0, len(TREE_FEATURES)), dtype=np.float32)
    rel = _relative(base, [FEATURES.index(n) for n in _RELATIVE_BASE])
    wording, cues = _wording(snap, cands.rows, question, language)
    lower = question.lower()
    wh = np.array([float(lower.startswith(w) or f" {w} " in f" {lower} ") for w in _WH], dtype=np.float32)
    pairs = _pair_cosines(snap, cands.rows, query_vector)
    parts = [
        base,
        rel,
        wording,
        np.broadcast_to(wh, (len(base), len(wh))),
        _relative(wording, [_WORDING.index(n) for n in _RELATIVE_WORDING]),
        pairs,
        _relative(pairs, [0, 1]),
        cues,
        _relative(cues, [_CUES.index(n) for n in _RELATIVE_CUES]),
    ]
    return np.hstack(parts).astype(np.float32)


def _relative(x: np.ndarray, columns: list[int]) -> np.ndarray:
    chosen = x[:, columns]
    return chosen - chosen.max(axis=0, keepdims=True)


def _pair_cosines(snap: Snapshot, rows: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
    """Cosine of the question with each sentence joined to its next and to its previous sentence."""
    vectors = snap.data.sentence_vectors
    own = np.asarray(vectors[rows], dtype=np.float32)
    out = np.zeros((len(rows), 2), dtype=np.float32)
    bounds = snap.data.span_bounds[rows]
    for column, offset in enumerate((1, -1)):
        others = rows + offset
        others = np.where((others >= bounds[:, 0]) & (others < bounds[:, 1]), others, rows)
        # The normalised sum of two sentence vectors stands in for embedding the pair: no extra model call.
        joined = own + np.asarray(vectors[others], dtype=np.float32)
        joined /= np.maximum(np.linalg.norm(joined, axis=1, keepdims=True), 1e-6)
        out[:, column] = joined @ query_vector.astype(np.float32)
    return out


def _wording(snap: Snapshot, rows: np.ndarray, question: str, language: str) -> tuple[np.ndarray, np.ndarray]:
    """The _WORDING and _CUES features of each candidate row."""
    lang = language if language in ("en", "es") else "en"
    ordered = analyze(question, lang)
    asked = sorted(set(ordered))
    idf = dict(zip(asked, snap.sparse.idf(asked).tolist(), strict=True))
    query = _Query(
        asked=frozenset(asked),
        idf=idf,
        total=sum(idf.values()) or 1.0,
        pairs=frozenset(itertools.pairwise(ordered)),
        words=frozenset(w.lower() for w in _WORD.findall(question)),
        cues=question_cues(question, lang, idf),
    )
    out = np.zeros((len(rows), len(_WORDING)), dtype=np.float32)
    cues = np.zeros((len(rows), len(_CUES)), dtype=np.float32)
    for i, row in enumerate(rows.tolist()):
        out[i] = _row_wording(snap, row, query)
        cues[i] = _row_cues(snap, row, query)
    return out, cues


class _Query(NamedTuple):
    asked: frozenset[str]
    idf: dict[str, float]
    total: float  # sum of the idf weights (1 when there are none)
    pairs: frozenset[tuple[str, str]]
    words: frozenset[str]
    cues: Cues

    def share(self, present: AbstractSet[str]) -> float:
        return sum(w for t, w in self.idf.items() if t in present) / self.total


class _Facts(NamedTuple):
    """What a sentence offers whatever the question: computed once per sentence text."""

    terms: tuple[str, ...]
    own: frozenset[str]
    pairs: frozenset[tuple[str, str]]  # adjacent and one-apart term pairs
    names: frozenset[str]
    years: frozenset[str]
    numbers: frozenset[str]
    places: frozenset[str]
    flags: tuple[float, float, float]  # month, percent, money


@lru_cache(maxsize=300_000)
def _facts(text: str, language: str) -> _Facts:
    terms = sentence_terms(text, language)
    return _Facts(
        terms=terms,
        own=frozenset(terms),
        pairs=frozenset(itertools.pairwise(terms)) | frozenset(zip(terms, terms[2:], strict=False)),
        names=frozenset(m.lower() for m in _NAME.findall(text)),
        years=frozenset(_YEAR.findall(text)),
        numbers=frozenset(_NUMBER.findall(text)),
        places=places(text),
        flags=(
            float(bool(_MONTH.search(text))),
            float("%" in text or "percent" in text or "por ciento" in text),
            float("$" in text or "€" in text or "£" in text),
        ),
    )


def _row_facts(snap: Snapshot, row: int) -> _Facts:
    article = snap.data.articles[int(snap.data.sentences[row, 0])]
    return _facts(sentence_text(snap, row), article.language)


def _row_wording(snap: Snapshot, row: int, query: _Query) -> list[float]:
    facts = _row_facts(snap, row)
    positions = [i for i, t in enumerate(facts.terms) if t in query.asked]
    first, end = (int(x) for x in snap.data.span_bounds[row])

    def neighbour(other: int) -> float:
        return query.share(_row_facts(snap, other).own) if first <= other < end else -1.0

    return [
        len(query.pairs & facts.pairs) / max(len(query.pairs), 1),
        (positions[-1] - positions[0] + 1) / len(positions) if positions else 10.0,
        len(query.asked & facts.own) / max(len(query.asked), 1),
        query.share(facts.own),
        float(len(facts.own - query.asked)),
        float(len(facts.names - query.words)),
        float(len(facts.years - query.words)),
        float(len(facts.numbers - query.words)),
        *facts.flags,
        query.share(_paragraph_terms(snap, row)),
        neighbour(row - 1),
        neighbour(row + 1),
        float(len(facts.terms)),
    ]


def _row_cues(snap: Snapshot, row: int, query: _Query) -> list[float]:
    first, end = (int(x) for x in snap.data.span_bounds[row])
    return cue_row(lambda r: _row_facts(snap, r), row, (first, end), query.cues, query.words)


def answer_type_rows(rows: np.ndarray, x: np.ndarray) -> frozenset[int]:
    """Candidate rows holding what the question asks for: a date for "when", a number for "how many"."""
    column = {name: x[:, i] for i, name in enumerate(TREE_FEATURES)}
    if not len(rows):
        return frozenset()
    if column["wh_when"][0] or column["wh_what_year"][0]:
        has = (column["years"] > 0) | (column["month"] > 0)
    elif column["wh_how_many"][0] or column["wh_how_much"][0] or column["wh_how_long"][0]:
        has = column["numbers"] > 0
    else:
        return frozenset()
    return frozenset(rows[has].tolist())


def load_quote_models(
    directory: Path = MODEL_DIR, languages: tuple[str, ...] = ("en", "es")
) -> dict[str, TreeEnsemble]:
    """The shipped quote-ranking trees per question language; a missing or stale file is left out, loudly."""
    models = {}
    for language in languages:
        path = directory / f"quote_model_{language}.json"
        if not path.exists():
            continue
        try:
            model = TreeEnsemble.load(path)
        except (OSError, ValueError) as exc:
            log.warning("Ignoring %s: %s", path, exc)
            continue
        if model.features != TREE_FEATURES:
            log.warning("Ignoring %s: trained on other features; retrain: scripts/train_quote_model.py", path)
            continue
        models[language] = model
    return models
