"""Shared word lists: months, the pronouns and connectives a sentence can open with, and their patterns.

Each list is written once; the modules that read them keep their own choice of list (a person pronoun for
"who is he", any anaphora for a stored fact, anaphora or a connective for quote growth), because the
models were trained on those choices.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MONTHS_EN = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
MONTHS_ES = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
)  # fmt: skip

# Person pronouns: "it"/"this" point at noun phrases far more often than at names.
PERSON_PRONOUNS_EN = ("he", "she", "his", "her")
# Pronouns and demonstratives that lean on an earlier sentence ("He won six titles...").
ANAPHORA = (
    "he", "she", "it", "they", "this", "that", "these", "those", "his", "her", "its", "their",
    "él", "ella", "ellos", "ellas", "esto", "su", "sus",
)  # fmt: skip
# What makes a quote take the sentence before it: the anaphora above, more demonstratives, connectives.
LEANS_ON_PREVIOUS = (
    "he", "she", "it", "they", "this", "that", "these", "those", "his", "her", "its", "their", "there",
    "but", "however", "also", "él", "ella", "ellos", "ellas", "esto", "este", "esta", "eso", "su", "sus",
    "pero", "sin embargo",
)  # fmt: skip


# Years, written once in two senses. As a date the question names ("in 2021", "desde 2019"): 1800-2099.
YEAR_DIGITS = r"(1[89]\d{2}|20\d{2})"
YEAR = re.compile(rf"\b{YEAR_DIGITS}\b")
# As a fact a sentence states, stored at build time and read by the trees (trained on this pattern):
# 1000-2099, with a decade's "s" ("the 1990s").
FACT_YEAR = re.compile(r"\b(1\d{3}|20\d{2})s?\b")


def opening_word(words: Sequence[str]) -> re.Pattern[str]:
    """A case-insensitive pattern: the text opens (after a quote mark or bracket) with one of `words`."""
    return re.compile(r"^[\"“'‘(]?(" + "|".join(words) + r")\b", re.IGNORECASE)
