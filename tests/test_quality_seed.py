"""Quote-first quality on the two seed articles, with the default model: what a reader would ask."""

from __future__ import annotations

import pytest

from index.answer.answerer import Answerer

pytestmark = pytest.mark.model

# question -> sentences (any one of them) that the first quote must contain.
EXPECTED: dict[str, tuple[str, ...]] = {
    "what did Osorio win with Nacional?": ("He won six titles with Atlético Nacional",),
    "where does Osorio coach now?": ("He now directs Zamalek in Egypt",),
    "how many matches did he lead with Mexico?": ("Juan Carlos Osorio led 52 matches",),
    "How many games did Mexico win under Osorio?": ("he won 33 wins, nine draws",),
    "How long did Osorio last in charge of Paraguay?": (
        "he barely lasted five months",
        "he only led a friendly match against South Africa",
    ),
    "Which team did Mexico beat at the 2018 World Cup?": (
        "historic victory against Germany",
        "historic triumph against Germany",
    ),
    "Who offered Osorio the Honduras job?": (
        "the Honduran Federation offered him",
        "Fenafuth has offered him",
    ),
    # A year in the question once put the tweet's trailer ("— Gustavo Roca (@…) July 11, 2023") first.
    "Who offered Osorio a job in 2023?": (
        "the Honduran Federation offered him",
        "Fenafuth has offered him",
    ),
    "Who fired Marcelo Leaño?": ("who fired Marcelo Leaño",),
    "Which journalist said Chivas was interested in Osorio?": ("released by journalist Gustavo Mendoza",),
    "How many times has Zamalek won the Egyptian league title?": ("the title they have won 14 times",),
    "Where did Zamalek finish in the Egyptian league?": ("After finishing in third place",),
    "How did things go for Osorio at Puebla?": ("brief visit to Puebla in 2011",),
    "Why did Osorio leave América de Cali?": (
        "due to poor results in the Dimayor Betplay League",
        "disengagement by mutual agreement",
    ),
    "Who is the secretary of the Honduran federation?": ("José Mejía, secretary of the Honduran Federation",),
    "What does Osorio say his priority is?": ("The priority right now is Zamalek", "priority at this moment"),
    "Who coaches Atlético Mineiro?": ("current coach of Atlético Mineiro",),
    "Which continental final did Osorio reach with Nacional?": ("final of the Copa Sudamericana in 2014",),
    "On which TV show was the Chivas rumour broadcast?": ("program La Última Palabra",),
    "Did Osorio accept the offer from the Mexican club?": ("but rejected the offer",),
    "Who was Osorio meant to replace as Colombia coach?": ("to replace José Néstor Pekerman",),
    "How far did Mexico go at the World Cup in Russia?": ("he reached the round of 16",),
    "How many points did Chivas have when Leaño left?": ("with 17 points",),
    "When did Zamalek last win the league?": ("The most recent was in 2022",),
}


# Known misses today with the default model, multilingual-e5-small (docs/quality.md); strict, so a fix
# shows up as XPASS and the mark must go.
KNOWN_MISSES = {
    "Which journalist said Chivas was interested in Osorio?": "known miss (MiniLM and e5)",
    "Why did Osorio leave América de Cali?": "known miss (MiniLM and e5)",
    # MiniLM's shipped profiles answer this one (test_minilm_seed.py keeps its path covered).
    "On which TV show was the Chivas rumour broadcast?": "e5: the right sentence, but below the threshold",
}


@pytest.mark.parametrize(
    "question",
    [
        pytest.param(q, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[q]))
        if q in KNOWN_MISSES
        else q
        for q in EXPECTED
    ],
)
def test_first_quote_holds_the_answer(seed_answerer: Answerer, question: str) -> None:
    answer = seed_answerer.ask(question)
    assert answer.answered, f"abstained; closest: {answer.quotes[:1]}"
    top = answer.quotes[0].text
    assert any(s in top for s in EXPECTED[question]), f"first quote: {top!r}"


def test_present_tense_question_quotes_the_newer_article(seed_answerer: Answerer) -> None:
    top = seed_answerer.ask("Which club is Osorio currently coaching?").quotes[0]
    assert str(top.date) == "2023-07-12" and "Zamalek" in top.text


def test_every_quote_keeps_the_length_rule(seed_answerer: Answerer) -> None:
    for question in EXPECTED:
        for quote in seed_answerer.ask(question).quotes:
            sentences = quote.text.count(". ") + 1
            assert len(quote.text) <= 400 or sentences == 1


def test_a_spanish_photo_caption_is_not_quoted_before_the_english_story(seed_answerer: Answerer) -> None:
    # "CALI. 7 de agosto de 2021. América y Once Caldas se enfrentaron..." matched "América" and "Cali".
    quotes = [q.text for q in seed_answerer.ask("Why did Osorio leave América de Cali?", max_quotes=3).quotes]
    assert not any("se enfrentaron" in q or q.startswith("CALI.") for q in quotes[:2]), quotes
    assert any("due to poor results in the Dimayor Betplay League" in q for q in quotes[:2]), quotes
