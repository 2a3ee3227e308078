"""The tree model's wording features, computed for all candidates at once from the stored sentence facts."""

from __future__ import annotations

import itertools
import re
from typing import NamedTuple

import numpy as np

from index.store.fact_match import KeyRows, weighted_share
from index.store.facts import keys_of
from index.store.generations import Snapshot
from index.text.analysis import analyze

WORDING = (
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
_WORD = re.compile(r"\w+")


class _Query(NamedTuple):
    keys: np.ndarray  # the distinct question terms (sorted by term), as fact keys
    weights: list[float]  # their idf
    total: float  # sum of the idf weights (1 when there are none)
    pairs: np.ndarray  # adjacent question terms (a, b) as codes a * len(keys) + b (positions in keys)
    words: np.ndarray  # the question's lowercased words, as fact keys


def _query(snap: Snapshot, question: str, language: str) -> _Query:
    lang = language if language in ("en", "es") else "en"
    ordered = analyze(question, lang)
    asked = sorted(set(ordered))
    idf = dict(zip(asked, snap.sparse.idf(asked).tolist(), strict=True))
    number = {term: i for i, term in enumerate(asked)}
    return _Query(
        keys=keys_of(asked),
        weights=list(idf.values()),
        total=sum(idf.values()) or 1.0,
        pairs=np.array(sorted({number[a] * len(asked) + number[b] for a, b in itertools.pairwise(ordered)})),
        words=keys_of({w.lower() for w in _WORD.findall(question)}),
    )


def wording_features(snap: Snapshot, rows: np.ndarray, question: str, language: str) -> np.ndarray:
    """The WORDING features of each candidate row, from the stored facts of the rows and their spans."""
    query = _query(snap, question, language)
    bounds = snap.data.span_bounds[rows]
    context = _span_rows(bounds)  # every row of the candidates' spans, in order
    facts = snap.facts.batch(context)
    at = np.searchsorted(context, rows)
    present = facts.terms.presence(query.keys)
    share = weighted_share(present, query.weights, query.total)
    matched = present.sum(axis=1)
    index = facts.terms.index_in(query.keys)
    columns = [
        _bigrams(facts.terms, index, query.pairs, len(query.keys))[at],
        _spread(facts.terms, index)[at],
        matched[at] / max(len(query.keys), 1),
        share[at],
        (facts.distinct - matched)[at],
        *(facts.sets[name].misses(query.words)[at] for name in ("names", "years", "numbers")),
        *(facts.flag(name)[at] for name in ("month", "percent", "money")),
        _paragraph_share(present, context, bounds, query),
        *(_neighbour_share(share, context, rows, bounds, step) for step in (-1, 1)),
        facts.terms.lengths[at],
    ]
    return np.column_stack(columns).astype(np.float32)


def _span_rows(bounds: np.ndarray) -> np.ndarray:
    """The sorted distinct rows of the spans [first, end) given."""
    lengths = bounds[:, 1] - bounds[:, 0]
    steps = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.unique(np.repeat(bounds[:, 0], lengths) + steps)


def _bigrams(terms: KeyRows, index: np.ndarray, pairs: np.ndarray, asked: int) -> np.ndarray:
    """Per row: the share of the question's term pairs found adjacent or one term apart."""
    if not len(pairs):
        return np.zeros(terms.size)
    owners, codes = [], []
    for gap in (1, 2):
        first, second = index[:-gap], index[gap:]
        ok = (terms.owner[:-gap] == terms.owner[gap:]) & (first >= 0) & (second >= 0)
        owners.append(terms.owner[:-gap][ok])
        codes.append(first[ok] * asked + second[ok])
    owner, code = np.concatenate(owners), np.concatenate(codes)
    keep = np.isin(code, pairs)
    # Each pair counts once per row, however often it occurs.
    found = np.unique(owner[keep] * asked * asked + code[keep])
    return np.bincount(found // (asked * asked), minlength=terms.size) / len(pairs)


def _spread(terms: KeyRows, index: np.ndarray) -> np.ndarray:
    """Per row: term positions spanned by the question's terms per matched term (10 when none match)."""
    hit = index >= 0
    if not hit.any():
        return np.full(terms.size, 10.0)
    owner = terms.owner[hit]
    position = (np.arange(len(index)) - terms.starts[terms.owner])[hit]
    rows = np.arange(terms.size)
    first = np.minimum(np.searchsorted(owner, rows, side="left"), len(owner) - 1)
    last = np.searchsorted(owner, rows, side="right") - 1
    count = np.bincount(owner, minlength=terms.size)
    spanned = position[np.maximum(last, 0)] - position[first] + 1
    return np.where(count > 0, spanned / np.maximum(count, 1), 10.0)


def _paragraph_share(
    present: np.ndarray, context: np.ndarray, bounds: np.ndarray, query: _Query
) -> np.ndarray:
    """IDF-weighted share of the question's terms found anywhere in each candidate's span."""
    running = np.zeros((len(context) + 1, present.shape[1]), dtype=np.int64)
    np.cumsum(present, axis=0, out=running[1:])
    first, end = np.searchsorted(context, bounds[:, 0]), np.searchsorted(context, bounds[:, 1])
    return weighted_share(running[end] - running[first] > 0, query.weights, query.total)


def _neighbour_share(
    share: np.ndarray, context: np.ndarray, rows: np.ndarray, bounds: np.ndarray, step: int
) -> np.ndarray:
    """The share of the sentence `step` rows away when it is in the same span, else -1."""
    other = rows + step
    inside = (other >= bounds[:, 0]) & (other < bounds[:, 1])
    at = np.minimum(np.searchsorted(context, other), len(context) - 1)
    return np.where(inside, share[at], -1.0)
