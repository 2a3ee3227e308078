"""The Embedder protocol every embedding runner implements, and the progress callback it takes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

ProgressFn = Callable[[int], None]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    @property
    def name(self) -> str:
        """The model name recorded in the manifest."""
        ...

    @property
    def dimension(self) -> int:
        """Vector size."""
        ...

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Embed documents; calls progress(n) after each batch of n texts."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one question."""
        ...
