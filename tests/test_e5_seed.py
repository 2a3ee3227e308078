"""multilingual-e5-small over the seed corpus: questions across languages; refusing what it does not say."""

from __future__ import annotations

import pytest

from index.answer.answerer import Answerer

pytestmark = pytest.mark.model

SIX_TITLES = "He won six titles with Atlético Nacional"
ZAMALEK = "He now directs Zamalek in Egypt"

# Spanish questions about the English seed articles, and English ones about the Spanish story:
# (question, a passage the first quote must hold).
# Not reached yet (issue 14): the e5 profiles put another sentence first ("Who is building...": e5 scores
# the story's opening sentence above "lo construye el consorcio..."). strict: fails loudly once fixed.
NOT_YET = pytest.mark.xfail(strict=True, reason="e5 profiles: another sentence first (docs/quality.md)")
CROSS_LANGUAGE = [
    ("¿Qué títulos ganó Osorio con Nacional?", SIX_TITLES),
    # The story's own "He now directs Zamalek" leads; the quoted "the priority right now is Zamalek" of the
    # Honduras-offer tweet is the speaker's words (ranking/dates.py).
    ("¿Dónde entrena Osorio ahora?", ZAMALEK),
    ("¿Cuántos partidos dirigió Osorio con México?", "led 52 matches"),
    ("¿Qué selección le ofreció a Osorio ser su entrenador?", "Honduras"),
    ("¿Cuántas veces ha ganado Zamalek la liga egipcia?", "14 times"),
    # The Spanish logistic model's word features cannot read English sentences: the cosine-led confidence
    # orders a question answered in another language (ranking/pipeline.py).
    ("¿A quién derrotó México en el Mundial de 2018?", "against Germany"),
    ("How many stations will the Bogotá metro have?", "16 estaciones"),
    ("When will the first metro line in Bogotá start running?", "marzo de 2028"),
    pytest.param("Who is building the Bogotá metro?", "Apca Transmimetro", marks=NOT_YET),
]
# Not refused yet: the closest passage scores above the e5 threshold (docs/quality.md).
NOT_REFUSED_YET = pytest.mark.xfail(strict=True, reason="e5 confidence: above the threshold")


@pytest.mark.parametrize(("question", "passage"), CROSS_LANGUAGE)
def test_a_question_finds_the_passage_in_the_other_language(
    e5_seed_answerer: Answerer, question: str, passage: str
) -> None:
    answer = e5_seed_answerer.ask(question)
    assert answer.answered, answer.confidence
    assert passage in answer.quotes[0].text


@pytest.mark.parametrize(
    "question",
    [
        pytest.param("How much money does Osorio earn at Zamalek?", marks=NOT_REFUSED_YET),
        pytest.param("Who won the 2022 World Cup?", marks=NOT_REFUSED_YET),
        "What is the boiling point of water at sea level?",
    ],
)
def test_what_the_articles_do_not_say_is_refused_with_the_closest_passage(
    e5_seed_answerer: Answerer, question: str
) -> None:
    answer = e5_seed_answerer.ask(question)
    assert not answer.answered and answer.status == "no_answer"
    assert len(answer.quotes) == 1 and answer.message  # the closest passage, shown as such
    assert answer.confidence is not None and answer.threshold is not None
    assert answer.confidence < answer.threshold


def test_the_seed_example_still_quotes_the_six_titles_sentence(e5_seed_answerer: Answerer) -> None:
    answer = e5_seed_answerer.ask("what did Osorio win with Nacional?")
    assert answer.answered and SIX_TITLES in answer.quotes[0].text
