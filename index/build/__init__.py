"""Building an index: per-article pieces and the incremental, atomic builder."""

from __future__ import annotations

from index.build.builder import DEFAULT_MIN_SCORE, IndexBuilder

__all__ = ["DEFAULT_MIN_SCORE", "IndexBuilder"]
