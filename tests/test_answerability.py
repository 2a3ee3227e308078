"""The answer-or-refuse model: evidence (answer types, years, gaps), model file, place in the pipeline."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from index.answer.answerer import Answerer
from index.embedding.protocol import Embedder
from index.errors import RankerError
from index.ranking.answer_types import (
    asks_for_amount,
    lacks_amount,
    states_amount,
    type_evidence,
    year_absent,
    year_evidence,
)
from index.ranking.answerability import (
    ANSWERABILITY_FEATURE_SET,
    ANSWERABILITY_FEATURES,
    coverage,
    names_missing,
    score_gaps,
    unknown_names,
)
from index.ranking.answerability_model import (
    VETO_FACTOR,
    load_answerability,
    model_json,
    spread,
    with_answerability,
)
from index.ranking.e5_profiles import ANSWERABILITY_E5, E5_EMBEDDER, e5_profiles
from index.ranking.model_files import MODELS_DIR
from index.ranking.pipeline import RankingPipeline
from index.ranking.profiles import hand_set_profiles
from index.ranking.provenance import Provenance
from index.retrieval.intent import parse_date_intent, read_intent
from index.store.generations import Snapshot
from index.text.analysis import ANALYZER_VERSION
from index.text.demonyms import fold

TODAY = dt.date(2024, 6, 1)
NO_CUES = {"cue_number": False, "cue_date": False, "cue_name": False}


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("How much money does Osorio earn at Zamalek?", True),
        ("¿Cuánto cobra Osorio en el Zamalek?", True),
        ("How much did the stadium cost?", True),
        ("How many matches did he lead?", False),
        ("How much money? Who earns it?", True),
        ("What does Osorio earn praise for?", False),  # no "how much": not an amount
        ("What is Osorio's salary?", True),
        ("¿Cuál es el sueldo de Osorio?", True),
        ("Why was the budget cut?", False),  # about the budget, not its amount
        ("Which organization received her entire salary?", False),  # a name
        ("What effect will solar energy have on the price of oil?", False),
        ("What was the October 2014 purchase price of the Waldorf Astoria?", True),
        ("¿Cuál fue el coste del festejo?", True),
        ("¿Qué provocó la caída del precio de los bonos?", False),
    ],
)
def test_a_money_question_asks_for_an_amount(question: str, asks: bool) -> None:
    assert asks_for_amount(question) is asks


@pytest.mark.parametrize(
    ("question", "sentence", "lacks"),
    [
        ("How old is Juan Carlos Osorio?", "Osorio is one of the most successful coaches.", True),
        ("How old is Juan Carlos Osorio?", "Osorio, 62, signed on Monday.", False),
        ("¿Cuántos años tiene Osorio?", "Osorio nació en 1961 en Santa Rosa de Cabal.", False),
        ("¿Qué edad tiene Osorio?", "Osorio dirige al Zamalek.", True),
        ("How old was Monica Bellucci when she filmed Spectre?", "At fifty, she was the oldest.", False),
        ("¿Cuántos años tiene Rosa Regás?", "Rosa Regás cumplió cincuenta.", False),
        ("What is Osorio's salary?", "He earns $2 million a year.", False),
        ("How many titles did he win?", "He won titles.", False),  # numbers are lacks_number's
    ],
)
def test_an_age_or_money_question_lacks_its_amount(question: str, sentence: str, lacks: bool) -> None:
    assert lacks_amount(question, sentence) is lacks


@pytest.mark.parametrize(
    ("sentence", "states"),
    [
        ("The council approved a budget of 4.2 billion euros.", True),
        ("He earns $2 a year.", True),
        ("El proyecto cuesta 12,9 billones de pesos.", True),
        ("He now directs Zamalek in Egypt, with whom he has had very good numbers.", False),
        ("Zamalek won the title 14 times.", False),  # a number, not an amount of money
        ("Millions of dollars were at stake.", False),  # a currency word but no figure
    ],
)
def test_an_amount_is_a_figure_with_a_currency(sentence: str, states: bool) -> None:
    assert states_amount(sentence) is states


def test_what_the_best_sentence_lacks_of_the_asked_type() -> None:
    money = read_intent("How much money does Osorio earn at Zamalek?", TODAY)
    zamalek = "He now directs Zamalek in Egypt, with whom he has had very good numbers."
    found = type_evidence(money, zamalek, NO_CUES)
    assert found.lacks_amount and found.lacks_number and not found.lacks_date and not found.lacks_name
    paid = type_evidence(money, "Zamalek pays him 2 million dollars a year.", {**NO_CUES, "cue_number": True})
    assert not paid.lacks_amount and not paid.lacks_number
    who = read_intent("Who fired Marcelo Leaño?", TODAY)
    assert type_evidence(who, "He was fired.", NO_CUES).lacks_name
    assert not type_evidence(who, "Chivas fired him.", {**NO_CUES, "cue_name": True}).lacks_name
    when = read_intent("When did Zamalek last win the league?", TODAY)
    assert type_evidence(when, "They won it.", NO_CUES).lacks_date
    assert not type_evidence(when, "In 2022.", {**NO_CUES, "cue_date": True}).lacks_date


def test_a_year_the_question_names_against_the_sentence_and_its_date() -> None:
    cup_2022 = parse_date_intent("Who won the 2022 World Cup?", TODAY)
    sentence_2018 = "Mexico achieved a historic victory against Germany at the 2018 World Cup."
    # Published in 2022, but the sentence names only 2018: a conflict, not a missing year.
    assert year_evidence(cup_2022, sentence_2018, dt.date(2022, 4, 20)) == (True, False)
    assert year_evidence(cup_2022, "Argentina won the 2022 World Cup.", dt.date(2023, 1, 1)) == (False, False)
    # No year in the sentence: missing unless the article is of that year.
    assert year_evidence(cup_2022, "Argentina won the final.", dt.date(2023, 7, 12)) == (False, True)
    assert year_evidence(cup_2022, "Argentina won the final.", dt.date(2022, 12, 19)) == (False, False)
    assert year_evidence(cup_2022, "Argentina won the final.", None) == (False, True)
    since = parse_date_intent("Who has coached Zamalek since 2020?", TODAY)
    assert year_evidence(since, "He joined in 2023.", None) == (False, False)
    none = parse_date_intent("Who won the World Cup?", TODAY)
    assert year_evidence(none, sentence_2018, None) == (False, False)


CUP_STORY = {
    "cup.txt": " date 2022-04-20 Mexico beat Germany at the 2018 World Cup in Russia.\n\n"
    "Osorio coached Mexico for three years.\n\nHe later coached Paraguay.",
}


def test_a_year_that_no_sentence_of_the_article_names(make_snapshot: Callable[..., Snapshot]) -> None:
    snap = make_snapshot("cup", CUP_STORY)
    # Dated 2022, but no sentence names 2022: the date does not make the 2018 sentence an answer.
    assert year_absent(snap, 0, parse_date_intent("Who won the 2022 World Cup?", TODAY))
    assert not year_absent(snap, 0, parse_date_intent("Who won the 2018 World Cup?", TODAY))
    assert not year_absent(snap, 0, parse_date_intent("Who has won it since 1990?", TODAY))  # open: unchecked
    assert not year_absent(snap, 0, parse_date_intent("Who won the World Cup?", TODAY))


def test_names_the_index_lacks_and_the_words_a_sentence_window_holds(
    make_snapshot: Callable[..., Snapshot],
) -> None:
    snap = make_snapshot("cup", CUP_STORY)
    assert unknown_names(snap, read_intent("Did Osorio coach Honduras?", TODAY)) == 0.5  # Honduras unknown
    assert unknown_names(snap, read_intent("Did Osorio coach Mexico?", TODAY)) == 0.0
    assert unknown_names(snap, read_intent("how long did he coach?", TODAY)) == 0.0  # no names: nothing
    terms = read_intent("Did Osorio coach Paraguay?", TODAY).terms
    window, article, rarest, _ = coverage(snap, 0, terms)  # the first sentence and its neighbour
    assert article == pytest.approx(1.0) and window < 1.0 and rarest > 0  # Paraguay: only the third
    assert coverage(snap, 1, terms)[:3] == pytest.approx((1.0, 1.0, 0.0))


def test_the_gaps_between_the_best_candidate_and_the_rest() -> None:
    scores = np.array([0.2, 0.9, 0.5, 0.4, 0.1])
    articles = np.array([0, 0, 0, 1, 1])
    gap_next, gap_median, gap_article = score_gaps(scores, articles)
    assert gap_next == pytest.approx(0.4)  # 0.9 - 0.5
    assert gap_median == pytest.approx(0.5)  # 0.9 - median(0.9, 0.5, 0.4, 0.2, 0.1)
    assert gap_article == pytest.approx(0.5)  # 0.9 - 0.4, the best of article 1
    # One article only: the gap to another article is the best score itself (counted from 0).
    assert score_gaps(np.array([0.6, 0.3]), np.array([2, 2])) == pytest.approx((0.3, 0.15, 0.6))
    assert score_gaps(np.array([]), np.array([])) == (0.0, 0.0, 0.0)


def test_the_probability_goes_to_the_best_candidate_and_the_others_keep_their_share() -> None:
    spread_out = spread(np.array([0.5, 0.25, 0.1]), 0.8)
    assert spread_out.tolist() == pytest.approx([0.8, 0.4, 0.16])
    # Nothing related (every base score at or below 0): only the best keeps a confidence.
    assert spread(np.array([-0.2, -0.1, -0.3]), 0.05).tolist() == [0.0, 0.05, 0.0]


def _trees(feature: str, below: float, above: float) -> dict[str, object]:
    """One tree of one split: log-odds `below` when `feature` <= 0.5, else `above`."""
    return {
        "features": list(ANSWERABILITY_FEATURES),
        "baseline": 0.0,
        "depth": 2,
        "trees": [
            {
                "feature": [ANSWERABILITY_FEATURES.index(feature), 0, 0],
                "threshold": [0.5, 0.0, 0.0],
                "left": [1, 0, 0],
                "right": [2, 0, 0],
                "leaf": [0, 1, 1],
                "value": [0.0, below, above],
            }
        ],
    }


def _write(
    path: Path, trees: dict[str, object], thresholds: dict[str, float], embedder: str, dim: int
) -> Path:
    provenance = Provenance(
        embedder, "test", dim, ANSWERABILITY_FEATURE_SET, ANALYZER_VERSION, {"test": True}
    )
    neutral = np.zeros(len(ANSWERABILITY_FEATURES))
    path.write_text(json.dumps(model_json(trees, neutral, thresholds, provenance)), encoding="utf-8")
    return path


def _sigmoid(z: float) -> float:
    return float(1 / (1 + np.exp(-z)))


def test_a_model_file_reads_back_as_written(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.json", _trees("gap_next", -1.0, 2.0), {"en": 0.4, "es": 0.3}, "m", 8)
    model, model_file = load_answerability(path)
    x = np.zeros((2, len(ANSWERABILITY_FEATURES)))
    x[1, ANSWERABILITY_FEATURES.index("gap_next")] = 0.9
    assert model.probability(x).tolist() == pytest.approx([_sigmoid(-1.0), _sigmoid(2.0)])
    assert model.threshold("es") == 0.3 and model.threshold("fr") == 0.4  # others: the fallback's
    assert model_file.provenance.embedder == "m" and model_file.features == ANSWERABILITY_FEATURE_SET


def test_a_vetoed_question_keeps_a_tenth_of_its_probability(tmp_path: Path) -> None:
    model, _ = load_answerability(
        _write(tmp_path / "a.json", _trees("gap_next", 2.0, 2.0), {"en": 0.5}, "m", 8)
    )
    x = np.zeros((4, len(ANSWERABILITY_FEATURES)))
    x[1, ANSWERABILITY_FEATURES.index("lacks_amount")] = 1
    x[2, ANSWERABILITY_FEATURES.index("year_conflict")] = 1  # contradicted, but the article names it: no veto
    x[3, [ANSWERABILITY_FEATURES.index("year_conflict"), ANSWERABILITY_FEATURES.index("year_absent")]] = 1
    p = _sigmoid(2.0)
    assert model.probability(x).tolist() == pytest.approx([p, p * VETO_FACTOR, p, p * VETO_FACTOR])
    role = np.zeros((1, len(ANSWERABILITY_FEATURES)))
    # "Who is the president...?" over a story that names no president.
    role[0, ANSWERABILITY_FEATURES.index("role_absent")] = 1
    assert model.probability(role).tolist() == pytest.approx([p * VETO_FACTOR])


def test_a_model_file_of_other_features_or_without_provenance_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.json", _trees("gap_next", 0.0, 0.0), {"en": 0.5}, "m", 8)
    raw = json.loads(path.read_text(encoding="utf-8"))
    (tmp_path / "b.json").write_text(json.dumps({**raw, "features": raw["features"][:-1]}), encoding="utf-8")
    with pytest.raises(RankerError, match=r"b\.json.*other features.*fit_answerability"):
        load_answerability(tmp_path / "b.json")
    del raw["provenance"]
    (tmp_path / "c.json").write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(RankerError, match=r"c\.json does not record"):
        load_answerability(tmp_path / "c.json")


def test_a_model_fitted_for_another_embedder_is_refused_with_what_to_do(
    tiny_answerer: Answerer, fake_embedder: Embedder, tmp_path: Path
) -> None:
    trees = _trees("gap_next", 0.0, 0.0)
    path = _write(tmp_path / "answerability.json", trees, {"en": 0.5}, E5_EMBEDDER, 384)
    ranker = RankingPipeline(with_answerability(hand_set_profiles(), path))
    with pytest.raises(RankerError) as caught:
        Answerer(tiny_answerer.handle, fake_embedder, ranker=ranker).ask("When did Etna erupt?")
    message = str(caught.value)
    assert E5_EMBEDDER in message and fake_embedder.name in message and "answerability.json" in message


def test_the_model_decides_and_its_threshold_travels_with_it(
    tiny_answerer: Answerer, fake_embedder: Embedder, tmp_path: Path
) -> None:
    # Trees that refuse questions naming what no indexed text names.
    trees = _trees("unknown_names", 3.0, -3.0)
    path = _write(
        tmp_path / "a.json", trees, {"en": 0.5, "es": 0.5}, fake_embedder.name, fake_embedder.dimension
    )
    ranker = RankingPipeline(with_answerability(hand_set_profiles(), path))
    answerer = Answerer(tiny_answerer.handle, fake_embedder, ranker=ranker)
    budget = answerer.ask("How much money did the city council approve for the budget?")
    assert budget.answered and "4.2 billion euros" in budget.quotes[0].text
    assert budget.threshold == 0.5 and budget.confidence == pytest.approx(_sigmoid(3.0), abs=1e-4)
    napoleon = answerer.ask("What budget did Napoleon approve?")
    assert not napoleon.answered and napoleon.status == "no_answer" and len(napoleon.quotes) == 1
    assert napoleon.confidence == pytest.approx(_sigmoid(-3.0), abs=1e-4)
    # A money question whose best sentence states no amount is vetoed.
    salary = answerer.ask("How much money does the city council pay the mayor?")
    assert not salary.answered and salary.confidence == pytest.approx(_sigmoid(3.0) * VETO_FACTOR, abs=1e-4)
    assert ranker.profile("en").confidence.name == "answerability over hand-set"


def test_the_shipped_e5_model_is_read_with_its_provenance() -> None:
    if not (MODELS_DIR / ANSWERABILITY_E5).exists():
        pytest.skip("no answerability model shipped")
    profiles = e5_profiles()
    files = {f.path.name: f for f in profiles.model_files}
    recorded = files[ANSWERABILITY_E5].provenance
    assert (recorded.embedder, recorded.dimension) == (E5_EMBEDDER, 384)
    assert recorded.features == ANSWERABILITY_FEATURE_SET and recorded.trained_on["script"]
    for language in ("en", "es"):
        profile = profiles.for_language(language)
        assert profile.confidence.name.startswith("answerability")
        assert 0.0 < profile.threshold < 1.0
        # Fitted on hand-translated tune questions (scripts/translations): a cut of its own across languages.
        assert profile.cross_threshold is not None and 0.0 < profile.cross_threshold < 1.0
    assert set(recorded.trained_on["across_languages"]) == {"en", "es"}


def test_the_names_and_figures_a_question_asks_about_that_its_best_story_never_writes(
    make_snapshot: Callable[..., Snapshot],
) -> None:
    snap = make_snapshot(
        "zamalek",
        {"zamalek.txt": "Zamalek won the Egyptian league in 2021 under Juan Carlos Osorio of Bogotá."},
    )
    row = 0
    assert names_missing(snap, row, "¿Cuándo ganó el Zamalek la liga de 2021?") == 0.0
    # Read as written, across languages and accents: "BOGOTA" is "Bogotá".
    assert names_missing(snap, row, "Which club did the coach from BOGOTA lead?") == 0.0
    # A whole word: "Al" (of Al Ahly) is not found inside "Zamalek"; "2019" is nowhere.
    assert names_missing(snap, row, "Did Al Ahly win in 2019?") == 1.0
    assert names_missing(snap, row, "Did Zamalek win in 2019?") == 0.5
    assert names_missing(snap, row, "who won the league?") == 0.0  # nothing named: no evidence either way
    assert fold("Bogotá ÁFRICA") == "bogota africa" and fold("plain") == "plain"
