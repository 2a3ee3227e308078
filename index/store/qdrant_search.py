"""Dense and BM25 search served by a Qdrant collection, scored exactly as the embedded engine scores.

Each chunk is a point (id = chunk row) with a named dense vector (dot product of unit vectors = cosine) and
a sparse vector of our analyzer's terms. The sparse weights are BM25's term-frequency part, computed here
per document (k1, b and the average length as bm25s uses them); the collection's IDF modifier multiplies in
log(1 + (N - df + 0.5) / (df + 0.5)), bm25s's "lucene" IDF. So a chunk's score is the bm25s score, and the
English/Spanish stemming stays ours. The vocabulary (term -> sparse index) and the document frequencies live
in the generation folder, beside the other per-candidate data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.store.sparse import best

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

# One call on the connection: the client, serialised in process, a server's errors translated.
Call = Callable[[], AbstractContextManager["QdrantClient"]]

DENSE = "dense"
SPARSE = "bm25"
K1 = 1.5  # SparseIndex.build's defaults
B = 0.75
# Qdrant breaks score ties in its own order; asking for more and re-sorting by (score, row) gives the
# embedded engine's order whenever the ties fit in the margin.
TIE_MARGIN = 2
# Points another generation is adding or about to delete (an incremental build in progress, or killed) are
# skipped; asking for this many more keeps the depth.
STRAY_MARGIN = 16
# HNSW search breadth on a server: recall@10 0.99 at 10k chunks and 0.95 at 100k on near-random vectors,
# against 0.93 / 0.84 with ef 128 (bench/edge.py, docs/scale.md). In-process mode searches exactly.
SEARCH_EF = 512


def point_ids(article_ids: list[str], content_hashes: list[str], chunk_counts: list[int]) -> np.ndarray:
    """Stable point ids (uint63) of every chunk: an article's content and the chunk's place in it.

    Unchanged articles keep their points across builds, so an incremental build upserts only the chunks
    of new or changed articles and deletes those of changed or removed ones.
    """
    ids: list[int] = []
    for article_id, content_hash, count in zip(article_ids, content_hashes, chunk_counts, strict=True):
        for i in range(count):
            digest = hashlib.blake2b(f"{article_id}\x1f{content_hash}\x1f{i}".encode(), digest_size=8)
            ids.append(int.from_bytes(digest.digest(), "big") >> 1)
    return np.asarray(ids, dtype=np.int64)


class PointRows:
    """Point id -> chunk row of one generation; ids of other generations' points map to -1."""

    def __init__(self, ids: np.ndarray) -> None:
        self._order = np.argsort(ids, kind="stable")
        self._sorted = np.asarray(ids)[self._order]

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """The chunk row of each id, -1 where this generation has no such point."""
        if len(self._sorted) == 0:
            return np.full(len(ids), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._sorted, ids), len(self._sorted) - 1)
        found = self._sorted[at] == ids
        return np.where(found, self._order[at], -1).astype(np.int64)


@dataclass
class SparseStats:
    """The keyword index's vocabulary and statistics, kept locally: query terms -> sparse indices, IDF."""

    vocab: dict[str, int]
    df: np.ndarray  # (terms,) int64: chunks containing each term
    documents: int
    avg_length: float

    @classmethod
    def build(cls, docs: list[list[str]], base: SparseStats | None = None) -> SparseStats:
        """Vocabulary in order of first use, document frequencies and mean length of these documents.

        With `base` (an incremental build into the served collection), its term indices and mean length are
        kept: the unchanged points' weights were computed with them. New terms get new indices.
        """
        vocab = dict(base.vocab) if base is not None else {}
        for term in dict.fromkeys(t for doc in docs for t in doc):
            vocab.setdefault(term, len(vocab))
        df = np.zeros(len(vocab), dtype=np.int64)
        for doc in docs:
            df[[vocab[t] for t in set(doc)]] += 1
        lengths = [len(doc) for doc in docs]
        mean = float(np.mean(lengths)) if lengths else 0.0
        return cls(vocab, df, len(docs), base.avg_length if base is not None else mean)

    def save(self, directory: Path) -> None:
        """Write vocab.txt, df.npy and stats.json into `directory`."""
        directory.mkdir()
        (directory / "vocab.txt").write_text("\n".join(self.vocab), encoding="utf-8")
        np.save(directory / "df.npy", self.df)
        stats = {"documents": self.documents, "avg_length": self.avg_length, "k1": K1, "b": B}
        (directory / "stats.json").write_text(json.dumps(stats), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> SparseStats:
        """Read what `save` wrote."""
        words = (directory / "vocab.txt").read_text(encoding="utf-8")
        vocab = {term: i for i, term in enumerate(words.split("\n"))} if words else {}
        stats = json.loads((directory / "stats.json").read_text(encoding="utf-8"))
        return cls(vocab, np.load(directory / "df.npy"), int(stats["documents"]), float(stats["avg_length"]))

    def weights(self, doc: list[str]) -> tuple[list[int], list[float]]:
        """One document's sparse vector: BM25's saturated term frequency per term (IDF left to Qdrant)."""
        if not doc:
            return [], []
        ids, tf = np.unique(np.fromiter((self.vocab[t] for t in doc), np.int64, len(doc)), return_counts=True)
        norm = K1 * (1 - B + B * len(doc) / (self.avg_length or 1.0))
        return ids.tolist(), (tf / (tf + norm)).tolist()

    def query(self, terms: list[str]) -> tuple[list[int], list[float]]:
        """A question's sparse vector: each known term weighted by how often the question uses it."""
        known = [self.vocab[t] for t in terms if t in self.vocab]
        ids, counts = np.unique(np.asarray(known, dtype=np.int64), return_counts=True)
        return ids.tolist(), counts.astype(float).tolist()


class QdrantDense:
    """Nearest chunks by the collection's dense vectors."""

    def __init__(
        self, call: Call, collection: str, rows: PointRows, size: int, ef: int | None = None
    ) -> None:
        self._call, self._collection, self._rows, self._size, self._ef = call, collection, rows, size, ef

    @property
    def size(self) -> int:
        """Number of chunks."""
        return self._size

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows and cosine scores of the k nearest chunks, best first."""
        k = min(k, self._size)
        if k == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        from qdrant_client import models

        vector = np.asarray(query, dtype=np.float32).ravel().tolist()
        params = models.SearchParams(hnsw_ef=self._ef) if self._ef else None
        with self._call() as client:
            points = client.query_points(
                self._collection,
                query=vector,
                using=DENSE,
                limit=k + STRAY_MARGIN,
                search_params=params,
                with_payload=False,
            ).points
        rows, scores = _arrays(points, self._rows)
        return rows[:k], scores[:k]


class QdrantSparse:
    """BM25 over the collection's sparse vectors; the vocabulary and IDF statistics are local."""

    def __init__(
        self,
        call: Call,
        collection: str,
        rows: PointRows,
        stats: SparseStats,
        years: np.ndarray | None = None,
        ef: int | None = None,
    ) -> None:
        self._call, self._collection, self._rows, self.stats = call, collection, rows, stats
        self.size = stats.documents
        # Sorted publication years of the dated articles (side store): a range no article falls in costs
        # no request. None for a generation written before they were kept.
        self._years, self._ef = years, ef

    def search_in_range(
        self, query: np.ndarray, terms: list[str], first: int | None, last: int | None, k: int
    ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """Dense and BM25 hits (rows, scores) among chunks of articles dated in [first, last], in one
        request: the `date` payload filter is applied inside the search (HNSW and inverted index on a
        server), so in-range chunks are found however deep they rank in the whole archive."""
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        if not self._any_dated(first, last):
            return empty, empty
        from qdrant_client import models

        limit = k * TIE_MARGIN + STRAY_MARGIN
        dated = models.Filter(must=[models.FieldCondition(key="date", range=date_range(first, last))])
        params = models.SearchParams(hnsw_ef=self._ef) if self._ef else None
        vector = np.asarray(query, dtype=np.float32).ravel().tolist()
        requests = [models.QueryRequest(query=vector, using=DENSE, filter=dated, limit=limit, params=params)]
        indices, values = self.stats.query(terms)
        if indices:
            sparse = models.SparseVector(indices=indices, values=values)
            requests.append(models.QueryRequest(query=sparse, using=SPARSE, filter=dated, limit=limit))
        with self._call() as client:
            answers = client.query_batch_points(self._collection, requests=requests)
        dense_rows, dense_scores = _arrays(answers[0].points, self._rows)
        found = best(*_arrays(answers[1].points, self._rows), k) if indices else empty
        return (dense_rows[:k], dense_scores[:k]), found

    def _any_dated(self, first: int | None, last: int | None) -> bool:
        if self._years is None:
            return True  # unknown: ask
        low = np.searchsorted(self._years, first if first is not None else -10_000, side="left")
        high = np.searchsorted(self._years, last if last is not None else 10_000, side="right")
        return bool(high > low)

    def search(self, terms: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows and BM25 scores of the best k chunks with a positive score, best first (ties by row)."""
        rows, scores = self._query(terms, min(self.size, k * TIE_MARGIN) + STRAY_MARGIN)
        return best(rows, scores, k)

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every chunk (every chunk sharing a term is fetched: costly on big archives)."""
        out = np.zeros(self.size, dtype=np.float32)
        rows, scores = self._query(terms, self.size + STRAY_MARGIN)
        out[rows] = scores
        return out

    def idf(self, terms: list[str]) -> np.ndarray:
        """Inverse document frequency of each term, from the local statistics (0 for unknown terms)."""
        n = max(self.size, 1)
        out = np.zeros(len(terms), dtype=np.float32)
        for i, term in enumerate(terms):
            col = self.stats.vocab.get(term)
            df = int(self.stats.df[col]) if col is not None else 0
            out[i] = np.log(1.0 + (n - df + 0.5) / (df + 0.5)) if df else 0.0
        return out

    def _query(self, terms: list[str], limit: int) -> tuple[np.ndarray, np.ndarray]:
        from qdrant_client import models

        indices, values = self.stats.query(terms)
        if not indices or limit <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        vector = models.SparseVector(indices=indices, values=values)
        with self._call() as client:
            points = client.query_points(
                self._collection, query=vector, using=SPARSE, limit=limit, with_payload=False
            ).points
        return _arrays(points, self._rows)


def date_range(first: int | None, last: int | None) -> Any:
    """The `date` payload condition of an inclusive year range (either end open)."""
    from qdrant_client import models

    return models.DatetimeRange(
        gte=dt.datetime(first, 1, 1, tzinfo=dt.UTC) if first is not None else None,
        lte=dt.datetime(last, 12, 31, 23, 59, 59, tzinfo=dt.UTC) if last is not None else None,
    )


def _arrays(points: list[Any], rows_of: PointRows) -> tuple[np.ndarray, np.ndarray]:
    """Chunk rows and scores of the points this generation has, in the engine's order."""
    ids = np.fromiter((int(p.id) for p in points), dtype=np.int64, count=len(points))
    scores = np.fromiter((p.score for p in points), dtype=np.float32, count=len(points))
    rows = rows_of.rows(ids)
    keep = rows >= 0
    return rows[keep], scores[keep]


def batches(count: int, size: int) -> Iterator[range]:
    """Consecutive row ranges of at most `size`."""
    for start in range(0, count, size):
        yield range(start, min(count, start + size))
