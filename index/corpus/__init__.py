"""The corpus folder: one parser per format -> Article, and the safe scan of the folder."""

from __future__ import annotations

from index.corpus.parsers import parse_file
from index.corpus.scan import CorpusScan, scan_corpus

__all__ = ["CorpusScan", "parse_file", "scan_corpus"]
