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
        # Every tested node's test for every candidate at once (row `tested` stands for the leaves and
        # tests nothing), then each tree walks one level per step: one gather of the test result and one
        # of the child (left and right interleaved) per level. Node-major tests: gathering whole rows of
        # the transposed values is about twice as fast as gathering columns of `x`.
        exact32 = x.dtype == np.float32  # float32 values compare exactly against float32-rounded thresholds
        values = np.ascontiguousarray((x if exact32 else x.astype(np.float64)).T)
        thresholds = self._threshold32 if exact32 else self._threshold64
        tests = np.zeros((self._tested + 1, len(x)), dtype=bool)
        np.logical_not(values[self._test_feature] <= thresholds[:, None], out=tests[: self._tested])
        candidate = np.arange(len(x))[:, None]
        go_right = tests.ravel()
        # Deepest trees first: level k steps only the trees deeper than k (a slice), the others sit on
        # their leaves. The leaves are summed back in the trees' own order, so the sum is the same bits.
        node = np.repeat(self._roots[self._deepest_first][None, :], len(x), axis=0)
        for active in self._active:
            walking = node[:, :active]
            test = np.minimum(walking, self._tested) * len(x) + candidate
            node[:, :active] = self._children[2 * walking + go_right[test]]
        # C order, as the walk's own result was: the row sums then add the leaves in the same order.
        leaves = np.ascontiguousarray(node[:, self._own_order])
        return self.baseline + self._value[leaves].sum(axis=1)

    def __post_init__(self) -> None:
        width = self.feature.shape[1]
        offsets = np.arange(len(self.feature))[:, None] * width
        leaf = self.leaf.ravel()
        # Leaves point at themselves, so a walk that reached one stays there.
        own = np.arange(leaf.size)
        left = np.where(leaf, own, (self.left + offsets).ravel())
        right = np.where(leaf, own, (self.right + offsets).ravel())
        roots = offsets[:, 0]
        tested = _reachable(roots, left, right, self.depth) & ~leaf
        # Renumbered: tested nodes first, so that one `minimum` maps every other node to the no-test column.
        order = np.concatenate([np.flatnonzero(tested), np.flatnonzero(~tested)])
        renumbered = np.empty_like(order)
        renumbered[order] = own
        self._tested = int(tested.sum())
        self._roots = renumbered[roots]
        self._children = np.column_stack([renumbered[left[order]], renumbered[right[order]]]).ravel()
        self._test_feature = self.feature.ravel()[order[: self._tested]]
        self._threshold64 = self.threshold.ravel()[order[: self._tested]]
        self._threshold32 = _float32_at_most(self._threshold64)
        self._value = np.where(leaf, self.value.ravel(), 0.0)[order]
        depths = tree_depths(self.leaf, self.left, self.right, self.depth)
        self._deepest_first = np.argsort(-depths, kind="stable")
        self._own_order = np.argsort(self._deepest_first)
        self._active = [int((depths > level).sum()) for level in range(int(depths.max(initial=0)))]

    def probability(self, x: np.ndarray) -> np.ndarray:
        """P(positive) for each row of `x`."""
        return 1.0 / (1.0 + np.exp(-self.raw_score(x)))


_NODE_FIELDS = ("feature", "threshold", "left", "right", "leaf", "value")


def tree_depths(leaf: np.ndarray, left: np.ndarray, right: np.ndarray, limit: int) -> np.ndarray:
    """Per tree (rows of the padded node arrays): the tests of its longest walk, at most `limit`."""
    depths = np.zeros(len(leaf), dtype=np.int64)
    for tree in range(len(leaf)):
        level, frontier = 0, [0]
        while level < limit and (
            frontier := [c for n in frontier if not leaf[tree, n] for c in (left[tree, n], right[tree, n])]
        ):
            level += 1
        depths[tree] = level
    return depths


def _reachable(roots: np.ndarray, left: np.ndarray, right: np.ndarray, depth: int) -> np.ndarray:
    """Nodes a walk from the roots can reach (padding is never reached)."""
    seen = np.zeros(len(left), dtype=bool)
    frontier = roots
    for _ in range(depth + 1):
        seen[frontier] = True
        frontier = np.unique(np.concatenate([left[frontier], right[frontier]]))
    return seen


def _float32_at_most(thresholds: np.ndarray) -> np.ndarray:
    """The largest float32 <= each threshold: for a float32 x, x <= t exactly when x <= this."""
    out = thresholds.astype(np.float32)
    above = out.astype(np.float64) > thresholds
    out[above] = np.nextafter(out[above], np.float32(-np.inf))
    return out


def _pad(rows: list[list[float]], width: int) -> np.ndarray:
    out = np.zeros((len(rows), width), dtype=np.float64)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out
