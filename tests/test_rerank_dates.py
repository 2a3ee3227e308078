"""Reranker features, the logistic model, dates, language-aware fusion: fast, with fakes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from index.answer.answerer import Answerer
from index.ranking.dates import (
    IN_RANGE_BOOST,
    OUT_OF_RANGE_FACTOR,
    apply_date_intent,
    present_statements_first,
    states_present,
)
from index.ranking.features import FEATURES, MODEL_PATH, RerankModel, candidate_features, sentence_text
from index.ranking.profiles import retrieval_params
from index.ranking.results import SentenceScore
from index.retrieval.intent import DateIntent, parse_date_intent
from index.retrieval.search import retrieve

TODAY = dt.date(2024, 6, 1)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who won the league in 2021?", DateIntent(2021, 2021, False)),
        ("What happened between 2019 and 2021?", DateIntent(2019, 2021, False)),
        ("Who won last year?", DateIntent(2023, 2023, False)),
        ("What changed this year?", DateIntent(2024, 2024, False)),
        ("Where does Osorio coach now?", DateIntent(None, None, True)),
        ("What is the latest on the strike?", DateIntent(None, None, True)),
        ("Who is currently the coach?", DateIntent(None, None, True)),
        ("¿Quién ganó el año pasado?", DateIntent(2023, 2023, False)),
        ("¿Dónde entrena actualmente?", DateIntent(None, None, True)),
        ("What happened since 2020?", DateIntent(2020, None, False)),
        ("What did Osorio win with Nacional?", DateIntent()),
    ],
)
def test_parse_date_intent(question: str, expected: DateIntent) -> None:
    assert parse_date_intent(question, TODAY) == expected


def _fake_snapshot(dates: list[dt.date | None], texts: list[str] | None = None) -> Any:
    texts = texts or ["A sentence."] * len(dates)
    articles = [SimpleNamespace(date=d, text=t) for d, t in zip(dates, texts, strict=True)]
    sentences = np.asarray([[i, 0, len(t)] for i, t in enumerate(texts)])
    # One sentence per article: the row accessors are the article's own.
    return SimpleNamespace(
        data=SimpleNamespace(articles=articles, sentences=sentences),
        sentence_text=lambda row: texts[row],
        article_of=lambda row: articles[row],
    )


def test_present_tense_prefers_the_newer_article_on_a_near_tie() -> None:
    snap = _fake_snapshot([dt.date(2022, 4, 20), dt.date(2023, 7, 12)])
    scored = [SentenceScore(0, 0.60, 0.5), SentenceScore(1, 0.56, 0.5)]
    out = apply_date_intent(snap, scored, DateIntent(present=True))
    assert [s.row for s in out] == [1, 0]


def test_present_tense_does_not_rescue_a_clearly_worse_sentence() -> None:
    snap = _fake_snapshot([dt.date(2022, 4, 20), dt.date(2023, 7, 12)])
    scored = [SentenceScore(0, 0.9, 0.5), SentenceScore(1, 0.3, 0.5)]
    assert [s.row for s in apply_date_intent(snap, scored, DateIntent(present=True))] == [0, 1]


def test_year_range_favours_articles_of_that_year_and_ignores_undated_ones() -> None:
    snap = _fake_snapshot([dt.date(2019, 1, 1), dt.date(2021, 5, 5), None])
    scored = [SentenceScore(0, 0.6, 0.5), SentenceScore(1, 0.55, 0.5), SentenceScore(2, 0.5, 0.5)]
    out = apply_date_intent(snap, scored, DateIntent(2021, 2021))
    assert out[0].row == 1
    assert next(s for s in out if s.row == 2).score == 0.5


def test_a_sentence_that_names_the_year_counts_as_in_range() -> None:
    texts = [
        "He lost the 2016 final.",
        "He reached the final of the Copa Sudamericana in 2014.",
        "In 2014 too.",
    ]
    snap = _fake_snapshot([dt.date(2023, 7, 12), dt.date(2023, 7, 12), None], texts)
    scored = [SentenceScore(0, 0.6, 0.5), SentenceScore(1, 0.55, 0.5), SentenceScore(2, 0.2, 0.5)]
    out = {s.row: s.score for s in apply_date_intent(snap, scored, DateIntent(2014, 2014))}
    assert out[1] > out[0]
    assert out[0] == pytest.approx(0.6 * OUT_OF_RANGE_FACTOR)
    assert out[2] == pytest.approx(0.2 + IN_RANGE_BOOST)


NOW_STORY = [
    "Osorio is still a sought-after coach.",  # 2022: more words in common with the question
    "He now directs Zamalek in Egypt.",  # 2023: says "now"
    "Zamalek now leads the league.",  # 2023, says "now", but not relevant enough
    "He won six titles with Nacional.",  # 2023, relevant, no present
]
NOW_DATES = [dt.date(2022, 4, 20), dt.date(2023, 7, 12), dt.date(2023, 7, 12), dt.date(2023, 7, 12)]


def test_present_question_leads_with_the_newest_relevant_sentence_that_says_now() -> None:
    snap = _fake_snapshot(NOW_DATES, NOW_STORY)
    ordered = [SentenceScore(0, 0.8, 0.7), SentenceScore(3, 0.3, 0.5), SentenceScore(1, 0.06, 0.5)]
    ordered.append(SentenceScore(2, 0.05, 0.2))
    confidence = [SentenceScore(0, 0.79, 0.7), SentenceScore(1, 0.74, 0.5), SentenceScore(3, 0.6, 0.5)]
    confidence.append(SentenceScore(2, 0.3, 0.2))
    out = present_statements_first(snap, ordered, confidence, threshold=0.45)
    assert [s.row for s in out] == [1, 0, 3, 2]
    assert out[0].score > out[1].score


def test_a_now_inside_a_quotation_is_a_speakers_words_not_the_story_stating_the_present() -> None:
    assert states_present("He now directs Zamalek in Egypt.")
    assert states_present("“I am happy,” he said; he is now the coach of Zamalek.")
    assert not states_present("He analyzes it, but warns: “The priority at this moment is Zamalek.”")
    assert not states_present('"The priority right now is Zamalek," was his answer.')
    assert not states_present("«Ahora mi prioridad es el Zamalek», dijo Osorio.")
    story = ["He said: “The priority right now is Zamalek.”", "He now directs Zamalek in Egypt."]
    snap = _fake_snapshot([dt.date(2023, 7, 12)] * 2, story)
    ordered = [SentenceScore(0, 0.8, 0.7), SentenceScore(1, 0.6, 0.6)]
    confidence = [SentenceScore(0, 0.8, 0.7), SentenceScore(1, 0.7, 0.6)]
    # The story's own statement leads; the quoted "right now" is not lifted with it.
    assert [s.row for s in present_statements_first(snap, ordered, confidence, 0.45)] == [1, 0]


def test_present_rule_needs_the_newest_article_and_a_relevant_sentence() -> None:
    dates = [dt.date(2023, 7, 12), dt.date(2022, 1, 1), dt.date(2023, 7, 12), dt.date(2023, 7, 12)]
    snap = _fake_snapshot(dates, NOW_STORY)
    ordered = [SentenceScore(0, 0.8, 0.7), SentenceScore(1, 0.1, 0.5), SentenceScore(2, 0.05, 0.2)]
    confidence = [SentenceScore(0, 0.8, 0.7), SentenceScore(1, 0.7, 0.5), SentenceScore(2, 0.3, 0.2)]
    assert present_statements_first(snap, ordered, confidence, threshold=0.45) == ordered


def test_no_date_intent_leaves_scores_alone() -> None:
    scored = [SentenceScore(0, 0.6, 0.5)]
    assert apply_date_intent(_fake_snapshot([None]), scored, DateIntent()) is scored


def test_fusion_leans_on_bm25_for_spanish() -> None:
    dense_es, sparse_es = retrieval_params("es").fusion_weights
    assert dense_es < sparse_es
    assert retrieval_params("en").fusion_weights == (1.0, 1.0)
    assert retrieval_params("xx") == retrieval_params("unknown") == retrieval_params("en")


def test_retrieve_detects_the_question_language(tiny_answerer: Answerer) -> None:
    snap = tiny_answerer.handle.snapshot()
    embedder = tiny_answerer._embedder
    question = "¿Cuántas horas estuvieron suspendidos los vuelos en el aeropuerto de Catania?"
    assert retrieve(snap, embedder.embed_query(question), question).language == "es"
    english = "How many hours were flights suspended at Catania airport?"
    found = retrieve(snap, embedder.embed_query(english), english)
    assert found.language == "en" and found.hits


def test_candidate_features_are_well_formed_with_answer_type_cues(tiny_answerer: Answerer) -> None:
    snap = tiny_answerer.handle.snapshot()
    question = "How many hours were flights suspended at Catania airport?"
    vector = tiny_answerer._embedder.embed_query(question)
    found = retrieve(snap, vector, question)
    cands = candidate_features(snap, vector, found.terms, question, found.hits)
    assert cands.features.shape == (len(cands.rows), len(FEATURES))
    assert np.isfinite(cands.features).all()
    col = {name: i for i, name in enumerate(FEATURES)}
    texts = [sentence_text(snap, int(r)) for r in cands.rows]
    flights = texts.index(next(t for t in texts if t.startswith("Flights at Catania")))
    assert cands.features[flights, col["cue_number"]] == 1.0  # "six hours"
    assert cands.features[flights, col["overlap"]] > 0.5
    mayor = next(i for i, t in enumerate(texts) if t.startswith("The mayor"))
    assert cands.features[mayor, col["overlap"]] == 0.0
    assert 0.0 < cands.features[:, col["position"]].max() <= 1.0


def test_rerank_model_scores_are_probabilities_that_follow_the_weights(tmp_path: Path) -> None:
    n = len(FEATURES)
    coef = [0.0] * n
    coef[FEATURES.index("overlap")] = 2.0
    params = {"mean": [0.0] * n, "scale": [1.0] * n, "coef": coef, "intercept": -1.0}
    path = tmp_path / "model.json"
    # English has no columns of its own (Spanish ones: tests/test_rerank_es.py).
    path.write_text(json.dumps({"features": list(FEATURES), "languages": {"en": params}}))
    model = RerankModel.load(path)
    assert model.covers("en") and not model.covers("es")
    x = np.zeros((2, n), dtype=np.float32)
    x[1, FEATURES.index("overlap")] = 1.0
    probs = model.score(x, "en")
    assert 0.0 < probs[0] < probs[1] < 1.0
    assert probs[0] == pytest.approx(1 / (1 + np.exp(1.0)), rel=1e-5)


def test_rerank_model_refuses_other_features(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"features": ["a"], "languages": {}}))
    with pytest.raises(ValueError, match="retrain"):
        RerankModel.load(path)


def test_shipped_model_matches_the_features() -> None:
    model = RerankModel.load(MODEL_PATH)
    assert model.covers("es")


def test_leading_date_reads_spanish_news_datelines() -> None:
    from index.ranking.dates import leading_date

    assert leading_date("4 de mayo de 2012 Más de un centenar") == dt.date(2012, 5, 4)
    assert leading_date("El 4 de mayo de 2012") is None
    assert leading_date("31 de febrero de 2012 x") is None


def test_a_year_range_holds_its_years_and_an_open_end_holds_every_year_on_that_side() -> None:
    assert DateIntent(2019, 2021).holds(2019) and DateIntent(2019, 2021).holds(2021)
    assert not DateIntent(2019, 2021).holds(2018) and not DateIntent(2019, 2021).holds(2022)
    assert DateIntent(first_year=2019).holds(2050) and not DateIntent(first_year=2019).holds(2018)
    assert DateIntent(last_year=2019).holds(1900) and not DateIntent(last_year=2019).holds(2020)
