"""Article text -> sentences -> chunks (windows of whole sentences), with character offsets for exact quotes."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field


class ChunkingParams(BaseModel):
    """How articles are cut; recorded in the manifest because changing it changes the index."""

    max_sentences: int = Field(3, ge=1, description="Sentences per chunk window.")
    stride: int = Field(2, ge=1, description="Sentences the window advances; stride < max_sentences overlaps.")
    max_chars: int = Field(600, ge=50, description="A window stops growing past this (a lone sentence may exceed).")
    min_span_chars: int = Field(
        120, ge=0, description="A paragraph shorter than this joins the next one (headings, captions)."
    )


@dataclass(frozen=True)
class ArticleChunks:
    """Sentences as (start, end) offsets into the article text; chunks as [first, last) sentence ranges."""

    sentences: list[tuple[int, int]]
    chunks: list[tuple[int, int]]
    # Index of the paragraph-aware span each sentence belongs to; quotes never cross spans.
    span_of_sentence: list[int]


def chunk_article(text: str, params: ChunkingParams) -> ArticleChunks:
    """Split one article's text into sentences and sentence-window chunks."""
    raise NotImplementedError  # written by the chunking work package
