"""An index on disk: generations, manifest, dense and sparse indexes, sentence facts, the live handle."""

from __future__ import annotations

from index.store.dense import DenseIndex
from index.store.engine import EmbeddedEngine, IndexEngine
from index.store.generations import IndexData, Snapshot, generation_path, load_snapshot
from index.store.handle import IndexHandle
from index.store.manifest import Manifest
from index.store.sparse import SparseIndex

__all__ = [
    "DenseIndex",
    "EmbeddedEngine",
    "IndexData",
    "IndexEngine",
    "IndexHandle",
    "Manifest",
    "Snapshot",
    "SparseIndex",
    "generation_path",
    "load_snapshot",
]
