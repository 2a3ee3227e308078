"""The quote-ranking trees: the NumPy evaluator, the context features, and how the Answerer uses them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index.answer.answerer import Answerer
from index.errors import RankerError
from index.ranking.features import FEATURES, candidate_features, sentence_text
from index.ranking.model_files import MODELS_DIR, TREES_EN, load_trees
from index.ranking.pipeline import RankingPipeline
from index.ranking.profiles import HAND_THRESHOLD, ProfileSet, RankingProfile, hand_set_profiles
from index.ranking.results import SentenceScore
from index.ranking.scorers import HAND_WEIGHTS, HandScorer, TreeScorer, hand_scores
from index.ranking.tree_features import TREE_FEATURES, answer_type_rows, tree_features
from index.ranking.trees import TreeEnsemble, tree_depths
from index.retrieval.search import retrieve


def _stump(feature: int, threshold: float, low: float, high: float) -> dict[str, list[float]]:
    """One split: value `low` when x[feature] <= threshold, else `high`."""
    return {
        "feature": [feature, 0, 0],
        "threshold": [threshold, 0.0, 0.0],
        "left": [1, 0, 0],
        "right": [2, 0, 0],
        "leaf": [0, 1, 1],
        "value": [0.0, low, high],
    }


def _model(trees: list[dict[str, list[float]]], features: tuple[str, ...], baseline: float = 0.0) -> dict:
    return {"features": list(features), "baseline": baseline, "depth": 2, "trees": trees}


def test_trees_sum_the_leaves_reached_and_apply_the_sigmoid() -> None:
    raw = _model([_stump(0, 0.5, -1.0, 1.0), _stump(1, 2.0, 0.25, 0.5)], ("a", "b"), baseline=0.1)
    model = TreeEnsemble.from_json(raw)
    x = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 3.0], [0.5, 2.0]], dtype=np.float32)
    expected = np.array([0.1 - 1 + 0.25, 0.1 + 1 + 0.25, 0.1 + 1 + 0.5, 0.1 - 1 + 0.25])
    np.testing.assert_allclose(model.raw_score(x), expected)
    np.testing.assert_allclose(model.probability(x), 1 / (1 + np.exp(-expected)))


# A tree two tests deep on its right: feature 0 <= 0.5 -> 1.0, else feature 1 <= 0.5 -> 2.0, else 3.0.
DEEP = {
    "feature": [0, 0, 1, 0, 0],
    "threshold": [0.5, 0.0, 0.5, 0.0, 0.0],
    "left": [1, 0, 3, 0, 0],
    "right": [2, 0, 4, 0, 0],
    "leaf": [0, 1, 0, 1, 1],
    "value": [0.0, 1.0, 0.0, 2.0, 3.0],
}


def test_trees_of_different_sizes_are_padded() -> None:
    raw = _model([DEEP, _stump(0, 0.5, 0.0, 10.0)], ("a", "b"))
    raw["depth"] = 3
    x = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]], dtype=np.float32)
    np.testing.assert_allclose(TreeEnsemble.from_json(raw).raw_score(x), [1.0, 12.0, 13.0])


def test_tree_depths_count_the_tests_of_each_trees_longest_walk() -> None:
    leaf_only = {name: [0.0] for name in ("feature", "threshold", "left", "right", "value")} | {"leaf": [1]}
    raw = _model([_stump(0, 0.5, 0.0, 10.0), DEEP, leaf_only], ("a", "b"))
    raw["depth"] = 3
    model = TreeEnsemble.from_json(raw)
    assert tree_depths(model.leaf, model.left, model.right, 3).tolist() == [1, 2, 0]
    assert tree_depths(model.leaf, model.left, model.right, 1).tolist() == [1, 1, 0]  # the model's own cap


def test_trees_walked_deepest_first_give_the_same_bits_as_every_tree_walked_to_full_depth() -> None:
    # The shipped English trees (depths 5 to 11 under a nominal 12) against a plain reference walk.
    model = TreeEnsemble.load(MODELS_DIR / TREES_EN)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(37, len(model.features))).astype(np.float32)
    x[:5, model.feature[0, 0]] = model.threshold[0, 0]  # exactly at a threshold: goes left
    node = np.zeros((len(x), len(model.feature)), dtype=np.int64)
    trees = np.arange(len(model.feature))
    for _ in range(model.depth):
        feature, threshold = model.feature[trees, node], model.threshold[trees, node]
        right = x[np.arange(len(x))[:, None], feature].astype(np.float64) > threshold
        step = np.where(right, model.right[trees, node], model.left[trees, node])
        node = np.where(model.leaf[trees, node], node, step)
    expected = model.baseline + model.value[trees, node].sum(axis=1)
    assert np.array_equal(model.raw_score(x), expected)  # bit for bit


def test_a_broken_model_file_is_named_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "quote_model_en.json"
    path.write_text(json.dumps({"features": ["a"], "trees": []}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"quote_model_en\.json"):
        TreeEnsemble.load(path)


def test_the_wrong_number_of_features_is_refused() -> None:
    model = TreeEnsemble.from_json(_model([_stump(0, 0.5, 0.0, 1.0)], ("a", "b")))
    with pytest.raises(ValueError, match="expected 2 features"):
        model.raw_score(np.zeros((3, 5), dtype=np.float32))


def test_stale_or_broken_model_files_are_errors_that_say_what_to_do(tmp_path: Path) -> None:
    stale = tmp_path / "quote_model_en.json"
    stale.write_text(json.dumps(_model([_stump(0, 0.5, 0.0, 1.0)], ("a", "b"))), encoding="utf-8")
    with pytest.raises(RankerError, match="retrain"):
        load_trees(stale)
    broken = tmp_path / "quote_model_es.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(RankerError, match=r"quote_model_es\.json"):
        load_trees(broken)


def test_the_shipped_english_model_matches_the_features() -> None:
    trees, _file = load_trees(MODELS_DIR / TREES_EN)
    assert trees.features == TREE_FEATURES
    assert len(trees.feature) >= 50


def _candidates(answerer: Answerer, question: str) -> tuple:
    snap = answerer.handle.snapshot()
    assert snap is not None
    vector = answerer._embed(question)
    found = retrieve(snap, vector, question)
    return snap, vector, found, candidate_features(snap, vector, found.terms, question, found.hits[:12])


def test_tree_features_describe_each_candidate(tiny_answerer: Answerer) -> None:
    question = "How many hours were flights at Catania suspended?"
    snap, vector, found, cands = _candidates(tiny_answerer, question)
    x = tree_features(snap, cands, question, found.language, vector)
    assert x.shape == (len(cands.rows), len(TREE_FEATURES))
    column = {name: x[:, i] for i, name in enumerate(TREE_FEATURES)}
    # Relative features are "minus the best candidate": never positive, zero for the leader.
    for name in ("rel_sent_cos", "rel_overlap", "rel_bigrams", "rel_pair_next_cos"):
        assert column[name].max() == pytest.approx(0.0)
        assert (column[name] <= 1e-6).all()
    assert (column["wh_how_many"] == 1).all() and (column["wh_who"] == 0).all()
    texts = [sentence_text(snap, r) for r in cands.rows.tolist()]
    flights = texts.index("Flights at Catania airport were suspended for six hours.")
    assert column["matched"][flights] == column["matched"].max()
    assert column["bigrams"][flights] > 0
    budget = next(i for i, t in enumerate(texts) if "4.2 billion" in t)
    assert column["numbers"][budget] >= 1


def test_hand_scores_weigh_the_evidence_on_the_pipeline_scale(tiny_answerer: Answerer) -> None:
    question = "When did Etna last erupt?"
    _snap, _vector, _found, cands = _candidates(tiny_answerer, question)
    x = cands.features
    rest = sum(w * x[:, FEATURES.index(n)] for n, w in HAND_WEIGHTS.items() if n != "sent_cos")
    expected = HAND_WEIGHTS["sent_cos"] * np.maximum(x[:, FEATURES.index("sent_cos")], 0.0) + rest
    np.testing.assert_allclose(hand_scores(x), expected, rtol=1e-6)
    assert sum(HAND_WEIGHTS.values()) == pytest.approx(1.0)  # [0, 1] evidence -> at most 1
    assert (hand_scores(x) <= 1).all()


def _tree_profiles(trees: TreeEnsemble) -> ProfileSet:
    english = RankingProfile("en", TreeScorer(trees), HandScorer(), HAND_THRESHOLD)
    return ProfileSet({"en": english})


def test_the_trees_order_the_quotes_and_the_hand_scale_decides_to_answer(tiny_answerer: Answerer) -> None:
    # A model that only likes sentences mentioning a money amount: the budget sentence must come first
    # for a question about the volcano; the answered flag still follows the hand-set score.
    money = TREE_FEATURES.index("money")
    numbers = TREE_FEATURES.index("numbers")
    raw = _model([_stump(numbers, 0.5, -3.0, 3.0), _stump(money, 0.5, 0.0, 0.0)], TREE_FEATURES)
    handle, embedder = tiny_answerer.handle, tiny_answerer._embedder
    ranker = RankingPipeline(_tree_profiles(TreeEnsemble.from_json(raw)))
    with_trees = Answerer(handle, embedder, min_score=0.2, ranker=ranker)
    without = Answerer(handle, embedder, min_score=0.2, ranker=RankingPipeline(hand_set_profiles()))
    question = "Was anyone hurt when the Etna volcano erupted?"
    ranked, plain = with_trees.ask(question), without.ask(question)
    assert plain.quotes[0].title != ranked.quotes[0].title or plain.quotes[0].text != ranked.quotes[0].text
    assert any(ch.isdigit() for ch in ranked.quotes[0].text)
    assert ranked.answered == plain.answered
    unsure = Answerer(handle, embedder, min_score=0.99, ranker=ranker)
    assert not unsure.ask(question).answered


def test_a_neighbour_that_supplies_the_asked_for_date_joins_the_quote(tiny_answerer: Answerer) -> None:
    from index.answer.passages import Growth, grow_passage

    snap = tiny_answerer.handle.snapshot()
    assert snap is not None
    texts = [sentence_text(snap, r) for r in range(len(snap.data.sentences))]
    hurt = texts.index("Officials said no one was hurt.")
    flights = hurt - 1
    best = SentenceScore(flights, 0.9, 0.5)
    by_row = {flights: best, hurt: SentenceScore(hurt, 0.05, 0.1)}
    alone = grow_passage(snap, best, by_row, growth=Growth(0.3))
    assert (alone.first, alone.last) == (flights, flights + 1)
    grown = grow_passage(snap, best, by_row, growth=Growth(0.3, frozenset({hurt})))
    assert (grown.first, grown.last) == (flights, hurt + 1)
    # A best sentence that already has what was asked for stays alone.
    typed = grow_passage(snap, best, by_row, growth=Growth(0.3, frozenset({flights, hurt})))
    assert (typed.first, typed.last) == (flights, flights + 1)


def test_answer_type_rows_follow_the_question_word() -> None:
    rows = np.array([10, 11, 12])
    x = np.zeros((3, len(TREE_FEATURES)), dtype=np.float32)
    col = TREE_FEATURES.index
    x[:, col("years")] = [0, 1, 0]
    x[:, col("numbers")] = [2, 1, 0]
    x[:, col("wh_when")] = 1
    assert answer_type_rows(rows, x) == {11}
    x[:, col("wh_when")] = 0
    x[:, col("wh_how_many")] = 1
    assert answer_type_rows(rows, x) == {10, 11}
    x[:, col("wh_how_many")] = 0
    assert answer_type_rows(rows, x) == frozenset()


def test_float32_features_split_exactly_as_float64_would() -> None:
    # 0.1 is not a float32: float32(0.1) lies above the threshold 0.1, its predecessor below.
    raw = _model([_stump(0, 0.1, -1.0, 1.0), _stump(1, 1e-300, 0.0, 2.0)], ("a", "b"))
    model = TreeEnsemble.from_json(raw)
    near = np.float32(0.1)
    x = np.array(
        [[near, 0.0], [np.nextafter(near, np.float32(0)), np.float32(1e-38)], [np.nan, np.inf]],
        dtype=np.float32,
    )
    np.testing.assert_array_equal(model.raw_score(x), model.raw_score(x.astype(np.float64)))
    np.testing.assert_array_equal(model.raw_score(x), [1.0, -1.0 + 2.0, 1.0 + 2.0])
