"""A deterministic hashing embedder ("hashing:DIM"): no torch, no model, for tests and smoke runs."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from index.embedding.protocol import ProgressFn

_HASHING = re.compile(r"^hashing:(\d+)$")


class HashingEmbedder:
    """Bag-of-words feature hashing: deterministic and torch-free, for tests and smoke runs."""

    def __init__(self, dimension: int = 256) -> None:
        self.name = f"hashing:{dimension}"
        self.dimension = dimension

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dimension, dtype=np.float32)
        for token in re.findall(r"\w+", text.lower()):
            digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
            slot = int.from_bytes(digest[:4], "little") % self.dimension
            vec[slot] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm > 0 else vec

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Embed documents."""
        out = np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dimension))
        if progress:
            progress(len(texts))
        return out.astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one question."""
        return self._vector(text)
