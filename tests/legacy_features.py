"""The per-row feature computation as it was before per-sentence facts were stored at build time.

A frozen reference for tests/test_facts.py: the stored facts must give exactly these values.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Set as AbstractSet
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from index.ranking.features import FEATURES, Candidates, _window_evidence
from index.ranking.tree_features import _RELATIVE_BASE, _RELATIVE_WORDING, _WH, _WORDING, _pair_cosines
from index.retrieval.search import ChunkHit
from index.store.generations import Snapshot
from index.text.analysis import analyze

_NUMBER_Q = re.compile(
    r"\b(how (many|much|long|old|far|tall|big|large|high)|what (percent|percentage|number|amount)|"
    r"cu[aá]nt[oa]s?)\b",
    re.I,
)
_DATE_Q = re.compile(
    r"\b(when|what (year|date|day|month|century|decade)|cu[aá]ndo|qu[eé] (a[nñ]o|fecha))\b", re.I
)
_NAME_Q = re.compile(r"\b(who|whom|whose|qui[eé]n(es)?)\b", re.I)
_R_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundred|thousand|million|billion|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|cien|mil|millones)\b",
    re.I,
)
_MONTHS = (
    "january february march april may june july august september october november december "
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
)
_DATE = re.compile(r"\b(1\d{3}|20\d{2}|" + "|".join(_MONTHS.split()) + r")\b|\d{1,2}(st|nd|rd|th)\b", re.I)
_R_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-ZÁÉÍÓÚÑ][a-záéíóúñ]+")
_ANAPHORA = re.compile(
    r"^[\"“'‘(]?(he|she|it|they|this|that|these|those|his|her|its|their|él|ella|ellos|ellas|esto|su|sus)\b",
    re.I,
)
_NAME = re.compile(r"(?<!^)\b[A-ZÁÉÍÓÚÑ][\wÁÉÍÓÚÑáéíóúñ]+")
_YEAR = re.compile(r"\b(1\d{3}|20\d{2})s?\b")
_NUMBER = re.compile(r"\d[\d,.]*")
_MONTH = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December|enero|"
    r"febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre)\b"
)
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=100_000)
def sentence_terms(text: str, language: str) -> tuple[str, ...]:
    return tuple(analyze(text, language))


def _terms(text: str, language: str) -> frozenset[str]:
    return frozenset(sentence_terms(text, language))


def sentence_text(snap: Snapshot, row: int) -> str:
    article_row, start, end = snap.data.sentences[row]
    return snap.data.articles[article_row].text[start:end]


def _previous(snap: Snapshot, row: int) -> int | None:
    if row > 0 and snap.data.sentences[row - 1, 0] == snap.data.sentences[row, 0]:
        return row - 1
    return None


def _article_first_row(snap: Snapshot, row: int) -> int:
    sentences = snap.data.sentences
    return int(np.searchsorted(sentences[:, 0], sentences[row, 0], side="left"))


def candidate_features(
    snap: Snapshot, query_vector: np.ndarray, terms: list[str], question: str, hits: list[ChunkHit]
) -> Candidates:
    """rerank.candidate_features before stored facts."""
    per_row, per_article = _window_evidence(snap, query_vector, hits)
    rows = np.fromiter(sorted(per_row), dtype=np.int64)
    if not len(rows):
        return Candidates(rows, np.zeros((0, len(FEATURES)), dtype=np.float32))
    data = snap.data
    vectors = np.asarray(data.sentence_vectors[rows], dtype=np.float32)
    sent_cos = vectors @ query_vector.astype(np.float32)
    idf = dict(zip(terms, snap.sparse.idf(terms).tolist(), strict=True))
    cues = (bool(_NUMBER_Q.search(question)), bool(_DATE_Q.search(question)), bool(_NAME_Q.search(question)))
    question_words = {w.lower() for w in re.findall(r"\w+", question)}
    out = np.zeros((len(rows), len(FEATURES)), dtype=np.float32)
    previous = [_previous(snap, row) for row in rows.tolist()]
    before = np.asarray([row if p is None else p for row, p in zip(rows.tolist(), previous, strict=True)])
    prev_cos = np.asarray(data.sentence_vectors[before], dtype=np.float32) @ query_vector.astype(np.float32)
    for i, row in enumerate(rows.tolist()):
        article_row = int(data.sentences[row, 0])
        prev = previous[i]
        scores = (
            float(sent_cos[i]),
            0.0 if prev is None else float(prev_cos[i]),
            *per_row[row],
            *per_article[article_row],
        )
        out[i] = _row_features(snap, row, prev, idf, cues, question_words, scores)
    return Candidates(rows, out)


def _row_features(
    snap: Snapshot,
    row: int,
    prev: int | None,
    idf: dict[str, float],
    cues: tuple[bool, bool, bool],
    question_words: set[str],
    scores: tuple[float, ...],
) -> list[float]:
    sent_cos, prev_cos, chunk_cos, chunk_bm25, chunk_rank, article_cos, article_bm25 = scores
    article = snap.data.articles[int(snap.data.sentences[row, 0])]
    text = sentence_text(snap, row)
    lang = article.language
    own = _terms(text, lang)
    title = _terms(article.title, lang)
    before = _terms(sentence_text(snap, prev), lang) if prev is not None else frozenset()
    total = sum(idf.values()) or 1.0

    def share(present: frozenset[str]) -> float:
        return sum(w for t, w in idf.items() if t in present) / total

    new_terms = len(own - set(idf)) / max(len(own), 1)
    names = frozenset(m.group(0).lower() for m in _R_NAME.finditer(text)) - question_words
    return [
        sent_cos, prev_cos, chunk_cos, article_cos, chunk_bm25, article_bm25, chunk_rank,
        share(own), share(own | title), share(own | before), new_terms,
        float(cues[0] and bool(_R_NUMBER.search(text))),
        float(cues[1] and bool(_DATE.search(text))),
        float(cues[2] and bool(names)),
        float(bool(_ANAPHORA.match(text))),
        1.0 / (1 + row - _article_first_row(snap, row)),
        math.log1p(len(text)) / 6.0,
    ]  # fmt: skip


def term_overlap(snap: Snapshot, rows: np.ndarray, terms: list[str]) -> np.ndarray:
    """quoting._term_overlap before stored facts."""
    if not terms:
        return np.zeros(len(rows))
    idf = dict(zip(terms, snap.sparse.idf(terms).tolist(), strict=True))
    total = sum(idf.values()) or 1.0
    out = np.zeros(len(rows))
    for i, row in enumerate(rows.tolist()):
        article_row, start, end = snap.data.sentences[row]
        article = snap.data.articles[article_row]
        present = set(analyze(f"{article.title}\n{article.text[start:end]}", article.language))
        out[i] = sum(w for t, w in idf.items() if t in present) / total
    return out


def tree_features(
    snap: Snapshot, cands: Candidates, question: str, language: str, query_vector: np.ndarray
) -> np.ndarray:
    """quote_features.tree_features before stored facts."""
    base = cands.features
    rel = _relative(base, [FEATURES.index(n) for n in _RELATIVE_BASE])
    wording = _wording(snap, cands.rows, question, language)
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
    ]
    return np.hstack(parts).astype(np.float32)


def _relative(x: np.ndarray, columns: list[int]) -> np.ndarray:
    chosen = x[:, columns]
    return chosen - chosen.max(axis=0, keepdims=True)


class _Query(NamedTuple):
    asked: frozenset[str]
    idf: dict[str, float]
    total: float
    pairs: frozenset[tuple[str, str]]
    words: frozenset[str]

    def share(self, present: AbstractSet[str]) -> float:
        return sum(w for t, w in self.idf.items() if t in present) / self.total


class _Facts(NamedTuple):
    terms: tuple[str, ...]
    own: frozenset[str]
    pairs: frozenset[tuple[str, str]]
    names: frozenset[str]
    years: frozenset[str]
    numbers: frozenset[str]
    flags: tuple[float, float, float]


def _wording(snap: Snapshot, rows: np.ndarray, question: str, language: str) -> np.ndarray:
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
    )
    out = np.zeros((len(rows), len(_WORDING)), dtype=np.float32)
    for i, row in enumerate(rows.tolist()):
        out[i] = _row_wording(snap, row, query)
    return out


def _facts(text: str, language: str) -> _Facts:
    terms = sentence_terms(text, language)
    return _Facts(
        terms=terms,
        own=frozenset(terms),
        pairs=frozenset(itertools.pairwise(terms)) | frozenset(zip(terms, terms[2:], strict=False)),
        names=frozenset(m.lower() for m in _NAME.findall(text)),
        years=frozenset(_YEAR.findall(text)),
        numbers=frozenset(_NUMBER.findall(text)),
        flags=(
            float(bool(_MONTH.search(text))),
            float("%" in text or "percent" in text or "por ciento" in text),
            float("$" in text or "€" in text or "£" in text),
        ),
    )


def _row_facts(snap: Snapshot, row: int) -> _Facts:
    article = snap.data.articles[int(snap.data.sentences[row, 0])]
    return _facts(sentence_text(snap, row), article.language)


def _paragraph_terms(snap: Snapshot, row: int) -> frozenset[str]:
    data = snap.data
    first, end = (int(x) for x in data.span_bounds[row])
    language = data.articles[int(data.sentences[row, 0])].language
    return frozenset().union(*(sentence_terms(sentence_text(snap, r), language) for r in range(first, end)))


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
