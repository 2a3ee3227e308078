"""Embedders: the protocol, sentence-transformers, ONNX Runtime, a hashing embedder, the factory."""

from __future__ import annotations

from index.embedding.factory import make_embedder, model_cache_dir
from index.embedding.hashing import HashingEmbedder
from index.embedding.onnx import OnnxEmbedder
from index.embedding.protocol import Embedder, ProgressFn
from index.embedding.sentence_transformer import SentenceTransformerEmbedder

__all__ = [
    "Embedder",
    "HashingEmbedder",
    "OnnxEmbedder",
    "ProgressFn",
    "SentenceTransformerEmbedder",
    "make_embedder",
    "model_cache_dir",
]
