"""Question time: the stored facts of candidate sentences, gathered and matched with a question's keys."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np

from index.models import Article
from index.store.facts import FLAGS, SETS, Ragged, RowFacts, SentenceFacts, extract_sentence, keys_of
from index.text.analysis import analyze

log = logging.getLogger(__name__)


@dataclass
class KeyRows:
    """Keys of some rows, one row after the other: row i is values[starts[i]:starts[i + 1]]."""

    values: np.ndarray  # uint64
    starts: np.ndarray  # (rows + 1,) int64

    @classmethod
    def from_lists(cls, rows: Sequence[Sequence[int]]) -> KeyRows:
        """Rows given as key lists."""
        starts = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in rows], out=starts[1:])
        values = np.fromiter((k for r in rows for k in r), dtype=np.uint64, count=int(starts[-1]))
        return cls(values, starts)

    @property
    def size(self) -> int:
        """Number of rows."""
        return len(self.starts) - 1

    @cached_property
    def owner(self) -> np.ndarray:
        """The row of each value."""
        return np.repeat(np.arange(self.size), np.diff(self.starts))

    @cached_property
    def lengths(self) -> np.ndarray:
        """Number of values in each row."""
        return np.diff(self.starts)

    def index_in(self, keys: np.ndarray) -> np.ndarray:
        """For each value, its position in `keys`, or -1 when `keys` lacks it."""
        if not len(keys) or not len(self.values):
            return np.full(len(self.values), -1, dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        at = np.minimum(np.searchsorted(ordered, self.values), len(keys) - 1)
        return np.where(ordered[at] == self.values, order[at], -1)

    def presence(self, keys: np.ndarray) -> np.ndarray:
        """(rows, len(keys)) bool: whether each row holds each key."""
        index = self.index_in(keys)
        out = np.zeros((self.size, len(keys)), dtype=bool)
        hit = index >= 0
        out[self.owner[hit], index[hit]] = True
        return out

    def misses(self, keys: np.ndarray) -> np.ndarray:
        """Per row: how many of its values `keys` lacks (rows hold distinct values)."""
        missing = self.index_in(keys) < 0
        return np.bincount(self.owner[missing], minlength=self.size)


@dataclass
class FactsBatch:
    """The facts of some sentence rows (in the order asked for)."""

    terms: KeyRows  # analysed terms in sentence order
    distinct: np.ndarray  # number of distinct terms per row
    sets: Mapping[str, KeyRows]  # per facts.SETS name
    flags: np.ndarray  # bit masks per facts.FLAGS

    def flag(self, name: str) -> np.ndarray:
        """Whether each row has the yes/no fact `name` (a facts.FLAGS name)."""
        return (self.flags >> list(FLAGS).index(name)) & 1 == 1


class GatheredSets(Mapping[str, KeyRows]):
    """The stored sets of some rows, each gathered on first use (most feature groups read one or none)."""

    def __init__(self, stored: Mapping[str, Ragged], rows: np.ndarray) -> None:
        self._stored = stored
        self._rows = rows
        self._gathered: dict[str, KeyRows] = {}  # this batch's own, gone with it

    def __getitem__(self, name: str) -> KeyRows:
        found = self._gathered.get(name)
        if found is None:
            found = self._gathered[name] = KeyRows(*self._stored[name].gather(self._rows))
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._stored)

    def __len__(self) -> int:
        return len(self._stored)


class FactsSource(Protocol):
    """Where a snapshot's facts come from: stored arrays, or extraction on demand for old generations."""

    def batch(self, rows: np.ndarray) -> FactsBatch:
        """The facts of sentence `rows`."""
        ...

    def titles(self, article_rows: np.ndarray) -> KeyRows:
        """The distinct title terms of each of `article_rows`."""
        ...


class StoredFacts:
    """Facts stored with the generation (memory-mapped arrays)."""

    def __init__(self, facts: SentenceFacts) -> None:
        self._facts = facts

    def batch(self, rows: np.ndarray) -> FactsBatch:
        """The facts of sentence `rows`, gathered from the arrays."""
        f = self._facts
        return FactsBatch(
            terms=KeyRows(*f.terms.gather(rows)),
            distinct=f.distinct[rows],
            sets=GatheredSets(f.sets, rows),
            flags=f.flags[rows],
        )

    def titles(self, article_rows: np.ndarray) -> KeyRows:
        """Title terms from the arrays."""
        return KeyRows(*self._facts.titles.gather(article_rows))


class LazyFacts:
    """Facts of a generation written without them: extracted per sentence on first use, then cached."""

    def __init__(self, articles: Sequence[Article], sentences: np.ndarray) -> None:
        self._articles = articles
        self._sentences = sentences
        # Per generation (this object lives as long as its snapshot), filled as questions need rows.
        self._rows: dict[int, RowFacts] = {}
        self._titles: dict[int, list[int]] = {}

    def batch(self, rows: np.ndarray) -> FactsBatch:
        """The facts of sentence `rows`, extracted from their text."""
        found = [self._row(row) for row in rows.tolist()]
        return FactsBatch(
            terms=KeyRows.from_lists([f.terms for f in found]),
            distinct=np.array([len(set(f.terms)) for f in found], dtype=np.int32),
            sets={name: KeyRows.from_lists([f.sets[i] for f in found]) for i, name in enumerate(SETS)},
            flags=np.array([f.flags for f in found], dtype=np.uint32),
        )

    def titles(self, article_rows: np.ndarray) -> KeyRows:
        """Title terms, analysed now."""
        return KeyRows.from_lists([self._title(row) for row in article_rows.tolist()])

    def _row(self, row: int) -> RowFacts:
        found = self._rows.get(row)
        if found is None:
            article_row, start, end = (int(x) for x in self._sentences[row])
            article = self._articles[article_row]
            found = self._rows[row] = extract_sentence(article.text[start:end], article.language)
        return found

    def _title(self, article_row: int) -> list[int]:
        found = self._titles.get(article_row)
        if found is None:
            article = self._articles[article_row]
            found = self._titles[article_row] = list(
                set(keys_of(analyze(article.title, article.language)).tolist())
            )
        return found


@dataclass(frozen=True)
class ArticleTerms:
    """The terms of one article's sentence rows [first, end) and of its title, gathered once per question."""

    first: int
    end: int
    sentences: KeyRows
    title: KeyRows

    def presence(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which sentences hold each key ((end - first, keys) bool) and whether the title does ((keys,))."""
        return self.sentences.presence(keys), self.title.presence(keys)[0]


def article_terms(facts: FactsSource, article_row: int, first: int, end: int) -> ArticleTerms:
    """The terms of the article at `article_row`, whose sentences are the rows [first, end)."""
    sentences = facts.batch(np.arange(first, end)).terms
    return ArticleTerms(first, end, sentences, facts.titles(np.asarray([article_row])))


def facts_source(
    facts: SentenceFacts | None, articles: Sequence[Article], sentences: np.ndarray
) -> FactsSource:
    """Stored facts when the generation has them, else facts extracted as questions need them."""
    if facts is not None:
        return StoredFacts(facts)
    if len(sentences):
        log.info("This index has no stored sentence facts: computing them per question (rebuild to store)")
    return LazyFacts(articles, sentences)


def weighted_share(present: np.ndarray, weights: Sequence[float], total: float) -> np.ndarray:
    """Per row: the sum of the weights of the columns present, divided by `total`."""
    if not len(weights):
        return np.zeros(len(present), dtype=np.float64) / total
    # Added column by column, as Python's sum() adds a dict's values: bit-for-bit the per-row results
    # (a running sum along the row adds in exactly that order, in one call instead of one per column).
    held = np.where(present[:, : len(weights)], np.asarray(weights, dtype=np.float64), 0.0)
    return np.add.accumulate(held, axis=1)[:, -1] / total
