"""What the facts store holds about each sentence: sets of strings and yes/no flags, one extractor each.

Add a per-sentence fact here (and bump facts.FACTS_VERSION); the feature code reads it from FactsBatch.
Extractors run on every sentence at build time, so the slow regexes have exact, faster equivalents:
a `\\b(word|...)\\b` search holds exactly when some maximal `\\w+` run of the text matches the
alternation whole (tests/test_facts.py checks each against its plain regex).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from index.text.lexicon import ANAPHORA, FACT_YEAR, MONTHS_EN, MONTHS_ES, opening_word

# Used by quote_features (the tree model's wording features).
_NAME = re.compile(r"(?<!^)\b[A-ZÁÉÍÓÚÑ][\wÁÉÍÓÚÑáéíóúñ]+")
_NUMBER = re.compile(r"\d[\d,.]*")


def _words(text: str) -> list[str]:
    """Words written as one space-separated string (easier to read and edit than a list)."""
    return text.split()


# English month names capitalised, Spanish ones lower-case, as news writes them.
_MONTH_NAMES = frozenset([m.capitalize() for m in MONTHS_EN] + list(MONTHS_ES))
# Used by rerank (the base features); their wording differs from the ones above on purpose (trained so).
_NUMBER_WORDS = _words(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred "
    "thousand million billion dos tres cuatro cinco seis siete ocho nueve diez cien mil millones"
)
_MONTHS = [*MONTHS_EN, *MONTHS_ES]
_CUE_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-ZÁÉÍÓÚÑ][a-záéíóúñ]+")
_ANAPHORA = opening_word(ANAPHORA)
# The rerank cues as trained: r"\d|\b(number words)\b" and
# r"\b(1\d{3}|20\d{2}|months)\b|\d{1,2}(st|nd|rd|th)\b" (both re.I), split into their parts.
_DIGIT = re.compile(r"\d")
_DATE_DIGITS = re.compile(r"\b(1\d{3}|20\d{2})\b|\d{1,2}(st|nd|rd|th)\b", re.I)
_WORD = re.compile(r"\w+")


class _Words:
    """A case-insensitive alternation of (ASCII) words, matched against whole `\\w+` runs."""

    def __init__(self, words: list[str]) -> None:
        self._lower = frozenset(words)
        self._pattern = re.compile("|".join(words), re.I)
        # re.I folds one character to one character, so a run can only match a word of its own length.
        self._lengths = frozenset(len(w) for w in words)

    def any_run(self, text: str) -> bool:
        """Whether some word of `text` is one of the words, in any case (as re.I would find it)."""
        # An ASCII run matches exactly when its lowercase is a word; others ("ſeven") take the regex.
        return any(
            w.lower() in self._lower
            if w.isascii()
            else len(w) in self._lengths and self._pattern.fullmatch(w)
            for w in _runs(text)
        )


_NUMBER_RUNS = _Words(_NUMBER_WORDS)
_MONTH_RUNS = _Words(_MONTHS)


@lru_cache(maxsize=4)
def _runs(text: str) -> list[str]:
    # Several extractors read the same sentence's words, one after the other.
    return _WORD.findall(text)


# Sets of strings a sentence holds; at question time each is compared with the question's lowercased words.
SETS: dict[str, Callable[[str], Iterable[str]]] = {
    "names": lambda text: (m.lower() for m in _NAME.findall(text)),
    "years": FACT_YEAR.findall,
    "numbers": _NUMBER.findall,
    "cue_names": lambda text: (m.group(0).lower() for m in _CUE_NAME.finditer(text)),
}
# Yes/no facts, one bit each.
FLAGS: dict[str, Callable[[str], bool]] = {
    "month": lambda text: any(w in _MONTH_NAMES for w in _runs(text)),
    "percent": lambda text: "%" in text or "percent" in text or "por ciento" in text,
    "money": lambda text: "$" in text or "€" in text or "£" in text,
    "cue_number": lambda text: bool(_DIGIT.search(text)) or _NUMBER_RUNS.any_run(text),
    "cue_date": lambda text: (
        bool(_DIGIT.search(text) and _DATE_DIGITS.search(text)) or _MONTH_RUNS.any_run(text)
    ),
    "anaphora": lambda text: bool(_ANAPHORA.match(text)),
}
