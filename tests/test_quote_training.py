"""The training script's LightGBM ranker, exported to the JSON trees that index/trees.py evaluates."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from index.ranking.trees import TreeEnsemble

REPO = Path(__file__).resolve().parents[1]


def test_lightgbm_trees_export_to_the_numpy_evaluator() -> None:
    pytest.importorskip("lightgbm")
    pytest.importorskip("sklearn")
    spec = importlib.util.spec_from_file_location("train_quote", REPO / "scripts" / "train_quote_model.py")
    assert spec is not None and spec.loader is not None
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    rng = np.random.default_rng(0)
    width = len(train.TREE_FEATURES)
    x = rng.normal(size=(600, width)).astype(np.float32)
    groups = np.repeat(np.arange(60), 10)
    y = (x[:, 0] + 0.5 * x[:, 3] > 1.0).astype(int)
    raw = train.fit(x, y, groups)  # asserts that NumPy and LightGBM agree on every row
    model = TreeEnsemble.from_json(raw)
    scores = model.raw_score(x)
    # The ranking score follows the label it learnt, and the logistic fit makes it a probability.
    assert scores[y == 1].mean() > scores[y == 0].mean()
    assert 0.0 < model.probability(x).mean() < 1.0
