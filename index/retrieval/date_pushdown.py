"""Date filters pushed down into the engine: in-range candidates for a question that names years.

The ranking treats the years a question names as soft adjusters (index/ranking/dates.py): it can favour an
in-range candidate only if retrieval found one. In a large archive the unfiltered top chunks of "what did
the council decide in 2019?" may all come from other years. When the hits the ranking scores (its profile's
`rerank_chunks`: the window) hold no chunk of an article dated in the range, and the engine can filter by
date inside its search (Qdrant: the `date` payload, one extra request with a dense and a BM25 query), the
best in-range chunks take the last `SLOTS` places of that window; the hits they move down stay in the list,
and the same soft adjusters decide. The embedded engine (no date filter in FAISS or bm25s) is left as it
was: there a filter would be a scan of every chunk.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from index.retrieval.intent import DateIntent, QueryIntent
from index.retrieval.search import ChunkHit, reciprocal_rank_fusion  # (search.py does not import this)
from index.store.generations import Snapshot

SLOTS = 2  # in-range chunks guaranteed a place in the window when it had none (the Spanish window is 5)

Ranked = tuple[np.ndarray, np.ndarray]  # chunk rows and scores, best first


@runtime_checkable
class DateFilteredSearch(Protocol):
    """A keyword searcher whose engine can also search both retrievers within a date range."""

    def search_in_range(
        self, query: np.ndarray, terms: list[str], first: int | None, last: int | None, k: int
    ) -> tuple[Ranked, Ranked]:
        """Dense and BM25 hits among chunks of articles dated from year `first` to `last`."""
        ...


def with_in_range_candidates(
    snap: Snapshot,
    query_vector: np.ndarray,
    intent: QueryIntent,
    hits: list[ChunkHit],
    window: int,
    weights: tuple[float, float],
) -> list[ChunkHit]:
    """`hits`, with the best in-range chunks moved into the first `window` places when none was there."""
    dates, search = intent.dates, snap.sparse
    if not dates.ranged or not isinstance(search, DateFilteredSearch):
        return hits
    if any(dated_in(snap, hit.row, dates) for hit in hits[:window]):
        return hits  # the soft adjusters have an in-range candidate to favour
    slots = min(SLOTS, window)
    (dense_rows, dense_scores), (sparse_rows, sparse_scores) = search.search_in_range(
        query_vector, intent.terms, dates.first_year, dates.last_year, slots
    )
    fused = reciprocal_rank_fusion([dense_rows, sparse_rows], list(weights))
    chosen = sorted(fused, key=lambda row: (-fused[row], row))[:slots]
    if not chosen:
        return hits
    dense_of = dict(zip(dense_rows.tolist(), dense_scores.tolist(), strict=True))
    sparse_of = dict(zip(sparse_rows.tolist(), sparse_scores.tolist(), strict=True))
    known = {hit.row: hit for hit in hits}  # a chunk found deeper keeps the evidence it was found with
    rest = [hit for hit in hits if hit.row not in chosen]
    at = max(0, min(window, len(rest)) - len(chosen))
    place = rest[at].fused if at < len(rest) else 0.0  # keeps the list in order of `fused`
    added = [known.get(row) or _new_hit(snap, row, query_vector, dense_of, sparse_of) for row in chosen]
    for hit in added:
        hit.fused = max(hit.fused, place)
    return rest[:at] + added + rest[at:]


def _new_hit(
    snap: Snapshot, row: int, query: np.ndarray, dense_of: dict[int, float], sparse_of: dict[int, float]
) -> ChunkHit:
    """A chunk only the date-filtered search found, with its cosine and BM25 as the hybrid search has them."""
    dense = dense_of[row] if row in dense_of else _cosine(snap, row, query)
    return ChunkHit(row, 0.0, dense, sparse_of.get(row, 0.0))


def dated_in(snap: Snapshot, chunk_row: int, dates: DateIntent) -> bool:
    """True when the chunk's article is dated within the question's years."""
    when = snap.data.articles[int(snap.data.chunks[chunk_row, 0])].date
    return when is not None and dates.holds(when.year)


def _cosine(snap: Snapshot, chunk_row: int, query_vector: np.ndarray) -> float:
    """A chunk's cosine with the question, from the locally kept chunk vector (unit vectors)."""
    vector = np.asarray(snap.data.chunk_vectors[chunk_row], dtype=np.float32)
    return float(vector @ np.asarray(query_vector, dtype=np.float32).ravel())
