"""The retrieval core: corpus -> chunks -> FAISS + BM25 index -> verbatim quotes. No Discord in here."""

from __future__ import annotations

__version__ = "0.1.0"
