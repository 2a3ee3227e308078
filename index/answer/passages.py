"""Quote assembly: the ranked sentences grown into 1-3 sentence passages, near-duplicates folded."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from index.ranking.results import NO_GROWTH, Growth, SentenceScore
from index.store.generations import Snapshot
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
    for candidate in scored:
        if len(chosen) >= count:
            break
        if candidate.row in covered:
            continue
        passage = grow_passage(snap, candidate, by_row, growth=growth)
        twin = _duplicate_of(snap, passage, chosen)
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


def _duplicate_of(snap: Snapshot, passage: Passage, chosen: list[Passage]) -> Passage | None:
    vectors = snap.data.sentence_vectors
    mine = np.asarray(vectors[passage.best], dtype=np.float32)
    for other in chosen:
        if float(mine @ np.asarray(vectors[other.best], dtype=np.float32)) >= _DUPLICATE_COSINE:
            return other
    return None
