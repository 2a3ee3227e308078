"""What a question asks for, how a sentence answers it, and the LightGBM export of the trees that read it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from index.quote_cues import Cues, alignment, cue_row, places, question_cues, typed_count
from index.trees import TreeEnsemble

REPO = Path(__file__).resolve().parents[1]


class _Facts(NamedTuple):
    terms: tuple[str, ...]
    own: frozenset[str]
    names: frozenset[str]
    years: frozenset[str]
    numbers: frozenset[str]
    places: frozenset[str]
    flags: tuple[float, float, float]


def _facts(terms: str, names: str = "", years: str = "", numbers: str = "", where: str = "") -> _Facts:
    words = tuple(terms.split())
    return _Facts(
        words, frozenset(words), frozenset(names.split()), frozenset(years.split()),
        frozenset(numbers.split()), frozenset(where.split()), (0.0, 0.0, 0.0),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("question", "kind", "head"),
    [
        ("How many stations does the rail network have?", "number", "station"),
        ("How many years did the war last?", "number", "year"),
        ("In what year were the first degrees awarded?", "date", "year"),
        ("When did Chopin leave Warsaw?", "date", None),
        ("Who created the script for the story scenes?", "name", None),
        ("In which village did Chopin hear folk music?", "place", "villag"),
        ("Which song was Beyonce's first number one?", None, "song"),
        ("What is the capital of Montana?", None, None),
        ("What kind of instrument did he play?", None, "instrument"),
    ],
)
def test_question_cues_find_the_answer_type_and_head_noun(question: str, kind: str, head: str | None) -> None:
    cues = question_cues(question, "en", {})
    assert (cues.kind, cues.head) == (kind, head)


def test_the_rarest_terms_come_first() -> None:
    cues = question_cues(
        "Who was Chopin's doctor in Paris?", "en", {"chopin": 2.0, "doctor": 5.0, "pari": 1.0}
    )
    assert cues.rarest == ("doctor", "chopin")


def test_typed_count_counts_only_what_the_question_lacks() -> None:
    facts = _facts("x", names="osorio zamalek", years="2023", numbers="2023 52", where="cairo")
    asked = frozenset({"osorio"})
    assert typed_count("name", facts, asked) == 1  # zamalek, not the osorio the question names
    assert typed_count("place", facts, asked) == 1
    assert typed_count("date", facts, asked) == 1
    assert typed_count("number", facts, asked) == 1.5  # 52, and 2023 counts half: it reads as a year
    assert typed_count("number", facts, frozenset({"52"})) == 0.5
    assert typed_count(None, facts, asked) == 0


def test_alignment_rewards_the_question_wording_in_order_and_close_together() -> None:
    cues = Cues(None, None, ("first", "degre", "award"), ())
    assert alignment(cues, ("first", "degre", "award", "1849")) == (1.0, 1.0)
    run, window = alignment(cues, ("award", "x", "x", "x", "x", "x", "x", "first", "y", "degre"))
    assert run == pytest.approx(1 / 3) and window == pytest.approx(2 / 3)
    assert alignment(cues, ()) == (0.0, 0.0)


def test_places_follow_a_preposition_of_place() -> None:
    assert places("He played at London's Guildhall and lived in Paris, near the Seine.") == frozenset(
        {"london's", "paris", "seine"}
    )


def test_cue_row_reads_the_sentence_and_its_neighbours_inside_the_span() -> None:
    sentences = {
        4: _facts("chopin doctor visit"),
        5: _facts("death certif caus tuberculosi physician", names="cruveilhier"),
        6: _facts("later"),
    }
    cues = question_cues("Who was Chopin's physician?", "en", {"chopin": 2.0, "physician": 5.0})
    row = cue_row(sentences.__getitem__, 5, (4, 6), cues, frozenset({"who", "was", "chopin's", "physician"}))
    typed, head, head_near, rarest, rare2, run, window, position, prev_typed, next_typed = row
    assert typed == 1 and rarest == 1 and rare2 == 0.5
    assert run == window == 0.5  # "physician" of "chopin physician"
    assert head == head_near == -1  # "who" names no head noun
    assert position == 1 and prev_typed == 0
    assert next_typed == -1  # row 6 is outside the span


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
