"""On-disk layout: generations written in a temp dir, swapped in atomically through a `current` symlink."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import itertools
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np

from index.errors import IndexDamaged, IndexLocked, IndexNotFound
from index.models import Article
from index.store.article_table import ARTICLES, ArticleTable, write_articles
from index.store.dense import DenseIndex
from index.store.fact_match import FactsSource, facts_source
from index.store.facts import FACTS_DIR, SentenceFacts, memory_map
from index.store.manifest import Manifest
from index.store.searchers import DenseSearch, SparseSearch
from index.store.sparse import SparseIndex

_T = TypeVar("_T")

log = logging.getLogger(__name__)

CURRENT = "current"
LOCK_NAME = ".build.lock"
KEEP_GENERATIONS = 2  # the current one and the one a running bot may still be reading


@dataclass
class IndexData:
    """The arrays an index is made of; rows of `sentences` and `chunks` point into `articles`."""

    articles: Sequence[Article]  # a list while building; an ArticleTable (parsed on demand) when loaded
    sentences: np.ndarray  # (n, 3) int32: article row, start, end (offsets in article.text)
    sentence_spans: np.ndarray  # (n,) int32: paragraph-aware span of the sentence within its article
    chunks: np.ndarray  # (m, 3) int32: article row, first sentence row, last sentence row (exclusive)
    chunk_vectors: np.ndarray  # (m, d) float16
    sentence_vectors: np.ndarray  # (n, d) float16
    # Content hashes of the embedded texts (uint64): the embedding cache of the next build.
    chunk_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    sentence_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    chunk_terms: list[list[str]] | None = None  # BM25 terms per chunk; written for the next build only
    facts: SentenceFacts | None = None  # per-sentence facts (index/facts.py); None in older generations

    @cached_property
    def article_starts(self) -> np.ndarray:
        """(articles + 1,) int64: article i owns sentence rows article_starts[i]:article_starts[i + 1]."""
        # Computed once: searchsorted over a strided column copies the whole column on every call.
        return np.searchsorted(self.sentences[:, 0], np.arange(len(self.articles) + 1)).astype(np.int64)

    @cached_property
    def span_bounds(self) -> np.ndarray:
        """(n, 2) int64: first and end (exclusive) sentence rows of the span each sentence belongs to."""
        n = len(self.sentences)
        if n == 0:
            return np.zeros((0, 2), dtype=np.int64)
        changed = np.ones(n, dtype=bool)
        changed[1:] = (self.sentences[1:, 0] != self.sentences[:-1, 0]) | (
            self.sentence_spans[1:] != self.sentence_spans[:-1]
        )
        starts = np.flatnonzero(changed)
        ends = np.append(starts[1:], n)
        which = np.cumsum(changed) - 1
        return np.stack([starts[which], ends[which]], axis=1)


@dataclass
class Snapshot:
    """A loaded, immutable index generation."""

    path: Path
    manifest: Manifest
    data: IndexData
    dense: DenseSearch  # a DenseIndex in the embedded engine
    sparse: SparseSearch  # a SparseIndex in the embedded engine
    facts: FactsSource  # what the quote features read per sentence
    # Per-generation state built on first use (whole-article BM25, the dense-search worker): it lives and
    # dies with the snapshot, not in module globals keyed by path.
    _derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _derived_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def derived(self, name: str, build: Callable[[], _T]) -> _T:
        """State of this generation built once, on first use, by `build` (thread-safe)."""
        with self._derived_lock:
            if name not in self._derived:
                self._derived[name] = build()
            return cast(_T, self._derived[name])

    def sentence_text(self, row: int) -> str:
        """The verbatim text of one sentence row."""
        article_row, start, end = (int(x) for x in self.data.sentences[row])
        return str(self.data.articles[article_row].text[start:end])

    def article_row_of(self, row: int) -> int:
        """The article row a sentence row belongs to."""
        return int(self.data.sentences[row, 0])

    def article_of(self, row: int) -> Article:
        """The article a sentence row belongs to."""
        return self.data.articles[self.article_row_of(row)]


def generation_path(index_dir: Path) -> Path | None:
    """The generation `current` points to, or None when no index was built yet."""
    link = index_dir / CURRENT
    try:
        return index_dir / os.readlink(link)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexNotFound(f"{link} is not an index link ({exc}); delete it and rebuild") from exc


def write_generation(
    index_dir: Path, data: IndexData, dense: DenseIndex, sparse: SparseIndex, manifest: Manifest
) -> Path:
    """Write a complete generation beside the current one and make it current in one rename."""
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / f".tmp-{uuid.uuid4().hex[:12]}"
    tmp.mkdir()
    try:
        _write_files(tmp, data, dense, sparse)
        manifest.write(tmp)  # last: a directory with a manifest is complete
        _fsync_tree(tmp)
        final = index_dir / f"gen-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _point_current(index_dir, final.name)
    prune_generations(index_dir)
    return final


def _write_files(directory: Path, data: IndexData, dense: DenseIndex, sparse: SparseIndex) -> None:
    write_articles(directory, data.articles)
    np.save(directory / "sentences.npy", data.sentences)
    np.save(directory / "sentence_spans.npy", data.sentence_spans)
    np.save(directory / "chunks.npy", data.chunks)
    np.save(directory / "chunk_vectors.npy", data.chunk_vectors)
    np.save(directory / "sentence_vectors.npy", data.sentence_vectors)
    np.save(directory / "chunk_keys.npy", data.chunk_keys)
    np.save(directory / "sentence_keys.npy", data.sentence_keys)
    dense.save(directory / "dense.faiss")
    if data.chunk_terms is not None:
        write_terms(directory / "terms", data.chunk_terms)
    if data.facts is not None:
        data.facts.save(directory / FACTS_DIR)
    (directory / "bm25").mkdir()
    sparse.save(directory / "bm25")


def _fsync_tree(directory: Path) -> None:
    # Durable before the swap: a power cut must not leave `current` pointing at half-written files.
    for path in [*directory.rglob("*"), directory]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _point_current(index_dir: Path, name: str) -> None:
    tmp_link = index_dir / f".{CURRENT}-{uuid.uuid4().hex[:8]}"
    os.symlink(name, tmp_link)
    os.replace(tmp_link, index_dir / CURRENT)  # atomic on POSIX: readers see the old or the new index
    fd = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def prune_generations(index_dir: Path) -> None:
    """Delete leftovers of crashed builds and all but the newest generations."""
    current = generation_path(index_dir)
    gens = sorted(p for p in index_dir.glob("gen-*") if p.is_dir())
    keep = set(gens[-KEEP_GENERATIONS:]) | ({current} if current else set())
    for path in gens:
        if path not in keep:
            shutil.rmtree(path, ignore_errors=True)
    for path in index_dir.glob(".tmp-*"):
        shutil.rmtree(path, ignore_errors=True)


def load_snapshot(path: Path) -> Snapshot:
    """Load one generation; big arrays are memory-mapped. Any damage raises IndexDamaged naming the file."""
    manifest = Manifest.read(path)
    m = manifest
    # Everything memory-mapped: start-up reads only what the first questions touch. Every size is checked
    # against the manifest here, so a truncated file fails now, in one line, not as a SIGBUS later.
    data = IndexData(
        articles=_part(path, ARTICLES, lambda: _sized(ArticleTable(path), m.articles)),
        sentences=_array(path, "sentences.npy", (m.sentences, 3)),
        sentence_spans=_array(path, "sentence_spans.npy", (m.sentences,)),
        chunks=_array(path, "chunks.npy", (m.chunks, 3)),
        chunk_vectors=_array(path, "chunk_vectors.npy", (m.chunks, m.dimension)),
        sentence_vectors=_array(path, "sentence_vectors.npy", (m.sentences, m.dimension)),
        chunk_keys=_keys(path, "chunk_keys.npy", m.chunks),
        sentence_keys=_keys(path, "sentence_keys.npy", m.sentences),
        facts=_part(path, FACTS_DIR, lambda: _checked_facts(path / FACTS_DIR, m.sentences, m.articles)),
    )
    dense = _part(path, "dense.faiss", lambda: _dense(path, manifest))
    dense.attach_vectors(data.chunk_vectors)
    sparse = _part(path, "bm25", lambda: SparseIndex.load(path / "bm25", expected=m.chunks))
    facts = facts_source(data.facts, data.articles, data.sentences)
    return Snapshot(path=path, manifest=manifest, data=data, dense=dense, sparse=sparse, facts=facts)


def _part(path: Path, name: str, load: Callable[[], _T]) -> _T:
    """Load one file of a generation; whatever is wrong with it becomes IndexDamaged naming it."""
    try:
        return load()
    except IndexDamaged:
        raise
    except Exception as exc:  # truncated, garbled or missing: numpy, faiss and bm25s raise all kinds
        raise IndexDamaged(path, name, str(exc) or type(exc).__name__) from exc


def _array(path: Path, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """A memory-mapped array that must have `shape` (from the manifest)."""
    array = _part(path, name, lambda: memory_map(path / name))
    if array.shape != shape:
        raise IndexDamaged(path, name, f"shape {array.shape}, the manifest says {shape}")
    return array


def _keys(path: Path, name: str, rows: int) -> np.ndarray:
    # Generations written before the embedding cache have no keys: they simply cache nothing.
    if not (path / name).exists():
        return np.zeros(0, np.uint64)
    return _array(path, name, (rows,))


def _sized(loaded: ArticleTable, expected: int) -> ArticleTable:
    if len(loaded) != expected:
        raise ValueError(f"{len(loaded)} rows where the manifest says {expected}")
    return loaded


def _checked_facts(directory: Path, sentences: int, articles: int) -> SentenceFacts | None:
    facts = SentenceFacts.load(directory)
    if facts is not None:
        facts.validate(sentences, articles)
    return facts


def _dense(path: Path, manifest: Manifest) -> DenseIndex:
    try:
        dense = DenseIndex.load(path / "dense.faiss", manifest.index_type, manifest.index_params)
    except RuntimeError as exc:  # faiss's message is C++ source text; the file is what matters
        raise ValueError("FAISS cannot read it (truncated, or not a FAISS index)") from exc
    if dense.size != manifest.chunks:
        raise ValueError(f"{dense.size} vectors where the manifest says {manifest.chunks}")
    return dense


def write_terms(directory: Path, docs: list[list[str]]) -> None:
    """Store analysed terms per chunk compactly: a vocabulary plus term ids and offsets."""
    directory.mkdir()
    # dict.fromkeys and map(dict.__getitem__) run in C: 4x faster than a setdefault generator (5M terms).
    vocab = {term: i for i, term in enumerate(dict.fromkeys(itertools.chain.from_iterable(docs)))}
    terms = itertools.chain.from_iterable(docs)
    ids = np.fromiter(map(vocab.__getitem__, terms), dtype=np.int32, count=sum(len(doc) for doc in docs))
    offsets = np.cumsum([0, *(len(doc) for doc in docs)], dtype=np.int64)
    (directory / "vocab.txt").write_text("\n".join(vocab), encoding="utf-8")
    np.save(directory / "ids.npy", ids)
    np.save(directory / "offsets.npy", offsets)


def read_terms(directory: Path) -> list[list[str]] | None:
    """Terms written by write_terms; None when absent (older generations) or damaged (re-analysed)."""
    try:
        vocab = np.array((directory / "vocab.txt").read_text(encoding="utf-8").split("\n"), dtype=object)
        ids, offsets = np.load(directory / "ids.npy"), np.load(directory / "offsets.npy")
        words = vocab[ids].tolist() if len(ids) else []
    except FileNotFoundError:
        return None
    except (OSError, ValueError, IndexError) as exc:
        log.warning("Re-analysing every chunk: the stored terms in %s are damaged (%s)", directory, exc)
        return None
    return [words[a:b] for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)]


def directory_size(path: Path) -> int:
    """Bytes used by the files under `path`."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@contextlib.contextmanager
def build_lock(index_dir: Path, wait: bool = False) -> Iterator[None]:
    """Hold the inter-process build lock; without `wait`, refuse at once if another build holds it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK_NAME
    with path.open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as exc:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            raise IndexLocked(
                f"Another build is running on {index_dir} (pid {holder}); wait for it, or pass --wait"
            ) from exc
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
