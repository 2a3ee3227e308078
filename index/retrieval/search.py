"""Hybrid retrieval: FAISS and BM25 rankings of chunks fused by reciprocal rank, per question language."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from index.retrieval.intent import QueryIntent
from index.store.article_evidence import article_index
from index.store.generations import Snapshot
from index.text.analysis import analyze_query
from index.text.language import detect_language

RRF_K = 60  # the constant from Cormack et al. (2009); damps the weight of the very first ranks
# From this many chunks on, the dense search (IVF, ~9 ms at 1M) runs in a worker thread while BM25 is
# scored in the caller's: FAISS and scipy's kernels release the GIL, so with a second core free the two
# overlap. Below it the hand-over would cost about what it saves.
PARALLEL_MIN = 250_000
# A question is asked across languages when most of dense's first chunks are from stories in another
# language: BM25 then matches only its names and figures, and its ranking is mostly noise.
CROSS_LEAD = 5


@dataclass
class ChunkHit:
    """One retrieved chunk with the evidence behind its rank."""

    row: int
    fused: float
    dense: float  # cosine with the question (0 when only BM25 found it)
    sparse: float  # BM25 score, article-blended for some languages (0 when only FAISS found it)


def reciprocal_rank_fusion(
    rankings: list[np.ndarray], weights: list[float], k: int = RRF_K
) -> dict[int, float]:
    """Fuse ranked id lists: score(id) = sum of weight / (k + rank)."""
    fused: dict[int, float] = {}
    for ids, weight in zip(rankings, weights, strict=True):
        for rank, row in enumerate(ids.tolist()):
            fused[row] = fused.get(row, 0.0) + weight / (k + rank + 1)
    return fused


def hybrid_search(
    snap: Snapshot,
    query_vector: np.ndarray,
    terms: list[str],
    depth: int = 50,
    weights: tuple[float, float] = (1.0, 1.0),
    article_blend: float = 0.0,
    cross: tuple[str, tuple[float, float]] | None = None,
) -> list[ChunkHit]:
    """The chunks that best match the question, best first, from both retrievers.

    With `article_blend` > 0 the BM25 ranking is by `blended_scores`: a chunk also counts its article's match.
    `cross` is (the question's language, the weights to fuse by when `asked_across` finds it is asked across
    languages).
    """
    dense = (
        _dense_worker(snap).submit(snap.dense.search, query_vector, depth)
        if snap.dense.size >= PARALLEL_MIN
        else None
    )
    if article_blend > 0:
        blended = blended_scores(snap, terms, article_blend)
        sparse_ids = top_positive(blended, depth)
        sparse_scores = blended[sparse_ids]
    else:
        sparse_ids, sparse_scores = snap.sparse.search(terms, depth)
    dense_ids, dense_scores = dense.result() if dense is not None else snap.dense.search(query_vector, depth)
    if cross is not None and asked_across(snap, dense_ids, cross[0]):
        weights = cross[1]
    fused = reciprocal_rank_fusion([dense_ids, sparse_ids], list(weights))
    dense_of = dict(zip(dense_ids.tolist(), dense_scores.tolist(), strict=True))
    sparse_of = dict(zip(sparse_ids.tolist(), sparse_scores.tolist(), strict=True))
    hits = [
        ChunkHit(row, score, dense_of.get(row, 0.0), sparse_of.get(row, 0.0)) for row, score in fused.items()
    ]
    hits.sort(key=lambda h: (-h.fused, h.row))
    return hits


def asked_across(snap: Snapshot, dense_ids: np.ndarray, language: str) -> bool:
    """Whether most of dense's first CROSS_LEAD chunks are from stories in a known language not `language`."""
    if language == "unknown" or not len(dense_ids):
        return False
    articles = snap.data.articles
    lead = snap.data.chunks[dense_ids[:CROSS_LEAD], 0].tolist()
    foreign = sum(articles[a].language not in ("unknown", language) for a in lead)
    return foreign * 2 > len(lead)


def _dense_worker(snap: Snapshot) -> ThreadPoolExecutor:
    """The snapshot's own thread for dense search (it goes when the snapshot goes)."""
    return snap.derived("dense_worker", lambda: ThreadPoolExecutor(1, thread_name_prefix="dense-search"))


def blended_scores(snap: Snapshot, terms: list[str], article_blend: float) -> np.ndarray:
    """Every chunk's BM25 relative to the best, plus `article_blend` times its article's relative BM25."""
    # A question's words are often spread over its article (a name in the title, the place in the lede,
    # the fact further down): the whole article's match tells the right story from similar ones.
    chunk = snap.sparse.scores(terms)
    article = article_index(snap).sparse.scores(terms)
    article_of_chunk = snap.data.chunks[:, 0]
    return chunk / (chunk.max() or 1.0) + article_blend * article[article_of_chunk] / (article.max() or 1.0)


def top_positive(scores: np.ndarray, k: int) -> np.ndarray:
    """Rows of the best k positive scores, best first (ties by row)."""
    k = min(k, int(np.count_nonzero(scores > 0)))
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.lexsort((top, -scores[top]))].astype(np.int64)


@dataclass(frozen=True)
class RetrievalParams:
    """The first stage's tunables for one kind of question (a ranking profile holds one per language)."""

    # (dense, BM25) weights of the fusion.
    fusion_weights: tuple[float, float] = (1.0, 1.0)
    # The (dense, BM25) weights for a question asked across languages (`asked_across`); None: the same.
    cross_weights: tuple[float, float] | None = None
    # How much a chunk's BM25 borrows from its whole article's (0: off); see `blended_scores`.
    article_blend: float = 0.0
    depth: int = 50  # chunks each retriever returns


@dataclass
class Retrieval:
    """What the first stage found for a question."""

    language: str
    terms: list[str]
    hits: list[ChunkHit]


def retrieve(
    snap: Snapshot,
    query_vector: np.ndarray,
    question: str | QueryIntent,
    params: RetrievalParams | None = None,
) -> Retrieval:
    """Language-aware hybrid search for a question (its intent, or its text, read here)."""
    if isinstance(question, str):
        question = QueryIntent(question, detect_language(question), analyze_query(question))
    params = params or RetrievalParams()
    hits = hybrid_search(
        snap,
        query_vector,
        question.terms,
        depth=params.depth,
        weights=params.fusion_weights,
        article_blend=params.article_blend,
        cross=None if params.cross_weights is None else (question.language, params.cross_weights),
    )
    return Retrieval(question.language, question.terms, hits)
