"""BM25, FAISS and fusion checked against brute-force references."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from index.retrieval.search import reciprocal_rank_fusion
from index.store.dense import DenseIndex
from index.store.sparse import SparseIndex
from index.text.analysis import analyze, analyze_query

DOCS = [
    "The Etna volcano erupted and covered Catania in ash",
    "Flights at Catania airport were suspended after the eruption",
    "The council approved the city budget for schools",
    "Real Madrid won the final against Liverpool",
    "Liverpool fans travelled to Paris for the final",
    "Ash from the volcano closed schools in Catania",
]


def brute_force_bm25(docs: list[list[str]], query: list[str], k1: float = 1.5, b: float = 0.75) -> np.ndarray:
    """Lucene's BM25 (no (k1 + 1) factor, as bm25s computes it), written out term by term."""
    n = len(docs)
    avg = sum(map(len, docs)) / n
    df = Counter(t for d in docs for t in set(d))
    scores = np.zeros(n)
    for i, doc in enumerate(docs):
        tf = Counter(doc)
        for term in set(query):
            if tf[term]:
                idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                scores[i] += idf * tf[term] / (tf[term] + k1 * (1 - b + b * len(doc) / avg))
    return scores


def test_bm25_matches_brute_force() -> None:
    docs = [analyze(d, "en") for d in DOCS]
    index = SparseIndex.build(docs)
    for question in ["volcano ash Catania", "Liverpool final", "schools budget", "eruption flights"]:
        terms = analyze_query(question)
        expected = brute_force_bm25(docs, terms)
        assert np.allclose(index.scores(terms), expected, atol=1e-4)
        ids, scores = index.search(terms, 3)
        assert list(ids) == list(np.argsort(-expected, kind="stable")[: len(ids)])
        assert np.all(np.diff(scores) <= 1e-6)


def test_bm25_ignores_unknown_terms_and_empty_queries() -> None:
    index = SparseIndex.build([analyze(d, "en") for d in DOCS])
    ids, _ = index.search(["zzzunknown"], 5)
    assert len(ids) == 0
    assert index.search([], 5)[0].size == 0


def test_bm25_save_load_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    index = SparseIndex.build([analyze(d, "en") for d in DOCS])
    index.save(tmp_path)
    loaded = SparseIndex.load(tmp_path)
    terms = analyze_query("volcano final")
    assert np.allclose(loaded.scores(terms), index.scores(terms))


def test_faiss_matches_brute_force_cosine(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(500, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = DenseIndex.build(vectors, 32)
    index.save(tmp_path / "d.faiss")
    loaded = DenseIndex.load(tmp_path / "d.faiss")
    for query in vectors[:10] + 0.1 * rng.normal(size=(10, 32)).astype(np.float32):
        query /= np.linalg.norm(query)
        expected = np.argsort(-(vectors @ query))[:10]
        ids, scores = loaded.search(query, 10)
        assert list(ids) == list(expected)
        assert np.allclose(scores, (vectors @ query)[expected], atol=1e-5)


def test_rrf_rewards_agreement_and_keeps_order() -> None:
    fused = reciprocal_rank_fusion([np.array([1, 2, 3]), np.array([3, 1, 4])], [1.0, 1.0], k=60)
    order = sorted(fused, key=lambda row: -fused[row])
    assert order[0] == 1  # ranked 1st and 2nd beats 3rd and 1st
    assert order.index(3) < order.index(2) and order.index(3) < order.index(4)
    assert math.isclose(fused[1], 1 / 61 + 1 / 62)


def test_spanish_question_matches_spanish_text_through_stemming() -> None:
    doc = analyze("El equipo ganó tres campeonatos con Atlético Nacional", "es")
    query = analyze_query("¿Cuántos campeonatos ganó con el Atletico Nacional?")
    assert {"campeonat", "nacional", "atlet"} <= set(doc) & set(query)


def test_large_indexes_search_dense_in_a_worker_with_the_same_hits(
    tiny_answerer: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.retrieval import search

    snap = tiny_answerer.handle.snapshot()  # type: ignore[attr-defined]
    question = "When did the Etna volcano erupt?"
    vector = tiny_answerer._embed(question)  # type: ignore[attr-defined]
    alone = search.retrieve(snap, vector, question).hits
    monkeypatch.setattr(search, "PARALLEL_MIN", 0)
    assert search.retrieve(snap, vector, question).hits == alone
