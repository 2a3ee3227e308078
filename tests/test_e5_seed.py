"""multilingual-e5-small over the seed corpus: questions across languages; refusing what it does not say."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import seed_index

from index.answer.answerer import NO_ANSWER, Answerer
from index.build.builder import IndexBuilder
from index.embedding.protocol import Embedder
from index.models import Answer

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
    # Ordered by the cross-language logistic model (session 9): the "qualified for Russia 2018" sentence
    # leads the "historic triumph against Germany" one by 0.007; the confidence's cosine order had it first.
    pytest.param(
        "¿A quién derrotó México en el Mundial de 2018?",
        "against Germany",
        marks=pytest.mark.xfail(
            strict=True, reason="logistic across languages: a near tie (docs/quality.md)"
        ),
    ),
    ("How many stations will the Bogotá metro have?", "16 estaciones"),
    ("When will the first metro line in Bogotá start running?", "marzo de 2028"),
    pytest.param("Who is building the Bogotá metro?", "Apca Transmimetro", marks=NOT_YET),
]


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
        "How much money does Osorio earn at Zamalek?",  # no amount anywhere: "He now directs Zamalek"
        "Who won the 2022 World Cup?",  # a 2018 World Cup sentence, in a story that never names 2022
        "What is the boiling point of water at sea level?",
        # Near misses: the names match, the role or life event asked for is nowhere in the story
        # (index.ranking.relation.role_absent): a sentence about the Colombia national team, José Mejía
        # the federation's secretary, Osorio's quote about Zamalek, his career, Egypt's league.
        # Still answered: "What is the population of Bogotá?" (the closest story is Spanish: the English
        # role words cannot be looked for in it) and "How many goals did Mexico score against Germany?".
        "Who is the president of Colombia?",
        "Who is the president of the Honduran federation?",
        "Who is the president of Zamalek?",
        "When was Osorio born?",
        "What is the capital of Egypt?",
        # An amount or an age the quoted sentence does not state (answerability.lacks_amount). Still
        # answered: "¿Cuántos años tiene Osorio?", whose closest sentence holds a figure ("six titles").
        # The same near misses asked in Spanish about the English stories: the role's English words.
        "¿Quién es el presidente de Colombia?",
        "¿Con quién está casado Osorio?",
        "What is Osorio's salary?",
        "¿Cuánto gana Osorio en el Zamalek?",
        "How old is Juan Carlos Osorio?",
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


def test_the_role_the_story_states_is_answered_from_the_sentence_a_near_miss_is_refused_with(
    e5_seed_answerer: Answerer,
) -> None:
    secretary = e5_seed_answerer.ask("Who is the secretary of the Honduran federation?")
    president = e5_seed_answerer.ask("Who is the president of the Honduran federation?")
    assert secretary.answered and "José Mejía, secretary" in secretary.quotes[0].text
    assert not president.answered and "José Mejía, secretary" in president.quotes[0].text


def test_the_seed_example_still_quotes_the_six_titles_sentence(e5_seed_answerer: Answerer) -> None:
    answer = e5_seed_answerer.ask("what did Osorio win with Nacional?")
    assert answer.answered and SIX_TITLES in answer.quotes[0].text


# The 2023 story (Zamalek, the Honduras offer) of the two seed articles.
ZAMALEK_STORY = "001_55c37db124a18bc8.txt"
ABOUT_ZAMALEK_STORY = [
    "How many times has Zamalek won the Egyptian league title?",
    "Who is the secretary of the Honduran federation?",
    "Which national team did the Honduran Federation offer Osorio?",
]
# Not refused yet: the story left also has Osorio turning down a national team's offer (Mexico's).
STILL_ANSWERED = {"Which national team did the Honduran Federation offer Osorio?"}


@pytest.fixture(scope="module")
def after_deletion(
    default_embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Answerer]:
    """The seed corpus indexed, then its 2023 story deleted from the corpus and the index rebuilt."""
    root = tmp_path_factory.mktemp("seed-deleted")
    answerer = seed_index(default_embedder, root)
    assert all(answerer.ask(q).answered for q in ABOUT_ZAMALEK_STORY)  # answered while it is indexed
    (root / "corpus" / ZAMALEK_STORY).unlink()
    IndexBuilder(root / "corpus", root / "index", default_embedder).build(interactive=False)
    answerer.handle.reload()
    yield answerer


def _refused_with_the_closest_passage(answerer: Answerer, question: str) -> Answer:
    answer = answerer.ask(question)
    assert not answer.answered and answer.status == "no_answer", (answer.confidence, answer.threshold)
    assert answer.message == NO_ANSWER and len(answer.quotes) == 1  # the closest passage, labelled
    assert answer.confidence is not None and answer.threshold is not None
    assert answer.confidence < answer.threshold
    return answer


@pytest.mark.parametrize(
    "question",
    [
        pytest.param(q, marks=pytest.mark.xfail(strict=True, reason="the story left has another offer"))
        if q in STILL_ANSWERED
        else q
        for q in ABOUT_ZAMALEK_STORY
    ],
)
def test_questions_about_a_deleted_article_are_refused_with_the_closest_passage(
    after_deletion: Answerer, question: str
) -> None:
    answer = _refused_with_the_closest_passage(after_deletion, question)
    assert str(answer.quotes[0].date) == "2022-04-20"  # from the story that is left


def test_the_article_left_after_a_deletion_still_answers(after_deletion: Answerer) -> None:
    answer = after_deletion.ask("how many matches did he lead with Mexico?")
    assert answer.answered and "led 52 matches" in answer.quotes[0].text


@pytest.mark.parametrize(
    "question",
    [
        "How many stations will the Bogotá metro have?",
        "¿Cuánto cuesta el metro de Bogotá?",
        "Who is building the Bogotá metro?",
    ],
)
def test_questions_about_an_article_not_indexed_yet_are_refused_with_the_closest_passage(
    seed_answerer: Answerer, question: str
) -> None:
    # The seed corpus without the Spanish metro story, which e5_seed_answerer holds and answers.
    _refused_with_the_closest_passage(seed_answerer, question)
