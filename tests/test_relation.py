"""The relation a question asks about (its own words besides names) and where an article holds it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from index.ranking.answerability import coverage
from index.ranking.relation import (
    article_terms_of,
    asked_role,
    relation_presence,
    relation_words,
    role_absent,
)
from index.store.facts import keys_of
from index.store.generations import Snapshot


@pytest.mark.parametrize(
    ("question", "language", "words"),
    [
        ("Who is the president of Colombia?", "en", [["presid"]]),  # "Colombia" is a name
        ("When was Osorio born?", "en", [["bear"]]),  # lemmatised as the articles are
        ("How many games did Mexico win in 2018?", "en", [["game"], ["win"]]),  # no figures, no "how many"
        ("¿Cuántos partidos dirigió Osorio con México?", "es", [["part", "~partido"], ["dirig", "~dirigio"]]),
        ("Where is Mexico?", "en", []),  # only a name
    ],
)
def test_the_words_of_a_question_besides_its_names(
    question: str, language: str, words: list[list[str]]
) -> None:
    assert relation_words(question, language) == words


STORY = {
    "osorio.txt": " date 2023-07-12 Osorio led Mexico in 52 matches.\n\n"
    "He won 33 of them.\n\n"
    "Later he coached Paraguay; he coaches Zamalek now.\n\n"
    "José Mejía, secretary of the Honduran Federation, confirmed the offer.",
}


def test_where_the_sentence_its_window_and_its_article_hold_the_asked_relation(
    make_snapshot: Callable[..., Snapshot],
) -> None:
    snap = make_snapshot("osorio", STORY)
    mejia = 3  # the Honduran federation's secretary, not its president
    president = relation_presence(
        snap, mejia, relation_words("Who is the president of the federation?", "en")
    )
    assert president.sentence == 0.5 and president.window == 0.5  # "federation", not "president"
    assert not president.head_window and not president.head_article
    secretary = relation_presence(
        snap, mejia, relation_words("Who is the secretary of the federation?", "en")
    )
    assert secretary.sentence == 1.0 and secretary.head_window and secretary.head_article
    # "won" is in the second sentence: the first one's window and article hold it, the first one does not.
    won = relation_presence(snap, 0, relation_words("How many matches did Osorio win?", "en"))
    assert won.sentence == 0.5 and won.window == 1.0 and won.article == 1.0
    coached = relation_presence(snap, 0, relation_words("Who coached Paraguay?", "en"))
    assert coached.window == 0.0 and coached.article == 1.0 and coached.head_article
    assert relation_presence(snap, 0, []).head_window  # nothing asked besides names: nothing missing


@pytest.mark.parametrize(
    ("question", "language", "first"),
    [
        ("Who is the president of Colombia?", "en", "presid"),
        ("When was Osorio born?", "en", "bear"),
        ("¿Quién es el entrenador del Villarreal?", "es", "entren"),
        ("Who offered Osorio the Honduras job?", "en", None),  # "offer": no role
    ],
)
def test_the_role_a_question_asks_about(question: str, language: str, first: str | None) -> None:
    role = asked_role(relation_words(question, language), language)
    assert (role is None) if first is None else (role is not None and first in role.terms[language])


LIVES = {
    "chopin.txt": " date 2020-01-01 Frédéric Chopin (1 March 1810 – 17 October 1849) was a composer.\n\n"
    "He gave his last concert in Paris.",
}


def test_a_role_or_a_birth_that_the_article_never_names(make_snapshot: Callable[..., Snapshot]) -> None:
    snap = make_snapshot("osorio", {**STORY, **LIVES})
    osorio = next(i for i, a in enumerate(snap.data.articles) if a.id.startswith("osorio"))
    row, chopin = int(snap.data.article_starts[osorio]), int(snap.data.article_starts[1 - osorio])

    def absent(question: str, at: int) -> bool:
        return role_absent(snap, at, relation_words(question, "en"), "en", "en")

    assert absent("Who is the president of the Honduran Federation?", row)  # its secretary, no president
    assert not absent("Who is the secretary of the Honduran Federation?", row)  # in another sentence
    assert not absent("Who coached Paraguay?", row)  # "coached" and "coaches": one role
    assert not absent("Who fired Osorio?", row)  # not a role: left to the trees
    assert absent("When was Osorio born?", row)
    assert not absent("When was Chopin born?", chopin)  # his lifespan in brackets states it
    # A Spanish question about the English story looks for the English words of the same role.
    spanish = relation_words("¿Quién es el presidente de la Federación Hondureña?", "es")
    assert role_absent(snap, row, spanish, "es", "en")
    coach = relation_words("¿Quién entrena a Paraguay?", "es")
    assert not role_absent(snap, row, coach, "es", "en")  # "entrena" asks what "coached" names


def test_an_articles_terms_gathered_once_give_what_each_reading_gathers_itself(
    make_snapshot: Callable[..., Snapshot],
) -> None:
    snap = make_snapshot("osorio", {**STORY, **LIVES})
    osorio = next(i for i, a in enumerate(snap.data.articles) if a.id.startswith("osorio"))
    first, end = (int(v) for v in snap.data.article_starts[osorio : osorio + 2])
    terms = article_terms_of(snap, first + 1)
    assert (terms.first, terms.end, terms.sentences.size) == (first, end, end - first)
    keys = keys_of(["secretari", "presid", "coach", "osorio"])
    in_sentences, in_title = terms.presence(keys)
    assert in_sentences.shape == (end - first, 4) and in_title.shape == (4,)
    assert in_sentences[:, 0].tolist() == [False, False, False, True]  # the secretary: the last sentence
    assert not in_sentences[:, 1].any() and in_sentences[2, 2] and in_title[3]  # "Osorio" in the title
    for question in ("Who is the president of the federation?", "Who coached Paraguay?", "When was he born?"):
        words = relation_words(question, "en")
        for row in range(first, end):
            assert relation_presence(snap, row, words, terms) == relation_presence(snap, row, words)
            gathered = role_absent(snap, row, words, "en", "en", terms)
            assert gathered == role_absent(snap, row, words, "en", "en")
            assert coverage(snap, row, ["osorio", "coach"], terms) == coverage(snap, row, ["osorio", "coach"])
