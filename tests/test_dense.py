"""The dense index: type chosen by size, approximate recall against exact search, manifest records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np
import pytest

from bench.synth import write_corpus
from index.build.builder import IndexBuilder
from index.store import dense
from index.store.dense import FLAT, HNSW, IVF_PQ_FASTSCAN, IVF_SQ8, PQ_FASTSCAN, DenseIndex, choose_params
from index.store.generations import generation_path, load_snapshot
from index.store.manifest import Manifest


def clustered(count: int, dimension: int = 48, seed: int = 3) -> np.ndarray:
    """Normalised vectors around 50 centres: closer to real embeddings than uniform noise."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(50, dimension))
    vectors = centres[rng.integers(0, 50, count)] + 0.6 * rng.normal(size=(count, dimension))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32)


def recall_at_10(index: DenseIndex, vectors: np.ndarray, queries: np.ndarray) -> float:
    """Share of the exact top 10 that the index returns, best-first order checked on the way."""
    hits = 0
    for query in queries:
        exact = set(np.argsort(-(vectors @ query))[:10].tolist())
        ids, scores = index.search(query, 10)
        hits += len(exact & set(ids.tolist()))
        assert np.all(np.diff(scores) <= 1e-6)  # best first
    return hits / (10 * len(queries))


def reloaded(index: DenseIndex, vectors: np.ndarray, tmp_path: Path) -> DenseIndex:
    """The index written to disk and read back as a snapshot does, with float16 vectors for re-ranking."""
    index.save(tmp_path / "d.faiss")
    loaded = DenseIndex.load(tmp_path / "d.faiss", index.kind, index.params)
    loaded.attach_vectors(vectors.astype(np.float16))
    return loaded


def test_type_is_chosen_by_size() -> None:
    assert choose_params(1000)[0] == FLAT
    assert choose_params(20_000)[0] == FLAT
    assert choose_params(100, exact_max=0)[0] == FLAT  # too few vectors to train a quantiser
    kind, params = choose_params(100_000, 384)
    assert kind == PQ_FASTSCAN and params["m"] == 192 and params["nbits"] == 4
    kind, params = choose_params(1_000_000, 384)
    assert kind == IVF_PQ_FASTSCAN
    assert params["nlist"] == 1024 and int(params["nprobe"]) >= 32


def test_small_indexes_are_exact(tmp_path: Path) -> None:
    vectors = clustered(3000)
    index = reloaded(DenseIndex.build(vectors, vectors.shape[1]), vectors, tmp_path)
    assert index.kind == FLAT
    for query in clustered(20, seed=5):
        ids, scores = index.search(query, 10)
        assert ids.tolist() == np.argsort(-(vectors @ query))[:10].tolist()
        assert np.allclose(scores, np.sort(vectors @ query)[::-1][:10], atol=1e-5)


@pytest.mark.parametrize("kind", [PQ_FASTSCAN, IVF_PQ_FASTSCAN, HNSW, IVF_SQ8])
@pytest.mark.parametrize("count", [4000, 12000])
def test_approximate_recall_at_10_against_exact(tmp_path: Path, kind: str, count: int) -> None:
    vectors = clustered(count)
    index = reloaded(DenseIndex.build(vectors, vectors.shape[1], kind=kind), vectors, tmp_path)
    assert index.kind == kind
    assert recall_at_10(index, vectors, clustered(200, seed=9)) >= 0.98


def test_pq_fastscan_recall_on_near_random_vectors(tmp_path: Path) -> None:
    # The worst case for any index: no clusters (like the hashing vectors of the benchmarks).
    rng = np.random.default_rng(4)
    vectors = rng.normal(size=(8000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = reloaded(DenseIndex.build(vectors, 64, exact_max=0), vectors, tmp_path)
    assert index.kind == PQ_FASTSCAN
    queries = vectors[:100] + 0.05 * rng.normal(size=(100, 64)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    assert recall_at_10(index, vectors, queries) >= 0.98


@pytest.fixture
def synth_corpus(tmp_path: Path) -> Path:
    """About 300 chunks: enough to train a product quantiser."""
    write_corpus(tmp_path / "corpus", 30, seed=1)
    return tmp_path / "corpus"


def test_manifest_records_type_and_params(
    synth_corpus: Path, make_builder: Callable[..., IndexBuilder], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dense, "EXACT_MAX", 0)
    builder = make_builder(synth_corpus)
    builder.build(interactive=False)
    path = generation_path(builder.index_dir)
    assert path is not None
    manifest = Manifest.read(path)
    assert manifest.index_type == PQ_FASTSCAN
    assert manifest.index_params == {"m": 128, "nbits": 4, "rerank": 8, "min_candidates": 256}
    snap = load_snapshot(path)
    assert snap.dense.kind == PQ_FASTSCAN
    ids, _ = snap.dense.search(np.asarray(snap.data.chunk_vectors[0], dtype=np.float32), 3)
    assert ids[0] == 0


def test_rebuild_keeps_the_trained_quantiser(
    synth_corpus: Path, make_builder: Callable[..., IndexBuilder], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dense, "EXACT_MAX", 0)
    builder = make_builder(synth_corpus)
    builder.build(interactive=False)
    first = _centroids(builder)
    shard = next(synth_corpus.glob("*.jsonl"))
    shard.write_text(shard.read_text(encoding="utf-8").replace(" said ", " stated ", 1), encoding="utf-8")
    assert builder.build(interactive=False).changed == 1
    assert np.array_equal(_centroids(builder), first)  # no k-means on an incremental build
    builder.build(full=True, interactive=False)
    snap = load_snapshot(generation_path(builder.index_dir))  # type: ignore[arg-type]
    ids, _ = snap.dense.search(np.asarray(snap.data.chunk_vectors[5], dtype=np.float32), 3)
    assert ids[0] == 5


def _centroids(builder: IndexBuilder) -> np.ndarray:
    snap = load_snapshot(generation_path(builder.index_dir))  # type: ignore[arg-type]
    assert snap.dense.kind == PQ_FASTSCAN
    return faiss.vector_to_array(snap.dense.native.pq.centroids)


def test_indexes_of_the_former_types_still_load(
    synth_corpus: Path,
    make_builder: Callable[..., IndexBuilder],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Generations written before PQ fast scan existed recorded ivf-sq8 above 250k vectors.
    monkeypatch.setattr(dense, "choose_params", lambda count, dimension, exact_max: (IVF_SQ8, _old_ivf()))
    monkeypatch.setattr(dense, "_TRAIN_PER_LIST", 1)
    builder = make_builder(synth_corpus)
    builder.build(interactive=False)
    monkeypatch.undo()
    snap = load_snapshot(generation_path(builder.index_dir))  # type: ignore[arg-type]
    assert snap.manifest.index_type == IVF_SQ8 and snap.manifest.index_params == _old_ivf()
    for row in (0, 7, 42):
        ids, _ = snap.dense.search(np.asarray(snap.data.chunk_vectors[row], dtype=np.float32), 3)
        assert ids[0] == row


def _old_ivf() -> dict[str, int | float | str]:
    return {"nlist": 16, "nprobe": 16, "rerank": 8}


def test_a_search_from_any_thread_runs_on_one_openmp_thread() -> None:
    import threading

    vectors = clustered(500)
    index = DenseIndex.build(vectors, vectors.shape[1], kind=FLAT)
    seen: list[int] = []

    def ask() -> None:
        index.search(vectors[0], 5)
        seen.append(faiss.omp_get_max_threads())  # OpenMP's thread count is a per-thread setting

    worker = threading.Thread(target=ask)
    worker.start()
    worker.join()
    assert seen == [1]
