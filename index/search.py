"""Hybrid retrieval: FAISS and BM25 rankings of chunks fused by reciprocal rank."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.analysis import analyze_query
from index.article_evidence import article_index
from index.language import detect_language
from index.store import Snapshot

RRF_K = 60  # the constant from Cormack et al. (2009); damps the weight of the very first ranks


@dataclass
class ChunkHit:
    """One retrieved chunk with the evidence behind its rank."""

    row: int
    fused: float
    dense: float  # cosine with the question (0 when only BM25 found it)
    sparse: float  # BM25 score (0 when only FAISS found it)


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
    article_weight: float = 0.0,
) -> list[ChunkHit]:
    """The chunks that best match the question, best first, from both retrievers (and whole articles)."""
    dense_ids, dense_scores = snap.dense.search(query_vector, depth)
    sparse_ids, sparse_scores = snap.sparse.search(terms, depth)
    fused = reciprocal_rank_fusion([dense_ids, sparse_ids], list(weights))
    if article_weight > 0:
        add_article_evidence(fused, snap, terms, article_weight)
    dense_of = dict(zip(dense_ids.tolist(), dense_scores.tolist(), strict=True))
    sparse_of = dict(zip(sparse_ids.tolist(), sparse_scores.tolist(), strict=True))
    if len(fused) > len(sparse_of):
        # Chunks brought in by their article: give them their own BM25 too (the reranker reads it).
        all_sparse = snap.sparse.scores(terms)
        sparse_of = {row: float(all_sparse[row]) for row in fused}
    hits = [
        ChunkHit(row, score, dense_of.get(row, 0.0), sparse_of.get(row, 0.0)) for row, score in fused.items()
    ]
    hits.sort(key=lambda h: (-h.fused, h.row))
    return hits


ARTICLE_DEPTH = 10  # articles whose chunks get article evidence (and join the candidates)


def add_article_evidence(
    fused: dict[int, float], snap: Snapshot, terms: list[str], weight: float, k: int = RRF_K
) -> None:
    """Add weight / (k + article rank) to every chunk of the best-matching whole articles."""
    articles = article_index(snap)
    rows, _ = articles.search(terms, ARTICLE_DEPTH)
    for rank, article_row in enumerate(rows.tolist()):
        for row in articles.chunks_of(article_row):
            fused[row] = fused.get(row, 0.0) + weight / (k + rank + 1)


# (dense, BM25) fusion weights by question language. The default model is English-only: on Spanish
# questions its rankings are mostly noise, so BM25 leads (see docs/quality.md for the measurements).
FUSION_WEIGHTS: dict[str, tuple[float, float]] = {"en": (1.0, 1.0), "es": (0.25, 1.0), "unknown": (1.0, 1.0)}
# Weight of whole-article BM25 rank, by question language (0: off).
ARTICLE_WEIGHTS: dict[str, float] = {"en": 0.0, "es": 2.0, "unknown": 0.0}


@dataclass
class Retrieval:
    """What the first stage found for a question."""

    language: str
    terms: list[str]
    hits: list[ChunkHit]


def fusion_weights(language: str) -> tuple[float, float]:
    """Dense and BM25 weights for questions in `language`."""
    return FUSION_WEIGHTS.get(language, FUSION_WEIGHTS["unknown"])


def retrieve(snap: Snapshot, query_vector: np.ndarray, question: str, depth: int = 50) -> Retrieval:
    """Detect the question's language, analyse it, and run language-aware hybrid search."""
    language = detect_language(question)
    terms = analyze_query(question)
    hits = hybrid_search(
        snap,
        query_vector,
        terms,
        depth=depth,
        weights=fusion_weights(language),
        article_weight=ARTICLE_WEIGHTS.get(language, 0.0),
    )
    return Retrieval(language, terms, hits)
