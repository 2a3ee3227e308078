"""Building an index: per-article pieces and the incremental, atomic builder."""
