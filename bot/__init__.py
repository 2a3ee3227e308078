"""The Discord bot: answers questions by quoting news articles verbatim (uses `index` for retrieval)."""

from __future__ import annotations

__version__ = "0.1.0"
