"""The dense index: type chosen by size, approximate recall against exact search, manifest records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from index import dense
from index.build import IndexBuilder
from index.dense import FLAT, IVF_SQ8, DenseIndex, choose_params
from index.manifest import Manifest
from index.store import generation_path, load_snapshot


def clustered(count: int, dimension: int = 48, seed: int = 3) -> np.ndarray:
    """Normalised vectors around 50 centres: closer to real embeddings than uniform noise."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(50, dimension))
    vectors = centres[rng.integers(0, 50, count)] + 0.6 * rng.normal(size=(count, dimension))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32)


def test_type_is_chosen_by_size() -> None:
    assert choose_params(1000)[0] == FLAT
    kind, params = choose_params(1_000_000)
    assert kind == IVF_SQ8
    assert params["nlist"] == 1024 and int(params["nprobe"]) >= 32


@pytest.mark.parametrize("count", [4000, 12000])
def test_ivf_recall_at_10_against_exact(tmp_path: Path, count: int) -> None:
    vectors = clustered(count)
    approx = DenseIndex.build(vectors, vectors.shape[1], exact_max=100)
    assert approx.kind == IVF_SQ8
    approx.save(tmp_path / "d.faiss")
    loaded = DenseIndex.load(tmp_path / "d.faiss", approx.kind, approx.params)
    loaded.attach_vectors(vectors.astype(np.float16))
    queries = clustered(200, seed=9)
    hits = 0
    for query in queries:
        exact = set(np.argsort(-(vectors @ query))[:10].tolist())
        ids, scores = loaded.search(query, 10)
        hits += len(exact & set(ids.tolist()))
        assert np.all(np.diff(scores) <= 1e-6)  # best first
    assert hits / (10 * len(queries)) >= 0.98


def test_manifest_records_type_and_params(
    tiny_corpus: Path, make_builder: Callable[..., IndexBuilder], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dense, "EXACT_MAX", 0)
    monkeypatch.setattr(dense, "_TRAIN_PER_LIST", 1)
    builder = make_builder(tiny_corpus)
    builder.build()
    path = generation_path(builder.index_dir)
    assert path is not None
    manifest = Manifest.read(path)
    assert manifest.index_type == IVF_SQ8
    assert set(manifest.index_params) == {"nlist", "nprobe", "rerank"}
    snap = load_snapshot(path)
    ids, _ = snap.dense.search(np.asarray(snap.data.chunk_vectors[0], dtype=np.float32), 3)
    assert ids[0] == 0
