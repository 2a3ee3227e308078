"""Article text -> sentences -> chunks (windows of whole sentences), with offsets for exact quotes."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field

from index.text.sentences import split_paragraphs, split_sentences


class ChunkingParams(BaseModel):
    """How articles are cut; recorded in the manifest because changing it changes the index."""

    max_sentences: int = Field(default=3, ge=1, description="Sentences per chunk window.")
    stride: int = Field(
        default=2, ge=1, description="Sentences the window advances; stride < max_sentences overlaps."
    )
    max_chars: int = Field(
        default=600, ge=50, description="A window stops growing past this (a lone sentence may exceed)."
    )
    min_span_chars: int = Field(
        default=120,
        ge=0,
        description="A paragraph shorter than this joins the next one (headings, captions).",
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
    sentences: list[tuple[int, int]] = []
    span_of_sentence: list[int] = []
    for span, paragraphs in enumerate(_spans(split_paragraphs(text), params.min_span_chars)):
        for start, end in paragraphs:
            found = split_sentences(text, start, end)
            sentences.extend(found)
            span_of_sentence.extend([span] * len(found))
    chunks: list[tuple[int, int]] = []
    first = 0
    while first < len(sentences):
        last = first
        while last < len(sentences) and span_of_sentence[last] == span_of_sentence[first]:
            last += 1
        chunks.extend(_windows(sentences, first, last, params))
        first = last
    return ArticleChunks(sentences=sentences, chunks=chunks, span_of_sentence=span_of_sentence)


def _spans(paragraphs: list[tuple[int, int]], min_chars: int) -> list[list[tuple[int, int]]]:
    """Group paragraphs so that short ones (headings, captions) travel with the paragraph after them."""
    spans: list[list[tuple[int, int]]] = []
    pending: list[tuple[int, int]] = []
    for start, end in paragraphs:
        pending.append((start, end))
        if end - start >= min_chars:
            spans.append(pending)
            pending = []
    if pending:
        # Trailing short paragraphs have nothing to join, so they go back to the previous span.
        if spans:
            spans[-1].extend(pending)
        else:
            spans.append(pending)
    return spans


def _windows(
    sentences: list[tuple[int, int]], first: int, last: int, params: ChunkingParams
) -> list[tuple[int, int]]:
    """Sentence windows over sentences[first:last] (one span), covering every sentence."""
    windows: list[tuple[int, int]] = []
    overlap = params.stride < params.max_sentences
    start, covered = first, first
    while True:
        stop = start + 1
        while (
            stop < last
            and stop - start < params.max_sentences
            and sentences[stop][1] - sentences[start][0] <= params.max_chars
        ):
            stop += 1
        if stop > covered:  # skip a window wholly inside the previous one
            windows.append((start, stop))
            covered = stop
        if stop >= last:
            return windows
        # Never jump past the first uncovered sentence; keep one sentence of overlap when overlap is wanted,
        # even if max_chars cut the window short.
        limit = stop - 1 if overlap else stop
        start = max(start + 1, min(start + params.stride, limit))
