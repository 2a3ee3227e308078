"""Per-article pieces of an index (sentences, chunks, vectors) and their concatenation into IndexData."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.embedding.cache import text_keys
from index.models import Article
from index.store.facts import SentenceFacts
from index.store.generations import IndexData
from index.text.chunking import ArticleChunks
from index.text.mentions import name_counts, resolved_sentences

# v2: sentences that open with "he"/"she" are embedded with their antecedent's name (index/mentions.py).
EMBED_TEMPLATE = "title-date-antecedent-v2"


@dataclass
class ArticlePiece:
    """One article's share of the index, with sentence numbers local to the article."""

    article: Article
    sentences: np.ndarray  # (k, 2) start, end
    spans: np.ndarray  # (k,)
    chunks: np.ndarray  # (c, 2) first, last (exclusive), local sentence numbers
    chunk_vectors: np.ndarray | None = None  # (c, d)
    sentence_vectors: np.ndarray | None = None  # (k, d)
    chunk_keys: np.ndarray | None = None  # (c,) uint64 hashes of the embedded texts
    sentence_keys: np.ndarray | None = None  # (k,)
    terms: list[list[str]] | None = None  # analysed BM25 terms of each chunk, kept for unchanged articles
    facts: SentenceFacts | None = None  # per-sentence facts (index/facts.py), kept for unchanged articles


def piece_from_chunks(article: Article, cut: ArticleChunks) -> ArticlePiece:
    """A piece for a freshly chunked article (vectors still to compute)."""
    return ArticlePiece(
        article=article,
        sentences=np.asarray(cut.sentences, dtype=np.int32).reshape(-1, 2),
        spans=np.asarray(cut.span_of_sentence, dtype=np.int32),
        chunks=np.asarray(cut.chunks, dtype=np.int32).reshape(-1, 2),
    )


def chunk_text(piece: ArticlePiece, row: int) -> str:
    """The verbatim text of one chunk."""
    first, last = piece.chunks[row]
    return piece.article.text[piece.sentences[first, 0] : piece.sentences[last - 1, 1]]


def embedding_text(article: Article, text: str) -> str:
    """What the model sees for a chunk: the article's title and date give it context."""
    when = f" ({article.date.isoformat()})" if article.date else ""
    return f"{article.title}{when}\n{text}"


def split_pieces(data: IndexData) -> dict[str, ArticlePiece]:
    """Cut a loaded index back into per-article pieces, keyed by article id (for incremental builds)."""
    sent_bounds = np.searchsorted(data.sentences[:, 0], np.arange(len(data.articles) + 1))
    chunk_bounds = np.searchsorted(data.chunks[:, 0], np.arange(len(data.articles) + 1))
    pieces = {}
    keyed = len(data.chunk_keys) == len(data.chunks) and len(data.sentence_keys) == len(data.sentences)
    for row, article in enumerate(data.articles):
        s0, s1 = sent_bounds[row], sent_bounds[row + 1]
        c0, c1 = chunk_bounds[row], chunk_bounds[row + 1]
        chunks = data.chunks[c0:c1, 1:3] - s0
        pieces[article.id] = ArticlePiece(
            article=article,
            sentences=np.array(data.sentences[s0:s1, 1:3]),
            spans=np.array(data.sentence_spans[s0:s1]),
            chunks=np.array(chunks),
            chunk_vectors=np.array(data.chunk_vectors[c0:c1]),
            sentence_vectors=np.array(data.sentence_vectors[s0:s1]),
            chunk_keys=data.chunk_keys[c0:c1] if keyed else None,
            sentence_keys=data.sentence_keys[s0:s1] if keyed else None,
            facts=data.facts.article_part(s0, s1, row) if data.facts is not None else None,
        )
    return pieces


def concatenate(pieces: list[ArticlePiece], dimension: int) -> IndexData:
    """Join pieces (all with vectors) into global arrays, in the given order."""
    sentences, chunks, spans = [], [], []
    offset = 0
    for row, piece in enumerate(pieces):
        n = len(piece.sentences)
        sentences.append(np.column_stack([np.full(n, row), piece.sentences]))
        chunks.append(np.column_stack([np.full(len(piece.chunks), row), piece.chunks + offset]))
        spans.append(piece.spans)
        offset += n
    return IndexData(
        articles=[p.article for p in pieces],
        sentences=_stack_int(sentences, 3),
        sentence_spans=np.concatenate(spans).astype(np.int32) if spans else np.zeros(0, np.int32),
        chunks=_stack_int(chunks, 3),
        chunk_vectors=_stack_vec([p.chunk_vectors for p in pieces], dimension),
        sentence_vectors=_stack_vec([p.sentence_vectors for p in pieces], dimension),
        chunk_keys=_stack_keys([piece_keys(p)[0] for p in pieces]),
        sentence_keys=_stack_keys([piece_keys(p)[1] for p in pieces]),
    )


def embedded_texts(piece: ArticlePiece) -> tuple[list[str], list[str]]:
    """What the model embeds for a piece: its chunk windows (with context) and its sentences."""
    chunks = [embedding_text(piece.article, chunk_text(piece, r)) for r in range(len(piece.chunks))]
    sentences = [piece.article.text[s:e] for s, e in piece.sentences]
    names = name_counts(piece.article.text)
    return chunks, resolved_sentences(sentences, names, piece.article.language)


def piece_keys(piece: ArticlePiece) -> tuple[np.ndarray, np.ndarray]:
    """Cache keys of a piece's chunk and sentence texts, computed once."""
    if piece.chunk_keys is None or piece.sentence_keys is None:
        chunks, sentences = embedded_texts(piece)
        piece.chunk_keys, piece.sentence_keys = text_keys(chunks), text_keys(sentences)
    return piece.chunk_keys, piece.sentence_keys


def _stack_keys(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts).astype(np.uint64) if parts else np.zeros(0, np.uint64)


def _stack_int(parts: list[np.ndarray], width: int) -> np.ndarray:
    if not parts:
        return np.zeros((0, width), dtype=np.int32)
    return np.concatenate(parts).astype(np.int32).reshape(-1, width)


def _stack_vec(parts: list[np.ndarray | None], dimension: int) -> np.ndarray:
    arrays = [p for p in parts if p is not None]
    if len(arrays) != len(parts):
        raise ValueError("every piece needs its vectors before concatenation")
    if not arrays:
        return np.zeros((0, dimension), dtype=np.float16)
    return np.concatenate(arrays).astype(np.float16)
