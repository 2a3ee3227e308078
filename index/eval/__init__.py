"""Evaluation on SQuAD-format data: datasets, runs, hold-outs."""

from __future__ import annotations

from index.eval.run import EvalOptions, EvalReport, PrefetchedEmbedder, evaluate
from index.eval.squad import Dataset, load_squad

__all__ = ["Dataset", "EvalOptions", "EvalReport", "PrefetchedEmbedder", "evaluate", "load_squad"]
