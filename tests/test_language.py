"""Language detection from common function words."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.text.language import _FUNCTION_WORDS, STEMMER_LANGUAGE, detect_language

SEED_CORPUS = Path(__file__).resolve().parent / "fixtures" / "seed_corpus"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¿Quién ganó las elecciones en 2012?", "es"),
        ("who won the election?", "en"),
        ("Osorio?", "unknown"),
        ("", "unknown"),
        ("¿Qué pasó con Osorio en el Zamalek?", "es"),
        ("What did Osorio say about the Chivas offer?", "en"),
        # One hit each way is a tie: not enough to call it.
        ("Who is Juan de la Cruz?", "unknown"),
        ("El presidente dijo que la economía crecerá este año, según los datos del banco.", "es"),
        ("The president said that the economy will grow this year, according to the bank.", "en"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_words_shared_by_both_languages_do_not_count() -> None:
    assert _FUNCTION_WORDS["en"].isdisjoint(_FUNCTION_WORDS["es"])
    assert detect_language("a no me a no me a no me") == "unknown"


def test_case_and_accents() -> None:
    assert detect_language("LA CASA DE LOS ESPÍRITUS ESTÁ EN LA CIUDAD") == "es"


def test_english_article_with_spanish_caption() -> None:
    text = (SEED_CORPUS / "000_091352c6376e510e.txt").read_text(encoding="utf-8")
    assert detect_language(text) == "en"


def test_only_the_start_is_read() -> None:
    text = "the and of to in " * 150 + "el la los las de del que y en por " * 400
    assert len(text) > 2000
    assert detect_language(text) == "en"


def test_stemmer_names() -> None:
    assert STEMMER_LANGUAGE == {"en": "english", "es": "spanish"}
