"""Building an index: per-article pieces and the incremental, atomic builder."""

from __future__ import annotations

from index.build.builder import IndexBuilder

__all__ = ["IndexBuilder"]
