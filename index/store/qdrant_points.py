"""What the qdrant engine writes: point ids, points with their payload, and the list of stray points."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from index.store.generations import IndexData
from index.store.qdrant_search import DENSE, SPARSE, SparseStats, point_ids

PENDING = ".qdrant-pending.npy"  # in INDEX_DIR: points an unfinished build may have left in the collection


def generation_name() -> str:
    """A new generation folder's name (the collection's too, after the alias and the separator)."""
    # Microseconds: prune_generations keeps the newest by name, and tests build several a second.
    return f"gen-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:6]}"


def chunk_point_ids(data: IndexData) -> np.ndarray:
    """The point id of every chunk row (stable while its article's content is)."""
    articles = data.articles
    counts = np.bincount(np.asarray(data.chunks[:, 0], dtype=np.int64), minlength=len(articles))
    return point_ids([a.id for a in articles], [a.content_hash for a in articles], counts.tolist())


def chunk_points(
    data: IndexData, stats: SparseStats, docs: list[list[str]], ids: np.ndarray, rows: np.ndarray
) -> Iterator[Any]:
    """Points of these chunk rows: vectors reused from the build, payload for filters and inspection."""
    from qdrant_client import models

    vectors = np.asarray(data.chunk_vectors[rows], dtype=np.float32)
    for row, vector in zip(rows.tolist(), vectors.tolist(), strict=True):
        article_row, first, last = (int(x) for x in data.chunks[row])
        article = data.articles[article_row]
        indices, values = stats.weights(docs[row] if row < len(docs) else [])
        yield models.PointStruct(
            id=int(ids[row]),
            vector={DENSE: vector, SPARSE: models.SparseVector(indices=indices, values=values)},
            # No chunk row: points outlive the rows of one generation (its side store maps ids to rows).
            payload={
                "article": article.id,
                "start": int(data.sentences[first, 1]),
                "end": int(data.sentences[last - 1, 2]),
                "date": f"{article.date.isoformat()}T00:00:00Z" if article.date else None,
                "language": article.language,
            },
        )


def payload_indexes() -> dict[str, Any]:
    """The payload fields a server indexes, for filters by article, date and language."""
    from qdrant_client import models

    schema = models.PayloadSchemaType
    return {"article": schema.KEYWORD, "date": schema.DATETIME, "language": schema.KEYWORD}


def pending_path(index_dir: Path) -> Path:
    """Where the ids of possibly stray points are kept between an update and its clean-up."""
    return index_dir / PENDING


def read_pending(index_dir: Path) -> np.ndarray:
    """Ids an unfinished build may have left (none when the last build finished)."""
    path = pending_path(index_dir)
    return np.load(path) if path.exists() else np.zeros(0, dtype=np.int64)


def write_pending(index_dir: Path, ids: np.ndarray) -> None:
    """Record ids before touching the collection, so a killed build's strays are deleted by the next."""
    tmp = index_dir / f"{PENDING}.tmp.npy"
    np.save(tmp, np.asarray(ids, dtype=np.int64))
    tmp.replace(pending_path(index_dir))
