"""Tell English from Spanish by counting very common function words; cheap and good enough for routing."""

from __future__ import annotations

import re

# Snowball stemmer names for the languages detect_language can return (used by the BM25 module).
STEMMER_LANGUAGE: dict[str, str] = {"en": "english", "es": "spanish"}


def _words(text: str) -> frozenset[str]:
    """A set of words written as one space-separated string (easier to read and edit than a list)."""
    return frozenset(text.split())


# Words spelled the same in both languages ("a", "no", "me", "son", "sin", "era", "un") are left out
# on purpose: they would count for both sides and blur short questions. "he" stays in English because
# Spanish "he" (I have) is rare in news prose while English "he" is everywhere.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the and of to in is was that for with he his it on by at this are be from had have were which "
        "who what when where why how an or but not they their she her will would been its after about "
        "into there did does do said than"
    ),
    "es": _words(
        "el la los las de del que y en por para con una se su sus al lo le les es fue como pero más este "
        "esta ese esa entre sobre también ya muy desde porque cuando donde qué quién quiénes cómo dónde "
        "cuándo cuál cuáles cuánto cuánta cuántos cuántas ha han está hay ser sido"
    ),
}

# Each function word's language, for one look-up per word (the two lists share no word).
_LANGUAGE_OF: dict[str, str] = {word: lang for lang, words in _FUNCTION_WORDS.items() for word in words}

# Enough text to be sure of an article's language; reading more only costs time.
_MAX_CHARS = 2000
_MIN_HITS = 2
# The winner must beat the other language by this factor, so mixed text (a Spanish caption over an
# English article, a Spanish name in an English question) is not called for the wrong side.
_MIN_RATIO = 1.5

_WORD = re.compile(r"\w+")
# Only Spanish opens questions and exclamations with inverted marks: a short question ("¿Cuándo murió
# Otto?") may hold a single function word, and the mark is the surest sign of its language.
_INVERTED_MARKS = re.compile(r"[¿¡]")
_MARK_HITS = 2


def detect_language(text: str) -> str:
    """Return "en", "es" or "unknown" for a text, from counts of common function words."""
    counts = dict.fromkeys(_FUNCTION_WORDS, 0)
    counts["es"] += _MARK_HITS * len(_INVERTED_MARKS.findall(text[:_MAX_CHARS]))
    for language in map(_LANGUAGE_OF.get, _WORD.findall(text[:_MAX_CHARS].lower())):
        if language is not None:
            counts[language] += 1
    (best, best_count), (_, other_count) = sorted(counts.items(), key=lambda item: item[1], reverse=True)
    if best_count < _MIN_HITS or best_count <= other_count * _MIN_RATIO:
        return "unknown"
    return best
