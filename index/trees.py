"""Gradient-boosted trees read from JSON and evaluated with NumPy (no scikit-learn at run time)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class TreeEnsemble:
    """Binary-classification trees: P(positive) = sigmoid(baseline + sum of the leaves reached)."""

    features: tuple[str, ...]
    baseline: float
    feature: np.ndarray  # (trees, nodes) int: feature tested at each node
    threshold: np.ndarray  # (trees, nodes) float64, as trained: go left when value <= threshold
    left: np.ndarray  # (trees, nodes) int
    right: np.ndarray  # (trees, nodes) int
    leaf: np.ndarray  # (trees, nodes) bool
    value: np.ndarray  # (trees, nodes) float: leaf values (learning rate already applied)
    depth: int

    @classmethod
    def from_json(cls, raw: dict[str, object], source: Path | str = "<model>") -> TreeEnsemble:
        """Pack the trees of a JSON model into padded arrays; `source` names the file in errors."""
        try:
            trees = raw["trees"]
            assert isinstance(trees, list) and trees
            width = max(len(t["value"]) for t in trees)
            arrays = {name: _pad([t[name] for t in trees], width) for name in _NODE_FIELDS}
            return cls(
                features=tuple(raw["features"]),  # type: ignore[arg-type]
                baseline=float(raw["baseline"]),  # type: ignore[arg-type]
                feature=arrays["feature"].astype(np.int64),
                threshold=arrays["threshold"],
                left=arrays["left"].astype(np.int64),
                right=arrays["right"].astype(np.int64),
                leaf=arrays["leaf"].astype(bool),
                value=arrays["value"].astype(np.float64),
                depth=int(raw["depth"]),  # type: ignore[call-overload]
            )
        except (KeyError, TypeError, ValueError, AssertionError) as exc:
            raise ValueError(f"{source}: not a tree model ({exc!r})") from exc

    @classmethod
    def load(cls, path: Path) -> TreeEnsemble:
        """Read a model written by scripts/train_quote_model.py."""
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")), path)

    def raw_score(self, x: np.ndarray) -> np.ndarray:
        """Log-odds for each row of `x` (rows: candidates, columns: self.features)."""
        if x.ndim != 2 or x.shape[1] != len(self.features):
            raise ValueError(f"expected {len(self.features)} features, got shape {x.shape}")
        # Every node's test for every candidate at once, then each tree walks one level per step: one
        # gather of the test result and one of the child (left and right interleaved) per level.
        go_right = ~(x.astype(np.float64)[:, self._flat_feature] <= self._flat_threshold)
        step = (np.arange(len(x)) * go_right.shape[1])[:, None]
        go_right = go_right.ravel()
        node = np.broadcast_to(self._roots, (len(x), len(self._roots)))
        for _ in range(self.depth):
            node = self._children[2 * node + go_right[node + step]]
        return self.baseline + self._flat_value[node].sum(axis=1)

    def __post_init__(self) -> None:
        width = self.feature.shape[1]
        offsets = np.arange(len(self.feature))[:, None] * width
        self._roots = offsets[:, 0]
        self._flat_feature = self.feature.ravel()
        self._flat_threshold = self.threshold.ravel()
        # Leaves point at themselves, so a walk that reached one stays there.
        own = (offsets + np.arange(width)[None, :]).ravel()
        leaf = self.leaf.ravel()
        self._children = np.column_stack(
            [
                np.where(leaf, own, (self.left + offsets).ravel()),
                np.where(leaf, own, (self.right + offsets).ravel()),
            ]
        ).ravel()
        self._flat_value = np.where(leaf, self.value.ravel(), 0.0)

    def probability(self, x: np.ndarray) -> np.ndarray:
        """P(positive) for each row of `x`."""
        return 1.0 / (1.0 + np.exp(-self.raw_score(x)))


_NODE_FIELDS = ("feature", "threshold", "left", "right", "leaf", "value")


def _pad(rows: list[list[float]], width: int) -> np.ndarray:
    out = np.zeros((len(rows), width), dtype=np.float64)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out
