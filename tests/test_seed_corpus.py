"""The product's default corpus with the real model: the README's example must quote the right sentence."""

from __future__ import annotations

import pytest

from index.answer.answerer import Answerer

pytestmark = pytest.mark.model

SIX_TITLES = (
    "He won six titles with Atlético Nacional (three Leagues, two Colombian Cups and one Super League)"
)


def test_osorio_nacional_example_quotes_the_six_titles_sentence_first(seed_answerer: Answerer) -> None:
    answer = seed_answerer.ask("what did Osorio win with Nacional?")
    assert answer.answered
    top = answer.quotes[0]
    assert SIX_TITLES in top.text
    assert str(top.date) == "2023-07-12" and top.article_id == "001_55c37db124a18bc8"
    assert SIX_TITLES in top.text[top.highlight_start : top.highlight_end]


def test_unrelated_question_is_not_answered(seed_answerer: Answerer) -> None:
    answer = seed_answerer.ask("What is the boiling point of water at sea level?")
    assert not answer.answered and len(answer.quotes) == 1
