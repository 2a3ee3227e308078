"""Text -> BM25 terms: lowercase words, stopwords dropped, Snowball-stemmed per language, accents folded."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_SPANISH

from index.text.demonyms import places_named
from index.text.language import detect_language
from index.text.lemmas import IRREGULAR_EN

ANALYZER_VERSION = "words-lemma-snowball-en-es-v3-es-plural"
_WORD = re.compile(r"\w+", re.UNICODE)
# NLTK lists "won" (from "won't"); in news it is the past of "win".
_STOPWORDS = {"en": frozenset(STOPWORDS_EN_PLUS) - {"won"}, "es": frozenset(STOPWORDS_SPANISH)}
_STEMMERS = {"en": "english", "es": "spanish"}


def _word_set(text: str) -> frozenset[str]:
    """Words written as one space-separated string (easier to read and edit than a list)."""
    return frozenset(text.split())


# Words that shape a Spanish question but are not what it is about: interrogatives (with and without
# accents, as users type them) and light verbs. Only questions drop them; articles keep every word.
_QUESTION_STOPWORDS_ES = _word_set(
    "qué que cuál cual cuáles cuales quién quien quiénes quienes cuánto cuanto cuánta cuanta cuántos "
    "cuantos cuántas cuantas dónde donde adónde adonde cómo como cuándo cuando ser haber hacer hace hizo "
    "hicieron llama llaman llamaba llamó llamado llamada nombre"
)
# Articles of unknown language are treated as English: most of the corpus is.
_FALLBACK = "en"


@lru_cache(maxsize=4)
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_STEMMERS[language])


@lru_cache(maxsize=200_000)
def _fold(term: str) -> str:
    # Users type "Atletico" for "Atlético": fold accents after stemming, which needs them.
    decomposed = unicodedata.normalize("NFKD", term)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _known(language: str) -> str:
    return language if language in _STEMMERS else _FALLBACK


def _words(text: str, stop: frozenset[str], language: str) -> list[str]:
    words = [w for w in _WORD.findall(text.lower()) if w not in stop and w != "_"]
    if language == "en":
        words = [IRREGULAR_EN.get(w, w) for w in words]
    return words


def analyze(text: str, language: str) -> list[str]:
    """Terms of a document written in `language` ("en", "es"; anything else is read as English)."""
    lang = _known(language)
    stop = _STOPWORDS[lang]
    words = _words(text, stop, lang)
    stems = [_fold(s) for s in _stemmer(lang).stemWords(words)]
    return stems + _plural_free(words) if lang == "es" else stems


def _plural_free(words: list[str]) -> list[str]:
    """Light Spanish terms beside Snowball's: accents folded, plural ending dropped, marked with "~"."""
    # Snowball conflates too much for news ("partido" and "parte" both give "part") and too little
    # elsewhere; the light form recovers exact words. Tuning articles, right article first among whole
    # articles: Snowball 0.651, light alone 0.663, both 0.678.
    out = []
    for word in words:
        w = _fold(word)
        if len(w) > 5 and w.endswith("es"):
            w = w[:-2]
        elif len(w) > 4 and w.endswith("s"):
            w = w[:-1]
        out.append("~" + w)
    return out


def analyze_query(question: str) -> list[str]:
    """Distinct terms of a question, stemmed both ways so it matches English and Spanish articles."""
    lang = detect_language(question)
    stop = _STOPWORDS[lang] if lang in _STOPWORDS else _STOPWORDS["en"] | _STOPWORDS["es"]
    if lang == "es":
        stop = stop | _QUESTION_STOPWORDS_ES
    words = _words(question, stop, lang if lang == "es" else "en")
    terms: dict[str, None] = {}
    # Names and loanwords stem differently per language ("Osorio" -> "osorio" / "osori"); keep both.
    # A Spanish question's other words would only add English stems that collide with Spanish ones.
    names = _capitalised(question) if lang == "es" else None
    for number, stemmer_lang in enumerate(("en", "es") if lang != "es" else ("es", "en")):
        chosen = words if number == 0 or names is None else [w for w in words if w in names]
        for term in _stemmer(stemmer_lang).stemWords(chosen):
            terms.setdefault(_fold(term), None)
    for term in _plural_free(words) if lang == "es" else []:
        terms.setdefault(term, None)
    # "la selección chilena" also looks for "Chile" (index/demonyms.py: tuning articles, oracle +0.009).
    for place in places_named(words) if lang == "es" else []:
        for term in analyze(place, "es"):
            terms.setdefault(term, None)
    return list(terms)


def _capitalised(text: str) -> frozenset[str]:
    """Lowercased words written with a capital (names, acronyms)."""
    return frozenset(w.lower() for w in _WORD.findall(text) if w[0].isupper())
