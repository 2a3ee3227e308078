"""The index-engine seam: where a generation's chunks are searched, and how a build stores and swaps them.

`EmbeddedEngine` (the default) keeps FAISS and BM25 files in each generation folder; `QdrantEngine`
(index/store/qdrant_engine.py) keeps them in a Qdrant collection per generation behind an alias. Everything
above retrieval reads a `Snapshot` and does not know which one served it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from index.errors import IndexMismatch
from index.store.dense import DenseIndex
from index.store.generations import IndexData, Snapshot, generation_path, load_snapshot, write_generation
from index.store.manifest import Manifest
from index.store.sparse import SparseIndex

EMBEDDED = "embedded"
QDRANT = "qdrant"
ENGINES = (EMBEDDED, QDRANT)


class IndexEngine(Protocol):
    """Stores generations and serves their dense and keyword search."""

    name: str

    def current(self, index_dir: Path) -> Path | None:
        """The generation folder to serve (None when nothing was built with this engine yet)."""
        ...

    def reusable(self, index_dir: Path) -> Path | None:
        """The generation a build may take vectors, chunks and terms from (any engine's)."""
        ...

    def load(self, path: Path) -> Snapshot:
        """Open one generation for questions."""
        ...

    def write(self, index_dir: Path, data: IndexData, manifest: Manifest, previous: Snapshot | None) -> Path:
        """Store a complete new generation and make it current; returns its folder."""
        ...

    def scoped(self, label: str, index_dir: Path) -> IndexEngine:
        """The same engine for a separate index kept in `index_dir` (evaluation), named apart by `label`."""
        ...

    def close(self) -> None:
        """Release connections (the in-process Qdrant store's folder lock)."""
        ...


class EmbeddedEngine:
    """FAISS and BM25 files beside the manifest; `current` is a symlink swapped in one rename."""

    name = EMBEDDED

    def current(self, index_dir: Path) -> Path | None:
        """The generation the `current` link points to."""
        return generation_path(index_dir)

    def reusable(self, index_dir: Path) -> Path | None:
        """The current generation."""
        return generation_path(index_dir)

    def load(self, path: Path) -> Snapshot:
        """Load a generation written by this engine (memory-mapped)."""
        if Manifest.read(path).engine != EMBEDDED:
            raise IndexMismatch(
                f"The index in {path} was built with INDEX_ENGINE=qdrant: set INDEX_ENGINE=qdrant, "
                "or rebuild it here with: python -m index build --full"
            )
        return load_snapshot(path)

    def write(self, index_dir: Path, data: IndexData, manifest: Manifest, previous: Snapshot | None) -> Path:
        """Build FAISS and BM25 over the chunks and write the generation atomically."""
        vectors = np.asarray(data.chunk_vectors, dtype=np.float32)
        # --full retrains the quantiser; incremental builds reuse the previous one (see index/store/dense.py).
        reuse = previous.dense if previous is not None and isinstance(previous.dense, DenseIndex) else None
        dense = DenseIndex.build(vectors, manifest.dimension, previous=reuse)
        dense.attach_vectors(data.chunk_vectors)  # (only saved here) lets the float32 copy go
        del vectors
        sparse = SparseIndex.build(data.chunk_terms or [])
        manifest.engine, manifest.index_type, manifest.index_params = EMBEDDED, dense.kind, dense.params
        return write_generation(index_dir, data, dense, sparse, manifest)

    def scoped(self, label: str, index_dir: Path) -> EmbeddedEngine:
        """Itself: the index folder already separates embedded indexes."""
        return self

    def close(self) -> None:
        """Nothing to release: files are mapped per snapshot."""
