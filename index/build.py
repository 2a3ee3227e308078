"""`python -m index build`: incremental, atomic index builds from the corpus folder."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index import __version__
from index.analysis import ANALYZER_VERSION, analyze
from index.articles import CorpusScan, scan_corpus
from index.assembly import (
    EMBED_TEMPLATE,
    ArticlePiece,
    chunk_text,
    concatenate,
    embedding_text,
    piece_from_chunks,
    split_pieces,
)
from index.chunking import ChunkingParams, chunk_article
from index.dense import DenseIndex
from index.embedding import Embedder
from index.errors import NewsQuoteError
from index.manifest import Manifest, fingerprint
from index.models import BuildSummary
from index.progress import Progress
from index.sparse import SparseIndex
from index.store import IndexData, build_lock, generation_path, load_snapshot, write_generation

log = logging.getLogger(__name__)


@dataclass
class _Plan:
    pieces: list[ArticlePiece]  # in corpus order; those without vectors need embedding
    added: int
    changed: int
    removed: int
    unchanged: int


class IndexBuilder:
    """Builds the index in `index_dir` from the articles in `corpus_dir`."""

    def __init__(
        self,
        corpus_dir: Path,
        index_dir: Path,
        embedder: Embedder,
        *,
        chunking: ChunkingParams | None = None,
        max_file_bytes: int = 20 * 2**20,
        min_score: float = 0.35,
    ) -> None:
        self.corpus_dir = corpus_dir
        self.index_dir = index_dir
        self._embedder = embedder
        self._chunking = chunking or ChunkingParams()
        self._max_file_bytes = max_file_bytes
        self._min_score = min_score

    def has_index(self) -> bool:
        """Whether a built index exists."""
        return generation_path(self.index_dir) is not None

    def build(self, full: bool = False, wait: bool = False, interactive: bool | None = None) -> BuildSummary:
        """Bring the index up to date with the corpus; only new or changed articles are embedded."""
        started = time.perf_counter()
        with build_lock(self.index_dir, wait=wait):
            scan = scan_corpus(self.corpus_dir, max_file_bytes=self._max_file_bytes)
            previous = None if full else self._reusable_pieces()
            plan = self._plan(scan, previous)
            summary = BuildSummary(
                up_to_date=previous is not None and not (plan.added or plan.changed or plan.removed),
                added=plan.added,
                changed=plan.changed,
                removed=plan.removed,
                unchanged=plan.unchanged,
                skipped=scan.skipped,
                duplicates=len(scan.duplicates),
                articles=len(plan.pieces),
            )
            if summary.up_to_date:
                summary.chunks = sum(len(p.chunks) for p in plan.pieces)
                summary.index_path = str(generation_path(self.index_dir))
            else:
                summary.embedded_chunks = self._embed(plan.pieces, interactive)
                path, data = self._write(plan.pieces, started)
                summary.chunks, summary.index_path = len(data.chunks), str(path)
        summary.seconds = time.perf_counter() - started
        log.info("%s", summary.describe())
        return summary

    def _reusable_pieces(self) -> dict[str, ArticlePiece] | None:
        """Pieces of the current index when it was built the same way; None means start afresh."""
        path = generation_path(self.index_dir)
        if path is None:
            return None
        try:
            snap = load_snapshot(path)
        except NewsQuoteError as exc:
            log.warning("Rebuilding everything: the current index cannot be reused (%s)", exc)
            return None
        m = snap.manifest
        same = (
            m.model == self._embedder.name
            and m.chunking == self._chunking
            and m.analyzer == ANALYZER_VERSION
            and m.embed_template == EMBED_TEMPLATE
        )
        if not same:
            log.warning("Rebuilding everything: model, chunking or analyzer changed since the last build")
            return None
        return split_pieces(snap.data)

    def _plan(self, scan: CorpusScan, previous: dict[str, ArticlePiece] | None) -> _Plan:
        old = previous or {}
        pieces, added, changed = [], 0, 0
        for article in scan.articles:
            kept = old.get(article.id)
            if kept is not None and kept.article.content_hash == article.content_hash:
                kept.article = article  # same content; the source path may have moved
                pieces.append(kept)
                continue
            added += kept is None
            changed += kept is not None
            pieces.append(piece_from_chunks(article, chunk_article(article.text, self._chunking)))
        current = {a.id for a in scan.articles}
        removed = sum(1 for article_id in old if article_id not in current)
        return _Plan(pieces, added, changed, removed, len(pieces) - added - changed)

    def _embed(self, pieces: list[ArticlePiece], interactive: bool | None) -> int:
        """Embed the chunks and sentences of pieces that have no vectors yet; returns chunks embedded."""
        todo = [p for p in pieces if p.chunk_vectors is None]
        chunk_texts = [
            embedding_text(p.article, chunk_text(p, r)) for p in todo for r in range(len(p.chunks))
        ]
        sent_texts = [p.article.text[s:e] for p in todo for s, e in p.sentences]
        progress = Progress(len(chunk_texts) + len(sent_texts), "Embedding", interactive=interactive)
        try:
            vectors = self._embedder.embed(chunk_texts + sent_texts, progress=progress.advance)
        finally:
            progress.close()
        chunk_vecs, sent_vecs = vectors[: len(chunk_texts)], vectors[len(chunk_texts) :]
        c_at = s_at = 0
        for piece in todo:
            piece.chunk_vectors = chunk_vecs[c_at : c_at + len(piece.chunks)]
            piece.sentence_vectors = sent_vecs[s_at : s_at + len(piece.sentences)]
            c_at += len(piece.chunks)
            s_at += len(piece.sentences)
        return len(chunk_texts)

    def _write(self, pieces: list[ArticlePiece], started: float) -> tuple[Path, IndexData]:
        data = concatenate(pieces, self._embedder.dimension)
        dense = DenseIndex.build(np.asarray(data.chunk_vectors, dtype=np.float32), self._embedder.dimension)
        sparse = SparseIndex.build(bm25_documents(data))
        hashes = {a.id: a.content_hash for a in data.articles}
        manifest = Manifest(
            model=self._embedder.name,
            dimension=self._embedder.dimension,
            chunking=self._chunking,
            analyzer=ANALYZER_VERSION,
            embed_template=EMBED_TEMPLATE,
            index_type=dense.kind,
            index_params=dense.params,
            article_hashes=hashes,
            corpus_fingerprint=fingerprint(hashes),
            articles=len(data.articles),
            chunks=len(data.chunks),
            sentences=len(data.sentences),
            built_at=dt.datetime.now(dt.UTC),
            build_seconds=time.perf_counter() - started,
            min_score=self._min_score,
            program_version=__version__,
        )
        return write_generation(self.index_dir, data, dense, sparse, manifest), data


def bm25_documents(data: IndexData) -> list[list[str]]:
    """Analysed terms of every chunk, with its article's title for context."""
    docs = []
    for article_row, first, last in data.chunks:
        article = data.articles[article_row]
        text = article.text[data.sentences[first, 1] : data.sentences[last - 1, 2]]
        docs.append(analyze(f"{article.title}\n{text}", article.language))
    return docs
