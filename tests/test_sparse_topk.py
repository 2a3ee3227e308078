"""BM25's top-k selection: exact, also with many tied scores."""

from __future__ import annotations

import numpy as np

from index.store.sparse import SparseIndex, best, top_k


def test_top_k_is_exact_on_large_and_tied_score_arrays() -> None:
    rng = np.random.default_rng(2)
    for scores in (rng.random(100_000).astype(np.float32), np.repeat(np.arange(50, dtype=np.float32), 400)):
        for k in (1, 10, 50):
            rows, got = best(top_k(scores, k), scores[top_k(scores, k)], k)
            expected = np.lexsort((np.arange(len(scores)), -scores))[:k]  # best first, ties by row
            assert rows.tolist() == expected.tolist() and got.tolist() == scores[expected].tolist()


def test_top_k_of_a_short_array() -> None:
    scores = np.array([0.5, 2.0, 1.0], dtype=np.float32)
    assert sorted(top_k(scores, 2).tolist()) == [1, 2]
    assert best(np.arange(3), scores, 5)[0].tolist() == [1, 2, 0]


def test_scores_are_bm25s_scores_bit_for_bit() -> None:
    rng = np.random.default_rng(4)
    words = [f"w{i}" for i in range(300)]
    docs = [list(rng.choice(words, size=rng.integers(1, 40), p=_zipf(300))) for _ in range(3000)]
    index = SparseIndex.build(docs)
    retriever = index._retriever
    for _ in range(50):
        terms = list(dict.fromkeys(rng.choice(words, size=rng.integers(1, 8)).tolist()))
        known = [t for t in terms if t in retriever.vocab_dict]
        expected = retriever.get_scores(known)[:3000] if known else np.zeros(3000, np.float32)
        assert np.array_equal(index.scores(terms), expected)
        rows, scores = index.search(terms, 20)
        order = np.lexsort((np.arange(3000), -expected))[:20]
        order = order[expected[order] > 0]
        assert rows.tolist() == order.tolist() and scores.tolist() == expected[order].tolist()


def _zipf(n: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1)
    return weights / weights.sum()
