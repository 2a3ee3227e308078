"""Spanish demonyms in questions also look for the place they name (one way only)."""

from __future__ import annotations

from index.text.analysis import analyze, analyze_query
from index.text.demonyms import demonym_forms, places_named


def test_forms_cover_gender_and_number() -> None:
    assert demonym_forms("chileno") == {"chileno", "chilenos", "chilena", "chilenas"}
    assert {"francesa", "franceses"} <= demonym_forms("francés")
    assert {"espanola", "espanoles"} <= demonym_forms("español")
    assert "andaluces" in demonym_forms("andaluz")
    assert demonym_forms("canadiense") == {"canadiense", "canadienses"}


def test_places_are_found_once_in_question_order() -> None:
    words = ["selección", "Chilena", "brasileños", "chilenos", "fútbol"]
    assert places_named(words) == ["chile", "brasil"]
    assert places_named(["estadounidense"]) == ["estados unidos"]
    assert places_named(["Romano", "Prodi"]) == []  # a surname, not a demonym


def test_spanish_questions_gain_the_places_terms() -> None:
    terms = analyze_query("¿Qué trofeo ganó la selección chilena de fútbol?")
    assert set(analyze("Chile", "es")) <= set(terms)
    assert "chilen" in terms  # the question's own word stays
    # A named country does not add its demonym: measured worse on the tuning articles.
    assert not any(t.startswith(("chilen", "~chilen")) for t in analyze_query("¿Qué trofeo ganó Chile?"))


def test_english_questions_are_untouched() -> None:
    # Only questions detected as Spanish map demonyms ("chilena" in an English question adds no "~chile").
    assert not any(t.startswith("~") for t in analyze_query("Which trophy did the chilena team win?"))
