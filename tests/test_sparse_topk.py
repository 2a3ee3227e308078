"""BM25's top-k selection: exact, also with many tied scores."""

from __future__ import annotations

import numpy as np

from index.sparse import top_k


def test_top_k_is_exact_on_large_and_tied_score_arrays() -> None:
    rng = np.random.default_rng(2)
    for scores in (rng.random(100_000).astype(np.float32), np.repeat(np.arange(50, dtype=np.float32), 400)):
        for k in (1, 10, 50):
            got = np.sort(scores[top_k(scores, k)])
            assert got.tolist() == np.sort(scores)[-k:].tolist()


def test_top_k_of_a_short_array() -> None:
    scores = np.array([0.5, 2.0, 1.0], dtype=np.float32)
    assert sorted(top_k(scores, 2).tolist()) == [1, 2]
