"""First stage: a question read once (QueryIntent) -> hybrid (FAISS + BM25) chunk hits."""

from __future__ import annotations

from index.retrieval.intent import DateIntent, QueryIntent, read_intent
from index.retrieval.search import ChunkHit, Retrieval, RetrievalParams, retrieve

__all__ = ["ChunkHit", "DateIntent", "QueryIntent", "Retrieval", "RetrievalParams", "read_intent", "retrieve"]
