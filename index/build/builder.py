"""`python -m index build`: incremental, atomic index builds from the corpus folder."""

from __future__ import annotations

import datetime as dt
import errno
import logging
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index import __version__
from index.build.pieces import (
    EMBED_TEMPLATE,
    ArticlePiece,
    concatenate,
    embedded_texts,
    piece_from_chunks,
    split_pieces,
)
from index.build.progress import Progress
from index.corpus.scan import CorpusScan, scan_corpus
from index.embedding.cache import VectorCache, text_keys
from index.embedding.protocol import Embedder
from index.errors import NewsQuoteError, NoSpaceLeft
from index.models import BuildSummary
from index.store.engine import EmbeddedEngine, IndexEngine
from index.store.facts import SentenceFacts
from index.store.generations import IndexData, Snapshot, build_lock, directory_size, read_terms
from index.store.manifest import Manifest, fingerprint
from index.text.analysis import ANALYZER_VERSION, analyze
from index.text.chunking import ChunkingParams, chunk_article
from index.text.sentences import SPLITTER_VERSION

log = logging.getLogger(__name__)

EMBED_SLICE = 16_384  # texts per embed call: bounds memory on big corpora (1M chunks = 2.9M texts)


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
        engine: IndexEngine | None = None,
    ) -> None:
        self.corpus_dir = corpus_dir
        self.index_dir = index_dir
        self._embedder = embedder
        self._chunking = chunking or ChunkingParams()
        self._max_file_bytes = max_file_bytes
        self._engine: IndexEngine = engine or EmbeddedEngine()

    def has_index(self) -> bool:
        """Whether a built index exists that answers with this builder's model (and embedding backend)."""
        path = self._engine.current(self.index_dir)
        if path is None:
            return False
        try:
            # Another model's vectors cannot answer (e.g. an index from before int8 ONNX became the default).
            return Manifest.read(path).model == self._embedder.name
        except NewsQuoteError:
            return False

    def build(self, full: bool = False, wait: bool = False, interactive: bool | None = None) -> BuildSummary:
        """Bring the index up to date with the corpus; only new or changed articles are embedded."""
        started = time.perf_counter()
        if not self.corpus_dir.is_dir():
            # Fail before the lock creates the index folder: a typo in CORPUS_DIR leaves nothing behind.
            scan_corpus(self.corpus_dir, max_file_bytes=self._max_file_bytes)
        with build_lock(self.index_dir, wait=wait):
            scanned_at = time.time()
            scan = scan_corpus(self.corpus_dir, max_file_bytes=self._max_file_bytes)
            previous, cache, snap = self._previous(full)
            plan = self._plan(scan, previous)
            summary = BuildSummary(
                # A generation from before stored sentence facts is rewritten once, with them; one of
                # another engine (a migration) is rewritten into this one, reusing its vectors.
                up_to_date=previous is not None
                and snap is not None
                and snap.manifest.engine == self._engine.name
                and not (plan.added or plan.changed or plan.removed)
                and all(p.facts is not None for p in plan.pieces),
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
                summary.index_path = str(snap.path if snap is not None else "")
            else:
                summary.embedded_chunks, summary.embed_seconds = self._embed(plan.pieces, cache, interactive)
                path, data = self._write_or_explain(plan.pieces, started, snap)
                summary.chunks, summary.index_path = len(data.chunks), str(path)
            mark_checked(self.index_dir, scanned_at)
        summary.seconds = time.perf_counter() - started
        return summary  # the caller reports it once (the CLI prints it, the bot logs it)

    def _previous(
        self, full: bool
    ) -> tuple[dict[str, ArticlePiece] | None, VectorCache | None, Snapshot | None]:
        """Pieces of the current index when built the same way, its vectors by text, the index itself."""
        path = self._engine.reusable(self.index_dir)
        if path is None:
            return None, None, None
        try:
            return self._reuse(path, full)
        except NewsQuoteError as exc:
            log.warning("Rebuilding everything: the current index cannot be reused (%s)", exc)
        except Exception as exc:  # damage found only while reading it: a rebuild is the cure, not a crash
            log.warning(
                "Rebuilding everything: the current index %s is damaged (%r)", path, exc, exc_info=exc
            )
        return None, None, None

    def _reuse(
        self, path: Path, full: bool
    ) -> tuple[dict[str, ArticlePiece] | None, VectorCache | None, Snapshot | None]:
        snap = self._engine.load(path)
        m = snap.manifest
        if m.model != self._embedder.name:
            # E.g. an index from MiniLM, the default before multilingual-e5-small: one line, then every chunk.
            log.warning(
                "Rebuilding everything: the index was embedded with %s, the configured model is %s",
                m.model,
                self._embedder.name,
            )
            return None, None, None
        data = snap.data
        # Vectors depend only on the model and the text, so they survive --full and chunking changes.
        cache = VectorCache(
            [data.chunk_keys, data.sentence_keys], [data.chunk_vectors, data.sentence_vectors]
        )
        same = (
            m.chunking == self._chunking
            and m.analyzer == ANALYZER_VERSION
            and m.splitter == SPLITTER_VERSION
            and m.embed_template == EMBED_TEMPLATE
        )
        if full or not same:
            if not full:
                log.warning(
                    "Rebuilding everything: chunking, sentence splitting or analyzer changed "
                    "since the last build"
                )
            return None, cache, None
        pieces = split_pieces(data)  # parses every stored article: damage inside one shows here
        _attach_terms(list(pieces.values()), read_terms(path / "terms"))
        return pieces, cache, snap

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

    def _embed(
        self, pieces: list[ArticlePiece], cache: VectorCache | None, interactive: bool | None
    ) -> tuple[int, float]:
        """Give vectors to pieces without (from the cache, else the model); chunks embedded, seconds."""
        todo = [p for p in pieces if p.chunk_vectors is None]
        texts = [embedded_texts(p) for p in todo]
        flat = [t for chunks, sentences in texts for t in (*chunks, *sentences)]
        vectors = np.zeros((len(flat), self._embedder.dimension), dtype=np.float32)
        keys = text_keys(flat)
        missing = cache.fill(keys, vectors) if cache is not None else np.arange(len(flat))
        if len(missing):
            self._embedder.embed_query("load")  # the model's loading (or ONNX export) is not its speed
        progress = Progress(len(missing), "Embedding", interactive=interactive)
        embedding_started = time.perf_counter()
        try:
            # Slice by slice, so that the model's output never holds a second copy of a big corpus's vectors.
            for start in range(0, len(missing), EMBED_SLICE):
                part = missing[start : start + EMBED_SLICE]
                vectors[part] = self._embedder.embed([flat[i] for i in part], progress=progress.advance)
        finally:
            progress.close()
        seconds = time.perf_counter() - embedding_started
        at = 0
        embedded_chunks = 0
        fresh = np.zeros(len(flat), dtype=bool)
        fresh[missing] = True
        for piece, (chunks, sentences) in zip(todo, texts, strict=True):
            c, s = at + len(chunks), at + len(chunks) + len(sentences)
            piece.chunk_vectors, piece.sentence_vectors = vectors[at:c], vectors[c:s]
            piece.chunk_keys, piece.sentence_keys = keys[at:c], keys[c:s]
            embedded_chunks += int(fresh[at:c].sum())
            at = s
        log.info("Embedded %d texts, %d taken from the cache", len(missing), len(flat) - len(missing))
        return embedded_chunks, seconds

    def _write_or_explain(
        self, pieces: list[ArticlePiece], started: float, previous: Snapshot | None
    ) -> tuple[Path, IndexData]:
        """_write; a full disk becomes one line saying how much room the index needs (the old one stays)."""
        try:
            return self._write(pieces, started, previous)
        except (OSError, RuntimeError) as exc:
            # faiss reports a failed write as a RuntimeError carrying strerror's text.
            if getattr(exc, "errno", None) != errno.ENOSPC and os.strerror(errno.ENOSPC) not in str(exc):
                raise
            needed = max(1, math.ceil(self._space_needed(pieces) / 2**20))
            raise NoSpaceLeft(
                f"no space left on device for INDEX_DIR ({self.index_dir}): about {needed} MB needed"
            ) from exc

    def _space_needed(self, pieces: list[ArticlePiece]) -> int:
        """Bytes a new generation takes: the current one's size, else an estimate from what was written."""
        current = self._engine.current(self.index_dir)
        if current is not None and current.is_dir():
            return directory_size(current)
        chunks = sum(len(p.chunks) for p in pieces)
        sentences = sum(len(p.sentences) for p in pieces)
        text = sum(len(p.article.text.encode()) for p in pieces)
        # float16 vectors on disk plus float32 ones in FAISS, the article text twice (articles + terms).
        return (
            (chunks + sentences) * self._embedder.dimension * 2
            + chunks * self._embedder.dimension * 4
            + 2 * text
        )

    def _write(
        self, pieces: list[ArticlePiece], started: float, previous: Snapshot | None
    ) -> tuple[Path, IndexData]:
        data = concatenate(pieces, self._embedder.dimension)
        for piece in pieces:  # the joined float16 copies are what is written: free the float32 vectors
            piece.chunk_vectors = piece.sentence_vectors = None
        data.chunk_terms = bm25_documents(pieces)
        data.facts = sentence_facts(pieces)
        hashes = {a.id: a.content_hash for a in data.articles}
        manifest = Manifest(
            model=self._embedder.name,
            dimension=self._embedder.dimension,
            chunking=self._chunking,
            analyzer=ANALYZER_VERSION,
            splitter=SPLITTER_VERSION,
            embed_template=EMBED_TEMPLATE,
            index_type="",  # the engine names its index
            article_hashes=hashes,
            corpus_fingerprint=fingerprint(hashes),
            articles=len(data.articles),
            chunks=len(data.chunks),
            sentences=len(data.sentences),
            built_at=dt.datetime.now(dt.UTC),
            build_seconds=time.perf_counter() - started,
            program_version=__version__,
        )
        return self._engine.write(self.index_dir, data, manifest, previous), data


CHECKED = ".corpus_checked"  # its time: when the corpus was last read by a build that completed


def mark_checked(index_dir: Path, when: float) -> None:
    """Record that the corpus as it was at `when` is in the index (even when nothing had changed)."""
    marker = index_dir / CHECKED
    marker.touch()
    os.utime(marker, (when, when))


def last_checked(index_dir: Path) -> float | None:
    """When a completed build last read the corpus (None before the first such build)."""
    try:
        return (index_dir / CHECKED).stat().st_mtime
    except OSError:
        return None


def bm25_documents(pieces: list[ArticlePiece]) -> list[list[str]]:
    """Analysed terms of every chunk, with its article's title for context; unchanged articles keep theirs."""
    docs: list[list[str]] = []
    for piece in pieces:
        if piece.terms is None or len(piece.terms) != len(piece.chunks):
            article, bounds = piece.article, piece.sentences
            texts = (article.text[bounds[a, 0] : bounds[b - 1, 1]] for a, b in piece.chunks)
            piece.terms = [analyze(f"{article.title}\n{text}", article.language) for text in texts]
        docs.extend(piece.terms)
    return docs


def sentence_facts(pieces: list[ArticlePiece]) -> SentenceFacts:
    """The facts of every sentence (index/facts.py); unchanged articles keep theirs."""
    for piece in pieces:
        if piece.facts is None:
            piece.facts = SentenceFacts.extract(piece.article, piece.sentences)
    return SentenceFacts.concat([p.facts for p in pieces if p.facts is not None])


def _attach_terms(pieces: list[ArticlePiece], terms: list[list[str]] | None) -> None:
    """Hand each piece (in index order) its chunks' stored BM25 terms, so a rebuild need not re-analyse."""
    if terms is None or len(terms) != sum(len(p.chunks) for p in pieces):
        return
    at = 0
    for piece in pieces:
        piece.terms = terms[at : at + len(piece.chunks)]
        at += len(piece.chunks)
