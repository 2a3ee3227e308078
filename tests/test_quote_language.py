"""A quote in another language than the question says so: in the answer, the terminal and Discord."""

from __future__ import annotations

from fake_discord.fakes import make_quote

from bot import render
from index.answer import Answerer
from index.cli import attribution_line
from index.models import other_language


def test_the_answer_carries_the_question_and_article_languages(tiny_answerer: Answerer) -> None:
    answer = tiny_answerer.ask("¿Qué ciudad cubrió de ceniza el volcán Etna el domingo por la noche?")
    assert answer.language == "es"
    assert answer.quotes and {q.language for q in answer.quotes} == {"en"}  # the tiny articles are English
    assert tiny_answerer.ask("When did the Etna volcano erupt?").language == "en"


def test_only_two_known_and_different_languages_count_as_other() -> None:
    assert other_language("en", "es") and other_language("es", "en")
    assert not other_language("en", "en")
    assert not other_language("unknown", "es") and not other_language("en", "unknown")


def test_the_terminal_names_the_quote_language_when_it_differs() -> None:
    english = make_quote().model_copy(update={"language": "en"})
    assert attribution_line(english, 100, "es").endswith(" · in English")
    assert "in English" not in attribution_line(english, 100, "en")
    assert "in " not in attribution_line(english, 100, "unknown").split("·")[-1]


def test_discord_names_the_quote_language_in_the_readers_language() -> None:
    english = make_quote().model_copy(update={"language": "en"})
    assert "en inglés" in render.attribution(english, lang="es")
    assert "in English" not in render.attribution(english, lang="en")
    spanish = make_quote().model_copy(update={"language": "es"})
    assert "in Spanish" in render.attribution(spanish, lang="en")
