"""Text analysis shared by build and question time: language, terms, sentences, chunks, names."""

from __future__ import annotations

from index.text.analysis import ANALYZER_VERSION, analyze, analyze_query
from index.text.chunking import ArticleChunks, ChunkingParams, chunk_article
from index.text.language import detect_language
from index.text.sentences import SPLITTER_VERSION, split_paragraphs, split_sentences

__all__ = [
    "ANALYZER_VERSION",
    "SPLITTER_VERSION",
    "ArticleChunks",
    "ChunkingParams",
    "analyze",
    "analyze_query",
    "chunk_article",
    "detect_language",
    "split_paragraphs",
    "split_sentences",
]
