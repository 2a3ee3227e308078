"""The Qdrant index engine: a collection per generation, swapped in behind an alias at the end of a build.

The collection holds what is searched (a dense and a BM25 sparse vector per chunk, payload: article,
offsets, date, language). The generation folder beside it (same name) holds what the ranking reads per
candidate: articles, sentence rows and vectors, stored facts, the keyword vocabulary. A build writes the
collection and the folder completely, then moves the alias; a build killed before that leaves the alias on
the previous collection. Readers follow the alias (IndexHandle), so every process using one Qdrant server
switches within its check interval. Without `QDRANT_URL`, qdrant-client runs the same API in process on
files under INDEX_DIR/qdrant (one process at a time: it locks the folder).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.errors import IndexMismatch, IndexNotFound, NewsQuoteError
from index.store.engine import EMBEDDED, QDRANT
from index.store.fact_match import facts_source
from index.store.generations import (
    IndexData,
    Snapshot,
    _point_current,
    generation_path,
    load_snapshot,
    prune_generations,
)
from index.store.manifest import Manifest
from index.store.qdrant_connection import QdrantConnection, QdrantUnavailable
from index.store.qdrant_points import (
    chunk_point_ids,
    chunk_points,
    generation_name,
    payload_indexes,
    pending_path,
    read_pending,
    write_pending,
)
from index.store.qdrant_search import (
    DENSE,
    SEARCH_EF,
    SPARSE,
    PointRows,
    QdrantDense,
    QdrantSparse,
    SparseStats,
)
from index.store.side_store import (
    STATS_DIR,
    load_article_years,
    load_point_ids,
    load_side_store,
    write_side_store,
)

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

SEPARATOR = "__"  # collection = <prefix>__<generation folder>; a scoped prefix never matches another's
UPSERT_BATCH = 256
# How far the corpus's mean chunk length (in terms) may move before an incremental build rewrites every
# point: BM25 weights depend on it (5% moves a weight by under 4%).
LENGTH_DRIFT = 0.05


class QdrantEngine:
    """Generations as Qdrant collections behind the alias `prefix`, with a local side store each."""

    name = QDRANT

    def __init__(self, connection: QdrantConnection, prefix: str = "newsquote", owns: bool = True) -> None:
        self.connection = connection
        self.alias = prefix
        self._owns = owns  # a scoped engine on a shared server connection leaves it open
        self._collections: dict[Path, str | None] = {}  # generation folder -> its collection (manifest)

    def scoped(self, label: str, index_dir: Path) -> QdrantEngine:
        """Another alias and set of collections (evaluation): on the same server, or in process in
        `index_dir` (the in-process store is locked by this process's own engine)."""
        alias = f"{self.alias}_{label}"
        if self.connection.url:
            return QdrantEngine(self.connection, alias, owns=False)
        return QdrantEngine(QdrantConnection(None, None, index_dir / "qdrant"), alias)

    def current(self, index_dir: Path) -> Path | None:
        """The generation folder of the collection the alias points to (None before the first build)."""
        target = self.alias_target()
        if target is None:
            return None
        linked = generation_path(index_dir)  # incremental builds add folders to the same collection
        if linked is not None and self._collection_of(linked) == target:
            return linked
        path = index_dir / target.split(SEPARATOR, 1)[-1]  # the folder a new collection was made with
        if not path.is_dir():
            raise IndexNotFound(
                f"The Qdrant alias '{self.alias}' points at {target}, whose local files are not in "
                f"{index_dir}; build here with: python -m index build --full"
            )
        return path

    def reusable(self, index_dir: Path) -> Path | None:
        """The served generation, else the embedded engine's (migration reuses its vectors)."""
        try:
            served = self.current(index_dir)
        except QdrantUnavailable:
            raise  # before embedding anything: the build could not store it
        except IndexNotFound:
            served = None  # the alias names another machine's build: rebuild here, then swap
        return served or generation_path(index_dir)

    def close(self) -> None:
        """Close the connection this engine opened."""
        if self._owns:
            self.connection.close()

    def _collection_of(self, path: Path) -> str | None:
        """The collection a generation folder's manifest names (read once per folder)."""
        if path not in self._collections:
            if len(self._collections) > 16:
                self._collections.clear()
            self._collections[path] = _collection_of(path)
        return self._collections[path]

    def alias_target(self) -> str | None:
        """The collection the alias points to."""
        with self.connection.call() as client:
            aliases = client.get_aliases().aliases
        return next((a.collection_name for a in aliases if a.alias_name == self.alias), None)

    def load(self, path: Path) -> Snapshot:
        """Open a generation: local side store plus searchers over its collection."""
        manifest = Manifest.read(path)
        if manifest.engine == EMBEDDED:
            return load_snapshot(path)  # only a build reads one (migration): its vectors are reused
        with self.connection.call() as client:
            exists = client.collection_exists(manifest.collection)
        if not exists:
            raise IndexMismatch(
                f"The Qdrant collection {manifest.collection} of the index in {path} is gone; rebuild: "
                "python -m index build --full"
            )
        try:
            data = load_side_store(path, manifest)
            stats = SparseStats.load(path / STATS_DIR)
            rows = PointRows(load_point_ids(path))
            years = load_article_years(path)
        except (OSError, ValueError, KeyError) as exc:
            raise IndexMismatch(
                f"The index in {path} is damaged ({exc}); rebuild: python -m index build --full"
            ) from exc
        ef = SEARCH_EF if self.connection.url else None  # in process the search is exact anyway
        dense = QdrantDense(self.connection.call, manifest.collection, rows, manifest.chunks, ef)
        sparse = QdrantSparse(self.connection.call, manifest.collection, rows, stats, years, ef)
        facts = facts_source(data.facts, data.articles, data.sentences)
        return Snapshot(path=path, manifest=manifest, data=data, dense=dense, sparse=sparse, facts=facts)

    def write(self, index_dir: Path, data: IndexData, manifest: Manifest, previous: Snapshot | None) -> Path:
        """Store a generation: into the served collection when only some articles changed, else into a
        new collection swapped in behind the alias."""
        ids = chunk_point_ids(data)
        manifest.engine = QDRANT
        manifest.index_type, manifest.index_params = "qdrant", {"distance": "dot", "sparse": "bm25-idf"}
        base = self._in_place_base(previous, data.chunk_terms or [])
        if previous is not None and base is not None:
            return self._write_in_place(index_dir, data, manifest, ids, previous, base)
        return self._write_new_collection(index_dir, data, manifest, ids)

    def _write_new_collection(
        self, index_dir: Path, data: IndexData, manifest: Manifest, ids: np.ndarray
    ) -> Path:
        """Fill a new collection and side store, then swap the alias and drop what is no longer served."""
        name = generation_name()
        manifest.collection = collection = f"{self.alias}{SEPARATOR}{name}"
        stats = SparseStats.build(data.chunk_terms or [])
        try:
            self._create(collection, manifest.dimension)
            self._upsert(collection, data, stats, ids, np.arange(len(ids)))
            path = write_side_store(index_dir, name, data, stats, ids, manifest)
        except BaseException:
            self._drop([collection])  # the alias still points at the previous collection
            raise
        self._swap_alias(collection)
        _point_current(index_dir, name)  # the folder link too: `stats`, pruning and the build lock use it
        pending_path(index_dir).unlink(missing_ok=True)  # strays of the old collection go with it
        prune_generations(index_dir)
        self._drop_unserved(index_dir)
        return path

    def _in_place_base(self, previous: Snapshot | None, docs: list[list[str]]) -> SparseStats | None:
        """The served generation's keyword statistics when this build may update its collection in place."""
        if previous is None or not isinstance(previous.sparse, QdrantSparse):
            return None  # a --full build, changed settings, or a migration: a new collection
        if previous.manifest.collection != self.alias_target():
            return None
        base = previous.sparse.stats
        mean = float(np.mean([len(d) for d in docs])) if docs else 0.0
        # Unchanged points keep the weights of the mean length they were written with; once the corpus has
        # drifted from it, every weight is rewritten (a new collection) so BM25 stays bm25s's.
        return base if abs(mean - base.avg_length) <= LENGTH_DRIFT * base.avg_length else None

    def _write_in_place(
        self,
        index_dir: Path,
        data: IndexData,
        manifest: Manifest,
        ids: np.ndarray,
        previous: Snapshot,
        base: SparseStats,
    ) -> Path:
        """Upsert the new and changed articles' chunks and move `current`; the chunks they replace stay
        until the next build, for readers still on the previous generation (they skip unknown points)."""
        manifest.collection = collection = previous.manifest.collection
        stats = SparseStats.build(data.chunk_terms or [], base=base)
        old = load_point_ids(previous.path)
        fresh = np.flatnonzero(~np.isin(ids, old))
        retired = read_pending(index_dir)  # the last build's replaced points, and a killed build's strays
        write_pending(index_dir, np.union1d(retired, ids[fresh]))  # if this build dies, its points are strays
        self._upsert(collection, data, stats, ids, fresh)
        name = generation_name()
        path = write_side_store(index_dir, name, data, stats, ids, manifest)
        _point_current(index_dir, name)
        prune_generations(index_dir)
        gone = np.setdiff1d(retired, np.union1d(ids, old))  # used by neither this nor the previous generation
        self._delete_points(collection, gone)
        write_pending(index_dir, np.setdiff1d(old, ids))
        log.info("Qdrant %s: %d points written, %d deleted", collection, len(fresh), len(gone))
        return path

    def _create(self, collection: str, dimension: int) -> None:
        from qdrant_client import models

        with self.connection.call() as client:
            client.create_collection(
                collection,
                # Unit vectors: the dot product is the cosine, and the same number FAISS returns.
                vectors_config={
                    DENSE: models.VectorParams(
                        size=dimension,
                        distance=models.Distance.DOT,
                        on_disk=True,  # originals on disk, int8 copies in RAM (a server's memory budget)
                        quantization_config=models.ScalarQuantization(
                            scalar=models.ScalarQuantizationConfig(
                                type=models.ScalarType.INT8, quantile=0.99, always_ram=True
                            )
                        ),
                    )
                },
                sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
            )
            if self.connection.url:  # in-process mode has no payload indexes (it warns)
                for field, schema in payload_indexes().items():
                    client.create_payload_index(collection, field, field_schema=schema)

    def _upsert(
        self, collection: str, data: IndexData, stats: SparseStats, ids: np.ndarray, rows: np.ndarray
    ) -> None:
        docs = data.chunk_terms or []
        for start in range(0, len(rows), UPSERT_BATCH):
            points = list(chunk_points(data, stats, docs, ids, rows[start : start + UPSERT_BATCH]))
            with self.connection.call() as client:
                client.upsert(collection, points=points, wait=True)

    def _delete_points(self, collection: str, ids: np.ndarray) -> None:
        from qdrant_client import models

        for start in range(0, len(ids), UPSERT_BATCH):
            chosen = models.PointIdsList(points=ids[start : start + UPSERT_BATCH].tolist())
            with self.connection.call() as client:
                client.delete(collection, points_selector=chosen, wait=True)

    def _swap_alias(self, collection: str) -> None:
        from qdrant_client import models

        ops: list[Any] = []
        if self.alias_target() is not None:
            ops.append(models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=self.alias)))
        create = models.CreateAlias(collection_name=collection, alias_name=self.alias)
        ops.append(models.CreateAliasOperation(create_alias=create))
        with self.connection.call() as client:
            client.update_collection_aliases(change_aliases_operations=ops)  # one request
        log.info("Qdrant alias %s -> %s", self.alias, collection)

    def _drop_unserved(self, index_dir: Path) -> None:
        """Drop this alias's collections that neither the alias nor a kept generation folder names."""
        keep = {self.alias_target()} | {_collection_of(p) for p in index_dir.glob("gen-*")}
        with self.connection.call() as client:
            names = [c.name for c in client.get_collections().collections]
        mine = [n for n in names if n.split(SEPARATOR, 1)[0] == self.alias and SEPARATOR in n]
        self._drop([n for n in mine if n not in keep])

    def _drop(self, collections: list[str]) -> None:
        for name in collections:
            try:
                with self.connection.call() as client:
                    client.delete_collection(name)
                log.info("Dropped Qdrant collection %s", name)
            except Exception:  # a leftover is dropped by the next build; never hide the build's own error
                log.exception("Could not drop Qdrant collection %s", name)


def _collection_of(path: Path) -> str | None:
    try:
        return Manifest.read(path).collection or None
    except NewsQuoteError:
        return None


def open_engine(url: str | None, api_key: str | None, prefix: str, index_dir: Path) -> QdrantEngine:
    """A Qdrant engine on a server (`url`) or in process under `index_dir`/qdrant."""
    return QdrantEngine(QdrantConnection(url, api_key, index_dir / "qdrant"), prefix)
