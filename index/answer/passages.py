"""Quote assembly: the ranked sentences grown into 1-3 sentence passages, near-duplicates folded."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from index.ranking.results import NO_GROWTH, Growth, SentenceScore
from index.store.generations import Snapshot
from index.text.analysis import analyze
from index.text.lexicon import LEANS_ON_PREVIOUS, opening_word

MAX_QUOTE_CHARS = 400
MAX_QUOTE_SENTENCES = 3
# A sentence opening with one of these leans on the one before it ("He won six titles...").
_ANAPHORA = opening_word(LEANS_ON_PREVIOUS)
_DUPLICATE_COSINE = 0.95


@dataclass
class Passage:
    """A chosen quote: consecutive sentence rows [first, last) of one article."""

    article_row: int
    first: int
    last: int
    best: int
    score: float
    also_in: list[int] = field(default_factory=list)


def grow_passage(
    snap: Snapshot,
    best: SentenceScore,
    by_row: dict[int, SentenceScore],
    max_chars: int = MAX_QUOTE_CHARS,
    growth: Growth = NO_GROWTH,
) -> Passage:
    """Extend the best sentence to a neighbour that explains it or also scores high, within limits."""
    data = snap.data
    article_row = snap.article_row_of(best.row)
    span_first, span_end = (int(x) for x in data.span_bounds[best.row])
    first, last = best.row, best.row + 1

    def fits(a: int, b: int) -> bool:
        if a < span_first or b > span_end or b - a > MAX_QUOTE_SENTENCES:
            return False  # quotes never cross a span (paragraph-aware) or the article
        return int(data.sentences[b - 1, 2] - data.sentences[a, 1]) <= max_chars

    text = snap.sentence_text(best.row)
    if _ANAPHORA.match(text) and first > 0 and fits(first - 1, last):
        first -= 1
    lacking = bool(growth.completes) and best.row not in growth.completes
    for neighbour in (last, first - 1):
        near = by_row.get(neighbour)
        supplies = lacking and neighbour in growth.completes
        if near is not None and (near.score >= growth.ratio * best.score or supplies):
            a, b = min(first, neighbour), max(last, neighbour + 1)
            if fits(a, b):
                first, last = a, b
    return Passage(article_row, first, last, best.row, best.score)


def choose_passages(
    snap: Snapshot, scored: list[SentenceScore], count: int, growth: Growth = NO_GROWTH
) -> list[Passage]:
    """The best `count` passages, never overlapping, with near-duplicates folded into `also_in`."""
    by_row = {s.row: s for s in scored}
    chosen: list[Passage] = []
    covered: set[int] = set()
    vectors = _SentenceVectors(snap.data.sentence_vectors)
    for candidate in scored:
        if len(chosen) >= count:
            break
        if candidate.row in covered:
            continue
        passage = grow_passage(snap, candidate, by_row, growth=growth)
        twin = _duplicate_of(vectors, passage, chosen)
        if twin is not None:
            if passage.article_row != twin.article_row and passage.article_row not in twin.also_in:
                twin.also_in.append(passage.article_row)
            covered.update(range(passage.first, passage.last))
            continue
        if any(r in covered for r in range(passage.first, passage.last)):
            passage = Passage(
                passage.article_row, candidate.row, candidate.row + 1, candidate.row, candidate.score
            )
        chosen.append(passage)
        covered.update(range(passage.first, passage.last))
    return chosen


class _SentenceVectors:
    """Stored sentence vectors as float32, each converted once per question (the chosen passages' best
    sentences are compared with every later candidate)."""

    def __init__(self, stored: np.ndarray) -> None:
        self._stored = stored
        self._converted: dict[int, np.ndarray] = {}

    def __getitem__(self, row: int) -> np.ndarray:
        found = self._converted.get(row)
        if found is None:
            found = self._converted[row] = np.asarray(self._stored[row], dtype=np.float32)
        return found


def _duplicate_of(vectors: _SentenceVectors, passage: Passage, chosen: list[Passage]) -> Passage | None:
    mine = vectors[passage.best]
    for other in chosen:
        if float(mine @ vectors[other.best]) >= _DUPLICATE_COSINE:
            return other
    return None


# A quote never exceeds this many characters: one longer "sentence" (a scraped table, a list, Thai or Chinese
# text without sentence punctuation) is quoted as a window around its best part instead of whole.
MAX_QUOTE_SPAN = 600
_WORD = re.compile(r"\w+")
_SNAP_REACH = 40  # how far an edge moves to land between words rather than inside one


@dataclass(frozen=True)
class Span:
    """Offsets [start, end) in an article, and whether a sentence was cut at either edge."""

    start: int
    end: int
    clipped_start: bool = False
    clipped_end: bool = False


def bound_span(
    text: str, span: tuple[int, int], best: tuple[int, int], terms: list[str], limit: int = MAX_QUOTE_SPAN
) -> Span:
    """The passage if it fits in `limit` characters; else its best sentence, windowed if that is longer."""
    start, end = span
    if end - start <= limit:
        return Span(start, end)
    if best[1] - best[0] <= limit:
        return Span(*best)
    a, b = _best_window(text, best[0], best[1], set(terms), limit)
    return Span(a, b, clipped_start=a > best[0], clipped_end=b < best[1])


def _best_window(text: str, start: int, end: int, terms: set[str], limit: int) -> tuple[int, int]:
    """The `limit`-character window of text[start:end] with most question terms (its start when none)."""
    hits = _term_hits(text, start, end, terms)
    lo, hi = start, start
    if hits:
        # Two pointers: the run of consecutive hits that fits in the window with the most hits.
        best_count, first = 0, 0
        for last in range(len(hits)):
            while hits[last][1] - hits[first][0] > limit:
                first += 1
            if last - first + 1 > best_count:
                best_count, lo, hi = last - first + 1, hits[first][0], hits[last][1]
    # Centre the hits in the window, then move each edge to a word boundary without losing a hit.
    a = max(start, lo - (limit - (hi - lo)) // 2)
    b = min(end, a + limit)
    a = max(start, b - limit)
    a, b = _snap_start(text, a, min(lo, b) if hits else b), _snap_end(text, b, max(hi, a) if hits else a)
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _term_hits(text: str, start: int, end: int, terms: set[str]) -> list[tuple[int, int]]:
    """Spans of the words in text[start:end] whose analysed forms are question terms, in order."""
    if not terms:
        return []
    matches: dict[str, bool] = {}
    hits = []
    for m in _WORD.finditer(text, start, end):
        word = m.group().lower()
        hit = matches.get(word)
        if hit is None:
            hit = matches[word] = any(t in terms for lang in ("en", "es") for t in analyze(word, lang))
        if hit:
            hits.append((m.start(), m.end()))
    return hits


def _inside_word(text: str, pos: int) -> bool:
    """Whether a cut at `pos` would split a word or separate a combining mark from its letter."""
    if pos <= 0 or pos >= len(text):
        return False
    return (text[pos - 1].isalnum() and text[pos].isalnum()) or unicodedata.combining(text[pos]) > 0


def _snap_start(text: str, pos: int, limit: int) -> int:
    """Move a window's start forward (not past `limit`) to the start of a word, when one is near."""
    for candidate in range(pos, min(pos + _SNAP_REACH, limit) + 1):
        if not _inside_word(text, candidate):
            return candidate
    # Text without spaces (Thai, Chinese): any letter boundary, but never before a combining mark.
    while pos < limit and unicodedata.combining(text[pos]):
        pos += 1
    return pos


def _snap_end(text: str, pos: int, limit: int) -> int:
    """Move a window's end back (not before `limit`) to the end of a word, when one is near."""
    for candidate in range(pos, max(pos - _SNAP_REACH, limit) - 1, -1):
        if not _inside_word(text, candidate):
            return candidate
    while pos > limit and pos < len(text) and unicodedata.combining(text[pos]):
        pos -= 1
    return pos
