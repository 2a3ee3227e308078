"""The local side store of a Qdrant generation: what the ranking reads per candidate, beside the manifest.

The generation folder of the embedded engine without `dense.faiss` and `bm25/` (those are the collection),
plus the keyword vocabulary and document frequencies (`sparse_stats/`). Written in a temp folder and renamed,
manifest last, like every generation.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import numpy as np

from index.store.article_table import ArticleTable, write_articles
from index.store.facts import FACTS_DIR, SentenceFacts, memory_map
from index.store.generations import IndexData, _fsync_tree, write_terms
from index.store.manifest import Manifest
from index.store.qdrant_search import SparseStats

STATS_DIR = "sparse_stats"
POINT_IDS = "point_ids.npy"  # chunk row -> Qdrant point id
YEARS = "article_years.npy"  # sorted publication years of the dated articles (date filters)


def write_side_store(
    index_dir: Path, name: str, data: IndexData, stats: SparseStats, ids: np.ndarray, manifest: Manifest
) -> Path:
    """The generation folder without dense.faiss and bm25/: what ranking reads, the next build's cache."""
    tmp = index_dir / f".tmp-{uuid.uuid4().hex[:12]}"
    tmp.mkdir(parents=True)
    try:
        write_articles(tmp, data.articles)
        for field in ("sentences", "sentence_spans", "chunks", "chunk_vectors", "sentence_vectors"):
            np.save(tmp / f"{field}.npy", getattr(data, field))
        np.save(tmp / "chunk_keys.npy", data.chunk_keys)
        np.save(tmp / "sentence_keys.npy", data.sentence_keys)
        if data.chunk_terms is not None:
            write_terms(tmp / "terms", data.chunk_terms)
        if data.facts is not None:
            data.facts.save(tmp / FACTS_DIR)
        stats.save(tmp / STATS_DIR)
        np.save(tmp / POINT_IDS, ids)
        np.save(tmp / YEARS, article_years(data))
        manifest.write(tmp)  # last: a folder with a manifest is complete
        _fsync_tree(tmp)
        final = index_dir / name
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def load_side_store(path: Path, manifest: Manifest) -> IndexData:
    """The arrays of a side store, memory-mapped; a count that disagrees with the manifest is an error."""
    data = IndexData(
        articles=ArticleTable(path),
        sentences=memory_map(path / "sentences.npy"),
        sentence_spans=memory_map(path / "sentence_spans.npy"),
        chunks=memory_map(path / "chunks.npy"),
        chunk_vectors=memory_map(path / "chunk_vectors.npy"),
        sentence_vectors=memory_map(path / "sentence_vectors.npy"),
        chunk_keys=memory_map(path / "chunk_keys.npy"),
        sentence_keys=memory_map(path / "sentence_keys.npy"),
        facts=SentenceFacts.load(path / FACTS_DIR),
    )
    if len(data.articles) != manifest.articles or len(data.chunks) != manifest.chunks:
        raise ValueError("the files do not match the manifest's counts")
    return data


def load_point_ids(path: Path) -> np.ndarray:
    """The Qdrant point id of every chunk row of a side store."""
    return np.load(path / POINT_IDS)


def article_years(data: IndexData) -> np.ndarray:
    """Sorted publication years of the dated articles: which year ranges a date filter can match."""
    years = [a.date.year for a in data.articles if a.date is not None]
    return np.sort(np.asarray(years, dtype=np.int32))


def load_article_years(path: Path) -> np.ndarray | None:
    """The years `article_years` wrote; None for a side store written before they were kept."""
    return np.load(path / YEARS) if (path / YEARS).exists() else None
